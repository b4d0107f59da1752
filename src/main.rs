//! The `apdir` command: parses arguments, calls the library, prints, sets the exit code.
//! Exit codes: 0 ok, 1 content errors, 2 usage or I/O problems.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use apdir::{BuildOptions, Date, Diagnostics, Error, LoadOptions};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
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
    },
    /// Check the inputs and templates without writing anything.
    Check {
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
        /// The audience to preview for; only `public` exists so far.
        #[arg(long, default_value = "public", value_parser = ["public"])]
        profile: String,
        /// Wait this long after the last save before rebuilding, in milliseconds.
        #[arg(long, default_value_t = 25)]
        debounce_ms: u64,
        #[command(flatten)]
        date: DateArgs,
    },
    /// Create a new provider record or guide page from a valid starting point.
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// Create a new site folder with one example of each input and the default theme.
    Init {
        /// The folder to create (must not exist, or be empty).
        dir: PathBuf,
    },
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
    let result = run(&cli, color);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                Error::Content(d) => {
                    eprint!("{}", d.render(color));
                    eprintln!("error: {}; nothing was written", d.summary());
                }
                other => eprintln!("error: {other}"),
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn print_warnings(w: &Diagnostics, color: bool) {
    if !w.items.is_empty() {
        eprint!("{}", w.render(color));
    }
}

fn run(cli: &Cli, color: bool) -> Result<(), Error> {
    let today = Date::today();
    match &cli.command {
        Command::Build { output, base_url, date, quiet, timings } => {
            let options = BuildOptions {
                root: cli.root.clone(),
                output: output.clone(),
                load: LoadOptions { today: date.today, base_url: base_url.clone() },
            };
            let t = std::time::Instant::now();
            let report = apdir::build(&options)?;
            print_warnings(&report.warnings, color);
            if !quiet {
                println!(
                    "Built {} providers and {} guide pages: {} files ({:.1} MB) in {} in {:.2}s{}",
                    report.providers,
                    report.pages,
                    report.files,
                    report.bytes as f64 / 1_048_576.0,
                    report.output.display(),
                    t.elapsed().as_secs_f64(),
                    if report.warnings.items.is_empty() { String::new() } else { format!(" ({})", apdir::diagnostics::plural(report.warnings.warning_count(), "warning")) },
                );
            }
            if *timings {
                for (stage, d) in &report.timings {
                    println!("  {stage:<20} {:>8.1} ms", d.as_secs_f64() * 1000.0);
                }
            }
            Ok(())
        }
        Command::Check { date } => {
            let options = BuildOptions { root: cli.root.clone(), output: None, load: LoadOptions { today: date.today, base_url: None } };
            let warnings = apdir::check(&options)?;
            print_warnings(&warnings, color);
            println!("No errors found{}.", if warnings.items.is_empty() { String::new() } else { format!(" ({})", apdir::diagnostics::plural(warnings.warning_count(), "warning")) });
            Ok(())
        }
        Command::Serve { port, bind, open, profile: _, debounce_ms, date } => apdir::serve::serve(&apdir::serve::ServeOptions {
            root: cli.root.clone(),
            load: LoadOptions { today: date.today, base_url: None },
            bind: *bind,
            port: *port,
            debounce: std::time::Duration::from_millis(*debounce_ms),
            open: *open,
            color,
        }),
        Command::New { what } => {
            let path = match what {
                NewWhat::Provider { name } => apdir::scaffold::new_provider(&cli.root, name, today)?,
                NewWhat::Guide { title, section } => apdir::scaffold::new_guide(&cli.root, title, section, today)?,
            };
            println!("Created {}. Edit it, then run `apdir check`.", path.display());
            Ok(())
        }
        Command::Init { dir } => {
            apdir::scaffold::init(dir, today)?;
            println!("Created a new site in {}. Run `apdir build --root {}` to build it.", dir.display(), dir.display());
            Ok(())
        }
    }
}
