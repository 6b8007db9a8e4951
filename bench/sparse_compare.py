#!/usr/bin/env python3
"""Sparse vs dense decode on the CPU: Locus sparse (PowerInfer file, predictor mode), Locus dense and llama.cpp
dense on the same synthetic ReLU weights, side by side in one run, each next to its memory-traffic bound.

For each shape and weight type, `locus synth` writes (once, into .bench/models) a dense ReLU GGUF and a PWRI file
of the same seed: the same weight values (the PWRI file stores the down projection transposed, so its
quantisation blocks differ) with a controlled activation profile (default 10% of neurons per token, hottest 30%
cover 80%). Synthetic weights: speed figures only, never quality.

Per configuration, R rounds; in each round the three engines run in rotating order:
  llama.cpp  .bench/llamacpp/llamacpp_bench -m DENSE -t T -p 0 -n N -r 1        (tg N from an empty cache)
  Locus      build/release/locus bench -m MODEL -t T -p 0 -n N -r 1 --sparse off|predictor -o jsonl
(one warm-up run, then the timed one). Locus's record gives decode tokens/s, FFN ms per token and the weight
bytes read per token (the FFN rows it touched, and the rest), and for the sparse FFN the same per stage. The bound is bytes per token / host read bandwidth (bench/membw with T threads, measured
before and after). llama.cpp reads the same dense bytes as Locus dense.

  python3 bench/sparse_compare.py --shapes 1b 7b --types q4_0 f16 --threads 2 -n 32 -r 3
Plain python3, no third-party packages.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCUS = os.path.join(ROOT, "build", "release", "locus")
MODELS = os.path.join(ROOT, ".bench", "models")


def log(msg):
    print(f"sparse_compare.py: {msg}", file=sys.stderr, flush=True)


def sh(cmd, timeout=7200):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                       timeout=timeout)
    if r.returncode != 0:
        log(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
        return None
    return r


def ensure_model(shape, wtype, sparse, threads, extra):
    tag = "sparse" if sparse else "relu"
    suffix = "".join(f"-{x.strip('-').replace(' ', '')}" for x in extra) if extra else ""
    path = os.path.join(MODELS, f"synth-{shape}-{wtype}-{tag}{suffix}.gguf")
    if not os.path.exists(path):
        os.makedirs(MODELS, exist_ok=True)
        cmd = [LOCUS, "synth", "--shape", shape, "--type", wtype, "-t", str(threads), "-o", path + ".tmp"]
        cmd += ["--sparse"] if sparse else ["--act", "relu"]
        for x in extra:
            cmd += x.split()
        log("writing " + path)
        if not sh(cmd):
            sys.exit("synth failed")
        os.rename(path + ".tmp", path)
    return path


def membw(threads):
    exe = os.path.join(ROOT, ".bench", "membw")
    if not os.path.exists(exe):
        subprocess.run(["g++", "-O2", "-pthread", os.path.join(ROOT, "bench", "membw.cpp"), "-o", exe], check=True)
    return float(subprocess.run([exe, str(threads), "1024"], stdout=subprocess.PIPE, text=True, check=True).stdout)


def locus_run(model, mode, threads, n):
    r = sh([LOCUS, "bench", "-m", model, "-t", str(threads), "-p", "0", "-n", str(n), "-r", "1", "--sparse", mode,
            "-o", "jsonl"])
    if not r:
        return None
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            if rec.get("test", "").startswith("tg"):
                out = {"tps": rec["tokens_per_s_mean"], "ffn_ms": rec["ffn_ms_per_token"],
                       "ffn_mib": rec["ffn_weight_mib_per_token"], "other_mib": rec["other_weight_mib_per_token"]}
                for stage, v in rec.get("ffn_stages_per_token", {}).items():
                    out[stage + "_ms"], out[stage + "_mib"] = v["ms"], v["mib"]
                return out
    log("no tg record from locus bench:\n" + r.stdout[-800:] + r.stderr[-800:])
    return None


def llama_run(harness, model, threads, n):
    r = sh([harness, "-m", model, "-t", str(threads), "-p", "0", "-n", str(n), "-r", "1"])
    if not r:
        return None
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            if rec.get("test", "").startswith("tg"):
                return {"tps": rec["tokens_per_s_mean"]}
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", nargs="+", default=["1b", "7b"])
    ap.add_argument("--types", nargs="+", default=["q4_0", "f16"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-n", type=int, default=32, help="decoded tokens per run (default 32)")
    ap.add_argument("-r", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--synth-args", nargs="*", default=[], help="extra locus synth flags, e.g. '--hot-cover 0.5'")
    ap.add_argument("--no-llama", action="store_true", help="skip llama.cpp")
    args = ap.parse_args()

    harness = None
    if not args.no_llama:
        r = sh(["bash", os.path.join(ROOT, "bench", "llamacpp", "build.sh")])
        harness = r.stdout.strip().splitlines()[-1] if r else None
    bw0 = membw(args.threads)
    log(f"host read bandwidth, {args.threads} threads: {bw0:.2f} GB/s")
    rows = []
    for shape in args.shapes:
        for wtype in args.types:
            dense = ensure_model(shape, wtype, False, args.threads, args.synth_args)
            sparse = ensure_model(shape, wtype, True, args.threads, args.synth_args)
            runs = {"llama.cpp": [], "locus dense": [], "locus sparse": []}
            jobs = [("locus sparse", lambda: locus_run(sparse, "predictor", args.threads, args.n)),
                    ("locus dense", lambda: locus_run(dense, "off", args.threads, args.n))]
            if harness:
                jobs.append(("llama.cpp", lambda: llama_run(harness, dense, args.threads, args.n)))
            for rnd in range(args.r):
                order = jobs[rnd % len(jobs):] + jobs[:rnd % len(jobs)]
                for name, fn in order:
                    log(f"{shape} {wtype} round {rnd + 1}: {name}")
                    res = fn()
                    if res:
                        runs[name].append(res)
            rows.append((shape, wtype, runs))
    bw1 = membw(args.threads)
    bw = (bw0 + bw1) / 2
    log(f"host read bandwidth after: {bw1:.2f} GB/s")

    def mean(xs, key):
        return statistics.mean(x[key] for x in xs) if xs else None

    print(f"host read bandwidth ({args.threads} threads, bench/membw): {bw0:.2f} GB/s before, {bw1:.2f} GB/s after; "
          f"bounds use the mean {bw:.2f} GB/s")
    print(f"decode of {args.n} tokens, {args.r} rounds, {args.threads} threads; synthetic weights (speed only)\n")
    print("| shape | type | engine | decode t/s | bound t/s | of bound | FFN ms/token | FFN bound ms | FFN MiB/token |"
          " vs llama.cpp | vs Locus dense |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape, wtype, runs in rows:
        ld = runs["locus dense"]
        dense_bytes = (mean(ld, "ffn_mib") + mean(ld, "other_mib")) * 2**20 if ld else None
        llama_tps = mean(runs["llama.cpp"], "tps")
        dense_tps = mean(ld, "tps")
        for name in ("llama.cpp", "locus dense", "locus sparse"):
            xs = runs[name]
            tps = mean(xs, "tps")
            if tps is None:
                print(f"| {shape} | {wtype} | {name} | n/a | | | | | | | |")
                continue
            if name == "llama.cpp":
                nbytes, ffn_ms, ffn_mib = dense_bytes, None, (mean(ld, "ffn_mib") if ld else None)
            else:
                nbytes = (mean(xs, "ffn_mib") + mean(xs, "other_mib")) * 2**20
                ffn_ms, ffn_mib = mean(xs, "ffn_ms"), mean(xs, "ffn_mib")
            bound = bw * 1e9 / nbytes if nbytes else None
            ffn_bound_ms = ffn_mib * 2**20 / (bw * 1e9) * 1e3 if ffn_mib else None
            f = lambda v, spec: format(v, spec) if v is not None else "n/a"
            print(f"| {shape} | {wtype} | {name} | {tps:.2f} | {f(bound, '.2f')} | "
                  f"{f(tps / bound * 100 if bound else None, '.0f')}% | {f(ffn_ms, '.2f')} | {f(ffn_bound_ms, '.2f')} | "
                  f"{f(ffn_mib, '.1f')} | {f(tps / llama_tps if llama_tps else None, '.2f')}x | "
                  f"{f(tps / dense_tps if dense_tps else None, '.2f')}x |")

    # The sparse FFN's stages, each next to the time its weight bytes take at the measured bandwidth.
    print("\nSparse FFN stages per token (Locus sparse): select = predictor fc1/fc2 products and threshold, "
          "rows = row-sparse up/gate dots, down = column-sparse down projection over ffn_down_t\n")
    print("| shape | type | stage | MiB/token | ms/token | bound ms | of bound |")
    print("|---|---|---|---:|---:|---:|---:|")
    for shape, wtype, runs in rows:
        xs = runs["locus sparse"]
        if not xs or "select_ms" not in xs[0]:
            continue
        for stage in ("select", "rows", "down"):
            mib, ms = mean(xs, stage + "_mib"), mean(xs, stage + "_ms")
            bound_ms = mib * 2**20 / (bw * 1e9) * 1e3
            print(f"| {shape} | {wtype} | {stage} | {mib:.1f} | {ms:.2f} | {bound_ms:.2f} | "
                  f"{bound_ms / ms * 100 if ms else 0:.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
