#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build, the same suite under ASan+UBSan, and a compile of
# the CUDA backend (GPU tests run on a GPU machine: see bench/ and docs/). LOCUS_TEST_QUICK=1 runs the release
# suite only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release
ctest --preset release
if [ "${LOCUS_TEST_QUICK:-0}" != 1 ]; then
  bash scripts/build.sh sanitize
  ctest --preset sanitize
  if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="$PATH:/usr/local/cuda/bin"
    cmake --preset cuda >/dev/null
    cmake --build build/cuda --target locus_cuda locus_gpu_test
    echo "test.sh: CUDA backend and its GPU tests compile (sm_90); run them with scripts/gpu_test.sh on a GPU"
  else
    echo "test.sh: no nvcc on this machine: CUDA compile check skipped"
  fi
fi
