//! The `apdir` command: parses arguments, calls the library, prints, sets the exit code.
//! Exit codes: 0 ok, 1 content errors, 2 usage or I/O problems.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use apdir::diagnostics::Detail;
use apdir::{BuildOptions, Date, Diagnostics, Error, LoadOptions, Profile};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "apdir", version, about = "Build a local authority's alternative-provision directory and good-practice guide as a static website.")]
struct Cli {
    /// The site folder (the one holding apdir.toml).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Colour in messages.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print every warning in full, with its source line (by default warnings are grouped by
    /// code: a count and one example each; errors are always printed in full).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    Public,
    Internal,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Public => Profile::Public,
            ProfileArg::Internal => Profile::Internal,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
    Geojson,
    Oruk,
}

#[derive(clap::Args, Clone)]
struct DateArgs {
    /// Treat this date (YYYY-MM-DD) as today, so date-dependent output is reproducible.
    #[arg(long, value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Subcommand)]
enum Command {
    /// Check the inputs and build the site into the output folder (public/ by default).
    Build {
        /// Write the site here instead of `output_dir` from apdir.toml.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Publish under this address instead of `base_url` from apdir.toml.
        #[arg(long)]
        base_url: Option<String>,
        #[command(flatten)]
        date: DateArgs,
        /// Print only errors and warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Print how long each stage took.
        #[arg(long)]
        timings: bool,
        /// Make everything afresh: neither read nor update the build cache in `.apdir/cache/`
        /// (the output is the same either way).
        #[arg(long)]
        no_cache: bool,
        /// Who the site is for: `public` (default) or `internal`, the AP team's site with
        /// [internal] notes and the QA dashboard (written to `output_dir_internal`).
        #[arg(long, value_enum, default_value_t = ProfileArg::Public)]
        profile: ProfileArg,
    },
    /// Write the open data exports (JSON, CSV, GeoJSON, Open Referral UK) into a folder.
    Export {
        /// Which export: csv, json, geojson or oruk (repeat or separate with commas; default all).
        #[arg(long, value_delimiter = ',', value_enum)]
        format: Vec<FormatArg>,
        /// The folder to write into (files go below it as in the site: data/, api/v3/).
        #[arg(long)]
        out: PathBuf,
        /// `internal` includes [internal] notes and masked addresses (for `apdir import`).
        #[arg(long, value_enum, default_value_t = ProfileArg::Public)]
        profile: ProfileArg,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Turn a spreadsheet (CSV) into provider records in providers/.
    Import {
        /// The sheet, saved as CSV UTF-8, with the CSV export's columns (or a mapping file).
        csv: PathBuf,
        /// A TOML file whose [columns] table maps the sheet's headers to apdir's columns.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Replace records that already exist.
        #[arg(long)]
        force: bool,
        /// Check the sheet and report, without writing any record.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Check the inputs and templates without writing anything.
    Check {
        #[command(flatten)]
        date: DateArgs,
    },
    /// Print the gap analysis: supply against demand and access, area by area.
    Gaps {
        /// Only this tier (1, 2 or 3).
        #[arg(long)]
        tier: Option<i64>,
        /// Only this key stage (KS1 to KS4).
        #[arg(long)]
        key_stage: Option<String>,
        /// The boundary layer: `main` (`boundaries` in apdir.toml, the default) or the key of
        /// one of `[[area_layers]]` (`wards`).
        #[arg(long)]
        layer: Option<String>,
        #[arg(long, value_enum, default_value_t = GapsFormat::Table)]
        format: GapsFormat,
        /// Show raw counts (no suppression): for the commissioning team only, never to publish.
        #[arg(long)]
        raw: bool,
        /// A past period (2023/24 or 2023-24), from its snapshot in history/.
        #[arg(long, conflicts_with = "scenario")]
        period: Option<String>,
        /// A what-if scenario (scenarios/NAME.toml): before and after in words, then the report after.
        #[arg(long)]
        scenario: Option<String>,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Record today's supply per area, tier and key stage as a period in history/.
    Snapshot {
        /// The period it stands for (2025/26 or 2025-26); written to history/2025-26.toml.
        #[arg(long)]
        period: String,
        /// Replace the period's snapshot if there is one.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Build the site into memory, serve it on 127.0.0.1 and rebuild it after every change.
    Serve {
        /// The port to listen on (0: any free port).
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Listen on this address instead of 127.0.0.1 (other machines could then see the preview).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// The audience to preview for: `internal` shows the AP team's site (OFFICIAL-SENSITIVE).
        #[arg(long, value_enum, default_value_t = ProfileArg::Public)]
        profile: ProfileArg,
        /// Wait this long after the last save before rebuilding, in milliseconds.
        #[arg(long, default_value_t = 25)]
        debounce_ms: u64,
        /// Also answer requests for this host name (repeatable); loopback names always work.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_host: Vec<String>,
        /// Allow `--profile internal` on a non-loopback --bind (OFFICIAL-SENSITIVE pages; needs --allow-host).
        #[arg(long)]
        expose_internal: bool,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Create a new provider record or guide page from a valid starting point.
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// Search the directory and guide from the terminal (the index of the last build).
    Search {
        /// The words to look for.
        query: String,
        /// Only providers, or only guide pages.
        #[arg(long = "type", value_enum)]
        kind: Option<SearchKind>,
        /// How many results to show (0 for all).
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON (rank, kind, title, url, score).
        #[arg(long)]
        json: bool,
        /// Treat the last word as a prefix, as the search box does while you type.
        #[arg(long)]
        prefix: bool,
    },
    /// Compare provider records with a GIAS or Ofsted extract by URN (see docs/inspections.md).
    Inspections {
        /// The extract, as downloaded (CSV).
        csv: PathBuf,
        /// Rewrite each record's [inspection] table from the extract (otherwise nothing changes).
        #[arg(long)]
        write: bool,
    },
    /// Create a new site folder with one example of each input and the default theme.
    Init {
        /// The folder to create (must not exist, or be empty).
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum GapsFormat {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SearchKind {
    Provider,
    Guide,
}

#[derive(Subcommand)]
enum NewWhat {
    /// providers/<slug>.toml
    Provider {
        /// The provider's name, e.g. "Ribble Vale Learning Hub".
        name: String,
    },
    /// content/<section>/<slug>.md
    Guide {
        /// The page title.
        title: String,
        /// The folder below content/ to put it in.
        #[arg(long, default_value = "guide")]
        section: String,
    },
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date; write it as YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    if matches!(cli.command, Command::Build { .. } | Command::Check { .. } | Command::Export { .. }) {
        keep_freed_memory();
    }
    let result = run(&cli, color);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                Error::Content(d) => {
                    eprint!("{}", d.report(detail(&cli), color));
                    eprintln!("error: {}; nothing was written", d.summary());
                }
                other => eprintln!("error: {other}"),
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Warnings grouped by code unless `--verbose` asks for each in full.
fn detail(cli: &Cli) -> Detail {
    if cli.verbose { Detail::Full } else { Detail::Grouped }
}

/// Errors in full, then the warnings (see [`detail`]), on standard error.
fn print_problems(cli: &Cli, problems: &Diagnostics, color: bool) {
    eprint!("{}", problems.report(detail(cli), color));
}

fn run(cli: &Cli, color: bool) -> Result<(), Error> {
    let today = Date::today();
    match &cli.command {
        Command::Build { output, base_url, date, quiet, timings, profile, no_cache } => {
            let options = BuildOptions {
                no_cache: *no_cache,
                root: cli.root.clone(),
                output: output.clone(),
                load: LoadOptions { today: date.today, base_url: base_url.clone(), profile: (*profile).into() },
            };
            build(cli, &options, *quiet, *timings, color)
        }
        Command::Check { date } => {
            let options = BuildOptions {
                no_cache: false,
                root: cli.root.clone(),
                output: None,
                load: LoadOptions { today: date.today, base_url: None, profile: Profile::Public },
            };
            check(cli, &options, color)
        }
        Command::Snapshot { period, force, date } => {
            let options = BuildOptions {
                no_cache: false,
                root: cli.root.clone(),
                output: None,
                load: LoadOptions { today: date.today, base_url: None, profile: Profile::Internal },
            };
            let path = apdir::snapshot(&options, period, *force)?;
            println!("Wrote {}.", path.display());
            Ok(())
        }
        Command::Gaps { tier, key_stage, layer, format, raw, period, scenario, date } => {
            let options = BuildOptions {
                no_cache: false,
                root: cli.root.clone(),
                output: None,
                load: LoadOptions { today: date.today, base_url: None, profile: Profile::Public },
            };
            let selection = apdir::analyse::report::Selection { tier: *tier, key_stage: key_stage.clone(), layer: layer.clone() };
            let format = match format {
                GapsFormat::Table => apdir::GapsFormat::Table,
                GapsFormat::Csv => apdir::GapsFormat::Csv,
                GapsFormat::Json => apdir::GapsFormat::Json,
            };
            let of = match (period, scenario) {
                (Some(p), _) => apdir::GapsOf::Period(p.clone()),
                (_, Some(s)) => apdir::GapsOf::Scenario(s.clone()),
                _ => apdir::GapsOf::Now,
            };
            let (text, warnings) = apdir::gaps_report_of(&options, &selection, format, *raw, &of)?;
            print_problems(cli, &warnings, color);
            print!("{text}");
            Ok(())
        }
        Command::Export { format, out, profile, date } => {
            let options = BuildOptions {
                no_cache: false,
                root: cli.root.clone(),
                output: None,
                load: LoadOptions { today: date.today, base_url: None, profile: (*profile).into() },
            };
            let formats = export_formats(format);
            let n = apdir::export(&options, &formats, out)?;
            println!("Wrote {n} files into {}.", out.display());
            Ok(())
        }
        Command::Import { csv, mapping, force, dry_run, date } => {
            let options = apdir::import::ImportOptions {
                root: cli.root.clone(),
                csv: csv.clone(),
                mapping: mapping.clone(),
                force: *force,
                dry_run: *dry_run,
                today: date.today,
            };
            import(cli, &options, *dry_run, color)
        }
        Command::Serve { port, bind, open, profile, debounce_ms, allow_host, expose_internal, date } => {
            apdir::serve::serve(&apdir::serve::ServeOptions {
                root: cli.root.clone(),
                load: LoadOptions { today: date.today, base_url: None, profile: (*profile).into() },
                bind: *bind,
                port: *port,
                debounce: std::time::Duration::from_millis(*debounce_ms),
                open: *open,
                color,
                allow_hosts: allow_host.clone(),
                expose_internal: *expose_internal,
                detail: detail(cli),
            })
        }
        Command::New { what } => {
            let path = match what {
                NewWhat::Provider { name } => apdir::scaffold::new_provider(&cli.root, name, today)?,
                NewWhat::Guide { title, section } => apdir::scaffold::new_guide(&cli.root, title, section, today)?,
            };
            println!("Created {}. Edit it, then run `apdir check`.", path.display());
            Ok(())
        }
        Command::Search { query, kind, limit, json, prefix } => search(cli, query, *kind, *limit, *json, *prefix),
        Command::Inspections { csv, write } => {
            let options = apdir::inspections::InspectionsOptions { root: cli.root.clone(), csv: csv.clone(), write: *write };
            print!("{}", apdir::inspections::run(&options)?.text());
            Ok(())
        }
        Command::Init { dir } => {
            apdir::scaffold::init(dir, today)?;
            println!("Created a new site in {}. Run `apdir build --root {}` to build it.", dir.display(), dir.display());
            Ok(())
        }
    }
}

/// `apdir build`: builds the site and says what it wrote (with `--timings`, how long each
/// stage took and what the build cache saved).
fn build(cli: &Cli, options: &BuildOptions, quiet: bool, timings: bool, color: bool) -> Result<(), Error> {
    let t = std::time::Instant::now();
    let report = apdir::build(options)?;
    print_problems(cli, &report.warnings, color);
    if !quiet {
        println!(
            "Built {} providers and {} guide pages: {} files ({:.1} MB) in {} in {:.2}s{}",
            report.providers,
            report.pages,
            report.files,
            report.bytes as f64 / 1_048_576.0,
            report.output.display(),
            t.elapsed().as_secs_f64(),
            if report.warnings.items.is_empty() {
                String::new()
            } else {
                format!(" ({})", apdir::diagnostics::plural(report.warnings.warning_count(), "warning"))
            },
        );
    }
    if timings {
        for (stage, d) in &report.timings {
            println!("  {stage:<20} {:>8.1} ms", d.as_secs_f64() * 1000.0);
        }
        if let Some(c) = report.cache {
            let exports = match c.exports_reused + c.exports_made {
                0 => "no exports".to_string(),
                n => format!("exports of {} of {n} providers reused", c.exports_reused),
            };
            println!("  build cache: {exports}; search {}", if c.search_reused { "reused" } else { "made afresh" });
        }
    }
    Ok(())
}

/// `apdir check`: the problems, and the reading age of each guide page.
fn check(cli: &Cli, options: &BuildOptions, color: bool) -> Result<(), Error> {
    let (warnings, ages) = apdir::check_report(options)?;
    print_problems(cli, &warnings, color);
    if !ages.is_empty() {
        println!("Reading age of guide pages (Flesch-Kincaid grade + 5; apdir.toml's rules.reading_age_max sets the warning level):");
        for (file, age, words) in &ages {
            println!("  {age:>5.1}  {file} ({words} words)");
        }
    }
    println!(
        "No errors found{}.",
        if warnings.items.is_empty() { String::new() } else { format!(" ({})", apdir::diagnostics::plural(warnings.warning_count(), "warning")) }
    );
    Ok(())
}

/// The export formats asked for (all of them when none is named).
fn export_formats(format: &[FormatArg]) -> Vec<apdir::export::Format> {
    if format.is_empty() {
        apdir::export::Format::ALL.to_vec()
    } else {
        format
            .iter()
            .map(|f| match f {
                FormatArg::Csv => apdir::export::Format::Csv,
                FormatArg::Json => apdir::export::Format::Json,
                FormatArg::Geojson => apdir::export::Format::Geojson,
                FormatArg::Oruk => apdir::export::Format::Oruk,
            })
            .collect()
    }
}

/// `apdir import`: imports the sheet, says what it wrote, and exits 1 when a row or record
/// had a problem.
fn import(cli: &Cli, options: &apdir::import::ImportOptions, dry_run: bool, color: bool) -> Result<(), Error> {
    let report = apdir::import::import(options)?;
    print_problems(cli, &report.diagnostics, color);
    for p in &report.problems {
        eprintln!("cannot import {p}");
    }
    let verb = if dry_run { "Would write" } else { "Wrote" };
    println!("{verb} {} provider record{} into providers/.", report.written.len(), if report.written.len() == 1 { "" } else { "s" });
    if !report.ok() {
        // Problems in the sheet are content errors (exit 1), like a build's; the rows
        // without problems were imported, so this is not "nothing was written".
        eprintln!(
            "error: {} row problem{} and {} record error{}: those providers were not imported",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.diagnostics.error_count(),
            if report.diagnostics.error_count() == 1 { "" } else { "s" }
        );
        std::process::exit(1);
    }
    Ok(())
}

/// `apdir search`: the hits for `query`, as text or JSON.
fn search(cli: &Cli, query: &str, kind: Option<SearchKind>, limit: usize, json: bool, prefix: bool) -> Result<(), Error> {
    let options = BuildOptions { no_cache: false, root: cli.root.clone(), output: None, load: LoadOptions::default() };
    let search_options = apdir::search::SearchOptions {
        kind: kind.map(|k| match k {
            SearchKind::Provider => apdir::search::Kind::Provider,
            SearchKind::Guide => apdir::search::Kind::Guide,
        }),
        limit,
        prefix,
    };
    let (hits, suggestion, saved) = apdir::search_and_suggest(&options, query, &search_options)?;
    if !saved {
        eprintln!("note: no saved index in {}; searched a fresh index of the inputs (run `apdir build` to save one)", apdir::search::INDEX_DIR);
    }
    if json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .enumerate()
            .map(|(i, h)| serde_json::json!({"rank": i + 1, "kind": h.kind, "title": h.title, "url": h.url, "score": h.score, "doc": h.doc, "partial": h.partial}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    if let Some(s) = &suggestion {
        println!("Did you mean: {s}?");
    }
    if hits.is_empty() {
        println!("No results for \"{query}\".");
    } else {
        for (i, h) in hits.iter().enumerate() {
            let partial = if h.partial { "  partial match" } else { "" };
            println!("{:>3}. [{}] {}  {}  ({:.3}){partial}", i + 1, h.kind.label(), h.title, h.url, h.score);
        }
    }
    Ok(())
}

/// The binary's allocator: mimalloc, through the `mimalloc` crate's own `GlobalAlloc` (no
/// `unsafe` of ours). It lives here, not in the library, so that tests, fuzz targets and
/// programs embedding the library keep their own allocator (docs/architecture.md has the
/// measurements).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same position in its v2 and v3 option lists;
/// `the_purge_delay_option_is_the_one_set` checks it).
const MI_OPTION_PURGE_DELAY: i32 = 15;

unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}

/// For a command that runs once and exits (`build`, `check`, `export`): memory freed by one
/// stage stays with the process for the next, instead of going back to the system after a
/// second and being faulted in and zeroed again. A first build of 10,000 providers spent
/// about 0.1 s of kernel time on that; its peak memory is unchanged, since the next stage
/// reuses the pages. An `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options; any value is valid for this one.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

#[cfg(test)]
mod allocator_tests {
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // mimalloc 3's purge delay defaults to 1000 ms (no other option does); a wrong option
        // number would read and set another option, and this would fail.
        // SAFETY: reads and sets one of mimalloc's options.
        unsafe {
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 1000);
            super::mi_option_set(super::MI_OPTION_PURGE_DELAY, -1);
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), -1);
            super::mi_option_set(super::MI_OPTION_PURGE_DELAY, 1000);
        }
    }
}
