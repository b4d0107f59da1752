//! Write: publish the rendered files so that the output folder is always a complete site.
//!
//! Files are written to a staging folder beside the target and swapped into place only when
//! all of them are written (on Linux with one atomic `renameat2(RENAME_EXCHANGE)`; elsewhere
//! with two renames and recovery on the next run). A failed or killed build leaves the last
//! good site untouched. apdir only ever replaces a folder it made itself (marked by an
//! `.apdir-output` file), and refuses output folders that would hold or be the inputs.
//!
//! The site replaced by a build is kept beside the output as `.<name>.spare` (for `public`,
//! `.public.spare`) and becomes the next build's staging folder: files whose bytes are
//! unchanged are left alone, changed ones are rewritten in place, and files the new site no
//! longer has are removed before the swap. Creating and deleting tens of thousands of files
//! is most of a large build's cost; rewriting in place avoids nearly all of it (see the
//! README's Benchmark section). Deleting the spare folder is always safe.
//!
//! Why this file stays whole (about 770 lines of code, then 110 of tests): publishing is one
//! safety argument (stage, rewrite in place, swap, keep the spare, recover after a crash),
//! and each step relies on what the others leave on disk. It is reviewed by reading it in
//! one place. The sinks (`Folder`, `Memory`, `Discard`, `Staging`) sit beside the writers they
//! use. Moving the platform calls (`renameat2`, `O_NOFOLLOW`) out is part of issue 16's
//! plumbing work, which is to replace them with `rustix`.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use crate::model::file::{Body, FileWriter, MARKER, OutputError, OutputFile, Sink, absolute};
use crate::model::lock::LockExt;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// What a publish wrote.
#[derive(Debug, Clone)]
pub struct Published {
    pub files: usize,
    pub bytes: u64,
}

/// Checks that `target` is a folder apdir may replace, given the site root.
pub fn check_target(target: &Path, root: &Path) -> Result<(), OutputError> {
    let refuse = |reason: &str| Err(OutputError::Refused { path: target.to_path_buf(), reason: reason.into() });
    let abs = absolute(target);
    let root_abs = absolute(root);
    if abs.parent().is_none() {
        return refuse("it is the root of the file system");
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && absolute(&home) == abs
    {
        return refuse("it is your home folder");
    }
    if root_abs.starts_with(&abs) {
        return refuse("it is the site folder or contains it; set `output_dir` to a folder of its own such as \"public\"");
    }
    for input in ["content", "providers", "themes", "areas", "data", "templates", "static", "src"] {
        if abs.starts_with(root_abs.join(input)) {
            return refuse(&format!("it is inside the `{input}` input folder; set `output_dir` to a folder of its own such as \"public\""));
        }
    }
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => return refuse("it is a symbolic link; point `output_dir` at a real folder"),
        Ok(m) if !m.is_dir() => return refuse("it is a file, not a folder"),
        Ok(_) => {
            let empty = std::fs::read_dir(&abs).map_err(io(&abs))?.next().is_none();
            if !empty && !abs.join(MARKER).exists() {
                return refuse(
                    "the folder already holds files that apdir did not write (it has no .apdir-output marker); empty it or choose another `output_dir`",
                );
            }
        }
        Err(_) => {}
    }
    Ok(())
}

/// Writes a new file through a buffer.
struct NewFile {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl NewFile {
    fn create(path: PathBuf) -> Result<NewFile, OutputError> {
        let f = create_file(&path)?;
        Ok(NewFile { out: std::io::BufWriter::with_capacity(1 << 18, f), path })
    }
}

/// Creates (or truncates) the file at `path`, making its folders only when they are missing:
/// most files go into a folder that already exists, and checking first would cost every one
/// of tens of thousands of files a system call.
fn create_file(path: &Path) -> Result<std::fs::File, OutputError> {
    match std::fs::File::create(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::File::create(path).map_err(io(path))
        }
        other => other.map_err(io(path)),
    }
}

impl FileWriter for NewFile {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.out.write_all(bytes).map_err(io(&self.path))
    }
    fn finish(mut self: Box<Self>) -> Result<(), OutputError> {
        self.out.flush().map_err(io(&self.path))
    }
}

/// Rewrites a file of the spare site as it streams in: while the new bytes match the old
/// ones nothing is written; from the first difference on, the rest is written over the old
/// bytes; at the end the file is cut to length. An unchanged file is only read.
struct Rewrite {
    path: PathBuf,
    file: std::fs::File,
    old_len: u64,
    /// Bytes received so far (the new file's length so far).
    pos: u64,
    comparing: bool,
    /// Old bytes read ahead while comparing, starting at file offset `read_at`.
    read_buf: Vec<u8>,
    read_at: u64,
    write_buf: Vec<u8>,
}

impl Rewrite {
    fn new(path: PathBuf, file: std::fs::File, old_len: u64) -> Rewrite {
        Rewrite { path, file, old_len, pos: 0, comparing: true, read_buf: Vec::new(), read_at: 0, write_buf: Vec::new() }
    }

    /// Whether the old file holds `bytes` at `pos`.
    fn old_bytes_match(&mut self, bytes: &[u8]) -> std::io::Result<bool> {
        use std::io::Read;
        if self.pos + bytes.len() as u64 > self.old_len {
            return Ok(false);
        }
        let mut done = 0;
        while done < bytes.len() {
            let at = self.pos + done as u64;
            if at >= self.read_at + self.read_buf.len() as u64 {
                // Reads are sequential: the file's position is `at` here.
                self.read_at = at;
                self.read_buf.resize(1 << 18, 0);
                let k = self.file.read(&mut self.read_buf)?;
                self.read_buf.truncate(k);
                if k == 0 {
                    return Ok(false);
                }
            }
            let start = (at - self.read_at) as usize;
            let take = (self.read_buf.len() - start).min(bytes.len() - done);
            if self.read_buf[start..start + take] != bytes[done..done + take] {
                return Ok(false);
            }
            done += take;
        }
        Ok(true)
    }

    fn write_io(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Seek;
        if self.comparing {
            if self.old_bytes_match(bytes)? {
                self.pos += bytes.len() as u64;
                return Ok(());
            }
            self.comparing = false;
            self.read_buf = Vec::new();
            self.file.seek(std::io::SeekFrom::Start(self.pos))?;
        }
        self.write_buf.extend_from_slice(bytes);
        self.pos += bytes.len() as u64;
        if self.write_buf.len() >= 1 << 18 {
            self.file.write_all(&self.write_buf)?;
            self.write_buf.clear();
        }
        Ok(())
    }

    fn finish_io(&mut self) -> std::io::Result<()> {
        if !self.write_buf.is_empty() {
            self.file.write_all(&self.write_buf)?;
        }
        if self.old_len > self.pos {
            self.file.set_len(self.pos)?;
        }
        Ok(())
    }
}

impl FileWriter for Rewrite {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.path.clone();
        self.write_io(bytes).map_err(io(&path))
    }
    fn finish(mut self: Box<Self>) -> Result<(), OutputError> {
        let path = self.path.clone();
        self.finish_io().map_err(io(&path))
    }
}

/// Throws rendered files away (`apdir check` renders only to find template errors).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        safe_relative(&file.path).map(|_| ())
    }
}

/// Keeps rendered files in memory (for `apdir check`, tests and the preview server).
#[derive(Default)]
pub struct Memory {
    pub files: std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>,
}

impl Sink for Memory {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        safe_relative(&file.path)?;
        let bytes = match file.body {
            Body::Bytes(b) => b,
            Body::Copy(src) => std::fs::read(&src).map_err(io(&src))?,
        };
        self.files.lock_unpoisoned().insert(file.path, bytes);
        Ok(())
    }
}

impl Memory {
    pub fn into_files(self) -> std::collections::BTreeMap<String, Vec<u8>> {
        self.files.into_inner_unpoisoned()
    }
}

/// Writes files straight into a folder, beside whatever it holds (`apdir export`: the
/// folder is the user's, not a site apdir replaces).
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    pub fn new(dir: &Path) -> Folder {
        Folder { dir: dir.to_path_buf() }
    }
}

impl Folder {
    /// Where `path` goes, after checking that no folder on the way is a symbolic link (a
    /// link inside the user's folder could send an export anywhere).
    fn destination(&self, path: &str) -> Result<PathBuf, OutputError> {
        let rel = safe_relative(path)?;
        let mut at = self.dir.clone();
        for c in rel.parent().into_iter().flat_map(Path::components) {
            at.push(c);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(OutputError::Io {
                    path: at,
                    source: std::io::Error::other("a folder on the way is a symbolic link; apdir never writes through links"),
                });
            }
        }
        if let Some(parent) = self.dir.join(rel).parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        Ok(self.dir.join(rel))
    }
}

/// Every file goes in whole or not at all ([`AtomicFile`]), and replaces a link at its path
/// rather than writing through it.
impl Sink for Folder {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        let dest = self.destination(&file.path)?;
        match file.body {
            Body::Bytes(b) => write_atomically(&dest, &[&b]),
            Body::Copy(src) => {
                let bytes = std::fs::read(&src).map_err(io(&src))?;
                write_atomically(&dest, &[&bytes])
            }
        }
    }
    fn put_parts(&self, path: &str, parts: &[&[u8]]) -> Result<(), OutputError> {
        write_atomically(&self.destination(path)?, parts)
    }
    fn writer<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, OutputError> {
        Ok(Box::new(AtomicFile::create(self.destination(path)?)?))
    }
}

/// A file written beside its destination under a temporary name and renamed over it when
/// finished: a reader (or a crash) sees the old file or the new one, never half of one, and
/// a symbolic link at the destination is replaced, never written through. Dropped unfinished,
/// the temporary file is removed.
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub fn create(dest: PathBuf) -> Result<AtomicFile, OutputError> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dest.with_file_name(format!(".{name}.apdir-{}-{n}.tmp", std::process::id()));
        // `create_new` never follows a link and never reuses a file someone else made.
        let f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(io(&tmp))?;
        Ok(AtomicFile { dest, tmp, out: Some(std::io::BufWriter::with_capacity(1 << 16, f)) })
    }
}

impl FileWriter for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let out = self.out.as_mut().expect("written before finish");
        out.write_all(bytes).map_err(io(&self.tmp))
    }
    fn finish(mut self: Box<Self>) -> Result<(), OutputError> {
        let out = self.out.take().expect("finished once");
        let file = out.into_inner().map_err(|e| OutputError::Io { path: self.tmp.clone(), source: e.into_error() })?;
        file.sync_data().map_err(io(&self.tmp))?;
        std::fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes the concatenation of `parts` to `dest` through an [`AtomicFile`].
pub fn write_atomically(dest: &Path, parts: &[&[u8]]) -> Result<(), OutputError> {
    let mut f = Box::new(AtomicFile::create(dest.to_path_buf())?);
    for p in parts {
        f.write(p)?;
    }
    f.finish()
}

/// Writes the concatenation of `parts` as `dir/rel`, making folders as needed.
fn write_parts_below(dir: &Path, rel: &Path, parts: &[&[u8]]) -> Result<u64, OutputError> {
    let dest = dir.join(rel);
    let mut f = create_file(&dest)?;
    write_parts(&mut f, parts).map_err(io(&dest))
}

/// Writes `parts` to `f` through a buffer; returns the bytes written.
fn write_parts(f: &mut std::fs::File, parts: &[&[u8]]) -> std::io::Result<u64> {
    let mut w = std::io::BufWriter::with_capacity(1 << 18, f);
    for p in parts {
        w.write_all(p)?;
    }
    w.flush()?;
    Ok(parts.iter().map(|p| p.len() as u64).sum())
}

/// Writes `file` below `dir`, making folders as needed. Returns the bytes written.
fn write_below(dir: &Path, file: OutputFile) -> Result<u64, OutputError> {
    let dest = dir.join(safe_relative(&file.path)?);
    match &file.body {
        Body::Bytes(b) => {
            let mut f = create_file(&dest)?;
            f.write_all(b).map_err(io(&dest))?;
            Ok(b.len() as u64)
        }
        Body::Copy(src) => {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::copy(src, &dest).map_err(io(&dest))
        }
    }
}

fn safe_relative(path: &str) -> Result<&Path, OutputError> {
    let rel = Path::new(path);
    if path.is_empty() || rel.is_absolute() || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(OutputError::Refused { path: rel.to_path_buf(), reason: "an output path must stay inside the output folder".into() });
    }
    Ok(rel)
}

/// A folder beside the target that receives the new site; swapped into place by
/// [`Staging::publish`], removed by [`Staging::discard`] (or when dropped unpublished).
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    parent: PathBuf,
    name: String,
    files: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
    /// Set when the staging folder is a previous site being rewritten in place: the paths
    /// written so far, so that whatever else it holds is removed before publishing.
    reused: Option<std::sync::Mutex<std::collections::HashSet<String>>>,
    done: bool,
}

/// The folder beside `parent/name` that keeps the replaced site for the next build.
fn spare_path(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!(".{name}.spare"))
}

impl Staging {
    /// Checks the target and creates an empty staging folder beside it.
    pub fn create(target: &Path, root: &Path) -> Result<Staging, OutputError> {
        check_target(target, root)?;
        let target = absolute(target);
        let parent =
            target.parent().ok_or_else(|| OutputError::Refused { path: target.clone(), reason: "it has no parent folder".into() })?.to_path_buf();
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        recover(&parent, &name, &target);
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if std::fs::symlink_metadata(&dir).is_ok() {
            remove_tree(&dir);
        }
        // Claim the spare (the site before the current one) by renaming it: two builds at
        // once cannot both have it. Only a real folder apdir marked as its own is reused.
        let spare = spare_path(&parent, &name);
        let reusable =
            std::fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir()) && std::fs::symlink_metadata(spare.join(MARKER)).is_ok_and(|m| m.is_file());
        let reused = if reusable && std::fs::rename(&spare, &dir).is_ok() {
            Some(Default::default())
        } else {
            std::fs::create_dir(&dir).map_err(io(&dir))?;
            None
        };
        Ok(Staging { dir, target, parent, name, files: Default::default(), bytes: Default::default(), reused, done: false })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Swaps the staged site into place.
    pub fn publish(mut self) -> Result<Published, OutputError> {
        if let Some(written) = self.reused.take() {
            prune(&self.dir, &written.into_inner_unpoisoned());
        }
        // (A reused folder's marker is replaced, never written through should it be a link.)
        let marker = self.dir.join(MARKER);
        if std::fs::symlink_metadata(&marker).is_ok_and(|m| !m.is_file()) {
            let _ = std::fs::remove_file(&marker);
        }
        std::fs::write(&marker, "This folder was written by apdir. `apdir build` replaces it whole.\n").map_err(io(&self.dir))?;
        swap_in(&self.dir, &self.target, &self.parent, &self.name)?;
        self.done = true;
        Ok(Published { files: self.files.load(std::sync::atomic::Ordering::Relaxed), bytes: self.bytes.load(std::sync::atomic::Ordering::Relaxed) })
    }

    /// Throws the staged files away; the previous site is untouched.
    pub fn discard(mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        self.done = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A file of the staging folder being streamed in; counted when finished.
struct StagedFile<'a> {
    staging: &'a Staging,
    inner: Box<dyn FileWriter + 'a>,
    len: u64,
}

impl FileWriter for StagedFile<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.len += bytes.len() as u64;
        self.inner.write(bytes)
    }
    fn finish(self: Box<Self>) -> Result<(), OutputError> {
        let StagedFile { staging, inner, len } = *self;
        inner.finish()?;
        staging.files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        staging.bytes.fetch_add(len, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl Sink for Staging {
    fn writer<'a>(&'a self, path: &str) -> Result<Box<dyn FileWriter + 'a>, OutputError> {
        let rel = safe_relative(path)?;
        let dest = self.dir.join(rel);
        let inner: Box<dyn FileWriter + 'a> = match &self.reused {
            Some(written) => {
                written.lock_unpoisoned().insert(path.to_string());
                match open_existing_file(&dest) {
                    Some((file, old_len)) => Box::new(Rewrite::new(dest, file, old_len)),
                    None => {
                        clear_the_way(&self.dir, rel)?;
                        Box::new(NewFile::create(dest)?)
                    }
                }
            }
            None => Box::new(NewFile::create(dest)?),
        };
        Ok(Box::new(StagedFile { staging: self, inner, len: 0 }))
    }

    fn put_parts(&self, path: &str, parts: &[&[u8]]) -> Result<(), OutputError> {
        let rel = safe_relative(path)?;
        let n = match &self.reused {
            Some(written) => {
                written.lock_unpoisoned().insert(path.to_string());
                rewrite_parts_below(&self.dir, rel, parts)?
            }
            None => write_parts_below(&self.dir, rel, parts)?,
        };
        self.files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.bytes.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        let n = match &self.reused {
            Some(written) => {
                safe_relative(&file.path)?;
                written.lock_unpoisoned().insert(file.path.clone());
                rewrite_below(&self.dir, file)?
            }
            None => write_below(&self.dir, file)?,
        };
        self.files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.bytes.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

/// Writes `file` below `dir`, which holds an earlier site: unchanged bytes are left alone
/// (with their timestamps), a changed file is rewritten in place, and anything in the way (a
/// folder or link where the file goes, a file where a folder goes) is removed first. A file
/// with other hard links is replaced, not rewritten, so the other names keep their bytes.
fn rewrite_below(dir: &Path, file: OutputFile) -> Result<u64, OutputError> {
    let rel = safe_relative(&file.path)?;
    let bytes = match file.body {
        Body::Bytes(b) => b,
        Body::Copy(src) => std::fs::read(&src).map_err(io(&src))?,
    };
    rewrite_parts_below(dir, rel, &[&bytes])
}

/// [`rewrite_below`] for a file given as the concatenation of `parts`, compared and written
/// part by part.
fn rewrite_parts_below(dir: &Path, rel: &Path, parts: &[&[u8]]) -> Result<u64, OutputError> {
    let dest = dir.join(rel);
    let n: u64 = parts.iter().map(|p| p.len() as u64).sum();
    if let Some((f, old_len)) = open_existing_file(&dest) {
        return rewrite_parts_in_place(f, old_len, parts).map_err(io(&dest)).map(|()| n);
    }
    clear_the_way(dir, rel)?;
    let mut f = std::fs::File::create(&dest).map_err(io(&dest))?;
    write_parts(&mut f, parts).map_err(io(&dest))
}

/// The usual case over the spare: a regular file of the earlier site with no other names,
/// opened to read and write, with its length. `None` for anything else (opening a link or a
/// folder this way fails).
fn open_existing_file(dest: &Path) -> Option<(std::fs::File, u64)> {
    let f = open_for_rewrite(dest).ok()?;
    let m = f.metadata().ok()?;
    let len = m.len();
    (m.is_file() && !has_other_links(&m)).then_some((f, len))
}

/// Removes whatever stands at `dir/rel` (a folder, a link, a hard-linked file) and makes the
/// folders above it, so a new file can be created there.
fn clear_the_way(dir: &Path, rel: &Path) -> Result<(), OutputError> {
    let dest = dir.join(rel);
    match std::fs::symlink_metadata(&dest) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&dest).map_err(io(&dest)),
        Ok(_) => std::fs::remove_file(&dest).map_err(io(&dest)),
        Err(_) => make_parents(dir, rel),
    }
}

/// Makes `f` (now `old_len` bytes long) hold the concatenation of `parts`: nothing is written
/// when that is already its content; otherwise it is overwritten from the start and cut to
/// length, so a page that changed but kept its size (a new build date) reuses its blocks.
fn rewrite_parts_in_place(mut f: std::fs::File, old_len: u64, parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    let n: u64 = parts.iter().map(|p| p.len() as u64).sum();
    if old_len == n {
        let mut reader = std::io::BufReader::with_capacity((n as usize).clamp(1, 1 << 18), &mut f);
        let mut buf = Vec::new();
        let mut same = true;
        for p in parts {
            buf.resize(p.len(), 0);
            reader.read_exact(&mut buf)?;
            if buf != *p {
                same = false;
                break;
            }
        }
        if same {
            return Ok(());
        }
        drop(reader);
        f.seek(std::io::SeekFrom::Start(0))?;
    }
    write_parts(&mut f, parts)?;
    if old_len > n {
        f.set_len(n)?;
    }
    Ok(())
}

/// Opens an existing regular file to read and write it, never through a symbolic link.
pub(crate) fn open_for_rewrite(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    options.open(path)
}

#[cfg(unix)]
pub(crate) fn has_other_links(m: &std::fs::Metadata) -> bool {
    std::os::unix::fs::MetadataExt::nlink(m) > 1
}

#[cfg(not(unix))]
pub(crate) fn has_other_links(_: &std::fs::Metadata) -> bool {
    false
}

/// Makes the folders above `dir/rel`, removing a file or link that stands where one of them
/// must go.
fn make_parents(dir: &Path, rel: &Path) -> Result<(), OutputError> {
    let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) else { return Ok(()) };
    if std::fs::create_dir_all(dir.join(parent)).is_ok() {
        return Ok(());
    }
    let mut at = dir.to_path_buf();
    for c in parent.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                let _ = std::fs::remove_file(&at);
                // Another thread may make it at the same moment: that is fine.
                let _ = std::fs::create_dir(&at);
            }
            Err(_) => {
                let _ = std::fs::create_dir(&at);
            }
        }
    }
    std::fs::create_dir_all(dir.join(parent)).map_err(io(&dir.join(parent)))
}

/// Removes from `dir` every file not in `keep` (paths relative to `dir`, `/`-separated), and
/// the folders left empty. The marker stays. Folders are read on every core.
fn prune(dir: &Path, keep: &std::collections::HashSet<String>) {
    prune_folder(dir, "", keep);
}

/// [`prune`] for one folder (`rel` is its path below the staging folder, "" for the top).
/// Returns whether the folder itself was removed.
fn prune_folder(dir: &Path, rel: &str, keep: &std::collections::HashSet<String>) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let mut subfolders = Vec::new();
    let mut kept = 0usize;
    for e in entries.filter_map(Result::ok) {
        let Ok(file_type) = e.file_type() else { continue };
        // apdir writes only UTF-8 paths: anything else is stale.
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            let _ = if file_type.is_dir() { std::fs::remove_dir_all(e.path()) } else { std::fs::remove_file(e.path()) };
            continue;
        };
        let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        if file_type.is_dir() {
            subfolders.push((e.path(), child));
        } else if child == MARKER || keep.contains(&child) {
            kept += 1;
        } else {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let removed = subfolders.par_iter().filter(|(path, child)| prune_folder(path, child, keep)).count();
    kept += subfolders.len() - removed;
    !rel.is_empty() && kept == 0 && std::fs::remove_dir(dir).is_ok()
}

/// Writes `files` as the complete new content of `target` (a convenience over [`Staging`]).
pub fn publish(target: &Path, root: &Path, files: Vec<OutputFile>) -> Result<Published, OutputError> {
    let staging = Staging::create(target, root)?;
    files.into_par_iter().try_for_each(|f| staging.put(f))?;
    staging.publish()
}

/// Puts `staging` where `target` is, atomically where the OS allows.
fn swap_in(staging: &Path, target: &Path, parent: &Path, name: &str) -> Result<(), OutputError> {
    if target.exists() {
        #[cfg(target_os = "linux")]
        if exchange(staging, target).is_ok() {
            // `staging` now holds the previous site: keep it for the next build.
            keep_as_spare(staging, parent, name);
            return Ok(());
        }
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(target, &old).map_err(io(target))?;
        if let Err(e) = std::fs::rename(staging, target) {
            let _ = std::fs::rename(&old, target);
            return Err(OutputError::Io { path: target.to_path_buf(), source: e });
        }
        keep_as_spare(&old, parent, name);
    } else {
        std::fs::rename(staging, target).map_err(io(target))?;
    }
    Ok(())
}

/// Keeps a replaced site (`old`) as the spare the next build rewrites in place. Only a site
/// apdir marked is kept; anything else is removed.
fn keep_as_spare(old: &Path, parent: &Path, name: &str) {
    let spare = spare_path(parent, name);
    let ours = std::fs::symlink_metadata(old.join(MARKER)).is_ok_and(|m| m.is_file());
    if ours && std::fs::symlink_metadata(&spare).is_err() && std::fs::rename(old, &spare).is_ok() {
        return;
    }
    remove_tree(old);
}

/// Removes a folder tree, unlinking files on every core (a site has thousands of them).
/// Best effort: whatever is left is cleaned up by the next build.
pub fn remove_tree(dir: &Path) {
    let entries: Vec<walkdir::DirEntry> = walkdir::WalkDir::new(dir).follow_links(false).into_iter().filter_map(Result::ok).collect();
    entries.par_iter().filter(|e| !e.file_type().is_dir()).for_each(|e| {
        let _ = std::fs::remove_file(e.path());
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

/// Cleans up after a build that was killed: restores a previous site left aside by the
/// two-rename swap, and removes abandoned staging folders of processes that no longer run.
fn recover(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let staging_prefix = format!(".{name}.staging-");
    let old_prefix = format!(".{name}.old-");
    for e in entries.filter_map(Result::ok) {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let pid = file_name.strip_prefix(&staging_prefix).or_else(|| file_name.strip_prefix(&old_prefix));
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && process_alive(pid) {
            continue;
        }
        if file_name.starts_with(&old_prefix) && !target.exists() {
            let _ = std::fs::rename(e.path(), target);
        } else {
            keep_leftover(&e.path(), parent, name);
        }
    }
}

/// A killed build's staging folder (or a previous site left aside) holds most of a site: a
/// 10,000-provider site is 600 MB in 46,000 files, and deleting that on one thread made the
/// next build 6-7 times slower. When there is no spare, it becomes the spare instead (one
/// rename): the next build rewrites it in place like any spare, comparing every file it
/// writes and removing everything else, so a half-written file left by the kill is rewritten
/// and nothing stale survives. Otherwise it is deleted on every core.
fn keep_leftover(dir: &Path, parent: &Path, name: &str) {
    let spare = spare_path(parent, name);
    let real_folder = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    if real_folder && std::fs::symlink_metadata(&spare).is_err() {
        // (`create_new` never follows a link standing where the marker goes.)
        let marker = dir.join(MARKER);
        let marked = match std::fs::symlink_metadata(&marker) {
            Ok(m) => m.is_file(),
            Err(_) => std::fs::OpenOptions::new().write(true).create_new(true).open(&marker).is_ok(),
        };
        if marked && std::fs::rename(dir, &spare).is_ok() {
            return;
        }
    }
    if real_folder {
        remove_tree(dir);
    } else {
        let _ = std::fs::remove_file(dir);
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new(&format!("/proc/{pid}")).exists() } else { true }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rewrites `old` as `new` in a file, whole and in parts; returns the file's bytes after each.
    fn rewrite(old: &[u8], new: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, old).unwrap();
        rewrite_parts_in_place(open_for_rewrite(&path).unwrap(), old.len() as u64, &[new]).unwrap();
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, old).unwrap();
        let (a, b) = new.split_at(new.len() / 2);
        rewrite_parts_in_place(open_for_rewrite(&path).unwrap(), old.len() as u64, &[a, b"", b]).unwrap();
        (whole, std::fs::read(&path).unwrap())
    }

    #[test]
    fn a_file_rewritten_in_place_holds_exactly_the_new_bytes() {
        for (old, new) in [
            (&b"built on 25 November"[..], &b"built on 26 November"[..]),
            (b"a longer old file body", b"short"),
            (b"short", b"a longer new file body"),
            (b"", b"x"),
            (b"x", b""),
        ] {
            let (whole, parts) = rewrite(old, new);
            assert_eq!(whole, new, "{old:?} -> {new:?}");
            assert_eq!(parts, new, "{old:?} -> {new:?} in parts");
        }
    }

    #[test]
    fn an_unchanged_file_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"same bytes").unwrap();
        // Read-only: any write would fail, so succeeding proves nothing was written.
        let f = std::fs::File::open(&path).unwrap();
        rewrite_parts_in_place(f, 10, &[b"same bytes"]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        rewrite_parts_in_place(f, 10, &[b"same ", b"bytes"]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        assert!(rewrite_parts_in_place(f, 10, &[b"same ", b"BYTES"]).is_err(), "a change is written");
    }

    /// Streams `new` over a file holding `old`, in pieces of `step` bytes.
    fn stream(old: &[u8], new: &[u8], step: usize) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, old).unwrap();
        let mut w: Box<dyn FileWriter> = Box::new(Rewrite::new(path.clone(), open_for_rewrite(&path).unwrap(), old.len() as u64));
        for piece in new.chunks(step.max(1)) {
            w.write(piece).unwrap();
        }
        w.finish().unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn a_streamed_rewrite_holds_exactly_the_new_bytes() {
        let big: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed_late = big.clone();
        changed_late[650_000] ^= 1;
        let mut changed_early = big.clone();
        changed_early[3] ^= 1;
        let cases: Vec<(&[u8], &[u8])> = vec![
            (&big, &big),
            (&big, &changed_late),
            (&big, &changed_early),
            (&big, &big[..400_000]),
            (&big[..400_000], &big),
            (b"built on 25 November", b"built on 26 November"),
            (b"", b"new"),
            (b"old", b""),
        ];
        for (old, new) in cases {
            for step in [1, 7, 4096, 1 << 20] {
                assert!(stream(old, new, step) == new, "{} -> {} bytes in steps of {step}", old.len(), new.len());
            }
        }
    }

    #[test]
    fn a_streamed_unchanged_file_is_only_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"same bytes").unwrap();
        // Read-only: a write would fail.
        let mut w: Box<dyn FileWriter> = Box::new(Rewrite::new(path.clone(), std::fs::File::open(&path).unwrap(), 10));
        w.write(b"same ").unwrap();
        w.write(b"bytes").unwrap();
        w.finish().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_spare_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::fs::create_dir(dir.path().join("site")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("site/page.html")).unwrap();
        rewrite_parts_below(&dir.path().join("site"), Path::new("page.html"), &[b"new"]).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(dir.path().join("site/page.html")).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(dir.path().join("site/page.html")).unwrap().file_type().is_symlink());
    }

    /// Files below `dir` with their bytes, `/`-separated.
    fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| (display(e.path().strip_prefix(dir).unwrap()), std::fs::read(e.path()).unwrap()))
            .collect()
    }

    fn display(p: &Path) -> String {
        p.to_string_lossy().replace('\\', "/")
    }

    #[test]
    fn a_killed_builds_staging_folder_becomes_the_spare_and_leaves_nothing_stale() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        // A build killed mid-write: no spare, a staging folder of a process that no longer
        // runs, with a stale file, a half-written page and a link.
        let leftover = dir.path().join(format!(".public.staging-{}", u32::MAX - 7));
        std::fs::create_dir_all(leftover.join("a/b")).unwrap();
        std::fs::write(leftover.join("a/b/stale.html"), b"stale").unwrap();
        std::fs::write(leftover.join("index.html"), b"<html><bo").unwrap();
        std::fs::write(dir.path().join("victim"), b"keep").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("victim"), leftover.join("page.html")).unwrap();
        let staging = Staging::create(&target, dir.path()).unwrap();
        assert!(staging.reused.is_some(), "the leftover is reused, not deleted");
        staging.put_parts("index.html", &[b"<html><body>new</body></html>"]).unwrap();
        staging.put_parts("page.html", &[b"page"]).unwrap();
        staging.publish().unwrap();
        let site = tree(&target);
        let names: Vec<&str> = site.keys().map(String::as_str).collect();
        assert_eq!(names, [MARKER, "index.html", "page.html"]);
        assert_eq!(site["index.html"], b"<html><body>new</body></html>");
        assert_eq!(std::fs::read(dir.path().join("victim")).unwrap(), b"keep");
        let mut left: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["public", "victim"]);
    }

    #[test]
    fn a_leftover_beside_an_existing_spare_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir_all(dir.path().join(".public.spare")).unwrap();
        std::fs::write(dir.path().join(".public.spare").join(MARKER), b"").unwrap();
        let leftover = dir.path().join(format!(".public.staging-{}", u32::MAX - 7));
        for i in 0..200 {
            std::fs::create_dir_all(leftover.join(format!("p/{i}"))).unwrap();
            std::fs::write(leftover.join(format!("p/{i}/index.html")), b"old").unwrap();
        }
        recover(dir.path(), "public", &target);
        assert!(!leftover.exists());
        assert!(dir.path().join(".public.spare").join(MARKER).is_file());
    }
}
