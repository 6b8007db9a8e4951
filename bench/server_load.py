#!/usr/bin/env python3
"""Load test of `locus serve` over loopback (python3 standard library only).

For each --parallel value (side by side in one run) it starts a server, computes the reference reply of every
request kind one at a time, then runs a fixed number of requests from concurrent clients: half streaming, half
not, every --disconnect-every'th client leaving early. Every completed reply must equal its reference (so it is
whole and belongs to its request). It reports aggregate generated tokens/s, latency, and the server's resident
memory early and late in the run. Exit status 1 on any failed check.

  python3 bench/server_load.py --requests 500 --clients 32 --parallel 1,8
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = ["Once upon a time", "The little dog", "Tom and Sue went to the park", "One day, a bird",
           "Lily had a red ball", "The sun was hot", "A big fish swam", "Mom said"]


def start_server(binary, model, parallel, threads, extra):
    cmd = [binary, "serve", "-m", model, "--port", "0", "--parallel", str(parallel), "-t", str(threads)] + extra
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = None
    for line in proc.stdout:
        if "listening on" in line:
            port = int(line.rsplit(":", 1)[1])
        if "ready" in line:
            break
    if port is None:
        proc.kill()
        raise SystemExit("server did not start: " + " ".join(cmd))
    return proc, port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def body_for(kind, max_tokens):
    prompt = PROMPTS[kind % len(PROMPTS)]
    # Half the kinds are greedy, half sample with a fixed seed: both are deterministic per kind.
    sampled = kind >= len(PROMPTS)
    return {"prompt": prompt, "max_tokens": max_tokens, "echo": True,
            "temperature": 0.8 if sampled else 0.0, "seed": 1000 + kind}


def complete(port, body, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    conn.close()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {data}")
    return data["choices"][0]["text"], data["usage"]["completion_tokens"], data["choices"][0]["finish_reason"]


def stream(port, body, leave_after=None, timeout=120):
    """Streams a completion; returns (text, n_events, finish_reason), or None if it left early on purpose."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/v1/completions", json.dumps(dict(body, stream=True)), {"Content-Type": "application/json"})
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {r.read()!r}")
    text, events, finish, done = "", 0, None, False
    while True:
        line = r.readline()
        if not line:
            break
        line = line.strip()
        if not line.startswith(b"data: "):
            continue
        payload = line[6:]
        if payload == b"[DONE]":
            done = True
            break
        ev = json.loads(payload)
        events += 1
        choice = ev["choices"][0]
        text += choice["text"]
        finish = choice["finish_reason"] or finish
        if leave_after is not None and events >= leave_after:
            conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()
            return None
    conn.close()
    if not done:
        raise RuntimeError("stream ended without [DONE]")
    return text, events, finish


def leave_non_streaming(port, body):
    """Sends a non-streaming request and hangs up before the reply."""
    s = socket.create_connection(("127.0.0.1", port))
    data = json.dumps(body).encode()
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
    time.sleep(0.005)
    s.close()


def metric(port, name):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def run_load(args, parallel):
    proc, port = start_server(args.binary, args.model, parallel, args.threads, args.server_args)
    try:
        n_kinds = 2 * len(PROMPTS)
        refs = [complete(port, body_for(k, args.max_tokens)) for k in range(n_kinds)]
        lock = threading.Lock()
        next_id = [0]
        stats = {"ok": 0, "left": 0, "tokens": 0, "errors": [], "latency": []}
        rss = []

        def client():
            while True:
                with lock:
                    i = next_id[0]
                    if i >= args.requests:
                        return
                    next_id[0] += 1
                kind = i % n_kinds
                body = body_for(kind, args.max_tokens)
                want_text, want_tokens, want_finish = refs[kind]
                t0 = time.perf_counter()
                try:
                    if args.disconnect_every and i % args.disconnect_every == args.disconnect_every - 1:
                        if i % 2:
                            stream(port, body, leave_after=2)
                        else:
                            leave_non_streaming(port, body)
                        with lock:
                            stats["left"] += 1
                        continue
                    if (i * args.stream_percent) % 100 + args.stream_percent >= 100 and args.stream_percent:
                        text, _, finish = stream(port, body)
                        tokens = want_tokens
                    else:
                        text, tokens, finish = complete(port, body)
                    # Without the exact check, a reply must still be whole and its own: its echoed prompt, its
                    # token count and finish reason.
                    same = text == want_text if args.exact else text.startswith(body["prompt"])
                    if not same or finish != want_finish or tokens != want_tokens:
                        raise RuntimeError(f"request {i} (kind {kind}) got {text!r} ({finish}, {tokens} tokens), "
                                           f"expected {want_text!r} ({want_finish}, {want_tokens})")
                    with lock:
                        stats["ok"] += 1
                        stats["tokens"] += tokens
                        stats["latency"].append(time.perf_counter() - t0)
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    with lock:
                        stats["errors"].append(str(e))

        def sample_rss():
            while not stop_sampling.is_set():
                rss.append(rss_kib(proc.pid))
                stop_sampling.wait(0.25)

        stop_sampling = threading.Event()
        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        t0 = time.perf_counter()
        clients = [threading.Thread(target=client) for _ in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        wall = time.perf_counter() - t0
        stop_sampling.set()
        sampler.join()
        time.sleep(0.3)  # let the server notice the last departures
        busy, queue, cancelled = (metric(port, "locus_slots_busy"), metric(port, "locus_queue_depth"),
                                  metric(port, "locus_jobs_cancelled_total"))
        alive = proc.poll() is None
        lat = sorted(stats["latency"]) or [0.0]
        quarter = max(1, len(rss) // 4)
        return {
            "parallel": parallel, "requests": args.requests, "clients": args.clients, "completed": stats["ok"],
            "left_early": stats["left"], "errors": len(stats["errors"]), "first_errors": stats["errors"][:3],
            "wall_s": round(wall, 3), "gen_tokens": stats["tokens"],
            "tokens_per_s": round(stats["tokens"] / wall, 1),
            "latency_p50_s": round(statistics.median(lat), 3), "latency_p95_s": round(lat[int(0.95 * (len(lat) - 1))], 3),
            "rss_early_mib": round(statistics.median(rss[:quarter]) / 1024, 1),
            "rss_late_mib": round(statistics.median(rss[-quarter:]) / 1024, 1),
            "rss_max_mib": round(max(rss) / 1024, 1),
            "slots_busy_after": busy, "queue_after": queue, "cancelled": cancelled, "server_alive": alive,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/release/locus"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models/stories260K.gguf"))
    ap.add_argument("--parallel", default="1,8", help="comma-separated slot counts, run side by side")
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="compute threads of the server (-t)")
    ap.add_argument("--rounds", type=int, default=1, help="runs of every --parallel value, alternating")
    ap.add_argument("--stream-percent", type=int, default=50, help="share of streaming requests, in percent")
    ap.add_argument("--disconnect-every", type=int, default=10, help="every Nth request leaves early (0: none)")
    ap.add_argument("--no-exact", dest="exact", action="store_false",
                    help="do not require the text to equal the one-at-a-time reference (for models whose batched and "
                         "single-token kernels round differently, so near-tied tokens can flip)")
    ap.add_argument("--server-args", nargs=argparse.REMAINDER, default=[], help="extra arguments for locus serve")
    args = ap.parse_args()

    # Rounds alternate the settings (1, 8, 1, 8, ...) so that a change in the machine's load hits both alike.
    parallels = [int(p) for p in args.parallel.split(",")]
    results = []
    for rnd in range(args.rounds):
        for p in parallels:
            r = run_load(args, p)
            r["round"] = rnd + 1
            results.append(r)
    failed = False
    print("| round | --parallel | completed | left early | errors | wall s | gen tokens | tokens/s | p50 s | p95 s | "
          "RSS early/late/max MiB | busy/queue after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        print(f"| {r['round']} | {r['parallel']} | {r['completed']} | {r['left_early']} | {r['errors']} | {r['wall_s']} | "
              f"{r['gen_tokens']} | {r['tokens_per_s']} | {r['latency_p50_s']} | {r['latency_p95_s']} | "
              f"{r['rss_early_mib']}/{r['rss_late_mib']}/{r['rss_max_mib']} | "
              f"{r['slots_busy_after']:.0f}/{r['queue_after']:.0f} |")
        for e in r["first_errors"]:
            print("  error:", e)
        expected = r["requests"] - r["left_early"]
        if r["errors"] or r["completed"] != expected or not r["server_alive"] or r["slots_busy_after"] or r["queue_after"]:
            failed = True
    if len(parallels) >= 2:
        print()
        for rnd in range(args.rounds):
            first, last = results[rnd * len(parallels)], results[rnd * len(parallels) + len(parallels) - 1]
            if first["tokens_per_s"] > 0:
                print(f"round {rnd + 1}: speed-up --parallel {last['parallel']} vs {first['parallel']}: "
                      f"{last['tokens_per_s'] / first['tokens_per_s']:.2f}x")
    print(json.dumps(results))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
