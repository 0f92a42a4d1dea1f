//! How long one changed edge takes to reach the closure's new fixpoint, against recomputing.
//!
//! `cargo bench -p blossom-examples --bench incremental -- --graph ego-facebook --changes 30`
//! computes the closure of the graph less `--changes` of its edges, then puts them back one
//! tick at a time (each tick timed: [`Reach`], whose rounds only insert, and [`Links`], whose
//! rounds also delete), then cuts them one at a time from `Links` (a cut takes effect at the
//! next tick: both ticks are timed). Both closures are checked against datafrog's sizes: after
//! the inserts, on the full graph; after the cuts, on the graph less the changed edges. datafrog, which has no incrementality, recomputes the whole closure: its time, on
//! the full graph, is measured in the same run. `cargo test` runs it on a small generated
//! graph as a smoke test, checking every closure size against a recomputation.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use blossom_examples::reach::{Links, Reach};

#[path = "tc/graphs.rs"]
#[allow(dead_code)]
mod graphs;
#[path = "tc/tc.rs"]
#[allow(dead_code)]
mod tc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        args.get(at + 1).cloned()
    };
    let graph = value("--graph").unwrap_or_else(|| "ego-facebook".into());
    let changes: usize = value("--changes").map_or(Ok(30), |n| n.parse())?;
    let runs: usize = value("--runs").map_or(Ok(3), |n| n.parse())?;
    let (name, edges, changes, runs) = if bench {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/graphs");
        let graph = graphs::Graph::resolve(&graph, &dir)?;
        (graph.name().to_owned(), graph.load()?, changes, runs)
    } else {
        ("synthetic".to_owned(), graphs::synthetic_edges(), 5, 1)
    };
    // The edges taken out and put back: spread evenly over the file, deterministic.
    let step = (edges.len() / changes.max(1)).max(1);
    let changed: Vec<(u32, u32)> = edges.iter().copied().step_by(step).take(changes).collect();
    let rest: Vec<(u32, u32)> = (edges.iter().copied())
        .filter(|e| !changed.contains(e))
        .collect();
    println!(
        "graph {name}: {} edges, {} changed one at a time",
        edges.len(),
        changed.len()
    );

    let datafrog_closure = tc::datafrog;
    let mut recompute = Vec::new();
    let mut full = 0;
    for _ in 0..runs {
        let start = Instant::now();
        full = datafrog_closure(&edges);
        recompute.push(start.elapsed());
        println!("datafrog recomputes {full} pairs in {:?}", start.elapsed());
    }
    let cut_back = datafrog_closure(&rest);

    let (mut reach_inserts, mut links_inserts, mut links_cuts) =
        (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = Instant::now();
        let mut reach = Reach::new();
        reach.edge.extend(rest.iter().copied());
        reach.tick()?;
        let reach_first = start.elapsed();
        let start = Instant::now();
        let mut links = Links::new();
        links.edge.extend(rest.iter().copied());
        links.tick()?;
        println!(
            "first closure ({} pairs): Reach {reach_first:?}, Links {:?}",
            links.path.len(),
            start.elapsed()
        );
        let mut present: BTreeSet<(u32, u32)> = rest.iter().copied().collect();
        for &edge in &changed {
            present.insert(edge);
            let expected = (!bench).then(|| closure(&present));
            let start = Instant::now();
            reach.edge.insert(edge);
            reach.tick()?;
            reach_inserts.push(start.elapsed());
            let start = Instant::now();
            links.edge.insert(edge);
            links.tick()?;
            links_inserts.push(start.elapsed());
            if let Some(expected) = expected {
                anyhow::ensure!(reach.path.len() == expected, "Reach: wrong closure size");
                anyhow::ensure!(links.path.len() == expected, "Links: wrong closure size");
            }
        }
        anyhow::ensure!(reach.path.len() == full, "Reach: not datafrog's closure");
        anyhow::ensure!(links.path.len() == full, "Links: not datafrog's closure");
        for &edge in &changed {
            present.remove(&edge);
            let expected = (!bench).then(|| closure(&present));
            let start = Instant::now();
            links.cut.insert(edge);
            links.tick()?;
            links.tick()?;
            links_cuts.push(start.elapsed());
            if let Some(expected) = expected {
                anyhow::ensure!(
                    links.path.len() == expected,
                    "Links: wrong size after a cut"
                );
            }
        }
        anyhow::ensure!(
            links.path.len() == cut_back,
            "Links: not datafrog's closure after the cuts"
        );
    }
    let datafrog = median(&mut recompute);
    println!("\n| change | system | median | min–max | recomputing / median |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for (change, system, times) in [
        ("insert", "Reach (semi-naive)", &mut reach_inserts),
        ("insert", "Links (semi-naive, deleting)", &mut links_inserts),
        (
            "cut (two ticks)",
            "Links (semi-naive, deleting)",
            &mut links_cuts,
        ),
    ] {
        let m = median(times);
        println!(
            "| {change} | {system} | {:.3} ms | {:.3}–{:.3} ms | {:.0}× |",
            ms(m),
            ms(times[0]),
            ms(times[times.len() - 1]),
            datafrog.as_secs_f64() / m.as_secs_f64().max(1e-9),
        );
    }
    println!("| recompute | datafrog | {:.1} ms | | 1× |", ms(datafrog));
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Sorts `times` and returns the middle one.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// The closure size by the textbook fixpoint (the smoke run's check).
fn closure(edges: &BTreeSet<(u32, u32)>) -> usize {
    tc::reference_closure_size(&edges.iter().copied().collect::<Vec<_>>())
}
