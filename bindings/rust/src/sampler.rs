//! Samplers: the chain repetition penalty -> top-k -> top-p -> min-p -> temperature -> seeded draw.
use std::ptr::{self, NonNull};

use crate::error::{check, Result};
use crate::session::Session;
use crate::sys;

/// See locus_sampler_params; temperature <= 0 is greedy.
#[derive(Debug, Clone)]
pub struct SamplerParams {
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: u32,
}

impl Default for SamplerParams {
    fn default() -> Self {
        let d = unsafe { sys::locus_sampler_default_params() };
        SamplerParams {
            temperature: d.temperature,
            top_k: d.top_k,
            top_p: d.top_p,
            min_p: d.min_p,
            repeat_penalty: d.repeat_penalty,
            repeat_last_n: d.repeat_last_n,
            seed: d.seed,
        }
    }
}

pub struct Sampler {
    raw: NonNull<sys::locus_sampler>,
}

unsafe impl Send for Sampler {}

impl Sampler {
    pub fn new(params: &SamplerParams) -> Result<Sampler> {
        let mut p = unsafe { sys::locus_sampler_default_params() };
        p.temperature = params.temperature;
        p.top_k = params.top_k;
        p.top_p = params.top_p;
        p.min_p = params.min_p;
        p.repeat_penalty = params.repeat_penalty;
        p.repeat_last_n = params.repeat_last_n;
        p.seed = params.seed;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::locus_sampler_new(&p, &mut raw) })?;
        Ok(Sampler { raw: NonNull::new(raw).expect("locus_sampler_new succeeded without a handle") })
    }

    pub fn greedy() -> Result<Sampler> {
        Sampler::new(&SamplerParams { temperature: 0.0, ..SamplerParams::default() })
    }

    pub(crate) fn raw(&self) -> *mut sys::locus_sampler {
        self.raw.as_ptr()
    }

    /// Picks a token from the session's index-th logits (does not record it: see accept).
    pub fn sample(&mut self, session: &Session, index: i64) -> Result<i32> {
        let mut t = 0;
        check(unsafe { sys::locus_sampler_sample(self.raw(), session.raw(), index, &mut t) })?;
        Ok(t)
    }

    pub fn accept(&mut self, token: i32) -> Result<()> {
        check(unsafe { sys::locus_sampler_accept(self.raw(), token) })
    }

    pub fn reset(&mut self) -> Result<()> {
        check(unsafe { sys::locus_sampler_reset(self.raw()) })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        unsafe { sys::locus_sampler_free(self.raw()) };
    }
}
