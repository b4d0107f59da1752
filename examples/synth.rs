//! Synthetic corpus generator for benchmarks.
//!
//! ```text
//! cargo run --release --example synth -- --providers 10000 --guides 1000 --out target/synth
//! ```
//!
//! Writes a complete site folder at OUT: `apdir.toml`, the postcode table and boundary file
//! copied from the repository, N provider records in `providers/` and M guide pages in
//! `content/guide/section-XX/`. Every record is valid under the build's rules, with the usual
//! share of warnings (overdue QA visits, stale vacancies, expired insurance), so the benchmark
//! exercises the same paths as a real site.
//!
//! Output is deterministic: each provider and each page draws from its own PRNG stream seeded
//! from a fixed seed and its number, so two runs give byte-identical files and provider 42 is
//! the same whatever N is. Standard library only.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const SEED: u64 = 0x00A9_D1D5_EED0_2026;
/// The day the generated data is "true" on; no generated date that must be in the past
/// (vacancies, visits) is later than this.
const TODAY: (i32, u32, u32) = (2026, 11, 25);
const PAGES_PER_SECTION: usize = 50;

// ---------------------------------------------------------------- command line

struct Args {
    providers: usize,
    guides: usize,
    out: PathBuf,
    repo: PathBuf,
}

fn usage() -> &'static str {
    "usage: synth [--providers N] [--guides M] [--out DIR] [--repo DIR]\n\
     \n\
     --providers N   provider records to write (default 10000)\n\
     --guides M      guide pages to write (default 1000)\n\
     --out DIR       site folder to create; replaced if it holds an apdir.toml (default target/synth)\n\
     --repo DIR      repository root holding data/ and themes/ (default: this crate's folder)"
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { providers: 10_000, guides: 1_000, out: PathBuf::from("target/synth"), repo: PathBuf::from(env!("CARGO_MANIFEST_DIR")) };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value =
            |name: &str| -> Result<String, String> { inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value")) };
        match flag.as_str() {
            "--providers" => args.providers = value("--providers")?.parse().map_err(|_| "--providers needs a whole number".to_string())?,
            "--guides" => args.guides = value("--guides")?.parse().map_err(|_| "--guides needs a whole number".to_string())?,
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--repo" => args.repo = PathBuf::from(value("--repo")?),
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let repo = std::path::absolute(&args.repo).map_err(|e| format!("{}: {e}", args.repo.display()))?;
    let postcodes_src = repo.join("data/postcodes.csv");
    let boundaries_src = repo.join("areas/districts.geojson");
    let themes = repo.join("themes");
    let themes = fs::canonicalize(&themes).unwrap_or(themes);
    if !postcodes_src.is_file() {
        return Err(format!("{} not found (pass --repo with the repository root)", postcodes_src.display()));
    }

    prepare_out(&args.out)?;
    let out = &args.out;
    let io_err = |p: &Path, e: io::Error| format!("{}: {e}", p.display());

    // Site settings, data tables.
    let config = format!(
        "title = \"Synthetic AP directory\"\n\
         base_url = \"https://example.gov.uk\"\n\
         authority = \"Synthetic Council\"\n\
         contact_email = \"ap.team@example.gov.uk\"\n\
         theme = \"default\"\n\
         output_dir = \"public\"\n\
         postcodes = \"data/postcodes.csv\"\n\
         themes_dir = \"{}\"\n",
        toml_escape(&themes.to_string_lossy())
    );
    write(&out.join("apdir.toml"), &config)?;
    fs::create_dir_all(out.join("data")).map_err(|e| io_err(out, e))?;
    fs::copy(&postcodes_src, out.join("data/postcodes.csv")).map_err(|e| io_err(&postcodes_src, e))?;
    // The build reads area boundaries from `areas/districts.geojson` by default.
    if boundaries_src.is_file() {
        fs::create_dir_all(out.join("areas")).map_err(|e| io_err(out, e))?;
        fs::copy(&boundaries_src, out.join("areas/districts.geojson")).map_err(|e| io_err(&boundaries_src, e))?;
        // The sample's area figures (`areas/<code>.toml`) drive the gap analysis.
        for e in fs::read_dir(repo.join("areas")).map_err(|e| io_err(&repo.join("areas"), e))?.flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                fs::copy(e.path(), out.join("areas").join(e.file_name())).map_err(|err| io_err(&e.path(), err))?;
            }
        }
    }

    let text = fs::read_to_string(&postcodes_src).map_err(|e| io_err(&postcodes_src, e))?;
    let table = PostcodeTable::parse(&text);
    for d in DISTRICTS {
        if table.by_district.get(d.code).is_none_or(|v| v.is_empty()) {
            return Err(format!("the postcode table has no postcodes in {} ({})", d.name, d.code));
        }
    }

    // Providers.
    let pdir = out.join("providers");
    fs::create_dir_all(&pdir).map_err(|e| io_err(&pdir, e))?;
    let width = digits(args.providers).max(5);
    let mut provider_bytes = 0usize;
    for i in 1..=args.providers {
        let (id, body) = provider(i, width, &table);
        provider_bytes += body.len();
        write(&pdir.join(format!("{id}.toml")), &body)?;
    }

    // Guide pages.
    let guide_bytes = guides(out, args.guides)?;

    println!(
        "synth: wrote {} providers ({:.1} MB) and {} guide pages in {} sections ({:.1} MB) to {} in {:.2}s",
        args.providers,
        provider_bytes as f64 / 1e6,
        args.guides,
        args.guides.div_ceil(PAGES_PER_SECTION),
        guide_bytes as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Removes OUT if it is a previous synth site (holds an `apdir.toml`) or is empty; refuses
/// anything else so a mistyped `--out` cannot delete real work.
fn prepare_out(out: &Path) -> Result<(), String> {
    match fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", out.display())),
        Ok(meta) => {
            if !meta.is_dir() {
                return Err(format!("{} exists and is not a folder; not touching it", out.display()));
            }
            let empty = fs::read_dir(out).map_err(|e| format!("{}: {e}", out.display()))?.next().is_none();
            if !empty && !out.join("apdir.toml").is_file() {
                return Err(format!("{} exists, is not empty and has no apdir.toml; refusing to delete it (choose another --out)", out.display()));
            }
            fs::remove_dir_all(out).map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
        }
    }
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

fn toml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

fn q(s: &str) -> String {
    format!("\"{}\"", toml_escape(s))
}

fn str_list(items: &[&str]) -> String {
    let v: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", v.join(", "))
}

// ---------------------------------------------------------------- PRNG

/// SplitMix64: tiny, fast, good enough for test data, and stable across platforms.
struct Rng(u64);

impl Rng {
    fn stream(kind: u64, n: usize) -> Rng {
        let mut r = Rng(SEED ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as usize) as u32;
        for (v, w) in items {
            if x < *w {
                return *v;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
    /// Between `min` and `min + spread - 1` distinct items, in vocabulary order.
    fn subset_n<'a>(&mut self, items: &[&'a str], min: usize, spread: usize) -> Vec<&'a str> {
        let k = min + self.below(spread);
        self.subset(items, k)
    }
    /// `k` distinct items drawn by weight, in vocabulary order.
    fn weighted_subset<'a>(&mut self, items: &[&'a str], weights: &[u32], k: usize) -> Vec<&'a str> {
        let mut w: Vec<(usize, u32)> = weights.iter().copied().enumerate().collect();
        let mut chosen = Vec::with_capacity(k);
        for _ in 0..k.min(items.len()) {
            let i = self.weighted(&w);
            chosen.push(i);
            w.retain(|(j, _)| *j != i);
        }
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }
    /// `k` distinct items, in vocabulary order.
    fn subset<'a>(&mut self, items: &[&'a str], k: usize) -> Vec<&'a str> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..k.min(items.len()) {
            let j = i + self.below(items.len() - i);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx[..k.min(items.len())].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }
}

// ---------------------------------------------------------------- dates

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Date(i64); // days since 1970-01-01

impl Date {
    fn ymd(y: i32, m: u32, d: u32) -> Date {
        // Howard Hinnant's days_from_civil.
        let y = (if m <= 2 { y - 1 } else { y }) as i64;
        let era = (if y >= 0 { y } else { y - 399 }) / 400;
        let yoe = y - era * 400;
        let m = m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date(era * 146_097 + doe - 719_468)
    }
    fn civil(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
        (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
    }
    fn plus(self, days: i64) -> Date {
        Date(self.0 + days)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn today() -> Date {
    Date::ymd(TODAY.0, TODAY.1, TODAY.2)
}

// ---------------------------------------------------------------- geography

struct District {
    code: &'static str,
    name: &'static str,
    la: &'static str,
    towns: &'static [&'static str],
    phone: &'static str,
    /// Relative share of providers.
    weight: u32,
}

const DISTRICTS: &[District] = &[
    District { code: "E07000117", name: "Burnley", la: "888", towns: &["Burnley", "Padiham"], phone: "01282", weight: 10 },
    District { code: "E07000118", name: "Chorley", la: "888", towns: &["Chorley", "Adlington", "Coppull"], phone: "01257", weight: 9 },
    District { code: "E07000119", name: "Fylde", la: "888", towns: &["Lytham St Annes", "Kirkham"], phone: "01253", weight: 6 },
    District { code: "E07000120", name: "Hyndburn", la: "888", towns: &["Accrington", "Great Harwood", "Oswaldtwistle"], phone: "01254", weight: 8 },
    District {
        code: "E07000121",
        name: "Lancaster",
        la: "888",
        towns: &["Lancaster", "Morecambe", "Carnforth", "Heysham"],
        phone: "01524",
        weight: 12,
    },
    District { code: "E07000122", name: "Pendle", la: "888", towns: &["Nelson", "Colne", "Barnoldswick"], phone: "01282", weight: 9 },
    District { code: "E07000123", name: "Preston", la: "888", towns: &["Preston", "Fulwood"], phone: "01772", weight: 14 },
    District { code: "E07000124", name: "Ribble Valley", la: "888", towns: &["Clitheroe", "Longridge", "Whalley"], phone: "01200", weight: 5 },
    District { code: "E07000125", name: "Rossendale", la: "888", towns: &["Rawtenstall", "Bacup", "Haslingden"], phone: "01706", weight: 6 },
    District { code: "E07000126", name: "South Ribble", la: "888", towns: &["Leyland", "Penwortham", "Bamber Bridge"], phone: "01772", weight: 8 },
    District { code: "E07000127", name: "West Lancashire", la: "888", towns: &["Ormskirk", "Skelmersdale", "Burscough"], phone: "01695", weight: 8 },
    District {
        code: "E07000128",
        name: "Wyre",
        la: "888",
        towns: &["Fleetwood", "Poulton-le-Fylde", "Thornton-Cleveleys", "Garstang"],
        phone: "01253",
        weight: 9,
    },
    District { code: "E06000008", name: "Blackburn with Darwen", la: "889", towns: &["Blackburn", "Darwen"], phone: "01254", weight: 2 },
    District { code: "E06000009", name: "Blackpool", la: "890", towns: &["Blackpool"], phone: "01253", weight: 2 },
];

struct PostcodeTable {
    by_district: BTreeMap<&'static str, Vec<String>>,
}

impl PostcodeTable {
    /// Reads `postcode,lat,lon,district_code,ward_code`, keeping file order.
    fn parse(text: &str) -> PostcodeTable {
        let mut by_district: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(pc), Some(_), Some(_), Some(code)) = (cols.next(), cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            if let Some(d) = DISTRICTS.iter().find(|d| d.code == code.trim()) {
                by_district.entry(d.code).or_default().push(pc.trim().to_string());
            }
        }
        PostcodeTable { by_district }
    }
    fn sample(&self, rng: &mut Rng, district: &str) -> &str {
        let v = &self.by_district[district];
        &v[rng.below(v.len())]
    }
}

// ---------------------------------------------------------------- vocabularies

const NEEDS: &[&str] = &[
    "semh",
    "ebsa_anxiety",
    "medical_physical",
    "medical_mental_health",
    "asd",
    "slcn",
    "mld",
    "spld",
    "send_ehcp",
    "pex",
    "at_risk_of_exclusion",
    "young_parent",
    "youth_justice",
    "new_arrival",
];
/// Relative frequency of each need in `NEEDS` (SEMH and exclusion risk most common).
const NEED_WEIGHTS: &[u32] = &[30, 18, 6, 10, 16, 8, 10, 6, 14, 12, 22, 3, 6, 4];
const KEY_STAGES: &[&str] = &["KS1", "KS2", "KS3", "KS4", "KS5"];
const KS_AGES: &[(u32, u32)] = &[(5, 7), (7, 11), (11, 14), (14, 16), (16, 19)];
const ROUTES: &[&str] = &["school_direct", "la_panel", "inclusion_hub", "health_referral", "self_referral", "social_care"];
const GRADES: &[&str] = &["exceptional", "strong_standard", "expected_standard", "needs_attention", "urgent_improvement"];
const AREAS: &[&str] = &[
    "inclusion",
    "curriculum_and_teaching",
    "achievement",
    "attendance_and_behaviour",
    "personal_development_and_wellbeing",
    "leadership_and_governance",
];
const CURRICULUM: &[&str] = &[
    "english",
    "maths",
    "science",
    "pshe",
    "art",
    "music",
    "pe",
    "computing",
    "humanities",
    "outdoor_education",
    "horticulture",
    "animal_care",
    "construction",
    "motor_vehicle",
    "catering",
    "hair_and_beauty",
    "employability",
    "esol",
    "life_skills",
    "engineering",
];
const QUALIFICATIONS: &[&str] = &[
    "GCSE English Language",
    "GCSE Mathematics",
    "GCSE Combined Science",
    "Entry Level Certificate English",
    "Entry Level Certificate Maths",
    "Functional Skills English E3-L2",
    "Functional Skills Maths E3-L2",
    "AQA Unit Award Scheme",
    "Arts Award Bronze",
    "BTEC Tech Award Sport",
    "NCFE Level 1 Construction Skills",
    "ASDAN Personal Development Programme",
    "ESOL Entry 1-3",
    "Level 1 Award in Food Safety",
    "John Muir Award",
];
const ACCESS: &[&str] = &["step_free", "accessible_toilet", "lift", "hearing_loop", "accessible_parking", "quiet_room"];
const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR"];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pru,
    ApAcademy,
    ApFreeSchool,
    Independent,
    Maintained,
    Special,
    FeCollege,
    TrainingProvider,
    Online,
    Hospital,
    NonSchool,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Pru => "pru",
            Kind::ApAcademy => "ap_academy",
            Kind::ApFreeSchool => "ap_free_school",
            Kind::Independent => "independent_school",
            Kind::Maintained => "maintained_school",
            Kind::Special => "special_school",
            Kind::FeCollege => "fe_college",
            Kind::TrainingProvider => "registered_provider_ukprn",
            Kind::Online => "online_accredited",
            Kind::Hospital => "hospital_school",
            Kind::NonSchool => "non_school",
        }
    }
    fn needs_ukprn(self) -> bool {
        matches!(self, Kind::FeCollege | Kind::TrainingProvider | Kind::Online)
    }
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Kind::Pru => &["Short Stay School", "Learning Centre"],
            Kind::ApAcademy => &["Academy"],
            Kind::ApFreeSchool => &["Free School"],
            Kind::Independent => &["School", "House School"],
            Kind::Maintained => &["Inclusion Base"],
            Kind::Special => &["School"],
            Kind::FeCollege => &["College"],
            Kind::TrainingProvider => &["Skills Training", "Training Centre"],
            Kind::Online => &["Online School"],
            Kind::Hospital => &["Hospital Education Service"],
            Kind::NonSchool => {
                &["Project", "Learning Hub", "Tuition", "Care Farm", "Workshop", "Mentoring", "Outdoor Learning", "Studio", "CIC", "Skills Project"]
            }
        }
    }
}

const KINDS: &[(Kind, u32)] = &[
    (Kind::NonSchool, 46),
    (Kind::Independent, 14),
    (Kind::Pru, 6),
    (Kind::ApAcademy, 5),
    (Kind::ApFreeSchool, 4),
    (Kind::Maintained, 5),
    (Kind::Special, 5),
    (Kind::FeCollege, 4),
    (Kind::TrainingProvider, 5),
    (Kind::Online, 3),
    (Kind::Hospital, 3),
];

const NAME_A: &[&str] = &[
    "Ash", "Bank", "Beck", "Birch", "Bracken", "Bridge", "Brook", "Calder", "Carr", "Cherry", "Clough", "Copper", "Croft", "Dale", "Elm", "Fell",
    "Fern", "Field", "Ford", "Gorse", "Green", "Hazel", "Heath", "Hollin", "Holly", "Ivy", "Kestrel", "Lark", "Lea", "Maple", "Marsh", "Meadow",
    "Mill", "Moss", "Oak", "Orchard", "Otter", "Pine", "Plover", "Quarry", "Raven", "Reed", "Rowan", "Rush", "Sand", "Sedge", "Shaw", "Skylark",
    "Sorrel", "Spring", "Stone", "Swallow", "Thistle", "Thorn", "Wade", "Water", "Weaver", "Willow", "Wren", "Yew",
];
const NAME_B: &[&str] = &[
    "Bank", "Barn", "Bottom", "Bridge", "Brook", "Clough", "Court", "Croft", "Dale", "Dene", "Edge", "End", "Farm", "Fold", "Gate", "Gill", "Green",
    "Hall", "Head", "Heys", "Hill", "Holme", "House", "Hurst", "Lane", "Lea", "Lodge", "Mead", "Mill", "Moor", "Mount", "Nook", "Park", "Rise",
    "Row", "Side", "Street", "Top", "Vale", "View", "Wharf", "Wood", "Yard",
];
const STREETS: &[&str] = &[
    "Mill Lane",
    "Church Street",
    "Victoria Road",
    "Station Road",
    "Canal Street",
    "Market Street",
    "Park Road",
    "Moor Lane",
    "Bridge Street",
    "Queen Street",
    "Chapel Street",
    "Water Street",
    "Spring Gardens",
    "Union Road",
    "Albert Terrace",
    "Weavers Close",
    "Foundry Yard",
    "Quarry Lane",
    "Meadow Way",
    "Orchard Drive",
];
const OFFICERS: &[&str] = &[
    "Alex Barton",
    "Bea Crossley",
    "Chris Dunn",
    "Dee Entwistle",
    "Eli Fenton",
    "Fran Greenhalgh",
    "Gil Howarth",
    "Hana Iqbal",
    "Ivo Jolly",
    "Jo Kershaw",
    "Kit Lomax",
    "Lou Marsden",
];

// ---------------------------------------------------------------- providers

fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// A distinct two-part name for every index below |A|×|B| (a scrambled walk over the grid),
/// with a number after it when the grid is used up.
fn provider_name(i: usize, kind: Kind, rng: &mut Rng) -> String {
    let grid = NAME_A.len() * NAME_B.len();
    let j = ((i - 1) % grid * 1_031) % grid; // 1031 is prime and does not divide the grid size
    let (a, b) = (NAME_A[j % NAME_A.len()], NAME_B[j / NAME_A.len()]);
    let base = if a == b { format!("Upper {b}") } else { format!("{a} {b}") };
    let suffix = rng.pick(kind.suffixes());
    let round = (i - 1) / grid;
    if round == 0 { format!("{base} {suffix}") } else { format!("{base} {suffix} {}", round + 1) }
}

fn money(x: f64) -> String {
    format!("{x:.2}")
}

fn hours(x: f64) -> String {
    format!("{x:.1}")
}

/// One provider record: (id, TOML text).
fn provider(i: usize, width: usize, postcodes: &PostcodeTable) -> (String, String) {
    let mut r = Rng::stream(1, i);
    let t = today();
    let kind = r.weighted(KINDS);
    let name = provider_name(i, kind, &mut r);
    let id = format!("p{i:0width$}-{}", slugify(&name));

    // Home district: weighted; cross-border unitaries only for some kinds.
    let dist_weights: Vec<(usize, u32)> = DISTRICTS
        .iter()
        .enumerate()
        .filter(|(_, d)| d.la == "888" || !matches!(kind, Kind::Pru | Kind::Maintained | Kind::Hospital))
        .map(|(k, d)| (k, d.weight))
        .collect();
    let home = &DISTRICTS[r.weighted(&dist_weights)];
    let town = r.pick(home.towns);

    // Registration.
    let non_school = kind == Kind::NonSchool;
    let census = r.weighted(&[("OTH", 60), ("OOT", 20), ("WBP", 15), ("NFE", 5)]);
    let max_hours: f64 = if non_school {
        *r.pick(&[&4.0, &6.0, &9.0, &10.0, &12.0, &15.0, &18.0])
    } else if kind == Kind::Hospital || kind == Kind::Maintained {
        20.0
    } else {
        *r.pick(&[&22.5, &25.0, &25.0, &27.5])
    };
    let full_time = !non_school && !matches!(kind, Kind::Hospital | Kind::Maintained);
    let urn = if kind.needs_ukprn() || non_school { String::new() } else { format!("9{:05}", i % 100_000) };
    let ukprn = if kind.needs_ukprn() { format!("109{:05}", i % 100_000) } else { String::new() };

    // Offer.
    let (ks_lo, ks_hi) = match kind {
        Kind::FeCollege | Kind::TrainingProvider => (3, 4),
        Kind::Hospital | Kind::Special => (r.below(2), 3 + r.below(2)),
        Kind::Online => (2, 3 + r.below(2)),
        _ => {
            let lo = r.weighted(&[(0usize, 5), (1, 15), (2, 50), (3, 30)]);
            let hi = (lo + r.below(3)).min(if r.chance(15) { 4 } else { 3 }).max(lo);
            (lo, hi)
        }
    };
    let key_stages: Vec<&str> = KEY_STAGES[ks_lo..=ks_hi].to_vec();
    let (age_min, age_max) = (KS_AGES[ks_lo].0, KS_AGES[ks_hi].1);
    let mut tiers: Vec<u8> = [1u8, 2, 3].into_iter().filter(|_| r.chance(55)).collect();
    if tiers.is_empty() {
        tiers.push(2);
    }
    let tiers_txt = tiers.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    let n_needs = 2 + r.below(5);
    let mut needs = r.weighted_subset(NEEDS, NEED_WEIGHTS, n_needs);
    if kind == Kind::Hospital && !needs.contains(&"medical_physical") {
        needs.insert(0, "medical_physical");
    }
    let (pattern, delivery) = if non_school {
        let delivery = if census == "OOT" { r.weighted(&[("home", 70), ("online", 20), ("hybrid", 10)]) } else { "in_person" };
        (r.weighted(&[("sessional", 50), ("part_time", 35), ("outreach", 15)]), delivery)
    } else {
        match kind {
            Kind::Online => ("full_time", "online"),
            Kind::Hospital => ("part_time", "hybrid"),
            Kind::Maintained => (r.weighted(&[("part_time", 70), ("outreach", 30)]), "in_person"),
            _ => ("full_time", "in_person"),
        }
    };
    let h_max = if pattern == "full_time" { max_hours } else { (max_hours - r.below(3) as f64 * 2.0).max(2.0) };
    let h_min = (h_max / 2.0).floor().max(1.0);
    let masked = matches!(delivery, "home" | "online") || r.chance(3);
    let pex = r.chance(if matches!(kind, Kind::Pru | Kind::ApAcademy | Kind::ApFreeSchool) { 90 } else { 35 });
    let day6 = pex && r.chance(60);

    // Dates and QA.
    let status = r.weighted(&[
        ("approved", 55),
        ("approved_with_conditions", 15),
        ("not_assessed", 15),
        ("under_review", 7),
        ("suspended", 3),
        ("removed", 2),
        ("approved", 3),
    ]);
    let last_visit = t.plus(-r.range(20, 330));
    let next_visit = last_visit.plus(if r.chance(25) { 182 } else { 365 });
    let insurance = if r.chance(4) { t.plus(-r.range(1, 120)) } else { t.plus(r.range(20, 400)) };
    let vac_as_of = t.plus(-(if r.chance(15) { r.range(91, 300) } else { r.range(0, 60) }));
    let places = r.range(6, 120);
    let vacancies = if r.chance(20) { 0 } else { r.range(0, places.min(12)) };
    let la_places = r.range(0, places);

    let mut o = String::with_capacity(6_000);
    let _ = writeln!(o, "# FICTIONAL sample record for the apdir demonstration site.");
    let _ = writeln!(o, "# Generated by examples/synth.rs (provider {i}).");
    let _ = writeln!(o, "schema_version = 1");
    let _ = writeln!(o, "id = {}", q(&id));
    let _ = writeln!(o, "name = {}", q(&name));
    let _ = writeln!(o, "status = {}", q(r.weighted(&[("active", 96), ("temporarily closed", 3), ("inactive", 1)])));
    let ks_txt = if key_stages.len() == 1 { key_stages[0].to_string() } else { format!("{}-{}", key_stages[0], key_stages[key_stages.len() - 1]) };
    let need_words: Vec<&str> = needs.iter().take(2).map(|n| need_phrase(n)).collect();
    let _ = writeln!(
        o,
        "summary = {}",
        q(&format!(
            "{} {} provision in {} for {ks_txt} pupils with {}.",
            cap_first(pattern_phrase(pattern)),
            delivery_phrase(delivery),
            home.name,
            need_words.join(" or ")
        ))
    );
    let _ = writeln!(o, "description = \"\"\"\n{}\"\"\"", description(&mut r, &name, home.name, town, &key_stages, &needs, &tiers, pattern));
    let _ = writeln!(o, "website = {}", q(&format!("https://example.org/{id}")));
    let _ = writeln!(o, "last_reviewed = {}", t.plus(-r.range(0, 400)));
    let _ = writeln!(o, "reviewed_by = \"ap.commissioning@example.gov.uk\"");
    if r.chance(30) {
        let lcc: Vec<&str> = DISTRICTS.iter().filter(|d| d.la == "888" && d.code != home.code).map(|d| d.code).collect();
        let k = 1 + r.below(3);
        let _ = writeln!(o, "service_area = {}", str_list(&r.subset(&lcc, k)));
    }

    let legal = match kind {
        Kind::Pru | Kind::Maintained | Kind::Special | Kind::Hospital => "la_maintained",
        Kind::ApAcademy | Kind::ApFreeSchool => "academy_trust",
        Kind::FeCollege => "fe_corporation",
        Kind::NonSchool => r.weighted(&[("cic", 35), ("charity", 30), ("company", 25), ("sole_trader", 10)]),
        _ => "company",
    };
    let _ = writeln!(o, "\n[organisation]");
    let org_name = match legal {
        "la_maintained" => "Synthetic Council".to_string(),
        "academy_trust" => format!("{} Learning Trust", name.split(' ').next().unwrap_or("Synthetic")),
        "cic" if !name.ends_with("CIC") => format!("{name} CIC"),
        "company" | "fe_corporation" => format!("{name} Ltd"),
        _ => name.clone(),
    };
    let _ = writeln!(o, "name = {}", q(&org_name));
    let _ = writeln!(o, "legal_status = {}", q(legal));
    let ident = if !urn.is_empty() {
        format!("{{ scheme = \"GB-EDU\", id = \"{urn}\" }}")
    } else if !ukprn.is_empty() {
        format!("{{ scheme = \"GB-UKPRN\", id = \"{ukprn}\" }}")
    } else if legal == "charity" {
        format!("{{ scheme = \"GB-CHC\", id = \"19{:05}\" }}", i % 100_000)
    } else {
        format!("{{ scheme = \"GB-COH\", id = \"99{:06}\" }}", i % 1_000_000)
    };
    let _ = writeln!(o, "identifiers = [{ident}]");

    let _ = writeln!(o, "\n[registration]");
    let _ = writeln!(o, "type = {}", q(kind.key()));
    if non_school {
        let _ = writeln!(o, "ap_census_setting = {}", q(census));
    }
    let _ = writeln!(o, "urn = {}\nukprn = {}", q(&urn), q(&ukprn));
    let _ = writeln!(o, "host_la_code = {}", q(home.la));
    let _ = writeln!(o, "full_time_offer = {full_time}");
    let _ = writeln!(o, "max_hours_per_week = {}", hours(max_hours));

    let _ = writeln!(o, "\n[inspection]");
    if non_school {
        let _ = writeln!(o, "body = \"none\"\nframework = \"none\"");
    } else {
        let num = if urn.is_empty() { &ukprn } else { &urn };
        let _ = writeln!(o, "body = \"Ofsted\"");
        if r.chance(45) {
            let since = Date::ymd(2025, 11, 11);
            let date = since.plus(r.range(0, t.0 - since.0 - 1));
            let _ = writeln!(o, "framework = \"report_card_2025\"\nlast_inspection = {date}");
            let _ = writeln!(o, "report_url = \"https://reports.ofsted.gov.uk/provider/23/{num}\"");
            let _ = writeln!(o, "safeguarding = {}", q(if r.chance(95) { "met" } else { "not_met" }));
            let _ = writeln!(o, "\n[inspection.grades]");
            for area in AREAS {
                let g = r.weighted(&[(0usize, 5), (1, 25), (2, 45), (3, 20), (4, 5)]);
                let _ = writeln!(o, "{area} = {}", q(GRADES[g]));
            }
        } else {
            let date = Date::ymd(2019, 1, 7).plus(r.range(0, 2_497));
            let grade = r.weighted(&[("outstanding", 15), ("good", 60), ("requires_improvement", 20), ("inadequate", 5)]);
            let _ = writeln!(o, "framework = \"eif_legacy\"\nlast_inspection = {date}");
            let _ = writeln!(o, "report_url = \"https://reports.ofsted.gov.uk/provider/23/{num}\"");
            let _ = writeln!(o, "legacy_overall = {}", q(grade));
        }
    }

    let _ = writeln!(o, "\n[quality_assurance]");
    let _ = writeln!(o, "list_status = {}", q(status));
    let route = r.weighted(&[("framework", 50), ("spot_purchase", 30), ("directory_only", 20)]);
    let _ = writeln!(o, "list_route = {}", q(route));
    if status != "not_assessed" {
        let outcome = match status {
            "approved" => "meets_standards",
            "suspended" | "removed" => "does_not_meet",
            _ => "actions_required",
        };
        let _ = writeln!(o, "last_visit = {last_visit}\nvisit_outcome = \"{outcome}\"\nnext_visit_due = {next_visit}");
        let std_result = |r: &mut Rng| {
            if outcome == "meets_standards" { "met" } else { r.pick(&["met", "partly_met", "not_met"]) }
        };
        let (a, b, c, d) = (std_result(&mut r), std_result(&mut r), std_result(&mut r), std_result(&mut r));
        let _ = writeln!(
            o,
            "standards = {{ safeguarding = \"{a}\", health_and_safety = \"{b}\", admissions_support = \"{c}\", education_quality = \"{d}\" }}"
        );
    }

    let _ = writeln!(o, "\n[safeguarding]");
    let checks = last_visit.plus(-r.range(0, 30));
    let _ = writeln!(o, "enhanced_dbs_all_staff = {}", r.chance(97));
    let _ = writeln!(o, "single_central_record = {}", r.chance(96));
    let _ = writeln!(o, "written_confirmation_of_checks = {checks}");
    let _ = writeln!(o, "named_dsl = true");
    let _ = writeln!(o, "dsl_training = {}", t.plus(-r.range(30, 700)));
    let _ = writeln!(o, "child_protection_policy_reviewed = {}", t.plus(-r.range(30, 400)));
    let _ = writeln!(o, "session_attendance_reporting = {}", r.chance(92));
    let _ = writeln!(o, "public_liability_expires = {insurance}");
    let _ = writeln!(o, "employers_liability_expires = {insurance}");

    let _ = writeln!(o, "\n[offer]");
    let _ = writeln!(o, "tiers = [{tiers_txt}]");
    let _ = writeln!(o, "key_stages = {}", str_list(&key_stages));
    let _ = writeln!(o, "age_min = {age_min}\nage_max = {age_max}");
    let _ = writeln!(o, "needs = {}", str_list(&needs));
    let _ = writeln!(o, "accepts_ehcp = {}", r.chance(75) || needs.contains(&"send_ehcp"));
    let _ = writeln!(o, "accepts_looked_after = {}", r.chance(90));
    let _ = writeln!(o, "accepts_permanently_excluded = {pex}");
    let _ = writeln!(o, "day6_start = {day6}");
    let _ = writeln!(o, "pattern = {}", q(pattern));
    let _ = writeln!(o, "hours_per_week = {{ min = {}, max = {} }}", hours(h_min), hours(h_max));
    let _ = writeln!(o, "max_weeks = {}", r.pick(&[&6, &8, &12, &12, &24, &26, &39, &52]));
    let _ = writeln!(o, "delivery = {}", q(delivery));
    let group = if delivery == "home" { 1 + r.below(2) } else { 4 + r.below(9) };
    let _ = writeln!(o, "group_size_max = {group}");
    let routes = r.subset_n(ROUTES, 1, 3);
    let _ = writeln!(o, "referral_routes = {}", str_list(&routes));
    let _ = writeln!(o, "dual_registration = {}", tiers.contains(&2) || r.chance(30));
    let _ = writeln!(o, "reintegration_plan = {}", r.chance(80));
    let mut curriculum = vec!["english", "maths"];
    for c in r.subset_n(&CURRICULUM[2..], 1, 4) {
        curriculum.push(c);
    }
    let _ = writeln!(o, "curriculum = {}", str_list(&curriculum));
    let quals = r.subset_n(QUALIFICATIONS, 1, 4);
    let _ = writeln!(o, "qualifications = {}", str_list(&quals));

    let _ = writeln!(o, "\n[capacity]");
    let _ = writeln!(o, "places = {places}\nla_commissioned_places = {la_places}\nvacancies = {vacancies}");
    let _ = writeln!(o, "vacancies_as_of = {vac_as_of}\ntypical_wait_weeks = {}", r.below(9));

    let costs: Vec<(&str, f64)> = if non_school {
        vec![(r.weighted(&[("per_session", 50), ("per_day", 40), ("per_week", 10)]), 30.0 + r.below(150) as f64)]
    } else if r.chance(40) {
        vec![("per_day", 90.0 + r.below(160) as f64), ("per_place_per_year", 9_000.0 + r.below(40) as f64 * 1_000.0)]
    } else {
        vec![("per_place_per_year", 9_000.0 + r.below(40) as f64 * 1_000.0)]
    };
    let valid_from = Date::ymd(2026, 9, 1);
    for (option, amount) in costs {
        let _ = writeln!(o, "\n[[costs]]");
        let _ = writeln!(o, "option = {}\namount = {}\ncurrency = \"GBP\"", q(option), money(amount));
        let _ = writeln!(o, "valid_from = {valid_from}\nvalid_to = {}", Date::ymd(2027, 8, 31));
        let transport = r.chance(30);
        let _ = writeln!(o, "includes_transport = {transport}");
        let _ = writeln!(
            o,
            "description = {}",
            q(r.pick(&[
                "Includes lunch and all materials.",
                "Staff ratio 1:3; lunch not included.",
                "Charged per pupil; discounts for block bookings.",
                "Funded places are allocated through the AP panel.",
                "Includes a weekly progress report to the referring school.",
            ]))
        );
    }

    let _ = writeln!(o, "\n[transport]");
    let provided = r.chance(35);
    let _ = writeln!(o, "provided = {provided}");
    let _ = writeln!(
        o,
        "notes = {}",
        q(if provided { "Minibus from the nearest bus station." } else { "Pupils travel by bus or are brought by family or school." })
    );

    // Locations: one or two sites; cross-border providers keep to their own authority.
    let n_sites = if home.la == "888" && r.chance(22) { 2 } else { 1 };
    for s in 0..n_sites {
        let d = if s == 0 || r.chance(50) {
            home
        } else {
            let lcc: Vec<&District> = DISTRICTS.iter().filter(|d| d.la == "888").collect();
            lcc[r.below(lcc.len())]
        };
        let site_town = if s == 0 { town } else { r.pick(d.towns) };
        let postcode = postcodes.sample(&mut r, d.code);
        let _ = writeln!(o, "\n[[locations]]");
        let _ = writeln!(o, "id = {}", q(if s == 0 { "main" } else { "second" }));
        let _ = writeln!(o, "name = {}", q(&format!("{} site", if s == 0 { "Main" } else { site_town })));
        let street = format!("{} {}", 1 + r.below(120), r.pick(STREETS));
        let _ = writeln!(o, "address = {}", str_list(&[street.as_str(), site_town]));
        let _ = writeln!(o, "postcode = {}", q(postcode));
        let _ = writeln!(o, "mask_exact_address = {masked}");
        let access = r.subset_n(ACCESS, 0, 4);
        let _ = writeln!(o, "accessibility = {}", str_list(&access));
        let days: Vec<&str> = if pattern == "full_time" { DAYS.to_vec() } else { r.subset_n(DAYS, 2, 3) };
        let (open, close) = *r.pick(&[&("09:00", "15:00"), &("08:45", "14:45"), &("09:30", "14:30"), &("10:00", "15:00")]);
        let _ = writeln!(o, "schedule = [{{ days = {}, opens = \"{open}\", closes = \"{close}\" }}]", str_list(&days));
    }

    let _ = writeln!(o, "\n[contact]");
    let _ = writeln!(o, "role = {}", q(r.pick(&["Referrals coordinator", "Admissions officer", "Head of centre", "Programme lead"])));
    let _ = writeln!(o, "email = {}", q(&format!("referrals.p{i}@example.org")));
    let _ = writeln!(o, "phone = \"{} 000{:03}\"", home.phone, r.below(1000));

    let _ = writeln!(o, "\n[child_voice]");
    if r.chance(75) {
        let _ = writeln!(o, "feedback_collected = true\nlast_collected = {}", t.plus(-r.range(10, 400)));
        let _ = writeln!(
            o,
            "summary = {}",
            q(r.pick(&[
                "Pupils value small groups and a named key worker.",
                "Young people say staff listen and want more practical sessions.",
                "Pupils like the calm setting; some want more time outdoors.",
                "Families value regular updates; pupils asked for more sport.",
            ]))
        );
    } else {
        let _ = writeln!(o, "feedback_collected = false\nsummary = \"Not yet collected.\"");
    }

    if r.chance(80) {
        let _ = writeln!(o, "\n[internal]");
        let _ = writeln!(o, "lead_officer = {}", q(r.pick(OFFICERS)));
        let _ = writeln!(o, "contract_value = {}", money((r.below(400) as f64) * 2_500.0));
        let _ = writeln!(o, "contract_ends = {}", t.plus(r.range(30, 900)));
        let _ = writeln!(
            o,
            "qa_notes = {}",
            q(r.pick(&[
                "No concerns at last visit.",
                "Chase updated vacancy return before the next panel.",
                "Check attendance reporting is session by session.",
                "Condition on curriculum planning still open.",
                "Good reintegration outcomes last year.",
            ]))
        );
    }
    (id, o)
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[&str], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} {conj} {last}", rest.join(", ")),
    }
}

fn cap_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn pattern_phrase(p: &str) -> &'static str {
    match p {
        "full_time" => "full-time",
        "part_time" => "part-time",
        "sessional" => "sessional",
        _ => "outreach",
    }
}

fn delivery_phrase(d: &str) -> &'static str {
    match d {
        "home" => "home-based",
        "online" => "online",
        "hybrid" => "blended",
        _ => "small-group",
    }
}

fn need_phrase(n: &str) -> &'static str {
    match n {
        "semh" => "social, emotional and mental health needs",
        "ebsa_anxiety" => "anxiety-related absence",
        "medical_physical" => "physical health needs",
        "medical_mental_health" => "mental health needs",
        "asd" => "autism",
        "slcn" => "communication needs",
        "mld" => "learning difficulties",
        "spld" => "specific learning difficulties",
        "send_ehcp" => "EHC plans",
        "pex" => "a permanent exclusion",
        "at_risk_of_exclusion" => "a risk of exclusion",
        "young_parent" => "young children of their own",
        "youth_justice" => "youth justice involvement",
        _ => "little English so far",
    }
}

#[allow(clippy::too_many_arguments)]
fn description(r: &mut Rng, name: &str, district: &str, town: &str, ks: &[&str], needs: &[&str], tiers: &[u8], pattern: &str) -> String {
    let mut s = String::new();
    let opener = r.pick(&[
        "works with pupils who have found mainstream school hard",
        "offers a fresh start for pupils who need a different setting",
        "supports pupils to re-engage with learning",
        "gives pupils a calm, structured place to learn",
    ]);
    let _ = writeln!(s, "{name} {opener}, from a base in {town} ({district}).");
    let _ = writeln!(
        s,
        "It takes pupils in {}, most often those with {}.",
        join_words(ks, "and"),
        join_words(&needs.iter().take(3).map(|n| need_phrase(n)).collect::<Vec<_>>(), "or")
    );
    let _ = writeln!(s);
    let tier_txt = tiers
        .iter()
        .map(|t| match t {
            1 => "**tier 1** outreach in the pupil's own school",
            2 => "**tier 2** time-limited placements with a planned return",
            _ => "**tier 3** transitional placements",
        })
        .collect::<Vec<_>>();
    let tier_txt = join_words(&tier_txt, "and");
    let _ =
        writeln!(s, "The offer covers {tier_txt}. Attendance is {} and reviewed with the referring school every six weeks.", pattern_phrase(pattern));
    s
}

// ---------------------------------------------------------------- guide pages

const TOPICS: &[&str] =
    &["Commissioning", "Planning", "Reviewing", "Recording", "Funding", "Monitoring", "Ending", "Starting", "Sharing", "Checking"];
const OBJECTS: &[&str] = &[
    "tier 1 outreach",
    "tier 2 placements",
    "tier 3 transitions",
    "sixth-day provision",
    "part-time timetables",
    "dual registration",
    "attendance codes",
    "home tuition",
    "medical needs provision",
    "reintegration meetings",
    "pre-placement visits",
    "safeguarding checks",
    "placement reviews",
    "transport arrangements",
    "pupil voice",
    "EHC plan reviews",
    "post-16 transition",
    "vacancy returns",
];
const TAGS: &[&str] = &[
    "referrals",
    "quality",
    "attendance",
    "exclusions",
    "safeguarding",
    "tiers",
    "medical",
    "send",
    "funding",
    "transport",
    "reintegration",
    "commissioning",
];
const AUDIENCES: &[&str] = &["schools", "parents", "providers", "la"];
const SENTENCES: &[&str] = &[
    "Schools remain responsible for the safeguarding of pupils they place with another provider.",
    "Agree the purpose of the placement before it starts, and write it down in plain language.",
    "A placement should have a named lead in the school and a named key worker at the provider.",
    "Attendance must be checked every session, and absence followed up on the same day.",
    "Families should know where their child will be, who will teach them and how to raise a concern.",
    "Part-time arrangements need a clear end date and a plan to build back up to full time.",
    "The authority keeps a record of every placement so that it can see where places are short.",
    "Reviews should involve the pupil, the family, the school and the provider together.",
    "A good provider shares a short progress note with the school at least once a week.",
    "Where a pupil has an EHC plan, any change of provision must be considered through the plan.",
    "Outreach works best when the class teacher and the outreach worker plan the next steps together.",
    "Written confirmation of staff checks should be on file before the first session.",
    "Transport should be agreed before the start date so that no days are lost.",
    "The pupil's voice should shape the plan, not just be recorded at the end.",
    "Time-limited placements need a return date that everyone can see from the first meeting.",
    "Providers should tell the school at once if a pupil does not arrive.",
    "Quality assurance visits look at safeguarding, health and safety, admissions and the quality of education.",
    "Commissioners should check the directory for the provider's latest status before making a referral.",
    "A baseline assessment in the first fortnight helps everyone measure progress fairly.",
    "Keep records factual, dated and short, so that the next reader can act on them.",
    "Where the placement is not working, meet early rather than waiting for the planned review.",
    "Pupils returning to their school need a named adult and a realistic first week.",
    "Costs should be agreed in writing, including any transport, lunch or materials.",
    "Placements far from home should be the exception and always reviewed by the panel.",
];
const LIST_ITEMS: &[&str] = &[
    "the pupil's name, date of birth and home school",
    "the reason for the placement and what success looks like",
    "the days, times and address of each session",
    "the named contacts at the school and the provider",
    "how attendance will be reported and followed up",
    "the review dates and the planned end date",
    "what the family has been told and agreed",
    "any risk assessment and medical information",
    "the cost and who pays it",
    "how the pupil's views will be gathered",
];
const HEADINGS: &[&str] = &[
    "Before the placement",
    "During the placement",
    "After the placement",
    "What the law says",
    "Roles and responsibilities",
    "Common questions",
    "What good looks like",
    "Records to keep",
    "Working with families",
    "When things go wrong",
    "Checklist",
    "Next steps",
];

fn section_dir(s: usize, width: usize) -> String {
    format!("section-{s:0width$}")
}

fn page_path(p: usize, sections_w: usize, pages_w: usize) -> String {
    let s = (p - 1) / PAGES_PER_SECTION + 1;
    format!("guide/{}/page-{p:0pages_w$}.md", section_dir(s, sections_w))
}

fn updated(r: &mut Rng) -> String {
    let m = 1 + r.below(TODAY.1 as usize) as u32;
    let max_day = if m == TODAY.1 { TODAY.2 } else { 28 };
    format!("{}-{m:02}-{:02}", TODAY.0, 1 + r.below(max_day as usize))
}

fn guides(out: &Path, m: usize) -> Result<usize, String> {
    let content = out.join("content");
    let guide = content.join("guide");
    fs::create_dir_all(&guide).map_err(|e| format!("{}: {e}", guide.display()))?;
    let mut bytes = 0usize;
    let home = "+++\ntitle = \"Synthetic AP directory\"\nsummary = \"A generated site for benchmarking the directory and guide.\"\n+++\n\n\
                This site is generated for benchmarks. Read the [guide](@/guide/_index.md).\n";
    write(&content.join("_index.md"), home)?;
    let gi = "+++\ntitle = \"Good-practice guide\"\nsummary = \"Generated guidance pages, grouped in sections of fifty.\"\nweight = 1\n+++\n\n\
              The guide is split into numbered sections. Each page covers one part of arranging alternative provision.\n";
    write(&guide.join("_index.md"), gi)?;
    bytes += home.len() + gi.len();

    let sections = m.div_ceil(PAGES_PER_SECTION);
    let (sw, pw) = (digits(sections).max(2), digits(m).max(4));
    for s in 1..=sections {
        let dir = guide.join(section_dir(s, sw));
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut r = Rng::stream(2, s);
        let idx = format!(
            "+++\ntitle = \"Section {s}: {} {}\"\nsummary = \"Generated section {s} of the guide.\"\nweight = {s}\nupdated = {}\naudience = [\"schools\"]\ntags = [{}]\n+++\n\n\
             This section holds pages {} to {} of the generated guide.\n",
            r.pick(TOPICS),
            r.pick(OBJECTS),
            updated(&mut r),
            q(r.pick(TAGS)),
            (s - 1) * PAGES_PER_SECTION + 1,
            (s * PAGES_PER_SECTION).min(m)
        );
        bytes += idx.len();
        write(&dir.join("_index.md"), &idx)?;
    }
    for p in 1..=m {
        let text = guide_page(p, m, sw, pw);
        bytes += text.len();
        write(&content.join(page_path(p, sw, pw)), &text)?;
    }
    Ok(bytes)
}

fn guide_page(p: usize, m: usize, sw: usize, pw: usize) -> String {
    let mut r = Rng::stream(3, p);
    let topic = r.pick(TOPICS);
    let object = r.pick(OBJECTS);
    let title = format!("{topic} {object} ({p})");
    let mut tags = r.subset_n(TAGS, 1, 3);
    tags.dedup();
    let mut audience = r.subset_n(AUDIENCES, 1, 2);
    if !audience.contains(&"schools") && r.chance(60) {
        audience.insert(0, "schools");
    }
    let mut o = String::with_capacity(3_200);
    let _ = write!(
        o,
        "+++\ntitle = {}\nsummary = {}\nweight = {}\nupdated = {}\naudience = {}\ntags = {}\n+++\n\n",
        q(&title),
        q(&format!("How to approach {object} well: roles, records and the questions to ask.")),
        (p - 1) % PAGES_PER_SECTION + 1,
        updated(&mut r),
        str_list(&audience),
        str_list(&tags)
    );
    let mut words = 0usize;
    let para = |r: &mut Rng, o: &mut String, n: usize, words: &mut usize| {
        for k in 0..n {
            let s = r.pick(SENTENCES);
            *words += s.split_whitespace().count();
            o.push_str(s);
            o.push(if k + 1 == n { '\n' } else { ' ' });
        }
        o.push('\n');
    };
    let _ = writeln!(o, "This page explains {object} for staff who arrange alternative provision.");
    words += 10;
    para(&mut r, &mut o, 3, &mut words);

    let heads = r.subset(HEADINGS, 3);
    // First section: text and a list.
    let _ = writeln!(o, "## {}\n", heads[0]);
    para(&mut r, &mut o, 3, &mut words);
    let numbered = r.chance(40);
    let _ = writeln!(o, "{}\n", if numbered { "Work through these in order:" } else { "Make sure the plan records:" });
    for (k, item) in r.subset_n(LIST_ITEMS, 4, 3).into_iter().enumerate() {
        if numbered {
            let _ = writeln!(o, "{}. {}", k + 1, cap_first(item));
        } else {
            let _ = writeln!(o, "- {item}");
        }
        words += item.split_whitespace().count() + 1;
    }
    o.push('\n');
    // Second section: text and the internal link.
    let _ = writeln!(o, "## {}\n", heads[1]);
    para(&mut r, &mut o, 3, &mut words);
    let target = if m > 1 {
        let mut t = 1 + r.below(m - 1);
        if t >= p {
            t += 1;
        }
        format!("@/{}", page_path(t, sw, pw))
    } else {
        "@/guide/_index.md".to_string()
    };
    let _ = writeln!(o, "For a related part of the process, [see]({target}) the linked page.\n");
    // A figure-based paragraph, so pages differ in numbers, places and terms, not just order.
    let d = &DISTRICTS[r.below(12)];
    let (started, back) = (5 + r.below(60), r.below(5));
    let _ = writeln!(
        o,
        "In {}, {started} pupils started {object} in the {} term; {} of them were back in their own school within {} weeks, \
         and the *{}* review found that {} of placements had a written plan.\n",
        d.name,
        r.pick(&["autumn", "spring", "summer"]),
        started * (3 + back) / 8,
        6 + 2 * r.below(5),
        r.pick(&["termly", "annual", "mid-year"]),
        r.pick(&["most", "nearly all", "about half", "two thirds"])
    );
    words += 40;
    // Third section: fill up to about 400 words.
    let _ = writeln!(o, "## {}\n", heads[2]);
    while words < 390 {
        para(&mut r, &mut o, 2, &mut words);
    }
    o
}
