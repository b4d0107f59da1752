//! A small HTTP/1.1 server for the preview (std `TcpListener`, a thread per connection).
//!
//! Files come from memory, looked up by a normalised path: a request can only ever name a file
//! of the built site, never one on disk, so no path escapes the output. `..`, `.`, backslashes,
//! NUL and malformed percent-escapes are refused outright. On a loopback address, requests
//! whose `Host` is not a loopback name are refused too (DNS rebinding).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::{LIVE_SCRIPT_TAG, Shared};

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
/// Limits on what a client may send.
const MAX_HEAD_BYTES: usize = 16 * 1024;

pub fn run(listener: TcpListener, shared: Arc<Shared>, loopback_only: bool) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        let _ = std::thread::Builder::new().name("apdir-conn".into()).spawn(move || {
            let _ = handle(stream, &shared, loopback_only);
        });
    }
}

/// A parsed request line and the headers this server reads.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
    /// The client asked to close the connection after this response (or spoke HTTP/1.0).
    pub close: bool,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    let mut line = String::new();
    let mut request_line = None;
    let mut host = None;
    let mut close = false;
    loop {
        line.clear();
        let n = std::io::Read::take(&mut *reader, (MAX_HEAD_BYTES - head.len().min(MAX_HEAD_BYTES)) as u64).read_line(&mut line)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(line.as_bytes());
        if head.len() >= MAX_HEAD_BYTES {
            return Ok(None);
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if request_line.is_none() {
            request_line = Some(l.to_string());
        } else if let Some((name, value)) = l.split_once(':')
            && name.eq_ignore_ascii_case("host")
        {
            host = Some(value.trim().to_string());
        } else if let Some((name, value)) = l.split_once(':')
            && name.eq_ignore_ascii_case("connection")
        {
            close = value.trim().eq_ignore_ascii_case("close");
        }
    }
    let Some(rl) = request_line else { return Ok(None) };
    let mut parts = rl.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Ok(None) };
    if parts.next() == Some("HTTP/1.0") {
        close = true;
    }
    Ok(Some(Request { method: method.to_string(), target: target.to_string(), host, close }))
}

fn handle(stream: TcpStream, shared: &Shared, loopback_only: bool) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    // Keep-alive: serve requests on this connection until the client closes it.
    while let Some(req) = read_request(&mut reader)? {
        if loopback_only && !host_is_loopback(req.host.as_deref()) {
            respond(&mut out, 403, "text/plain; charset=utf-8", b"apdir serve answers only to 127.0.0.1 and localhost\n", false)?;
            break;
        }
        let head_only = req.method == "HEAD";
        if req.method != "GET" && !head_only {
            respond(&mut out, 405, "text/plain; charset=utf-8", b"only GET and HEAD\n", false)?;
            continue;
        }
        let path = req.target.split(['?', '#']).next().unwrap_or("");
        match path {
            "/__apdir/live.js" => respond(&mut out, 200, "text/javascript; charset=utf-8", LIVE_JS.as_bytes(), head_only)?,
            "/__apdir/live.css" => respond(&mut out, 200, "text/css; charset=utf-8", LIVE_CSS.as_bytes(), head_only)?,
            "/__apdir/status" => respond(&mut out, 200, "application/json", shared.status().to_json().as_bytes(), head_only)?,
            "/__apdir/events" => return events(out, shared),
            _ => serve_file(&mut out, shared, path, head_only)?,
        }
        if req.close {
            break;
        }
    }
    Ok(())
}

/// Host names a loopback-bound server accepts (with or without a port).
pub fn host_is_loopback(host: Option<&str>) -> bool {
    let Some(h) = host else { return false };
    let name = if let Some(rest) = h.strip_prefix('[') { rest.split(']').next().unwrap_or("") } else { h.rsplit_once(':').map_or(h, |(n, _)| n) };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What a request path names in the built site.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    File(String),
    /// `/guide` when `/guide/index.html` exists: redirect to the address with the slash.
    Redirect(String),
    NotFound,
    /// Not a path this server will look up at all.
    Refused,
}

/// Maps a request path to a file of the site. Never touches the disk.
pub fn resolve(path: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    let Some(decoded) = percent_decode(path) else { return Resolved::Refused };
    if !decoded.starts_with('/') || decoded.contains(['\\', '\0']) {
        return Resolved::Refused;
    }
    let segments: Vec<&str> = decoded[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, s) in segments.iter().enumerate() {
        if *s == ".." || *s == "." || (s.is_empty() && i != last) {
            return Resolved::Refused;
        }
    }
    let rel = &decoded[1..];
    if rel.is_empty() || rel.ends_with('/') {
        let f = format!("{rel}index.html");
        return if exists(&f) { Resolved::File(f) } else { Resolved::NotFound };
    }
    if exists(rel) {
        return Resolved::File(rel.to_string());
    }
    if exists(&format!("{rel}/index.html")) {
        return Resolved::Redirect(format!("{path}/"));
    }
    Resolved::NotFound
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn serve_file(out: &mut TcpStream, shared: &Shared, path: &str, head_only: bool) -> std::io::Result<()> {
    let files = shared.files();
    match resolve(path, |f| files.contains_key(f)) {
        Resolved::File(f) => {
            let body = &files[&f];
            let ctype = content_type(&f);
            if ctype.starts_with("text/html") {
                respond(out, 200, ctype, &inject(body), head_only)
            } else {
                respond(out, 200, ctype, body, head_only)
            }
        }
        Resolved::Redirect(to) => {
            let head = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n");
            out.write_all(head.as_bytes())
        }
        Resolved::NotFound => {
            let body = files.get("404.html").map(|b| inject(b)).unwrap_or_else(|| b"Not found\n".to_vec());
            respond(out, 404, "text/html; charset=utf-8", &body, head_only)
        }
        Resolved::Refused => respond(out, 400, "text/plain; charset=utf-8", b"bad path\n", head_only),
    }
}

/// Adds the live-reload script to a served HTML page, just before `</head>`.
pub fn inject(html: &[u8]) -> Vec<u8> {
    let at = find(html, b"</head>").or_else(|| find(html, b"</body>")).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + LIVE_SCRIPT_TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(LIVE_SCRIPT_TAG.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "geojson" => "application/geo+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The policy the published site is written for, sent as a header (see `audit`).
const CSP: &str = crate::audit::PREVIEW_CONTENT_SECURITY_POLICY;

fn respond(out: &mut TcpStream, code: u16, ctype: &str, body: &[u8], head_only: bool) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: {CSP}\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()
}

/// Server-Sent Events: `reload` after each good rebuild, `status` after each failed one; a
/// comment every 15 s keeps the connection open and notices closed tabs.
fn events(mut out: TcpStream, shared: &Shared) -> std::io::Result<()> {
    out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 1000\n\n")?;
    let mut seen = shared.status().version;
    out.write_all(format!("event: hello\ndata: {seen}\n\n").as_bytes())?;
    out.flush()?;
    loop {
        let status = {
            let guard = shared.status.lock().unwrap_or_else(|e| e.into_inner());
            let (guard, _) =
                shared.changed.wait_timeout_while(guard, Duration::from_secs(15), |s| s.version == seen).unwrap_or_else(|e| e.into_inner());
            guard.clone()
        };
        if status.version == seen {
            out.write_all(b": ping\n\n")?;
        } else {
            seen = status.version;
            let kind = if status.ok { "reload" } else { "status" };
            out.write_all(format!("event: {kind}\ndata: {}\n\n", status.to_json()).as_bytes())?;
        }
        out.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(f: &str) -> bool {
        ["index.html", "guide/index.html", "css/site.css", "providers/a/index.html"].contains(&f)
    }

    #[test]
    fn paths_resolve_inside_the_site_only() {
        assert_eq!(resolve("/", site), Resolved::File("index.html".into()));
        assert_eq!(resolve("/guide/", site), Resolved::File("guide/index.html".into()));
        assert_eq!(resolve("/guide", site), Resolved::Redirect("/guide/".into()));
        assert_eq!(resolve("/css/site.css", site), Resolved::File("css/site.css".into()));
        assert_eq!(resolve("/providers/%61/", site), Resolved::File("providers/a/index.html".into()));
        for bad in ["/../etc/passwd", "/guide/../../x", "/%2e%2e/x", "/a\\..\\b", "/x%00", "/%zz", "//etc/passwd", "relative", "/./index.html"] {
            assert_eq!(resolve(bad, site), Resolved::Refused, "{bad}");
        }
        assert_eq!(resolve("/nope/", site), Resolved::NotFound);
    }

    #[test]
    fn only_loopback_hosts() {
        assert!(host_is_loopback(Some("127.0.0.1:8080")));
        assert!(host_is_loopback(Some("localhost:1")));
        assert!(host_is_loopback(Some("[::1]:1")));
        assert!(!host_is_loopback(Some("evil.example:8080")));
        assert!(!host_is_loopback(None));
    }

    #[test]
    fn script_goes_into_the_head() {
        let out = String::from_utf8(inject(b"<html><head><title>x</title></head><body></body></html>")).unwrap();
        assert_eq!(out, format!("<html><head><title>x</title>{LIVE_SCRIPT_TAG}</head><body></body></html>"));
    }
}
