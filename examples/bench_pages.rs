//! Benchmark of one stage of a build, without the rest: every provider page rendered (view,
//! template value, Tera) into a sink that drops it, or the data exports made. For comparing
//! template and view changes in seconds rather than whole builds.
//!
//! ```text
//! RAYON_NUM_THREADS=1 bench_pages SITE [RUNS] [pages|exports]
//! ```
//!
//! Loads the site once (`--today 2026-11-25`), then times RUNS renders of the chosen stage and
//! prints each. With one thread the figure is the stage's CPU time. Compare two themes by
//! pointing the site's `theme` at each in turn, runs interleaved (docs/benchmarks.md).

use apdir::model::file::{OutputError, OutputFile, Sink};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Drops every file.
struct Discard;

impl Sink for Discard {
    fn put(&self, _file: OutputFile) -> Result<(), OutputError> {
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = std::path::PathBuf::from(args.next().expect("usage: bench_pages SITE [RUNS] [pages|exports]"));
    let runs: usize = args.next().map_or(3, |s| s.parse().expect("RUNS is a number"));
    let stage = args.next().unwrap_or_else(|| "pages".into());
    let options = apdir::LoadOptions { today: apdir::Date::parse("2026-11-25"), ..Default::default() };
    let site = apdir::Site::load(&root, &options).unwrap_or_else(|d| panic!("the site does not load: {} problems", d.items.len()));
    for _ in 0..runs {
        let t = std::time::Instant::now();
        match stage.as_str() {
            "exports" => {
                apdir::export::write_site_files(&site, &Discard, None, None, &Default::default()).expect("exports");
            }
            _ => apdir::build::render_provider_pages(&site, &Discard, &apdir::render::Everything).expect("pages"),
        }
        println!("{stage}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
}
