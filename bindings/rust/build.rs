// Links liblocus.so, the C API built by CMake. LOCUS_LIB_DIR names its folder; without it the repository's
// build/release is used. The folder is also written into the test binaries' run path, so `cargo test` runs
// without LD_LIBRARY_PATH.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LOCUS_LIB_DIR");
    let dir = match env::var_os("LOCUS_LIB_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../build/release"),
    };
    let lib = dir.join("liblocus.so");
    if !lib.exists() {
        panic!(
            "liblocus.so is not in {}: build it (cmake --preset release && cmake --build build/release) or set \
             LOCUS_LIB_DIR to the folder that holds it",
            dir.display()
        );
    }
    let dir = dir.canonicalize().unwrap();
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=locus");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    println!("cargo:lib_dir={}", dir.display());
}
