//! The cargo-fuzz corpus (`fuzz/corpus/<target>/*`, seeds and every input a fuzzing run kept
//! or crashed on) replayed through the targets' entry points, so that `cargo test --workspace`
//! covers them without libFuzzer: a crash found once stays fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

#[test]
fn every_target_has_a_corpus_replayed_here() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut targets: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    targets.sort();
    assert_eq!(targets, ["body", "password", "token"]);
}

#[test]
fn the_body_corpus_parses_without_panicking() {
    for (_, data) in corpus("body") {
        stormpath::__private::fuzz_body(true, &data);
        stormpath::__private::fuzz_body(false, &data);
    }
}

#[test]
fn the_token_corpus_is_read_without_panicking() {
    for (_, data) in corpus("token") {
        stormpath_store::fuzz::token(&data);
    }
}

#[test]
fn the_password_corpus_is_checked_without_panicking() {
    for (_, data) in corpus("password") {
        stormpath_store::fuzz::password(&data);
    }
}
