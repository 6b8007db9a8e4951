#!/usr/bin/env bash
# The quality report of Locus's own sparse models (docs/quality_report.md and docs/activation_frequency.png) from
# one command: builds locus and liblocus.so (release preset), then runs tools/quality_report.py with Debian's
# python3, which has python3-matplotlib for the plot. Extra arguments go to the script (--threads N, --build DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target locus locus_shared
exec /usr/bin/python3 tools/quality_report.py "$@"
