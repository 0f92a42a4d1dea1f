//! The command line, parsed by hand because cargo adds flags of its own.
//!
//! `cargo bench` passes `--bench`; `cargo test` passes nothing, or test-harness flags such as
//! `--test-threads 2`. Flags this harness does not know are reported and ignored.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::graphs::{Graph, SYNTHETIC};
use crate::systems::{self, Program, SYSTEMS};

/// The graphs a full `cargo bench` run measures.
const BENCH_GRAPHS: &[&str] = &[
    "ol-cedge",
    "cal-cedge",
    "tg-cedge",
    "ego-facebook",
    "cti",
    "delaunay-n16",
    "p2p-gnutella09",
];

/// The graph a smoke run (`cargo test`) checks every system on.
const SMOKE_GRAPH: &str = "ol-cedge";

/// Printed for `--help`.
pub const USAGE: &str = "\
usage: tc [--programs p,q] [--graphs a,b,c] [--systems x,y] [--runs N] [--timeout SECS] [--dir DIR]
  --programs tc (transitive closure), sg (same generation), sp (shortest paths through a
             lattice; the result is the sum of the distances) (default: tc under cargo bench)
  --graphs   graph names, each <dir>/<name>.tsv, or `synthetic` for a generated one
  --systems  systems to compare (default: every system that runs the program)
  --runs     repetitions of each (system, graph) (default: 3 under cargo bench, else 1)
  --timeout  seconds before a run is killed and recorded as a timeout (default 300)
  --dir      the graphs folder (default: the workspace's data/graphs)
Without --bench (as under cargo test) it is a smoke run: ol-cedge once, every program and
system.";

/// What this process was asked to do.
pub enum Invocation {
    /// Measure one run (`--child PROGRAM SYSTEM GRAPH`, from the parent).
    Child {
        /// The program to run.
        program: Program,
        /// The system's name in the table.
        system: String,
        /// The graph to load.
        graph: Graph,
    },
    /// Run the whole comparison.
    Compare(Plan),
    /// Print [`USAGE`].
    Help,
}

/// A comparison to run.
pub struct Plan {
    /// Under `cargo bench`, as opposed to the `cargo test` smoke run.
    pub bench: bool,
    /// The programs, one set of tables each.
    pub programs: Vec<Program>,
    /// The graphs, in table order.
    pub graphs: Vec<Graph>,
    /// The systems asked for, in table order: a program's tables show those that run it.
    pub systems: Vec<String>,
    /// Repetitions of each (system, graph).
    pub runs: usize,
    /// The limit for one run.
    pub timeout: Duration,
}

/// Reads the command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Invocation> {
    let mut args = args.into_iter();
    let mut bench = false;
    let (mut programs, mut graphs, mut systems) = (None, None, None);
    let (mut runs, mut timeout, mut dir) = (None, None, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--child" => {
                let program = program(&value()?)?;
                let system = value()?;
                let graph = Graph::from_arg(&value()?);
                return Ok(Invocation::Child {
                    program,
                    system,
                    graph,
                });
            }
            "--programs" => {
                let names = list(&value()?);
                programs = Some(names.iter().map(|n| program(n)).collect::<Result<_, _>>()?);
            }
            "--bench" => bench = true,
            "--graphs" => graphs = Some(list(&value()?)),
            "--systems" => systems = Some(list(&value()?)),
            "--runs" => runs = Some(number(&arg, &value()?)?),
            "--timeout" => timeout = Some(Duration::from_secs(number(&arg, &value()?)? as u64)),
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--help" | "-h" => return Ok(Invocation::Help),
            other => eprintln!("tc: ignoring argument {other:?}"),
        }
    }
    let dir = dir.unwrap_or_else(default_dir);
    let graphs = match graphs {
        Some(names) => names
            .iter()
            .map(|name| Graph::resolve(name, &dir))
            .collect::<Result<_, _>>()?,
        None if bench => BENCH_GRAPHS
            .iter()
            .map(|name| Graph::resolve(name, &dir))
            .collect::<Result<_, _>>()?,
        // The smoke run must work in a checkout without the shared data.
        None => vec![Graph::resolve(SMOKE_GRAPH, &dir).unwrap_or(Graph::Synthetic)],
    };
    let programs = programs.unwrap_or_else(|| match bench {
        true => vec![Program::Tc],
        false => Program::ALL.to_vec(),
    });
    let mut known: Vec<&str> = Vec::new();
    for &(_, name, _) in SYSTEMS {
        if !known.contains(&name) {
            known.push(name);
        }
    }
    let systems = systems.unwrap_or_else(|| known.iter().map(|s| s.to_string()).collect());
    if let Some(unknown) = systems.iter().find(|s| !known.contains(&s.as_str())) {
        bail!("unknown system {unknown:?}; known: {}", known.join(", "));
    }
    let runnable = |p: &Program| systems::names(*p).any(|name| systems.iter().any(|s| s == name));
    if graphs.is_empty() || !programs.iter().any(runnable) {
        bail!(
            "nothing to run: give at least one graph (or `{SYNTHETIC}`) and a system that runs one of the programs"
        );
    }
    Ok(Invocation::Compare(Plan {
        bench,
        programs,
        graphs,
        systems,
        runs: runs.unwrap_or(if bench { 3 } else { 1 }).max(1),
        timeout: timeout.unwrap_or(Duration::from_secs(300)),
    }))
}

/// The workspace's `data/graphs` (this crate is `<workspace>/examples`).
fn default_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/graphs")
}

fn program(name: &str) -> anyhow::Result<Program> {
    Program::parse(name).with_context(|| {
        let known: Vec<&str> = Program::ALL.iter().map(|p| p.name()).collect();
        format!("unknown program {name:?}; known: {}", known.join(", "))
    })
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number(flag: &str, value: &str) -> anyhow::Result<usize> {
    value
        .parse()
        .with_context(|| format!("{flag} {value:?}: expected a whole number"))
}
