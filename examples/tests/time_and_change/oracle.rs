//! The reference itself, on hand-made programs whose answers are worked out by hand: `<+`,
//! `<-`, negation and aggregates.

use std::collections::BTreeSet;

use super::reference::{Program, Reference, builder};

/// Runs `text` on the reference, one tick per item of `ticks` (each `relation(v, ..)` rows),
/// and returns `relation`'s rows after each tick.
pub(crate) fn run(
    text: &str,
    ticks: &[&[(&str, &[u32])]],
    relation: &str,
) -> Vec<BTreeSet<Vec<u32>>> {
    let program = builder::parse(text);
    let id = |name: &str| -> usize {
        (program.relations.iter().position(|r| r.name == name)).expect("declared")
    };
    let mut reference = Reference::new(&program);
    (ticks.iter())
        .map(|inputs| {
            let inputs: Vec<(usize, Vec<u32>)> = inputs
                .iter()
                .map(|(r, row)| (id(r), row.to_vec()))
                .collect();
            reference.tick(&inputs).swap_remove(id(relation))
        })
        .collect()
}

/// Rows from slices.
pub(crate) fn rows(rows: &[&[u32]]) -> BTreeSet<Vec<u32>> {
    rows.iter().map(|r| r.to_vec()).collect()
}

/// One-column rows.
pub(crate) fn ones(values: &[u32]) -> BTreeSet<Vec<u32>> {
    values.iter().map(|&v| vec![v]).collect()
}

#[test]
fn the_reference_inserts_and_deletes_at_the_next_tick_deletes_first() {
    let text = "input ins(a: u32); input del(a: u32); table t(a: u32); output now(a: u32);
        t(a) <+ ins(a); t(a) <- del(a); now(a) <= t(a);";
    let ticks: &[&[(&str, &[u32])]] = &[
        &[("ins", &[1]), ("ins", &[2])],
        &[("del", &[1])],
        &[("ins", &[1]), ("del", &[2])],
        &[],
        &[("ins", &[3]), ("del", &[3]), ("del", &[1])],
        &[],
        &[("del", &[9])],
    ];
    let t = run(text, ticks, "t");
    let expected = [
        ones(&[]),
        ones(&[1, 2]),
        ones(&[2]),
        ones(&[1]),
        ones(&[1]),
        ones(&[3]),
        ones(&[3]),
    ];
    assert_eq!(t, expected);
    assert_eq!(run(text, ticks, "now"), expected);
}

#[test]
fn the_reference_keeps_a_deleted_row_that_a_deduction_derives_again() {
    let text = "input ins(a: u32); input del(a: u32); input keep(a: u32); table t(a: u32);
        t(a) <+ ins(a); t(a) <- del(a); t(a) <= keep(a);";
    let ticks: &[&[(&str, &[u32])]] = &[
        &[("ins", &[1]), ("ins", &[2])],
        &[("del", &[1]), ("del", &[2])],
        &[("keep", &[1])],
        &[],
        &[("keep", &[4]), ("del", &[4])],
        &[],
    ];
    let expected = [
        ones(&[]),
        ones(&[1, 2]),
        ones(&[1]),
        ones(&[1]),
        ones(&[1, 4]),
        ones(&[1]),
    ];
    assert_eq!(run(text, ticks, "t"), expected);
}

#[test]
fn the_reference_gives_scratches_and_outputs_last_ticks_insertions() {
    let text = "input ins(a: u32); scratch s(a: u32); output last(a: u32); output both(a: u32);
        s(a) <+ ins(a); last(a) <+ ins(a); last(a) <= s(a), if a < 3; both(a) <= s(a), ins(a);";
    let ticks: &[&[(&str, &[u32])]] =
        &[&[("ins", &[1]), ("ins", &[5])], &[("ins", &[1])], &[], &[]];
    assert_eq!(
        run(text, ticks, "last"),
        [ones(&[]), ones(&[1, 5]), ones(&[1]), ones(&[])]
    );
    assert_eq!(
        run(text, ticks, "both"),
        [ones(&[]), ones(&[1]), ones(&[]), ones(&[])]
    );
}

#[test]
fn the_reference_counts_once_per_tick() {
    let text = "input start(n: u32); table counter(n: u32); output value(n: u32);
        counter(n) <+ start(n); counter(m) <+ counter(n), let m = n + 1;
        counter(n) <- counter(n); value(n) <= counter(n);";
    let mut ticks: Vec<&[(&str, &[u32])]> = vec![&[("start", &[0])]];
    ticks.extend([&[] as &[(&str, &[u32])]; 9]);
    let values = run(text, &ticks, "value");
    assert_eq!(values[0], ones(&[]));
    for (tick, value) in values.iter().enumerate().skip(1) {
        assert_eq!(*value, ones(&[tick as u32 - 1]), "tick {tick}");
    }
}

#[test]
fn the_reference_negates_a_complete_relation() {
    let text = "input edge(a: u32, b: u32); input root(a: u32); input node(a: u32);
        scratch reach(a: u32); output unreached(a: u32); output leaf(a: u32);
        reach(a) <= root(a); reach(b) <= reach(a), edge(a, b);
        unreached(a) <= node(a), !reach(a);
        leaf(a) <= reach(a), !edge(a, _), !edge(_, a);";
    let ticks: &[&[(&str, &[u32])]] = &[&[
        ("root", &[1]),
        ("edge", &[1, 2]),
        ("edge", &[2, 3]),
        ("edge", &[4, 1]),
        ("node", &[1]),
        ("node", &[2]),
        ("node", &[3]),
        ("node", &[4]),
        ("node", &[5]),
    ]];
    assert_eq!(run(text, ticks, "unreached"), [ones(&[4, 5])]);
    // Every reached node is on an edge; a root on none is a leaf.
    let lone: &[&[(&str, &[u32])]] = &[&[("root", &[7]), ("edge", &[1, 2])]];
    assert_eq!(run(text, lone, "leaf"), [ones(&[7])]);
}

#[test]
fn the_reference_aggregates_over_matches_per_group() {
    let text = "input r(g: u32, k: u32, v: u32);
        output n(g: u32, c: u32); output total(g: u32, s: u32);
        output low(g: u32, m: u32); output high(g: u32, m: u32);
        output cheapest(g: u32, k: u32); output dearest(g: u32, k: u32);
        output all(c: u32, s: u32, m: u32); output pairs(c: u32);
        n(g, count()) <= r(g, _, _); total(g, sum(v)) <= r(g, _, v);
        low(g, min(v)) <= r(g, _, v); high(g, max(v)) <= r(g, _, v);
        cheapest(g, argmin(v, k)) <= r(g, k, v); dearest(g, argmax(v, k)) <= r(g, k, v);
        all(count(), sum(v), max(k)) <= r(_, k, v), if v > 1;
        pairs(count()) <= r(a, _, _), r(b, _, _), if a != b;";
    let r: &[(&str, &[u32])] = &[
        ("r", &[1, 1, 5]),
        ("r", &[1, 2, 5]),
        ("r", &[1, 3, 7]),
        ("r", &[2, 4, 1]),
        ("r", &[2, 0, 9]),
        ("r", &[3, 3, 3]),
    ];
    let ticks = &[r];
    let got = |relation| run(text, ticks, relation).swap_remove(0);
    assert_eq!(got("n"), rows(&[&[1, 3], &[2, 2], &[3, 1]]));
    assert_eq!(got("total"), rows(&[&[1, 17], &[2, 10], &[3, 3]]), "5 + 5");
    assert_eq!(got("low"), rows(&[&[1, 5], &[2, 1], &[3, 3]]));
    assert_eq!(got("high"), rows(&[&[1, 7], &[2, 9], &[3, 3]]));
    // Group 1: v = 5 twice, for k = 1 and 2: the smallest k.
    assert_eq!(got("cheapest"), rows(&[&[1, 1], &[2, 4], &[3, 3]]));
    assert_eq!(got("dearest"), rows(&[&[1, 3], &[2, 0], &[3, 3]]));
    assert_eq!(
        got("all"),
        rows(&[&[5, 29, 3]]),
        "(2, 4, 1) fails the condition"
    );
    // Ordered pairs of rows with different groups: 6 * 6 - (3 * 3 + 2 * 2 + 1 * 1).
    assert_eq!(got("pairs"), rows(&[&[22]]));
    assert_eq!(
        run(text, &[&[]], "pairs"),
        [ones(&[])],
        "no match, no group"
    );
}

#[test]
fn the_reference_completes_a_stratum_before_aggregating_it() {
    // `far` aggregates `tc`, which needs several rounds; `big` reads `far` back.
    let text = "input edge(a: u32, b: u32); scratch tc(a: u32, b: u32);
        output far(a: u32, n: u32); output big(a: u32);
        tc(a, b) <= edge(a, b); tc(a, c) <= tc(a, b), edge(b, c);
        far(a, count()) <= tc(a, _); big(a) <= far(a, n), if n > 2;";
    let edges: &[(&str, &[u32])] = &[("edge", &[1, 2]), ("edge", &[2, 3]), ("edge", &[3, 4])];
    assert_eq!(
        run(text, &[edges], "far"),
        [rows(&[&[1, 3], &[2, 2], &[3, 1]])]
    );
    assert_eq!(run(text, &[edges], "big"), [ones(&[1])]);
}

#[test]
fn the_reference_accepts_a_cycle_through_next_tick_rules() {
    // `t` negates `s`, which reads `t`: legal, as the negation waits a tick.
    let text = "input ins(a: u32); table t(a: u32); scratch s(a: u32);
        t(a) <+ ins(a), !s(a); s(a) <= t(a); t(a) <- t(a), ins(a);";
    let ticks: &[&[(&str, &[u32])]] = &[&[("ins", &[1])], &[("ins", &[1])], &[]];
    // Tick 1 deletes 1 (seen in `ins` and `t`) and does not insert it (it is in `s`).
    assert_eq!(run(text, ticks, "t"), [ones(&[]), ones(&[1]), ones(&[])]);
}

#[test]
#[should_panic(expected = "not stratifiable")]
fn the_reference_refuses_negation_in_a_cycle() {
    let program: Program = builder::parse(
        "input e(a: u32); scratch p(a: u32); scratch q(a: u32);
         p(a) <= e(a), !q(a); q(a) <= p(a);",
    );
    Reference::new(&program);
}

#[test]
#[should_panic(expected = "not stratifiable")]
fn the_reference_refuses_aggregation_in_a_cycle() {
    let program: Program = builder::parse(
        "input e(a: u32); scratch p(a: u32, n: u32);
         p(a, count()) <= e(a), p(a, _);",
    );
    Reference::new(&program);
}
