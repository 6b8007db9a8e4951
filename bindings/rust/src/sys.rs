//! Raw declarations of include/locus/locus.h, one for one (tests/header_sync.rs checks names, arity, struct
//! fields and constants against the header). Everything here is unsafe to call; use the safe wrapper.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_double, c_float, c_int, c_void};

pub const LOCUS_VERSION_MAJOR: c_int = 0;
pub const LOCUS_VERSION_MINOR: c_int = 1;
pub const LOCUS_VERSION_PATCH: c_int = 0;

pub type locus_status = c_int;
pub const LOCUS_OK: locus_status = 0;
pub const LOCUS_ERR_INVALID_ARGUMENT: locus_status = 1;
pub const LOCUS_ERR_INVALID_HANDLE: locus_status = 2;
pub const LOCUS_ERR_LOAD: locus_status = 3;
pub const LOCUS_ERR_CONTEXT_FULL: locus_status = 4;
pub const LOCUS_ERR_BUFFER_TOO_SMALL: locus_status = 5;
pub const LOCUS_ERR_UNSUPPORTED: locus_status = 6;
pub const LOCUS_ERR_CANCELLED: locus_status = 7;
pub const LOCUS_ERR_BUSY: locus_status = 8;
pub const LOCUS_ERR_INTERNAL: locus_status = 9;

pub type locus_sparse_mode = c_int;
pub const LOCUS_SPARSE_AUTO: locus_sparse_mode = 0;
pub const LOCUS_SPARSE_PREDICTOR: locus_sparse_mode = 1;
pub const LOCUS_SPARSE_ORACLE: locus_sparse_mode = 2;
pub const LOCUS_SPARSE_OFF: locus_sparse_mode = 3;

#[repr(C)]
pub struct locus_model {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct locus_session {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct locus_sampler {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct locus_stream {
    _opaque: [u8; 0],
}

pub type locus_progress_callback = Option<unsafe extern "C" fn(fraction: c_double, user_data: *mut c_void)>;
pub type locus_piece_callback =
    Option<unsafe extern "C" fn(piece: *const c_char, len: usize, token: i32, user_data: *mut c_void) -> c_int>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_model_options {
    pub struct_size: u32,
    pub n_threads: i32,
    pub vram_budget_gib: c_double,
    pub sparse_mode: i32,
    pub sparse_threshold: c_float,
    pub resident: i32,
    pub progress: locus_progress_callback,
    pub progress_user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_model_info {
    pub arch: [c_char; 32],
    pub n_vocab: i64,
    pub n_ctx_train: i64,
    pub n_embd: i64,
    pub n_layer: i64,
    pub n_params: i64,
    pub size_bytes: u64,
    pub n_threads: i32,
    pub bos: i32,
    pub eos: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_placement {
    pub backend: [c_char; 16],
    pub sparse_mode: i32,
    pub n_layer: i64,
    pub n_layer_gpu: i64,
    pub gpu_ffn_fraction: c_double,
    pub cpu_bytes: u64,
    pub gpu_bytes: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_session_options {
    pub struct_size: u32,
    pub n_ctx: i64,
    pub n_seq: i32,
    pub n_batch: i64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_batch {
    pub n_tokens: i64,
    pub tokens: *const i32,
    pub seq: *const i32,
    pub pos: *const i32,
    pub logits: *const i8,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct locus_timings {
    pub load_ms: c_double,
    pub prompt_ms: c_double,
    pub n_prompt_tokens: i64,
    pub decode_ms: c_double,
    pub n_decode_tokens: i64,
    pub n_sampled: i64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_sampler_params {
    pub struct_size: u32,
    pub temperature: c_float,
    pub top_k: i32,
    pub top_p: c_float,
    pub min_p: c_float,
    pub repeat_penalty: c_float,
    pub repeat_last_n: i32,
    pub seed: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct locus_generate_options {
    pub struct_size: u32,
    pub n_predict: i32,
    pub ignore_eos: i32,
    pub parse_special: i32,
}

extern "C" {
    pub fn locus_version() -> c_int;
    pub fn locus_version_string() -> *const c_char;
    pub fn locus_last_error() -> *const c_char;
    pub fn locus_status_name(status: locus_status) -> *const c_char;

    pub fn locus_model_default_options() -> locus_model_options;
    pub fn locus_model_load(
        path: *const c_char,
        options: *const locus_model_options,
        out_model: *mut *mut locus_model,
    ) -> locus_status;
    pub fn locus_model_free(model: *mut locus_model) -> locus_status;
    pub fn locus_model_get_info(model: *const locus_model, out: *mut locus_model_info) -> locus_status;
    pub fn locus_model_get_placement(model: *const locus_model, out: *mut locus_placement) -> locus_status;

    pub fn locus_tokenize(
        model: *const locus_model,
        text: *const c_char,
        text_len: usize,
        add_bos: c_int,
        parse_special: c_int,
        tokens: *mut i32,
        capacity: usize,
        n_tokens: *mut usize,
    ) -> locus_status;
    pub fn locus_detokenize(
        model: *const locus_model,
        tokens: *const i32,
        n_tokens: usize,
        special: c_int,
        buf: *mut c_char,
        capacity: usize,
        n_bytes: *mut usize,
    ) -> locus_status;
    pub fn locus_token_to_piece(
        model: *const locus_model,
        token: i32,
        special: c_int,
        buf: *mut c_char,
        capacity: usize,
        n_bytes: *mut usize,
    ) -> locus_status;
    pub fn locus_token_is_eog(model: *const locus_model, token: i32, out: *mut c_int) -> locus_status;

    pub fn locus_session_default_options() -> locus_session_options;
    pub fn locus_session_new(
        model: *mut locus_model,
        options: *const locus_session_options,
        out_session: *mut *mut locus_session,
    ) -> locus_status;
    pub fn locus_session_free(session: *mut locus_session) -> locus_status;
    pub fn locus_session_get_size(session: *mut locus_session, n_ctx: *mut i64, n_seq: *mut i32) -> locus_status;
    pub fn locus_session_n_past(session: *mut locus_session, seq: i32, out: *mut i64) -> locus_status;
    pub fn locus_session_clear(session: *mut locus_session, seq: i32) -> locus_status;
    pub fn locus_session_decode(session: *mut locus_session, batch: *const locus_batch) -> locus_status;
    pub fn locus_session_eval(session: *mut locus_session, tokens: *const i32, n_tokens: usize, seq: i32)
        -> locus_status;
    pub fn locus_session_get_logits(
        session: *mut locus_session,
        index: i64,
        logits: *mut *const c_float,
        n_vocab: *mut i64,
    ) -> locus_status;
    pub fn locus_session_cancel(session: *mut locus_session) -> locus_status;
    pub fn locus_session_get_timings(session: *mut locus_session, out: *mut locus_timings) -> locus_status;
    pub fn locus_session_reset_timings(session: *mut locus_session) -> locus_status;

    pub fn locus_sampler_default_params() -> locus_sampler_params;
    pub fn locus_sampler_new(params: *const locus_sampler_params, out_sampler: *mut *mut locus_sampler)
        -> locus_status;
    pub fn locus_sampler_free(sampler: *mut locus_sampler) -> locus_status;
    pub fn locus_sampler_sample(
        sampler: *mut locus_sampler,
        session: *mut locus_session,
        index: i64,
        out_token: *mut i32,
    ) -> locus_status;
    pub fn locus_sampler_accept(sampler: *mut locus_sampler, token: i32) -> locus_status;
    pub fn locus_sampler_reset(sampler: *mut locus_sampler) -> locus_status;

    pub fn locus_generate_default_options() -> locus_generate_options;
    pub fn locus_generate(
        session: *mut locus_session,
        sampler: *mut locus_sampler,
        prompt: *const c_char,
        options: *const locus_generate_options,
        callback: locus_piece_callback,
        user_data: *mut c_void,
    ) -> locus_status;
    pub fn locus_stream_start(
        session: *mut locus_session,
        sampler: *mut locus_sampler,
        prompt: *const c_char,
        options: *const locus_generate_options,
        out_stream: *mut *mut locus_stream,
    ) -> locus_status;
    pub fn locus_stream_next(
        stream: *mut locus_stream,
        buf: *mut c_char,
        capacity: usize,
        n_bytes: *mut usize,
        token: *mut i32,
        done: *mut c_int,
    ) -> locus_status;
    pub fn locus_stream_free(stream: *mut locus_stream) -> locus_status;
}
