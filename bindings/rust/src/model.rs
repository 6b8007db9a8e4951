//! A loaded model: options, information, tokenizer access.
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::error::{check, invalid, ErrorKind, Result};
use crate::session::{Session, SessionOptions};
use crate::sys;

/// How the FFN uses activation sparsity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparseMode {
    Auto,
    Predictor,
    Oracle,
    Off,
}

impl SparseMode {
    fn raw(self) -> i32 {
        match self {
            SparseMode::Auto => sys::LOCUS_SPARSE_AUTO,
            SparseMode::Predictor => sys::LOCUS_SPARSE_PREDICTOR,
            SparseMode::Oracle => sys::LOCUS_SPARSE_ORACLE,
            SparseMode::Off => sys::LOCUS_SPARSE_OFF,
        }
    }
    fn from_raw(m: i32) -> SparseMode {
        match m {
            sys::LOCUS_SPARSE_PREDICTOR => SparseMode::Predictor,
            sys::LOCUS_SPARSE_ORACLE => SparseMode::Oracle,
            sys::LOCUS_SPARSE_OFF => SparseMode::Off,
            _ => SparseMode::Auto,
        }
    }
}

/// Options of Model::load (see locus_model_options).
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Compute threads; 0: all hardware threads.
    pub n_threads: i32,
    /// GPU memory for weights in GiB: < 0 automatic, 0 CPU only, > 0 needs a CUDA build.
    pub vram_budget_gib: f64,
    pub sparse: SparseMode,
    /// Predictor threshold; None: from the environment or the file.
    pub sparse_threshold: Option<f32>,
    /// Copy the weights into huge-page memory.
    pub resident: bool,
}

impl Default for ModelOptions {
    fn default() -> Self {
        // SAFETY: a plain function returning a struct by value.
        let d = unsafe { sys::locus_model_default_options() };
        ModelOptions {
            n_threads: d.n_threads,
            vram_budget_gib: d.vram_budget_gib,
            sparse: SparseMode::from_raw(d.sparse_mode),
            sparse_threshold: None,
            resident: d.resident != 0,
        }
    }
}

/// What a model is (see locus_model_info).
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub arch: String,
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

/// Where a model's weights run (see locus_placement).
#[derive(Debug, Clone)]
pub struct Placement {
    pub backend: String,
    pub sparse: SparseMode,
    pub n_layer: i64,
    pub n_layer_gpu: i64,
    pub gpu_ffn_fraction: f64,
    pub cpu_bytes: u64,
    pub gpu_bytes: u64,
}

fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Calls `f(buf, capacity, &mut n)` with a growing buffer until the text fits.
pub(crate) fn read_text(mut f: impl FnMut(*mut c_char, usize, &mut usize) -> sys::locus_status) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 128];
    loop {
        let mut n = 0usize;
        match check(f(buf.as_mut_ptr() as *mut c_char, buf.len(), &mut n)) {
            Ok(()) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(e) if e.kind == ErrorKind::BufferTooSmall => buf.resize(n + 1, 0),
            Err(e) => return Err(e),
        }
    }
}

/// A loaded model. Shareable between threads; sessions made from it keep its weights alive on their own.
pub struct Model {
    raw: NonNull<sys::locus_model>,
}

// SAFETY: the C API states every model function thread-safe.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    pub fn load(path: impl AsRef<Path>, options: &ModelOptions) -> Result<Model> {
        let path = CString::new(path.as_ref().to_string_lossy().as_bytes()).map_err(|_| invalid("path has a NUL"))?;
        // SAFETY: plain value calls; the options struct starts from the library's defaults.
        let mut o = unsafe { sys::locus_model_default_options() };
        o.n_threads = options.n_threads;
        o.vram_budget_gib = options.vram_budget_gib;
        o.sparse_mode = options.sparse.raw();
        o.sparse_threshold = options.sparse_threshold.unwrap_or(-1.0);
        o.resident = options.resident as i32;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::locus_model_load(path.as_ptr(), &o, &mut raw) })?;
        Ok(Model { raw: NonNull::new(raw).expect("locus_model_load succeeded without a handle") })
    }

    pub(crate) fn raw(&self) -> *mut sys::locus_model {
        self.raw.as_ptr()
    }

    pub fn info(&self) -> Result<ModelInfo> {
        let mut i = std::mem::MaybeUninit::<sys::locus_model_info>::zeroed();
        check(unsafe { sys::locus_model_get_info(self.raw(), i.as_mut_ptr()) })?;
        let i = unsafe { i.assume_init() };
        Ok(ModelInfo {
            arch: c_chars_to_string(&i.arch),
            n_vocab: i.n_vocab,
            n_ctx_train: i.n_ctx_train,
            n_embd: i.n_embd,
            n_layer: i.n_layer,
            n_params: i.n_params,
            size_bytes: i.size_bytes,
            n_threads: i.n_threads,
            bos: i.bos,
            eos: i.eos,
        })
    }

    pub fn placement(&self) -> Result<Placement> {
        let mut p = std::mem::MaybeUninit::<sys::locus_placement>::zeroed();
        check(unsafe { sys::locus_model_get_placement(self.raw(), p.as_mut_ptr()) })?;
        let p = unsafe { p.assume_init() };
        Ok(Placement {
            backend: c_chars_to_string(&p.backend),
            sparse: SparseMode::from_raw(p.sparse_mode),
            n_layer: p.n_layer,
            n_layer_gpu: p.n_layer_gpu,
            gpu_ffn_fraction: p.gpu_ffn_fraction,
            cpu_bytes: p.cpu_bytes,
            gpu_bytes: p.gpu_bytes,
        })
    }

    /// Token ids of the text; add_bos as the vocabulary asks; parse_special: control tokens in the text count.
    pub fn tokenize(&self, text: &str, add_bos: bool, parse_special: bool) -> Result<Vec<i32>> {
        let mut ids = vec![0i32; text.len() + 2];
        loop {
            let mut n = 0usize;
            let st = unsafe {
                sys::locus_tokenize(
                    self.raw(),
                    text.as_ptr() as *const c_char,
                    text.len(),
                    add_bos as i32,
                    parse_special as i32,
                    ids.as_mut_ptr(),
                    ids.len(),
                    &mut n,
                )
            };
            match check(st) {
                Ok(()) => {
                    ids.truncate(n);
                    return Ok(ids);
                }
                Err(e) if e.kind == ErrorKind::BufferTooSmall => ids.resize(n, 0),
                Err(e) => return Err(e),
            }
        }
    }

    /// Text of the token ids (invalid UTF-8 replaced).
    pub fn detokenize(&self, tokens: &[i32], special: bool) -> Result<String> {
        let bytes = read_text(|buf, cap, n| unsafe {
            sys::locus_detokenize(self.raw(), tokens.as_ptr(), tokens.len(), special as i32, buf, cap, n)
        })?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The bytes one token stands for (possibly part of a UTF-8 character).
    pub fn token_to_piece(&self, token: i32, special: bool) -> Result<Vec<u8>> {
        read_text(|buf, cap, n| unsafe { sys::locus_token_to_piece(self.raw(), token, special as i32, buf, cap, n) })
    }

    pub fn is_eog(&self, token: i32) -> Result<bool> {
        let mut out = 0;
        check(unsafe { sys::locus_token_is_eog(self.raw(), token, &mut out) })?;
        Ok(out != 0)
    }

    pub fn new_session(&self, options: &SessionOptions) -> Result<Session> {
        Session::new(self, options)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle is live (only Drop frees it); failure is impossible for a live handle.
        unsafe { sys::locus_model_free(self.raw()) };
    }
}

/// The library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> String {
    unsafe { CStr::from_ptr(sys::locus_version_string()) }.to_string_lossy().into_owned()
}
