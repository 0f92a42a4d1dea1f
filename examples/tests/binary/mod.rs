//! Running an example binary from a test.

// Each test crate that includes this module uses part of it.
#![allow(dead_code)]

use std::process::Command;

/// Runs an example binary and returns its stdout, after checking it succeeded.
pub fn run(binary: &str, args: &[&str]) -> String {
    let output = Command::new(binary)
        .args(args)
        .output()
        .expect("the example binary starts");
    assert!(
        output.status.success(),
        "{binary} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the example prints UTF-8")
}

/// The last line of `text`, or nothing.
pub fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}
