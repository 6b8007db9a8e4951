#!/usr/bin/env bash
# Trains the two ReLU-sparse test models on the device machine (one GPU, PyTorch + numpy), in about 9 minutes:
#   1. samples of models/stories260K.gguf as extra training text (~30 s; also checks the PyTorch model definition
#      against Locus: the teacher's held-out perplexity must equal `locus perplexity`'s),
#   2. the tiny model (~1.5M parameters, ~2.5 min),
#   3. the small model (~17.7M parameters, ~5 min),
# and leaves in $OUT (at most 8 files, each under 16 MiB):
#   relu-llama-tiny-MODE-f32.gguf, relu-llama-tiny-MODE-f16.gguf,
#   relu-llama-small-MODE-f16.gguf.part0..2 (join: cat relu-llama-small-MODE-f16.gguf.part* > relu-llama-small-MODE-f16.gguf),
#   train-MODE.json (the logs of the three steps), train-MODE.log (all output).
# Usage: [LOCUS_TRAIN_SMALL=0] bash tools/train_on_device.sh [par|sym]     (default par)
set -uo pipefail
MODE=${1:-par}
case "$MODE" in par|sym) ;; *) echo "usage: $0 [par|sym]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/out-train}
WORK=${TMPDIR:-/tmp}/locus-train-$MODE
mkdir -p "$OUT" "$WORK"
export PYTHONUNBUFFERED=1
LOG="$OUT/train-$MODE.log"
exec > >(tee "$LOG") 2>&1
T0=$(date +%s)

python3 - <<'EOF' || { echo "error: PyTorch does not see a GPU"; exit 1; }
import sys, torch, numpy
ok = torch.cuda.is_available()
print(f"torch {torch.__version__}, numpy {numpy.__version__}, cuda {ok}",
      torch.cuda.get_device_name(0) if ok else "")
sys.exit(0 if ok else 1)
EOF

step() {  # step NAME SECONDS ARGS...: one run of the trainer under a hard time limit
    local name=$1 limit=$2; shift 2
    echo "== $name (limit ${limit}s, $(($(date +%s) - T0))s elapsed)"
    timeout --signal=INT --kill-after=10 "$limit" python3 tools/train_relu_llama.py "$@"
    local rc=$?
    [ $rc -eq 0 ] || echo "== $name FAILED (exit $rc)"
    return $rc
}

step synth 70 --make-synth "$WORK/synth.npy" --synth-seconds 30
[ -f "$WORK/synth.npy" ] || echo "warning: no teacher samples: training on the real text only"
step tiny 190 --preset tiny --ffn "$MODE" --synth "$WORK/synth.npy" --out "$WORK"
if [ "${LOCUS_TRAIN_SMALL:-1}" != 0 ]; then  # LOCUS_TRAIN_SMALL=0: the tiny model only (about 4 minutes)
    step small 320 --preset small --ffn "$MODE" --synth "$WORK/synth.npy" --out "$WORK"
fi

cp "$WORK"/relu-llama-tiny-"$MODE"-*.gguf "$OUT"/ 2>/dev/null
big="$WORK/relu-llama-small-$MODE-f16.gguf"
if [ -f "$big" ]; then
    (cd "$WORK" && sha256sum "$(basename "$big")")
    split -b 15M -d -a 1 "$big" "$OUT/$(basename "$big").part"
fi

python3 - "$WORK" "$OUT/train-$MODE.json" "$MODE" <<'EOF'
import json, os, sys
work, dst, mode = sys.argv[1:]
out = {}
for key, name in (("synth", "synth.json"), ("tiny", f"relu-llama-tiny-{mode}.json"),
                  ("small", f"relu-llama-small-{mode}.json")):
    p = os.path.join(work, name)
    if os.path.exists(p):
        out[key] = json.load(open(p))
json.dump(out, open(dst, "w"), indent=1)
print()
s = out.get("synth")
if s:
    print(f"teacher stories260K held-out PPL {s['teacher_heldout_ppl']:.4f} (locus: {s['teacher_heldout_ppl_locus']}): "
          f"{'match' if s['teacher_matches_locus'] else 'MISMATCH'}; {s['tokens']} sampled tokens in {s['seconds']:.0f} s")
print(f"{'file':34} {'params':>7} {'steps':>6} {'tokens':>7} {'tok/s':>9} {'train s':>7} {'PPL':>8} "
      f"{'sparsity':>8} {'min layer':>9} {'MB':>6}")
for key in ("tiny", "small"):
    r = out.get(key)
    if not r:
        print(f"{key}: no result")
        continue
    tps = r["train_log"][-1]["tokens_per_s"] if r["train_log"] else 0
    for fname, f in r["files"].items():
        ev = f["heldout_fp32"]
        print(f"{fname:34} {r['params'] / 1e6:6.2f}M {r['steps']:6d} {r['tokens_seen'] / 1e6:6.0f}M {tps:9,d} "
              f"{r['train_seconds']:7.0f} {ev['ppl']:8.4f} {ev['sparsity_mean']:8.3f} "
              f"{min(ev['sparsity_per_layer']):9.3f} {f['bytes'] / 1e6:6.2f}")
print("PPL: held-out (last 5% of tinystories_val.txt), llama.cpp chunk method, n_ctx 512, no leading BOS, "
      "weights as exported; sparsity: fraction of zero FFN activations (all held-out positions).")
EOF
echo "total $(($(date +%s) - T0)) s"
