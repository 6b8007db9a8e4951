#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build, then the same suite under ASan+UBSan.
# LOCUS_TEST_QUICK=1 skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release
ctest --preset release
if [ "${LOCUS_TEST_QUICK:-0}" != 1 ]; then
  bash scripts/build.sh sanitize
  ctest --preset sanitize
fi
