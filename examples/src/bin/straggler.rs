//! `straggler`: how long a subscriber waits for a monotone output and for a sealed one when one
//! worker is slow.
//!
//! Each tick inserts `--requests` cheap requests, then as many costly ones (`--cost`
//! microseconds of admission check each): the first half of the workers gets the cheap share,
//! the second half straggles. Prints, per tick, how
//! long after the tick began a subscriber heard the first admission, the median cheap
//! admission, the sealed admissions and the sealed count; then the medians over the ticks.
//! Run it with `-w 2` (or more): with one worker there is no one to wait for.

use std::time::Duration;

use blossom::Config;
use blossom_examples::straggler::{Admission, Heard, run_stragglers};
use clap::Parser;

/// Latency of eager (monotone) and sealed (non-monotone) outputs with a straggling worker.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// Cheap requests per tick (and as many costly ones, for the straggler).
    #[arg(long, default_value_t = 100)]
    requests: u64,
    /// Microseconds the admission check spends on each costly request.
    #[arg(long, default_value_t = 500)]
    cost: u32,
    /// Ticks to run.
    #[arg(long, default_value_t = 10)]
    ticks: u64,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("straggler", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args.report.print(&[Admission::explain()])? {
        return Ok(());
    }
    let heard = run_stragglers(&config, args.requests, args.cost, args.ticks)?;
    println!("tick first_admitted cheap_admitted admitted_sealed count_sealed (ms)");
    for (tick, h) in heard.iter().enumerate() {
        println!(
            "{tick} {} {} {} {}",
            ms(h.first_admitted),
            ms(h.cheap_admitted),
            ms(Some(h.admitted_sealed)),
            ms(Some(h.count_sealed))
        );
    }
    let median = |f: fn(&Heard) -> Option<Duration>| {
        let mut all: Vec<Duration> = heard.iter().filter_map(f).collect();
        all.sort();
        all.get(all.len() / 2).copied()
    };
    let early: usize = heard.iter().map(|h| h.told_early).sum();
    let sealed: usize = heard.iter().map(|h| h.sealed_rows).sum();
    println!(
        "workers={} first_admitted={} cheap_admitted={} admitted_sealed={} count_sealed={} told_early={early}/{sealed}",
        config.workers,
        ms(median(|h| h.first_admitted)),
        ms(median(|h| h.cheap_admitted)),
        ms(median(|h| Some(h.admitted_sealed))),
        ms(median(|h| Some(h.count_sealed))),
    );
    Ok(())
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(
        || "-".to_string(),
        |d| format!("{:.3}", d.as_secs_f64() * 1e3),
    )
}
