//! Lattice relations: one value per key, merged from every fact for the key, persisting and
//! growing across ticks; recursion through them (shortest and widest paths); lattice values
//! sent through channels, merging on arrival whatever the network's schedule.

use std::collections::{BTreeMap, BTreeSet};

use blossom::{Addr, Config, Max, Min, Network};
use proptest::prelude::*;

blossom::program! {
    /// Shortest distances from the sources, and the widest bottleneck to each node.
    Paths {
        input   source(n: u32);
        input   edge(a: u32, b: u32, w: u32);
        table   link(a: u32, b: u32, w: u32);
        lattice dist(n: u32) -> Min<u32>;
        lattice width(n: u32) -> Max<u32>;
        output  distance(n: u32, d: u32);
        output  widest(n: u32, w: u32);
        output  near(n: u32);

        link(a, b, w) <= edge(a, b, w);
        dist(n, Min::new(0)) <= source(n);
        dist(b, Min::new(d + w)) <= dist(a, da), link(a, b, w), let d = *da.get();
        width(n, Max::new(u32::MAX)) <= source(n);
        width(b, Max::new(wa.get().min(&w).to_owned())) <= width(a, wa), link(a, b, w);
        distance(n, *d.get()) <= dist(n, d);
        widest(n, *w.get()) <= width(n, w);
        // In `Min`'s order a value passes 10 by going down to it: a distance of at most 10.
        near(n) <= dist(n, d), when d >= Min::new(10);
    }
}

type Graph = Vec<(u32, u32, u32)>;

/// Dijkstra's distances and the widest-path bottlenecks from `sources`, by plain Rust.
fn expected(sources: &BTreeSet<u32>, edges: &BTreeSet<(u32, u32, u32)>) -> (Graph, Graph) {
    let mut dist: BTreeMap<u32, u32> = sources.iter().map(|&s| (s, 0)).collect();
    let mut width: BTreeMap<u32, u32> = sources.iter().map(|&s| (s, u32::MAX)).collect();
    // Bellman-Ford style relaxation to a fixpoint: simple and obviously right.
    loop {
        let mut changed = false;
        for &(a, b, w) in edges {
            if let Some(&da) = dist.get(&a) {
                let d = da + w;
                if dist.get(&b).is_none_or(|&old| d < old) {
                    dist.insert(b, d);
                    changed = true;
                }
            }
            if let Some(&wa) = width.get(&a) {
                let v = wa.min(w);
                if width.get(&b).is_none_or(|&old| v > old) {
                    width.insert(b, v);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let pairs = |m: BTreeMap<u32, u32>| m.into_iter().map(|(n, v)| (n, v, 0)).collect();
    (pairs(dist), pairs(width))
}

fn strip(rows: Vec<(u32, u32)>) -> Graph {
    rows.into_iter().map(|(n, v)| (n, v, 0)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Edges arrive over several ticks; the sources only in the first. The lattices keep what
    /// they have and grow with each new edge, as a recomputation from everything so far says.
    #[test]
    fn shortest_and_widest_paths_grow_with_the_graph(
        batches in prop::collection::vec(
            prop::collection::vec((0..12u32, 0..12u32, 1..20u32), 0..12), 1..5),
        sources in prop::collection::btree_set(0..12u32, 1..3),
    ) {
        for workers in [1, 2, 4] {
            let mut paths = Paths::with_workers(workers).unwrap();
            paths.source.extend(sources.iter().copied());
            let mut edges = BTreeSet::new();
            for batch in &batches {
                paths.edge.extend(batch.iter().copied());
                edges.extend(batch.iter().copied());
                paths.tick().unwrap();
                let (dist, width) = expected(&sources, &edges);
                let near: Vec<u32> = dist.iter().filter(|r| r.1 <= 10).map(|r| r.0).collect();
                prop_assert_eq!(paths.near.snapshot().unwrap(), near);
                prop_assert_eq!(strip(paths.distance.snapshot().unwrap()), dist);
                prop_assert_eq!(strip(paths.widest.snapshot().unwrap()), width);
            }
        }
    }
}

#[test]
fn a_lattice_merges_facts_with_one_key_and_keeps_its_value_when_they_go() {
    let mut paths = Paths::new();
    paths.source.extend([1, 2]);
    paths.edge.extend([(1, 3, 10), (2, 3, 4)]);
    paths.tick().unwrap();
    assert_eq!(
        paths.distance.snapshot().unwrap(),
        [(1, 0), (2, 0), (3, 4)],
        "two facts for node 3 merge to the smaller"
    );
    // The sources held one tick; the lattice keeps what it reached, and a later edge extends it.
    paths.edge.insert((3, 4, 1));
    paths.tick().unwrap();
    assert_eq!(
        paths.distance.snapshot().unwrap(),
        [(1, 0), (2, 0), (3, 4), (4, 5)]
    );
    assert_eq!(
        Paths::explain().relations[3].columns,
        [("n", "u32"), ("value", "Min<u32>")]
    );
}

blossom::program! {
    /// Every node gossips the highest version it knows of each key to its peers.
    Versions {
        input   write(key: u32, version: u32);
        input   peer(to: Addr);
        table   peers(to: Addr);
        lattice known(key: u32) -> Max<u32>;
        channel push(@to: Addr, key: u32, version: Max<u32>);
        output  latest(key: u32, version: u32);

        peers(p) <= peer(p);
        known(k, Max::new(v)) <= write(k, v);
        known(k, v) <= push(_, k, v);
        push(@p, k, v) <~ known(k, v), peers(p);
        latest(k, *v.get()) <= known(k, v);
    }
}

#[test]
fn lattice_values_sent_through_channels_converge_on_any_schedule() {
    // A ring of four nodes; writes land on different nodes in different ticks.
    let writes = [
        (0, Addr(0), 1, 5),
        (0, Addr(2), 1, 7),
        (1, Addr(1), 2, 3),
        (2, Addr(3), 1, 6),
        (3, Addr(2), 2, 9),
    ];
    let mut finals = BTreeSet::new();
    for seed in 0..6 {
        for workers in [1, 3] {
            let network = Network::random(seed).delays(1..=3);
            let config = Config::with_workers(workers).network(network);
            let mut v = Versions::with_config(&config).unwrap();
            v.peer.extend((0..4).map(|i| (Addr(i), Addr((i + 1) % 4))));
            for tick in 0..24 {
                for &(at, node, key, version) in &writes {
                    if at == tick {
                        v.write.insert((node, key, version));
                    }
                }
                v.tick().unwrap();
            }
            let latest = v.latest.snapshot().unwrap();
            let expected: Vec<(Addr, u32, u32)> = (0..4)
                .flat_map(|i| [(Addr(i), 1, 7), (Addr(i), 2, 9)])
                .collect();
            assert_eq!(latest, expected, "seed {seed}, {workers} workers");
            finals.insert(latest);
        }
    }
    assert_eq!(finals.len(), 1);
}
