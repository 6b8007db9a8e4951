#!/usr/bin/env bash
# Builds and runs the GPU kernel tests on a machine with an NVIDIA GPU (the device machine: CUDA 13 toolkit,
# CMake, ninja; no Debian dev packages needed). One call does everything in a few minutes:
#   bash scripts/gpu_test.sh            # tests + bandwidth timings
#   LOCUS_GPU_BENCH=0 bash scripts/gpu_test.sh   # tests only
# Prints the summary table (kernel, type, shape, relative error, pass/fail) and the timings last; exits
# non-zero if any check failed, the build failed, or no GPU was found (a skip counts as a failure here).
# Where $OUT is set (the device tool), the full log is written to $OUT/gpu_test.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
log=/dev/null
if [ -n "${OUT:-}" ] && [ -d "${OUT}" ]; then log="$OUT/gpu_test.log"; fi
t0=$(date +%s)
{
  echo "== machine"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv,noheader || true
  nvcc --version | tail -2
  cmake --version | head -1
  if git rev-parse --short HEAD >/dev/null 2>&1; then
    echo "git: $(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo ' (working tree modified)')"
  fi
} 2>&1 | tee -a "$log"

gen=()
if command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
echo "== configure + build (standalone tests/cuda project)" | tee -a "$log"
# -allow-unsupported-compiler: the device image's g++ may be newer than nvcc's tested list.
if ! cmake -S tests/cuda -B build/gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_CUDA_FLAGS=-allow-unsupported-compiler >>"$log" 2>&1; then
  echo "gpu_test.sh: configure failed"; tail -40 "$log" 2>/dev/null; exit 1
fi
mkdir -p build
if ! cmake --build build/gpu -j16 >build/gpu_build.log 2>&1; then
  cat build/gpu_build.log >>"$log" 2>/dev/null
  grep -E -A3 "error|FAILED" build/gpu_build.log | head -60
  echo "gpu_test.sh: build failed"; rm -f build/gpu_build.log; exit 1
fi
cat build/gpu_build.log >>"$log" 2>/dev/null; rm -f build/gpu_build.log
echo "build: $(( $(date +%s) - t0 )) s" | tee -a "$log"

args=(--bench)
if [ "${LOCUS_GPU_BENCH:-1}" = 0 ]; then args=(); fi
echo "== run: build/gpu/locus_gpu_test ${args[*]}" | tee -a "$log"
build/gpu/locus_gpu_test "${args[@]}" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
echo "total: $(( $(date +%s) - t0 )) s" | tee -a "$log"
case $rc in
  0) echo "gpu_test.sh: all GPU checks passed" ;;
  77) echo "gpu_test.sh: FAILED: the test binary found no GPU (skip counts as failure here)"; exit 1 ;;
  *) echo "gpu_test.sh: FAILED (exit code $rc)"; exit 1 ;;
esac
