//! `reach_client`: a client of `reachability --serve`: adds (or cuts) edges, then prints the
//! closure's size as `pairs=<N>` (and with `--print`, every pair as `src dst`). A cut holds
//! from the tick after it (`link(a, b) <- cut(a, b)`), so after cutting, the client runs that
//! tick (an empty insert) before it reads the closure.
//!
//! ```text
//! reach_client --server 127.0.0.1:7000 --edge 1 2 --edge 2 3     # pairs=3
//! reach_client --server 127.0.0.1:7000 --input graph.tsv         # every edge of a file
//! reach_client --server 127.0.0.1:7000 --cut 1 2                 # pairs=1
//! reach_client --server 127.0.0.1:7000 --token-file token.txt     # a server with a token
//! ```

use std::path::PathBuf;

use blossom_examples::reach::Links;
use blossom_net::{Client, Retry, TokenArgs};
use clap::Parser;

/// Adds and cuts edges of a served graph, and prints its closure.
#[derive(Parser)]
struct Args {
    /// Where `reachability --serve` serves.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1:7000")]
    server: String,
    /// An edge to add: two node numbers (repeat for more).
    #[arg(long, num_args = 2, value_names = ["SRC", "DST"], action = clap::ArgAction::Append)]
    edge: Vec<u32>,
    /// An edge to cut: two node numbers (repeat for more).
    #[arg(long, num_args = 2, value_names = ["SRC", "DST"], action = clap::ArgAction::Append)]
    cut: Vec<u32>,
    /// Add every edge of a file (two numbers per line); `bundled` for the bundled graph.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Print every pair of the closure, one `src dst` per line, before the count.
    #[arg(long)]
    print: bool,
    #[command(flatten)]
    token: TokenArgs,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("reach_client", run())
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let pairs = |numbers: &[u32]| -> Vec<(u32, u32)> {
        numbers.chunks_exact(2).map(|p| (p[0], p[1])).collect()
    };
    let mut edges = pairs(&args.edge);
    if let Some(input) = &args.input {
        let file = (input.as_os_str() != "bundled").then_some(input.as_path());
        edges.extend(blossom_examples::load_graph(file)?);
    }
    let cuts = pairs(&args.cut);
    let token = args.token.token()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client =
            Client::connect_with(args.server.as_str(), Retry::default(), token.as_ref()).await?;
        if !edges.is_empty() {
            let tick = client.insert(Links::EDGE, &edges).await?;
            eprintln!("{} edge(s) added in tick {tick}", edges.len());
        }
        if !cuts.is_empty() {
            let tick = client.insert(Links::CUT, &cuts).await?;
            let next = client.insert(Links::EDGE, &[]).await?;
            eprintln!(
                "{} edge(s) cut in tick {tick}, gone in tick {next}",
                cuts.len()
            );
        }
        // The first message of a subscription is every row the output has.
        let mut path = client.subscribe(Links::PATH).await?;
        let now = path
            .next()
            .await
            .ok_or_else(|| anyhow::anyhow!("the server closed"))??;
        if args.print {
            for (src, dst) in &now.added {
                println!("{src} {dst}");
            }
        }
        println!("pairs={}", now.added.len());
        Ok(())
    })
}
