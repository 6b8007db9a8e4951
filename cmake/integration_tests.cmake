# CTest tests beyond the GoogleTest binaries: the install + example build, and the Rust and Python bindings,
# each generating text with the bundled model and comparing it with `locus run`. Not under the sanitizer
# preset: liblocus.so would need the ASan runtime preloaded into cargo's and python's processes (the C API
# itself runs under ASan + UBSan in tests/api).
if(LOCUS_SANITIZE)
  return()
endif()

add_test(NAME packaging.install_and_build_example
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/packaging/install_test.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging.install_and_build_example PROPERTIES TIMEOUT 300)

# Rust: must be present (no silent skip); crates.io is not used (the crate has no dependencies).
find_program(LOCUS_CARGO cargo HINTS $ENV{HOME}/.cargo/bin /root/.cargo/bin)
if(LOCUS_CARGO)
  add_test(NAME bindings.rust
    COMMAND ${CMAKE_COMMAND} -E env CARGO_NET_OFFLINE=true LOCUS_LIB_DIR=${PROJECT_BINARY_DIR}
            LOCUS_BINARY=$<TARGET_FILE:locus> CARGO_TARGET_DIR=${PROJECT_BINARY_DIR}/cargo
            ${LOCUS_CARGO} test --offline --manifest-path ${PROJECT_SOURCE_DIR}/bindings/rust/Cargo.toml)
else()
  add_test(NAME bindings.rust COMMAND sh -c "echo 'cargo not found (looked on PATH and in ~/.cargo/bin)' >&2; exit 1")
endif()
set_tests_properties(bindings.rust PROPERTIES TIMEOUT 600)

find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME bindings.python
  COMMAND ${CMAKE_COMMAND} -E env LOCUS_LIB_DIR=${PROJECT_BINARY_DIR} LOCUS_BINARY=$<TARGET_FILE:locus>
          ${Python3_EXECUTABLE} -m unittest discover -s ${PROJECT_SOURCE_DIR}/bindings/python/tests -v)
set_tests_properties(bindings.python PROPERTIES TIMEOUT 300)

# tools/: the GGUF exporter and reference forward of the training script, checked against the engine (pure
# Python: no torch or numpy needed).
add_test(NAME tools.train_export
  COMMAND ${CMAKE_COMMAND} -E env LOCUS_LIB_DIR=${PROJECT_BINARY_DIR} LOCUS_BINARY=$<TARGET_FILE:locus>
          ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/test_export.py)
set_tests_properties(tools.train_export PROPERTIES TIMEOUT 120)
