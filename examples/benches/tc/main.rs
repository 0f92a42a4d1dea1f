//! Transitive closure in Blossom's peers, side by side, each run in its own process.
//!
//! `cargo bench -p blossom-examples --bench tc -- --graphs ol-cedge,cti --runs 3` compares the
//! systems in [`systems::SYSTEMS`] on the shared graphs; `cargo test` runs it as a smoke test
//! (one graph, one run) that fails if any system computes the wrong closure size.

mod graphs;
mod measure;
mod options;
mod report;
mod systems;

use std::io::Write;
use std::process::ExitCode;

use measure::Outcome;
use options::{Invocation, Plan};
use report::{Row, Runs};

fn main() -> ExitCode {
    let invocation = match options::parse(std::env::args().skip(1)) {
        Ok(invocation) => invocation,
        Err(error) => {
            eprintln!("tc: {error:#}\n{}", options::USAGE);
            return ExitCode::from(2);
        }
    };
    match invocation {
        Invocation::Help => {
            println!("{}", options::USAGE);
            ExitCode::SUCCESS
        }
        Invocation::Child { system, graph } => match measure::child(&system, &graph) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("tc --child {system} {}: {error:#}", graph.name());
                ExitCode::FAILURE
            }
        },
        Invocation::Compare(plan) => compare(&plan),
    }
}

/// Runs every (graph, repetition, system) in a fresh child, prints the tables, checks the sizes.
fn compare(plan: &Plan) -> ExitCode {
    println!("{}", report::header());
    if !plan.bench {
        println!("smoke run (no --bench flag): checks every system's closure size\n");
    }
    let total = plan.graphs.len() * plan.runs * plan.systems.len();
    let mut done = 0;
    let mut rows = Vec::new();
    for graph in &plan.graphs {
        let mut cells: Vec<Runs> = plan
            .systems
            .iter()
            .map(|system| Runs {
                system: system.clone(),
                outcomes: Vec::new(),
            })
            .collect();
        // Repetitions outermost, so a burst of load on the shared machine hits every system alike.
        for run in 1..=plan.runs {
            for cell in &mut cells {
                let outcome = measure::in_child(&cell.system, graph, plan.timeout);
                done += 1;
                println!(
                    "[{done}/{total}] {} {} run {run}: {}",
                    graph.name(),
                    cell.system,
                    describe(&outcome)
                );
                // Progress matters when a full run takes many minutes and stdout is a pipe.
                let _ = std::io::stdout().flush();
                cell.outcomes.push(outcome);
            }
        }
        rows.push(Row {
            graph: graph.clone(),
            cells,
        });
    }
    println!(
        "\n{}",
        report::tables(&rows, &plan.systems, systems::BASELINE)
    );
    verdict(plan, &rows)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done(m) => {
            let peak = m.peak_kib.map_or_else(String::new, |kib| {
                format!(", {:.0} MiB", kib as f64 / 1024.0)
            });
            format!(
                "{} pairs in {:.3} s{peak}",
                report::thousands(m.pairs),
                m.seconds
            )
        }
        Outcome::TimedOut => "timed out".to_owned(),
        Outcome::Failed(why) => format!("FAILED: {why}"),
    }
}

/// Reports wrong closure sizes and failed runs; either makes the exit code non-zero. A timeout
/// is a result under `cargo bench`, but fails the smoke run, whose job is to check every system.
fn verdict(plan: &Plan, rows: &[Row]) -> ExitCode {
    let mut ok = true;
    for row in rows {
        let graph = row.graph.name();
        if let Err(problems) = report::agreed_pairs(row) {
            ok = false;
            for problem in problems {
                eprintln!("MISMATCH on {graph}: {problem}");
            }
        }
        for cell in &row.cells {
            for outcome in &cell.outcomes {
                let system = &cell.system;
                match outcome {
                    Outcome::Done(_) => {}
                    Outcome::TimedOut if plan.bench => {
                        eprintln!("note: {graph} {system}: timed out")
                    }
                    Outcome::TimedOut => {
                        ok = false;
                        eprintln!("ERROR {graph} {system}: timed out");
                    }
                    Outcome::Failed(why) => {
                        ok = false;
                        eprintln!("ERROR {graph} {system}: {why}");
                    }
                }
            }
        }
    }
    if ok {
        let smoke = if plan.bench {
            ""
        } else {
            " (smoke run passed)"
        };
        println!("all closure sizes agree{smoke}");
        ExitCode::SUCCESS
    } else {
        eprintln!("tc: FAILED (see above)");
        ExitCode::FAILURE
    }
}
