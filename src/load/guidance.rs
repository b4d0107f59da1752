//! Loads `content/**/*.md`: front matter, Markdown rendered to safe HTML, headings and links.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::markdown;
use crate::model::guide::{FrontMatter, GuidePage};

fn known_fields(path: &[Seg]) -> Option<&'static [&'static str]> {
    match path {
        [] => Some(fields_of::<FrontMatter>()),
        [Seg::Key(k)] if k == "event" => Some(fields_of::<crate::model::event::EventInfo>()),
        _ => None,
    }
}

/// Files below `content/` that are not Markdown (images, PDFs): copied to the same path.
#[derive(Clone, Debug)]
pub struct ContentAsset {
    pub source: PathBuf,
    pub rel_path: String,
}

pub fn load(root: &Path, dir: &Path) -> (Vec<GuidePage>, Vec<ContentAsset>, Vec<Diagnostic>) {
    let (md, assets, mut diagnostics) = list(root, dir);
    let (pages, mut found) = crate::load::read_all(root, &md, |path, file, diags| parse_page(dir, path, file, diags));
    diagnostics.append(&mut found);
    (pages, assets, diagnostics)
}

/// The Markdown pages below `dir` (sorted by path) and the other files beside them.
pub fn list(root: &Path, dir: &Path) -> (Vec<PathBuf>, Vec<ContentAsset>, Vec<Diagnostic>) {
    let mut md = Vec::new();
    let mut assets = Vec::new();
    let mut diagnostics = Vec::new();
    let (files, walk_diagnostics) = crate::load::input_files(root, dir);
    diagnostics.extend(walk_diagnostics);
    for path in files {
        let rel = display_path(dir, &path);
        if path.extension().is_some_and(|x| x == "md") {
            md.push(path);
        } else {
            assets.push(ContentAsset { source: path, rel_path: rel });
        }
    }
    md.sort();
    (md, assets, diagnostics)
}

/// Reads one Markdown page (front matter and body).
pub fn load_page(root: &Path, dir: &Path, path: &Path) -> (Option<GuidePage>, Vec<Diagnostic>) {
    crate::load::read_one(root, path, |path, file, diags| parse_page(dir, path, file, diags))
}

/// Parses one guide page already read into `file` (`path` is its path, below `dir`, the
/// content folder): front matter, then the Markdown body.
pub fn parse_page(dir: &Path, path: &Path, file: &Arc<SourceFile>, diags: &mut Vec<Diagnostic>) -> Option<GuidePage> {
    let Some((fm_start, fm_end, body_start)) = split_front_matter(&file.text) else {
        if file.text.lines().next().is_some_and(|l| l.trim_end() == "+++") {
            diags.push(
                Diagnostic::error("unclosed-front-matter", "the front matter is never closed")
                    .in_file(file, Some(0..3))
                    .label("opened here, but no later line is `+++`")
                    .help("end the front matter with a line holding only `+++`, then the page's Markdown"),
            );
            return None;
        }
        diags.push(
            Diagnostic::error("no-front-matter", "this page has no front matter")
                .in_file(file, Some(0..0))
                .label("expected `+++` on the first line")
                .help("start the file with:\n+++\ntitle = \"Page title\"\nsummary = \"One sentence about the page.\"\n+++"),
        );
        return None;
    };
    let fm_text = &file.text[fm_start..fm_end];
    let front = match TomlDoc::load::<FrontMatter>(file, fm_text, fm_start, &known_fields, diags) {
        Ok((doc, Some(front))) => {
            if front.title.trim().is_empty() {
                diags.push(
                    Diagnostic::error("empty-title", "the page title is empty")
                        .in_file(file, doc.span(&crate::path!["title"]))
                        .label("empty")
                        .help("give the page a title: it is the page's heading and its name in search results"),
                );
            }
            front
        }
        // The front matter has errors (reported): the page is kept as a draft under its file
        // name, so its body's links are checked in the same run and links to it are not
        // reported as broken. A build with errors publishes nothing anyway.
        Ok((_, None)) => stand_in_front_matter(path),
        Err(d) => {
            diags.push(d);
            stand_in_front_matter(path)
        }
    };
    let rel_path = display_path(dir, path);
    let body = &file.text[body_start..];
    // The HTML is made when the page is rendered, from the source kept until then: made here,
    // it was held beside the source through the load's peak (docs/benchmarks.md).
    let rendered = markdown::render_text(body, 0);
    if let Some(at) = rendered.too_deep_at {
        diags.push(too_deep(file, body_start + at));
    }
    let word_count = rendered.text.split_whitespace().count();
    let is_section = path.file_name().is_some_and(|n| n == "_index.md");
    Some(GuidePage {
        url: markdown::url_for_content_path(&rel_path),
        rel_path,
        is_section,
        front,
        headings: rendered.headings,
        links: rendered.links,
        body_offset: body_start,
        text: rendered.text,
        word_count,
        readability: crate::model::readability::of_markdown(body),
        file: Arc::clone(file),
    })
}

/// The error for Markdown that nests deeper than [`markdown::MAX_NESTING`] at byte `at`.
pub fn too_deep(file: &Arc<SourceFile>, at: usize) -> Diagnostic {
    Diagnostic::error("nesting-too-deep", format!("the text nests more than {} levels deep here", markdown::MAX_NESTING))
        .in_file(file, Some(at..(at + 1).min(file.text.len())))
        .label("too deep")
        .help("flatten the quotes, lists or HTML elements here: pages and descriptions may nest at most 64 levels")
}

/// The front matter of a page whose own could not be read: its file name as the title, and a
/// draft, so it is never published.
fn stand_in_front_matter(path: &Path) -> FrontMatter {
    FrontMatter {
        title: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        summary: String::new(),
        weight: None,
        updated: None,
        reviewed: None,
        event: None,
        audience: Vec::new(),
        tags: Vec::new(),
        draft: true,
        template: None,
    }
}

/// Finds `+++\n…\n+++\n`: returns (front matter start, end, body start).
fn split_front_matter(text: &str) -> Option<(usize, usize, usize)> {
    let first_line_end = text.find('\n')?;
    if text[..first_line_end].trim_end() != "+++" {
        return None;
    }
    let start = first_line_end + 1;
    let mut pos = start;
    for line in text[start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((start, pos, pos + line.len()));
        }
        pos += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::split_front_matter;
    #[test]
    fn front_matter() {
        let t = "+++\ntitle = \"x\"\n+++\nbody";
        let (a, b, c) = split_front_matter(t).unwrap();
        assert_eq!(&t[a..b], "title = \"x\"\n");
        assert_eq!(&t[c..], "body");
        assert!(split_front_matter("title\n").is_none());
        assert!(split_front_matter("+++\ntitle = 1\n").is_none());
    }
}
