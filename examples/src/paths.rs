//! Shortest and widest paths through lattices: each pair of nodes keeps one value that only
//! grows, and the recursion merges into it, so neither program needs a bound on route lengths
//! nor a second stratum to pick the best route (compare `shortest`, which enumerates routes and
//! takes an `argmin`). Both keep their answers as roads arrive in later ticks.

use std::cmp::Reverse;

use blossom::{DomPair, Max, Min};

use crate::shortest::Road;

blossom::program! {
    /// The shortest distance between every pair of nodes and the smallest first hop of a
    /// shortest route: a `DomPair` whose (reversed) distance dominates, the hops of routes of
    /// equal length merging by `Min`.
    pub LatticePaths {
        input   road(from: u32, to: u32, km: u32);
        table   roads(from: u32, to: u32, km: u32);
        lattice best(from: u32, to: u32) -> DomPair<Reverse<u32>, Min<u32>>;
        output  shortest(from: u32, to: u32, km: u32);
        output  next_hop(from: u32, to: u32, via: u32);

        roads(a, b, k) <= road(a, b, k);
        best(a, b, DomPair::new(Reverse(k), Min::new(b))) <= road(a, b, k);
        best(a, c, DomPair::new(Reverse(k), *x.value())) <= best(a, b, x), roads(b, c, w),
            let k = x.key().0.saturating_add(w);
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
        width(a, b, Max::new(w)) <= road(a, b, w);
        width(a, c, Max::new(u32::min(*x.get(), w))) <= width(a, b, x), roads(b, c, w);
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
