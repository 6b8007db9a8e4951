//! Generation: through a closure (Session::generate) or as an iterator of text pieces (Session::pieces).
use std::ffi::CString;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use crate::error::{check, invalid, ErrorKind, Result};
use crate::sampler::Sampler;
use crate::session::Session;
use crate::sys;

/// See locus_generate_options.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Tokens to generate; < 0: until end of text or a full context.
    pub n_predict: i32,
    pub ignore_eos: bool,
    pub parse_special: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        let d = unsafe { sys::locus_generate_default_options() };
        GenerateOptions { n_predict: d.n_predict, ignore_eos: d.ignore_eos != 0, parse_special: d.parse_special != 0 }
    }
}

impl GenerateOptions {
    fn raw(&self) -> sys::locus_generate_options {
        let mut o = unsafe { sys::locus_generate_default_options() };
        o.n_predict = self.n_predict;
        o.ignore_eos = self.ignore_eos as i32;
        o.parse_special = self.parse_special as i32;
        o
    }
}

struct CallbackState<'f> {
    f: &'f mut dyn FnMut(&str) -> bool,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn on_piece(piece: *const c_char, len: usize, _token: i32, user: *mut c_void) -> c_int {
    let state = &mut *(user as *mut CallbackState);
    let bytes = if len == 0 { &[][..] } else { std::slice::from_raw_parts(piece as *const u8, len) };
    let text = String::from_utf8_lossy(bytes);
    match panic::catch_unwind(AssertUnwindSafe(|| (state.f)(&text))) {
        Ok(go_on) => (!go_on) as c_int,
        Err(p) => {
            state.panic = Some(p); // unwinding through C is not allowed: stop, and resume it on the Rust side
            1
        }
    }
}

fn sampler_raw(sampler: Option<&mut Sampler>) -> *mut sys::locus_sampler {
    sampler.map_or(ptr::null_mut(), |s| s.raw())
}

impl Session {
    /// Appends the prompt to sequence 0 and generates, handing each piece of text to `on_piece`, which returns
    /// false to stop. sampler None: greedy. On a fresh session with greedy sampling the text equals
    /// `locus run -p PROMPT --temp 0`'s.
    pub fn generate(
        &mut self,
        prompt: &str,
        options: &GenerateOptions,
        sampler: Option<&mut Sampler>,
        mut on_piece_fn: impl FnMut(&str) -> bool,
    ) -> Result<()> {
        let prompt = CString::new(prompt).map_err(|_| invalid("prompt has a NUL"))?;
        let o = options.raw();
        let mut state = CallbackState { f: &mut on_piece_fn, panic: None };
        let st = unsafe {
            sys::locus_generate(
                self.raw(),
                sampler_raw(sampler),
                prompt.as_ptr(),
                &o,
                Some(on_piece),
                &mut state as *mut CallbackState as *mut c_void,
            )
        };
        if let Some(p) = state.panic {
            panic::resume_unwind(p);
        }
        check(st)
    }

    /// Generates all text at once.
    pub fn generate_text(&mut self, prompt: &str, options: &GenerateOptions, sampler: Option<&mut Sampler>) -> Result<String> {
        let mut out = String::new();
        self.generate(prompt, options, sampler, |p| {
            out.push_str(p);
            true
        })?;
        Ok(out)
    }

    /// The same generation as an iterator of text pieces. The iterator borrows the session (and sampler).
    pub fn pieces<'a>(
        &'a mut self,
        prompt: &str,
        options: &GenerateOptions,
        sampler: Option<&'a mut Sampler>,
    ) -> Result<Pieces<'a>> {
        let prompt = CString::new(prompt).map_err(|_| invalid("prompt has a NUL"))?;
        let o = options.raw();
        let mut raw = ptr::null_mut();
        check(unsafe { sys::locus_stream_start(self.raw(), sampler_raw(sampler), prompt.as_ptr(), &o, &mut raw) })?;
        Ok(Pieces {
            raw: NonNull::new(raw).expect("locus_stream_start succeeded without a handle"),
            buf: vec![0; 256],
            done: false,
            _borrow: PhantomData,
        })
    }
}

/// Generated text, piece by piece (each piece complete UTF-8; invalid bytes replaced). Ends at the end of the
/// generation or after the first error. Dropping it ends the generation.
pub struct Pieces<'a> {
    raw: NonNull<sys::locus_stream>,
    buf: Vec<u8>,
    done: bool,
    _borrow: PhantomData<&'a mut Session>,
}

impl Iterator for Pieces<'_> {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        if self.done {
            return None;
        }
        loop {
            let (mut n, mut done) = (0usize, 0 as c_int);
            let st = unsafe {
                sys::locus_stream_next(
                    self.raw.as_ptr(),
                    self.buf.as_mut_ptr() as *mut c_char,
                    self.buf.len(),
                    &mut n,
                    ptr::null_mut(),
                    &mut done,
                )
            };
            match check(st) {
                Ok(()) if done != 0 => {
                    self.done = true;
                    return None;
                }
                Ok(()) => return Some(Ok(String::from_utf8_lossy(&self.buf[..n]).into_owned())),
                Err(e) if e.kind == ErrorKind::BufferTooSmall => self.buf.resize(n + 1, 0),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Drop for Pieces<'_> {
    fn drop(&mut self) {
        unsafe { sys::locus_stream_free(self.raw.as_ptr()) };
    }
}
