#!/usr/bin/env bash
# The hybrid benchmark matrix of the CUDA issue, in steps that fit device calls of 10 minutes:
#   LOCUS_HB_STEPS="checks 70b" bash scripts/gpu_hybrid_bench.sh
#   LOCUS_HB_STEPS="70b-mixed 70b-weak 40b" bash scripts/gpu_hybrid_bench.sh
# Steps (each one run of scripts/gpu_e2e.sh; models are synthetic: speed only):
#   checks     the GPU end-to-end checks (greedy tokens and logits against CPU-only, GPU profile counts)
#   70b        70B shape, dense and sparse, budgets 8, 12, 24 GiB and all of VRAM, plus CPU only
#   70b-24     the 70b step's sparse model at 24 GiB only
#   70b-mixed  70B shape with per-layer activity (--layer-spread 0.5) and every 4th layer's FFN in Q8_0: the
#              planner's hot neurons against its two baselines' in decode, and `locus plan`'s served shares
#   70b-weak   70B shape with weak locality (--hot-cover 0.5), 24 GiB
#   40b        40B shape (Falcon-40B dimensions, llama layout), dense and sparse, 12 and 24 GiB
#   7b         7B shape, dense and sparse, 2 GiB
# Every sparse model's predictor has precision 0.8 (--pred-precision: about what the project's trained
# predictors reach) and its file carries the true firing probabilities for the planner.
# LOCUS_RUN_BUDGET (seconds, default 570) bounds the whole call; a step that cannot start with 90 s left is skipped.
# Logs: $OUT/<step>.log (gpu_e2e.sh's full log) and $OUT/<step>.txt (its output).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
budget=${LOCUS_RUN_BUDGET:-570}
t0=$(date +%s)
left() { echo $(( budget - ($(date +%s) - t0) )); }
out=${OUT:-/tmp}
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; echo "cpus: $(nproc)"
  grep -m1 "model name" /proc/cpuinfo; free -g | sed -n 2p
  echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"; } | tee -a "$out/machine.txt"
prec="--pred-precision 0.8"

step() {
  local name=$1; shift
  if [ "$(left)" -lt 90 ]; then echo "$name: skipped ($(left) s left)"; return; fi
  env "$@" LOCUS_E2E_TIMEOUT=$(( $(left) - 20 )) timeout $(( $(left) - 5 )) bash scripts/gpu_e2e.sh > "$out/$name.txt" 2>&1
  echo "$name: rc $? at $(( $(date +%s) - t0 )) s"
  [ -f "$out/gpu_e2e.log" ] && mv "$out/gpu_e2e.log" "$out/$name.log"
  grep -E "checks passed|FAIL|^bandwidth|^\| (sparse|dense|optimal|same|glob|upper|hot|CPU) |profile counts" "$out/$name.txt" | sort -u
}

for s in ${LOCUS_HB_STEPS:-checks 70b}; do
  case $s in
    checks)    step checks LOCUS_E2E_BENCH=0 ;;
    70b)       step 70b LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=8,12,24 LOCUS_E2E_NGEN=12 \
                 LOCUS_E2E_KINDS="sparse dense" LOCUS_E2E_SYNTH_ARGS="$prec" ;;
    70b-24)    step 70b-24 LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=24 LOCUS_E2E_NGEN=12 \
                 LOCUS_E2E_KINDS=sparse LOCUS_E2E_SYNTH_ARGS="$prec" ;;
    70b-mixed) step 70b-mixed LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=24 LOCUS_E2E_NGEN=12 \
                 LOCUS_E2E_KINDS=sparse LOCUS_E2E_METHODS=1 LOCUS_E2E_PLAN=24 \
                 LOCUS_E2E_MODEL_ARGS="--layer-spread 0.5 --alt-ffn-type q8_0 --alt-ffn-every 4" LOCUS_E2E_SYNTH_ARGS="$prec" ;;
    70b-weak)  step 70b-weak LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=24 LOCUS_E2E_NGEN=12 \
                 LOCUS_E2E_KINDS=sparse LOCUS_E2E_SYNTH_ARGS="$prec --hot-cover 0.5" ;;
    40b)       step 40b LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=40b LOCUS_E2E_BUDGETS=12,24 LOCUS_E2E_NGEN=12 \
                 LOCUS_E2E_KINDS="sparse dense" LOCUS_E2E_SYNTH_ARGS="$prec" ;;
    7b)        step 7b LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=7b LOCUS_E2E_BUDGETS=2 LOCUS_E2E_NGEN=48 \
                 LOCUS_E2E_SYNTH_ARGS="$prec" ;;
    *) echo "unknown step $s" ;;
  esac
done
echo "total $(( $(date +%s) - t0 )) s"
