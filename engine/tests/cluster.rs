//! Clusters of processes on loopback: they connect, tick, and their outputs are whole, read at
//! process 0 or each process reading its own share; a missing peer is named.
//!
//! A cluster's processes are this test binary again, running the ignored test `process` with
//! its part in `BLOSSOM_CLUSTER_TEST`; each prints what it reads after every tick, and the test
//! compares that with the same script run embedded and with a naive closure.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::Duration;

use blossom::{Config, Error};

blossom::program! {
    /// Reachability over a growing graph.
    pub Reach {
        input  edge(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);

        link(a, b) <= edge(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c);
    }
}

blossom::program! {
    /// One value per key: a tick that gives a key two values is rejected on every process.
    pub Store {
        input put(key: u32, value: u32);
        input force(key: u32, value: u32);
        table store(key: u32 => value: u32);
        output current(key: u32, value: u32);

        store(k, v) <+- put(k, v);
        store(k, v) <= force(k, v);
        current(k, v) <= store(k, v);
    }
}

const PART: &str = "BLOSSOM_CLUSTER_TEST";
/// Lines of the script's report start with this, apart from the test harness's own.
const MARK: &str = "@@";

/// The edges of each tick: a few hundred pseudo-random edges over 40 nodes, then more.
fn edges(tick: usize) -> Vec<(u32, u32)> {
    let mut state = 0x2545_f491_u64 + tick as u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        u32::try_from(state >> 33).unwrap_or(0) % 40
    };
    (0..60 * (tick + 1)).map(|_| (next(), next())).collect()
}

/// The rows in which this process has a share: every `processes`-th, from its index.
fn share<T: Clone>(rows: &[T], process: usize, processes: usize) -> Vec<T> {
    rows.iter()
        .enumerate()
        .filter(|(i, _)| i % processes == process)
        .map(|(_, row)| row.clone())
        .collect()
}

/// Runs both programs for a few ticks on `config`, and reports, after each tick, what this
/// process reads: each output's `len`, its rows, and whether the tick was rejected.
fn script(config: &Config) -> Vec<String> {
    let (process, processes) =
        (config.cluster.as_ref()).map_or((0, 1), |c| (c.process, c.addresses.len()));
    let mut report = Vec::new();
    let mut reach = Reach::with_config(config).expect("reach starts");
    for tick in 0..2 {
        reach.edge.extend(share(&edges(tick), process, processes));
        reach.tick().expect("reach ticks");
        report.push(format!("reach {tick} len {}", reach.path.len()));
        for (a, b) in reach.path.snapshot().expect("reach reads") {
            report.push(format!("reach {tick} row {a} {b}"));
        }
    }
    let mut store = Store::with_config(config).expect("store starts");
    for tick in 0..5 {
        match tick {
            0 => store.put.extend(share(
                &(0..20).map(|k| (k, k * 10)).collect::<Vec<_>>(),
                process,
                processes,
            )),
            // Key 1 gets a second value beside the stored one: the tick is rejected.
            2 if process == 0 => store.force.insert((1, 99)),
            3 => store
                .put
                .extend(share(&[(100, 1), (101, 2)], process, processes)),
            _ => {}
        }
        let outcome = match store.tick() {
            Ok(()) => "accepted",
            Err(Error::KeyConflict { .. }) => "rejected",
            Err(error) => panic!("store tick {tick}: {error}"),
        };
        report.push(format!(
            "store {tick} {outcome} len {}",
            store.current.len()
        ));
        for (k, v) in store.current.snapshot().expect("store reads") {
            report.push(format!("store {tick} row {k} {v}"));
        }
    }
    report
}

/// One process of a cluster, when the test binary is run as one (see [`cluster`]).
#[test]
#[ignore = "run by the cluster tests as one process of a cluster"]
fn process() {
    let Ok(part) = std::env::var(PART) else {
        return;
    };
    let args = part.split_whitespace().map(String::from);
    let (config, rest) = Config::from_args(args).expect("the part's arguments");
    assert!(rest.is_empty(), "{rest:?}");
    for line in script(&config) {
        println!("{MARK} {line}");
    }
}

/// Free loopback addresses, one per process.
fn addresses(count: usize) -> Vec<String> {
    let listeners: Vec<_> = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    (listeners.iter())
        .map(|l| l.local_addr().expect("its address").to_string())
        .collect()
}

/// What each process of a cluster of `processes` x `workers` reports, reading as `outputs`.
fn cluster(processes: usize, workers: usize, outputs: &str) -> Vec<Vec<String>> {
    let addresses = addresses(processes).join(",");
    let children: Vec<_> = (0..processes)
        .map(|process| {
            let part = format!(
                "--workers {workers} --process {process} --addresses {addresses} --outputs {outputs} --connect-timeout 60"
            );
            Command::new(std::env::current_exe().expect("the test binary"))
                .args(["process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
                .env(PART, part)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a process starts")
        })
        .collect();
    (children.into_iter().enumerate())
        .map(|(process, child)| {
            let output = child.wait_with_output().expect("the process ends");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "process {process} of {processes} ({outputs}) failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            (stdout.lines())
                // The harness writes `test process ... ` before the test's first line.
                .filter_map(|line| line.split_once(MARK).map(|(_, line)| line))
                .map(|line| line.trim().to_string())
                .collect()
        })
        .collect()
}

/// A report's lines by kind: `len` lines (and a tick's outcome) as they are, `row` lines
/// counted, so that shares from several processes can be added up.
fn tally(reports: &[Vec<String>]) -> (BTreeSet<String>, BTreeMap<String, usize>) {
    let (mut lens, mut rows) = (BTreeSet::new(), BTreeMap::new());
    for line in reports.iter().flatten() {
        if line.contains(" row ") {
            *rows.entry(line.clone()).or_default() += 1;
        } else {
            lens.insert(line.clone());
        }
    }
    (lens, rows)
}

/// The closure of `edges`, computed naively.
fn closure(edges: &BTreeSet<(u32, u32)>) -> BTreeSet<(u32, u32)> {
    let mut paths = edges.clone();
    loop {
        let more: Vec<_> = (paths.iter())
            .flat_map(|&(a, b)| {
                edges
                    .iter()
                    .filter(move |e| e.0 == b)
                    .map(move |&(_, c)| (a, c))
            })
            .filter(|p| !paths.contains(p))
            .collect();
        if more.is_empty() {
            return paths;
        }
        paths.extend(more);
    }
}

/// The script run embedded, checked against a naive closure: what every cluster must read.
fn embedded() -> Vec<String> {
    let report = script(&Config::embedded());
    let mut seen = BTreeSet::new();
    for tick in 0..2 {
        seen.extend(edges(tick));
        let want = closure(&seen);
        assert!(report.contains(&format!("reach {tick} len {}", want.len())));
        for (a, b) in &want {
            assert!(report.contains(&format!("reach {tick} row {a} {b}")));
        }
    }
    for line in ["store 2 rejected len 20", "store 4 accepted len 22"] {
        assert!(report.iter().any(|l| l == line), "no {line:?}");
    }
    report
}

#[test]
fn every_process_reads_its_share_and_counts_the_whole() {
    let (want_lens, want_rows) = tally(&[embedded()]);
    for (processes, workers) in [(1, 1), (2, 1), (3, 1), (3, 2)] {
        let reports = cluster(processes, workers, "local");
        let (lens, rows) = tally(&reports);
        // Compared as a boolean: the reports are thousands of lines.
        let same = rows == want_rows;
        assert!(
            same,
            "{processes} x {workers}: not every row read by exactly one process"
        );
        for (process, report) in reports.iter().enumerate() {
            let (lens, _) = tally(std::slice::from_ref(report));
            assert_eq!(
                lens, want_lens,
                "{processes} x {workers}: process {process}'s lens"
            );
        }
        assert_eq!(lens, want_lens);
    }
}

#[test]
fn process_zero_reads_whole_outputs_when_gathered() {
    let want = embedded();
    for processes in [2, 3] {
        let reports = cluster(processes, 1, "gathered");
        let same = reports[0] == want;
        assert!(
            same,
            "process 0 of {processes} does not read what one process does"
        );
        for (process, report) in reports.iter().enumerate().skip(1) {
            let rows = report.iter().filter(|line| line.contains(" row ")).count();
            assert_eq!(rows, 0, "process {process} of {processes} reads rows");
        }
    }
}

/// Process `process` of a cluster of two whose other process never starts.
fn alone(process: usize) -> (Error, String) {
    let addresses = addresses(2);
    let missing = addresses[1 - process].clone();
    let mut config = Config::embedded()
        .addresses(addresses, process)
        .expect("two addresses");
    if let Some(cluster) = &mut config.cluster {
        cluster.connect_timeout = Duration::from_millis(300);
    }
    let error = Reach::with_config(&config)
        .err()
        .expect("no cluster without its peer");
    (error, missing)
}

#[test]
fn a_missing_peer_is_named_when_the_connect_timeout_expires() {
    for process in [0, 1] {
        let (error, missing) = alone(process);
        let Error::NotConnected {
            process: peer,
            address,
            timeout,
            ..
        } = &error
        else {
            panic!("expected NotConnected, got {error}");
        };
        assert_eq!((*peer, address), (1 - process, &missing));
        assert_eq!(*timeout, Duration::from_millis(300));
        let text = error.to_string();
        assert!(
            text.contains(&format!("process {peer}")) && text.contains(&missing),
            "{text}"
        );
    }
}
