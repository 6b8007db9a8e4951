#!/usr/bin/env bash
# One device call that does everything in order of importance, each step within what is left of a time budget
# (LOCUS_RUN_BUDGET seconds, default 560): builds (in parallel), the kernel checks with timings
# (scripts/gpu_test.sh), the end-to-end checks and the 7B decode benchmark with and without CUDA graphs
# (scripts/gpu_e2e.sh), the 70B shape at a 24 GiB budget with the planner comparison (LOCUS_RUN_70B_KINDS: which
# models, default sparse then dense), then the 7B benchmark built from an older tree in .baseline/ if present (the
# before of a before/after) with what time is left. Logs go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
budget=${LOCUS_RUN_BUDGET:-560}
t0=$(date +%s)
left() { echo $(( budget - ($(date +%s) - t0) )); }
out=${OUT:-/tmp}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/machine.txt"
echo "cpus: $(nproc); commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')" | tee -a "$out/machine.txt"

# Builds in parallel: the kernel tests, the e2e binaries, the baseline's e2e binaries.
cfg=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER="$(command -v nvcc)"
     -DCMAKE_CUDA_FLAGS=-allow-unsupported-compiler)
gen=(); command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
( cmake -S tests/cuda -B build/gpu_e2e "${gen[@]}" "${cfg[@]}" >/dev/null 2>&1 &&
  cmake --build build/gpu_e2e -j8 --target locus_gpu_e2e locus_synth locus_plan >/dev/null 2>&1 ) &
if [ -d .baseline ]; then
  ( cd .baseline && cmake -S tests/cuda -B build/gpu_e2e "${gen[@]}" "${cfg[@]}" >/dev/null 2>&1 &&
    cmake --build build/gpu_e2e -j8 --target locus_gpu_e2e locus_synth >/dev/null 2>&1 ) &
fi
bash scripts/gpu_test.sh > "$out/gpu_test_out.txt" 2>&1
echo "gpu_test.sh: rc $? at $(( $(date +%s) - t0 )) s"; grep -E "FAIL|checks passed|failed" "$out/gpu_test_out.txt" | tail -12
wait
echo "builds done at $(( $(date +%s) - t0 )) s"

LOCUS_E2E_GRAPHS_AB=1 LOCUS_E2E_SHAPE=7b LOCUS_E2E_BUDGETS=2 LOCUS_E2E_NGEN=48 timeout $(left) bash scripts/gpu_e2e.sh \
  > "$out/e2e_7b.txt" 2>&1
echo "gpu_e2e.sh 7b: rc $? at $(( $(date +%s) - t0 )) s"; grep -E "checks passed|FAIL|DIFFER" "$out/e2e_7b.txt" | tail -5
[ -f "$out/gpu_e2e.log" ] && mv "$out/gpu_e2e.log" "$out/gpu_e2e_7b.log"
# The same end-to-end checks with CUDA graphs off (every launch direct).
m=build/gpu_e2e_models
LOCUS_CUDA_GRAPHS=0 timeout 120 build/gpu_e2e/locus_gpu_e2e check models/stories260K.gguf "$m/tiny_sparse_f32.gguf" \
  "$m/tiny_sparse_f16.gguf" > "$out/e2e_checks_nographs.txt" 2>&1
echo "checks without graphs: rc $?"; grep -E "checks passed|FAIL" "$out/e2e_checks_nographs.txt" | tail -5
cat "$out/e2e_checks_nographs.txt" >> "$out/e2e_7b.txt"; rm -f "$out/e2e_checks_nographs.txt"

if [ "$(left)" -gt 120 ]; then
  LOCUS_E2E_CHECK=0 LOCUS_E2E_GRAPHS_AB=sparse LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=24 LOCUS_E2E_NGEN=12 \
    LOCUS_E2E_PLAN=24 LOCUS_E2E_KINDS="${LOCUS_RUN_70B_KINDS:-sparse dense}" LOCUS_E2E_TIMEOUT=$(( $(left) - 20 )) \
    timeout $(( $(left) - 5 )) bash scripts/gpu_e2e.sh > "$out/e2e_70b.txt" 2>&1
  echo "gpu_e2e.sh 70b: rc $? at $(( $(date +%s) - t0 )) s"
  sync
  [ -f "$out/gpu_e2e.log" ] && mv "$out/gpu_e2e.log" "$out/gpu_e2e_70b.log"
fi
if [ -d .baseline ] && [ "$(left)" -gt 100 ]; then
  ( cd .baseline && OUT= LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=7b LOCUS_E2E_BUDGETS=2 LOCUS_E2E_NGEN=48 timeout $(( $(left) - 5 )) \
      bash scripts/gpu_e2e.sh > "$out/baseline_e2e_7b.log" 2>&1 )
  echo "baseline 7b at $(( $(date +%s) - t0 )) s"
fi

echo "== 7B"; grep -E "^bandwidth|^\| (dense|sparse) " "$out/e2e_7b.txt" | sort -u
[ -f "$out/baseline_e2e_7b.log" ] && { echo "== 7B baseline (.baseline tree)"; grep -E "^\| (dense|sparse) " "$out/baseline_e2e_7b.log" | sort -u; }
[ -f "$out/gpu_e2e_70b.log" ] && { echo "== 70B"; grep -E "^bandwidth|^\| |tokens/s|^  hybrid" "$out/gpu_e2e_70b.log" | head -40; }
echo "total $(( $(date +%s) - t0 )) s"
