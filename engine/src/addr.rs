//! Locations: where a row of a program with channels lives.

use serde::{Deserialize, Serialize};

/// A logical node of a program: the location a channel's `@` column names.
///
/// A program that declares a `channel` runs as many logical nodes, each with its own rows of
/// every relation (host rows carry their node first: `(Addr, ..)`), and its rules run on each
/// node over that node's rows only; `<~` sends a row to the node in its `@` column, where it
/// arrives in the next tick. The nodes are numbers, not places: all of them run in this
/// program's workers today, so a protocol between them runs deterministically in one process;
/// the runtime decides where each node runs (a worker, a process of a cluster, or a remote
/// program), and that mapping, not this type, is what changes when the program is deployed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Addr(pub u32);

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}", self.0)
    }
}
