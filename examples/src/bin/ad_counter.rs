//! `ad_counter`: Lasp's advertisement counter. Nodes serve impressions of ads, count their own
//! in a `GCounter` per ad and gossip the counters over a network that delays messages 1 to 3
//! ticks; an ad is disabled once its total passes its limit.
//!
//! Prints, per tick, how many impressions the nodes served and which ads they disabled; then
//! per ad `ad A: S served (limit L), counted C C C`, the count each node ends with (all equal
//! to S: what is served past L is the overshoot while gossip was in flight); and, last,
//! `disabled=<D>`, the ads disabled on every node. `--nodes`, `--ads`, `--limit`, `--ticks`,
//! `--seed` shape the run; `-w N` runs it on N worker threads.

use blossom::Config;
use blossom_examples::ads::{gossip_network, run_campaign, steady_requests};
use clap::Parser;

/// Impressions counted per ad on several nodes, in gossiped grow-only counters.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// Nodes serving ads.
    #[arg(long, default_value_t = 3)]
    nodes: u32,
    /// Ads in the campaign.
    #[arg(long, default_value_t = 2)]
    ads: u32,
    /// Impressions after which an ad is disabled.
    #[arg(long, default_value_t = 30)]
    limit: u64,
    /// Ticks of requests (then ticks of quiet for gossip to settle).
    #[arg(long, default_value_t = 12)]
    ticks: u32,
    /// The seed of the network's delays.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("ad_counter", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::ads::AdCounter::explain()])?
    {
        return Ok(());
    }
    anyhow::ensure!(
        args.nodes > 0 && args.ads > 0,
        "needs at least one node and one ad"
    );
    let config = config.network(gossip_network(args.seed));
    let ads: Vec<(u32, u64)> = (0..args.ads).map(|ad| (ad, args.limit)).collect();
    let requests = steady_requests(args.nodes, args.ads, args.ticks, 2);
    let run = run_campaign(args.nodes, &ads, &requests, 8, &config)?;
    for (tick, (served, disabled)) in run.served.iter().zip(&run.disabled).enumerate() {
        let disabled: Vec<String> = disabled
            .iter()
            .map(|(node, ad)| format!("ad {ad} on node {}", node.0))
            .collect();
        println!(
            "tick {tick}: served {}, disabled: {}",
            served.len(),
            if disabled.is_empty() {
                "-".to_string()
            } else {
                disabled.join(", ")
            }
        );
    }
    for &(ad, limit) in &ads {
        let served = run.served.iter().flatten().filter(|r| r.1 == ad).count();
        let counted: Vec<String> = (run.counts.iter())
            .filter(|c| c.1 == ad)
            .map(|c| c.2.to_string())
            .collect();
        println!(
            "ad {ad}: {served} served (limit {limit}), counted {}",
            counted.join(" ")
        );
    }
    let last = run.disabled.last().map(Vec::as_slice).unwrap_or_default();
    let everywhere = (ads.iter())
        .filter(|&&(ad, _)| (0..args.nodes).all(|n| last.contains(&(blossom::Addr(n), ad))))
        .count();
    println!("disabled={everywhere}");
    Ok(())
}
