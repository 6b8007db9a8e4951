"""Locus from Python, over its C API (include/locus/locus.h, loaded from liblocus.so with ctypes).

    import locus
    model = locus.Model("models/stories260K.gguf")
    session = model.session()
    for piece in session.pieces("Once upon a time", n_predict=32):
        print(piece, end="")

Handles are freed by close() or when the object is collected; the classes are context managers. A Model may
be shared between threads; a Session, Sampler or piece iterator belongs to one thread at a time.
"""
import ctypes
from ctypes import byref, c_char, c_float, c_int, c_int32, c_int64, c_size_t, c_void_p

from . import _ffi
from ._ffi import lib

__all__ = ["LocusError", "Model", "Session", "Sampler", "version", "SPARSE_MODES"]

SPARSE_MODES = {"auto": _ffi.LOCUS_SPARSE_AUTO, "predictor": _ffi.LOCUS_SPARSE_PREDICTOR,
                "oracle": _ffi.LOCUS_SPARSE_ORACLE, "off": _ffi.LOCUS_SPARSE_OFF}


class LocusError(Exception):
    """A failed call: .status (a LOCUS_ERR_* number), .name ("LOCUS_ERR_...") and the library's message."""

    def __init__(self, status, message):
        self.status = status
        self.name = lib.locus_status_name(status).decode()
        super().__init__(f"{self.name}: {message}")


def _check(status):
    if status != _ffi.LOCUS_OK:
        raise LocusError(status, lib.locus_last_error().decode(errors="replace"))


def _read_text(call):
    """Calls call(buf, capacity, n_ptr) with a growing buffer until the text fits; returns the bytes."""
    cap = 128
    while True:
        buf = ctypes.create_string_buffer(cap)
        n = c_size_t(0)
        st = call(buf, cap, byref(n))
        if st == _ffi.LOCUS_ERR_BUFFER_TOO_SMALL:
            cap = n.value + 1
            continue
        _check(st)
        return buf.raw[:n.value]


def _int32s(values):
    return (c_int32 * len(values))(*values)


def version():
    return lib.locus_version_string().decode()


class _Handle:
    _free = None

    def __init__(self, handle):
        self._h = handle

    def close(self):
        if self._h:
            type(self)._free(self._h)
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Model(_Handle):
    _free = staticmethod(lib.locus_model_free)

    def __init__(self, path, n_threads=0, vram_budget_gib=-1.0, sparse="auto", sparse_threshold=None, resident=True):
        o = lib.locus_model_default_options()
        o.n_threads = n_threads
        o.vram_budget_gib = vram_budget_gib
        if sparse not in SPARSE_MODES:
            raise ValueError(f"sparse must be one of {sorted(SPARSE_MODES)}")
        o.sparse_mode = SPARSE_MODES[sparse]
        o.sparse_threshold = -1.0 if sparse_threshold is None else sparse_threshold
        o.resident = 1 if resident else 0
        h = c_void_p()
        _check(lib.locus_model_load(str(path).encode(), byref(o), byref(h)))
        super().__init__(h)

    def info(self):
        i = _ffi.locus_model_info()
        _check(lib.locus_model_get_info(self._h, byref(i)))
        d = {name: getattr(i, name) for name, _ in i._fields_}
        d["arch"] = i.arch.decode()
        return d

    def placement(self):
        p = _ffi.locus_placement()
        _check(lib.locus_model_get_placement(self._h, byref(p)))
        d = {name: getattr(p, name) for name, _ in p._fields_}
        d["backend"] = p.backend.decode()
        return d

    def tokenize(self, text, add_bos=True, parse_special=True):
        data = text.encode()
        cap = len(data) + 2
        while True:
            ids = (c_int32 * cap)()
            n = c_size_t(0)
            st = lib.locus_tokenize(self._h, data, len(data), int(add_bos), int(parse_special), ids, cap, byref(n))
            if st == _ffi.LOCUS_ERR_BUFFER_TOO_SMALL:
                cap = n.value
                continue
            _check(st)
            return list(ids[:n.value])

    def detokenize(self, tokens, special=False):
        arr = _int32s(tokens)
        return _read_text(lambda b, c, n: lib.locus_detokenize(self._h, arr, len(tokens), int(special), b, c, n)
                          ).decode(errors="replace")

    def token_to_piece(self, token, special=False):
        return _read_text(lambda b, c, n: lib.locus_token_to_piece(self._h, token, int(special), b, c, n))

    def is_eog(self, token):
        out = c_int(0)
        _check(lib.locus_token_is_eog(self._h, token, byref(out)))
        return bool(out.value)

    def session(self, n_ctx=0, n_seq=1, n_batch=512):
        return Session(self, n_ctx, n_seq, n_batch)


class Sampler(_Handle):
    """The chain repetition penalty -> top-k -> top-p -> min-p -> temperature -> seeded draw."""
    _free = staticmethod(lib.locus_sampler_free)

    def __init__(self, temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, repeat_last_n=64,
                 seed=0):
        p = lib.locus_sampler_default_params()
        p.temperature, p.top_k, p.top_p, p.min_p = temperature, top_k, top_p, min_p
        p.repeat_penalty, p.repeat_last_n, p.seed = repeat_penalty, repeat_last_n, seed
        h = c_void_p()
        _check(lib.locus_sampler_new(byref(p), byref(h)))
        super().__init__(h)

    def sample(self, session, index=0):
        t = c_int32(0)
        _check(lib.locus_sampler_sample(self._h, session._h, index, byref(t)))
        return t.value

    def accept(self, token):
        _check(lib.locus_sampler_accept(self._h, token))

    def reset(self):
        _check(lib.locus_sampler_reset(self._h))


def _generate_options(n_predict, ignore_eos, parse_special):
    o = lib.locus_generate_default_options()
    o.n_predict, o.ignore_eos, o.parse_special = n_predict, int(ignore_eos), int(parse_special)
    return o


class Session(_Handle):
    _free = staticmethod(lib.locus_session_free)

    def __init__(self, model, n_ctx=0, n_seq=1, n_batch=512):
        o = lib.locus_session_default_options()
        o.n_ctx, o.n_seq, o.n_batch = n_ctx, n_seq, n_batch
        h = c_void_p()
        _check(lib.locus_session_new(model._h, byref(o), byref(h)))
        super().__init__(h)

    def eval(self, tokens, seq=0):
        _check(lib.locus_session_eval(self._h, _int32s(tokens), len(tokens), seq))

    def decode(self, tokens, seq=None, pos=None, logits=None):
        """One forward pass; seq, pos, logits: lists as long as tokens, or None (see locus_batch)."""
        n = len(tokens)
        b = _ffi.locus_batch(n, _int32s(tokens), _int32s(seq) if seq else None, _int32s(pos) if pos else None,
                             (ctypes.c_int8 * n)(*logits) if logits else None)
        _check(lib.locus_session_decode(self._h, byref(b)))

    def logits(self, index=0):
        p = ctypes.POINTER(c_float)()
        n = c_int64(0)
        _check(lib.locus_session_get_logits(self._h, index, byref(p), byref(n)))
        return p[:n.value]  # a copy: the library's buffer changes with the next pass

    def n_past(self, seq=0):
        n = c_int64(0)
        _check(lib.locus_session_n_past(self._h, seq, byref(n)))
        return n.value

    def n_ctx(self):
        n = c_int64(0)
        _check(lib.locus_session_get_size(self._h, byref(n), None))
        return n.value

    def clear(self, seq=-1):
        _check(lib.locus_session_clear(self._h, seq))

    def cancel(self):
        """Stops the generation running on this session; callable from any thread."""
        _check(lib.locus_session_cancel(self._h))

    def timings(self):
        t = _ffi.locus_timings()
        _check(lib.locus_session_get_timings(self._h, byref(t)))
        return {name: getattr(t, name) for name, _ in t._fields_}

    def reset_timings(self):
        _check(lib.locus_session_reset_timings(self._h))

    def generate(self, prompt, n_predict=-1, sampler=None, on_piece=None, ignore_eos=False, parse_special=True):
        """Appends the prompt and generates (greedy without a sampler); returns the text. on_piece(text) may
        return True to stop. An exception in on_piece stops the generation and is raised here."""
        pieces, error = [], []

        def cb(ptr, length, token, user):
            text = ctypes.string_at(ptr, length).decode(errors="replace")
            pieces.append(text)
            try:
                return 1 if on_piece and on_piece(text) else 0
            except BaseException as e:  # never unwind through C
                error.append(e)
                return 1

        o = _generate_options(n_predict, ignore_eos, parse_special)
        st = lib.locus_generate(self._h, sampler._h if sampler else None, prompt.encode(), byref(o),
                                _ffi.locus_piece_callback(cb), None)
        if error:
            raise error[0]
        _check(st)
        return "".join(pieces)

    def pieces(self, prompt, n_predict=-1, sampler=None, ignore_eos=False, parse_special=True):
        """The same generation as an iterator of text pieces."""
        o = _generate_options(n_predict, ignore_eos, parse_special)
        h = c_void_p()
        _check(lib.locus_stream_start(self._h, sampler._h if sampler else None, prompt.encode(), byref(o), byref(h)))
        return _Pieces(h)


class _Pieces(_Handle):
    _free = staticmethod(lib.locus_stream_free)

    def __iter__(self):
        return self

    def __next__(self):
        if not self._h:
            raise StopIteration
        cap = 256
        while True:
            buf = ctypes.create_string_buffer(cap)
            n, done = c_size_t(0), c_int(0)
            st = lib.locus_stream_next(self._h, buf, cap, byref(n), None, byref(done))
            if st == _ffi.LOCUS_ERR_BUFFER_TOO_SMALL:
                cap = n.value + 1
                continue
            if st != _ffi.LOCUS_OK or done.value:
                self.close()
                _check(st)
                raise StopIteration
            return buf.raw[:n.value].decode(errors="replace")
