//! `ring`: N logical nodes pass a counter around a ring until it reaches a bound.
//!
//! Prints each node's last value as `node <i>: <value>` (or `-` if the token never reached
//! it), then, last, `ticks=<N>`. `--nodes` (default 5) and `--bound` (default 20) set the ring;
//! `-w N` runs it on N worker threads, with the same answer.

use blossom::Config;
use blossom_examples::ring::run_ring;
use clap::Parser;

/// A counter passed around a ring of logical nodes through a Blossom channel.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// The number of nodes in the ring.
    #[arg(long, default_value_t = 5)]
    nodes: u32,
    /// The last value the token takes.
    #[arg(long, default_value_t = 20)]
    bound: u32,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("ring", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::ring::Ring::explain()])?
    {
        return Ok(());
    }
    anyhow::ensure!(args.nodes > 0, "a ring needs at least one node");
    let (last, ticks) = run_ring(args.nodes, args.bound, &config)?;
    for (node, value) in last.iter().enumerate() {
        match value {
            Some(n) => println!("node {node}: {n}"),
            None => println!("node {node}: -"),
        }
    }
    println!("ticks={ticks}");
    Ok(())
}
