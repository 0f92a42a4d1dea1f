//! Tests that need something outside Rust: a program on `PATH` or an OpenCL platform.
//!
//! `cargo test --workspace` passes on a machine with nothing but a Rust toolchain: a test that
//! needs, say, `redis-server` asks [`program`] for it, and where it is missing prints one line
//! saying what was skipped and how to install it, then returns early. Where
//! `BLOSSOM_REQUIRE_SYSTEM_TESTS=1` is set (CI sets it, after installing everything), a missing
//! program fails the test instead, so nothing is skipped silently there.

use std::path::PathBuf;

/// The variable that turns a skip into a failure.
pub const REQUIRE: &str = "BLOSSOM_REQUIRE_SYSTEM_TESTS";

/// Whether a missing system program fails a test rather than skipping it.
pub fn required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|value| value == "1")
}

/// The path of `name` on `PATH`, or `None` after reporting the skip of `test` (or panicking,
/// where [`required`]); `install` says how to get it, e.g. `apt-get install redis-tools`.
pub fn program(test: &str, name: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        skip(test, &format!("`{name}` is not on PATH"), install);
    }
    found
}

/// Whether an OpenCL platform is there for `test` to use; reports the skip (or panics, where
/// [`required`]) when the program was built with the `opencl` feature and none is found.
/// Built without the feature, device operators run on the CPU by design: `false`, no report.
pub fn opencl(test: &str) -> bool {
    if !cfg!(feature = "opencl") {
        return false;
    }
    match crate::device::platform() {
        Ok(_) => true,
        Err(error) => {
            skip(
                test,
                &error.to_string(),
                "apt-get install ocl-icd-opencl-dev pocl-opencl-icd",
            );
            false
        }
    }
}

/// Reports that `test` skipped its system part, or fails it where skips are not allowed.
fn skip(test: &str, why: &str, install: &str) {
    assert!(
        !required(),
        "{test}: {why}, and {REQUIRE}=1 forbids skipping it (install with: {install})"
    );
    // Once per test and process, straight to stderr: `eprintln!` goes through the test
    // harness's capture, which shows it only for failing tests, and a skip must be seen.
    static REPORTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut reported = REPORTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if reported.iter().any(|seen| seen == test) {
        return;
    }
    reported.push(test.to_string());
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: {why} (install with: {install})"
    );
}
