//! apdir builds a local authority's alternative-provision directory and good-practice guide
//! as a static website.
//!
//! Data flows one way: **load** (`load`, `config`, `geo`) → **validate** (`validate`) →
//! **model** (`site::Site`) → **render** (`render`) → **write** (`output`). The CLI in
//! `main.rs` only parses arguments and calls [`build`], [`check`] and the scaffolding in
//! [`scaffold`].

pub mod audit;
pub mod config;
pub mod diagnostics;
#[doc(hidden)]
pub mod fuzzing;
pub mod geo;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod site;
pub mod validate;

use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use diagnostics::{Diagnostic, Diagnostics};
pub use model::date::Date;
pub use site::{LoadOptions, Site};

/// What went wrong with a build, typed by how the caller should react.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs have problems (exit code 1). Carries every problem found.
    #[error("{}", .0.summary())]
    Content(Diagnostics),
    /// The output could not be written, or the output folder is unsafe (exit code 2).
    #[error(transparent)]
    Output(#[from] output::OutputError),
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

#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The site folder (holding apdir.toml).
    pub root: PathBuf,
    /// Overrides `output_dir`.
    pub output: Option<PathBuf>,
    pub load: LoadOptions,
}

#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub warnings: Diagnostics,
    pub providers: usize,
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    /// Time spent in each stage.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Loads, validates, renders and publishes the site. Nothing is written unless every stage
/// succeeds.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let mut timings = Vec::new();
    let t = Instant::now();
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    timings.push(("load and validate", t.elapsed()));
    let output = options.output.clone().unwrap_or_else(|| site.config.output_path(&site.root));
    // Refuses a dangerous output folder before any time is spent rendering.
    let staging = output::Staging::create(&output, &site.root)?;
    let t = Instant::now();
    // On error the staging folder is dropped, and with it every file written so far.
    render::render(&site, &staging)?;
    timings.push(("render and write", t.elapsed()));
    let t = Instant::now();
    let published = staging.publish()?;
    timings.push(("publish", t.elapsed()));
    Ok(BuildReport {
        output,
        providers: site.providers.len(),
        pages: site.pages.len(),
        warnings: site.warnings,
        files: published.files,
        bytes: published.bytes,
        timings,
    })
}

/// Loads and validates without writing anything. Returns the warnings, or every problem.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    // Render too, so template errors are found, but write nothing.
    render::render(&site, &output::Discard)?;
    Ok(site.warnings)
}
