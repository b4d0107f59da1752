//! Hostile text: script, event handlers and `javascript:` links typed into a record or a page
//! never reach the site as markup.

use crate::common;
use common::*;

const PAYLOADS: &[&str] =
    &["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>", "</script><script>alert(2)</script>"];

/// Every start tag in the output (`<name ...>`), lower-cased. Escaped text (`&lt;script&gt;`)
/// is text, not markup, so it is not a tag.
fn tags(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut out = Vec::new();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let end = rest.find('>').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// The attributes of a start tag, honouring quotes: (name, value).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_whitespace() || b[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_whitespace() && b[i] != '=' && b[i] != '/' {
            i += 1;
        }
        let name: String = b[start..i].iter().collect();
        let mut value = String::new();
        if i < b.len() && b[i] == '=' {
            i += 1;
            if i < b.len() && (b[i] == '"' || b[i] == '\'') {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    value.push(b[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < b.len() && !b[i].is_whitespace() {
                    value.push(b[i]);
                    i += 1;
                }
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        } else {
            i += 1;
        }
    }
    out
}

fn assert_clean(files: &std::collections::BTreeMap<String, Vec<u8>>) {
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        for tag in tags(&html) {
            let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if name == "script" {
                assert!(tag.contains("src=\"/") || tag.contains("application/ld+json"), "{path}: unexpected script element <{tag}>");
            }
            assert!(!["img", "svg", "iframe", "object", "embed"].contains(&name.as_str()) || !tag.contains("src=x"), "{path}: injected <{tag}>");
            for (attr, value) in attributes(&tag[name.len()..]) {
                assert!(!attr.starts_with("on"), "{path}: event handler in <{tag}>");
                assert!(!value.trim_start().starts_with("javascript:"), "{path}: javascript: URL in <{tag}>");
            }
        }
        // Script elements hold only their own content: no payload can close and reopen one.
        assert!(!html.to_lowercase().contains("</script><script>"), "{path} breaks out of a script element");
    }
}

#[test]
fn payloads_in_every_provider_text_field_are_escaped() {
    let site = TestSite::new();
    let p = PAYLOADS.join(" ");
    let text = VALID_PROVIDER
        .replace("name = \"Test Provider\"", &format!("name = {:?}", format!("Evil {p}")))
        .replace("summary = \"A provider for tests.\"", &format!("summary = {p:?}"))
        .replace("description = \"Some *Markdown*.\"", &format!("description = {:?}", format!("{p}\n\n[click](javascript:alert(1)) <a href=\"JAVASCRIPT:alert(1)\">x</a>")))
        .replace("address = [\"1 Test Street\", \"Preston\"]", &format!("address = [{p:?}]"))
        .replace("name = \"Main site\"", &format!("name = {p:?}"))
        .replace("[capacity]", &format!("[contact]\nrole = {p:?}\nemail = {p:?}\nphone = {p:?}\n\n[transport]\nnotes = {p:?}\n\n[child_voice]\nfeedback_collected = true\nsummary = {p:?}\n\n[capacity]"));
    site.provider("evil", &text);
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let files = read_tree(&site.output());
    let page = String::from_utf8(files["providers/evil/index.html"].clone()).unwrap();
    assert!(page.contains("&lt;script&gt;alert"), "the payload is shown as text");
    assert_clean(&files);
}

#[test]
fn payloads_in_guidance_markdown_are_sanitised() {
    let site = TestSite::new();
    site.write(
        "content/guide/evil.md",
        &format!(
            "+++\ntitle = {:?}\nsummary = {:?}\ntags = [{:?}]\n+++\n\n{}\n\n[click me](javascript:alert(1))\n\n<a href=\"jAvAsCrIpT:alert(1)\" onclick=\"x()\">y</a>\n\n<iframe src=\"https://evil.example\"></iframe>\n",
            PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS.join("\n\n")
        ),
    );
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let files = read_tree(&site.output());
    assert_clean(&files);
    let page = String::from_utf8(files["guide/evil/index.html"].clone()).unwrap();
    assert!(!page.contains("<iframe"), "embedded frames are removed");
    assert!(!page.to_lowercase().contains("onclick"));
}

/// Text that a spreadsheet would run as a formula, in the forms OWASP lists.
const FORMULAS: &[&str] = &["=HYPERLINK(\"https://evil.example\",\"Open\")", "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"];

/// Every cell of every CSV file under `files` that a spreadsheet would read as a formula, as
/// `path row column: text`. A number (a negative figure) is a number, not a formula.
fn formula_cells(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut found = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".csv")) {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        for (row, record) in reader.records().enumerate() {
            for (col, cell) in record.unwrap().iter().enumerate() {
                if apdir::model::spreadsheet::starts_like_formula(cell) && cell.parse::<f64>().is_err() {
                    found.push(format!("{path} row {} column {}: {cell}", row + 1, col + 1));
                }
            }
        }
    }
    found
}

#[test]
fn no_csv_apdir_writes_holds_a_cell_a_spreadsheet_would_run() {
    let site = TestSite::new();
    let text = VALID_PROVIDER
        .replace("name = \"Test Provider\"", &format!("name = {:?}", FORMULAS[0]))
        .replace("summary = \"A provider for tests.\"", &format!("summary = {:?}", FORMULAS[1]))
        .replace("address = [\"1 Test Street\", \"Preston\"]", &format!("address = [{:?}, {:?}]", FORMULAS[2], FORMULAS[3]))
        .replace("name = \"Main site\"", &format!("name = {:?}", FORMULAS[3]))
        .replace("[capacity]", &format!("[contact]\nrole = {:?}\nphone = \"+44 1772 000000\"\n\n[capacity]", FORMULAS[2]));
    site.provider("formulas", &text);
    for profile in [apdir::Profile::Public, apdir::Profile::Internal] {
        let out = site.root().join(format!("out-{profile:?}"));
        let mut options = site.options();
        options.output = Some(out.clone());
        options.load.profile = profile;
        apdir::build(&options).unwrap_or_else(|e| panic!("{}", render_err(&e)));
        let files = read_tree(&out);
        assert!(files.keys().any(|p| p.ends_with(".csv")), "the {profile:?} build writes CSV downloads");
        let csv = String::from_utf8_lossy(&files["data/providers.csv"]).into_owned();
        assert!(csv.contains("'=HYPERLINK("), "the name is kept, as text: {csv}");
        assert!(csv.contains("'+44 1772 000000"), "a telephone number starting with + is text too");
        assert_eq!(formula_cells(&files), Vec::<String>::new(), "{profile:?} build");
    }
}
