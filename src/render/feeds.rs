//! The sitemap, robots.txt and the Atom feed of guidance updates.

use super::{Body, OutputFile};
use crate::site::Site;

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn sitemap(site: &Site, urls: &[String]) -> OutputFile {
    let base = site.config.base();
    let mut urls = urls.to_vec();
    urls.sort();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls {
        s.push_str(&format!("  <url><loc>{}</loc></url>\n", xml_escape(&format!("{base}{u}"))));
    }
    s.push_str("</urlset>\n");
    OutputFile { path: "sitemap.xml".into(), body: Body::Bytes(s.into_bytes()) }
}

pub fn robots(site: &Site) -> OutputFile {
    if site.profile.is_internal() {
        let s = "# OFFICIAL-SENSITIVE: the AP team's internal site. Not for publication or indexing.\nUser-agent: *\nDisallow: /\n";
        return OutputFile { path: "robots.txt".into(), body: Body::Bytes(s.as_bytes().to_vec()) };
    }
    let s = format!("User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n", site.config.base());
    OutputFile { path: "robots.txt".into(), body: Body::Bytes(s.into_bytes()) }
}

/// Atom feed of the 20 most recently updated guide pages.
pub fn atom(site: &Site) -> OutputFile {
    let base = site.config.base();
    let mut pages: Vec<_> = site.pages.iter().filter(|p| p.url != "/" && p.front.updated.is_some()).collect();
    pages.sort_by(|a, b| b.front.updated.cmp(&a.front.updated).then(a.url.cmp(&b.url)));
    pages.truncate(20);
    let updated = pages.first().and_then(|p| p.front.updated).unwrap_or(site.today);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-GB\">\n");
    s.push_str(&format!("  <title>{} – guidance updates</title>\n", xml_escape(&site.config.title)));
    s.push_str(&format!("  <id>{}/</id>\n", xml_escape(base)));
    s.push_str(&format!("  <link href=\"{}/feed.xml\" rel=\"self\"/>\n", xml_escape(base)));
    s.push_str(&format!("  <link href=\"{}/\"/>\n", xml_escape(base)));
    s.push_str(&format!("  <updated>{}T00:00:00Z</updated>\n", updated.iso()));
    s.push_str(&format!("  <author><name>{}</name></author>\n", xml_escape(&site.config.authority)));
    for p in pages {
        let url = format!("{base}{}", p.url);
        let d = p.front.updated.unwrap_or(site.today).iso();
        s.push_str("  <entry>\n");
        s.push_str(&format!("    <title>{}</title>\n", xml_escape(&p.front.title)));
        s.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        s.push_str(&format!("    <link href=\"{}\"/>\n", xml_escape(&url)));
        s.push_str(&format!("    <updated>{d}T00:00:00Z</updated>\n"));
        let when = p.front.event.as_ref().map(|e| format!("Event on {}, {} to {}. ", e.start.date().long(), e.start.hm(), e.end.hm()));
        s.push_str(&format!("    <summary>{}{}</summary>\n", when.unwrap_or_default(), xml_escape(&p.front.summary)));
        s.push_str("  </entry>\n");
    }
    s.push_str("</feed>\n");
    OutputFile { path: "feed.xml".into(), body: Body::Bytes(s.into_bytes()) }
}
