#!/usr/bin/env bash
# Builds bench/llamacpp/llamacpp_bench.c against the prebuilt llama.cpp libraries installed by install.sh
# (runs install.sh first; it skips what is already there). Output: .bench/llamacpp/llamacpp_bench (rpath to the libs).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/.bench}"
OUT_DIR="$BENCH_DIR/llamacpp"
CC="${CC:-cc}"

die() { echo "build.sh: error: $*" >&2; exit 1; }
command -v "$CC" >/dev/null 2>&1 || die "C compiler '$CC' not found (apt-get install gcc)"

BENCH_DIR="$BENCH_DIR" bash "$HERE/install.sh" >/dev/null
[[ -f "$OUT_DIR/env" ]] || die "$OUT_DIR/env missing after install.sh"
BINS="$(sed -n 's/^BINS=//p' "$OUT_DIR/env")"
INCLUDE="$(sed -n 's/^INCLUDE=//p' "$OUT_DIR/env")"
[[ -d "$BINS" && -f "$INCLUDE/llama.h" ]] || die "install.sh did not leave libraries ($BINS) and headers ($INCLUDE)"

# The libraries carry versioned names (libllama.v0.5.0.so, ...): link them by file name.
lib() {
  local f
  f="$(cd "$BINS" && ls $1 2>/dev/null | head -n1)" || true
  [[ -n "$f" ]] || die "no $1 in $BINS"
  echo "-l:$f"
}
LIBS=("$(lib 'libllama.*so')" "$(lib 'libggml.*so')" "$(lib 'libggml-base*.so')")

SRC="$HERE/llamacpp_bench.c"
EXE="$OUT_DIR/llamacpp_bench"
if [[ -x "$EXE" && "$EXE" -nt "$SRC" && "$EXE" -nt "$OUT_DIR/env" && "$EXE" -nt "$HERE/build.sh" ]]; then
  echo "build.sh: $EXE is up to date" >&2
else
  "$CC" -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -I"$INCLUDE" -DLLAMACPP_BINS_DIR="\"$BINS\"" \
    "$SRC" -o "$EXE" -L"$BINS" "${LIBS[@]}" -Wl,-rpath,"$BINS" -lm \
    || die "compilation failed"
  echo "build.sh: built $EXE" >&2
fi
echo "$EXE"
