//! The `reachability` example: its default run, published closure sizes, bad input, a cluster.

use std::collections::{BTreeSet, HashMap};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use blossom::Config;
use blossom_examples::edges::read_edges;
use blossom_examples::reach::closure_size;
use proptest::prelude::*;

const BINARY: &str = env!("CARGO_BIN_EXE_reachability");

fn graphs() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/graphs");
    assert!(
        dir.is_dir(),
        "the bundled graphs are missing: expected {}",
        dir.display()
    );
    dir
}

/// Runs the binary to completion, killing it if it takes longer than `limit`.
fn run(args: &[&str], limit: Duration) -> Output {
    let child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example binary starts");
    wait(child, limit)
}

fn wait(mut child: std::process::Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("waiting works").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let output = child
                .wait_with_output()
                .expect("a killed child can be reaped");
            panic!(
                "timed out after {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output is readable")
}

fn last_line(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_default_run_prints_the_bundled_graphs_closure() {
    let output = run(&[], Duration::from_secs(120));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(last_line(&output), "pairs=146120");
}

#[test]
fn published_closure_sizes_are_reproduced_on_one_and_two_workers() {
    let published = [
        ("ol-cedge", 146_120),
        ("tg-cedge", 481_121),
        ("cal-cedge", 501_755),
    ];
    for (graph, pairs) in published {
        let edges = read_edges(&graphs().join(format!("{graph}.tsv"))).expect("the graph loads");
        for workers in [1, 2] {
            let size = closure_size(edges.iter().copied(), &Config::with_workers(workers)).unwrap();
            assert_eq!(size, pairs, "{graph} on {workers} worker(s)");
        }
    }
}

#[test]
fn a_malformed_line_is_an_error_naming_the_file_and_line() {
    let path = std::env::temp_dir().join(format!("blossom-bad-{}.tsv", std::process::id()));
    std::fs::write(&path, "# a comment\n1\t2\n3 x\n").unwrap();
    let output = run(
        &["--input", path.to_str().unwrap()],
        Duration::from_secs(60),
    );
    std::fs::remove_file(&path).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("{}:3:", path.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let missing = run(
        &["--input", "/nonexistent/graph.tsv"],
        Duration::from_secs(60),
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/graph.tsv"));
}

#[test]
fn two_processes_on_loopback_give_the_single_process_answer() {
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let hostfile = std::env::temp_dir().join(format!("blossom-hosts-{}", std::process::id()));
    let hosts: String = ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
    std::fs::write(&hostfile, hosts).unwrap();
    let graph = graphs().join("tg-cedge.tsv");
    let spawn = |process: usize| {
        Command::new(BINARY)
            .args([
                "--input",
                graph.to_str().unwrap(),
                "-w",
                "2",
                "-n",
                "2",
                "-h",
            ])
            .arg(&hostfile)
            .args(["-p", &process.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("a cluster process starts")
    };
    let (first, second) = (spawn(0), spawn(1));
    let limit = Duration::from_secs(300);
    let (first, second) = (wait(first, limit), wait(second, limit));
    std::fs::remove_file(&hostfile).unwrap();
    for output in [&first, &second] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(last_line(&first), "pairs=481121");
    assert!(!String::from_utf8_lossy(&second.stdout).contains("pairs="));
}

/// Kills the served graph when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_graph_served_with_a_token_answers_only_clients_that_send_it() {
    let dir = std::env::temp_dir().join(format!("blossom-reach-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let token = token.to_str().unwrap();
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let server = Command::new(BINARY)
        .args(["--serve", &address, "--token-file", token])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let _server = Killed(server);
    let client = |args: &[&str]| {
        let child = Command::new(env!("CARGO_BIN_EXE_reach_client"))
            .args(["--server", &address])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the client starts");
        wait(child, Duration::from_secs(60))
    };
    let added = client(&[
        "--token-file",
        token,
        "--edge",
        "1",
        "2",
        "--edge",
        "2",
        "3",
    ]);
    assert!(added.status.success(), "{added:?}");
    assert_eq!(last_line(&added), "pairs=3");
    for (args, refusal) in [
        (&["--edge", "3", "4"][..], "NOAUTH"),
        (&["--token", "guess", "--edge", "3", "4"][..], "WRONGTOKEN"),
    ] {
        let refused = client(args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?} was let in");
        assert!(stderr.contains(refusal), "{args:?}: {stderr}");
    }
    let after = client(&["--token", "s3cret"]);
    assert_eq!(
        last_line(&after),
        "pairs=3",
        "the refused edges changed nothing"
    );

    // A token file that is not there stops the server before it serves, naming the file.
    let missing = dir.join("missing");
    let missing = missing.to_str().unwrap();
    let output = run(
        &["--serve", "127.0.0.1:0", "--token-file", missing],
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains(missing),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn naive_closure(edges: &[(u32, u32)]) -> usize {
    let mut successors: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(a, b) in edges {
        successors.entry(a).or_default().push(b);
    }
    let mut pairs = BTreeSet::new();
    for &start in successors.keys() {
        let mut stack = successors[&start].clone();
        while let Some(node) = stack.pop() {
            if pairs.insert((start, node)) {
                stack.extend(successors.get(&node).into_iter().flatten());
            }
        }
    }
    pairs.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_graph_gets_its_closure(edges in prop::collection::vec((0u32..30, 0u32..30), 0..60), workers in 1usize..=4) {
        let size = closure_size(edges.iter().copied(), &Config::with_workers(workers)).unwrap();
        prop_assert_eq!(size, naive_closure(&edges));
    }
}
