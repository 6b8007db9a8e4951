#!/usr/bin/env bash
# GPU end-to-end checks (and, unless LOCUS_E2E_BENCH=0, a decode benchmark on a synthetic 7B ReLU Q4_0 model)
# on a machine with an NVIDIA GPU: the device machine (CUDA 13, CMake, ninja, fmt and CLI11 headers; no PCRE2
# headers, so the full `locus` binary is not built: the standalone tests/cuda project builds locus_gpu_e2e,
# the CPU engine below the tokenizer plus the GPU backend, and locus_synth, `locus synth` alone).
#   bash scripts/gpu_e2e.sh                       # checks + benchmark (about 6-8 minutes)
#   LOCUS_E2E_BENCH=0 bash scripts/gpu_e2e.sh     # checks only (about 3 minutes, mostly the build)
#   LOCUS_E2E_BUDGETS=2,4,8 bash scripts/gpu_e2e.sh
#   LOCUS_E2E_CHECK=0 LOCUS_E2E_SHAPE=70b LOCUS_E2E_BUDGETS=8,12,24 LOCUS_E2E_NGEN=16 LOCUS_E2E_TIMEOUT=400 bash scripts/gpu_e2e.sh
#   LOCUS_E2E_SYNTH_ARGS="--hot-cover 0.5" ...    # the sparse model's activation profile (weak locality)
#   LOCUS_E2E_GRAPHS_AB=1 ...                      # every GPU configuration without, then with CUDA graphs
#   LOCUS_E2E_PLAN=24 ...                          # `locus plan` on the sparse model: planner vs baselines
#   LOCUS_E2E_KINDS=sparse ...                     # benchmark only the sparse model (or only dense)
#   LOCUS_E2E_MODEL_ARGS="--layer-spread 0.5 --alt-ffn-type q8_0" ...  # synth arguments for both models
#   LOCUS_E2E_METHODS=1 ...                        # hybrid decode also with the planner's baselines' hot neurons
#   LOCUS_E2E_LAYER_COSTS=0,8 ...                  # hybrid decode also with the planner at these MiB per CPU layer
#   LOCUS_E2E_REPEAT=3 ...                         # every configuration 3 times, round robin: median and range
# Prints a summary table last; exits non-zero if the build or any check failed. With $OUT set (the device
# tool), the full log is $OUT/gpu_e2e.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/cuda/bin"
log=/dev/null
if [ -n "${OUT:-}" ] && [ -d "${OUT}" ]; then log="$OUT/gpu_e2e.log"; fi
t0=$(date +%s)
say() { echo "$@" | tee -a "$log"; }
die() { say "gpu_e2e.sh: FAILED: $*"; exit 1; }

say "== machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,memory.free --format=csv,noheader || true
  nvcc --version | tail -1; cmake --version | head -1; nproc
  git rev-parse --short HEAD 2>/dev/null || true; } 2>&1 | tee -a "$log"
command -v nvcc >/dev/null || die "nvcc not found"
nvidia-smi >/dev/null 2>&1 || die "no GPU (nvidia-smi failed)"
[ -f models/stories260K.gguf ] || die "models/stories260K.gguf missing"

gen=(); command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
say "== configure + build (standalone tests/cuda project: locus_gpu_e2e, locus_synth)"
cmake -S tests/cuda -B build/gpu_e2e "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_CUDA_FLAGS=-allow-unsupported-compiler >>"$log" 2>&1 \
  || { tail -30 "$log"; die "configure failed (see above)"; }
mkdir -p build
if ! cmake --build build/gpu_e2e -j16 --target locus_gpu_e2e locus_synth >build/gpu_e2e_build.log 2>&1; then
  cat build/gpu_e2e_build.log >>"$log"; grep -E -A5 "error|FAILED" build/gpu_e2e_build.log | head -60
  die "build failed"
fi
cat build/gpu_e2e_build.log >>"$log"
if [ -n "${LOCUS_E2E_PLAN:-}" ]; then  # optional: a failure here only skips the planner comparison
  cmake --build build/gpu_e2e -j16 --target locus_plan >>"$log" 2>&1 || say "note: locus_plan did not build (see log)"
fi
say "build: $(( $(date +%s) - t0 )) s"
bin=build/gpu_e2e

say "== synthetic sparse models (tiny shape, F32 and F16)"
tmp=build/gpu_e2e_models; mkdir -p "$tmp"
for t in f32 f16; do
  $bin/locus_synth synth --shape tiny --sparse --type $t -o "$tmp/tiny_sparse_$t.gguf" >>"$log" 2>&1 \
    || die "locus synth --shape tiny --sparse --type $t failed"
done

rc=0
if [ "${LOCUS_E2E_CHECK:-1}" != 0 ]; then
say "== checks: $bin/locus_gpu_e2e check"
$bin/locus_gpu_e2e check models/stories260K.gguf "$tmp/tiny_sparse_f32.gguf" "$tmp/tiny_sparse_f16.gguf" 2>&1 \
  | tee -a "$log" > build/gpu_e2e_check.txt
rc=${PIPESTATUS[0]}
grep -E "^(---|  PASS|  FAIL|error)" build/gpu_e2e_check.txt | head -80
fi

bench_rc=0
if [ "${LOCUS_E2E_BENCH:-1}" != 0 ]; then
  # One model on disk at a time (a 70B pair does not fit the device machine's 64 GB disk): dense, then sparse.
  shape=${LOCUS_E2E_SHAPE:-7b}
  budgets=${LOCUS_E2E_BUDGETS:-4,8,12,24}
  say "== benchmark: synthetic $shape ReLU Q4_0 (dense GGUF, then PWRI ${LOCUS_E2E_SYNTH_ARGS:-with the default profile}), decode"
  : > build/gpu_e2e_bench.txt
  for kind in ${LOCUS_E2E_KINDS:-dense sparse}; do
    f="$tmp/${shape}_$kind.gguf"
    # LOCUS_E2E_MODEL_ARGS go to both files (e.g. --layer-spread, --alt-ffn-type: same weights in both), the
    # SYNTH_ARGS to the sparse one (profile, predictor precision).
    if [ $kind = dense ]; then args=(--act relu ${LOCUS_E2E_MODEL_ARGS:-})
    else args=(--sparse ${LOCUS_E2E_MODEL_ARGS:-} ${LOCUS_E2E_SYNTH_ARGS:-}); fi
    if ! $bin/locus_synth synth --shape "$shape" "${args[@]}" --type q4_0 -o "$f" >>"$log" 2>&1; then
      say "benchmark: locus synth $shape $kind failed (see log)"; bench_rc=1; continue
    fi
    say "$kind model written: $(( $(date +%s) - t0 )) s"
    if [ $kind = dense ]; then pair=("$f" -); else pair=(- "$f"); fi
    timeout "${LOCUS_E2E_TIMEOUT:-240}" $bin/locus_gpu_e2e bench "${pair[@]}" "$budgets" "${LOCUS_E2E_NGEN:-48}" 2>&1 \
      | tee -a "$log" >> build/gpu_e2e_bench.txt
    [ "${PIPESTATUS[0]}" = 0 ] || bench_rc=1
    # LOCUS_E2E_PLAN=24: the planner against its baselines on the sparse model at that budget (served share, time).
    if [ $kind = sparse ] && [ -n "${LOCUS_E2E_PLAN:-}" ] && [ -x $bin/locus_plan ]; then
      $bin/locus_plan plan -m "$f" --vram-budget "$LOCUS_E2E_PLAN" -c 512 --disable-gpu-index 2>&1 | tee -a "$log" \
        | grep -E "^\|" >> build/gpu_e2e_bench.txt
    fi
    rm -f "$f"
  done
fi

say ""
say "== summary (total $(( $(date +%s) - t0 )) s)"
[ -f build/gpu_e2e_check.txt ] && sed -n '/^| model | configuration vs/,$p' build/gpu_e2e_check.txt | tee -a "$log"
[ -f build/gpu_e2e_bench.txt ] && { grep -E "^bandwidth" build/gpu_e2e_bench.txt; grep -E "^\| (model|---|dense|sparse|hot|optimal|planner|same|glob|firings|upper|CPU) " build/gpu_e2e_bench.txt; } | tee -a "$log"
case $rc in
  0) say "gpu_e2e.sh: all GPU end-to-end checks passed" ;;
  77) die "the test binary found no GPU" ;;
  *) die "GPU end-to-end checks failed (exit code $rc)" ;;
esac
[ $bench_rc = 0 ] || say "gpu_e2e.sh: note: the benchmark did not complete (exit code $bench_rc)"
exit 0
