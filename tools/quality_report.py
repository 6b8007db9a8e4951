#!/usr/bin/python3
"""The quality report of Locus's own ReLU-sparse models: dense vs oracle vs predictor mode, from one command.

For each trained model in models/ (a dense GGUF and the PWRI file `locus sparsify` made of it) it measures, on the
held-out text tools/data/tinystories_heldout.txt (never seen in training or by sparsify):
  - perplexity: `locus perplexity -c 512 --no-leading-bos`, dense file (--sparse off) and PWRI file in modes off,
    oracle and predictor;
  - greedy tokens: PROMPTS, N_GREEDY tokens each (EOS ignored), in oracle and predictor mode against dense: how many
    continuations are identical, the mean length of the common prefix, the share of equal positions;
  - teacher-forced top-1 agreement: on the first TF_CHUNKS chunks of 512 held-out tokens, the share of positions
    whose most likely next token equals dense's;
  - `locus profile --sparse oracle` on the whole text: per layer the active share (measured sparsity = 1 - it),
    the predictors' recall and precision, and the counts (-o) for the activation-frequency curve (the share of all
    firings covered by the hottest x% of a layer's neurons), drawn to docs/activation_frequency.png.
It writes docs/quality_report.md (tables, machine, command, commit). Greedy and teacher-forced runs go through the
C API (bindings/python); everything else drives the locus binary.

  /usr/bin/python3 tools/quality_report.py [--build build/release] [--threads 2]   (scripts/quality_report.sh)

Needs liblocus.so and locus (cmake --build build/release --target locus locus_shared) and, for the PNG, Debian's
python3-matplotlib (docs only; nothing else in Locus uses it).
"""
import argparse
import datetime
import os
import platform
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
HELDOUT = os.path.join(ROOT, "tools", "data", "tinystories_heldout.txt")

# name -> (dense GGUF, PWRI file); a model whose files are missing is left out of the report.
MODELS = {
    "PAR (ReLU)": ("models/relu-llama-tiny-par.gguf", "models/relu-llama-tiny-par.powerinfer.gguf"),
    "SYM (dReLU)": ("models/relu-llama-tiny-sym.gguf", "models/relu-llama-tiny-sym.powerinfer.gguf"),
}
PROMPTS = [
    "Once upon a time",
    "Tom and Sue went to the park. They",
    "Lily had a red ball",
    "One day, a little bird",
    "The sun was shining and",
    "Max was a small dog who",
    "Mom said, \"",
    "There was a big tree in the garden.",
]
N_GREEDY = 64
TF_CHUNKS = 4
CURVE_X = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]


def run(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if r.returncode != 0:
        sys.exit(f"quality_report: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr.decode()}")
    return r.stdout.decode()


def perplexity(locus, model, mode, threads):
    out = run([locus, "perplexity", "-m", model, "-f", HELDOUT, "--no-leading-bos", "-c", "512", "-t", str(threads),
               "--sparse", mode])
    m = re.search(r"Final estimate: PPL = ([0-9.]+)", out)
    if not m:
        sys.exit(f"quality_report: no perplexity in the output of {model} ({mode}):\n{out}")
    return float(m.group(1))


def profile(locus, model, threads, counts_path):
    """Per-layer rows (active %, recall, precision) of `locus profile --sparse oracle` over the whole text."""
    out = run([locus, "profile", "-m", model, "-f", HELDOUT, "-n", "1000000", "-t", str(threads), "--sparse", "oracle",
               "-o", counts_path])
    rows = []
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit():
            rows.append({"active": float(cells[1]) / 100, "recall": float(cells[5]), "precision": float(cells[6])})
    m = re.search(r"tokens: (\d+), mode: (\w+)", out)
    if not rows or not m or m.group(2) != "oracle":
        sys.exit(f"quality_report: unexpected profile output for {model}:\n{out}")
    return rows, int(m.group(1))


def read_counts(path):
    """blk.N.ffn_act_count of an activation profile file (I32 counts), per layer."""
    from locus_gguf import GGUFReader
    r = GGUFReader(path)
    layers = []
    for n in range(r.get("locus.activation_profile.n_layer")):
        t = r.tensors[f"blk.{n}.ffn_act_count"]
        start = r.data_start + t.offset
        layers.append(list(struct.unpack(f"<{t.n_elements()}i", r.data[start:start + 4 * t.n_elements()])))
    return layers, r.get("locus.activation_profile.n_tokens")


def coverage_curve(counts, points=200):
    """(x, share): the share of all firings covered by the hottest x of each layer's neurons, the layers pooled the
    way `locus profile` pools them (the top x of every layer, summed)."""
    sorted_layers = [sorted(c, reverse=True) for c in counts]
    total = sum(sum(c) for c in sorted_layers)
    prefix = []
    for c in sorted_layers:
        p, acc = [0], 0
        for v in c:
            acc += v
            p.append(acc)
        prefix.append(p)
    xs = [i / points for i in range(points + 1)]
    ys = [sum(p[int(x * (len(p) - 1) + 0.5)] for p in prefix) / total for x in xs]
    return xs, ys


def greedy_tokens(model, prompt, n):
    s = model.session(n_ctx=512)
    ids = model.tokenize(prompt)
    s.eval(ids)
    out = []
    for _ in range(n):
        logits = s.logits(0)
        t = max(range(len(logits)), key=logits.__getitem__)
        out.append(t)
        s.eval([t])
    return out


def teacher_forced_argmax(model, tokens):
    """Most likely next token at every position of TF_CHUNKS chunks of 511 held-out tokens after a BOS."""
    out = []
    for c in range(TF_CHUNKS):
        chunk = [model.info()["bos"]] + tokens[c * 511:(c + 1) * 511]
        s = model.session(n_ctx=512)
        s.decode(chunk, logits=[1] * len(chunk))
        for i in range(len(chunk)):
            logits = s.logits(i)
            out.append(max(range(len(logits)), key=logits.__getitem__))
    return out


def agreement(ref, other):
    same_prompts = sum(r == o for r, o in zip(ref, other))
    prefixes, equal = [], 0
    for r, o in zip(ref, other):
        k = 0
        while k < len(r) and r[k] == o[k]:
            k += 1
        prefixes.append(k)
        equal += sum(a == b for a, b in zip(r, o))
    return same_prompts, sum(prefixes) / len(prefixes), equal / sum(len(r) for r in ref)


def plot(curves, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 4.2), squeeze=False)
    for ax, (name, layer_curves, pooled) in zip(axes[0], curves):
        for i, (xs, ys) in enumerate(layer_curves):
            ax.plot([100 * x for x in xs], [100 * y for y in ys], lw=0.8, alpha=0.7, label=f"layer {i}")
        ax.plot([100 * x for x in pooled[0]], [100 * y for y in pooled[1]], lw=2.2, color="black", label="all layers")
        ax.plot([0, 100], [0, 100], lw=0.8, ls="--", color="grey", label="no locality")
        ax.set_title(f"{name}: held-out text, oracle")
        ax.set_xlabel("hottest neurons of a layer (%)")
        ax.set_ylabel("share of all firings covered (%)")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {model}, {platform.system()}"


def commit():
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"], stdout=subprocess.PIPE).stdout
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE).stdout.strip()
    return head.decode().strip() + (" (with uncommitted changes)" if dirty else "")


def measure(name, dense, sparse, locus_bin, threads, tokens, work):
    import locus
    print(f"== {name}: perplexity", file=sys.stderr)
    ppl = {"dense": perplexity(locus_bin, dense, "off", threads)}
    for mode in ("off", "oracle", "predictor"):
        ppl[mode] = perplexity(locus_bin, sparse, mode, threads)
    print(f"== {name}: profile", file=sys.stderr)
    counts_path = os.path.join(work, "counts.prof")
    rows, n_prof = profile(locus_bin, sparse, threads, counts_path)
    counts, n_counted = read_counts(counts_path)
    assert n_counted == n_prof, (n_counted, n_prof)
    print(f"== {name}: greedy and teacher-forced tokens", file=sys.stderr)
    models = {"dense": locus.Model(os.path.join(ROOT, dense), n_threads=threads, sparse="off"),
              "oracle": locus.Model(os.path.join(ROOT, sparse), n_threads=threads, sparse="oracle"),
              "predictor": locus.Model(os.path.join(ROOT, sparse), n_threads=threads, sparse="predictor")}
    greedy = {m: [greedy_tokens(models[m], p, N_GREEDY) for p in PROMPTS] for m in models}
    forced = {m: teacher_forced_argmax(models[m], tokens) for m in models}
    texts = {m: [models[m].detokenize(t) for t in greedy[m]] for m in ("dense", "predictor")}
    agree = {}
    for m in ("oracle", "predictor"):
        same, prefix, share = agreement(greedy["dense"], greedy[m])
        tf = sum(a == b for a, b in zip(forced["dense"], forced[m])) / len(forced["dense"])
        agree[m] = {"same": same, "prefix": prefix, "share": share, "forced": tf}
    xs_layers = [coverage_curve([c]) for c in counts]
    from locus_gguf import GGUFReader
    threshold = GGUFReader(sparse).get("powerinfer.sparse_threshold", 0.0)
    return {"name": name, "threshold": threshold, "dense": dense, "sparse": sparse, "ppl": ppl, "rows": rows, "n_prof": n_prof,
            "agree": agree, "curves": (xs_layers, coverage_curve(counts)), "counts": counts, "texts": texts,
            "n_forced": len(forced["dense"])}


def at(curve, x):
    xs, ys = curve
    return ys[min(range(len(xs)), key=lambda i: abs(xs[i] - x))]


def report(results, args, started, revision):
    L = []
    w = L.append
    w("# Quality of Locus's own sparse models: dense vs oracle vs predictor mode")
    w("")
    w("Generated by `scripts/quality_report.sh` (`tools/quality_report.py`); do not edit by hand, run it again.")
    w("")
    w(f"- Date: {started:%Y-%m-%d %H:%M} UTC; machine: {machine()}; commit {revision}; "
      f"`locus` and `liblocus.so` from `{os.path.relpath(args.build, ROOT)}`, {args.threads} threads.")
    w(f"- Command: `{' '.join(['scripts/quality_report.sh'] + sys.argv[1:])}`")
    w("- Text: `tools/data/tinystories_heldout.txt`, the last 5% of `tinystories_val.txt`, which neither the trainer "
      "nor `locus sparsify` saw (19,861 tokens).")
    w("- Modes: *dense* is the dense GGUF with `--sparse off`; *off*, *oracle* and *predictor* are the PWRI file made "
      "by `locus sparsify` (off: every neuron computed, over `ffn_down_t`; oracle: exactly the neurons whose "
      "activation is non-zero; predictor: the neurons the trained predictors choose).")
    w("")
    w("## Perplexity (`locus perplexity -c 512 --no-leading-bos`)")
    w("")
    w("| model | dense | off | oracle | predictor | predictor vs dense | oracle vs dense | predictor threshold (file) |")
    w("|---|---|---|---|---|---|---|---|")
    for r in results:
        p = r["ppl"]
        w(f"| {r['name']} | {p['dense']:.4f} | {p['off']:.4f} | {p['oracle']:.4f} | {p['predictor']:.4f} | "
          f"{100 * (p['predictor'] / p['dense'] - 1):+.2f}% | {100 * (p['oracle'] / p['dense'] - 1):+.3f}% | "
          f"{r['threshold']:g} |")
    w("")
    w(f"## Greedy tokens against dense")
    w("")
    w(f"Free-running: {len(PROMPTS)} prompts ({', '.join(repr(p) for p in PROMPTS)}), {N_GREEDY} greedy tokens each "
      "after the prompt (BOS + prompt, EOS not stopping), compared token by token with dense's continuation. "
      f"Teacher-forced: the most likely next token at each of {results[0]['n_forced'] if results else 0} positions "
      f"({TF_CHUNKS} chunks of BOS + 511 held-out tokens), the same context for every mode.")
    w("")
    w("| model | mode | identical continuations | mean common prefix (tokens) | equal positions | teacher-forced top-1 equal |")
    w("|---|---|---|---|---|---|")
    for r in results:
        for m in ("oracle", "predictor"):
            a = r["agree"][m]
            w(f"| {r['name']} | {m} | {a['same']} of {len(PROMPTS)} | {a['prefix']:.1f} of {N_GREEDY} | "
              f"{100 * a['share']:.1f}% | {100 * a['forced']:.2f}% |")
    w("")
    w("## Predictors and measured sparsity (`locus profile --sparse oracle`, whole held-out text)")
    w("")
    w("Active: the mean share of a layer's neurons with a non-zero activation per token (sparsity = 1 - active). "
      "Recall: the share of firing neurons the predictor chose; precision: the share of chosen neurons that fired; "
      "predicted: the share of neurons predictor mode computes per token (active x recall / precision).")
    w("")
    for r in results:
        rows = r["rows"]
        w(f"**{r['name']}** (`{r['sparse']}`, {r['n_prof']} tokens)")
        w("")
        w("| layer | active | sparsity | recall | precision | predicted |")
        w("|---|---|---|---|---|---|")
        for i, row in enumerate(rows):
            pred = row["active"] * row["recall"] / row["precision"]
            w(f"| {i} | {100 * row['active']:.2f}% | {100 * (1 - row['active']):.2f}% | {row['recall']:.3f} | "
              f"{row['precision']:.3f} | {100 * pred:.2f}% |")
        n = len(rows)
        ma = sum(x["active"] for x in rows) / n
        mr = sum(x["recall"] for x in rows) / n
        mp = sum(x["precision"] for x in rows) / n
        mpred = sum(x["active"] * x["recall"] / x["precision"] for x in rows) / n
        w(f"| mean of layers | {100 * ma:.2f}% | {100 * (1 - ma):.2f}% | {mr:.3f} | {mp:.3f} | {100 * mpred:.2f}% |")
        w("")
    w("## Activation frequency: share of all firings covered by the hottest x% of neurons")
    w("")
    w("Per layer, neurons sorted by how often they fired on the held-out text (oracle); *all* takes the hottest x% "
      "of every layer. A model without locality would cover x%.")
    w("")
    w("![activation-frequency curves](activation_frequency.png)")
    w("")
    w("| model | layer | " + " | ".join(f"{int(100 * x)}%" for x in CURVE_X) + " |")
    w("|---|---|" + "---|" * len(CURVE_X))
    for r in results:
        layer_curves, pooled = r["curves"]
        for i, c in enumerate(layer_curves):
            w(f"| {r['name']} | {i} | " + " | ".join(f"{100 * at(c, x):.1f}" for x in CURVE_X) + " |")
        w(f"| {r['name']} | all | " + " | ".join(f"**{100 * at(pooled, x):.1f}**" for x in CURVE_X) + " |")
    w("")
    w("## Sample text (greedy, first prompt)")
    w("")
    for r in results:
        for m in ("dense", "predictor"):
            w(f"- {r['name']}, {m}: `{PROMPTS[0]}{r['texts'][m][0]}`".replace("\n", " "))
    w("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"), help="build folder with locus and liblocus.so")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"), help="folder for quality_report.md and the PNG")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    locus_bin = os.path.join(args.build, "locus")
    if not os.path.exists(locus_bin):
        sys.exit(f"quality_report: {locus_bin} not found; build it (cmake --build {args.build} --target locus locus_shared)")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("quality_report: the plot needs matplotlib (Debian: apt-get install python3-matplotlib; run with "
                 "/usr/bin/python3)")
    os.environ.setdefault("LOCUS_LIB_DIR", args.build)
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    import locus
    started = datetime.datetime.now(datetime.timezone.utc)
    revision = commit()  # before this run writes its own outputs (tracked files) into the tree
    present = {n: f for n, f in MODELS.items() if all(os.path.exists(os.path.join(ROOT, p)) for p in f)}
    if not present:
        sys.exit("quality_report: none of the models in MODELS is in models/")
    tok_model = locus.Model(os.path.join(ROOT, "models", "stories260K.gguf"), n_threads=1)
    with open(HELDOUT, encoding="utf-8") as f:
        tokens = tok_model.tokenize(f.read(), add_bos=False, parse_special=False)
    results = []
    with tempfile.TemporaryDirectory() as work:
        for name, (dense, sparse) in present.items():
            results.append(measure(name, os.path.join(ROOT, dense), os.path.join(ROOT, sparse), locus_bin, args.threads,
                                   tokens, work))
            results[-1]["dense"], results[-1]["sparse"] = dense, sparse
    os.makedirs(args.out, exist_ok=True)
    plot([(r["name"], r["curves"][0], r["curves"][1]) for r in results], os.path.join(args.out, "activation_frequency.png"))
    with open(os.path.join(args.out, "quality_report.md"), "w") as f:
        f.write(report(results, args, started, revision))
    print(f"wrote {os.path.join(args.out, 'quality_report.md')} and activation_frequency.png", file=sys.stderr)


if __name__ == "__main__":
    main()
