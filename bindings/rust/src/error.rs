//! Errors of the C API as a Rust error type.
use std::ffi::CStr;
use std::fmt;

use crate::sys;

/// Which locus_status a call failed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidArgument,
    InvalidHandle,
    Load,
    ContextFull,
    BufferTooSmall,
    Unsupported,
    Cancelled,
    Busy,
    Internal,
    /// A status this crate does not know (a newer library).
    Other(i32),
}

/// A failed call: its status and the library's message.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn kind_of(status: sys::locus_status) -> ErrorKind {
    match status {
        sys::LOCUS_ERR_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
        sys::LOCUS_ERR_INVALID_HANDLE => ErrorKind::InvalidHandle,
        sys::LOCUS_ERR_LOAD => ErrorKind::Load,
        sys::LOCUS_ERR_CONTEXT_FULL => ErrorKind::ContextFull,
        sys::LOCUS_ERR_BUFFER_TOO_SMALL => ErrorKind::BufferTooSmall,
        sys::LOCUS_ERR_UNSUPPORTED => ErrorKind::Unsupported,
        sys::LOCUS_ERR_CANCELLED => ErrorKind::Cancelled,
        sys::LOCUS_ERR_BUSY => ErrorKind::Busy,
        sys::LOCUS_ERR_INTERNAL => ErrorKind::Internal,
        other => ErrorKind::Other(other),
    }
}

/// Turns a status into a Result, reading this thread's message on failure. Must be called on the thread
/// that made the call, right after it.
pub(crate) fn check(status: sys::locus_status) -> Result<()> {
    if status == sys::LOCUS_OK {
        return Ok(());
    }
    // SAFETY: locus_last_error never returns null and the string lives until the next call on this thread.
    let message = unsafe { CStr::from_ptr(sys::locus_last_error()) }.to_string_lossy().into_owned();
    Err(Error { kind: kind_of(status), message })
}

/// An error made on the Rust side (e.g. a string with an interior NUL).
pub(crate) fn invalid(message: &str) -> Error {
    Error { kind: ErrorKind::InvalidArgument, message: message.to_string() }
}
