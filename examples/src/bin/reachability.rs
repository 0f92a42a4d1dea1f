//! `reachability`: the transitive closure of an edge list, computed by Blossom rules.
//!
//! Prints progress and timings on stderr and, as its last line on stdout, `pairs=<N>`.
//! Runs embedded by default; `-w N` (or `--workers N`) uses N threads, and timely's cluster
//! options `-n PROCESSES -p INDEX [-h HOSTFILE]` make this process one of a cluster (which
//! `blossom launch` passes for you).
//!
//! With `--serve ADDRESS` it computes nothing by itself: it serves a graph that clients grow
//! and cut (the `Links` program: inputs `edge` and `cut`, output `path`; see `reach_client`),
//! until stopped. In a cluster process 0 serves, and the others tick with it. With `--token T`
//! or `--token-file FILE` it serves only clients that send the token (`reach_client` takes the
//! same options).

use std::path::PathBuf;
use std::time::Instant;

use blossom::Config;
use blossom_examples::{load_graph, reach};
use clap::Parser;

const CLUSTER_HELP: &str = "\
Where it runs (timely's own options, read before the others):
  -w, --workers N     worker threads in this process [default: 1]
  -n, --processes N   processes in the cluster [default: 1]
  -p, --process I     this process's index in the cluster [default: 0]
  -h, --hostfile F    one host:port per line, in process order [default: localhost:2101, 2102, ...]";

/// The transitive closure of a directed graph, computed by Blossom rules.
#[derive(Parser)]
#[command(after_help = CLUSTER_HELP, disable_help_flag = true)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// An edge list: two unsigned integers per line, tab or space separated, `#` comments allowed.
    /// Without it, the bundled `ol-cedge` graph is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Serve the graph at this address (`host:port`) instead: clients insert and cut edges,
    /// and subscribe to the closure.
    #[arg(long, value_name = "ADDRESS", conflicts_with = "input")]
    serve: Option<String>,
    #[command(flatten)]
    token: blossom_net::TokenArgs,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("reachability", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::reach::Reach::explain()])?
    {
        return Ok(());
    }
    // Read at start-up, so that a missing or empty token file is an error before anything runs.
    let token = args.token.token()?;
    if let Some(address) = &args.serve {
        return serve(&config, address, token);
    }
    anyhow::ensure!(token.is_none(), "--token and --token-file go with --serve");
    let started = Instant::now();
    let edges = load_graph(args.input.as_deref())?;
    eprintln!("loaded {} edges in {:.2?}", edges.len(), started.elapsed());
    let (process, processes) = match &config.cluster {
        Some(cluster) => (cluster.process, cluster.addresses.len()),
        None => (0, 1),
    };
    // Each process of a cluster inserts its share; the rules exchange edges by key.
    let share = edges
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % processes == process)
        .map(|(_, e)| e);
    let computing = Instant::now();
    let pairs = reach::closure_size(share, &config)?;
    eprintln!(
        "closure computed in {:.2?} on {} worker(s) x {processes} process(es)",
        computing.elapsed(),
        config.workers
    );
    if process == 0 {
        println!("pairs={pairs}");
    } else {
        eprintln!("process {process} done; the count is printed by process 0");
    }
    Ok(())
}

/// Serves [`reach::Links`] until stopped: process 0 on `address`, the others tick with it;
/// with a token, only to clients that send it.
fn serve(config: &Config, address: &str, token: Option<blossom_net::Token>) -> anyhow::Result<()> {
    use anyhow::Context;
    blossom_examples::log_to_stderr();
    let links = reach::Links::with_config(config)?;
    let listener = match config.cluster.as_ref().map_or(0, |c| c.process) {
        0 => {
            let listener = std::net::TcpListener::bind(address)
                .with_context(|| format!("cannot listen on {address}"))?;
            eprintln!("serving on {}", listener.local_addr()?);
            listener
        }
        process => {
            eprintln!("process {process} ticks with process 0");
            std::net::TcpListener::bind("127.0.0.1:0")?
        }
    };
    blossom_net::Server::new(links)
        .token(token)
        .serve(listener)?;
    Ok(())
}
