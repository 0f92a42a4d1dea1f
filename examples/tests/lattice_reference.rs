//! Lattice relations against the reference evaluator: shortest (`Min`) and widest (`Max`)
//! paths over a graph that grows, with thresholds and values read out, beside a keyed table
//! whose broken keys reject ticks; and nodes gossiping `Max` values through channels on random
//! networks. Each program runs over random histories, checked against the reference after
//! every tick with 1, 2 and 4 workers. And the reference itself, on hand-made programs whose
//! answers are worked out by hand.

#![recursion_limit = "512"]

mod reference;

use std::collections::BTreeSet;

use blossom::Network;
use reference::classic::classic;
use reference::{Reference, Shape, builder, cases, check_shaped, networks};

classic! {
    paths: blossom::program! {
        /// Shortest distances and widest bottlenecks from the sources over a graph that only
        /// grows; hints lower a distance from the next tick on; which nodes are near, which
        /// far, which wide. Beside them claims on keys: two claims on one key in one tick
        /// reject it, and the lattices stay as they started it.
        pub(crate) Paths {
            input source(n: u32);
            input edge(a: u32, b: u32, w: u32);
            input hint(n: u32, d: u32);
            input claim(k: u32, v: u32);
            table link(a: u32, b: u32, w: u32);
            table owner(k: u32 => v: u32);
            lattice dist(n: u32) -> Min<u32>;
            lattice width(n: u32) -> Max<u32>;
            output distance(n: u32, d: u32);
            output widest(n: u32, w: u32);
            output near(n: u32);
            output far(n: u32);
            output wide(n: u32);
            output owned(k: u32, v: u32);

            link(a, b, w) <= edge(a, b, w);
            dist(n, Min::new(0)) <= source(n);
            dist(b, Min::new(d + w)) <= dist(a, da), link(a, b, w), let d = *da.get();
            dist(n, Min::new(d)) <+ hint(n, d);
            width(n, Max::new(9)) <= source(n);
            width(b, Max::new(x.min(w))) <= width(a, wa), link(a, b, w), let x = *wa.get();
            distance(n, *d.get()) <= dist(n, d);
            widest(n, *w.get()) <= width(n, w);
            near(n) <= dist(n, d), when d >= Min::new(3);
            far(n) <= dist(n, d), when d <= Min::new(2);
            wide(n) <= width(n, w), when w >= Max::new(3);
            owner(k, v) <+- claim(k, v);
            owned(k, v) <= owner(k, v);
        }
    }
}

classic! {
    gossip: blossom::program! {
        /// Every node gossips the highest version it knows of each key to its peers, and
        /// merges what it hears; which keys passed version 2.
        pub(crate) Gossip {
            input write(k: u32, v: u32);
            input peer(to: Addr);
            table peers(to: Addr);
            lattice known(k: u32) -> Max<u32>;
            channel push(@to: Addr, k: u32, v: Max<u32>);
            output latest(k: u32, v: u32);
            output high(k: u32);

            peers(p) <= peer(p);
            known(k, Max::new(v)) <= write(k, v);
            known(k, v) <= push(_, k, v);
            push(@p, k, v) <~ known(k, v), peers(p);
            latest(k, *v.get()) <= known(k, v);
            high(k) <= known(k, v), when v >= Max::new(2);
        }
    }
}

#[test]
fn shortest_and_widest_paths_agree_with_the_reference_at_every_tick() {
    let shape = Shape {
        ticks: 30..=30,
        rows: 0..=6,
        values: 6,
        nodes: 4,
        clock_events: 0..=0,
    };
    let seen = check_shaped(&paths::CASE, &shape, &[Network::default()], cases(8));
    assert!(seen.rejected > 0, "no tick was rejected: {seen:?}");
    assert!(
        seen.rejected * 2 <= seen.ticks,
        "most ticks rejected: {seen:?}"
    );
}

#[test]
fn gossiping_nodes_agree_with_the_reference_on_any_network() {
    let shape = Shape {
        ticks: 30..=30,
        rows: 0..=4,
        values: 4,
        nodes: 4,
        clock_events: 0..=0,
    };
    check_shaped(&gossip::CASE, &shape, &networks(), cases(8));
}

/// Runs `text` on the reference, one tick per item of `ticks` (each `relation(v, ..)` rows),
/// and returns `relation`'s rows after each tick.
fn run(text: &str, ticks: &[&[(&str, &[u32])]], relation: &str) -> Vec<BTreeSet<Vec<u32>>> {
    let program = builder::parse(text);
    let mut reference = Reference::new(&program);
    (ticks.iter())
        .map(|inputs| {
            let inputs: Vec<(usize, Vec<u32>)> = (inputs.iter())
                .map(|(r, row)| (program.id(r), row.to_vec()))
                .collect();
            reference.tick(&inputs).swap_remove(program.id(relation))
        })
        .collect()
}

/// Rows from slices.
fn rows(rows: &[&[u32]]) -> BTreeSet<Vec<u32>> {
    rows.iter().map(|r| r.to_vec()).collect()
}

#[test]
fn the_reference_merges_a_lattice_per_key_and_keeps_it_across_ticks() {
    let text = "input put(k: u32, v: u32); input later(k: u32, v: u32);
        lattice low(k: u32) -> Min<u32>; lattice high(k: u32) -> Max<u32>;
        low(k, Min::new(v)) <= put(k, v); low(k, Min::new(v)) <+ later(k, v);
        high(k, Max::new(v)) <= put(k, v);";
    let ticks: &[&[(&str, &[u32])]] = &[
        &[("put", &[1, 5]), ("put", &[1, 3]), ("put", &[2, 4])],
        // 4 is no lower than 3; the later 1 counts from the next tick.
        &[("put", &[1, 4]), ("later", &[2, 1])],
        &[],
        &[("put", &[2, 9]), ("put", &[3, 7])],
    ];
    let low = [
        rows(&[&[1, 3], &[2, 4]]),
        rows(&[&[1, 3], &[2, 4]]),
        rows(&[&[1, 3], &[2, 1]]),
        rows(&[&[1, 3], &[2, 1], &[3, 7]]),
    ];
    let high = [
        rows(&[&[1, 5], &[2, 4]]),
        rows(&[&[1, 5], &[2, 4]]),
        rows(&[&[1, 5], &[2, 4]]),
        rows(&[&[1, 5], &[2, 9], &[3, 7]]),
    ];
    assert_eq!(run(text, ticks, "low"), low);
    assert_eq!(run(text, ticks, "high"), high);
}

#[test]
fn the_reference_finds_shortest_paths_through_a_lattice_as_the_graph_grows() {
    let text = "input source(n: u32); input edge(a: u32, b: u32, w: u32);
        table link(a: u32, b: u32, w: u32); lattice dist(n: u32) -> Min<u32>;
        output near(n: u32);
        link(a, b, w) <= edge(a, b, w);
        dist(n, Min::new(0)) <= source(n);
        dist(b, Min::new(d + w)) <= dist(a, da), link(a, b, w), let d = *da.get();
        near(n) <= dist(n, d), when d >= Min::new(2);";
    let ticks: &[&[(&str, &[u32])]] = &[
        &[("source", &[1]), ("edge", &[1, 2, 5]), ("edge", &[2, 3, 1])],
        &[("edge", &[1, 3, 9]), ("edge", &[1, 2, 1])],
        // A cycle back to the source lowers nothing.
        &[("edge", &[3, 1, 0])],
    ];
    let dist = [
        rows(&[&[1, 0], &[2, 5], &[3, 6]]),
        rows(&[&[1, 0], &[2, 1], &[3, 2]]),
        rows(&[&[1, 0], &[2, 1], &[3, 2]]),
    ];
    assert_eq!(run(text, ticks, "dist"), dist);
    let near = [
        rows(&[&[1]]),
        rows(&[&[1], &[2], &[3]]),
        rows(&[&[1], &[2], &[3]]),
    ];
    assert_eq!(run(text, ticks, "near"), near);
}
