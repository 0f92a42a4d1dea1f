//! Examples run as clusters of 2 and 3 processes on loopback, started by the launcher, give
//! the answer they give embedded.

use std::time::Duration;

mod binary;

use blossom_examples::reach::Links;
use blossom_net::launch::{Launch, Line, Outcome};

/// What the example writes on stdout, run embedded.
fn embedded(binary: &str, args: &[&str]) -> Vec<String> {
    binary::run(binary, args)
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
    (lines.into_iter())
        .filter(|l| l.process == 0 && !l.stderr)
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

#[test]
fn a_served_cluster_answers_a_client_as_one_process_does() {
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let launch = Launch {
        processes: 3,
        workers: 1,
        hosts: None,
        remote: blossom_net::launch::SSH.to_string(),
        connect_timeout: Duration::from_secs(60),
        program: [env!("CARGO_BIN_EXE_reachability"), "--serve", &address]
            .map(String::from)
            .to_vec(),
    };
    let (stop, stopped) = std::sync::mpsc::channel();
    let cluster = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let outcome = launch.run_until(|line| lines.push(line), stopped);
        (outcome, lines)
    });
    let edges = blossom_examples::load_graph(None).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pairs = runtime.block_on(async {
        let retry = blossom_net::Retry::default();
        let client = blossom_net::Client::connect(address.as_str(), retry)
            .await
            .unwrap();
        client.insert(Links::EDGE, &edges).await.unwrap();
        let mut path = client.subscribe(Links::PATH).await.unwrap();
        path.next().await.unwrap().unwrap().added.len()
    });
    stop.send(()).unwrap();
    let (outcome, lines) = cluster.join().unwrap();
    assert_eq!(outcome.unwrap(), Outcome::Interrupted, "stopped when told");
    let said = |process: usize, text: &str| {
        lines
            .iter()
            .any(|l| l.process == process && l.text.contains(text))
    };
    assert!(said(0, "serving on"), "{lines:?}");
    assert!(said(1, "ticks with process 0") && said(2, "ticks with process 0"));
    // The bundled graph's closure, as the embedded run prints it.
    let embedded = embedded(env!("CARGO_BIN_EXE_reachability"), &[]);
    assert_eq!(embedded.last(), Some(&format!("pairs={pairs}")));
}
