//! Recursive programs in Blossom and its peers, side by side, each run in its own process.
//!
//! `cargo bench -p blossom-examples --bench tc -- --graphs ol-cedge,cti --runs 3` compares the
//! systems in [`systems::SYSTEMS`] on the transitive closure of the shared graphs (`--programs
//! sg,sp` for same generation and lattice shortest paths); `cargo test` runs it as a smoke test
//! (one graph, every program, one run) that fails if any system computes a wrong result.

mod graphs;
mod measure;
mod options;
mod report;
mod sg;
mod sp;
mod systems;
mod tc;

use std::io::Write;
use std::process::ExitCode;

use graphs::Graph;
use measure::Outcome;
use options::{Invocation, Plan};
use report::{Row, Runs};
use systems::Program;

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
        Invocation::Child {
            program,
            system,
            graph,
        } => match measure::child(program, &system, &graph) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                let program = program.name();
                eprintln!("tc --child {program} {system} {}: {error:#}", graph.name());
                ExitCode::FAILURE
            }
        },
        Invocation::Compare(plan) => compare(&plan),
    }
}

/// Runs every (program, graph, repetition, system) in a fresh child, prints the tables, checks
/// the results.
fn compare(plan: &Plan) -> ExitCode {
    println!("{}", report::header());
    if !plan.bench {
        println!("smoke run (no --bench flag): checks every system's result\n");
    }
    // Each program's systems, in the order asked for.
    let systems: Vec<(Program, Vec<String>)> = (plan.programs.iter())
        .map(|&program| {
            let runs = |s: &&String| systems::find(program, s).is_some();
            (program, plan.systems.iter().filter(runs).cloned().collect())
        })
        .collect();
    let cells: usize = systems.iter().map(|(_, names)| names.len()).sum();
    let total = plan.graphs.len() * plan.runs * cells;
    let mut done = 0;
    let mut rows = Vec::new();
    for (program, names) in &systems {
        for graph in &plan.graphs {
            let row = measure_row(plan, *program, names, graph, (&mut done, total));
            rows.push(row);
        }
    }
    for (program, names) in &systems {
        let rows: Vec<&Row> = rows.iter().filter(|row| row.program == *program).collect();
        if !names.is_empty() {
            println!("\n{}", report::tables(&rows, names));
        }
    }
    verdict(plan, &rows)
}

/// Every run of `program` on `graph`, one cell per system; `progress` counts runs for the log.
fn measure_row(
    plan: &Plan,
    program: Program,
    systems: &[String],
    graph: &Graph,
    progress: (&mut usize, usize),
) -> Row {
    let (done, total) = progress;
    let mut cells: Vec<Runs> = systems
        .iter()
        .map(|system| Runs {
            system: system.clone(),
            outcomes: Vec::new(),
        })
        .collect();
    // Repetitions outermost, so a burst of load on the shared machine hits every system alike.
    for run in 1..=plan.runs {
        for cell in &mut cells {
            let outcome = measure::in_child(program, &cell.system, graph, plan.timeout);
            *done += 1;
            println!(
                "[{done}/{total}] {} {} {} run {run}: {}",
                program.name(),
                graph.name(),
                cell.system,
                describe(program, &outcome)
            );
            // Progress matters when a full run takes many minutes and stdout is a pipe.
            let _ = std::io::stdout().flush();
            cell.outcomes.push(outcome);
        }
    }
    Row {
        program,
        graph: graph.clone(),
        cells,
    }
}

fn describe(program: Program, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done(m) => {
            let peak = m.peak_kib.map_or_else(String::new, |kib| {
                format!(", {:.0} MiB", kib as f64 / 1024.0)
            });
            format!(
                "{} {} in {:.3} s{peak}",
                report::thousands(m.result),
                program.result(),
                m.seconds
            )
        }
        Outcome::TimedOut => "timed out".to_owned(),
        Outcome::Failed(why) => format!("FAILED: {why}"),
    }
}

/// Reports wrong results and failed runs; either makes the exit code non-zero. A timeout
/// is a result under `cargo bench`, but fails the smoke run, whose job is to check every system.
fn verdict(plan: &Plan, rows: &[Row]) -> ExitCode {
    let mut ok = true;
    for row in rows {
        let graph = row.graph.name();
        let program = row.program.name();
        if let Err(problems) = report::agreed_result(row) {
            ok = false;
            for problem in problems {
                eprintln!("MISMATCH: {program} on {graph}: {problem}");
            }
        }
        for cell in &row.cells {
            for outcome in &cell.outcomes {
                let system = &cell.system;
                match outcome {
                    Outcome::Done(_) => {}
                    Outcome::TimedOut if plan.bench => {
                        eprintln!("note: {program} {graph} {system}: timed out")
                    }
                    Outcome::TimedOut => {
                        ok = false;
                        eprintln!("ERROR {program} {graph} {system}: timed out");
                    }
                    Outcome::Failed(why) => {
                        ok = false;
                        eprintln!("ERROR {program} {graph} {system}: {why}");
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
        println!("all results agree{smoke}");
        ExitCode::SUCCESS
    } else {
        eprintln!("tc: FAILED (see above)");
        ExitCode::FAILURE
    }
}
