//! A file of the built site and the [`Sink`] every writer implements. These are the write
//! layer's input types; they sit at the foundation so that the renderer hands files to a sink
//! without depending on the writer (`crate::output` implements the sinks and re-exports these).

use std::path::{Path, PathBuf};

/// A file of the built site.
pub struct OutputFile {
    /// Path inside the output folder, forward slashes, no leading slash.
    pub path: String,
    pub body: Body,
}

pub enum Body {
    Bytes(Vec<u8>),
    /// Copied from this file on disk (static assets).
    Copy(PathBuf),
}

/// Marks a folder as apdir output, safe to replace.
pub const MARKER: &str = ".apdir-output";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("refusing to write the site to {path}: {reason}")]
    Refused { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// `p` made absolute without touching the disk for the parts that do not exist yet, with the
/// part that exists canonicalised (so symlinks and `..` compare equal).
pub fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    // Resolve `.` and `..` without touching the disk (the target may not exist yet), then
    // canonicalise the part that does exist so symlinked parents compare equal.
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for n in rest.into_iter().rev() {
        resolved.push(n);
    }
    resolved
}

/// Where rendered files go. The build writes into a [`Staging`] folder; `apdir check` and the
/// tests can render into [`Memory`] instead.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), OutputError>;

    /// Writes a file given as the concatenation of `parts`, without joining them in memory
    /// first where the sink can (a 10,000-provider export list is tens of megabytes).
    fn put_parts(&self, path: &str, parts: &[&[u8]]) -> Result<(), OutputError> {
        self.put(OutputFile { path: path.into(), body: Body::Bytes(parts.concat()) })
    }

    /// A file written piece by piece, for output too large to hold (the export lists of a
    /// big site). Sinks that keep files whole buffer it and [`Sink::put`] it when finished.
    fn writer<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, OutputError> {
        Ok(Box::new(Buffered { sink: self, path: path.to_string(), bytes: Vec::new() }))
    }
}

/// A file being written piece by piece (see [`Sink::writer`]); nothing is complete until
/// [`FileWriter::finish`].
pub trait FileWriter: Send {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError>;
    fn finish(self: Box<Self>) -> Result<(), OutputError>;
}

/// The default [`FileWriter`]: collects the bytes and puts the file when finished.
struct Buffered<'a, S: Sink + ?Sized> {
    sink: &'a S,
    path: String,
    bytes: Vec<u8>,
}

impl<S: Sink + ?Sized> FileWriter for Buffered<'_, S> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
    fn finish(self: Box<Self>) -> Result<(), OutputError> {
        self.sink.put(OutputFile { path: self.path, body: Body::Bytes(self.bytes) })
    }
}
