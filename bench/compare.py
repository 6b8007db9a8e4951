#!/usr/bin/env python3
"""Side-by-side CPU benchmark: Locus vs llama.cpp (prebuilt v0.5.0 libraries from npm, driven by our C harness).

For every (model, threads) pair both engines run prompt processing (ppP) and token generation (tgN), R repetitions
each, alternately (the engine that goes first flips from pair to pair) so that machine noise hits both alike. Prints a
markdown table: model, size, threads, test, llama.cpp t/s, Locus t/s, ratio Locus/llama.cpp.

  python3 bench/compare.py --models /work/shared/models/stories260K.gguf --threads 1 2 -p 512 -n 128 -r 5

Locus side:     build/release/locus bench -m MODEL -t T -p P -n N -r R --output jsonl   (n/a when missing/failing)
llama.cpp side: .bench/llamacpp/llamacpp_bench (built by bench/llamacpp/build.sh, which installs the npm packages)
Both print one JSON object per line: {"engine":..,"model":..,"test":"pp512","threads":2,"tokens_per_s_mean":..,
"tokens_per_s_std":..,"reps":R}. Plain python3, no third-party packages.
"""
import argparse
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"compare.py: {msg}", file=sys.stderr, flush=True)


def human_size(n):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n} B"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def ensure_llama_harness(path):
    if path:
        if not os.access(path, os.X_OK):
            sys.exit(f"compare.py: error: --llama-bench {path} is not an executable")
        return path
    log("building the llama.cpp harness (bench/llamacpp/build.sh; installs the npm packages on first use)")
    r = subprocess.run(["bash", os.path.join(ROOT, "bench", "llamacpp", "build.sh")], stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("compare.py: error: bench/llamacpp/build.sh failed (see above)")
    return r.stdout.strip().splitlines()[-1]


def run_engine(name, cmd, timeout):
    """Runs one engine command; returns {test: record} from its JSON lines, or None when it is unavailable/failed."""
    log(f"{name}: {' '.join(cmd)}")
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    except FileNotFoundError:
        log(f"{name}: {cmd[0]} not found -> n/a")
        return None
    except subprocess.TimeoutExpired:
        log(f"{name}: timed out after {timeout} s -> n/a")
        return None
    out = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "test" in rec and "tokens_per_s_mean" in rec:
            out[rec["test"]] = rec
    if r.returncode != 0 or not out:
        tail = "\n".join((r.stderr or "").strip().splitlines()[-5:])
        log(f"{name}: exit code {r.returncode}, {len(out)} result line(s) -> n/a for missing tests\n{tail}")
    return out or None


def fmt(rec):
    if not rec:
        return "n/a"
    return f"{rec['tokens_per_s_mean']:.2f} ± {rec.get('tokens_per_s_std', 0.0):.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", required=True, help="GGUF model paths")
    ap.add_argument("--threads", nargs="+", type=int, default=[2], help="thread counts (default: 2)")
    ap.add_argument("-p", type=int, default=512, help="prompt tokens for the pp test (0 = skip; default 512)")
    ap.add_argument("-n", type=int, default=128, help="generated tokens for the tg test (0 = skip; default 128)")
    ap.add_argument("-r", type=int, default=5, help="repetitions (default 5)")
    ap.add_argument("--llama-only", action="store_true", help="run only the llama.cpp side")
    ap.add_argument("--locus", default=os.path.join(ROOT, "build", "release", "locus"), help="Locus executable")
    ap.add_argument("--llama-bench", default=None, help="llama.cpp harness executable (default: build it)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per engine run (default 3600)")
    ap.add_argument("--jsonl", default=None, help="also append every raw result line to this file")
    args = ap.parse_args()

    for m in args.models:
        if not os.path.isfile(m):
            sys.exit(f"compare.py: error: model {m} not found")
    llama = ensure_llama_harness(args.llama_bench)
    run_locus = not args.llama_only
    if run_locus and not os.access(args.locus, os.X_OK):
        log(f"Locus executable {args.locus} not found: Locus column will be n/a")
        run_locus = False

    tests = ([f"pp{args.p}"] if args.p > 0 else []) + ([f"tg{args.n}"] if args.n > 0 else [])
    common = ["-p", str(args.p), "-n", str(args.n), "-r", str(args.r)]
    rows, raw, variant = [], [], None
    pairs = [(m, t) for m in args.models for t in args.threads]
    for i, (model, t) in enumerate(pairs):
        engines = [("llama.cpp", [llama, "-m", model, "-t", str(t)] + common)]
        if run_locus:
            engines.append(("locus", [args.locus, "bench", "-m", model, "-t", str(t)] + common + ["--output", "jsonl"]))
        if i % 2 == 1:
            engines.reverse()  # alternate which engine goes first
        res = {}
        for name, cmd in engines:
            res[name] = run_engine(name, cmd, args.timeout) or {}
            raw.extend(res[name].values())
        for rec in res.get("llama.cpp", {}).values():
            variant = variant or rec.get("cpu_variant")
        size = human_size(os.path.getsize(model))
        for test in tests:
            lr, xr = res.get("llama.cpp", {}).get(test), res.get("locus", {}).get(test)
            ratio = "n/a"
            if lr and xr and lr["tokens_per_s_mean"] > 0:
                ratio = f"{xr['tokens_per_s_mean'] / lr['tokens_per_s_mean']:.2f}"
            rows.append((os.path.basename(model), size, str(t), test, fmt(lr), fmt(xr), ratio))

    if args.jsonl:
        with open(args.jsonl, "a") as f:
            for rec in raw:
                f.write(json.dumps(rec) + "\n")

    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores; llama.cpp v0.5.0 prebuilt (npm @node-llama-cpp/linux-x64"
          f" 3.22.1), CPU backend variant {variant or 'unknown'}; {args.r} repetitions, t/s mean ± std")
    print()
    head = ("model", "size", "threads", "test", "llama.cpp t/s", "Locus t/s", "Locus/llama.cpp")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 3 + ["---"] + ["---:"] * 3) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
