#!/usr/bin/env bash
# Installs the build tree into a fresh prefix, builds examples/c against it twice (CMake find_package, then
# pkg-config + cc), runs each on the bundled default model (Locus's own sparse model) and compares its text with
# `locus run --temp 0` of the installed binary, which must find that model by itself and run it in predictor mode.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/locus_install_XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/locus include/locus/locus.h share/locus/models/relu-llama-tiny-par.powerinfer.gguf \
         share/locus/models/stories260K.gguf; do
  [ -e "$prefix/$f" ] || { echo "install_test: $f was not installed"; exit 1; }
done
libdir=$(dirname "$(find "$prefix" -name liblocus.so -print -quit)")
[ -e "$libdir/liblocus.a" ] || { echo "install_test: liblocus.a was not installed"; exit 1; }
exported=$(nm -D --defined-only "$libdir/liblocus.so" | awk '{print $3}' | grep -v '^locus_' || true)
[ -z "$exported" ] || { echo "install_test: liblocus.so exports more than locus_*: $exported"; exit 1; }

model=$prefix/share/locus/models/relu-llama-tiny-par.powerinfer.gguf
prompt="Once upon a time"
# The installed binary finds its bundled model by itself (no -m) and runs it in predictor mode.
(cd "$work" && "$prefix/bin/locus" run -p "$prompt" -n 40 --temp 0 -t 1 2>"$work/run.err") > "$work/want.txt"
[ -s "$work/want.txt" ] || { echo "install_test: locus run printed nothing"; cat "$work/run.err"; exit 1; }
grep -q "share/locus/models/relu-llama-tiny-par.powerinfer.gguf, 1 threads, sparse predictor" "$work/run.err" ||
  { echo "install_test: locus run did not run the installed default model in predictor mode:"; cat "$work/run.err"; exit 1; }

check() {  # name, binary
  "$2" "$model" "$prompt" 40 2>/dev/null > "$work/$1.txt"
  if ! cmp -s "$work/want.txt" "$work/$1.txt"; then
    echo "install_test: $1 printed something else than locus run:"; diff "$work/want.txt" "$work/$1.txt" || true
    exit 1
  fi
  echo "install_test: $1 matches locus run"
}

# CMake package: shared and static imported targets.
cmake -S "$src/examples/c" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >/dev/null
cmake --build "$work/cmake-build" >/dev/null
check cmake-shared "$work/cmake-build/simple"
check cmake-static "$work/cmake-build/simple_static"

# pkg-config.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion locus)" = "$(sed -n 's/^project(locus VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")" ] ||
  { echo "install_test: pkg-config version differs from the project's"; exit 1; }
cc -std=c99 -Wall -Werror "$src/examples/c/simple.c" -o "$work/simple-pc" $(pkg-config --cflags --libs locus) \
  -Wl,-rpath,"$libdir"
check pkg-config "$work/simple-pc"
