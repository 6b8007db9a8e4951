//! Safe Rust bindings to Locus, over its C API (include/locus/locus.h, linked from liblocus.so).
//!
//! ```no_run
//! use locus::{GenerateOptions, Model, ModelOptions, SessionOptions};
//! let model = Model::load("models/stories260K.gguf", &ModelOptions::default())?;
//! let mut session = model.new_session(&SessionOptions::default())?;
//! let opts = GenerateOptions { n_predict: 32, ..Default::default() };
//! for piece in session.pieces("Once upon a time", &opts, None)? {
//!     print!("{}", piece?);
//! }
//! # Ok::<(), locus::Error>(())
//! ```
//! Handles are freed on drop. A model may be shared between threads; a session, sampler or piece iterator
//! belongs to one thread at a time; a Canceller stops a generation from anywhere.

mod error;
mod generate;
mod model;
mod sampler;
mod session;
pub mod sys;

pub use error::{Error, ErrorKind, Result};
pub use generate::{GenerateOptions, Pieces};
pub use model::{version, Model, ModelInfo, ModelOptions, Placement, SparseMode};
pub use sampler::{Sampler, SamplerParams};
pub use session::{Batch, Canceller, Session, SessionOptions, Timings};
