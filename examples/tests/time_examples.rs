//! The `shortest_paths`, `unreachable` and `wordcount` examples: their default runs, and their
//! answers against plain Rust (Dijkstra-free DAG dynamic programming, breadth-first search, a
//! hash map) on the bundled data and on random inputs, with 1 and 2 workers.

mod binary;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::Cursor;
use std::process::Command;

use binary::{last_line, run};
use blossom::Config;
use blossom_examples::shortest::{Road, parse_roads, shortest_paths};
use blossom_examples::unreachable::unreachable;
use blossom_examples::wordcount::{word_counts, words};
use blossom_examples::{BUNDLED_CANALS, BUNDLED_GRAPH, BUNDLED_TEXT};
use proptest::prelude::*;

/// Shortest distances and smallest best first hops of a graph whose every path is simple
/// (a DAG), by relaxing until nothing changes.
fn expected_paths(roads: &[Road]) -> (Vec<Road>, Vec<Road>) {
    let mut dist: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    loop {
        let mut changed = false;
        for &(a, b, k) in roads {
            changed |= relax(&mut dist, (a, b), k);
            let via: Vec<((u32, u32), u32)> = dist.iter().map(|(&p, &d)| (p, d)).collect();
            for ((x, y), d) in via {
                if y == a {
                    changed |= relax(&mut dist, (x, b), d + k);
                }
            }
        }
        if !changed {
            break;
        }
    }
    let shortest: Vec<Road> = dist.iter().map(|(&(a, b), &d)| (a, b, d)).collect();
    let hops = shortest
        .iter()
        .map(|&(a, b, d)| {
            let via = roads
                .iter()
                .filter(|&&(x, v, k)| {
                    x == a && (v == b && k == d || dist.get(&(v, b)).is_some_and(|&r| k + r == d))
                })
                .map(|&(_, v, _)| v)
                .min()
                .expect("a shortest path has a first hop");
            (a, b, via)
        })
        .collect();
    (shortest, hops)
}

fn relax(dist: &mut BTreeMap<(u32, u32), u32>, pair: (u32, u32), d: u32) -> bool {
    match dist.get(&pair) {
        Some(&old) if old <= d => false,
        _ => {
            dist.insert(pair, d);
            true
        }
    }
}

fn no_limit(roads: &[Road]) -> u32 {
    roads.iter().map(|r| r.2).sum()
}

#[test]
fn shortest_paths_of_the_bundled_canals() {
    let roads = parse_roads(Cursor::new(BUNDLED_CANALS), "canals").unwrap();
    let expected = expected_paths(&roads);
    for workers in [1, 2] {
        let found =
            shortest_paths(&roads, no_limit(&roads), &Config::with_workers(workers)).unwrap();
        assert_eq!(found, expected, "{workers} workers");
    }
    // 1 -> 4: 1-2-4 costs 37, 1-2-3-4 costs 32; either way the first hop is 2.
    assert!(expected.0.contains(&(1, 4, 32)));
    assert!(expected.1.contains(&(1, 4, 2)));
}

#[test]
fn a_route_limit_hides_longer_routes_but_not_roads() {
    let roads = parse_roads(Cursor::new(BUNDLED_CANALS), "canals").unwrap();
    let (shortest, _) = shortest_paths(&roads, 20, &Config::embedded()).unwrap();
    // Routes of two roads or more within 20 km, and every single road whatever its length.
    let direct: BTreeSet<(u32, u32)> = roads.iter().map(|&(a, b, _)| (a, b)).collect();
    for &(a, b, km) in &shortest {
        assert!(km <= 20 || direct.contains(&(a, b)), "{a} -> {b}: {km} km");
    }
    assert!(
        shortest.contains(&(2, 4, 20)),
        "2-3-4 is 20 km: within the limit"
    );
    assert!(
        !shortest.iter().any(|&(a, b, _)| (a, b) == (1, 4)),
        "1-2-3-4 is 32 km"
    );
}

fn dag() -> impl Strategy<Value = Vec<Road>> {
    proptest::collection::vec((0u32..8, 0u32..8, 1u32..6), 0..20).prop_map(|edges| {
        let roads: BTreeSet<Road> = edges.into_iter().filter(|(a, b, _)| a < b).collect();
        // One distance per road, as a file would have it.
        let mut seen = BTreeSet::new();
        roads
            .into_iter()
            .filter(|&(a, b, _)| seen.insert((a, b)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn shortest_paths_agree_with_relaxation_on_random_dags(roads in dag(), workers in 1usize..=2) {
        let expected = expected_paths(&roads);
        let found = shortest_paths(&roads, no_limit(&roads), &Config::with_workers(workers)).unwrap();
        prop_assert_eq!(found, expected);
    }

    #[test]
    fn unreachable_agrees_with_breadth_first_search(
        edges in proptest::collection::vec((0u32..12, 0u32..12), 0..30),
        source in 0u32..12,
        workers in 1usize..=2,
    ) {
        let found = unreachable(edges.iter().copied(), [source], &Config::with_workers(workers)).unwrap();
        prop_assert_eq!(found, expected_unreachable(&edges, source));
    }

    #[test]
    fn word_counts_agree_with_a_hash_map(
        text in proptest::collection::vec(
            proptest::collection::vec(prop_oneof!["a", "b", "lock", "Lock", "boat's"], 0..6), 0..6),
        workers in 1usize..=2,
    ) {
        let text: String = text.iter().map(|line| line.join(" ") + "\n").collect();
        let (counts, total) = word_counts(&text, &Config::with_workers(workers)).unwrap();
        let (expected, expected_total) = expected_counts(&text);
        prop_assert_eq!(counts, expected);
        prop_assert_eq!(total, expected_total);
    }
}

fn expected_unreachable(edges: &[(u32, u32)], source: u32) -> Vec<u32> {
    let nodes: BTreeSet<u32> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
    let mut seen = BTreeSet::from([source]);
    let mut queue = VecDeque::from([source]);
    while let Some(node) = queue.pop_front() {
        for &(a, b) in edges {
            if a == node && seen.insert(b) {
                queue.push_back(b);
            }
        }
    }
    nodes.difference(&seen).copied().collect()
}

fn expected_counts(text: &str) -> (Vec<(String, u64)>, u64) {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (_, _, word) in words(text) {
        *counts.entry(word).or_default() += 1;
    }
    let total = counts.values().sum();
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by(|(w1, n1), (w2, n2)| n2.cmp(n1).then(w1.cmp(w2)));
    (counts, total)
}

#[test]
fn unreachable_nodes_of_the_bundled_graph() {
    let edges: Vec<(u32, u32)> = BUNDLED_GRAPH
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace().map(|n| n.parse().ok());
            Some((parts.next()??, parts.next()??))
        })
        .collect();
    let source = edges[0].0;
    let expected = expected_unreachable(&edges, source);
    let found = unreachable(edges.iter().copied(), [source], &Config::with_workers(2)).unwrap();
    assert_eq!(found, expected);
}

#[test]
fn word_counts_of_the_bundled_text() {
    let (counts, total) = word_counts(BUNDLED_TEXT, &Config::embedded()).unwrap();
    assert_eq!((counts.clone(), total), expected_counts(BUNDLED_TEXT));
    assert_eq!(counts[0].0, "the");
}

#[test]
fn the_binaries_run_with_their_defaults() {
    let roads = parse_roads(Cursor::new(BUNDLED_CANALS), "canals").unwrap();
    let pairs = expected_paths(&roads).0.len();
    let out = run(env!("CARGO_BIN_EXE_shortest_paths"), &[]);
    assert_eq!(last_line(&out), format!("pairs={pairs}"));
    assert!(out.contains("1 -> 4: 32 km via 2"), "{out}");

    let out = run(env!("CARGO_BIN_EXE_unreachable"), &["-w", "2"]);
    assert!(last_line(&out).starts_with("unreachable="), "{out}");

    let out = run(env!("CARGO_BIN_EXE_wordcount"), &["--top", "1"]);
    let (_, total) = expected_counts(BUNDLED_TEXT);
    assert_eq!(
        out,
        format!(
            "the {}\nwords={total}\n",
            expected_counts(BUNDLED_TEXT).0[0].1
        )
    );
}

#[test]
fn a_malformed_road_list_names_its_line() {
    let dir = std::env::temp_dir().join(format!("blossom-roads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("roads.tsv");
    std::fs::write(&file, "1 2 3\n# fine\n2 3\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shortest_paths"))
        .arg("--input")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("roads.tsv:3:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each node's last value on a ring where node `i` passes to `i + 1` and node 0 starts at 0:
/// value `n` is held by node `(n + 1) % nodes`.
fn expected_ring(nodes: u32, max: u32) -> Vec<Option<u32>> {
    let mut last = vec![None; nodes as usize];
    for n in 0..=max {
        last[((n + 1) % nodes) as usize] = Some(n);
    }
    last
}

#[test]
fn the_ring_passes_the_token_to_the_bound_on_any_number_of_workers() {
    for (nodes, max) in [(5, 20), (1, 3), (7, 4), (3, 0)] {
        for workers in [1, 2, 4] {
            let (last, _) =
                blossom_examples::ring::run_ring(nodes, max, &Config::with_workers(workers))
                    .unwrap();
            assert_eq!(
                last,
                expected_ring(nodes, max),
                "{nodes} nodes, bound {max}, {workers} workers"
            );
        }
    }
}

#[test]
fn the_ring_binary_runs_with_its_defaults() {
    let out = run(env!("CARGO_BIN_EXE_ring"), &[]);
    let expected: String = expected_ring(5, 20)
        .iter()
        .enumerate()
        .map(|(node, n)| {
            format!(
                "node {node}: {}\n",
                n.map_or("-".to_string(), |n| n.to_string())
            )
        })
        .collect();
    assert_eq!(out, format!("{expected}ticks=23\n"));
}
