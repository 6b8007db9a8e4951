"""A pure-Python (stdlib only) reference forward pass of a llama GGUF (F32/F16 weights), written from the model
definition the trainer uses: RMSNorm, RoPE on pairs (2i, 2i+1), causal GQA attention, gated FFN (SiLU, or ReLU in
PAR `relu(gate)*up` / SYM `relu(gate)*relu(up)` mode), tied or separate output. Slow: for tests on small models.

    python3 tools/ref_forward.py MODEL.gguf 1 403 407     # prints the argmax and top logits of each position
"""
import math
import sys

from locus_gguf import GGUFReader


def _rows(flat, ncols):
    return [flat[i:i + ncols] for i in range(0, len(flat), ncols)]


def load(path):
    r = GGUFReader(path)
    arch = r.get("general.architecture")
    if arch != "llama":
        raise ValueError(f"{path}: architecture {arch}, expected llama")
    p = "llama."
    E = r.get(p + "embedding_length")
    m = {
        "n_embd": E,
        "n_layer": r.get(p + "block_count"),
        "n_ff": r.get(p + "feed_forward_length"),
        "n_head": r.get(p + "attention.head_count"),
        "eps": r.get(p + "attention.layer_norm_rms_epsilon", 1e-5),
        "rope_base": r.get(p + "rope.freq_base", 10000.0),
        "act": r.get("locus.ffn_activation", "silu"),
        "mode": r.get("locus.ffn_mode", "par"),
    }
    m["n_head_kv"] = r.get(p + "attention.head_count_kv", m["n_head"])
    m["head_dim"] = E // m["n_head"]
    m["rope_dims"] = r.get(p + "rope.dimension_count", m["head_dim"])

    def mat(name):  # ggml shape [cols, rows] -> list of rows (each row: one output)
        t = r.tensors[name]
        return _rows(r.tensor_floats(name), t.shape[0])

    m["tok_embd"] = mat("token_embd.weight")
    m["output_norm"] = r.tensor_floats("output_norm.weight")
    m["output"] = mat("output.weight") if "output.weight" in r.tensors else m["tok_embd"]
    m["layers"] = []
    for i in range(m["n_layer"]):
        b = f"blk.{i}."
        m["layers"].append({k: mat(b + k + ".weight") for k in
                            ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")})
        m["layers"][-1]["attn_norm"] = r.tensor_floats(b + "attn_norm.weight")
        m["layers"][-1]["ffn_norm"] = r.tensor_floats(b + "ffn_norm.weight")
    return m


def _matvec(W, x):
    return [sum(w * v for w, v in zip(row, x)) for row in W]


def _rms_norm(x, w, eps):
    s = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [v * s * g for v, g in zip(x, w)]


def _rope(v, n_heads, head_dim, rope_dims, pos, base):
    out = list(v)
    for h in range(n_heads):
        o = h * head_dim
        for i in range(rope_dims // 2):
            theta = pos * base ** (-2.0 * i / rope_dims)
            c, s = math.cos(theta), math.sin(theta)
            a, b = o + 2 * i, o + 2 * i + 1
            x0, x1 = v[a], v[b]
            out[a] = x0 * c - x1 * s
            out[b] = x0 * s + x1 * c
    return out


def _act(x, kind):
    if kind == "relu":
        return max(x, 0.0)
    if kind == "silu":
        return x / (1.0 + math.exp(-x)) if x > -80 else 0.0
    raise ValueError(kind)


def forward(m, tokens, want_ffn=False):
    """Logits (list of n_vocab floats) for every position; with want_ffn also the FFN activations per layer and
    position (the inputs of ffn_down)."""
    E, H, KVH, hd = m["n_embd"], m["n_head"], m["n_head_kv"], m["head_dim"]
    group = H // KVH
    scale = 1.0 / math.sqrt(hd)
    xs = [list(m["tok_embd"][t]) for t in tokens]
    ffn_acts = []
    for L in m["layers"]:
        ks, vs, layer_acts = [], [], []
        for pos, x in enumerate(xs):
            h = _rms_norm(x, L["attn_norm"], m["eps"])
            q = _rope(_matvec(L["attn_q"], h), H, hd, m["rope_dims"], pos, m["rope_base"])
            ks.append(_rope(_matvec(L["attn_k"], h), KVH, hd, m["rope_dims"], pos, m["rope_base"]))
            vs.append(_matvec(L["attn_v"], h))
            att = []
            for hh in range(H):
                g = hh // group
                qh = q[hh * hd:(hh + 1) * hd]
                sc = [scale * sum(a * b for a, b in zip(qh, k[g * hd:(g + 1) * hd])) for k in ks]
                mx = max(sc)
                e = [math.exp(s - mx) for s in sc]
                z = sum(e)
                out = [0.0] * hd
                for w, v in zip(e, vs):
                    vh = v[g * hd:(g + 1) * hd]
                    for d in range(hd):
                        out[d] += w / z * vh[d]
                att += out
            x = [a + b for a, b in zip(x, _matvec(L["attn_output"], att))]
            h = _rms_norm(x, L["ffn_norm"], m["eps"])
            gate = _matvec(L["ffn_gate"], h)
            up = _matvec(L["ffn_up"], h)
            if m["act"] == "relu" and m["mode"] == "sym":
                a = [max(gv, 0.0) * max(uv, 0.0) for gv, uv in zip(gate, up)]
            else:
                a = [_act(gv, m["act"]) * uv for gv, uv in zip(gate, up)]
            layer_acts.append(a)
            xs[pos] = [u + d for u, d in zip(x, _matvec(L["ffn_down"], a))]
        ffn_acts.append(layer_acts)
    logits = [_matvec(m["output"], _rms_norm(x, m["output_norm"], m["eps"])) for x in xs]
    return (logits, ffn_acts) if want_ffn else logits


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    m = load(argv[1])
    tokens = [int(t) for t in argv[2:]]
    for pos, lg in enumerate(forward(m, tokens)):
        top = sorted(range(len(lg)), key=lambda i: -lg[i])[:5]
        print(pos, tokens[pos], "->", " ".join(f"{i}:{lg[i]:.4f}" for i in top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
