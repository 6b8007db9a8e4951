#!/usr/bin/env bash
# The CPU benchmark of record: Locus vs llama.cpp, same GGUF files, same threads, side by side in one run.
# Builds Locus and the llama.cpp harness, writes the synthetic 1B-shape models (random weights: speed only)
# into .bench/models, and prints the table for bench/RESULTS.md.
# Usage: bench/run_cpu.sh [threads=2] [reps=3] [pp=512] [tg=128]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}; reps=${2:-3}; pp=${3:-512}; tg=${4:-128}
bash scripts/build.sh release >/dev/null
bash bench/llamacpp/build.sh >/dev/null
mkdir -p .bench/models
models=()
for t in q4_0 q8_0 f16; do
  m=.bench/models/synth-1b-$t.gguf
  [ -f "$m" ] || build/release/locus synth --shape 1b --type "$t" -o "$m"
  models+=("$m")
done
models+=(models/stories260K.gguf)
g++ -O2 -pthread bench/membw.cpp -o .bench/membw
bw=$(.bench/membw "$threads" 1024)
echo "host memory streaming read with $threads threads: $bw GB/s (decode bound = this / weight bytes per token)"
for m in "${models[@]}"; do
  b=$(stat -L -c %s "$m")
  python3 -c "print(f'  bound for $(basename "$m"): {${bw}e9/$b:.1f} tok/s (file size {$b/2**20:.0f} MiB)')"
done
echo "commit $(git rev-parse --short HEAD), $(date -u +%F), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
python3 bench/compare.py --models "${models[@]}" --threads "$threads" -p "$pp" -n "$tg" -r "$reps"
