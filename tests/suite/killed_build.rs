//! No data lost: a build killed with SIGKILL at random points leaves the previous site
//! byte-identical, and the next build succeeds and leaves no staging folders behind.

use crate::common;
use common::*;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROVIDERS: usize = 600;
const ROUNDS: usize = 10;

fn build_cmd(site: &TestSite) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_apdir"));
    c.args(["--root", site.root().to_str().unwrap(), "build", "--today", "2026-11-25", "--quiet"]).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn provider(i: usize, round: usize) -> String {
    VALID_PROVIDER
        .replace("name = \"Test Provider\"", &format!("name = \"Provider {i}\""))
        .replace("A provider for tests.", &format!("A provider for tests, version {round}."))
}

/// A cheap random number from the clock (no extra dependency).
fn random_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    (nanos.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 33) % n.max(1)
}

fn leftovers(site: &TestSite) -> Vec<String> {
    std::fs::read_dir(site.root())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // The spare (the site before the current one, kept for the next build) is no leftover.
        .filter(|n| n.starts_with(".public.") && n != ".public.spare")
        .collect()
}

#[test]
fn a_killed_build_never_damages_the_published_site() {
    let site = TestSite::new();
    for i in 0..PROVIDERS {
        site.provider(&format!("provider-{i:04}"), &provider(i, 0));
    }
    let t = Instant::now();
    let out = build_cmd(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut full = t.elapsed();
    // A second, warm build: the shorter of the two sets the range of kill times.
    let t = Instant::now();
    assert!(build_cmd(&site).status().unwrap().success());
    full = full.min(t.elapsed());
    let mut published: BTreeMap<String, Vec<u8>> = read_tree(&site.output());
    assert!(published.len() > PROVIDERS, "{} files", published.len());

    let mut killed = 0;
    for round in 1..=ROUNDS {
        // Change every record, so a build that got through would publish different files.
        for i in 0..PROVIDERS {
            site.provider(&format!("provider-{i:04}"), &provider(i, round));
        }
        let mut child = build_cmd(&site).spawn().unwrap();
        // Anywhere from the start of loading to near the end of the swap (later builds run a
        // little faster than the first, with the files in the page cache).
        let wait = Duration::from_micros(random_below(full.as_micros() as u64 * 9 / 10));
        std::thread::sleep(wait);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let now = read_tree(&site.output());
        if now != published {
            // The swap happened before the signal (perhaps while the old files were still being
            // removed): the new site must then be whole, every provider page from this round.
            assert!(now.keys().eq(published.keys()), "round {round}: the set of files changed: {} now, {} before", now.len(), published.len());
            for (path, bytes) in &now {
                if path.starts_with("providers/provider-") {
                    let text = String::from_utf8_lossy(bytes);
                    assert!(text.contains(&format!("version {round}.")), "round {round}: {path} is from an older build: a mixed site");
                }
            }
            published = now;
            continue;
        }
        if finished && status.success() {
            panic!("round {round}: the build finished but the site did not change");
        }
        killed += 1;
    }
    eprintln!("{killed} of {ROUNDS} builds killed mid-way");
    assert!(killed >= 3, "only {killed} of {ROUNDS} builds were killed mid-way; the site is too small to test with");

    // The next build succeeds, publishes the latest records and cleans up every leftover.
    let out = build_cmd(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(site.output().join("providers/provider-0000/index.html")).unwrap();
    assert!(page.contains(&format!("version {ROUNDS}.")), "the next build publishes the latest records");
    assert_eq!(leftovers(&site), Vec::<String>::new(), "staging or old folders left beside the site");
}
