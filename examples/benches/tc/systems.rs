//! The programs the bench runs and the systems that run them, one function per pair.

use crate::graphs::Graph;
use crate::{sg, sp, tc};

/// A recursive program every system computes, with a result that says whether it got it right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// Transitive closure ([`tc`]); the result is the number of pairs.
    Tc,
    /// Same generation ([`sg`]): a three-way recursive join; the result is the number of pairs.
    Sg,
    /// Shortest path lengths through a `Min` lattice ([`sp`]); the result is the sum of the
    /// shortest distances over every connected pair.
    Sp,
}

impl Program {
    /// Every program, in the order a smoke run checks them.
    pub const ALL: [Program; 3] = [Program::Tc, Program::Sg, Program::Sp];

    /// The name on the command line and in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Program::Tc => "tc",
            Program::Sg => "sg",
            Program::Sp => "sp",
        }
    }

    /// The program called `name`.
    pub fn parse(name: &str) -> Option<Program> {
        Program::ALL.into_iter().find(|p| p.name() == name)
    }

    /// What the result column holds.
    pub fn result(self) -> &'static str {
        match self {
            Program::Tc | Program::Sg => "pairs",
            Program::Sp => "sum of distances",
        }
    }

    /// The system other systems' times and memory are divided by, when it ran: hand-written
    /// datafrog, or Ascent for the lattice program (datafrog has no lattices).
    pub fn baseline(self) -> &'static str {
        match self {
            Program::Tc | Program::Sg => "datafrog",
            Program::Sp => "ascent",
        }
    }

    /// The result every system must produce, when it is known before running them: a
    /// published size, or for the generated graph the program's reference evaluator's.
    pub fn expected(self, graph: &Graph) -> Option<usize> {
        match (self, graph) {
            (Program::Tc, Graph::File { .. }) => graph.published_closure_size(),
            (Program::Sg, Graph::File { name, .. }) => sg::published_size(name),
            (Program::Sp, Graph::File { .. }) => None,
            (_, Graph::Synthetic) => {
                let edges = crate::graphs::synthetic_edges();
                Some(match self {
                    Program::Tc => tc::reference_closure_size(&edges),
                    Program::Sg => sg::reference_size(&edges),
                    Program::Sp => sp::reference_distance_sum(&edges),
                })
            }
        }
    }
}

/// A system computing a program: takes the graph's edges and returns the program's result.
///
/// Only this call is timed. A system that cannot finish panics; it runs in a child process, so
/// the harness records the failure and carries on.
pub type Run = fn(edges: &[(u32, u32)]) -> usize;

/// Every (program, system) the harness knows, in the order the tables show them.
///
/// To compare another system, write a [`Run`] function and add its row here.
pub const SYSTEMS: &[(Program, &str, Run)] = &[
    (Program::Tc, "datafrog", tc::datafrog),
    (Program::Tc, "ascent", tc::ascent),
    (Program::Tc, "dd-1w", |edges| tc::differential(edges, 1)),
    (Program::Tc, "dd-2w", |edges| tc::differential(edges, 2)),
    (Program::Tc, "blossom-1w", |edges| tc::blossom(edges, 1)),
    (Program::Tc, "blossom-2w", |edges| tc::blossom(edges, 2)),
    (Program::Sg, "datafrog", sg::datafrog),
    (Program::Sg, "ascent", sg::ascent),
    (Program::Sg, "blossom-1w", |edges| sg::blossom(edges, 1)),
    (Program::Sg, "blossom-2w", |edges| sg::blossom(edges, 2)),
    (Program::Sp, "ascent", sp::ascent),
    (Program::Sp, "blossom-1w", |edges| sp::blossom(edges, 1)),
    (Program::Sp, "blossom-2w", |edges| sp::blossom(edges, 2)),
];

/// The systems that run `program`, in table order.
pub fn names(program: Program) -> impl Iterator<Item = &'static str> {
    SYSTEMS
        .iter()
        .filter(move |(p, ..)| *p == program)
        .map(|&(_, name, _)| name)
}

/// Looks a system up by program and name.
pub fn find(program: Program, name: &str) -> Option<Run> {
    SYSTEMS
        .iter()
        .find(|&&(p, n, _)| p == program && n == name)
        .map(|&(.., run)| run)
}
