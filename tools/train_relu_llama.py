#!/usr/bin/env python3
"""Trains a small llama-architecture model with a ReLU-family FFN (PAR: relu(gate)*up, or SYM/dReLU:
relu(gate)*relu(up)) and the ProSparse recipe (ReLU + an L1 penalty on the FFN activations whose coefficient is
warmed up over training), then exports it to GGUF in the layout Locus reads. See tools/README.md.

Data (in the repo, made by tools/tokenize_corpus.py with Locus's own tokenizer): tools/data/tinystories_train.u16
and tinystories_heldout.u16 (the last 5% of ../shared/corpus/tinystories_val.txt). Optionally also samples of
models/stories260K.gguf (a "teacher" run here in PyTorch, --make-synth) to have more than 373K training tokens.

    python3 tools/train_relu_llama.py --preset tiny --ffn par --out OUTDIR [--synth synth.npy]
    python3 tools/train_relu_llama.py --make-synth synth.npy --synth-seconds 30

Needs torch and numpy (the device machine has both); the GGUF writer (tools/locus_gguf.py) is pure Python.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import locus_gguf as gg  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

BOS = 1
NEWLINE = 13  # <0x0A> in the stories260K vocabulary
# `locus perplexity -m models/stories260K.gguf -f tools/data/tinystories_heldout.txt --no-leading-bos` (F32, CPU).
TEACHER_HELDOUT_PPL_LOCUS = 5.7684

PRESETS = {
    # CI model: ~1.6M parameters, 3.3 MB as F16.
    "tiny": dict(n_embd=128, n_layer=6, n_head=4, n_head_kv=2, n_ff=512, tied=True, lr=3e-3, batch=64,
                 time_budget=140.0, real_frac=0.3, export=("f32", "f16")),
    # Quality model: ~17.7M parameters, 35 MB as F16 (returned from the device in three parts).
    "small": dict(n_embd=384, n_layer=8, n_head=6, n_head_kv=2, n_ff=1536, tied=False, lr=1.5e-3, batch=64,
                  time_budget=270.0, real_frac=0.2, export=("f16",)),
}


# ---------------------------------------------------------------- model (mirrors Locus's llama forward)

class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight.float()).to(x.dtype)


def rope_tables(head_dim, n_pos, base, device):
    i = torch.arange(head_dim // 2, dtype=torch.float64)
    inv = base ** (-2.0 * i / head_dim)
    ang = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float().to(device), torch.sin(ang).float().to(device)


def apply_rope(x, cos, sin):
    """x: [B, H, T, hd]; rotates the pairs (2i, 2i+1) by pos * base^(-2i/hd) (Locus's / llama.cpp's 'normal')."""
    xf = x.float().unflatten(-1, (-1, 2))
    x0, x1 = xf[..., 0], xf[..., 1]
    c, s = cos[None, None], sin[None, None]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2).to(x.dtype)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        E, H, KV, Fd = cfg["n_embd"], cfg["n_head"], cfg["n_head_kv"], cfg["n_ff"]
        hd = E // H
        self.H, self.KV, self.hd = H, KV, hd
        self.act, self.mode = cfg["act"], cfg["ffn"]
        self.attn_norm = RMSNorm(E, cfg["norm_eps"])
        self.wq = nn.Linear(E, H * hd, bias=False)
        self.wk = nn.Linear(E, KV * hd, bias=False)
        self.wv = nn.Linear(E, KV * hd, bias=False)
        self.wo = nn.Linear(H * hd, E, bias=False)
        self.ffn_norm = RMSNorm(E, cfg["norm_eps"])
        self.w_gate = nn.Linear(E, Fd, bias=False)
        self.w_up = nn.Linear(E, Fd, bias=False)
        self.w_down = nn.Linear(Fd, E, bias=False)

    def qkv(self, x, cos, sin):
        B, T, _ = x.shape
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.H, self.hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.KV, self.hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.KV, self.hd).transpose(1, 2)
        return apply_rope(q, cos, sin), apply_rope(k, cos, sin), v

    def attend(self, q, k, v, causal):
        if self.KV != self.H:  # query head h reads kv head h // (H / KV), as Locus does
            k = k.repeat_interleave(self.H // self.KV, dim=1)
            v = v.repeat_interleave(self.H // self.KV, dim=1)
        if hasattr(F, "scaled_dot_product_attention"):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        att = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(self.hd)
        if causal:
            T = q.shape[-2]
            att = att.masked_fill(torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
        return (att.softmax(-1) @ v.float()).to(q.dtype)

    def ffn(self, x):
        h = self.ffn_norm(x)
        g, u = self.w_gate(h), self.w_up(h)
        if self.act == "silu":
            a = F.silu(g) * u
        elif self.mode == "sym":
            a = F.relu(g) * F.relu(u)
        else:
            a = F.relu(g) * u
        return self.w_down(a), a

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q, k, v = self.qkv(x, cos, sin)
        o = self.attend(q, k, v, True)
        x = x + self.wo(o.transpose(1, 2).reshape(B, T, self.H * self.hd))
        d, a = self.ffn(x)
        return x + d, a


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg["n_vocab"], cfg["n_embd"])
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["n_layer"]))
        self.norm = RMSNorm(cfg["n_embd"], cfg["norm_eps"])
        self.lm_head = None if cfg["tied"] else nn.Linear(cfg["n_embd"], cfg["n_vocab"], bias=False)
        self.rope_cache = {}

    def init_weights(self, gen):
        std = 0.02
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
                continue
            s = std / math.sqrt(2 * self.cfg["n_layer"]) if name.endswith(("wo.weight", "w_down.weight")) else std
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=gen) * s)

    def rope(self, T, device):
        key = (T, str(device))
        if key not in self.rope_cache:
            self.rope_cache[key] = rope_tables(self.cfg["n_embd"] // self.cfg["n_head"], T,
                                               self.cfg["rope_base"], device)
        return self.rope_cache[key]

    def output(self, x):
        x = self.norm(x)
        return x @ self.tok_emb.weight.t().to(x.dtype) if self.lm_head is None else self.lm_head(x)

    def forward(self, idx):
        cos, sin = self.rope(idx.shape[1], idx.device)
        x = self.tok_emb(idx)
        acts = []
        for b in self.blocks:
            x, a = b(x, cos, sin)
            acts.append(a)
        return self.output(x), acts


# ---------------------------------------------------------------- GGUF in and out

EXPORT_NAMES = [("attn_norm", "attn_norm"), ("attn_q", "wq"), ("attn_k", "wk"), ("attn_v", "wv"),
                ("attn_output", "wo"), ("ffn_norm", "ffn_norm"), ("ffn_gate", "w_gate"), ("ffn_up", "w_up"),
                ("ffn_down", "w_down")]


def gguf_tensor_map(model):
    """GGUF tensor name -> torch parameter. nn.Linear weights [out, in] are ggml [in, out] with the same bytes."""
    m = {"token_embd.weight": model.tok_emb.weight, "output_norm.weight": model.norm.weight}
    if model.lm_head is not None:
        m["output.weight"] = model.lm_head.weight
    for i, b in enumerate(model.blocks):
        for gname, attr in EXPORT_NAMES:
            m[f"blk.{i}.{gname}.weight"] = getattr(b, attr).weight
    return m


def hparams(cfg):
    return {k: cfg[k] for k in ("n_vocab", "n_embd", "n_layer", "n_ff", "n_head", "n_head_kv", "n_ctx", "norm_eps",
                                "rope_base", "ffn")}


def export_gguf(model, path, dtype, tokenizer_kv, name):
    tensors = {n: p.detach().float().cpu().contiguous().numpy().astype("<f4").tobytes()
               for n, p in gguf_tensor_map(model).items()}
    hp = hparams(model.cfg)
    hp["to_f16"] = lambda b: np.frombuffer(b, dtype="<f4").astype("<f2").tobytes()
    gg.write_llama_gguf(path, hp, tokenizer_kv, tensors, dtype=dtype, name=name)


def round_to_export(model, dtype):
    """A copy whose matrices are rounded as the exported file stores them (F16 matrices, F32 norms)."""
    import copy
    m = copy.deepcopy(model).float()
    if dtype == "f16":
        with torch.no_grad():
            for p in m.parameters():
                if p.dim() == 2:
                    p.copy_(p.half().float())
    return m


def load_gguf_model(path, device):
    """Loads an F32/F16 llama GGUF (e.g. models/stories260K.gguf, a SiLU model) into LlamaModel."""
    r = gg.GGUFReader(path)
    p = "llama."
    cfg = dict(n_vocab=r.tensors["token_embd.weight"].shape[1], n_embd=r.get(p + "embedding_length"),
               n_layer=r.get(p + "block_count"), n_ff=r.get(p + "feed_forward_length"),
               n_head=r.get(p + "attention.head_count"), n_ctx=r.get(p + "context_length", 2048),
               norm_eps=r.get(p + "attention.layer_norm_rms_epsilon", 1e-5),
               rope_base=r.get(p + "rope.freq_base", 10000.0), act=r.get("locus.ffn_activation", "silu"),
               ffn=r.get("locus.ffn_mode", "par"), tied="output.weight" not in r.tensors)
    cfg["n_head_kv"] = r.get(p + "attention.head_count_kv", cfg["n_head"])
    model = LlamaModel(cfg)
    with torch.no_grad():
        for name, param in gguf_tensor_map(model).items():
            vals = torch.tensor(r.tensor_floats(name), dtype=torch.float32)
            param.copy_(vals.view(param.shape))
    return model.to(device), r


# ---------------------------------------------------------------- data

def load_u16(path):
    return np.fromfile(path, dtype="<u2").astype(np.int64)


class Batches:
    """Training windows of seq_len+1 tokens: from the real token stream at random offsets (first input token
    replaced by BOS, as `locus perplexity` does with each chunk), and from teacher samples (rows that start
    after a BOS)."""

    def __init__(self, real, synth, seq_len, batch, real_frac, device, seed):
        self.real = torch.from_numpy(real).to(device)
        self.synth = None if synth is None else torch.from_numpy(synth.astype(np.int64)).to(device)
        self.T, self.B, self.device = seq_len, batch, device
        self.n_real = batch if self.synth is None else max(1, int(round(batch * real_frac)))
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(seed)
        self.ar = torch.arange(seq_len + 1, device=device)

    def next(self):
        T = self.T
        offs = torch.randint(0, len(self.real) - T - 1, (self.n_real,), generator=self.gen, device=self.device)
        w = self.real[offs[:, None] + self.ar[None, :]]
        x, y = w[:, :-1].clone(), w[:, 1:]
        x[:, 0] = BOS
        if self.n_real < self.B:
            rows = torch.randint(0, self.synth.shape[0], (self.B - self.n_real,), generator=self.gen,
                                 device=self.device)
            s = self.synth[rows, :T]
            sx = torch.cat([torch.full((s.shape[0], 1), BOS, dtype=s.dtype, device=self.device), s[:, :-1]], 1)
            x, y = torch.cat([x, sx]), torch.cat([y, s])
        return x, y


@torch.no_grad()
def evaluate(model, tokens, n_ctx, device, amp_dtype=None):
    """llama.cpp's / `locus perplexity` method on a token stream without BOS: consecutive chunks of n_ctx, first
    token replaced by BOS, NLL of positions n_ctx/2 .. n_ctx-2 predicting the next token. Also the fraction of
    zero FFN activations per layer (over all positions of all chunks)."""
    model.eval()
    n_chunks = len(tokens) // n_ctx
    chunks = torch.from_numpy(tokens[:n_chunks * n_ctx].reshape(n_chunks, n_ctx)).to(device)
    nll, count = 0.0, 0
    zeros = None
    for i in range(0, n_chunks, 8):
        c = chunks[i:i + 8].clone()
        c[:, 0] = BOS
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits, acts = model(c)
        first = n_ctx // 2
        lp = F.log_softmax(logits[:, first:n_ctx - 1].float(), -1)
        tgt = c[:, first + 1:]
        nll += -lp.gather(-1, tgt[..., None]).sum().item()
        count += tgt.numel()
        z = torch.stack([(a == 0).float().sum() for a in acts])
        zeros = z if zeros is None else zeros + z
    model.train()
    n_act = n_chunks * n_ctx * model.cfg["n_ff"]
    sparsity = (zeros / n_act).tolist()
    return {"ppl": math.exp(nll / count), "nll": nll / count, "tokens_scored": count, "chunks": n_chunks,
            "sparsity_per_layer": [round(s, 4) for s in sparsity], "sparsity_mean": round(sum(sparsity) / len(sparsity), 4)}


# ---------------------------------------------------------------- teacher samples

@torch.no_grad()
def sample_teacher(model, n_rows, length, temperature, gen, device):
    """n_rows samples of `length` tokens after a BOS, with a KV cache. BOS/EOS generated inside a row (the end
    of a story) become a newline."""
    cfg = model.cfg
    H, KV = cfg["n_head"], cfg["n_head_kv"]
    hd = cfg["n_embd"] // H
    cos, sin = rope_tables(hd, length, cfg["rope_base"], device)
    kc = [torch.zeros(n_rows, KV, length, hd, device=device) for _ in model.blocks]
    vc = [torch.zeros(n_rows, KV, length, hd, device=device) for _ in model.blocks]
    tok = torch.full((n_rows,), BOS, dtype=torch.long, device=device)
    out = torch.empty(n_rows, length, dtype=torch.long, device=device)
    for pos in range(length):
        x = model.tok_emb(tok)[:, None, :]
        for li, b in enumerate(model.blocks):
            q, k, v = b.qkv(x, cos[pos:pos + 1], sin[pos:pos + 1])
            kc[li][:, :, pos] = k[:, :, 0]
            vc[li][:, :, pos] = v[:, :, 0]
            o = b.attend(q, kc[li][:, :, :pos + 1], vc[li][:, :, :pos + 1], False)
            x = x + b.wo(o.transpose(1, 2).reshape(n_rows, 1, H * hd))
            x = x + b.ffn(x)[0]
        logits = model.output(x)[:, 0].float()
        tok = torch.multinomial(F.softmax(logits / temperature, -1), 1, generator=gen)[:, 0]
        tok = torch.where((tok == 1) | (tok == 2), torch.full_like(tok, NEWLINE), tok)
        out[:, pos] = tok
    return out


def make_synth(a, device):
    teacher, _ = load_gguf_model(os.path.join(ROOT, "models", "stories260K.gguf"), device)
    teacher.eval()
    held = load_u16(os.path.join(HERE, "data", "tinystories_heldout.u16"))
    ev = evaluate(teacher, held, 512, device)
    ok = abs(ev["ppl"] / TEACHER_HELDOUT_PPL_LOCUS - 1) < 0.01
    print(f"teacher stories260K: held-out PPL {ev['ppl']:.4f} here, {TEACHER_HELDOUT_PPL_LOCUS} by locus "
          f"({'match' if ok else 'MISMATCH: the PyTorch model definition differs from Locus'})", flush=True)
    gen = torch.Generator(device=device)
    gen.manual_seed(a.seed + 1)
    rows, t0, n = [], time.time(), 0
    while n < a.synth_tokens and time.time() - t0 < a.synth_seconds:
        rows.append(sample_teacher(teacher, a.synth_batch, a.seq_len, 1.0, gen, device).to(torch.int32).cpu())
        n += rows[-1].numel()
        print(f"teacher samples: {n} tokens, {n / (time.time() - t0):.0f} tokens/s", flush=True)
    arr = torch.cat(rows).numpy().astype(np.uint16)
    np.save(a.make_synth, arr)
    meta = {"teacher_heldout_ppl": ev["ppl"], "teacher_heldout_ppl_locus": TEACHER_HELDOUT_PPL_LOCUS,
            "teacher_matches_locus": ok, "rows": int(arr.shape[0]), "row_len": int(arr.shape[1]),
            "tokens": int(arr.size), "seconds": time.time() - t0, "temperature": 1.0, "seed": a.seed + 1}
    with open(os.path.splitext(a.make_synth)[0] + ".json", "w") as f:
        json.dump(meta, f, indent=2)
    print(f"wrote {a.make_synth}: {arr.shape[0]} rows x {arr.shape[1]} tokens", flush=True)
    return 0 if ok else 3


# ---------------------------------------------------------------- training

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def train(a, device):
    P = dict(PRESETS[a.preset])
    for k in ("lr", "batch", "time_budget", "real_frac"):
        if getattr(a, k) is not None:
            P[k] = getattr(a, k)
    tied = P["tied"] if a.tied is None else a.tied == "tied"
    cfg = dict(n_vocab=512, n_embd=P["n_embd"], n_layer=P["n_layer"], n_head=P["n_head"], n_head_kv=P["n_head_kv"],
               n_ff=P["n_ff"], n_ctx=a.seq_len, norm_eps=1e-5, rope_base=10000.0, act="relu", ffn=a.ffn, tied=tied)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = LlamaModel(cfg)
    g = torch.Generator()
    g.manual_seed(a.seed)
    model.init_weights(g)
    model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    name = f"relu-llama-{a.preset}-{a.ffn}"
    print(f"== {name}: {n_params / 1e6:.2f}M parameters, cfg {cfg}", flush=True)

    real = load_u16(os.path.join(HERE, "data", "tinystories_train.u16"))
    held = load_u16(os.path.join(HERE, "data", "tinystories_heldout.u16"))
    synth = None
    if a.synth and os.path.exists(a.synth):
        synth = np.load(a.synth)
        if synth.shape[1] < a.seq_len:
            raise SystemExit(f"{a.synth}: rows of {synth.shape[1]} tokens, shorter than --seq-len {a.seq_len}")
        print(f"teacher samples: {synth.size} tokens ({synth.shape[0]} rows); real-data fraction {P['real_frac']}")
    elif a.synth:
        print(f"warning: {a.synth} not found: training on the real text only", flush=True)
    data = Batches(real, synth, a.seq_len, P["batch"], P["real_frac"], device, a.seed)

    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    try:
        opt = torch.optim.AdamW(groups, lr=P["lr"], betas=(0.9, 0.95), eps=1e-8, fused=device.type == "cuda")
    except TypeError:
        opt = torch.optim.AdamW(groups, lr=P["lr"], betas=(0.9, 0.95), eps=1e-8)
    amp = torch.bfloat16 if (device.type == "cuda" and a.amp == "bf16") else None

    L = cfg["n_layer"]
    lam = torch.full((L,), a.l1_init, device=device)  # per-layer L1 coefficient, adapted towards the target
    tokens_per_step = P["batch"] * a.seq_len
    total = a.steps
    warmup = a.warmup_steps
    calib = (10, 30)  # steps timed to choose `total` from the time budget
    t_calib = None
    log, evals = [], []
    t_start = time.time()
    t_last, step_last = t_start, 0

    def lr_at(step):
        if step < warmup:
            return P["lr"] * (step + 1) / warmup
        if total is None:
            return P["lr"]
        p = min(1.0, (step - warmup) / max(1, total - warmup))
        return P["lr"] * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))

    def target_at(step):  # the sparsity target is warmed up over the first l1_warmup of training
        if total is None:
            return 0.0
        return a.target_sparsity * min(1.0, step / max(1, a.l1_warmup * total))

    step = 0
    while total is None or step < total:
        if total is None and step == calib[0]:
            if device.type == "cuda":
                torch.cuda.synchronize()
            t_calib = time.time()
        if total is None and step == calib[1]:
            if device.type == "cuda":
                torch.cuda.synchronize()
            dt = (time.time() - t_calib) / (calib[1] - calib[0])
            left = P["time_budget"] - (time.time() - t_start)
            total = max(calib[1] + 1, int(left / (dt * 1.08)) + calib[1])  # 8% for evaluations and logging
            print(f"step time {dt * 1000:.1f} ms ({tokens_per_step / dt:.0f} tokens/s): {total} steps in the "
                  f"{P['time_budget']:.0f} s budget (reproduce with --steps {total})", flush=True)
        for gr in opt.param_groups:
            gr["lr"] = lr_at(step)
        x, y = data.next()
        with torch.autocast(device_type=device.type, dtype=amp, enabled=amp is not None):
            logits, acts = model(x)
        ce = F.cross_entropy(logits.float().view(-1, cfg["n_vocab"]), y.reshape(-1))
        l1 = torch.stack([a_.float().abs().mean() for a_ in acts])
        loss = ce + (lam * l1).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            sp = torch.stack([(a_ == 0).float().mean() for a_ in acts])
            gap = ((target_at(step) - sp) / 0.05).clamp(-1, 1)
            lam.mul_(torch.exp(a.l1_rate * gap)).clamp_(a.l1_min, a.l1_max)
        step += 1
        log_every = 10 if total is None else max(10, total // 25)
        if step % log_every == 0 or step == total:
            if device.type == "cuda":
                torch.cuda.synchronize()
            now = time.time()
            tps = (step - step_last) * tokens_per_step / (now - t_last)
            t_last, step_last = now, step
            e = {"step": step, "loss": round(ce.item(), 4), "l1": round(l1.mean().item(), 5),
                 "lr": lr_at(step - 1), "tokens_per_s": round(tps), "target": round(target_at(step - 1), 3),
                 "sparsity": [round(v, 3) for v in sp.tolist()], "lambda": [float(f"{v:.3g}") for v in lam.tolist()],
                 "elapsed_s": round(now - t_start, 1)}
            log.append(e)
            print(f"step {step}/{total or '?'} loss {e['loss']:.4f} l1 {e['l1']:.4f} lr {e['lr']:.2e} "
                  f"{tps:,.0f} tok/s sparsity {' '.join(f'{v:.2f}' for v in e['sparsity'])} "
                  f"(target {e['target']:.2f}) lambda {' '.join(f'{v:.2g}' for v in e['lambda'])}", flush=True)
            if total is not None and (step % (log_every * 5) == 0 or step == total):
                ev = evaluate(model, held, a.seq_len, device, amp)
                ev["step"] = step
                evals.append(ev)
                print(f"  held-out: PPL {ev['ppl']:.4f} (loss {ev['nll']:.4f}), sparsity per layer "
                      f"{' '.join(f'{v:.3f}' for v in ev['sparsity_per_layer'])}", flush=True)
    train_s = time.time() - t_start

    os.makedirs(a.out, exist_ok=True)
    src = gg.GGUFReader(os.path.join(ROOT, "models", "stories260K.gguf"))
    tok_kv = gg.tokenizer_kv(src)
    result = {"name": name, "preset": a.preset, "ffn": a.ffn, "params": n_params, "config": cfg,
              "hyper": {k: v for k, v in vars(a).items() if k not in ("out",)}, "preset_values": P,
              "steps": total, "train_seconds": round(train_s, 1),
              "tokens_seen": total * tokens_per_step, "train_log": log, "heldout_log": evals, "files": {}}
    for dtype in (a.export.split(",") if a.export else P["export"]):
        path = os.path.join(a.out, f"{name}-{dtype}.gguf")
        export_gguf(model, path, dtype, tok_kv, name)
        ev = evaluate(round_to_export(model, dtype), held, a.seq_len, device)  # F32 math, exported weights
        result["files"][os.path.basename(path)] = {"bytes": os.path.getsize(path), "sha256": sha256(path),
                                                   "heldout_fp32": ev}
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB): held-out PPL {ev['ppl']:.4f} "
              f"(locus perplexity on tools/data/tinystories_heldout.txt --no-leading-bos should agree), "
              f"FFN sparsity {ev['sparsity_mean']:.3f} per layer {ev['sparsity_per_layer']}", flush=True)
    with open(os.path.join(a.out, f"{name}.json"), "w") as f:
        json.dump(result, f, indent=1)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    ap.add_argument("--ffn", choices=("par", "sym"), default="par")
    ap.add_argument("--out", default="out")
    ap.add_argument("--synth", default=None, help="teacher samples (.npy from --make-synth) mixed into training")
    ap.add_argument("--make-synth", default=None, metavar="PATH", help="only write teacher samples to PATH (.npy)")
    ap.add_argument("--synth-tokens", type=int, default=64_000_000)
    ap.add_argument("--synth-seconds", type=float, default=30.0)
    ap.add_argument("--synth-batch", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=None, help="fixed step count (default: fit --time-budget)")
    ap.add_argument("--time-budget", type=float, default=None, help="seconds of training (preset default)")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--real-frac", type=float, default=None, help="share of each batch from the real text")
    ap.add_argument("--tied", choices=("tied", "untied"), default=None)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--target-sparsity", type=float, default=0.90)
    ap.add_argument("--l1-warmup", type=float, default=0.4, help="fraction of training over which the target rises")
    ap.add_argument("--l1-init", type=float, default=1e-4)
    ap.add_argument("--l1-rate", type=float, default=0.03, help="per-step log change of the L1 coefficient, at most")
    ap.add_argument("--l1-min", type=float, default=1e-6)
    ap.add_argument("--l1-max", type=float, default=10.0)
    ap.add_argument("--amp", choices=("bf16", "none"), default="bf16")
    ap.add_argument("--export", default=None, help="comma-separated: f32,f16 (preset default)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    device = torch.device(a.device)
    # No TF32: the F32 evaluations must match Locus's F32 perplexity; training runs in bf16 autocast anyway.
    torch.backends.cuda.matmul.allow_tf32 = False
    if a.make_synth:
        return make_synth(a, device)
    return train(a, device)


if __name__ == "__main__":
    sys.exit(main())
