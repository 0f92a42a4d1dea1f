//! `shortest_paths`: the shortest distance and first hop between every pair of a weighted graph.
//!
//! Reads `from to km` lines (`--input FILE`; the bundled canal network by default) and prints
//! one line per pair, `from -> to: km km via hop`, then, last, `pairs=<N>`. Routes longer than
//! `--max-km` (default: the sum of all distances, enough for any shortest path) are not
//! explored. `-w N` runs on N worker threads.

use std::path::PathBuf;

use blossom::Config;
use blossom_examples::shortest::{load_roads, shortest_paths};
use clap::Parser;

/// The shortest paths of a weighted directed graph, computed by Blossom rules.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// `from to km` per line. Without it, the bundled canal network is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// The longest route to explore, in km [default: the sum of all distances].
    #[arg(long)]
    max_km: Option<u32>,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("shortest_paths", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::shortest::ShortestPaths::explain()])?
    {
        return Ok(());
    }
    let roads = load_roads(args.input.as_deref())?;
    let max_km = args.max_km.unwrap_or_else(|| {
        roads
            .iter()
            .fold(0u32, |total, &(_, _, km)| total.saturating_add(km))
    });
    let (shortest, hops) = shortest_paths(&roads, max_km, &config)?;
    for (&(from, to, km), &(_, _, via)) in shortest.iter().zip(&hops) {
        println!("{from} -> {to}: {km} km via {via}");
    }
    println!("pairs={}", shortest.len());
    Ok(())
}
