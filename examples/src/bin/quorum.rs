//! `quorum`: voters send ballots for proposals to a coordinator over a network that delays and
//! reorders them; the coordinator keeps each proposal's voters in a `SetUnion` and decides once
//! the set reaches the quorum, then tells each voter once.
//!
//! Prints, per tick, the tallies and decisions at the coordinator and the outcomes voters know
//! of, then, last, `decided=<N>`. `--voters`, `--quorum`, `--seed` shape the run; `-w N` runs
//! it on N worker threads.

use blossom::{Addr, Config, Network};
use blossom_examples::quorum::{Vote, run_votes};
use clap::Parser;

/// Proposals decided by a quorum of votes collected in a set lattice.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// Voters, nodes 1 to N (node 0 coordinates).
    #[arg(long, default_value_t = 5)]
    voters: u32,
    /// Votes needed to decide a proposal.
    #[arg(long, default_value_t = 3)]
    quorum: usize,
    /// The seed of the network's delays.
    #[arg(long, default_value_t = 3)]
    seed: u64,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("quorum", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::quorum::Quorum::explain()])?
    {
        return Ok(());
    }
    let config = config.network(Network::random(args.seed).delays(1..=4));
    // Proposal 1: every voter votes, some twice. Proposal 2: only the first two voters.
    let mut votes: Vec<Vote> = (1..=args.voters)
        .map(|v| (u64::from(v % 3), Addr(v), 1))
        .collect();
    votes.extend((1..=args.voters.min(2)).map(|v| (u64::from(v), Addr(v), 2)));
    votes.push((2, Addr(1), 1));
    let proposals = [(1, args.quorum), (2, args.quorum)];
    let election = run_votes(Addr(0), &proposals, &votes, 12, &config)?;
    for (tick, tallies) in election.tallies.iter().enumerate() {
        let tallies: Vec<String> = tallies
            .iter()
            .map(|(_, p, n)| format!("proposal {p}: {n} votes"))
            .collect();
        let decided: Vec<String> = election.decided[tick]
            .iter()
            .map(|(_, p)| p.to_string())
            .collect();
        println!(
            "tick {tick}: {}; decided [{}]; voters told: {}",
            tallies.join(", "),
            decided.join(", "),
            election.known[tick].len()
        );
    }
    let last = election.decided.last().map_or(0, Vec::len);
    println!("decided={last}");
    Ok(())
}
