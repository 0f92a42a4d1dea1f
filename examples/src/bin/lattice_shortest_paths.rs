//! `lattice_shortest_paths`: the shortest distance and first hop between every pair of a
//! weighted graph, kept in a lattice per pair (no bound on route lengths, no second stratum).
//!
//! Reads `from to km` lines (`--input FILE`; the bundled canal network by default) and prints
//! one line per pair, `from -> to: km km via hop`, then, last, `pairs=<N>`: the same output as
//! `shortest_paths`. `-w N` runs on N worker threads.

use std::path::PathBuf;

use blossom::Config;
use blossom_examples::paths::lattice_shortest_paths;
use blossom_examples::shortest::load_roads;
use clap::Parser;

/// The shortest paths of a weighted directed graph, through a `Min` lattice per pair.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// `from to km` per line. Without it, the bundled canal network is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("lattice_shortest_paths", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::paths::LatticePaths::explain()])?
    {
        return Ok(());
    }
    let roads = load_roads(args.input.as_deref())?;
    let (shortest, hops) = lattice_shortest_paths(&roads, &config)?;
    for (&(from, to, km), &(_, _, via)) in shortest.iter().zip(&hops) {
        println!("{from} -> {to}: {km} km via {via}");
    }
    println!("pairs={}", shortest.len());
    Ok(())
}
