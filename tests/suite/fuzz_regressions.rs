//! Replays every fuzz seed, every input that once crashed a target, and the local fuzz corpus
//! when there is one, through the same entry points the fuzzers call (`apdir::fuzzing`).
//!
//! Git keeps `fuzz/seeds/<target>/` (a few small inputs covering each target's shapes) and
//! `fuzz/regressions/<target>/` (every past crash, kept whole once fixed, so it can never come
//! back unnoticed). `fuzz/corpus/` is the working corpus `scripts/fuzz` grows from the seeds;
//! it is not in git, and is replayed here only when present.

use std::path::{Path, PathBuf};

/// What git may hold per target in `fuzz/seeds/`: a starting point, not a corpus.
const MAX_SEEDS: usize = 30;
const MAX_SEED_BYTES: u64 = 64 * 1024;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<_> = match std::fs::read_dir(dir) {
        Ok(d) => d
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs every input of `dir` through `target`; returns how many ran.
fn replay(name: &str, target: fn(&[u8]), dir: &Path) -> usize {
    let mut n = 0;
    for path in inputs(dir) {
        // (A fuzzer running at the same time may replace corpus files.)
        let Ok(data) = std::fs::read(&path) else { continue };
        let result = std::panic::catch_unwind(|| target(&data));
        assert!(result.is_ok(), "{name} panicked on {}", path.display());
        n += 1;
    }
    n
}

#[test]
fn every_seed_and_past_crash_runs_clean() {
    let fuzz = fuzz_dir();
    let mut total = 0;
    for (name, target) in apdir::fuzzing::TARGETS {
        let seeds = replay(name, *target, &fuzz.join("seeds").join(name));
        assert!(seeds > 0, "fuzz target {name} has no seeds in fuzz/seeds/{name}");
        total += seeds + replay(name, *target, &fuzz.join("regressions").join(name));
    }
    assert!(total >= 30, "only {total} inputs replayed");
}

#[test]
fn the_local_fuzz_corpus_runs_clean_when_there_is_one() {
    let fuzz = fuzz_dir();
    for (name, target) in apdir::fuzzing::TARGETS {
        replay(name, *target, &fuzz.join("corpus").join(name));
    }
}

#[test]
fn seeds_stay_a_small_hand_picked_set() {
    let fuzz = fuzz_dir();
    for (name, _) in apdir::fuzzing::TARGETS {
        let files = inputs(&fuzz.join("seeds").join(name));
        let bytes: u64 = files.iter().map(|p| p.metadata().map(|m| m.len()).unwrap_or(0)).sum();
        assert!(
            files.len() <= MAX_SEEDS && bytes <= MAX_SEED_BYTES,
            "fuzz/seeds/{name} holds {} files, {bytes} bytes: keep at most {MAX_SEEDS} small inputs there (the corpus lives in fuzz/corpus/, outside git)",
            files.len()
        );
    }
}

#[test]
fn the_fuzz_crate_has_a_target_for_every_entry_point() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (name, _) in apdir::fuzzing::TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        assert!(fuzz_dir().join(format!("fuzz_targets/{name}.rs")).exists());
    }
}
