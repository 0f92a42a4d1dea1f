//! Shortest and widest paths through lattices: each pair of nodes keeps one value that only
//! grows, and the recursion merges into it, so neither program needs a bound on route lengths
//! nor a second stratum to pick the best route (compare `shortest`, which enumerates routes and
//! takes an `argmin`). Both keep their answers as roads arrive in later ticks. Their
//! recursions read the lattice only through declared monotone functions, and the roads only
//! through the `roads` table, which only grows: they run as semi-naive rounds (`explain` says
//! so), each key's value merged in place as in Ascent.

use std::cmp::Reverse;

use blossom::lattices::Monotone;
use blossom::{DomPair, Lattice, Max, Min};

use crate::shortest::Road;

/// A route's best (distance, first hop), one road of `w` km further: monotone, since a shorter
/// route stays shorter when both grow by `w`. A distance that would overflow is no route at all
/// (bottom), which keeps that true at the edge. Checked in `tests/lattice_examples.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extend(pub u32);

/// The best route to a node, as [`LatticePaths`] keeps it.
pub type Best = DomPair<Reverse<u32>, Min<u32>>;

impl Monotone<Best, Best> for Extend {
    fn apply(&self, best: &Best) -> Best {
        match best.key().0.checked_add(self.0) {
            Some(km) => DomPair::new(Reverse(km), *best.value()),
            None => Best::bottom(),
        }
    }
}

/// A route's bottleneck through one more road of width `w`: the smaller of the two. Monotone
/// (and a morphism: `min` distributes over `max`). Checked in `tests/lattice_examples.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Narrow(pub u32);

impl Monotone<Max<u32>, Max<u32>> for Narrow {
    fn apply(&self, width: &Max<u32>) -> Max<u32> {
        Max::new((*width.get()).min(self.0))
    }
}

impl blossom::lattices::Morphism<Max<u32>, Max<u32>> for Narrow {}

blossom::program! {
    /// The shortest distance between every pair of nodes and the smallest first hop of a
    /// shortest route: a `DomPair` whose (reversed) distance dominates, the hops of routes of
    /// equal length merging by `Min`.
    pub LatticePaths {
        input   road(from: u32, to: u32, km: u32);
        table   roads(from: u32, to: u32, km: u32);
        lattice best(from: u32, to: u32) -> Best;
        output  shortest(from: u32, to: u32, km: u32);
        output  next_hop(from: u32, to: u32, via: u32);

        roads(a, b, k) <= road(a, b, k);
        best(a, b, DomPair::new(Reverse(k), Min::new(b))) <= roads(a, b, k);
        best(a, c, Extend(w).apply(&x)) <= best(a, b, x), roads(b, c, w);
        shortest(a, b, x.key().0) <= best(a, b, x);
        next_hop(a, b, *x.value().get()) <= best(a, b, x);
    }
}

blossom::program! {
    /// The widest route between every pair of nodes: the largest bottleneck (`Max` over
    /// routes of the `Min` width along each).
    pub WidestPaths {
        input   road(from: u32, to: u32, width: u32);
        table   roads(from: u32, to: u32, width: u32);
        lattice width(from: u32, to: u32) -> Max<u32>;
        output  widest(from: u32, to: u32, width: u32);

        roads(a, b, w) <= road(a, b, w);
        width(a, b, Max::new(w)) <= roads(a, b, w);
        width(a, c, Narrow(w).apply(&x)) <= width(a, b, x), roads(b, c, w);
        widest(a, b, *x.get()) <= width(a, b, x);
    }
}

/// The shortest distances `(from, to, km)` and smallest first hops `(from, to, via)` of
/// `roads`, computed on `config`: the same answer as [`crate::shortest::shortest_paths`] with
/// no bound on route lengths.
pub fn lattice_shortest_paths(
    roads: &[Road],
    config: &blossom::Config,
) -> Result<(Vec<Road>, Vec<Road>), blossom::Error> {
    let mut program = LatticePaths::with_config(config)?;
    program.road.extend(roads.iter().copied());
    program.tick()?;
    Ok((program.shortest.snapshot()?, program.next_hop.snapshot()?))
}

/// The widest bottleneck `(from, to, width)` between every connected pair of `roads` (read as
/// `(from, to, width)`), computed on `config`.
pub fn widest_paths(roads: &[Road], config: &blossom::Config) -> Result<Vec<Road>, blossom::Error> {
    let mut program = WidestPaths::with_config(config)?;
    program.road.extend(roads.iter().copied());
    program.tick()?;
    program.widest.snapshot()
}
