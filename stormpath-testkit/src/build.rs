//! Binaries of the workspace that a suite runs as processes, rebuilt when their sources
//! changed (a suite of another crate does not rebuild them by itself; `cargo test --workspace`
//! builds them first, and then nothing happens here).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

/// The profile directory of the running test (`target/<profile>`).
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target profile directory")
        .to_path_buf()
}

/// `bin`, built with `cargo build --quiet <args>` (once per test process) when it is missing
/// or older than a file under `sources` (paths from the workspace root).
pub(crate) fn fresh(bin: &Path, args: &[&str], sources: &[&str]) -> PathBuf {
    static CHECKED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut checked = CHECKED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if checked
        .get_or_insert_with(HashSet::new)
        .insert(bin.to_path_buf())
        && stale(bin, sources)
    {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .arg("build")
            .arg("--quiet")
            .args(args)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build {args:?} failed");
    }
    assert!(bin.exists(), "{} was not built", bin.display());
    bin.to_path_buf()
}

/// Whether `bin` is missing or older than a file under `sources`.
fn stale(bin: &Path, sources: &[&str]) -> bool {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return true;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = sources.iter().map(|d| root.join(d)).collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|changed| changed > built)
            {
                return true;
            }
        }
    }
    false
}
