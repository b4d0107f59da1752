//! Synthetic corpus generator for benchmarks.
//!
//! ```text
//! cargo run --release --example synth -- --providers 10000 --guides 1000 --out target/synth
//! cargo run --release --example synth -- --providers 10000 --guides 100 --wards --out target/synth-wards
//! ```
//!
//! Writes a complete site folder at OUT: `apdir.toml`, the postcode table and boundary file
//! copied from the repository, N provider records in `providers/` and M guide pages in
//! `content/guide/section-XX/`. Every record is valid under the build's rules, with the usual
//! share of warnings (overdue QA visits, stale vacancies, expired insurance), so the benchmark
//! exercises the same paths as a real site.
//!
//! Built on the library's own types: records are `apdir::model::provider::Provider` values and
//! pages carry a `FrontMatter`, both written by the `toml` crate; every vocabulary value comes
//! from `apdir::model::vocab`, so synth cannot write a value validation would refuse. Dates are
//! `apdir::Date`, ids use the library's `slugify`, postcodes are read with `apdir::geo`.
//!
//! Output is deterministic: each provider and each page draws from its own PRNG stream seeded
//! from a fixed seed and its number, so two runs give byte-identical files and provider 42 is
//! the same whatever N is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use apdir::Date;
use apdir::analyse::TIERS;
use apdir::geo::Postcodes;
use apdir::model::guide::FrontMatter;
use apdir::model::provider::{
    Capacity, ChildVoice, Contact, Cost, HoursRange, Identifier, Inspection, Location, Offer, Organisation, Provider, QualityAssurance, Registration,
    SCHEMA_VERSION, Safeguarding, Schedule, Transport,
};
use apdir::model::slug::slugify;
use apdir::model::vocab::{
    ApCensusSetting, Audience, CostOptionKind, Delivery, EvaluationArea, InspectionBody, InspectionFramework, KeyStage, LegacyGrade, LegalStatus,
    ListRoute, ListStatus, MetOrNotMet, Need, Pattern, ReferralRoute, RegistrationType, ReportCardGrade, ServiceStatus, Standard, StandardResult,
    VisitOutcome,
};

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
    /// Add the sample's 253 wards as a second boundary layer (`[[area_layers]]`).
    wards: bool,
}

fn usage() -> &'static str {
    "usage: synth [--providers N] [--guides M] [--out DIR] [--repo DIR] [--wards]\n\
     \n\
     --providers N   provider records to write (default 10000)\n\
     --guides M      guide pages to write (default 1000)\n\
     --out DIR       site folder to create; replaced if it holds an apdir.toml (default target/synth)\n\
     --repo DIR      repository root holding data/ and themes/ (default: this crate's folder)\n\
     --wards         add the sample's 253 wards (areas/wards.geojson, areas/wards/) as a second\n\
     \x20               boundary layer, as the sample's apdir.toml does"
}

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { providers: 10_000, guides: 1_000, out: PathBuf::from("target/synth"), repo: PathBuf::from(env!("CARGO_MANIFEST_DIR")), wards: false };
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
            "--wards" if inline.is_none() => args.wards = true,
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
    check_vocabularies();
    let repo = std::path::absolute(&args.repo).map_err(|e| format!("{}: {e}", args.repo.display()))?;
    let postcodes_src = repo.join("data/postcodes.csv");
    if !postcodes_src.is_file() {
        return Err(format!("{} not found (pass --repo with the repository root)", postcodes_src.display()));
    }
    let table = PostcodeTable::new(&Postcodes::load(&postcodes_src)?)?;

    prepare_out(&args.out)?;
    let out = &args.out;
    write_settings(out, &repo, args.wards)?;

    // Providers.
    let pdir = out.join("providers");
    fs::create_dir_all(&pdir).map_err(|e| format!("{}: {e}", pdir.display()))?;
    let width = digits(args.providers).max(5);
    let mut provider_bytes = 0usize;
    for i in 1..=args.providers {
        let p = provider(i, width, &table);
        let body = record_text(i, &p)?;
        provider_bytes += body.len();
        write(&pdir.join(format!("{}.toml", p.id)), &body)?;
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

/// `apdir.toml`, the postcode table, and the sample's boundary file and area figures (and,
/// with `wards`, its ward layer).
fn write_settings(out: &Path, repo: &Path, wards: bool) -> Result<(), String> {
    let io_err = |p: &Path, e: io::Error| format!("{}: {e}", p.display());
    let themes = repo.join("themes");
    let themes = fs::canonicalize(&themes).unwrap_or(themes).to_string_lossy().into_owned();
    let mut config = toml::Table::new();
    for (key, value) in [
        ("title", "Synthetic AP directory"),
        ("base_url", "https://example.gov.uk"),
        ("authority", "Synthetic Council"),
        ("contact_email", "ap.team@example.gov.uk"),
        ("theme", "default"),
        ("output_dir", "public"),
        ("postcodes", "data/postcodes.csv"),
        ("themes_dir", themes.as_str()),
    ] {
        config.insert(key.into(), value.into());
    }
    if wards {
        copy_wards(out, repo)?;
        let mut layer = toml::Table::new();
        for (key, value) in [("key", "wards"), ("name", "Wards"), ("boundaries", "areas/wards.geojson"), ("area_figures", "areas/wards")] {
            layer.insert(key.into(), value.into());
        }
        config.insert("area_layers".into(), toml::Value::Array(vec![toml::Value::Table(layer)]));
    }
    write(&out.join("apdir.toml"), &toml::to_string(&config).map_err(|e| e.to_string())?)?;

    let postcodes_src = repo.join("data/postcodes.csv");
    fs::create_dir_all(out.join("data")).map_err(|e| io_err(out, e))?;
    fs::copy(&postcodes_src, out.join("data/postcodes.csv")).map_err(|e| io_err(&postcodes_src, e))?;
    // The build reads area boundaries from `areas/districts.geojson` by default.
    let boundaries_src = repo.join("areas/districts.geojson");
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
    Ok(())
}

/// The sample's ward boundaries and ward figures, for the second boundary layer.
fn copy_wards(out: &Path, repo: &Path) -> Result<(), String> {
    let io_err = |p: &Path, e: io::Error| format!("{}: {e}", p.display());
    let (boundaries, figures) = (repo.join("areas/wards.geojson"), repo.join("areas/wards"));
    fs::create_dir_all(out.join("areas/wards")).map_err(|e| io_err(out, e))?;
    fs::copy(&boundaries, out.join("areas/wards.geojson")).map_err(|e| io_err(&boundaries, e))?;
    for e in fs::read_dir(&figures).map_err(|e| io_err(&figures, e))?.flatten() {
        if e.path().extension().is_some_and(|x| x == "toml") {
            fs::copy(e.path(), out.join("areas/wards").join(e.file_name())).map_err(|err| io_err(&e.path(), err))?;
        }
    }
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
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn weighted<T: Clone>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as usize) as u32;
        for (v, w) in items {
            if x < *w {
                return v.clone();
            }
            x -= w;
        }
        items[items.len() - 1].0.clone()
    }
    /// Between `min` and `min + spread - 1` distinct items, in vocabulary order.
    fn subset_n<T: Clone>(&mut self, items: &[T], min: usize, spread: usize) -> Vec<T> {
        let k = min + self.below(spread);
        self.subset(items, k)
    }
    /// `k` distinct items drawn by weight, in vocabulary order.
    fn weighted_subset<T: Clone>(&mut self, items: &[T], weights: &[u32], k: usize) -> Vec<T> {
        let mut w: Vec<(usize, u32)> = weights.iter().copied().enumerate().collect();
        let mut chosen = Vec::with_capacity(k);
        for _ in 0..k.min(items.len()) {
            let i = self.weighted(&w);
            chosen.push(i);
            w.retain(|(j, _)| *j != i);
        }
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i].clone()).collect()
    }
    /// `k` distinct items, in vocabulary order.
    fn subset<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..k.min(items.len()) {
            let j = i + self.below(items.len() - i);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx[..k.min(items.len())].to_vec();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i].clone()).collect()
    }
}

// ---------------------------------------------------------------- dates

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).expect("a real calendar date")
}

fn today() -> Date {
    ymd(TODAY.0, TODAY.1, TODAY.2)
}

// ---------------------------------------------------------------- geography

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

/// The postcodes of each district, in postcode order, from the library's postcode table.
struct PostcodeTable {
    by_district: BTreeMap<&'static str, Vec<String>>,
}

impl PostcodeTable {
    fn new(postcodes: &Postcodes) -> Result<PostcodeTable, String> {
        let mut by_district: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (pc, entry) in postcodes.iter() {
            if let Some(d) = DISTRICTS.iter().find(|d| d.code == entry.district) {
                by_district.entry(d.code).or_default().push(pc.clone());
            }
        }
        for d in DISTRICTS {
            match by_district.get_mut(d.code) {
                Some(v) if !v.is_empty() => v.sort_unstable(),
                _ => return Err(format!("the postcode table has no postcodes in {} ({})", d.name, d.code)),
            }
        }
        Ok(PostcodeTable { by_district })
    }
    fn sample(&self, rng: &mut Rng, district: &str) -> &str {
        let v = &self.by_district[district];
        &v[rng.below(v.len())]
    }
}

// ---------------------------------------------------------------- vocabularies
//
// Every closed value comes from `apdir::model::vocab`. The matches below name every variant,
// so a vocabulary that gains a value fails to compile here until synth knows what to do with it.

/// Relative frequency of each need (SEMH and exclusion risk most common).
fn need_weight(n: &Need) -> u32 {
    match n {
        Need::Semh => 30,
        Need::EbsaAnxiety => 18,
        Need::MedicalPhysical => 6,
        Need::MedicalMentalHealth => 10,
        Need::Asd => 16,
        Need::Slcn => 8,
        Need::Mld => 10,
        Need::Spld => 6,
        Need::SendEhcp => 14,
        Need::Pex => 12,
        Need::AtRiskOfExclusion => 22,
        Need::YoungParent => 3,
        Need::YouthJustice => 6,
        Need::NewArrival => 4,
        Need::Unknown(_) => 0,
    }
}

fn need_phrase(n: &Need) -> &'static str {
    match n {
        Need::Semh => "social, emotional and mental health needs",
        Need::EbsaAnxiety => "anxiety-related absence",
        Need::MedicalPhysical => "physical health needs",
        Need::MedicalMentalHealth => "mental health needs",
        Need::Asd => "autism",
        Need::Slcn => "communication needs",
        Need::Mld => "learning difficulties",
        Need::Spld => "specific learning difficulties",
        Need::SendEhcp => "EHC plans",
        Need::Pex => "a permanent exclusion",
        Need::AtRiskOfExclusion => "a risk of exclusion",
        Need::YoungParent => "young children of their own",
        Need::YouthJustice => "youth justice involvement",
        Need::NewArrival | Need::Unknown(_) => "little English so far",
    }
}

/// Youngest and oldest age of a key stage.
fn ages(ks: &KeyStage) -> (u32, u32) {
    match ks {
        KeyStage::Ks1 => (5, 7),
        KeyStage::Ks2 => (7, 11),
        KeyStage::Ks3 => (11, 14),
        KeyStage::Ks4 => (14, 16),
        KeyStage::Ks5 | KeyStage::Unknown(_) => (16, 19),
    }
}

fn pattern_phrase(p: &Pattern) -> &'static str {
    match p {
        Pattern::FullTime => "full-time",
        Pattern::PartTime => "part-time",
        Pattern::Sessional => "sessional",
        Pattern::Outreach | Pattern::Unknown(_) => "outreach",
    }
}

fn delivery_phrase(d: &Delivery) -> &'static str {
    match d {
        Delivery::Home => "home-based",
        Delivery::Online => "online",
        Delivery::Hybrid => "blended",
        Delivery::InPerson | Delivery::Unknown(_) => "small-group",
    }
}

/// Words that end a provider's name, by how it is registered.
fn name_suffixes(kind: &RegistrationType) -> &'static [&'static str] {
    match kind {
        RegistrationType::Pru => &["Short Stay School", "Learning Centre"],
        RegistrationType::ApAcademy => &["Academy"],
        RegistrationType::ApFreeSchool => &["Free School"],
        RegistrationType::IndependentSchool => &["School", "House School"],
        RegistrationType::MaintainedSchool => &["Inclusion Base"],
        RegistrationType::SpecialSchool => &["School"],
        RegistrationType::FeCollege => &["College"],
        RegistrationType::RegisteredProviderUkprn => &["Skills Training", "Training Centre"],
        RegistrationType::OnlineAccredited => &["Online School"],
        RegistrationType::HospitalSchool => &["Hospital Education Service"],
        RegistrationType::NonSchool | RegistrationType::Unknown(_) => {
            &["Project", "Learning Hub", "Tuition", "Care Farm", "Workshop", "Mentoring", "Outdoor Learning", "Studio", "CIC", "Skills Project"]
        }
    }
}

/// Relative share of each registration type (every type in `RegistrationType::ALL` appears).
const KINDS: &[(RegistrationType, u32)] = &[
    (RegistrationType::NonSchool, 46),
    (RegistrationType::IndependentSchool, 14),
    (RegistrationType::Pru, 6),
    (RegistrationType::ApAcademy, 5),
    (RegistrationType::ApFreeSchool, 4),
    (RegistrationType::MaintainedSchool, 5),
    (RegistrationType::SpecialSchool, 5),
    (RegistrationType::FeCollege, 4),
    (RegistrationType::RegisteredProviderUkprn, 5),
    (RegistrationType::OnlineAccredited, 3),
    (RegistrationType::HospitalSchool, 3),
];

/// The report card's evaluation areas that apply to every school (not early years or sixth form).
fn graded_areas() -> impl Iterator<Item = &'static EvaluationArea> {
    EvaluationArea::ALL.iter().filter(|a| !matches!(a, EvaluationArea::EarlyYears | EvaluationArea::SixthForm))
}

/// Fails loudly when a registration type has no share, so synth covers every type validation knows.
fn check_vocabularies() {
    for kind in RegistrationType::ALL {
        assert!(KINDS.iter().any(|(k, _)| k == kind), "synth: give the registration type `{}` a share in KINDS", kind.key());
    }
}

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

/// A distinct two-part name for every index below |A|×|B| (a scrambled walk over the grid),
/// with a number after it when the grid is used up.
fn provider_name(i: usize, kind: &RegistrationType, rng: &mut Rng) -> String {
    let grid = NAME_A.len() * NAME_B.len();
    let j = ((i - 1) % grid * 1_031) % grid; // 1031 is prime and does not divide the grid size
    let (a, b) = (NAME_A[j % NAME_A.len()], NAME_B[j / NAME_A.len()]);
    let base = if a == b { format!("Upper {b}") } else { format!("{a} {b}") };
    let suffix = rng.pick(name_suffixes(kind));
    let round = (i - 1) / grid;
    if round == 0 { format!("{base} {suffix}") } else { format!("{base} {suffix} {}", round + 1) }
}

/// The facts drawn first, which the record's sections share.
struct Plan {
    i: usize,
    kind: RegistrationType,
    non_school: bool,
    name: String,
    id: String,
    home: &'static District,
    town: &'static str,
    census: ApCensusSetting,
    max_hours: f64,
    urn: String,
    ukprn: String,
    key_stages: Vec<KeyStage>,
    tiers: Vec<i64>,
    needs: Vec<Need>,
    pattern: Pattern,
    delivery: Delivery,
    hours: (f64, f64),
    masked: bool,
    pex: bool,
    day6: bool,
    list_status: ListStatus,
    last_visit: Date,
    next_visit: Date,
    insurance: Date,
    vacancies_as_of: Date,
    places: i64,
    vacancies: i64,
    la_places: i64,
}

/// One provider record, `[internal]` notes included.
fn provider(i: usize, width: usize, postcodes: &PostcodeTable) -> Provider {
    let mut r = Rng::stream(1, i);
    let t = today();
    let plan = plan(&mut r, i, width);
    let status = r.weighted(&[(ServiceStatus::Active, 96), (ServiceStatus::TemporarilyClosed, 3), (ServiceStatus::Inactive, 1)]);
    let description = description(&mut r, &plan);
    let last_reviewed = t.add_days(-r.range(0, 400));
    let service_area = if r.chance(30) {
        let lcc: Vec<String> = DISTRICTS.iter().filter(|d| d.la == "888" && d.code != plan.home.code).map(|d| d.code.to_string()).collect();
        let k = 1 + r.below(3);
        r.subset(&lcc, k)
    } else {
        Vec::new()
    };
    let organisation = organisation(&mut r, &plan);
    let inspection = inspection(&mut r, &plan);
    let quality_assurance = quality_assurance(&mut r, &plan);
    let safeguarding = safeguarding(&mut r, &plan);
    let offer = offer(&mut r, &plan);
    let capacity = Capacity {
        places: Some(plan.places as u32),
        la_commissioned_places: Some(plan.la_places as u32),
        vacancies: Some(plan.vacancies as u32),
        vacancies_as_of: Some(plan.vacancies_as_of),
        typical_wait_weeks: Some(r.below(9) as u32),
        places_by_tier: Default::default(),
    };
    let costs = costs(&mut r, &plan);
    let provided = r.chance(35);
    let notes = if provided { "Minibus from the nearest bus station." } else { "Pupils travel by bus or are brought by family or school." };
    let transport = Transport { provided, notes: notes.into() };
    let locations = locations(&mut r, &plan, postcodes);
    let contact = Contact {
        role: r.pick(&["Referrals coordinator", "Admissions officer", "Head of centre", "Programme lead"]).to_string(),
        email: format!("referrals.p{i}@example.org"),
        phone: format!("{} 000{:03}", plan.home.phone, r.below(1000)),
    };
    let child_voice = child_voice(&mut r);
    let internal = internal_notes(&mut r);
    let registration = registration(&plan);
    let provider = Provider {
        schema_version: SCHEMA_VERSION,
        draft: false,
        summary: summary(&plan),
        website: Some(format!("https://example.org/{}", plan.id)),
        id: plan.id,
        name: plan.name,
        status,
        description,
        last_reviewed: Some(last_reviewed),
        reviewed_by: Some("ap.commissioning@example.gov.uk".into()),
        service_area,
        organisation,
        registration,
        inspection,
        quality_assurance,
        safeguarding,
        offer,
        capacity,
        costs,
        transport,
        locations,
        contact,
        child_voice,
        internal,
    };
    within_the_rules(provider)
}

/// Makes a drawn record one the library's own rules accept (`apdir::rules`), after every random
/// value was drawn, so the corpus keeps its shape: only a school dual-registers, an approved
/// provider has confirmed its checks and meets every standard at least in part, and a tier 2
/// offer lasts no longer than the configured limit; no text is the scaffold's placeholder.
fn within_the_rules(mut p: Provider) -> Provider {
    if apdir::rules::dual_registration_contradicted(&p) {
        p.offer.dual_registration = Some(false);
    }
    if apdir::rules::approved(&p) {
        p.safeguarding.enhanced_dbs_all_staff = Some(true);
        p.safeguarding.single_central_record = Some(true);
        p.safeguarding.named_dsl = Some(true);
        for result in p.quality_assurance.standards.values_mut() {
            if *result == StandardResult::NotMet {
                *result = StandardResult::PartlyMet;
            }
        }
    }
    // A drawn telephone number that happens to be the scaffold's placeholder would be an error.
    if apdir::model::placeholders::PLACEHOLDERS.contains(&p.contact.phone.as_str()) {
        p.contact.phone.replace_range(p.contact.phone.len() - 1.., "1");
    }
    let limit = apdir::config::Rules::default().tier2_max_weeks;
    if apdir::rules::tier2_weeks_over(&p, &apdir::config::Rules::default()).is_some() {
        p.offer.max_weeks = Some(limit);
    }
    p
}

/// The record as a file: a comment saying it is fictional, then the TOML.
fn record_text(i: usize, p: &Provider) -> Result<String, String> {
    let mut o = format!("# FICTIONAL sample record for the apdir demonstration site.\n# Generated by examples/synth.rs (provider {i}).\n");
    o.push_str(&toml::to_string(p).map_err(|e| format!("provider {i}: {e}"))?);
    // `Provider` never serialises its internal notes (so no public output can carry them);
    // the AP team's copy of the record holds them in an `[internal]` table at the end.
    if let Some(notes) = &p.internal {
        let table = toml::Table::from_iter([("internal".to_string(), toml::Value::Table(notes.clone()))]);
        o.push('\n');
        o.push_str(&toml::to_string(&table).map_err(|e| format!("provider {i}: {e}"))?);
    }
    Ok(o)
}

fn plan(r: &mut Rng, i: usize, width: usize) -> Plan {
    let t = today();
    let kind = r.weighted(KINDS);
    let name = provider_name(i, &kind, r);
    let id = format!("p{i:0width$}-{}", slugify(&name));
    let non_school = kind == RegistrationType::NonSchool;
    let la_only = matches!(kind, RegistrationType::Pru | RegistrationType::MaintainedSchool | RegistrationType::HospitalSchool);

    // Home district: weighted; cross-border unitaries only for some kinds.
    let dist_weights: Vec<(usize, u32)> =
        DISTRICTS.iter().enumerate().filter(|(_, d)| d.la == "888" || !la_only).map(|(k, d)| (k, d.weight)).collect();
    let home = &DISTRICTS[r.weighted(&dist_weights)];
    let town = *r.pick(home.towns);

    // Registration.
    let census = r.weighted(&[(ApCensusSetting::Oth, 60), (ApCensusSetting::Oot, 20), (ApCensusSetting::Wbp, 15), (ApCensusSetting::Nfe, 5)]);
    let max_hours: f64 = if non_school {
        *r.pick(&[4.0, 6.0, 9.0, 10.0, 12.0, 15.0, 18.0])
    } else if matches!(kind, RegistrationType::HospitalSchool | RegistrationType::MaintainedSchool) {
        20.0
    } else {
        *r.pick(&[22.5, 25.0, 25.0, 27.5])
    };
    let urn = if kind.needs_ukprn() || non_school { String::new() } else { format!("9{:05}", i % 100_000) };
    let ukprn = if kind.needs_ukprn() { format!("109{:05}", i % 100_000) } else { String::new() };

    // Offer.
    let (ks_lo, ks_hi) = match kind {
        RegistrationType::FeCollege | RegistrationType::RegisteredProviderUkprn => (3, 4),
        RegistrationType::HospitalSchool | RegistrationType::SpecialSchool => (r.below(2), 3 + r.below(2)),
        RegistrationType::OnlineAccredited => (2, 3 + r.below(2)),
        _ => {
            let lo = r.weighted(&[(0usize, 5), (1, 15), (2, 50), (3, 30)]);
            let hi = (lo + r.below(3)).min(if r.chance(15) { 4 } else { 3 }).max(lo);
            (lo, hi)
        }
    };
    let mut tiers: Vec<i64> = TIERS.into_iter().filter(|_| r.chance(55)).collect();
    if tiers.is_empty() {
        tiers.push(2);
    }
    let n_needs = 2 + r.below(5);
    let weights: Vec<u32> = Need::ALL.iter().map(need_weight).collect();
    let mut needs = r.weighted_subset(Need::ALL, &weights, n_needs);
    if kind == RegistrationType::HospitalSchool && !needs.contains(&Need::MedicalPhysical) {
        needs.insert(0, Need::MedicalPhysical);
    }
    let (pattern, delivery) = pattern_and_delivery(r, &kind, &census);
    let h_max = if pattern == Pattern::FullTime { max_hours } else { (max_hours - r.below(3) as f64 * 2.0).max(2.0) };
    let h_min = (h_max / 2.0).floor().max(1.0);
    let masked = matches!(delivery, Delivery::Home | Delivery::Online) || r.chance(3);
    let pex = r.chance(if matches!(kind, RegistrationType::Pru | RegistrationType::ApAcademy | RegistrationType::ApFreeSchool) { 90 } else { 35 });
    let day6 = pex && r.chance(60);

    // Dates and QA.
    let list_status = r.weighted(&[
        (ListStatus::Approved, 55),
        (ListStatus::ApprovedWithConditions, 15),
        (ListStatus::NotAssessed, 15),
        (ListStatus::UnderReview, 7),
        (ListStatus::Suspended, 3),
        (ListStatus::Removed, 2),
        (ListStatus::Approved, 3),
    ]);
    let last_visit = t.add_days(-r.range(20, 330));
    let next_visit = last_visit.add_days(if r.chance(25) { 182 } else { 365 });
    let insurance = if r.chance(4) { t.add_days(-r.range(1, 120)) } else { t.add_days(r.range(20, 400)) };
    let vacancies_as_of = t.add_days(-(if r.chance(15) { r.range(91, 300) } else { r.range(0, 60) }));
    let places = r.range(6, 120);
    let vacancies = if r.chance(20) { 0 } else { r.range(0, places.min(12)) };
    let la_places = r.range(0, places);
    Plan {
        i,
        non_school,
        name,
        id,
        home,
        town,
        census,
        max_hours,
        urn,
        ukprn,
        key_stages: KeyStage::ALL[ks_lo..=ks_hi].to_vec(),
        tiers,
        needs,
        pattern,
        delivery,
        hours: (h_min, h_max),
        masked,
        pex,
        day6,
        list_status,
        last_visit,
        next_visit,
        insurance,
        vacancies_as_of,
        places,
        vacancies,
        la_places,
        kind,
    }
}

fn pattern_and_delivery(r: &mut Rng, kind: &RegistrationType, census: &ApCensusSetting) -> (Pattern, Delivery) {
    match kind {
        RegistrationType::NonSchool => {
            let delivery = if *census == ApCensusSetting::Oot {
                r.weighted(&[(Delivery::Home, 70), (Delivery::Online, 20), (Delivery::Hybrid, 10)])
            } else {
                Delivery::InPerson
            };
            (r.weighted(&[(Pattern::Sessional, 50), (Pattern::PartTime, 35), (Pattern::Outreach, 15)]), delivery)
        }
        RegistrationType::OnlineAccredited => (Pattern::FullTime, Delivery::Online),
        RegistrationType::HospitalSchool => (Pattern::PartTime, Delivery::Hybrid),
        RegistrationType::MaintainedSchool => (r.weighted(&[(Pattern::PartTime, 70), (Pattern::Outreach, 30)]), Delivery::InPerson),
        _ => (Pattern::FullTime, Delivery::InPerson),
    }
}

fn key_stage_span(ks: &[KeyStage]) -> String {
    match ks {
        [one] => one.key().to_string(),
        [first, .., last] => format!("{}-{}", first.key(), last.key()),
        [] => String::new(),
    }
}

fn summary(p: &Plan) -> String {
    let need_words: Vec<&str> = p.needs.iter().take(2).map(need_phrase).collect();
    format!(
        "{} {} provision in {} for {} pupils with {}.",
        cap_first(pattern_phrase(&p.pattern)),
        delivery_phrase(&p.delivery),
        p.home.name,
        key_stage_span(&p.key_stages),
        need_words.join(" or ")
    )
}

fn organisation(r: &mut Rng, p: &Plan) -> Organisation {
    let legal = match p.kind {
        RegistrationType::Pru | RegistrationType::MaintainedSchool | RegistrationType::SpecialSchool | RegistrationType::HospitalSchool => {
            LegalStatus::LaMaintained
        }
        RegistrationType::ApAcademy | RegistrationType::ApFreeSchool => LegalStatus::AcademyTrust,
        RegistrationType::FeCollege => LegalStatus::FeCorporation,
        RegistrationType::NonSchool => {
            r.weighted(&[(LegalStatus::Cic, 35), (LegalStatus::Charity, 30), (LegalStatus::Company, 25), (LegalStatus::SoleTrader, 10)])
        }
        _ => LegalStatus::Company,
    };
    let name = &p.name;
    let org_name = match legal {
        LegalStatus::LaMaintained => "Synthetic Council".to_string(),
        LegalStatus::AcademyTrust => format!("{} Learning Trust", name.split(' ').next().unwrap_or("Synthetic")),
        LegalStatus::Cic if !name.ends_with("CIC") => format!("{name} CIC"),
        LegalStatus::Company | LegalStatus::FeCorporation => format!("{name} Ltd"),
        _ => name.clone(),
    };
    let (scheme, id) = if !p.urn.is_empty() {
        ("GB-EDU", p.urn.clone())
    } else if !p.ukprn.is_empty() {
        ("GB-UKPRN", p.ukprn.clone())
    } else if legal == LegalStatus::Charity {
        ("GB-CHC", format!("19{:05}", p.i % 100_000))
    } else {
        ("GB-COH", format!("99{:06}", p.i % 1_000_000))
    };
    Organisation { name: org_name, legal_status: Some(legal), identifiers: vec![Identifier { scheme: scheme.into(), id }] }
}

fn registration(p: &Plan) -> Registration {
    Registration {
        kind: p.kind.clone(),
        ap_census_setting: p.non_school.then(|| p.census.clone()),
        urn: p.urn.clone(),
        ukprn: p.ukprn.clone(),
        host_la_code: p.home.la.into(),
        full_time_offer: Some(!p.non_school && !matches!(p.kind, RegistrationType::HospitalSchool | RegistrationType::MaintainedSchool)),
        max_hours_per_week: Some(p.max_hours),
    }
}

fn inspection(r: &mut Rng, p: &Plan) -> Inspection {
    if p.non_school {
        return Inspection::default();
    }
    let num = if p.urn.is_empty() { &p.ukprn } else { &p.urn };
    let mut ins = Inspection {
        body: Some(InspectionBody::Ofsted),
        report_url: Some(format!("https://reports.ofsted.gov.uk/provider/23/{num}")),
        ..Inspection::default()
    };
    if r.chance(45) {
        let since = ymd(2025, 11, 11);
        ins.framework = InspectionFramework::ReportCard2025;
        ins.last_inspection = Some(since.add_days(r.range(0, since.days_until(today()) - 1)));
        ins.safeguarding = Some(if r.chance(95) { MetOrNotMet::Met } else { MetOrNotMet::NotMet });
        for area in graded_areas() {
            let g = r.weighted(&[(0usize, 5), (1, 25), (2, 45), (3, 20), (4, 5)]);
            ins.grades.insert(area.key().to_string(), ReportCardGrade::ALL[g].clone());
        }
    } else {
        ins.framework = InspectionFramework::EifLegacy;
        ins.last_inspection = Some(ymd(2019, 1, 7).add_days(r.range(0, 2_497)));
        ins.legacy_overall = Some(r.weighted(&[
            (LegacyGrade::Outstanding, 15),
            (LegacyGrade::Good, 60),
            (LegacyGrade::RequiresImprovement, 20),
            (LegacyGrade::Inadequate, 5),
        ]));
    }
    ins
}

fn quality_assurance(r: &mut Rng, p: &Plan) -> QualityAssurance {
    let route = r.weighted(&[(ListRoute::Framework, 50), (ListRoute::SpotPurchase, 30), (ListRoute::DirectoryOnly, 20)]);
    let mut qa = QualityAssurance { list_status: p.list_status.clone(), list_route: Some(route), ..QualityAssurance::default() };
    if p.list_status == ListStatus::NotAssessed {
        return qa;
    }
    let outcome = match p.list_status {
        ListStatus::Approved => VisitOutcome::MeetsStandards,
        ListStatus::Suspended | ListStatus::Removed => VisitOutcome::DoesNotMeet,
        _ => VisitOutcome::ActionsRequired,
    };
    for standard in Standard::ALL {
        let result = match outcome {
            VisitOutcome::MeetsStandards => StandardResult::Met,
            _ => r.pick(&[StandardResult::Met, StandardResult::PartlyMet, StandardResult::NotMet]).clone(),
        };
        qa.standards.insert(standard.key().to_string(), result);
    }
    qa.last_visit = Some(p.last_visit);
    qa.visit_outcome = Some(outcome);
    qa.next_visit_due = Some(p.next_visit);
    qa
}

fn safeguarding(r: &mut Rng, p: &Plan) -> Safeguarding {
    let t = today();
    let checks = p.last_visit.add_days(-r.range(0, 30));
    let enhanced_dbs_all_staff = Some(r.chance(97));
    let single_central_record = Some(r.chance(96));
    let dsl_training = Some(t.add_days(-r.range(30, 700)));
    let child_protection_policy_reviewed = Some(t.add_days(-r.range(30, 400)));
    Safeguarding {
        enhanced_dbs_all_staff,
        single_central_record,
        written_confirmation_of_checks: Some(checks),
        named_dsl: Some(true),
        dsl_training,
        child_protection_policy_reviewed,
        session_attendance_reporting: Some(r.chance(92)),
        public_liability_expires: Some(p.insurance),
        employers_liability_expires: Some(p.insurance),
    }
}

fn offer(r: &mut Rng, p: &Plan) -> Offer {
    let accepts_ehcp = r.chance(75) || p.needs.contains(&Need::SendEhcp);
    let accepts_looked_after = r.chance(90);
    let max_weeks = *r.pick(&[6, 8, 12, 12, 24, 26, 39, 52]);
    let group = if p.delivery == Delivery::Home { 1 + r.below(2) } else { 4 + r.below(9) };
    let referral_routes = r.subset_n(ReferralRoute::ALL, 1, 3);
    let dual_registration = p.tiers.contains(&2) || r.chance(30);
    let reintegration_plan = r.chance(80);
    let mut curriculum = vec!["english".to_string(), "maths".to_string()];
    curriculum.extend(r.subset_n(&CURRICULUM[2..], 1, 4).into_iter().map(String::from));
    let qualifications = r.subset_n(QUALIFICATIONS, 1, 4).into_iter().map(String::from).collect();
    let ks_ages = (ages(&p.key_stages[0]).0, ages(&p.key_stages[p.key_stages.len() - 1]).1);
    Offer {
        tiers: p.tiers.clone(),
        key_stages: p.key_stages.clone(),
        age_min: Some(ks_ages.0),
        age_max: Some(ks_ages.1),
        needs: p.needs.clone(),
        accepts_ehcp: Some(accepts_ehcp),
        accepts_looked_after: Some(accepts_looked_after),
        accepts_permanently_excluded: Some(p.pex),
        day6_start: Some(p.day6),
        pattern: Some(p.pattern.clone()),
        hours_per_week: Some(HoursRange { min: Some(p.hours.0), max: Some(p.hours.1) }),
        max_weeks: Some(max_weeks),
        delivery: Some(p.delivery.clone()),
        group_size_max: Some(group as u32),
        referral_routes,
        dual_registration: Some(dual_registration),
        reintegration_plan: Some(reintegration_plan),
        curriculum,
        qualifications,
    }
}

fn costs(r: &mut Rng, p: &Plan) -> Vec<Cost> {
    let options: Vec<(CostOptionKind, f64)> = if p.non_school {
        let option = r.weighted(&[(CostOptionKind::PerSession, 50), (CostOptionKind::PerDay, 40), (CostOptionKind::PerWeek, 10)]);
        vec![(option, 30.0 + r.below(150) as f64)]
    } else if r.chance(40) {
        let per_day = 90.0 + r.below(160) as f64;
        vec![(CostOptionKind::PerDay, per_day), (CostOptionKind::PerPlacePerYear, 9_000.0 + r.below(40) as f64 * 1_000.0)]
    } else {
        vec![(CostOptionKind::PerPlacePerYear, 9_000.0 + r.below(40) as f64 * 1_000.0)]
    };
    let descriptions = [
        "Includes lunch and all materials.",
        "Staff ratio 1:3; lunch not included.",
        "Charged per pupil; discounts for block bookings.",
        "Funded places are allocated through the AP panel.",
        "Includes a weekly progress report to the referring school.",
    ];
    options
        .into_iter()
        .map(|(option, amount)| Cost {
            option,
            amount,
            currency: "GBP".into(),
            valid_from: Some(ymd(2026, 9, 1)),
            valid_to: Some(ymd(2027, 8, 31)),
            includes_transport: r.chance(30),
            description: r.pick(&descriptions).to_string(),
        })
        .collect()
}

/// One or two sites; cross-border providers keep to their own authority.
fn locations(r: &mut Rng, p: &Plan, postcodes: &PostcodeTable) -> Vec<Location> {
    let n_sites = if p.home.la == "888" && r.chance(22) { 2 } else { 1 };
    (0..n_sites)
        .map(|s| {
            let d = if s == 0 || r.chance(50) {
                p.home
            } else {
                let lcc: Vec<&District> = DISTRICTS.iter().filter(|d| d.la == "888").collect();
                lcc[r.below(lcc.len())]
            };
            let site_town = if s == 0 { p.town } else { *r.pick(d.towns) };
            let postcode = postcodes.sample(r, d.code).to_string();
            let street = format!("{} {}", 1 + r.below(120), r.pick(STREETS));
            let accessibility = r.subset_n(ACCESS, 0, 4).into_iter().map(String::from).collect();
            let days: Vec<&str> = if p.pattern == Pattern::FullTime { DAYS.to_vec() } else { r.subset_n(DAYS, 2, 3) };
            let (opens, closes) = *r.pick(&[("09:00", "15:00"), ("08:45", "14:45"), ("09:30", "14:30"), ("10:00", "15:00")]);
            Location {
                id: (if s == 0 { "main" } else { "second" }).into(),
                name: format!("{} site", if s == 0 { "Main" } else { site_town }),
                address: vec![street, site_town.into()],
                postcode,
                district: None,
                lat: None,
                lon: None,
                mask_exact_address: p.masked,
                accessibility,
                schedule: vec![Schedule { days: days.into_iter().map(String::from).collect(), opens: opens.into(), closes: closes.into() }],
            }
        })
        .collect()
}

fn child_voice(r: &mut Rng) -> ChildVoice {
    if !r.chance(75) {
        return ChildVoice { feedback_collected: false, last_collected: None, summary: "Not yet collected.".into() };
    }
    let last_collected = today().add_days(-r.range(10, 400));
    let summary = r.pick(&[
        "Pupils value small groups and a named key worker.",
        "Young people say staff listen and want more practical sessions.",
        "Pupils like the calm setting; some want more time outdoors.",
        "Families value regular updates; pupils asked for more sport.",
    ]);
    ChildVoice { feedback_collected: true, last_collected: Some(last_collected), summary: summary.to_string() }
}

/// The `[internal]` notes under the keys `apdir::disclosure::INTERNAL_KEYS` documents.
fn internal_notes(r: &mut Rng) -> Option<toml::Table> {
    if !r.chance(80) {
        return None;
    }
    let lead_officer = r.pick(OFFICERS).to_string();
    let contract_value = r.below(400) as f64 * 2_500.0;
    let contract_ends = today().add_days(r.range(30, 900));
    let qa_notes = r.pick(&[
        "No concerns at last visit.",
        "Chase updated vacancy return before the next panel.",
        "Check attendance reporting is session by session.",
        "Condition on curriculum planning still open.",
        "Good reintegration outcomes last year.",
    ]);
    let mut notes = toml::Table::new();
    notes.insert("lead_officer".into(), lead_officer.into());
    notes.insert("contract_value".into(), contract_value.into());
    // A TOML date, as a person would write it (`Date` serialises as a string).
    notes.insert("contract_ends".into(), toml::Value::Datetime(contract_ends.iso().parse().expect("an ISO date is a TOML date")));
    notes.insert("qa_notes".into(), qa_notes.to_string().into());
    Some(notes)
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

fn description(r: &mut Rng, p: &Plan) -> String {
    let mut s = String::new();
    let opener = r.pick(&[
        "works with pupils who have found mainstream school hard",
        "offers a fresh start for pupils who need a different setting",
        "supports pupils to re-engage with learning",
        "gives pupils a calm, structured place to learn",
    ]);
    let _ = writeln!(s, "{} {opener}, from a base in {} ({}).", p.name, p.town, p.home.name);
    let ks: Vec<&str> = p.key_stages.iter().map(|k| k.key()).collect();
    let needs: Vec<&str> = p.needs.iter().take(3).map(need_phrase).collect();
    let _ = writeln!(s, "It takes pupils in {}, most often those with {}.", join_words(&ks, "and"), join_words(&needs, "or"));
    let _ = writeln!(s);
    let tier_txt: Vec<&str> = p
        .tiers
        .iter()
        .map(|t| match t {
            1 => "**tier 1** outreach in the pupil's own school",
            2 => "**tier 2** time-limited placements with a planned return",
            _ => "**tier 3** transitional placements",
        })
        .collect();
    let _ = writeln!(
        s,
        "The offer covers {}. Attendance is {} and reviewed with the referring school every six weeks.",
        join_words(&tier_txt, "and"),
        pattern_phrase(&p.pattern)
    );
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

fn updated(r: &mut Rng) -> Date {
    let m = 1 + r.below(TODAY.1 as usize) as u32;
    let max_day = if m == TODAY.1 { TODAY.2 } else { 28 };
    ymd(TODAY.0, m, 1 + r.below(max_day as usize) as u32)
}

fn front(title: String, summary: String, weight: Option<usize>, updated: Option<Date>, audience: Vec<Audience>, tags: Vec<&str>) -> FrontMatter {
    let tags = tags.into_iter().map(String::from).collect();
    FrontMatter {
        title,
        summary,
        weight: weight.map(|w| w as i64),
        updated,
        reviewed: updated,
        audience,
        tags,
        draft: false,
        template: None,
        event: None,
    }
}

/// A page file: the front matter written by the `toml` crate between `+++` lines, then the body.
fn page_text(front: &FrontMatter, body: &str) -> Result<String, String> {
    let toml = toml::to_string(front).map_err(|e| format!("{}: {e}", front.title))?;
    // `draft = false` is the default, and people leave it out.
    let toml = if front.draft { toml } else { toml.replace("\ndraft = false\n", "\n") };
    Ok(format!("+++\n{toml}+++\n\n{body}"))
}

fn guides(out: &Path, m: usize) -> Result<usize, String> {
    let content = out.join("content");
    let guide = content.join("guide");
    fs::create_dir_all(&guide).map_err(|e| format!("{}: {e}", guide.display()))?;
    let home = page_text(
        &front("Synthetic AP directory".into(), "A generated site for benchmarking the directory and guide.".into(), None, None, vec![], vec![]),
        "This site is generated for benchmarks. Read the [guide](@/guide/_index.md).\n",
    )?;
    write(&content.join("_index.md"), &home)?;
    let gi = page_text(
        &front("Good-practice guide".into(), "Generated guidance pages, grouped in sections of fifty.".into(), Some(1), None, vec![], vec![]),
        "The guide is split into numbered sections. Each page covers one part of arranging alternative provision.\n",
    )?;
    write(&guide.join("_index.md"), &gi)?;
    let mut bytes = home.len() + gi.len();

    let sections = m.div_ceil(PAGES_PER_SECTION);
    let (sw, pw) = (digits(sections).max(2), digits(m).max(4));
    for s in 1..=sections {
        let dir = guide.join(section_dir(s, sw));
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let idx = section_index(s, m)?;
        bytes += idx.len();
        write(&dir.join("_index.md"), &idx)?;
    }
    for p in 1..=m {
        let text = guide_page(p, m, sw, pw)?;
        bytes += text.len();
        write(&content.join(page_path(p, sw, pw)), &text)?;
    }
    Ok(bytes)
}

fn section_index(s: usize, m: usize) -> Result<String, String> {
    let mut r = Rng::stream(2, s);
    let title = format!("Section {s}: {} {}", r.pick(TOPICS), r.pick(OBJECTS));
    let updated = updated(&mut r);
    let tag = *r.pick(TAGS);
    let front = front(title, format!("Generated section {s} of the guide."), Some(s), Some(updated), vec![Audience::Schools], vec![tag]);
    let body =
        format!("This section holds pages {} to {} of the generated guide.\n", (s - 1) * PAGES_PER_SECTION + 1, (s * PAGES_PER_SECTION).min(m));
    page_text(&front, &body)
}

fn guide_page(p: usize, m: usize, sw: usize, pw: usize) -> Result<String, String> {
    let mut r = Rng::stream(3, p);
    let topic = r.pick(TOPICS);
    let object = r.pick(OBJECTS);
    let title = format!("{topic} {object} ({p})");
    let mut tags = r.subset_n(TAGS, 1, 3);
    tags.dedup();
    let mut audience = r.subset_n(Audience::ALL, 1, 2);
    if !audience.contains(&Audience::Schools) && r.chance(60) {
        audience.insert(0, Audience::Schools);
    }
    let summary = format!("How to approach {object} well: roles, records and the questions to ask.");
    let front = front(title, summary, Some((p - 1) % PAGES_PER_SECTION + 1), Some(updated(&mut r)), audience, tags);
    page_text(&front, &guide_body(&mut r, p, m, object, (sw, pw)))
}

/// About 400 words in three sections, with a list, a link to another page and some figures.
fn guide_body(r: &mut Rng, p: usize, m: usize, object: &str, (sw, pw): (usize, usize)) -> String {
    let mut o = String::with_capacity(3_000);
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
    para(r, &mut o, 3, &mut words);

    let heads = r.subset(HEADINGS, 3);
    // First section: text and a list.
    let _ = writeln!(o, "## {}\n", heads[0]);
    para(r, &mut o, 3, &mut words);
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
    para(r, &mut o, 3, &mut words);
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
        para(r, &mut o, 2, &mut words);
    }
    o
}
