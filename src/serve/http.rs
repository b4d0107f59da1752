//! A small HTTP/1.1 server for the preview (std `TcpListener`, a thread per connection).
//! `httparse` reads each request head out of a fixed-size buffer; `mime_guess` names the
//! content types; the event stream (Server-Sent Events) is a few lines of our own.
//!
//! Files come from memory, looked up by a normalised path: a request can only ever name a file
//! of the built site, never one on disk, so no path escapes the output. `..`, `.`, backslashes,
//! NUL and malformed percent-escapes are refused outright. Requests whose `Host` is not a name
//! the server was told to answer ([`HostPolicy`]) are refused too (DNS rebinding). Nothing a
//! client sends is stored beyond [`MAX_HEAD_BYTES`]: a longer request line gets 414, a larger
//! head 431.

use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{LIVE_SCRIPT_TAG, Shared};

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
/// The longest request line read (method, target, version): longer gets 414 URI Too Long.
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// The largest request head read (request line and headers): larger gets 431.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header lines read: more gets 431.
pub const MAX_HEADERS: usize = 64;
/// After refusing a request, what is read and dropped (at most this much, for at most
/// [`DRAIN_TIME`]) so the client sees the answer rather than a connection reset.
const DRAIN_BYTES: usize = 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Which `Host` names the server answers. A page on another site can point a name of its own
/// at this address (DNS rebinding); the browser then sends that name, which is refused.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    /// Names given with `--allow-host` (compared without the port, ignoring case).
    pub names: Vec<String>,
    /// Also answer a `Host` that is the IP address the connection arrived on, written as an
    /// address (no DNS involved, so no rebinding). Off when serving the internal profile.
    pub local_address: bool,
}

impl HostPolicy {
    /// Loopback names (`localhost`, `127.0.0.1`, `[::1]`) are always answered.
    pub fn allows(&self, host: Option<&str>, local: Option<IpAddr>) -> bool {
        let Some(name) = host.map(host_name) else { return false };
        host_is_loopback(host)
            || self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
            || (self.local_address && local.is_some_and(|ip| name.parse::<IpAddr>().is_ok_and(|h| h == ip)))
    }
}

pub fn run(listener: TcpListener, shared: Arc<Shared>, hosts: Arc<HostPolicy>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        let hosts = Arc::clone(&hosts);
        let _ = std::thread::Builder::new().name("apdir-conn".into()).spawn(move || {
            let _ = handle(stream, &shared, &hosts);
        });
    }
}

/// A parsed request line and the headers this server reads.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
    /// Close the connection after this response: the client asked, spoke HTTP/1.0, or sent a
    /// body (which this server never reads).
    pub close: bool,
}

/// What the next request head on a connection turned out to be.
#[derive(Debug, PartialEq)]
pub enum Head {
    /// A request, and how many bytes of the buffer its head took.
    Request(Request, usize),
    /// The client closed the connection (between requests, or half-way through one).
    Closed,
    /// No end of the request line within [`MAX_LINE_BYTES`].
    LineTooLong,
    /// No end of the head within [`MAX_HEAD_BYTES`], or more than [`MAX_HEADERS`] headers.
    HeadTooLarge,
    /// Not HTTP.
    Malformed,
}

/// Parses the head at the start of `buf`, if it is all there.
pub fn parse_head(buf: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => Some(Head::Request(request_from(&req), n)),
        Ok(httparse::Status::Partial) if !buf[..buf.len().min(MAX_LINE_BYTES)].contains(&b'\n') && buf.len() >= MAX_LINE_BYTES => {
            Some(Head::LineTooLong)
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD_BYTES => Some(Head::HeadTooLarge),
        Ok(httparse::Status::Partial) => None,
        Err(httparse::Error::TooManyHeaders) => Some(Head::HeadTooLarge),
        Err(_) => Some(Head::Malformed),
    }
}

fn request_from(req: &httparse::Request) -> Request {
    let header =
        |name: &str| req.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| String::from_utf8_lossy(h.value).trim().to_string());
    let has_body = header("transfer-encoding").is_some() || header("content-length").is_some_and(|v| v != "0");
    let close = req.version == Some(0) || has_body || header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    Request { method: req.method.unwrap_or("").to_string(), target: req.path.unwrap_or("").to_string(), host: header("host"), close }
}

/// A connection's read side: a buffer of [`MAX_HEAD_BYTES`], filled from the socket until it
/// holds a whole head. Bytes after a head (a pipelined request) are kept for the next one.
struct Reader {
    stream: TcpStream,
    buf: Box<[u8]>,
    len: usize,
}

impl Reader {
    fn next(&mut self) -> std::io::Result<Head> {
        let mut fresh = self.len > 0;
        loop {
            // Parse again only when a line ended: a client sending a byte at a time costs one
            // parse per line, not one per byte.
            if fresh && let Some(head) = parse_head(&self.buf[..self.len]) {
                if let Head::Request(_, n) = &head {
                    self.buf.copy_within(*n..self.len, 0);
                    self.len -= n;
                }
                return Ok(head);
            }
            let n = self.stream.read(&mut self.buf[self.len..])?;
            if n == 0 {
                return Ok(Head::Closed);
            }
            fresh = self.buf[self.len..self.len + n].contains(&b'\n') || self.len + n == self.buf.len();
            self.len += n;
        }
    }

    /// Reads and drops what the client is still sending (bounded), so that closing the
    /// socket does not reset the connection before the client has read the answer.
    fn drain(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(Duration::from_millis(200)));
        let started = Instant::now();
        let mut dropped = 0;
        while dropped < DRAIN_BYTES && started.elapsed() < DRAIN_TIME {
            match self.stream.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => dropped += n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
                Err(_) => break,
            }
        }
    }
}

fn handle(stream: TcpStream, shared: &Shared, hosts: &HostPolicy) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let local = stream.local_addr().ok().map(|a| a.ip());
    let mut out = stream.try_clone()?;
    let mut reader = Reader { stream, buf: vec![0; MAX_HEAD_BYTES].into_boxed_slice(), len: 0 };
    // Keep-alive: serve requests on this connection until the client closes it.
    loop {
        let req = match reader.next()? {
            Head::Request(req, _) => req,
            Head::Closed => return Ok(()),
            refused => {
                let (code, text): (u16, &[u8]) = match refused {
                    Head::LineTooLong => (414, b"request line too long\n"),
                    Head::HeadTooLarge => (431, b"request headers too large\n"),
                    _ => (400, b"bad request\n"),
                };
                respond(&mut out, code, "text/plain; charset=utf-8", text, false, true)?;
                reader.drain();
                return Ok(());
            }
        };
        if !hosts.allows(req.host.as_deref(), local) {
            respond(&mut out, 403, "text/plain; charset=utf-8", b"apdir serve does not answer to this host name (see --allow-host)\n", false, true)?;
            reader.drain();
            return Ok(());
        }
        let head_only = req.method == "HEAD";
        if req.method != "GET" && !head_only {
            respond(&mut out, 405, "text/plain; charset=utf-8", b"only GET and HEAD\n", false, req.close)?;
        } else {
            let path = req.target.split(['?', '#']).next().unwrap_or("");
            match path {
                "/__apdir/live.js" => respond(&mut out, 200, "text/javascript; charset=utf-8", LIVE_JS.as_bytes(), head_only, false)?,
                "/__apdir/live.css" => respond(&mut out, 200, "text/css; charset=utf-8", LIVE_CSS.as_bytes(), head_only, false)?,
                "/__apdir/status" => respond(&mut out, 200, "application/json", shared.status().to_json().as_bytes(), head_only, false)?,
                "/__apdir/events" => return events(out, shared),
                _ => serve_file(&mut out, shared, path, head_only)?,
            }
        }
        if req.close {
            reader.drain();
            return Ok(());
        }
    }
}

/// The name part of a `Host` value: without the port, and without the brackets of an IPv6
/// address.
fn host_name(h: &str) -> &str {
    if let Some(rest) = h.strip_prefix('[') { rest.split(']').next().unwrap_or("") } else { h.rsplit_once(':').map_or(h, |(n, _)| n) }
}

/// Host names every server accepts, wherever it listens (with or without a port).
pub fn host_is_loopback(host: Option<&str>) -> bool {
    let Some(name) = host.map(host_name) else { return false };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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

/// Decodes `%XX` escapes. A `%` not followed by two hex digits, or bytes that are not UTF-8,
/// make the path refused (the crate would pass a stray `%` through).
fn percent_decode(s: &str) -> Option<String> {
    let malformed = s.split('%').skip(1).any(|rest| rest.len() < 2 || !rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|d| d.into_owned())
}

fn serve_file(out: &mut TcpStream, shared: &Shared, path: &str, head_only: bool) -> std::io::Result<()> {
    let files = shared.files();
    match resolve(path, |f| files.contains_key(f)) {
        Resolved::File(f) => {
            let body = &files[&f];
            let ctype = content_type(&f);
            if ctype.starts_with("text/html") {
                respond(out, 200, &ctype, &inject(body), head_only, false)
            } else {
                respond(out, 200, &ctype, body, head_only, false)
            }
        }
        Resolved::Redirect(to) => {
            let head = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n");
            out.write_all(head.as_bytes())
        }
        Resolved::NotFound => {
            let body = files.get("404.html").map(|b| inject(b)).unwrap_or_else(|| b"Not found\n".to_vec());
            respond(out, 404, "text/html; charset=utf-8", &body, head_only, false)
        }
        Resolved::Refused => respond(out, 400, "text/plain; charset=utf-8", b"bad path\n", head_only, false),
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

/// The `Content-Type` of a site file, from its extension; text is always UTF-8.
pub fn content_type(path: &str) -> String {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    let mime = mime_guess::from_ext(ext).first_raw().unwrap_or("application/octet-stream");
    if mime.starts_with("text/") { format!("{mime}; charset=utf-8") } else { mime.to_string() }
}

/// The policy the published site is written for, sent as a header (see `audit`).
const CSP: &str = crate::audit::PREVIEW_CONTENT_SECURITY_POLICY;

/// Writes a whole response; `close` tells the client this connection ends after it.
fn respond(out: &mut TcpStream, code: u16, ctype: &str, body: &[u8], head_only: bool, close: bool) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let connection = if close { "Connection: close\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{connection}Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: {CSP}\r\n\r\n",
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
            let kind = if status.ok { "reload" } else { "status" };
            out.write_all(format!("event: {kind}\ndata: {}\n\n", status.to_json_since(seen)).as_bytes())?;
            seen = status.version;
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
    fn loopback_hosts() {
        assert!(host_is_loopback(Some("127.0.0.1:8080")));
        assert!(host_is_loopback(Some("localhost:1")));
        assert!(host_is_loopback(Some("[::1]:1")));
        assert!(!host_is_loopback(Some("evil.example:8080")));
        assert!(!host_is_loopback(None));
    }

    #[test]
    fn hosts_are_loopback_allowed_names_or_the_address_itself() {
        let local = Some("192.0.2.7".parse().unwrap());
        let open = HostPolicy { names: vec!["Preview.Example".into()], local_address: true };
        assert!(open.allows(Some("localhost:1111"), local));
        assert!(open.allows(Some("preview.example:1111"), local));
        assert!(open.allows(Some("192.0.2.7:1111"), local));
        assert!(!open.allows(Some("192.0.2.8:1111"), local));
        assert!(!open.allows(Some("rebound.example:1111"), local));
        assert!(!open.allows(None, local));
        let internal = HostPolicy { names: vec!["preview.example".into()], local_address: false };
        assert!(!internal.allows(Some("192.0.2.7:1111"), local), "the internal profile answers named hosts only");
        assert!(internal.allows(Some("preview.example"), local) && internal.allows(Some("[::1]:1111"), local));
    }

    #[test]
    fn request_heads_are_parsed_within_their_limits() {
        let Some(Head::Request(r, n)) = parse_head(b"GET /a?b HTTP/1.1\r\nHost: localhost\r\n\r\nGET /next") else { panic!() };
        assert_eq!(r, Request { method: "GET".into(), target: "/a?b".into(), host: Some("localhost".into()), close: false });
        assert_eq!(n, "GET /a?b HTTP/1.1\r\nHost: localhost\r\n\r\n".len());
        let Some(Head::Request(r, _)) = parse_head(b"GET / HTTP/1.0\r\n\r\n") else { panic!() };
        assert!(r.close, "HTTP/1.0 closes");
        let Some(Head::Request(r, _)) = parse_head(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n") else { panic!() };
        assert!(r.close, "a body this server does not read ends the connection");
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n"), None, "not all there yet");

        let long_line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_LINE_BYTES));
        assert_eq!(parse_head(long_line.as_bytes()), Some(Head::LineTooLong));
        let big_header = format!("GET / HTTP/1.1\r\nX-Big: {}", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(parse_head(&big_header.as_bytes()[..MAX_HEAD_BYTES]), Some(Head::HeadTooLarge));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse_head(many.as_bytes()), Some(Head::HeadTooLarge));
        assert_eq!(parse_head(b"\x16\x03\x01 not http\r\n\r\n"), Some(Head::Malformed));
    }

    #[test]
    fn content_types_of_site_files() {
        for (file, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("css/site.css", "text/css; charset=utf-8"),
            ("js/finder.js", "text/javascript; charset=utf-8"),
            ("data/providers.json", "application/json"),
            ("data/providers.csv", "text/csv; charset=utf-8"),
            ("data/areas.geojson", "application/geo+json"),
            ("sitemap.xml", "text/xml; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("img/logo.svg", "image/svg+xml"),
            ("img/photo.JPG", "image/jpeg"),
            ("fonts/a.woff2", "font/woff2"),
            ("search/index.bin", "application/octet-stream"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(file), expected, "{file}");
        }
    }

    #[test]
    fn script_goes_into_the_head() {
        let out = String::from_utf8(inject(b"<html><head><title>x</title></head><body></body></html>")).unwrap();
        assert_eq!(out, format!("<html><head><title>x</title>{LIVE_SCRIPT_TAG}</head><body></body></html>"));
    }
}
