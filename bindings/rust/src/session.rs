//! Sessions: KV cache, batches, logits, timings, cancellation.
use std::ptr::{self, NonNull};

use crate::error::{check, invalid, Result};
use crate::model::Model;
use crate::sys;

/// Options of Model::new_session (see locus_session_options).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Context length; 0: the model's training context.
    pub n_ctx: i64,
    pub n_seq: i32,
    pub n_batch: i64,
}

impl Default for SessionOptions {
    fn default() -> Self {
        let d = unsafe { sys::locus_session_default_options() };
        SessionOptions { n_ctx: d.n_ctx, n_seq: d.n_seq, n_batch: d.n_batch }
    }
}

/// Tokens for one forward pass, each with its sequence, position and whether its logits are wanted.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub tokens: Vec<i32>,
    pub seq: Vec<i32>,
    pub pos: Vec<i32>,
    pub logits: Vec<i8>,
}

impl Batch {
    pub fn add(&mut self, token: i32, seq: i32, pos: i32, want_logits: bool) {
        self.tokens.push(token);
        self.seq.push(seq);
        self.pos.push(pos);
        self.logits.push(want_logits as i8);
    }
}

pub type Timings = sys::locus_timings;

/// A conversation state over a model. Used by one thread at a time (it is Send, not Sync).
pub struct Session {
    raw: NonNull<sys::locus_session>,
}

// SAFETY: the C API allows a session on any thread, one at a time; &mut self methods and !Sync ensure that.
unsafe impl Send for Session {}

impl Session {
    pub(crate) fn new(model: &Model, options: &SessionOptions) -> Result<Session> {
        let mut o = unsafe { sys::locus_session_default_options() };
        o.n_ctx = options.n_ctx;
        o.n_seq = options.n_seq;
        o.n_batch = options.n_batch;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::locus_session_new(model.raw(), &o, &mut raw) })?;
        Ok(Session { raw: NonNull::new(raw).expect("locus_session_new succeeded without a handle") })
    }

    pub(crate) fn raw(&self) -> *mut sys::locus_session {
        self.raw.as_ptr()
    }

    /// Appends tokens to sequence `seq` and runs them; logits for the last one (index 0).
    pub fn eval(&mut self, tokens: &[i32], seq: i32) -> Result<()> {
        check(unsafe { sys::locus_session_eval(self.raw(), tokens.as_ptr(), tokens.len(), seq) })
    }

    pub fn decode(&mut self, batch: &Batch) -> Result<()> {
        let n = batch.tokens.len();
        if batch.seq.len() != n || batch.pos.len() != n || batch.logits.len() != n {
            return Err(invalid("Batch: tokens, seq, pos and logits differ in length"));
        }
        let b = sys::locus_batch {
            n_tokens: n as i64,
            tokens: batch.tokens.as_ptr(),
            seq: batch.seq.as_ptr(),
            pos: batch.pos.as_ptr(),
            logits: batch.logits.as_ptr(),
        };
        check(unsafe { sys::locus_session_decode(self.raw(), &b) })
    }

    /// The index-th requested logits of the last decode; borrowed until the session next changes.
    pub fn logits(&self, index: i64) -> Result<&[f32]> {
        let mut p = ptr::null();
        let mut n = 0i64;
        check(unsafe { sys::locus_session_get_logits(self.raw(), index, &mut p, &mut n) })?;
        // SAFETY: the library keeps n floats at p until the next call that runs the session, which needs &mut self.
        Ok(unsafe { std::slice::from_raw_parts(p, n as usize) })
    }

    pub fn n_past(&self, seq: i32) -> Result<i64> {
        let mut n = 0;
        check(unsafe { sys::locus_session_n_past(self.raw(), seq, &mut n) })?;
        Ok(n)
    }

    pub fn n_ctx(&self) -> Result<i64> {
        let mut n = 0;
        check(unsafe { sys::locus_session_get_size(self.raw(), &mut n, ptr::null_mut()) })?;
        Ok(n)
    }

    /// Forgets one sequence, or all with None.
    pub fn clear(&mut self, seq: Option<i32>) -> Result<()> {
        check(unsafe { sys::locus_session_clear(self.raw(), seq.unwrap_or(-1)) })
    }

    pub fn timings(&self) -> Result<Timings> {
        let mut t = Timings::default();
        check(unsafe { sys::locus_session_get_timings(self.raw(), &mut t) })?;
        Ok(t)
    }

    pub fn reset_timings(&mut self) -> Result<()> {
        check(unsafe { sys::locus_session_reset_timings(self.raw()) })
    }

    /// A handle that cancels this session's generation from any thread.
    pub fn canceller(&self) -> Canceller {
        Canceller { raw: self.raw() as usize }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        unsafe { sys::locus_session_free(self.raw()) };
    }
}

/// Cancels a session's generation from any thread. Safe to keep after the session is dropped: cancel() then
/// returns an InvalidHandle error (the library never reuses handle values).
#[derive(Debug, Clone, Copy)]
pub struct Canceller {
    raw: usize,
}

impl Canceller {
    pub fn cancel(&self) -> Result<()> {
        check(unsafe { sys::locus_session_cancel(self.raw as *mut sys::locus_session) })
    }
}
