//! One entry point per parser of outside input, shared by the cargo-fuzz targets in `fuzz/`
//! and by `tests/suite/fuzz_regressions.rs`, which replays the whole corpus (and every input that
//! ever crashed) through the same functions in `cargo test`.
//!
//! Each entry point takes raw bytes, as a contributor's file would arrive, and panics only when
//! apdir breaks one of its promises: a parser panicking, sanitised HTML that could run script,
//! a normalised postcode that is not in normal form.

use std::path::Path;
use std::sync::LazyLock;

use crate::diagnostics::SourceFile;
use crate::geo::{self, Area, Postcodes};
use crate::model::date::Date;

/// Stops the fuzzer from wasting time on inputs larger than any real record.
const MAX_INPUT: usize = 256 * 1024;

struct Context {
    config: crate::config::Config,
    postcodes: Postcodes,
    areas: Vec<Area>,
    today: Date,
}

static CONTEXT: LazyLock<Context> = LazyLock::new(|| {
    let config = toml::from_str("title = \"Fuzz\"\nbase_url = \"https://fuzz.example\"\nauthority = \"Fuzz Council\"\n")
        .expect("the fuzzing configuration parses");
    let postcodes = Postcodes::parse(
        "postcode,lat,lon,district_code,ward_code\nPR1 2HE,53.759,-2.703,E07000123,E05012345\nBB7 2AA,53.871,-2.393,E07000124,E05012346\nFY8 1AA,53.750,-3.030,E07000119,E05012347\nPR7 1AA,53.650,-2.630,E07000999,E05012348\n",
    )
    .expect("the fuzzing postcode table parses");
    let square = |code: &str, name: &str, x: f64, y: f64| {
        format!(
            "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{code}\",\"name\":\"{name}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}",
            x1 = x + 0.2,
            y1 = y + 0.2
        )
    };
    let areas = geo::parse_areas(
        &format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{},{},{}]}}",
            square("E07000123", "Preston", -2.8, 53.7),
            square("E07000124", "Ribble Valley", -2.5, 53.8),
            square("E07000119", "Fylde", -3.1, 53.7)
        ),
        &[],
    )
    .expect("the fuzzing areas parse");
    Context { config, postcodes, areas, today: Date::parse("2026-11-25").expect("a date") }
});

fn decode(data: &[u8], name: &str) -> Option<String> {
    if data.len() > MAX_INPUT {
        return None;
    }
    crate::load::decode_text(data.to_vec(), name).ok()
}

/// A provider record: decode, parse the TOML with spans, deserialise, validate against a small
/// postcode table and three areas, then render every diagnostic (spans must be in the text).
pub fn provider_record(data: &[u8]) {
    let Some(text) = decode(data, "providers/fuzz.toml") else { return };
    let file = SourceFile::new("providers/fuzz.toml", "providers/fuzz.toml", text);
    let mut diags = Vec::new();
    let loaded = crate::load::providers::parse_record(Path::new("providers/fuzz.toml"), &file, &mut diags);
    let c = &*CONTEXT;
    if let Some(p) = loaded {
        let (valid, more) = crate::validate::providers(vec![p], &c.postcodes, &c.areas, &c.config, c.today);
        diags.extend(more);
        for v in &valid {
            let html = crate::markdown::render(&v.provider.description, 2).html;
            assert_sanitised(&html);
        }
    }
    let mut all = crate::diagnostics::Diagnostics { items: diags };
    all.sort();
    let _ = all.render(false);
}

/// A guide page: decode, split the front matter, parse it, render and sanitise the Markdown,
/// check the page's links, then render every diagnostic.
pub fn guide_page(data: &[u8]) {
    let Some(text) = decode(data, "content/guide/fuzz.md") else { return };
    let file = SourceFile::new("content/guide/fuzz.md", "content/guide/fuzz.md", text);
    let mut diags = Vec::new();
    let page = crate::load::guidance::parse_page(Path::new("content"), Path::new("content/guide/fuzz.md"), &file, &mut diags);
    if let Some(page) = page {
        assert_sanitised(&crate::guide_checks::page_html(&page, &Default::default()));
        let ids = std::collections::HashSet::from(["fuzz"]);
        diags.extend(crate::validate::guide(std::slice::from_ref(&page), &ids));
    }
    let mut all = crate::diagnostics::Diagnostics { items: diags };
    all.sort();
    let _ = all.render(false);
}

/// Markdown (with raw HTML) rendered and sanitised: the result never breaks a security rule.
pub fn markdown(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let offset = data.first().map_or(0, |b| b % 4);
    let r = crate::markdown::render(&text, offset);
    assert_sanitised(&r.html);
    for h in &r.headings {
        assert!(
            crate::model::slug::is_slug(&h.id)
                || h.id.rsplit_once('-').is_some_and(|(s, n)| crate::model::slug::is_slug(s) && n.parse::<u32>().is_ok()),
            "heading id {:?}",
            h.id
        );
    }
    // Sanitising is idempotent: cleaning clean HTML changes nothing a browser would run.
    assert_sanitised(&crate::markdown::sanitise(&r.html));
}

fn assert_sanitised(html: &str) {
    let problems = crate::audit::security_problems(html, false);
    assert!(problems.is_empty(), "sanitised HTML breaks the security rules: {problems:?}\n{html}");
}

/// Postcode and outward-code normalisation: the result is in normal form and normalising it
/// again changes nothing.
pub fn postcode(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(p) = geo::normalise_postcode(&text) {
        assert!((6..=8).contains(&p.len()), "{p:?}");
        assert_eq!(p.matches(' ').count(), 1, "{p:?}");
        assert!(p.bytes().all(|b| b == b' ' || b.is_ascii_uppercase() || b.is_ascii_digit()), "{p:?}");
        assert_eq!(geo::normalise_postcode(&p).as_deref(), Some(p.as_str()));
        let outward = p.split(' ').next().unwrap_or("");
        assert_eq!(geo::normalise_outcode(outward).as_deref(), Some(outward));
    }
    if let Some(o) = geo::normalise_outcode(&text) {
        assert!((2..=4).contains(&o.len()), "{o:?}");
        assert!(o.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{o:?}");
        assert_eq!(geo::normalise_outcode(&o).as_deref(), Some(o.as_str()));
    }
    let _ = CONTEXT.postcodes.get(&text);
}

/// The postcode table CSV.
pub fn postcode_table(data: &[u8]) {
    let Some(text) = decode(data, "data/postcodes.csv") else { return };
    if let Ok(table) = Postcodes::parse(&text) {
        for (pc, _) in table.iter() {
            assert_eq!(geo::normalise_postcode(pc).as_deref(), Some(pc.as_str()));
        }
    }
}

/// Area boundaries (GeoJSON): parse, then every area has a safe slug.
pub fn areas(data: &[u8]) {
    let Some(text) = decode(data, "areas/districts.geojson") else { return };
    if let Ok(areas) = geo::parse_areas(&text, &["E06000008".to_string()]) {
        for a in &areas {
            assert!(crate::model::slug::is_slug(&a.slug), "{:?}", a.slug);
        }
    }
}

/// A spreadsheet for `apdir import`: decode (BOM, CRLF, UTF-8), read the CSV and gather rows
/// into records (`import::read_sheet`), turn each into a provider as the import does
/// (`import::convert_record`), validate, render the record text and every diagnostic. Writes
/// nothing. Checks: every problem names a row within the sheet, every gathered record is TOML
/// with the id it was filed under and a safe file name, and the written text of a valid record
/// reads back as a provider.
pub fn import_csv(data: &[u8]) {
    let Some(text) = decode(data, "sheet.csv") else { return };
    let (records, problems) = crate::import::read_sheet(&text, &std::collections::HashMap::new());
    let lines = text.matches('\n').count() + 1;
    for p in &problems {
        assert!(p.row >= 1 && p.row <= lines, "problem row {} outside a sheet of {lines} lines: {p}", p.row);
        let _ = p.to_string();
    }
    let c = &*CONTEXT;
    let mut loaded = Vec::new();
    let mut diags = Vec::new();
    for (id, row, toml_text) in records {
        assert!(row >= 1 && row <= lines, "record row {row} outside a sheet of {lines} lines");
        let table: toml::Table = toml::from_str(&toml_text).unwrap_or_else(|e| panic!("gathered record is not TOML: {e}\n{toml_text}"));
        assert_eq!(table.get("id").and_then(|v| v.as_str()), Some(id.as_str()));
        let path = Path::new("providers").join(format!("{id}.toml"));
        let (p, found) = crate::import::convert_record("sheet.csv", &path, &id, row, toml_text);
        loaded.extend(p);
        diags.extend(found);
    }
    let (valid, more) = crate::validate::providers(loaded, &c.postcodes, &c.areas, &c.config, c.today);
    diags.extend(more);
    for v in &valid {
        // A record that is written has a file name that stays inside providers/.
        assert!(crate::model::slug::is_slug(&v.provider.id), "imported id {:?} is not a safe file name", v.provider.id);
        let written = crate::import::record_text(&v.provider, "sheet.csv");
        assert!(toml::from_str::<toml::Table>(&written).is_ok(), "written record does not read back:\n{written}");
    }
    let mut all = crate::diagnostics::Diagnostics { items: diags };
    all.sort();
    let _ = all.render(false);
}

/// A fuzz target: raw bytes in, a panic only when a promise is broken.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression test and the fuzz script.
pub const TARGETS: &[(&str, Target)] = &[
    ("provider_record", provider_record),
    ("guide_page", guide_page),
    ("markdown", markdown),
    ("postcode", postcode),
    ("postcode_table", postcode_table),
    ("areas", areas),
    ("import_csv", import_csv),
];
