//! The fuzz targets' kept corpora, replayed: every input the fuzzer found
//! interesting (and every one that once broke something) runs through the
//! same checks in each test run. The fuzzing itself is `cargo fuzz run
//! content` / `cargo fuzz run updates` in `fuzz/` (see its README).

use std::path::{Path, PathBuf};

use crate::fuzz_targets;

/// The kept inputs of one target, in a fixed order.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn replay(target: &str, run: fn(&[u8])) {
    let inputs = corpus(target);
    assert!(inputs.len() >= 10, "{} inputs for {target}", inputs.len());
    for (path, bytes) in &inputs {
        let outcome = std::panic::catch_unwind(|| run(bytes));
        assert!(
            outcome.is_ok(),
            "{target}: {} breaks an invariant",
            path.display()
        );
    }
    eprintln!("{target}: {} inputs replayed", inputs.len());
}

#[test]
fn the_content_corpus_replays_cleanly() {
    replay("content", fuzz_targets::content);
}

#[test]
fn the_updates_corpus_replays_cleanly() {
    replay("updates", fuzz_targets::updates);
}

#[test]
fn the_content_target_sees_a_bad_byte_where_it_is() {
    // A shipped file with a stray byte on its third line still gets the
    // place right (the target's own assertion), and a broken TOML file is
    // an error with a real place, not a panic.
    let mut input = b"strings.toml\n".to_vec();
    input.extend_from_slice(b"[a]\nb = 1\nc = \"\xff\"\n");
    fuzz_targets::content(&input);
    fuzz_targets::content(b"lessons/x.toml\n[[[");
    fuzz_targets::content(b"../../etc/passwd.toml\nid = 1");
}
