//! Shortest path lengths between every connected pair, through a lattice: each pair keeps the
//! least distance found so far, and the recursion merges into it.
//!
//! ```text
//! dist(x, y, min w)     :- edge(x, y, w).
//! dist(x, z, min d + w) :- dist(x, y, d), edge(y, z, w).
//! ```
//!
//! The graphs have no weights; each edge gets [`weight`], a fixed function of its ends, so
//! every system sees the same weighted graph. The result is the sum of the distances.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use blossom::Min;
use blossom::lattices::Monotone;

/// An edge's weight, 1 to 16: a fixed mix of its ends.
pub fn weight(src: u32, dst: u32) -> u32 {
    1 + (src.wrapping_mul(31) ^ dst.wrapping_mul(17)) % 16
}

fn weighted(edges: &[(u32, u32)]) -> Vec<(u32, u32, u32)> {
    edges.iter().map(|&(a, b)| (a, b, weight(a, b))).collect()
}

// The code `ascent!` generates for a lattice unwraps; that is Ascent's business.
#[allow(clippy::unwrap_used)]
mod peer {
    use ascent::Dual;

    ascent::ascent! {
        /// Shortest path lengths as an Ascent program (serial): `Dual` orders the lattice so
        /// that merging keeps the smaller distance.
        pub struct AscentSp;
        relation edge(u32, u32, u32);
        lattice dist(u32, u32, Dual<u32>);
        dist(x, y, Dual(*w)) <-- edge(x, y, w);
        dist(x, z, Dual(d + w)) <-- dist(x, y, ?Dual(d)), edge(y, z, w);
    }

    /// Ascent 0.8: the rules above.
    pub fn ascent(edges: &[(u32, u32)]) -> usize {
        let mut program = AscentSp {
            edge: super::weighted(edges),
            ..AscentSp::default()
        };
        program.run();
        program.dist.iter().map(|(_, _, Dual(d))| *d as usize).sum()
    }
}
pub use peer::ascent;

/// A distance `w` longer: monotone (a shorter distance stays shorter), so the rule reading
/// `dist` through it is monotone, and the recursion runs as semi-naive rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plus(pub u32);

impl Monotone<Min<u32>, Min<u32>> for Plus {
    fn apply(&self, distance: &Min<u32>) -> Min<u32> {
        Min::new(distance.get().saturating_add(self.0))
    }
}

blossom::program! {
    /// Shortest path lengths, as a Bloom^L user writes them: the distance grows through a
    /// declared monotone function rather than by reading the lattice's value.
    ShortestLengths {
        input   edge(src: u32, dst: u32, w: u32);
        table   link(src: u32, dst: u32, w: u32);
        lattice dist(src: u32, dst: u32) -> Min<u32>;
        output  distance(src: u32, dst: u32, d: u32);

        link(a, b, w) <= edge(a, b, w);
        dist(a, b, Min::new(w)) <= link(a, b, w);
        dist(a, c, Plus(w).apply(&x)) <= dist(a, b, x), link(b, c, w);
        distance(a, b, *x.get()) <= dist(a, b, x);
    }
}

/// [`ShortestLengths`], started, fed and ticked once.
pub fn blossom(edges: &[(u32, u32)], workers: usize) -> usize {
    let config = blossom::Config::with_workers(workers);
    let mut program = ShortestLengths::with_config(&config).expect("Blossom failed to start");
    program.edge.extend(weighted(edges));
    program.tick().expect("Blossom failed");
    let distances = program.distance.snapshot().expect("Blossom failed");
    distances.iter().map(|&(_, _, d)| d as usize).sum()
}

/// The oracle: Dijkstra from every node (which reaches itself only around a cycle).
pub fn reference_distance_sum(edges: &[(u32, u32)]) -> usize {
    let mut out: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
    for (a, b, w) in weighted(edges) {
        out.entry(a).or_default().push((b, w));
    }
    let next = |node: u32| out.get(&node).into_iter().flatten().copied();
    let mut sum = 0;
    for &start in out.keys() {
        let mut best: HashMap<u32, u32> = HashMap::new();
        let mut queue: BinaryHeap<Reverse<(u32, u32)>> =
            next(start).map(|(b, w)| Reverse((w, b))).collect();
        while let Some(Reverse((d, node))) = queue.pop() {
            if best.contains_key(&node) {
                continue;
            }
            best.insert(node, d);
            queue.extend(next(node).map(|(b, w)| Reverse((d + w, b))));
        }
        sum += best.values().map(|&d| d as usize).sum::<usize>();
    }
    sum
}
