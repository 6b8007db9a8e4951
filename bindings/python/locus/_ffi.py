"""ctypes declarations of include/locus/locus.h (tests/test_header_sync.py checks them against the header).

The library is found through LOCUS_LIBRARY (a file), LOCUS_LIB_DIR (a folder holding liblocus.so), the
repository's build/release, then the system's search path.
"""
import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_float, c_int, c_int8, c_int32, c_int64,
                    c_size_t, c_uint32, c_uint64, c_void_p)

_HERE = os.path.dirname(os.path.abspath(__file__))


def _find_library():
    if os.environ.get("LOCUS_LIBRARY"):
        return os.environ["LOCUS_LIBRARY"]
    dirs = []
    if os.environ.get("LOCUS_LIB_DIR"):
        dirs.append(os.environ["LOCUS_LIB_DIR"])
    dirs.append(os.path.join(_HERE, "..", "..", "..", "build", "release"))
    for d in dirs:
        p = os.path.join(d, "liblocus.so")
        if os.path.exists(p):
            return os.path.abspath(p)
    found = ctypes.util.find_library("locus")
    if found:
        return found
    raise OSError("liblocus.so not found: build it (cmake --build build/release) or set LOCUS_LIB_DIR")


lib = ctypes.CDLL(_find_library())

LOCUS_VERSION_MAJOR, LOCUS_VERSION_MINOR, LOCUS_VERSION_PATCH = 0, 1, 0

LOCUS_OK = 0
LOCUS_ERR_INVALID_ARGUMENT = 1
LOCUS_ERR_INVALID_HANDLE = 2
LOCUS_ERR_LOAD = 3
LOCUS_ERR_CONTEXT_FULL = 4
LOCUS_ERR_BUFFER_TOO_SMALL = 5
LOCUS_ERR_UNSUPPORTED = 6
LOCUS_ERR_CANCELLED = 7
LOCUS_ERR_BUSY = 8
LOCUS_ERR_INTERNAL = 9

LOCUS_SPARSE_AUTO = 0
LOCUS_SPARSE_PREDICTOR = 1
LOCUS_SPARSE_ORACLE = 2
LOCUS_SPARSE_OFF = 3

locus_status = c_int
locus_progress_callback = ctypes.CFUNCTYPE(None, c_double, c_void_p)
locus_piece_callback = ctypes.CFUNCTYPE(c_int, POINTER(c_char), c_size_t, c_int32, c_void_p)


class locus_model_options(Structure):
    _fields_ = [("struct_size", c_uint32), ("n_threads", c_int32), ("vram_budget_gib", c_double),
                ("sparse_mode", c_int32), ("sparse_threshold", c_float), ("resident", c_int32),
                ("progress", locus_progress_callback), ("progress_user_data", c_void_p)]


class locus_model_info(Structure):
    _fields_ = [("arch", c_char * 32), ("n_vocab", c_int64), ("n_ctx_train", c_int64), ("n_embd", c_int64),
                ("n_layer", c_int64), ("n_params", c_int64), ("size_bytes", c_uint64), ("n_threads", c_int32),
                ("bos", c_int32), ("eos", c_int32)]


class locus_placement(Structure):
    _fields_ = [("backend", c_char * 16), ("sparse_mode", c_int32), ("n_layer", c_int64), ("n_layer_gpu", c_int64),
                ("gpu_ffn_fraction", c_double), ("cpu_bytes", c_uint64), ("gpu_bytes", c_uint64)]


class locus_session_options(Structure):
    _fields_ = [("struct_size", c_uint32), ("n_ctx", c_int64), ("n_seq", c_int32), ("n_batch", c_int64)]


class locus_batch(Structure):
    _fields_ = [("n_tokens", c_int64), ("tokens", POINTER(c_int32)), ("seq", POINTER(c_int32)),
                ("pos", POINTER(c_int32)), ("logits", POINTER(c_int8))]


class locus_timings(Structure):
    _fields_ = [("load_ms", c_double), ("prompt_ms", c_double), ("n_prompt_tokens", c_int64),
                ("decode_ms", c_double), ("n_decode_tokens", c_int64), ("n_sampled", c_int64)]


class locus_sampler_params(Structure):
    _fields_ = [("struct_size", c_uint32), ("temperature", c_float), ("top_k", c_int32), ("top_p", c_float),
                ("min_p", c_float), ("repeat_penalty", c_float), ("repeat_last_n", c_int32), ("seed", c_uint32)]


class locus_generate_options(Structure):
    _fields_ = [("struct_size", c_uint32), ("n_predict", c_int32), ("ignore_eos", c_int32),
                ("parse_special", c_int32)]


# Opaque handles are plain pointers.
_h = c_void_p
_out_h = POINTER(c_void_p)

# name: (return type, [argument types])
FUNCTIONS = {
    "locus_version": (c_int, []),
    "locus_version_string": (c_char_p, []),
    "locus_last_error": (c_char_p, []),
    "locus_status_name": (c_char_p, [locus_status]),
    "locus_model_default_options": (locus_model_options, []),
    "locus_model_load": (locus_status, [c_char_p, POINTER(locus_model_options), _out_h]),
    "locus_model_free": (locus_status, [_h]),
    "locus_model_get_info": (locus_status, [_h, POINTER(locus_model_info)]),
    "locus_model_get_placement": (locus_status, [_h, POINTER(locus_placement)]),
    "locus_tokenize": (locus_status, [_h, c_char_p, c_size_t, c_int, c_int, POINTER(c_int32), c_size_t,
                                      POINTER(c_size_t)]),
    "locus_detokenize": (locus_status, [_h, POINTER(c_int32), c_size_t, c_int, c_char_p, c_size_t,
                                        POINTER(c_size_t)]),
    "locus_token_to_piece": (locus_status, [_h, c_int32, c_int, c_char_p, c_size_t, POINTER(c_size_t)]),
    "locus_token_is_eog": (locus_status, [_h, c_int32, POINTER(c_int)]),
    "locus_session_default_options": (locus_session_options, []),
    "locus_session_new": (locus_status, [_h, POINTER(locus_session_options), _out_h]),
    "locus_session_free": (locus_status, [_h]),
    "locus_session_get_size": (locus_status, [_h, POINTER(c_int64), POINTER(c_int32)]),
    "locus_session_n_past": (locus_status, [_h, c_int32, POINTER(c_int64)]),
    "locus_session_clear": (locus_status, [_h, c_int32]),
    "locus_session_decode": (locus_status, [_h, POINTER(locus_batch)]),
    "locus_session_eval": (locus_status, [_h, POINTER(c_int32), c_size_t, c_int32]),
    "locus_session_get_logits": (locus_status, [_h, c_int64, POINTER(POINTER(c_float)), POINTER(c_int64)]),
    "locus_session_cancel": (locus_status, [_h]),
    "locus_session_get_timings": (locus_status, [_h, POINTER(locus_timings)]),
    "locus_session_reset_timings": (locus_status, [_h]),
    "locus_sampler_default_params": (locus_sampler_params, []),
    "locus_sampler_new": (locus_status, [POINTER(locus_sampler_params), _out_h]),
    "locus_sampler_free": (locus_status, [_h]),
    "locus_sampler_sample": (locus_status, [_h, _h, c_int64, POINTER(c_int32)]),
    "locus_sampler_accept": (locus_status, [_h, c_int32]),
    "locus_sampler_reset": (locus_status, [_h]),
    "locus_generate_default_options": (locus_generate_options, []),
    "locus_generate": (locus_status, [_h, _h, c_char_p, POINTER(locus_generate_options), locus_piece_callback,
                                      c_void_p]),
    "locus_stream_start": (locus_status, [_h, _h, c_char_p, POINTER(locus_generate_options), _out_h]),
    "locus_stream_next": (locus_status, [_h, c_char_p, c_size_t, POINTER(c_size_t), POINTER(c_int32),
                                         POINTER(c_int)]),
    "locus_stream_free": (locus_status, [_h]),
}

for _name, (_res, _args) in FUNCTIONS.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args
