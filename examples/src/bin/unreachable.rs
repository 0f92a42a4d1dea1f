//! `unreachable`: the nodes of a graph that no path from the source reaches.
//!
//! Reads an edge list (`--input FILE`; the bundled `ol-cedge` graph by default), starts from
//! `--from NODE` (default: the source of the first edge), and prints, last, `unreachable=<N>`;
//! `--list` also prints the nodes, one per line. `-w N` runs on N worker threads.

use std::path::PathBuf;

use blossom::Config;
use blossom_examples::{load_graph, unreachable::unreachable};
use clap::Parser;

/// The nodes of a directed graph that cannot be reached from a source.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// An edge list: two unsigned integers per line. Without it, the bundled graph is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// The source node [default: the source of the first edge].
    #[arg(long, value_name = "NODE")]
    from: Option<u32>,
    /// Print every unreachable node, not only their number.
    #[arg(long)]
    list: bool,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("unreachable", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::unreachable::Unreachable::explain()])?
    {
        return Ok(());
    }
    let edges = load_graph(args.input.as_deref())?;
    let Some(from) = args.from.or_else(|| edges.first().map(|&(src, _)| src)) else {
        anyhow::bail!("the graph has no edges, so there is no default source: pass --from");
    };
    let nodes = unreachable(edges, [from], &config)?;
    if args.list {
        for node in &nodes {
            println!("{node}");
        }
    }
    println!("unreachable={}", nodes.len());
    Ok(())
}
