//! `widest_paths`: the widest route between every pair of a graph, its bottleneck the largest
//! over all routes (`Max` of the `Min` width along each).
//!
//! Reads `from to width` lines (`--input FILE`; by default the bundled canal network, its third
//! column read as each canal's width in metres) and prints one line per connected pair,
//! `from -> to: width`, then, last, `pairs=<N>`. `-w N` runs on N worker threads.

use std::path::PathBuf;

use blossom::Config;
use blossom_examples::paths::widest_paths;
use blossom_examples::shortest::load_roads;
use clap::Parser;

/// The widest paths of a directed graph, through a `Max` lattice per pair.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// `from to width` per line. Without it, the bundled canal network is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("widest_paths", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::paths::WidestPaths::explain()])?
    {
        return Ok(());
    }
    let roads = load_roads(args.input.as_deref())?;
    let widest = widest_paths(&roads, &config)?;
    for (from, to, width) in &widest {
        println!("{from} -> {to}: {width}");
    }
    println!("pairs={}", widest.len());
    Ok(())
}
