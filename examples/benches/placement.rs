//! The planner's placement against the naive one (every relation spread by its whole rows, so
//! that every join moves what it reads), side by side in one run.
//!
//! `cargo bench -p blossom-examples --bench placement -- --workers 2 --runs 5` times two
//! programs: `Star`, three inputs joined by one key (a user's name, city and age), which the
//! plan places so that only the inputs move, once; and `TwoHop`, paths of two edges over the
//! bundled `ol-cedge` graph, whose edges the join reads by two keys, so that one of its two
//! exchanges must move rows either way. For each it prints the median time of a tick that
//! inserts everything and derives the output, the rows the exchanges moved, and the planned
//! time over the naive. Outputs are checked equal across the two. `cargo test` runs it small.

use std::time::{Duration, Instant};

use blossom::{Config, Placement};

blossom::program! {
    /// A profile per user, from three inputs keyed by the user.
    pub Star {
        input  name(user: u64, name: u64);
        input  city(user: u64, city: u64);
        input  age(user: u64, age: u64);
        output profile(user: u64, name: u64, city: u64, age: u64);
        profile(u, n, c, a) <= name(u, n), city(u, c), age(u, a);
    }
}

blossom::program! {
    /// Every path of two edges.
    pub TwoHop {
        input  edge(src: u32, dst: u32);
        output hop(src: u32, dst: u32);
        hop(a, c) <= edge(a, b), edge(b, c);
    }
}

/// One timed tick: the output's size, the rows moved between workers, and the time.
type Measured = (usize, u64, Duration);

fn star(users: u64, config: &Config) -> anyhow::Result<Measured> {
    let mut p = Star::with_config(config)?;
    let start = Instant::now();
    p.name.extend((0..users).map(|u| (u, u * 7 % 1000)));
    p.city.extend((0..users).map(|u| (u, u % 97)));
    p.age.extend((0..users).map(|u| (u, 18 + u % 60)));
    p.tick()?;
    let took = start.elapsed();
    Ok((p.profile.len(), p.exchanged().values().sum(), took))
}

fn two_hop(edges: &[(u32, u32)], config: &Config) -> anyhow::Result<Measured> {
    let mut p = TwoHop::with_config(config)?;
    let start = Instant::now();
    p.edge.extend(edges.iter().copied());
    p.tick()?;
    let took = start.elapsed();
    Ok((p.hop.len(), p.exchanged().values().sum(), took))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[path = "common/args.rs"]
mod args;

fn main() -> anyhow::Result<()> {
    let args = args::Args::from_env();
    let bench = args.bench();
    let value = |flag: &str| args.value(flag);
    let workers: usize = value("--workers").map_or(Ok(2), |n| n.parse())?;
    let runs: usize = value("--runs").map_or(Ok(if bench { 5 } else { 1 }), |n| n.parse())?;
    let users: u64 = if bench { 500_000 } else { 2_000 };
    let edges = blossom_examples::load_graph(None)?;
    let edges: Vec<(u32, u32)> = match bench {
        true => edges,
        false => edges.into_iter().take(2_000).collect(),
    };
    println!("program  workers  placement  median_s  rows_moved  output  planned/naive");
    type Run<'a> = Box<dyn Fn(&Config) -> anyhow::Result<Measured> + 'a>;
    let programs: [(&str, Run); 2] = [
        ("star", Box::new(|c: &Config| star(users, c))),
        ("two_hop", Box::new(|c: &Config| two_hop(&edges, c))),
    ];
    for (name, run) in &programs {
        let mut results = Vec::new();
        for placement in [Placement::Planned, Placement::Naive] {
            let config = Config::with_workers(workers).placement(placement);
            let (mut times, mut last) = (Vec::new(), (0, 0));
            for _ in 0..runs {
                let (size, moved, took) = run(&config)?;
                times.push(took);
                last = (size, moved);
            }
            results.push((placement, median(times), last));
        }
        let (planned, naive) = (results[0].1, results[1].1);
        anyhow::ensure!(
            results[0].2.0 == results[1].2.0,
            "{name}: the placements disagree on the output"
        );
        for (placement, time, (size, moved)) in &results {
            let ratio = match placement {
                Placement::Planned => {
                    format!("{:.2}", planned.as_secs_f64() / naive.as_secs_f64())
                }
                Placement::Naive => String::new(),
            };
            println!(
                "{name:<8} {workers:>7}  {:<9}  {:>8.3}  {moved:>10}  {size:>6}  {ratio}",
                format!("{placement:?}").to_lowercase(),
                time.as_secs_f64()
            );
        }
        if workers > 1 {
            anyhow::ensure!(
                results[0].2.1 < results[1].2.1,
                "{name}: the plan moved no fewer rows than the naive placement"
            );
        }
    }
    Ok(())
}
