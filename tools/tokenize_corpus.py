#!/usr/bin/env python3
"""Pre-tokenizes the training corpus with Locus's own tokenizer, so the trainer sees exactly the tokens Locus
will see (no re-implementation of the SentencePiece-style tokenizer in Python).

It splits ../shared/corpus/tinystories_val.txt at the paragraph break ("\\n\\n") nearest to (1 - HELDOUT) of its
bytes, tokenizes each part as `locus perplexity --no-leading-bos` does (Tokenizer::encode(text, add_bos=false,
parse_special=false), through the C API's locus_tokenize and the Python bindings), and writes under tools/data/:

    tinystories_train.u16      train tokens, little-endian uint16, no BOS
    tinystories_heldout.u16    held-out tokens, likewise
    tinystories_heldout.txt    the held-out text itself (for `locus perplexity -f ... --no-leading-bos`)
    corpus.json                source sha256, split byte offset, token counts, tokenizer model and its sha256

Needs liblocus.so (cmake --build build/release --target locus_shared); no numpy.

    python3 tools/tokenize_corpus.py [--corpus PATH] [--model models/stories260K.gguf] [--heldout 0.05]
"""
import argparse
import hashlib
import json
import os
import sys
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def open_locus_model(model_path):
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    if "LOCUS_LIB_DIR" not in os.environ and "LOCUS_LIBRARY" not in os.environ:
        os.environ["LOCUS_LIB_DIR"] = os.path.join(ROOT, "build", "release")
    import locus  # noqa: E402  (the project's ctypes bindings)
    return locus.Model(model_path, n_threads=1)


def split_text(text, heldout):
    """Byte offset of the paragraph break closest to len*(1-heldout); the held-out part starts after it."""
    target = int(len(text) * (1.0 - heldout))
    before = text.rfind(b"\n\n", 0, target)
    after = text.find(b"\n\n", target)
    cands = [c for c in (before, after) if c >= 0]
    if not cands:
        return target
    cut = min(cands, key=lambda c: abs(c - target))
    return cut + 2


def write_u16(path, ids):
    a = array("H", ids)
    if sys.byteorder != "little":
        a.byteswap()
    with open(path, "wb") as f:
        a.tofile(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "tinystories_val.txt"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "stories260K.gguf"))
    ap.add_argument("--heldout", type=float, default=0.05, help="fraction of the text (by bytes) held out, at the end")
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        alt = "/work/shared/corpus/tinystories_val.txt"
        if os.path.exists(alt):
            a.corpus = alt
    with open(a.corpus, "rb") as f:
        text = f.read()
    cut = split_text(text, a.heldout)
    model = open_locus_model(a.model)
    if model.info()["n_vocab"] > 65535:
        raise SystemExit("vocabulary too large for uint16 token files")
    parts = {"train": text[:cut], "heldout": text[cut:]}
    os.makedirs(a.out, exist_ok=True)
    meta = {"corpus": os.path.basename(a.corpus), "corpus_sha256": sha256(a.corpus), "corpus_bytes": len(text),
            "split_byte": cut, "heldout_fraction": a.heldout, "tokenizer_model": os.path.basename(a.model),
            "tokenizer_model_sha256": sha256(a.model), "n_vocab": model.info()["n_vocab"],
            "encoding": "locus Tokenizer::encode(text, add_bos=false, parse_special=false), uint16 little-endian",
            "files": {}}
    for name, part in parts.items():
        ids = model.tokenize(part.decode("utf-8"), add_bos=False, parse_special=False)
        path = os.path.join(a.out, f"tinystories_{name}.u16")
        write_u16(path, ids)
        meta["files"][name] = {"file": os.path.basename(path), "tokens": len(ids), "bytes": len(part),
                               "sha256": sha256(path)}
        print(f"{name}: {len(part)} bytes -> {len(ids)} tokens -> {path}")
    with open(os.path.join(a.out, "tinystories_heldout.txt"), "wb") as f:
        f.write(parts["heldout"])
    with open(os.path.join(a.out, "corpus.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
