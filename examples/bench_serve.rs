//! Benchmark for `apdir serve`: time from saving one provider record to the rebuilt page being
//! served. Run it through `scripts/bench-serve`, which builds the binaries and the synthetic site.
//!
//! ```text
//! bench_serve --apdir target/release/apdir --root target/synth-serve [--edits 30] [--field summary|vacancies|broken]
//! ```
//!
//! Starts `apdir serve --port 0` on the site, listens to its event stream, then for each edit:
//! rewrites the `summary` of one provider record with a new token (or, with `--field
//! vacancies`, its vacancies, which are not searchable text), waits for the `reload` event,
//! fetches the provider's page and checks that it shows the edit. The time is taken from the
//! moment the file is written to the moment the page with the token has been received. With
//! `--field broken` each edit breaks the record (a misspelt status, an error at its line and
//! column) and the time runs to the moment the error overlay's problems (`/__apdir/status`,
//! naming the record) have been received; the record is then mended, untimed. Prints the
//! median, 90th percentile, fastest and slowest. The record is restored at the end.
//! Standard library only; talks only to 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mut apdir = PathBuf::from("target/release/apdir");
    let mut root = PathBuf::from("target/synth-serve");
    let mut edits = 30usize;
    let mut field = String::from("summary");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--apdir" => apdir = args.next().expect("--apdir PATH").into(),
            "--root" => root = args.next().expect("--root DIR").into(),
            "--edits" => edits = args.next().and_then(|n| n.parse().ok()).expect("--edits N"),
            "--field" => {
                field = args.next().filter(|f| ["summary", "vacancies", "broken"].contains(&f.as_str())).expect("--field summary|vacancies|broken")
            }
            other => {
                eprintln!("unknown argument {other}\nusage: bench_serve [--apdir PATH] [--root DIR] [--edits N] [--field summary|vacancies|broken]");
                return ExitCode::from(2);
            }
        }
    }
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(root.join("providers")).expect("a providers/ folder").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    // The first record from the middle on whose provider is open and on the list: a closed or
    // suspended provider's page shows no vacancy figures at all (so `--field vacancies` would
    // wait for an edit it can never see).
    let open = |f: &PathBuf| std::fs::read_to_string(f).is_ok_and(|t| t.contains("status = \"active\"") && t.contains("list_status = \"approved\""));
    let record = files[files.len() / 2..].iter().find(|f| open(f)).unwrap_or(&files[files.len() / 2]).clone();
    let original = std::fs::read_to_string(&record).unwrap();
    let id = original.lines().find_map(|l| l.strip_prefix("id = \"")).and_then(|l| l.strip_suffix('"')).expect("an id line").to_string();
    let url = format!("/providers/{id}/");
    let page_file = format!("providers/{id}/index.html");

    let mut child = Command::new(&apdir)
        .args(["--root", &root.to_string_lossy(), "--color", "never", "serve", "--port", "0", "--today", "2026-11-25"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apdir serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("apdir serve stopped").unwrap();
        if let Some(rest) = line.strip_prefix("Serving the site at http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let log = std::thread::spawn(move || {
        lines.map_while(Result::ok).filter(|l| l.starts_with("Rebuilt") || l.starts_with("Saved pages served")).collect::<Vec<_>>()
    });

    let mut events = BufReader::new(TcpStream::connect(("127.0.0.1", port)).unwrap());
    write!(events.get_mut(), "GET /__apdir/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    wait_for(&mut events, "event: hello");

    let mut times = Vec::new();
    for i in 0..edits {
        std::thread::sleep(Duration::from_millis(400));
        let (edited, token) = match field.as_str() {
            "vacancies" => {
                // Between two figures above 0 (the page words 0 differently), within the places.
                let line = |k: &str| original.lines().find_map(|l| l.strip_prefix(k)).and_then(|v| v.trim().parse::<u32>().ok());
                let (vacancies, places) = (line("vacancies = ").expect("a vacancies line"), line("places = ").expect("a places line"));
                assert!(places >= 2, "the record needs at least 2 places");
                let a = vacancies.max(1);
                let b = if a < places { a + 1 } else { a - 1 };
                let n = if i % 2 == 0 { b } else { a };
                (original.replacen(&format!("vacancies = {vacancies}\n"), &format!("vacancies = {n}\n"), 1), format!(">{n} place"))
            }
            "broken" => {
                let file = record.file_name().unwrap().to_string_lossy().into_owned();
                let edited = original.replacen("status = \"active\"", &format!("status = \"actve{i}\""), 1);
                assert_ne!(edited, original, "the record needs a status line");
                std::fs::write(&record, edited).unwrap();
                let t = Instant::now();
                wait_for_problem(&mut events, &file);
                let status = get(port, "/__apdir/status");
                let elapsed = t.elapsed();
                assert!(status.contains(&format!("actve{i}")) && status.contains(&file), "edit {i}: the overlay does not name the error");
                times.push(elapsed);
                // Mended, untimed.
                std::fs::write(&record, &original).unwrap();
                wait_for(&mut events, "event: reload");
                continue;
            }
            _ => {
                let token = format!("Bench edit {i} ");
                (original.replacen("summary = \"", &format!("summary = \"{token}"), 1), token)
            }
        };
        std::fs::write(&record, edited).unwrap();
        let t = Instant::now();
        wait_for_change(&mut events, &page_file);
        let page = get(port, &url);
        let elapsed = t.elapsed();
        assert!(page.contains(&token), "edit {i}: the page does not show the edit");
        times.push(elapsed);
    }
    std::fs::write(&record, &original).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = child.kill();
    let _ = child.wait();
    let rebuilds = log.join().unwrap_or_default();

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let what = match field.as_str() {
        "broken" => format!("save → error overlay's problems received, {} saves breaking the status of", times.len()),
        _ => format!("save → page served, {} edits of the {field} in", times.len()),
    };
    println!("apdir serve: {what} {} ({} providers)", record.display(), files.len());
    println!("  median {:.0} ms, p90 {:.0} ms, fastest {:.0} ms, slowest {:.0} ms", ms(p(0.5)), ms(p(0.9)), ms(times[0]), ms(times[times.len() - 1]));
    if let Some(last) = rebuilds.iter().rev().find(|l| l.starts_with("Saved pages served")) {
        println!("  server's own account: {last}");
    }
    if let Some(last) = rebuilds.iter().rev().filter(|l| l.starts_with("Rebuilt")).nth(1) {
        println!("  server's own account of a rebuild: {last}");
    }
    ExitCode::SUCCESS
}

fn wait_for(events: &mut BufReader<TcpStream>, what: &str) {
    let mut line = String::new();
    loop {
        line.clear();
        if events.read_line(&mut line).unwrap() == 0 {
            panic!("the event stream closed");
        }
        if line.trim_end() == what {
            return;
        }
    }
}

/// Waits for a reload event whose changed paths include `path`. A save brings two events:
/// the pages, then the search files and exports; the second must not be taken for the next
/// save's.
fn wait_for_change(events: &mut BufReader<TcpStream>, path: &str) {
    let mut line = String::new();
    let mut reload = false;
    loop {
        line.clear();
        if events.read_line(&mut line).unwrap() == 0 {
            panic!("the event stream closed");
        }
        let l = line.trim_end();
        if l == "event: reload" {
            reload = true;
        } else if reload && l.starts_with("data:") {
            if l.contains(&format!("\"{path}\"")) {
                return;
            }
            reload = false;
        }
    }
}

/// Waits for a `status` event (a failed rebuild) whose problems name `file`.
fn wait_for_problem(events: &mut BufReader<TcpStream>, file: &str) {
    let mut line = String::new();
    let mut status = false;
    loop {
        line.clear();
        if events.read_line(&mut line).unwrap() == 0 {
            panic!("the event stream closed");
        }
        let l = line.trim_end();
        if l == "event: status" {
            status = true;
        } else if status && l.starts_with("data:") {
            if l.contains(file) {
                return;
            }
            status = false;
        }
    }
}

fn get(port: u16, target: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
