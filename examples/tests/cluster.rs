//! Examples run as clusters of 2 and 3 processes on loopback, started by the launcher, give
//! the answer they give embedded.

use std::process::Command;
use std::time::Duration;

use blossom_net::launch::{Launch, Line, Outcome};

/// What the example writes on stdout, run embedded.
fn embedded(binary: &str, args: &[&str]) -> Vec<String> {
    let output = Command::new(binary)
        .args(args)
        .output()
        .expect("the example runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// What process 0 writes on stdout, run as `processes` processes of `workers` workers.
fn clustered(binary: &str, args: &[&str], processes: usize, workers: usize) -> Vec<String> {
    let launch = Launch {
        processes,
        workers,
        hosts: None,
        remote: blossom_net::launch::SSH.to_string(),
        connect_timeout: Duration::from_secs(60),
        program: [binary].iter().chain(args).map(|a| a.to_string()).collect(),
    };
    let mut lines: Vec<Line> = Vec::new();
    let outcome = launch
        .run_with(|line| lines.push(line))
        .expect("the launcher runs");
    let stderr: Vec<&str> = (lines.iter().filter(|l| l.stderr))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(outcome, Outcome::Succeeded, "{}", stderr.join("\n"));
    let connected = (lines.iter()).filter(|l| l.stderr && l.text.starts_with(blossom::READY));
    assert_eq!(
        connected.count(),
        processes,
        "every process says it is connected"
    );
    // Timely itself prints `awaiting connections (at 0/1)` on process 0's stdout.
    (lines.into_iter())
        .filter(|l| l.process == 0 && !l.stderr && !l.text.starts_with("awaiting connections"))
        .map(|l| l.text)
        .collect()
}

fn check(binary: &str, args: &[&str]) {
    let want = embedded(binary, args);
    assert!(!want.is_empty());
    for (processes, workers) in [(2, 1), (3, 2)] {
        let got = clustered(binary, args, processes, workers);
        assert_eq!(
            got, want,
            "{binary} on {processes} processes x {workers} workers"
        );
    }
}

#[test]
fn reachability_on_a_cluster() {
    check(env!("CARGO_BIN_EXE_reachability"), &[]);
}

#[test]
fn shortest_paths_on_a_cluster() {
    check(env!("CARGO_BIN_EXE_lattice_shortest_paths"), &[]);
}

#[test]
fn the_ring_on_a_cluster() {
    check(
        env!("CARGO_BIN_EXE_ring"),
        &["--nodes", "7", "--bound", "30"],
    );
}
