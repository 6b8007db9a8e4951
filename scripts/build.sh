#!/usr/bin/env bash
# Installs the build dependencies (once) and builds Locus. Usage: scripts/build.sh [preset]  (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
bash scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
