"""A small GGUF v3 reader and writer in pure Python (stdlib only), for the training tools.

The writer produces what Locus reads (src/gguf): little-endian GGUF v3, key/value metadata, tensor infos whose
shapes are in ggml order (ne0 first, ne0 the contiguous dimension), tensor data aligned to `general.alignment`
(32 by default). Tensor data is given as bytes already in the tensor's type (F32 or F16 here), so the caller
decides how to produce it (numpy/torch on the training machine, `array`/`struct` in the tests).
"""
import struct
from array import array

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32

# Metadata value types.
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64, T_INT64, \
    T_FLOAT64 = range(13)
_SCALAR_FMT = {T_UINT8: "B", T_INT8: "b", T_UINT16: "H", T_INT16: "h", T_UINT32: "I", T_INT32: "i",
               T_FLOAT32: "f", T_BOOL: "?", T_UINT64: "Q", T_INT64: "q", T_FLOAT64: "d"}

# Tensor types used here (ggml ids).
GGML_F32, GGML_F16 = 0, 1
_TYPE_SIZE = {GGML_F32: 4, GGML_F16: 2}


class GGUFError(Exception):
    pass


class _Cursor:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise GGUFError("truncated file")
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return v

    def string(self):
        (n,) = self.take("<Q")
        if self.pos + n > len(self.data):
            raise GGUFError("truncated string")
        s = bytes(self.data[self.pos:self.pos + n]).decode("utf-8", errors="surrogateescape")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == T_STRING:
            return self.string()
        if vtype == T_ARRAY:
            (etype,) = self.take("<I")
            (n,) = self.take("<Q")
            if etype == T_STRING:
                return (etype, [self.string() for _ in range(n)])
            if etype == T_ARRAY:
                return (etype, [self.value(T_ARRAY) for _ in range(n)])
            fmt = _SCALAR_FMT.get(etype)
            if fmt is None:
                raise GGUFError(f"unknown array element type {etype}")
            return (etype, list(self.take(f"<{n}{fmt}")))
        fmt = _SCALAR_FMT.get(vtype)
        if fmt is None:
            raise GGUFError(f"unknown value type {vtype}")
        return self.take("<" + fmt)[0]


class TensorInfo:
    def __init__(self, name, shape, ggml_type, offset):
        self.name, self.shape, self.type, self.offset = name, shape, ggml_type, offset

    def n_elements(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


class GGUFReader:
    """Reads a whole GGUF (or PWRI) file: .kv maps key -> (type, value) (arrays: (T_ARRAY, (elem_type, list)));
    .tensors maps name -> TensorInfo, in file order."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        c = _Cursor(self.data)
        magic = bytes(self.data[:4])
        if magic not in (b"GGUF", b"PWRI"):
            raise GGUFError(f"{path}: not a GGUF file")
        c.pos = 4
        (version,) = c.take("<I")
        if version not in (2, 3):
            raise GGUFError(f"{path}: GGUF version {version} not supported")
        n_tensors, n_kv = c.take("<QQ")
        self.kv = {}
        for _ in range(n_kv):
            key = c.string()
            (vtype,) = c.take("<I")
            self.kv[key] = (vtype, c.value(vtype))
        self.tensors = {}
        for _ in range(n_tensors):
            name = c.string()
            (nd,) = c.take("<I")
            shape = list(c.take(f"<{nd}Q"))
            (ttype,) = c.take("<I")
            (off,) = c.take("<Q")
            self.tensors[name] = TensorInfo(name, shape, ttype, off)
        self.alignment = self.get("general.alignment", DEFAULT_ALIGNMENT)
        self.data_start = (c.pos + self.alignment - 1) // self.alignment * self.alignment

    def get(self, key, default=None):
        v = self.kv.get(key)
        if v is None:
            return default
        return v[1][1] if v[0] == T_ARRAY else v[1]

    def tensor_bytes(self, name):
        t = self.tensors[name]
        size = t.n_elements() * _TYPE_SIZE[t.type]
        start = self.data_start + t.offset
        return self.data[start:start + size]

    def tensor_floats(self, name):
        """The tensor's values as a flat list of floats (F32 or F16 only), in memory order."""
        t = self.tensors[name]
        raw = self.tensor_bytes(name)
        if t.type == GGML_F32:
            a = array("f")
            a.frombytes(raw)
            if struct.pack("=I", 1) != struct.pack("<I", 1):
                a.byteswap()
            return a.tolist()
        if t.type == GGML_F16:
            return list(struct.unpack(f"<{t.n_elements()}e", raw))
        raise GGUFError(f"tensor {name}: type {t.type} not supported by this reader")


def _pack_string(s):
    b = s.encode("utf-8", errors="surrogateescape") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _pack_value(vtype, value):
    if vtype == T_STRING:
        return _pack_string(value)
    if vtype == T_ARRAY:
        etype, items = value
        out = [struct.pack("<IQ", etype, len(items))]
        if etype == T_STRING:
            out += [_pack_string(s) for s in items]
        elif etype == T_ARRAY:
            out += [_pack_value(T_ARRAY, v) for v in items]
        else:
            out.append(struct.pack(f"<{len(items)}{_SCALAR_FMT[etype]}", *items))
        return b"".join(out)
    return struct.pack("<" + _SCALAR_FMT[vtype], value)


class GGUFWriter:
    """Collects metadata and tensors, then write(path) lays out a GGUF v3 file."""

    def __init__(self, alignment=DEFAULT_ALIGNMENT):
        self.alignment = alignment
        self.kv = {}  # insertion-ordered
        self.tensors = []  # (name, shape, type, bytes)
        if alignment != DEFAULT_ALIGNMENT:
            self.add("general.alignment", T_UINT32, alignment)

    def add(self, key, vtype, value):
        self.kv[key] = (vtype, value)

    def add_string(self, key, v):
        self.add(key, T_STRING, v)

    def add_u32(self, key, v):
        self.add(key, T_UINT32, int(v))

    def add_f32(self, key, v):
        self.add(key, T_FLOAT32, float(v))

    def add_tensor(self, name, shape, ggml_type, data):
        """shape in ggml order (ne0 first); data: the bytes of the tensor in ggml_type, little-endian."""
        n = 1
        for d in shape:
            n *= int(d)
        if len(data) != n * _TYPE_SIZE[ggml_type]:
            raise GGUFError(f"tensor {name}: {len(data)} bytes for shape {list(shape)} of type {ggml_type}")
        self.tensors.append((name, [int(d) for d in shape], ggml_type, bytes(data)))

    def write(self, path):
        a = self.alignment
        pad = lambda n: (n + a - 1) // a * a
        head = [GGUF_MAGIC, struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv))]
        for key, (vtype, value) in self.kv.items():
            head += [_pack_string(key), struct.pack("<I", vtype), _pack_value(vtype, value)]
        offset = 0
        offsets = []
        for name, shape, ttype, data in self.tensors:
            offsets.append(offset)
            head += [_pack_string(name), struct.pack("<I", len(shape)), struct.pack(f"<{len(shape)}Q", *shape),
                     struct.pack("<IQ", ttype, offset)]
            offset = pad(offset + len(data))
        header = b"".join(head)
        with open(path, "wb") as f:
            f.write(header)
            f.write(b"\0" * (pad(len(header)) - len(header)))
            for (name, shape, ttype, data), off in zip(self.tensors, offsets):
                f.write(data)
                f.write(b"\0" * (pad(len(data)) - len(data)))


def f32_bytes(values):
    """Little-endian F32 bytes of a flat sequence of floats (pure Python)."""
    return struct.pack(f"<{len(values)}f", *values)


def f16_bytes(values):
    """Little-endian F16 bytes of a flat sequence of floats (pure Python; round to nearest even)."""
    return struct.pack(f"<{len(values)}e", *values)


# ---- the llama model layout Locus reads (src/model/model_spec.cpp, weights.cpp) ----

def tokenizer_kv(reader):
    """The tokenizer.ggml.* metadata of a GGUF file, to copy verbatim into another."""
    return {k: v for k, v in reader.kv.items() if k.startswith("tokenizer.ggml.")}


def llama_metadata(writer, hp, tokenizer, name):
    """hp: dict with n_vocab, n_embd, n_layer, n_ff, n_head, n_head_kv, n_ctx, norm_eps, rope_base, ffn ('par'|'sym')."""
    head_dim = hp["n_embd"] // hp["n_head"]
    writer.add_string("general.architecture", "llama")
    writer.add_string("general.name", name)
    writer.add_u32("general.file_type", 0 if hp.get("dtype", "f32") == "f32" else 1)
    writer.add_u32("llama.context_length", hp["n_ctx"])
    writer.add_u32("llama.embedding_length", hp["n_embd"])
    writer.add_u32("llama.block_count", hp["n_layer"])
    writer.add_u32("llama.feed_forward_length", hp["n_ff"])
    writer.add_u32("llama.attention.head_count", hp["n_head"])
    writer.add_u32("llama.attention.head_count_kv", hp["n_head_kv"])
    writer.add_u32("llama.rope.dimension_count", head_dim)
    writer.add_f32("llama.attention.layer_norm_rms_epsilon", hp["norm_eps"])
    writer.add_f32("llama.rope.freq_base", hp["rope_base"])
    writer.add_u32("llama.vocab_size", hp["n_vocab"])
    writer.add_string("locus.ffn_activation", "relu")
    writer.add_string("locus.ffn_mode", hp["ffn"])
    for k, (vtype, value) in tokenizer.items():
        writer.add(k, vtype, value)


def llama_tensor_shapes(hp, tied):
    """name -> ggml shape (ne0 first) of every tensor of the llama layout, in the order they are written.
    A torch nn.Linear weight [out, in] (row-major) has ggml shape [in, out] with the same bytes."""
    E, F, V = hp["n_embd"], hp["n_ff"], hp["n_vocab"]
    hd = E // hp["n_head"]
    Q, KV = hp["n_head"] * hd, hp["n_head_kv"] * hd
    shapes = {"token_embd.weight": [E, V]}
    for i in range(hp["n_layer"]):
        p = f"blk.{i}."
        shapes[p + "attn_norm.weight"] = [E]
        shapes[p + "attn_q.weight"] = [E, Q]
        shapes[p + "attn_k.weight"] = [E, KV]
        shapes[p + "attn_v.weight"] = [E, KV]
        shapes[p + "attn_output.weight"] = [Q, E]
        shapes[p + "ffn_norm.weight"] = [E]
        shapes[p + "ffn_gate.weight"] = [E, F]
        shapes[p + "ffn_up.weight"] = [E, F]
        shapes[p + "ffn_down.weight"] = [F, E]
    shapes["output_norm.weight"] = [E]
    if not tied:
        shapes["output.weight"] = [E, V]
    return shapes


def write_llama_gguf(path, hp, tokenizer, tensors, dtype="f32", name="locus-relu-llama"):
    """tensors: name -> flat little-endian F32 bytes (memory order of the ggml shape). Norm weights stay F32;
    with dtype 'f16' the matrices are converted by `to_f16(bytes) -> bytes` given in hp['to_f16'] if present,
    else in pure Python."""
    tied = "output.weight" not in tensors
    shapes = llama_tensor_shapes(hp, tied)
    w = GGUFWriter()
    llama_metadata(w, dict(hp, dtype=dtype), tokenizer, name)
    conv = hp.get("to_f16")
    for tname, shape in shapes.items():
        data = tensors[tname]
        if dtype == "f16" and len(shape) == 2:
            if conv is not None:
                data = conv(data)
            else:
                a = array("f")
                a.frombytes(data)
                data = f16_bytes(a.tolist())
            w.add_tensor(tname, shape, GGML_F16, data)
        else:
            w.add_tensor(tname, shape, GGML_F32, data)
    w.write(path)
