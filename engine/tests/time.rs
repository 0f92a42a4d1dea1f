//! Time and change, tick by tick: `<+`, `<-`, negation and aggregation, read like Bud's tests —
//! a program, the facts of each tick, the expected contents after it.

use std::collections::BTreeSet;

blossom::program! {
    /// A counter that moves one step per tick, kept with the `<+`/`<-` update pattern.
    Counter {
        input start(n: u32);
        table value(n: u32);
        output seen(n: u32);

        value(n) <+ start(n);
        value(m) <+ value(n), let m = n + 1, if m <= 3;
        value(n) <- value(n), if n < 3;
        seen(n) <= value(n);
    }
}

#[test]
fn a_counter_steps_once_per_tick_and_stops_at_its_bound() {
    let mut counter = Counter::new();
    counter.start.insert(0);
    let mut history = Vec::new();
    for _ in 0..6 {
        counter.tick().unwrap();
        history.push(counter.seen.snapshot().unwrap());
    }
    let expected: Vec<Vec<u32>> = vec![vec![], vec![0], vec![1], vec![2], vec![3], vec![3]];
    assert_eq!(history, expected);
}

#[test]
fn explain_lists_the_rules_that_make_the_next_tick() {
    let explain = Counter::explain();
    assert_eq!(explain.carried, ["value"]);
    let texts: Vec<&str> = explain
        .transition
        .iter()
        .map(|&r| explain.rules[r].text)
        .collect();
    assert_eq!(
        texts,
        [
            "value(n) <+ start(n);",
            "value(m) <+ value(n), let m = n + 1, if m <= 3;",
            "value(n) <- value(n), if n < 3;"
        ]
    );
    let text = explain.to_string();
    let end = text.find("end of tick").expect("an end-of-tick section");
    assert!(
        text[end..].contains("value(n) <- value(n), if n < 3;"),
        "{text}"
    );
}

blossom::program! {
    /// Deletions apply before insertions; a scratch holds `<+` rows for one tick only.
    Phases {
        input add(n: u32);
        input remove(n: u32);
        table kept(n: u32);
        scratch soon(n: u32);
        output now(n: u32);
        output later(n: u32);

        kept(n) <+ add(n);
        kept(n) <- remove(n);
        soon(n) <+ add(n);
        now(n) <= kept(n);
        later(n) <= soon(n);
    }
}

#[test]
fn deletions_apply_before_insertions_and_scratches_last_one_tick() {
    let mut p = Phases::new();
    p.add.extend([1, 2]);
    p.tick().unwrap();
    assert_eq!(p.now.snapshot().unwrap(), Vec::<u32>::new());
    p.tick().unwrap();
    assert_eq!(p.now.snapshot().unwrap(), [1, 2]);
    assert_eq!(p.later.snapshot().unwrap(), [1, 2]);
    p.remove.insert(1);
    p.remove.insert(2);
    p.add.insert(2);
    p.tick().unwrap();
    assert_eq!(
        p.later.snapshot().unwrap(),
        Vec::<u32>::new(),
        "a scratch is emptied"
    );
    p.tick().unwrap();
    assert_eq!(
        p.now.snapshot().unwrap(),
        [2],
        "deleted and inserted: stays"
    );
    assert_eq!(p.later.snapshot().unwrap(), [2]);
}

blossom::program! {
    /// Nodes not reachable from a source, and per-node statistics.
    Graph {
        input edge(src: u32, dst: u32);
        input source(node: u32);
        scratch node(n: u32);
        scratch reach(n: u32);
        output unreachable(n: u32);
        output out_degree(n: u32, d: u64);
        output weight(n: u32, total: u32, lo: u32, hi: u32);
        output heaviest(n: u32, to: u32);
        output lightest(n: u32, to: u32);
        output targets(n: u32, set: BTreeSet<u32>);
        output edges(total: usize);
        output sourceless(n: u32);
        output into_five(n: u32);

        node(a) <= edge(a, _);
        node(b) <= edge(_, b);
        reach(s) <= source(s);
        reach(b) <= reach(a), edge(a, b);
        unreachable(n) <= node(n), !reach(n);
        out_degree(a, count()) <= edge(a, _);
        weight(a, sum(b), min(b), max(b)) <= edge(a, b);
        heaviest(a, argmax(w, b)) <= edge(a, b), let w = b % 3;
        lightest(a, argmin(w, b)) <= edge(a, b), let w = b % 3;
        targets(a, collect(b)) <= edge(a, b), !source(b);
        edges(count()) <= edge(_, _);
        // A negation written first tests the rows of the first positive atom after it.
        sourceless(n) <= !source(_), node(n);
        into_five(n) <= let s = 5, !source(s), edge(n, s);
    }
}

#[test]
fn negation_and_aggregates_follow_the_inputs() {
    let mut g = Graph::new();
    g.edge
        .extend([(1, 2), (2, 3), (4, 5), (4, 6), (4, 9), (7, 7)]);
    g.source.insert(1);
    g.tick().unwrap();
    assert_eq!(g.unreachable.snapshot().unwrap(), [4, 5, 6, 7, 9]);
    assert_eq!(
        g.out_degree.snapshot().unwrap(),
        [(1, 1), (2, 1), (4, 3), (7, 1)]
    );
    assert_eq!(
        g.weight.snapshot().unwrap(),
        [(1, 2, 2, 2), (2, 3, 3, 3), (4, 20, 5, 9), (7, 7, 7, 7)]
    );
    // 5 % 3 = 2, 6 % 3 = 0, 9 % 3 = 0: argmax picks 5; argmin ties between 6 and 9, takes 6.
    assert!(g.heaviest.snapshot().unwrap().contains(&(4, 5)));
    assert!(g.lightest.snapshot().unwrap().contains(&(4, 6)));
    assert!(
        g.targets
            .snapshot()
            .unwrap()
            .contains(&(4, BTreeSet::from([5, 6, 9])))
    );
    assert_eq!(g.edges.snapshot().unwrap(), [6]);

    // Inputs last one tick: a new source changes what is unreachable.
    g.edge.extend([(1, 2), (2, 3), (4, 5)]);
    g.source.insert(4);
    g.tick().unwrap();
    assert_eq!(g.unreachable.snapshot().unwrap(), [1, 2, 3]);
    assert_eq!(g.edges.snapshot().unwrap(), [3]);
    assert_eq!(
        g.targets.snapshot().unwrap(),
        [
            (1, BTreeSet::from([2])),
            (2, BTreeSet::from([3])),
            (4, BTreeSet::from([5]))
        ]
    );
    assert_eq!(g.sourceless.snapshot().unwrap(), []);
    assert_eq!(g.into_five.snapshot().unwrap(), [4]);

    // Negations written before any positive atom.
    g.edge.extend([(4, 5), (6, 7)]);
    g.tick().unwrap();
    assert_eq!(g.sourceless.snapshot().unwrap(), [4, 5, 6, 7]);
    assert_eq!(g.into_five.snapshot().unwrap(), [4]);
    g.edge.extend([(4, 5), (6, 7)]);
    g.source.insert(5);
    g.tick().unwrap();
    assert_eq!(g.sourceless.snapshot().unwrap(), []);
    assert_eq!(g.into_five.snapshot().unwrap(), []);
}

blossom::program! {
    /// Sums count every match: equal values from different rows add up.
    Totals {
        input score(player: u32, round: u32, points: u32);
        output total(player: u32, points: u32);
        output everyone(points: u32);

        total(p, sum(x)) <= score(p, _, x);
        everyone(sum(x)) <= total(_, x);
    }
}

#[test]
fn sums_count_each_match_and_multiple_workers_agree() {
    for workers in [1, 2, 4] {
        let mut t = Totals::with_workers(workers).unwrap();
        t.score.extend([(1, 1, 5), (1, 2, 5), (2, 1, 5), (3, 1, 1)]);
        t.tick().unwrap();
        assert_eq!(t.total.snapshot().unwrap(), [(1, 10), (2, 5), (3, 1)]);
        assert_eq!(t.everyone.snapshot().unwrap(), [16]);
    }
}

blossom::program! {
    /// Bud issue #321, rejected by Bud although stratifiable: `t5` is recursive, and `r2`
    /// negates it from outside its cycle.
    NotACycle {
        input t4(x: u32);
        input t20(x: u32);
        scratch t5(x: u32);
        output r2(x: u32);

        t5(x) <= t20(x), if x == 0;
        t5(y) <= t5(x), t20(y), if y == x + 1;
        r2(x) <= t4(x), !t5(x);
    }
}

#[test]
fn negating_a_recursive_relation_from_outside_its_cycle_is_accepted() {
    let mut p = NotACycle::new();
    p.t20.extend([0, 1, 2, 4, 5]);
    p.t4.extend([1, 3, 4]);
    p.tick().unwrap();
    assert_eq!(p.r2.snapshot().unwrap(), [3, 4]);
}

blossom::program! {
    /// A cycle through negation, made legal by a `<+` on it: `won` reads this tick's `lost`,
    /// and `lost` takes, from the next tick on, the reachable positions that were not won.
    Game {
        input moves(from: u32, to: u32);
        table board(from: u32, to: u32);
        table lost(at: u32);
        output won(at: u32);

        board(a, b) <= moves(a, b);
        won(a) <= board(a, b), !lost(b);
        lost(b) <+ board(_, b), !won(b);
    }
}

#[test]
fn a_cycle_through_negation_broken_by_next_tick_is_accepted() {
    let mut g = Game::new();
    g.moves.extend([(1, 2), (2, 3)]);
    let mut history = Vec::new();
    for _ in 0..4 {
        g.tick().unwrap();
        history.push(g.won.snapshot().unwrap());
    }
    // Tick 0: nothing lost, both positions with a move win. Tick 1: 3 was not won, so it is
    // lost, and 2's only move leads there. Tick 2: 2 was not won in tick 1, so it is lost too.
    let expected: Vec<Vec<u32>> = vec![vec![1, 2], vec![1], vec![], vec![]];
    assert_eq!(history, expected);
}

blossom::program! {
    /// A key-value store: one value per key, replaced with `<+-`, deleted with `<-`.
    Store {
        input put(key: u32, value: String);
        input remove(key: u32);
        input force(key: u32, value: String);
        table store(key: u32 => value: String);
        output current(key: u32, value: String);

        store(k, v) <+- put(k, v);
        store(k, v) <- store(k, v), remove(k);
        store(k, v) <= force(k, v);
        current(k, v) <= store(k, v);
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn an_upsert_replaces_the_row_with_its_key() {
    for workers in [1, 2] {
        let mut store = Store::with_workers(workers).unwrap();
        store.put.extend([(1, s("a")), (2, s("b"))]);
        store.tick().unwrap();
        store.tick().unwrap();
        assert_eq!(
            store.current.snapshot().unwrap(),
            [(1, s("a")), (2, s("b"))]
        );
        store.put.insert((1, s("c")));
        store.remove.insert(2);
        store.tick().unwrap();
        store.tick().unwrap();
        assert_eq!(store.current.snapshot().unwrap(), [(1, s("c"))]);
    }
}

#[test]
fn a_broken_key_rejects_the_tick_and_keeps_the_state() {
    for workers in [1, 2, 4] {
        let mut store = Store::with_workers(workers).unwrap();
        store.put.insert((1, s("a")));
        store.tick().unwrap();
        store.tick().unwrap();
        let before = store.current.snapshot().unwrap();
        assert_eq!(before, [(1, s("a"))]);

        // Two values for key 1 in this tick: a `<=` rule adds a second row beside the stored one.
        store.force.insert((1, s("b")));
        store.put.insert((3, s("lost with the tick")));
        let error = store.tick().unwrap_err();
        let blossom::Error::KeyConflict {
            relation,
            key,
            rows,
            ..
        } = &error
        else {
            panic!("expected a key conflict, got {error}");
        };
        assert_eq!((relation.as_str(), key.as_str()), ("store", "1"));
        assert_eq!(rows, &(s("(1, \"a\")"), s("(1, \"b\")")));
        assert!(error.to_string().contains("`store`"), "{error}");
        assert_eq!(
            store.current.snapshot().unwrap(),
            before,
            "outputs as before the tick"
        );
        assert_eq!(store.ticks(), 2);

        // Rejected again and again: the outputs stay those of the last accepted tick.
        for _ in 0..2 {
            store.force.insert((1, s("b")));
            assert!(store.tick().is_err());
            assert_eq!(
                store.current.snapshot().unwrap(),
                before,
                "after more rejections"
            );
        }

        // The program goes on from the state before the rejected ticks.
        store.tick().unwrap();
        assert_eq!(store.current.snapshot().unwrap(), before);
        store.put.insert((2, s("b")));
        store.tick().unwrap();
        store.tick().unwrap();
        assert_eq!(
            store.current.snapshot().unwrap(),
            [(1, s("a")), (2, s("b"))]
        );

        // Two upserts of one key in one tick break the key of the next tick.
        store.put.extend([(2, s("x")), (2, s("y"))]);
        let error = store.tick().unwrap_err();
        assert!(
            matches!(&error, blossom::Error::KeyConflict { when, .. } if when == "the next tick"),
            "{error}"
        );
        store.tick().unwrap();
        assert_eq!(
            store.current.snapshot().unwrap(),
            [(1, s("a")), (2, s("b"))]
        );
    }
}

#[test]
fn every_relation_can_be_read_in_tests_and_is_not_kept_unless_asked() {
    let mut p = Phases::new();
    p.add.extend([1, 2]);
    p.tick().unwrap();
    // `<+` rows are pending: neither the table nor the scratch has them yet.
    assert_eq!(p.state().kept.snapshot().unwrap(), Vec::<u32>::new());
    p.tick().unwrap();
    assert_eq!(p.state().kept.snapshot().unwrap(), [1, 2]);
    assert_eq!(p.state().soon.snapshot().unwrap(), [1, 2]);

    let mut lean = Phases::with_config(&blossom::Config::embedded().inspect(false)).unwrap();
    lean.tick().unwrap();
    assert!(matches!(
        lean.state().kept.snapshot(),
        Err(blossom::Error::NotInspected)
    ));
    lean.tick().unwrap();
}

blossom::program! {
    /// A heartbeat every 100 ms; a node that has missed three is suspected.
    Watchdog {
        periodic beat(every = std::time::Duration::from_millis(100));
        input seen(n: u64);
        table beats(n: u64);
        table last_seen(n: u64);
        output suspect(missed: u64);

        beats(n) <= beat(n);
        last_seen(n) <= seen(n);
        suspect(count()) <= beats(n), !last_seen(n);
    }
}

#[test]
fn a_periodic_fires_by_the_program_clock() {
    let clock = blossom::VirtualClock::default();
    let mut w = Watchdog::new();
    w.set_clock(clock.clone());
    w.tick().unwrap();
    assert_eq!(
        w.state().beats.snapshot().unwrap(),
        Vec::<u64>::new(),
        "not due yet"
    );
    clock.advance(std::time::Duration::from_millis(250));
    w.seen.insert(0);
    w.tick().unwrap();
    // Two firings were due (at 100 and 200 ms): both arrive in this tick.
    assert_eq!(w.state().beats.snapshot().unwrap(), [0, 1]);
    assert_eq!(w.suspect.snapshot().unwrap(), [1]);
    w.tick().unwrap();
    assert_eq!(w.beat.fired(), 2, "no firing without time passing");
    clock.advance(std::time::Duration::from_millis(100));
    w.tick().unwrap();
    assert_eq!(w.state().beats.snapshot().unwrap(), [0, 1, 2]);
    assert_eq!(w.suspect.snapshot().unwrap(), [2]);
}
