//! The error of a build or command, typed by how the caller should react.

use crate::diagnostics::Diagnostics;
use crate::model::file::OutputError;

/// What went wrong with a build, typed by how the caller should react.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs have problems (exit code 1). Carries every problem found.
    #[error("{}", .0.summary())]
    Content(Diagnostics),
    /// The output could not be written, or the output folder is unsafe (exit code 2).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Another I/O or usage problem (exit code 2).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Content(_) => 1,
            Error::Output(_) | Error::Usage(_) => 2,
        }
    }
}
