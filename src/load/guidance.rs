//! Loads `content/**/*.md`: front matter, Markdown rendered to safe HTML, headings and links.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::markdown;
use crate::model::guide::{FrontMatter, GuidePage};

fn known_fields(path: &[Seg]) -> Option<&'static [&'static str]> {
    path.is_empty().then(fields_of::<FrontMatter>)
}

/// Files below `content/` that are not Markdown (images, PDFs): copied to the same path.
pub struct ContentAsset {
    pub source: PathBuf,
    pub rel_path: String,
}

pub fn load(root: &Path, dir: &Path) -> (Vec<GuidePage>, Vec<ContentAsset>, Vec<Diagnostic>) {
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
    let results: Vec<(Option<GuidePage>, Vec<Diagnostic>)> =
        md.par_iter().map(|path| load_page(root, dir, path)).collect();
    let mut pages = Vec::with_capacity(results.len());
    for (p, d) in results {
        pages.extend(p);
        diagnostics.extend(d);
    }
    (pages, assets, diagnostics)
}

fn load_page(root: &Path, dir: &Path, path: &Path) -> (Option<GuidePage>, Vec<Diagnostic>) {
    let name = display_path(root, path);
    let text = match crate::load::read_text(path, &name) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let file = SourceFile::new(name, path, text);
    let rel_path = display_path(dir, path);
    let is_section = path.file_name().is_some_and(|n| n == "_index.md");
    parse_page(file, rel_path, is_section)
}

/// Parses one guide page already read into `file`: front matter, then the Markdown body.
/// `rel_path` is the path below `content/`.
pub fn parse_page(file: Arc<SourceFile>, rel_path: String, is_section: bool) -> (Option<GuidePage>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some((fm_start, fm_end, body_start)) = split_front_matter(&file.text) else {
        diags.push(
            Diagnostic::error("no-front-matter", "this page has no front matter")
                .in_file(&file, Some(0..0))
                .label("expected `+++` on the first line")
                .help("start the file with:\n+++\ntitle = \"Page title\"\nsummary = \"One sentence about the page.\"\n+++"),
        );
        return (None, diags);
    };
    let fm_text = &file.text[fm_start..fm_end];
    let front = match TomlDoc::load::<FrontMatter>(&file, fm_text, fm_start, &known_fields, &mut diags) {
        Ok((doc, Some(front))) => {
            if front.title.trim().is_empty() {
                diags.push(
                    Diagnostic::error("empty-title", "the page title is empty")
                        .in_file(&file, doc.span(&crate::path!["title"]))
                        .label("empty")
                        .help("give the page a title: it is the page's heading and its name in search results"),
                );
            }
            front
        }
        Ok((_, None)) => return (None, diags),
        Err(d) => {
            diags.push(d);
            return (None, diags);
        }
    };
    let body = &file.text[body_start..];
    let rendered = markdown::render(body, 0);
    let word_count = rendered.text.split_whitespace().count();
    let page = GuidePage {
        url: markdown::url_for_content_path(&rel_path),
        rel_path,
        is_section,
        front,
        html: rendered.html,
        headings: rendered.headings,
        links: rendered.links,
        body_offset: body_start,
        text: rendered.text,
        word_count,
        file: Arc::clone(&file),
    };
    (Some(page), diags)
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
