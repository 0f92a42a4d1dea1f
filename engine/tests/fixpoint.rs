//! Recursive strata run as semi-naive rounds (`rt::fixpoint`) where their relations only grow,
//! as semi-naive rounds that also delete (`rt::retract`) where an input loses rows, and as
//! differential iterations elsewhere: each checked against a naive fixpoint on random graphs,
//! tick after tick, on 1, 2 and 4 workers; `explain` says which runs where.

use std::collections::{BTreeMap, BTreeSet};

use blossom::Min;
use blossom::explain::Fixpoint;
use blossom::lattices::Monotone;

blossom::program! {
    /// Left-linear closure: partitioned by the source, which every derivation carries.
    pub Left {
        input  edge(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c);
    }
}

blossom::program! {
    /// Doubling closure (a self-join of the recursive relation): not partitionable; with mutual
    /// recursion through a scratch, and a filter, for good measure.
    pub Double {
        input   edge(src: u32, dst: u32);
        table   link(src: u32, dst: u32);
        scratch hop(src: u32, dst: u32);
        output  path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        hop(a, b)  <= link(a, b), if a != b;
        path(a, b) <= hop(a, b);
        path(a, c) <= path(a, b), path(b, c);
        hop(a, b)  <= path(a, b);
    }
}

blossom::program! {
    /// Same generation: two nodes are of a generation if their parents are.
    pub SameGeneration {
        input  edge(child: u32, parent: u32);
        table  parent(child: u32, parent: u32);
        output sg(x: u32, y: u32);
        parent(c, p) <= edge(c, p);
        sg(x, y) <= parent(x, p), parent(y, p), if x != y;
        sg(x, y) <= parent(x, p), sg(p, q), parent(y, q);
    }
}

blossom::program! {
    /// The doubling closure over edges that are cut again: a self-join of the recursive
    /// relation and mutual recursion through a filtered scratch, deleting.
    pub DoubleCut {
        input   edge(src: u32, dst: u32);
        input   cut(src: u32, dst: u32);
        table   link(src: u32, dst: u32);
        scratch hop(src: u32, dst: u32);
        output  path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        link(a, b) <- cut(a, b);
        hop(a, b)  <= link(a, b), if a != b;
        path(a, b) <= hop(a, b);
        path(a, c) <= path(a, b), path(b, c);
        hop(a, b)  <= path(a, b);
    }
}

blossom::program! {
    /// Paths of one edge, or of two paths and an edge, over edges that are cut again: the
    /// first join's two sides lose rows in the same round, and its matches are an index.
    pub TripleCut {
        input  edge(src: u32, dst: u32);
        input  cut(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        link(a, b) <- cut(a, b);
        path(a, b) <= link(a, b);
        path(a, d) <= path(a, b), path(b, c), link(c, d);
    }
}

blossom::program! {
    /// Same generation over parent links that are cut again: a rule of three atoms, whose
    /// first join's matches are an index of their own, and an input read twice.
    pub SameGenerationCut {
        input  edge(child: u32, parent: u32);
        input  cut(child: u32, parent: u32);
        table  parent(child: u32, parent: u32);
        output sg(x: u32, y: u32);
        parent(c, p) <= edge(c, p);
        parent(c, p) <- cut(c, p);
        sg(x, y) <= parent(x, p), parent(y, p), if x != y;
        sg(x, y) <= parent(x, p), sg(p, q), parent(y, q);
    }
}

blossom::program! {
    /// Edges that are cut again: `link` loses rows, so the closure's rounds also delete.
    pub Cut {
        input  edge(src: u32, dst: u32);
        input  cut(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        link(a, b) <- cut(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c);
    }
}

/// A distance `w` longer: a declared monotone function, so a recursion through it is monotone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plus(u32);

impl Monotone<Min<u32>, Min<u32>> for Plus {
    fn apply(&self, d: &Min<u32>) -> Min<u32> {
        Min::new(d.get().saturating_add(self.0))
    }
}

blossom::program! {
    /// Shortest distances through a lattice, grown by a monotone function: semi-naive, each
    /// pair's value merged in place, partitioned by the source.
    pub Distances {
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

blossom::program! {
    /// The same distances, the value read out of the lattice: a differential iteration.
    pub Revealed {
        input   edge(src: u32, dst: u32, w: u32);
        table   link(src: u32, dst: u32, w: u32);
        lattice dist(src: u32, dst: u32) -> Min<u32>;
        output  distance(src: u32, dst: u32, d: u32);
        link(a, b, w) <= edge(a, b, w);
        dist(a, b, Min::new(w)) <= link(a, b, w);
        dist(a, c, Min::new(d + w)) <= dist(a, b, x), link(b, c, w), let d = *x.get();
        distance(a, b, *x.get()) <= dist(a, b, x);
    }
}

type Pairs = BTreeSet<(u32, u32)>;

/// The least distance of every connected pair, by relaxing every edge until nothing changes.
fn distances(links: &BTreeSet<(u32, u32, u32)>) -> BTreeSet<(u32, u32, u32)> {
    let mut best: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for &(a, b, w) in links {
        let d = best.entry((a, b)).or_insert(w);
        *d = (*d).min(w);
    }
    loop {
        let mut changed = false;
        for ((a, b), d) in best.clone() {
            for &(_, c, w) in links.iter().filter(|l| l.0 == b) {
                let d = d + w;
                let at = best.entry((a, c)).or_insert(u32::MAX);
                if d < *at {
                    *at = d;
                    changed = true;
                }
            }
        }
        if !changed {
            return best.into_iter().map(|((a, b), d)| (a, b, d)).collect();
        }
    }
}

/// The naive fixpoint of `step` from `start`.
fn fixpoint(start: Pairs, step: impl Fn(&Pairs) -> Pairs) -> Pairs {
    let mut now = start;
    loop {
        let next: Pairs = now.union(&step(&now)).copied().collect();
        if next.len() == now.len() {
            return now;
        }
        now = next;
    }
}

fn closure(links: &Pairs, self_join: bool) -> Pairs {
    fixpoint(links.clone(), |path| {
        let right = if self_join { path } else { links };
        (path.iter())
            .flat_map(|&(a, b)| {
                right
                    .iter()
                    .filter(move |e| e.0 == b)
                    .map(move |e| (a, e.1))
            })
            .collect()
    })
}

/// `TripleCut`'s paths: edges, and two paths followed by an edge.
fn triple_paths(links: &Pairs) -> Pairs {
    fixpoint(links.clone(), |path| {
        let mut out = Pairs::new();
        for &(a, b) in path {
            for &(_, c) in path.iter().filter(|p| p.0 == b) {
                out.extend(links.iter().filter(|e| e.0 == c).map(|e| (a, e.1)));
            }
        }
        out
    })
}

fn same_generation(parent: &Pairs) -> Pairs {
    let siblings: Pairs = (parent.iter())
        .flat_map(|&(x, p)| {
            parent
                .iter()
                .filter(move |e| e.1 == p)
                .map(move |e| (x, e.0))
        })
        .filter(|(x, y)| x != y)
        .collect();
    fixpoint(siblings, |sg| {
        let mut out = Pairs::new();
        for &(x, p) in parent {
            for &(_, q) in sg.iter().filter(|s| s.0 == p) {
                out.extend(parent.iter().filter(|e| e.1 == q).map(|e| (x, e.0)));
            }
        }
        out
    })
}

struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(below)) as u32
    }

    fn edges(&mut self, n: usize, nodes: u32) -> Vec<(u32, u32)> {
        (0..n)
            .map(|_| (self.next(nodes), self.next(nodes)))
            .collect()
    }
}

#[test]
fn explain_says_how_each_stratum_iterates() {
    let left = Left::explain();
    assert_eq!(
        left.strata[1].fixpoint,
        Fixpoint::SemiNaive {
            partition: Some(&["path.src"])
        }
    );
    assert!(
        left.to_string()
            .contains("semi-naive rounds, rows spread over workers by path.src")
    );
    let double = Double::explain();
    let recursive = double.strata.iter().find(|s| s.recursive).unwrap();
    assert_eq!(recursive.fixpoint, Fixpoint::SemiNaive { partition: None });
    let sg = SameGeneration::explain();
    assert_eq!(
        sg.strata[1].fixpoint,
        Fixpoint::SemiNaive { partition: None }
    );
    let cut = Cut::explain();
    assert_eq!(cut.strata[1].fixpoint, Fixpoint::Retract);
    let text = cut.to_string();
    assert!(text.contains("semi-naive rounds that also delete, on one worker"));
    // Given `path(a, c)`, a derivation is `link(b, c)` for some `b`, then `path(a, b)`.
    assert!(text.contains("support: look up link by (dst), then test path"));
    assert!(text.contains("support: test link"));
    let double = DoubleCut::explain();
    let recursive = double.strata.iter().find(|s| s.recursive).unwrap();
    assert_eq!(recursive.fixpoint, Fixpoint::Retract);
    let sg = SameGenerationCut::explain();
    let recursive = sg.strata.iter().find(|s| s.recursive).unwrap();
    assert_eq!(recursive.fixpoint, Fixpoint::Retract);
    assert_eq!(cut.strata[0].fixpoint, Fixpoint::None);
    let distances = Distances::explain();
    let recursive = distances.strata.iter().find(|s| s.recursive).unwrap();
    let partition = Some(&["dist.src"][..]);
    assert_eq!(recursive.fixpoint, Fixpoint::SemiNaive { partition });
    let revealed = Revealed::explain();
    let recursive = revealed.strata.iter().find(|s| s.recursive).unwrap();
    assert_eq!(recursive.fixpoint, Fixpoint::Differential);
}

/// Lattice distances, semi-naive and differential, against relaxation to a fixpoint, as the
/// graph grows: a value that improves in a later tick replaces the row sent before.
#[test]
fn lattice_distances_match_the_naive_fixpoint() {
    for seed in 1..=3u64 {
        for workers in [1, 2, 4] {
            let mut rng = Rng(seed * 104_729);
            let mut semi_naive = Distances::with_workers(workers).unwrap();
            let mut revealed = Revealed::with_workers(workers).unwrap();
            let mut links = BTreeSet::new();
            for tick in 0..4 {
                let batch: Vec<(u32, u32, u32)> = (rng.edges(10, 16).into_iter())
                    .map(|(a, b)| (a, b, 1 + rng.next(9)))
                    .collect();
                links.extend(batch.iter().copied());
                semi_naive.edge.extend(batch.iter().copied());
                revealed.edge.extend(batch.iter().copied());
                semi_naive.tick().unwrap();
                revealed.tick().unwrap();
                let at = format!("seed {seed}, {workers} workers, tick {tick}");
                let expected = distances(&links);
                let got: BTreeSet<_> = semi_naive
                    .distance
                    .snapshot()
                    .unwrap()
                    .into_iter()
                    .collect();
                assert_eq!(got, expected, "Distances, {at}");
                let got: BTreeSet<_> = revealed.distance.snapshot().unwrap().into_iter().collect();
                assert_eq!(got, expected, "Revealed, {at}");
            }
        }
    }
}

#[test]
fn growing_graphs_match_the_naive_fixpoint() {
    for seed in 1..=4u64 {
        for workers in [1, 2, 4] {
            let mut rng = Rng(seed * 7919);
            let mut left = Left::with_workers(workers).unwrap();
            let mut double = Double::with_workers(workers).unwrap();
            let mut sg = SameGeneration::with_workers(workers).unwrap();
            let mut links = Pairs::new();
            for tick in 0..4 {
                let batch = rng.edges(12, 24);
                links.extend(batch.iter().copied());
                left.edge.extend(batch.iter().copied());
                double.edge.extend(batch.iter().copied());
                sg.edge.extend(batch.iter().copied());
                left.tick().unwrap();
                double.tick().unwrap();
                sg.tick().unwrap();
                let at = format!("seed {seed}, {workers} workers, tick {tick}");
                let path: Pairs = left.path.snapshot().unwrap().into_iter().collect();
                assert_eq!(path, closure(&links, false), "Left, {at}");
                let hops: Pairs = links.iter().copied().filter(|(a, b)| a != b).collect();
                let path: Pairs = double.path.snapshot().unwrap().into_iter().collect();
                assert_eq!(path, closure(&hops, true), "Double, {at}");
                let got: Pairs = sg.sg.snapshot().unwrap().into_iter().collect();
                assert_eq!(got, same_generation(&links), "SameGeneration, {at}");
            }
        }
    }
}

/// A closure larger than what a semi-naive activation sends before it pauses: the rounds of
/// each tick go on over several activations, and nothing is lost.
#[test]
fn a_closure_sent_over_several_activations_is_whole() {
    let nodes: u32 = 600;
    let pairs = (nodes * (nodes - 1) / 2) as usize;
    assert!(pairs > 2 * blossom::rt::fixpoint::ROWS_PER_ACTIVATION);
    for workers in [1, 2] {
        let mut left = Left::with_workers(workers).unwrap();
        // A chain, in two ticks: the second tick's closure is larger than the first's.
        left.edge.extend((0..nodes / 2).map(|n| (n, n + 1)));
        left.tick().unwrap();
        left.edge.extend((nodes / 2..nodes - 1).map(|n| (n, n + 1)));
        left.tick().unwrap();
        let path = left.path.snapshot().unwrap();
        assert_eq!(path.len(), pairs, "{workers} workers");
        assert!(path.iter().all(|&(a, b)| a < b && b < nodes));
    }
}

/// A round whose matches repeat each row many times, more than a join holds before it drops
/// the repeats: layers of `k` nodes, each joined to every node of the next, so that a round
/// derives `(a, c)` two layers apart through each of the `k` nodes between.
#[test]
fn a_round_of_repeated_matches_is_whole() {
    let (k, layers) = (130u32, 4u32);
    let node = |layer: u32, i: u32| layer * k + i;
    let mut edges = Vec::new();
    for layer in 0..layers - 1 {
        for (i, j) in (0..k).flat_map(|i| (0..k).map(move |j| (i, j))) {
            edges.push((node(layer, i), node(layer + 1, j)));
        }
    }
    let mut expected = Pairs::new();
    for (from, to) in (0..layers).flat_map(|f| (f + 1..layers).map(move |t| (f, t))) {
        for (i, j) in (0..k).flat_map(|i| (0..k).map(move |j| (i, j))) {
            expected.insert((node(from, i), node(to, j)));
        }
    }
    for workers in [1, 2] {
        // Each worker's share of a round's matches is past the point where repeats are dropped.
        let matches = (k * k * k) as usize / workers;
        assert!(matches > blossom::rt::fixpoint::COMPACT_FROM);
        let mut left = Left::with_workers(workers).unwrap();
        left.edge.extend(edges.iter().copied());
        left.tick().unwrap();
        let path: Pairs = left.path.snapshot().unwrap().into_iter().collect();
        assert_eq!(path, expected, "{workers} workers");
    }
}

#[test]
fn cuts_match_the_naive_fixpoint() {
    for seed in 1..=6u64 {
        for workers in [1, 2, 4] {
            let mut rng = Rng(seed * 104_729);
            let mut cut = Cut::with_workers(workers).unwrap();
            let mut double = DoubleCut::with_workers(workers).unwrap();
            let mut sg = SameGenerationCut::with_workers(workers).unwrap();
            let mut triple = TripleCut::with_workers(workers).unwrap();
            let mut links = Pairs::new();
            for tick in 0..8 {
                // Cuts are taken from the links and from new edges (an edge cut as it comes).
                let batch = rng.edges(10, 20);
                let gone: Vec<(u32, u32)> = (links.iter().chain(&batch))
                    .copied()
                    .filter(|_| rng.next(4) == 0)
                    .collect();
                cut.edge.extend(batch.iter().copied());
                cut.cut.extend(gone.iter().copied());
                double.edge.extend(batch.iter().copied());
                double.cut.extend(gone.iter().copied());
                sg.edge.extend(batch.iter().copied());
                sg.cut.extend(gone.iter().copied());
                triple.edge.extend(batch.iter().copied());
                triple.cut.extend(gone.iter().copied());
                triple.tick().unwrap();
                cut.tick().unwrap();
                double.tick().unwrap();
                sg.tick().unwrap();
                links.extend(batch.iter().copied());
                let at = format!("seed {seed}, {workers} workers, tick {tick}");
                let path: Pairs = cut.path.snapshot().unwrap().into_iter().collect();
                assert_eq!(path, closure(&links, false), "Cut, {at}");
                let hops: Pairs = links.iter().copied().filter(|(a, b)| a != b).collect();
                let path: Pairs = double.path.snapshot().unwrap().into_iter().collect();
                assert_eq!(path, closure(&hops, true), "DoubleCut, {at}");
                let got: Pairs = sg.sg.snapshot().unwrap().into_iter().collect();
                assert_eq!(got, same_generation(&links), "SameGenerationCut, {at}");
                let got: Pairs = triple.path.snapshot().unwrap().into_iter().collect();
                assert_eq!(got, triple_paths(&links), "TripleCut, {at}");
                // A cut takes effect at the next tick.
                for edge in &gone {
                    links.remove(edge);
                }
            }
        }
    }
}
