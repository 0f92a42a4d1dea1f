//! `cart`: Bloom's monotone shopping cart. Two clients send numbered actions and a checkout to
//! a cart server over a network that delays and reorders them (a checkout may arrive before
//! the actions it closes). The server outputs a cart only once every action up to the
//! checkout's has arrived.
//!
//! Prints, per tick, the carts complete at the server, then, last, `carts=<N>`. `--seed` picks
//! the network's delays; `-w N` runs it on N worker threads.

use blossom::{Addr, Config, Network};
use blossom_examples::cart::{Action, run_carts};
use clap::Parser;

/// Carts assembled from actions that arrive in any order, complete at their checkout.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// The seed of the network's delays.
    #[arg(long, default_value_t = 5)]
    seed: u64,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("cart", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::cart::Cart::explain()])?
    {
        return Ok(());
    }
    let config = config.network(Network::random(args.seed).delays(1..=4));
    let action = |tick, client, seq, item: &str, delta| Action {
        tick,
        client: Addr(client),
        session: 1,
        seq,
        item: item.to_string(),
        delta,
    };
    let actions = [
        action(0, 1, 1, "apples", 3),
        action(0, 1, 2, "bread", 1),
        action(1, 1, 3, "apples", -1),
        action(1, 1, 4, "milk", 2),
        action(0, 2, 1, "tea", 1),
        action(1, 2, 2, "tea", -1),
        action(2, 2, 3, "honey", 1),
    ];
    // Client 1 checks out in the same tick as its last action; client 2 before its last one
    // is even sent: the server waits for it either way.
    let checkouts = [(1, Addr(1), 1, 4), (1, Addr(2), 1, 3)];
    let carts = run_carts(&actions, &checkouts, 10, &config)?;
    for (tick, lines) in carts.iter().enumerate() {
        let lines: Vec<String> = lines
            .iter()
            .map(|(client, _, item, qty)| format!("client {}: {qty} {item}", client.0))
            .collect();
        println!(
            "tick {tick}: {}",
            if lines.is_empty() {
                "-".to_string()
            } else {
                lines.join(", ")
            }
        );
    }
    let complete: std::collections::BTreeSet<Addr> = carts
        .last()
        .into_iter()
        .flatten()
        .map(|(client, ..)| *client)
        .collect();
    println!("carts={}", complete.len());
    Ok(())
}
