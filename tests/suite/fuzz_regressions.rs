//! Replays every fuzz corpus input, and every input that once crashed a target, through the
//! same entry points the fuzzers call (`apdir::fuzzing`). A crash found by `scripts/fuzz` is
//! copied to `fuzz/regressions/<target>/` when fixed, so it can never come back unnoticed.

use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
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

#[test]
fn every_corpus_input_and_past_crash_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, target) in apdir::fuzzing::TARGETS {
        let mut n = 0;
        for kind in ["corpus", "regressions"] {
            for path in inputs(&fuzz.join(kind).join(name)) {
                // (A fuzzer running at the same time may replace corpus files.)
                let Ok(data) = std::fs::read(&path) else { continue };
                let result = std::panic::catch_unwind(|| target(&data));
                assert!(result.is_ok(), "{name} panicked on {}", path.display());
                n += 1;
            }
        }
        assert!(n > 0, "fuzz target {name} has no corpus in fuzz/corpus/{name}");
        total += n;
    }
    assert!(total >= 30, "only {total} inputs replayed");
}

#[test]
fn the_fuzz_crate_has_a_target_for_every_entry_point() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml")).unwrap();
    for (name, _) in apdir::fuzzing::TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz/fuzz_targets/{name}.rs")).exists());
    }
}
