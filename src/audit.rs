//! Audits of published HTML: the security rules every page keeps (Content-Security-Policy, no
//! inline script or style, no event handlers, `rel="noopener"` on links to other sites, no
//! request to another host) and the internal link check (every `href`/`src` inside the site
//! resolves to a file, every `#anchor` exists).
//!
//! The scanner is deliberately small: it reads the tags and attributes apdir's own templates
//! and the Markdown sanitiser produce. It is used by the tests over the whole sample site and
//! by the Markdown fuzz target (sanitised output must never break a rule).

use std::collections::{BTreeMap, HashMap, HashSet};

/// The site's Content-Security-Policy as a literal, so the preview's can be built from it.
macro_rules! site_policy {
    () => {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'"
    };
}

/// The policy every page declares in `<meta http-equiv="Content-Security-Policy">` (the
/// templates read it as `site.content_security_policy`). The one place it is written.
pub const CONTENT_SECURITY_POLICY: &str = site_policy!();

/// The policy the preview (`apdir serve`) sends as a header: the site's, so an inline script
/// or style shows up as a console error while editing, plus `frame-ancestors`, which only
/// works in a header.
pub const PREVIEW_CONTENT_SECURITY_POLICY: &str = concat!(site_policy!(), "; frame-ancestors 'none'");

/// One start tag: its lower-case name, its attributes (names lower-case, values with the
/// common character references decoded) and, for `<script>` and `<style>`, the raw text inside.
#[derive(Debug, Clone, Default)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub inner: Option<String>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads every start tag of an HTML document or fragment.
pub fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("</") || rest.starts_with("<?") {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        if !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        // Tag name.
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let mut tag = Tag { name: html[i + 1..j].to_ascii_lowercase(), ..Default::default() };
        // Attributes.
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j = (j + 1).min(b.len());
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'=' && b[j] != b'>' && b[j] != b'/' {
                j += 1;
            }
            let name = html[start..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    j = vs;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                    value = decode_entities(&html[vs..j]);
                    j = (j + 1).min(b.len());
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = decode_entities(&html[vs..j]);
                }
            }
            if name.is_empty() {
                j += 1;
                continue;
            }
            tag.attrs.push((name, value));
        }
        i = j;
        if tag.name == "script" || tag.name == "style" {
            let close = format!("</{}", tag.name);
            let lower = html[i..].to_ascii_lowercase();
            let end = lower.find(&close).unwrap_or(lower.len());
            tag.inner = Some(html[i..i + end].to_string());
            i += end;
        }
        out.push(tag);
    }
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// True for a URL that leaves the site (`https://…`, `//host/…`, `mailto:` is not a request).
pub fn is_external(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("//") || u.starts_with("http://") || u.starts_with("https://")
}

fn is_dangerous_scheme(url: &str) -> bool {
    let u: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
    u.starts_with("javascript:") || u.starts_with("vbscript:") || u.starts_with("data:text/html")
}

/// Breaks of the security rules in a page or fragment. `whole_page` also requires the
/// Content-Security-Policy meta tag.
pub fn security_problems(html: &str, whole_page: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut has_csp = false;
    for t in tags(html) {
        for (name, value) in &t.attrs {
            if name.starts_with("on") {
                problems.push(format!("<{}> has an inline event handler `{name}`", t.name));
            }
            if name == "style" {
                problems.push(format!("<{}> has an inline `style` attribute", t.name));
            }
            if matches!(name.as_str(), "href" | "src" | "action" | "formaction" | "xlink:href" | "srcset" | "data" | "poster")
                && is_dangerous_scheme(value)
            {
                problems.push(format!("<{}> {name}=\"{value}\" uses a script URL", t.name));
            }
        }
        match t.name.as_str() {
            "script" => {
                let data_block = t.attr("type").is_some_and(|ty| ty.eq_ignore_ascii_case("application/ld+json"));
                match t.attr("src") {
                    Some(src) if is_external(src) => problems.push(format!("<script src=\"{src}\"> loads a script from another host")),
                    Some(_) => {}
                    None if data_block => {}
                    None => problems.push("an inline <script> (scripts must be files: <script src=\"/js/x.js\" defer>)".into()),
                }
            }
            "style" => problems.push("an inline <style> element (styles must be files under /css/)".into()),
            "iframe" | "object" | "embed" | "frame" | "base" => problems.push(format!("a <{}> element", t.name)),
            "img" | "audio" | "video" | "source" | "track" | "input" => {
                if let Some(src) = t.attr("src").filter(|s| is_external(s)) {
                    problems.push(format!("<{} src=\"{src}\"> makes a request to another host", t.name));
                }
            }
            "link" => {
                let rel = t.attr("rel").unwrap_or("").to_ascii_lowercase();
                let loads =
                    rel.split_whitespace().any(|r| matches!(r, "stylesheet" | "icon" | "preload" | "modulepreload" | "prefetch" | "manifest"));
                if loads && let Some(href) = t.attr("href").filter(|h| is_external(h)) {
                    problems.push(format!("<link rel=\"{rel}\" href=\"{href}\"> makes a request to another host"));
                }
            }
            "a" | "area" => {
                if let Some(href) = t.attr("href").filter(|h| is_external(h)) {
                    let rel = t.attr("rel").unwrap_or("").to_ascii_lowercase();
                    if !rel.split_whitespace().any(|r| r == "noopener" || r == "noreferrer") {
                        problems.push(format!("<a href=\"{href}\"> to another site has no rel=\"noopener\""));
                    }
                }
            }
            "meta" if t.attr("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("content-security-policy")) => {
                if t.attr("content") == Some(CONTENT_SECURITY_POLICY) {
                    has_csp = true;
                } else {
                    problems.push(format!("the Content-Security-Policy is `{}`, not the site policy", t.attr("content").unwrap_or("")));
                }
            }
            _ => {}
        }
    }
    if whole_page && !has_csp {
        problems.push("no <meta http-equiv=\"Content-Security-Policy\"> in the page".into());
    }
    problems
}

/// A link or resource reference inside the site that does not resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenLink {
    /// The page holding the link (path below the site folder).
    pub page: String,
    pub url: String,
    pub reason: String,
}

/// Checks every internal `href` and `src` of every HTML file in `files` (path below the site
/// folder → bytes): the target file exists, and a `#fragment` names an element id on it.
pub fn broken_links(files: &BTreeMap<String, Vec<u8>>) -> Vec<BrokenLink> {
    let mut page_tags: HashMap<&str, Vec<Tag>> = HashMap::new();
    for (path, bytes) in files {
        if path.ends_with(".html") {
            page_tags.insert(path.as_str(), tags(&String::from_utf8_lossy(bytes)));
        }
    }
    let ids: HashMap<&str, HashSet<&str>> = page_tags
        .iter()
        .map(|(p, ts)| {
            let set = ts
                .iter()
                .flat_map(|t| t.attrs.iter().filter(|(n, _)| n == "id" || (n == "name" && t.name == "a")).map(|(_, v)| v.as_str()))
                .collect();
            (*p, set)
        })
        .collect();
    let mut broken = Vec::new();
    let mut pages: Vec<&&str> = page_tags.keys().collect();
    pages.sort();
    for page in pages {
        for t in &page_tags[*page] {
            for (name, url) in &t.attrs {
                let is_ref = match name.as_str() {
                    "href" => t.name != "link" || !t.attr("rel").is_some_and(|r| r.eq_ignore_ascii_case("canonical")),
                    "src" => true,
                    _ => false,
                };
                if !is_ref || url.is_empty() || is_external(url) || url.contains(':') && !url.starts_with('/') && !url.starts_with('#') {
                    continue; // other sites, mailto:, tel:
                }
                if let Some(reason) = resolve(page, url, files, &ids) {
                    broken.push(BrokenLink { page: page.to_string(), url: url.clone(), reason });
                }
            }
        }
    }
    broken
}

fn resolve(page: &str, url: &str, files: &BTreeMap<String, Vec<u8>>, ids: &HashMap<&str, HashSet<&str>>) -> Option<String> {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let path = rest.split('?').next().unwrap_or("");
    let target = if path.is_empty() {
        page.to_string()
    } else {
        let joined = if let Some(abs) = path.strip_prefix('/') {
            abs.to_string()
        } else {
            let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
            if dir.is_empty() { path.to_string() } else { format!("{dir}/{path}") }
        };
        let mut parts: Vec<&str> = Vec::new();
        for seg in joined.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Some("goes above the site folder".into());
                    }
                }
                s => parts.push(s),
            }
        }
        let mut p = parts.join("/");
        let decoded = percent_decode(&p);
        p = decoded;
        if path.ends_with('/') || p.is_empty() {
            if p.is_empty() { "index.html".to_string() } else { format!("{p}/index.html") }
        } else if files.contains_key(&p) {
            p
        } else if files.contains_key(&format!("{p}/index.html")) {
            format!("{p}/index.html")
        } else {
            return Some("no such file in the site".into());
        }
    };
    if !files.contains_key(&target) {
        return Some(format!("no such file in the site ({target})"));
    }
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        let f = percent_decode(f);
        if !ids.get(target.as_str()).is_some_and(|set| set.contains(f.as_str())) {
            return Some(format!("{target} has no element with id=\"{f}\""));
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_and_quoted_attributes() {
        let t = tags("<p>a < b</p><a href='/x?a=1&amp;b=2' title=\"x > y\" data-q=z>t</a><!-- <script> --><script src=/js/a.js defer></script>");
        let names: Vec<_> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["p", "a", "script"]);
        assert_eq!(t[1].attr("href"), Some("/x?a=1&b=2"));
        assert_eq!(t[1].attr("title"), Some("x > y"));
        assert_eq!(t[2].attr("defer"), Some(""));
    }

    #[test]
    fn every_rule_can_fail() {
        let bad = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<p style=\"color:red\">x</p>",
            "<style>p{}</style>",
            "<a href=\"https://example.org\">x</a>",
            "<a href=\" javascript:alert(1)\">x</a>",
            "<img src=\"https://cdn.example.org/x.png\" alt=\"\">",
            "<link rel=\"stylesheet\" href=\"https://cdn.example.org/x.css\">",
            "<iframe src=\"/x\"></iframe>",
        ];
        for html in bad {
            assert!(!security_problems(html, false).is_empty(), "{html} should break a rule");
        }
        assert!(security_problems("<p>x</p>", true).iter().any(|p| p.contains("Content-Security-Policy")));
        let good = format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\"><script type=\"application/ld+json\">{{}}</script><script src=\"/js/a.js\" defer></script><a href=\"https://example.org\" rel=\"noopener noreferrer\">x</a><a href=\"mailto:a@b.c\">m</a>"
        );
        assert_eq!(security_problems(&good, true), Vec::<String>::new());
    }

    #[test]
    fn finds_broken_links_and_anchors() {
        let mut files = BTreeMap::new();
        files.insert(
            "index.html".to_string(),
            b"<a href=\"/guide/\">g</a><a href=\"/guide/#day-6\">d</a><a href=\"#top\">t</a><p id=\"top\"></p>".to_vec(),
        );
        files.insert("guide/index.html".to_string(), b"<h2 id=\"day-6\">x</h2><a href=\"../missing/\">m</a><a href=\"/#nowhere\">n</a><img src=\"/img/a.png\" alt=\"\"><a href=\"/feed.xml\">f</a>".to_vec());
        files.insert("feed.xml".to_string(), b"<feed/>".to_vec());
        let broken = broken_links(&files);
        let urls: Vec<_> = broken.iter().map(|b| b.url.as_str()).collect();
        assert_eq!(urls, ["../missing/", "/#nowhere", "/img/a.png"], "{broken:?}");
    }
}
