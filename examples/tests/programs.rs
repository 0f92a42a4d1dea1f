//! Classic Datalog programs, written once: `classic!` turns the same tokens into the
//! `blossom::program!` and into the reference's program, and both run on random input
//! histories with 1, 2 and 4 workers (`PROPTEST_CASES` histories per program, default 32).

#![recursion_limit = "512"]

mod reference;

use std::cell::Cell;
use std::collections::BTreeSet;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reference::classic::classic;
use reference::{Case, Kind, Reference, Seen, cases};

classic! {
    tc_left: blossom::program! {
        /// Transitive closure, left-linear, of the edges so far; its loops and sources.
        pub(crate) TcLeft {
            input edge(a: u32, b: u32);
            table link(a: u32, b: u32);
            output tc(a: u32, b: u32);
            output loops(a: u32);
            output sources(a: u32);

            link(a, b) <= edge(a, b);
            tc(a, b) <= link(a, b);
            tc(a, c) <= tc(a, b), link(b, c);
            loops(a) <= tc(a, a);
            sources(a) <= link(a, _);
        }
    }
}

classic! {
    tc_right: blossom::program! {
        /// Transitive closure, right-linear.
        pub(crate) TcRight {
            input edge(a: u32, b: u32);
            table link(a: u32, b: u32);
            output tc(a: u32, b: u32);

            link(a, b) <= edge(a, b);
            tc(a, b) <= link(a, b);
            tc(a, c) <= link(a, b), tc(b, c);
        }
    }
}

classic! {
    tc_nonlinear: blossom::program! {
        /// Transitive closure, non-linear: both atoms recursive.
        pub(crate) TcNonLinear {
            input edge(a: u32, b: u32);
            table link(a: u32, b: u32);
            output tc(a: u32, b: u32);

            link(a, b) <= edge(a, b);
            tc(a, b) <= link(a, b);
            tc(a, c) <= tc(a, b), tc(b, c);
        }
    }
}

classic! {
    tc_of_the_tick: blossom::program! {
        /// Transitive closure of this tick's edges only (no table).
        pub(crate) TcOfTheTick {
            input edge(a: u32, b: u32);
            output tc(a: u32, b: u32);

            tc(a, b) <= edge(a, b);
            tc(a, c) <= tc(a, b), edge(b, c);
        }
    }
}

classic! {
    same_generation: blossom::program! {
        /// Same generation: two nodes with parents of the same generation.
        pub(crate) SameGeneration {
            input parent(child: u32, parent: u32);
            table par(child: u32, parent: u32);
            output sg(x: u32, y: u32);

            par(c, p) <= parent(c, p);
            sg(x, y) <= par(x, p), par(y, p);
            sg(x, y) <= par(x, xp), sg(xp, yp), par(y, yp);
        }
    }
}

classic! {
    three_way_join: blossom::program! {
        /// Three relations joined in a chain with a constant, this tick and ever; and a triangle.
        pub(crate) ThreeWayJoin {
            input r(a: u32, b: u32);
            input s(b: u32, c: u32);
            input t(c: u32, k: u32);
            table rt(a: u32, b: u32);
            table st(b: u32, c: u32);
            table tt(c: u32, k: u32);
            output now(a: u32, c: u32);
            output ever(a: u32, c: u32);
            output triangle(a: u32, b: u32, c: u32);

            rt(a, b) <= r(a, b);
            st(b, c) <= s(b, c);
            tt(c, k) <= t(c, k);
            now(a, c) <= r(a, b), s(b, c), t(c, 3);
            ever(a, c) <= rt(a, b), st(b, c), tt(c, 3);
            triangle(a, b, c) <= rt(a, b), st(b, c), tt(c, a);
        }
    }
}

classic! {
    even_odd: blossom::program! {
        /// Mutual recursion: pairs joined by paths of odd and of even length.
        pub(crate) EvenOdd {
            input edge(a: u32, b: u32);
            table link(a: u32, b: u32);
            output odd(a: u32, b: u32);
            output even(a: u32, b: u32);
            output both(a: u32, b: u32);

            link(a, b) <= edge(a, b);
            odd(a, b) <= link(a, b);
            even(a, c) <= odd(a, b), link(b, c);
            odd(a, c) <= even(a, b), link(b, c);
            both(a, b) <= odd(a, b), even(a, b);
        }
    }
}

classic! {
    table_and_scratch: blossom::program! {
        /// A table accumulates over ticks; a scratch holds this tick's rows only.
        pub(crate) TableAndScratch {
            input event(x: u32, y: u32);
            table seen(x: u32, y: u32);
            scratch now(x: u32, y: u32);
            output all(x: u32, y: u32);
            output current(x: u32, y: u32);
            output chained(x: u32, z: u32);

            seen(x, y) <= event(x, y);
            now(x, y) <= event(x, y);
            all(x, y) <= seen(x, y);
            current(x, y) <= now(x, y);
            chained(x, z) <= now(x, y), seen(y, z);
        }
    }
}

classic! {
    output_read_by_rules: blossom::program! {
        /// Outputs read by other rules, by themselves and by a table, in a cycle.
        pub(crate) OutputReadByRules {
            input edge(a: u32, b: u32);
            input start(a: u32);
            table link(a: u32, b: u32);
            table root(a: u32);
            output reach(a: u32);
            output hop(a: u32, b: u32);
            table ever(a: u32);
            output gone(a: u32);

            link(a, b) <= edge(a, b);
            root(a) <= start(a);
            reach(a) <= root(a);
            reach(b) <= reach(a), link(a, b);
            hop(a, b) <= reach(a), link(a, b), reach(b);
            ever(a) <= reach(a);
            ever(a) <= gone(a);
            gone(a) <= ever(a), link(a, a);
        }
    }
}

classic! {
    unreachable: blossom::program! {
        /// Anti-join: the nodes seen so far that no path from a root reaches, and the roots
        /// with no edge out.
        pub(crate) Unreachable {
            input edge(a: u32, b: u32);
            input root(a: u32);
            table link(a: u32, b: u32);
            table roots(a: u32);
            scratch node(a: u32);
            scratch reach(a: u32);
            output unreached(a: u32);
            output stuck(a: u32);

            link(a, b) <= edge(a, b);
            roots(a) <= root(a);
            node(a) <= link(a, _);
            node(b) <= link(_, b);
            reach(a) <= roots(a);
            reach(b) <= reach(a), link(a, b);
            unreached(a) <= node(a), !reach(a);
            stuck(a) <= roots(a), !link(a, _);
        }
    }
}

classic! {
    aggregates_per_group: blossom::program! {
        /// Count, sum, min and max of the prices per shop, this tick and ever, and all four in
        /// one head.
        pub(crate) AggregatesPerGroup {
            input sale(shop: u32, item: u32, price: u32);
            table sales(shop: u32, item: u32, price: u32);
            output items(shop: u32, n: u32);
            output total(shop: u32, sum: u32);
            output cheapest(shop: u32, price: u32);
            output dearest(shop: u32, price: u32);
            output today(shop: u32, n: u32, sum: u32, low: u32);
            output everything(n: u32, sum: u32, low: u32, high: u32);

            sales(s, i, p) <= sale(s, i, p);
            items(s, count()) <= sales(s, _, _);
            total(s, sum(p)) <= sales(s, _, p);
            cheapest(s, min(p)) <= sales(s, _, p);
            dearest(s, max(p)) <= sales(s, _, p);
            today(s, count(), sum(p), min(p)) <= sale(s, _, p);
            everything(count(), sum(p), min(p), max(p)) <= sales(_, _, p);
        }
    }
}

classic! {
    shortest_paths: blossom::program! {
        /// Paths with costs along edges that go up (so there are finitely many), then per pair
        /// the least cost and, by `argmin`, the first hop of a cheapest path.
        pub(crate) ShortestPaths {
            input edge(a: u32, b: u32, w: u32);
            table link(a: u32, b: u32, w: u32);
            scratch path(a: u32, b: u32, hop: u32, cost: u32);
            output cost(a: u32, b: u32, cost: u32);
            output hop(a: u32, b: u32, hop: u32);

            link(a, b, w) <= edge(a, b, w), if a < b;
            path(a, b, b, w) <= link(a, b, w);
            path(a, c, h, k) <= path(a, b, h, k1), link(b, c, w), let k = k1 + w;
            cost(a, b, min(k)) <= path(a, b, _, k);
            hop(a, b, argmin(k, h)) <= path(a, b, h, k);
        }
    }
}

classic! {
    counter: blossom::program! {
        /// A counter that `start` sets and each tick increments: `<+` the next value, `<-` this
        /// one.
        pub(crate) Counter {
            input start(n: u32);
            table counter(n: u32);
            output value(n: u32);
            output previous(n: u32);

            counter(n) <+ start(n);
            counter(m) <+ counter(n), let m = n + 1;
            counter(n) <- counter(n);
            value(n) <= counter(n);
            previous(n) <+ value(n);
        }
    }
}

const CLASSICS: &[Case] = &[
    tc_left::CASE,
    tc_right::CASE,
    tc_nonlinear::CASE,
    tc_of_the_tick::CASE,
    same_generation::CASE,
    three_way_join::CASE,
    even_odd::CASE,
    table_and_scratch::CASE,
    output_read_by_rules::CASE,
    unreachable::CASE,
    aggregates_per_group::CASE,
    shortest_paths::CASE,
    counter::CASE,
];

/// Runs `case` on random histories; the proptest error (with the shrunk history) on failure.
fn check(case: &Case) -> Result<Seen, String> {
    let program = (case.spec)();
    let histories = reference::histories(&program, 1..=6, 0..=8, reference::INPUT_VALUES);
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(cases(32))
    };
    let seen = Cell::new(Seen::default());
    TestRunner::new(config)
        .run(&histories, |history| {
            let more = reference::check(case, &program, &history).map_err(TestCaseError::fail)?;
            seen.set(seen.get().add(more));
            Ok(())
        })
        .map_err(reference::reason)?;
    Ok(seen.get())
}

#[test]
fn classic_programs_agree_with_the_reference() {
    let mut failures = Vec::new();
    for case in CLASSICS {
        match check(case) {
            Ok(seen) => println!("{}: {seen:?}", case.name),
            Err(error) => failures.push(format!("{}: {error}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The oracle itself, on answers worked out by hand.
#[test]
fn the_reference_computes_closures_tables_and_scratches() {
    let rows =
        |rows: &[&[u32]]| -> BTreeSet<Vec<u32>> { rows.iter().map(|r| r.to_vec()).collect() };
    let program = tc_left::spec();
    let id =
        |name: &str| (program.relations.iter().position(|r| r.name == name)).expect("declared");
    let (edge, link, tc) = (id("edge"), id("link"), id("tc"));
    assert_eq!(program.relations[link].kind, Kind::Table);
    let mut reference = Reference::new(&program);
    let first = reference.tick(&[(edge, vec![1, 2]), (edge, vec![2, 3])]);
    assert_eq!(first[tc], rows(&[&[1, 2], &[1, 3], &[2, 3]]));
    let second = reference.tick(&[(edge, vec![3, 1])]);
    assert_eq!(
        second[edge],
        rows(&[&[3, 1]]),
        "an input holds for one tick"
    );
    assert_eq!(
        second[link],
        rows(&[&[1, 2], &[2, 3], &[3, 1]]),
        "a table keeps its rows"
    );
    let all: Vec<Vec<u32>> = (1..=3)
        .flat_map(|a| (1..=3).map(move |b| vec![a, b]))
        .collect();
    assert_eq!(second[tc], all.into_iter().collect());
    assert_eq!(second[id("loops")], rows(&[&[1], &[2], &[3]]));

    let program = table_and_scratch::spec();
    let id =
        |name: &str| (program.relations.iter().position(|r| r.name == name)).expect("declared");
    let mut reference = Reference::new(&program);
    reference.tick(&[(id("event"), vec![1, 2])]);
    let second = reference.tick(&[(id("event"), vec![0, 1])]);
    assert_eq!(second[id("all")], rows(&[&[0, 1], &[1, 2]]));
    assert_eq!(second[id("current")], rows(&[&[0, 1]]));
    assert_eq!(second[id("chained")], rows(&[&[0, 2]]));
    let third = reference.tick(&[]);
    assert_eq!(
        third[id("current")],
        rows(&[]),
        "a scratch starts each tick empty"
    );
    assert_eq!(third[id("all")].len(), 2);
}

/// The counter on Blossom itself, with answers worked out by hand: set at tick 0, it reads
/// `t - 1` at tick `t`, whatever the number of workers.
#[test]
fn the_counter_increments_once_per_tick() {
    for workers in reference::WORKERS {
        let mut counter = counter::Counter::with_workers(workers).expect("starts");
        counter.start.insert(0);
        for tick in 0..20u32 {
            counter.tick().expect("ticks");
            let value = counter.value.snapshot().expect("a snapshot");
            let previous = counter.previous.snapshot().expect("a snapshot");
            let (want, before): (Vec<u32>, Vec<u32>) = match tick {
                0 => (vec![], vec![]),
                1 => (vec![0], vec![]),
                t => (vec![t - 1], vec![t - 2]),
            };
            assert_eq!(value, want, "value at tick {tick} with {workers} worker(s)");
            assert_eq!(
                previous, before,
                "previous at tick {tick} with {workers} worker(s)"
            );
        }
    }
}

/// The oracle on the new classics, on answers worked out by hand.
#[test]
fn the_reference_finds_unreached_nodes_and_shortest_paths() {
    let rows =
        |rows: &[&[u32]]| -> BTreeSet<Vec<u32>> { rows.iter().map(|r| r.to_vec()).collect() };
    let program = unreachable::spec();
    let id =
        |name: &str| (program.relations.iter().position(|r| r.name == name)).expect("declared");
    let mut reference = Reference::new(&program);
    let (edge, root) = (id("edge"), id("root"));
    let tick = reference.tick(&[
        (edge, vec![1, 2]),
        (edge, vec![3, 4]),
        (edge, vec![4, 1]),
        (root, vec![1]),
        (root, vec![2]),
        (root, vec![0]),
    ]);
    assert_eq!(tick[id("unreached")], rows(&[&[3], &[4]]));
    assert_eq!(tick[id("stuck")], rows(&[&[0], &[2]]));

    let program = shortest_paths::spec();
    let id =
        |name: &str| (program.relations.iter().position(|r| r.name == name)).expect("declared");
    let mut reference = Reference::new(&program);
    let edge = id("edge");
    // Edges go up only: (3, 2) is dropped. 0 -> 3 costs 3 directly and through 1 and 2.
    let tick = reference.tick(&[
        (edge, vec![0, 1, 1]),
        (edge, vec![1, 2, 1]),
        (edge, vec![0, 2, 5]),
        (edge, vec![2, 3, 1]),
        (edge, vec![0, 3, 3]),
        (edge, vec![3, 2, 0]),
    ]);
    let expected = [
        [0, 1, 1],
        [0, 2, 2],
        [0, 3, 3],
        [1, 2, 1],
        [1, 3, 2],
        [2, 3, 1],
    ];
    assert_eq!(tick[id("cost")], expected.map(Vec::from).into());
    // The first hop of a cheapest path; from 0 to 3 both hops 1 and 3 cost 3: the smaller.
    let expected = [
        [0, 1, 1],
        [0, 2, 1],
        [0, 3, 1],
        [1, 2, 2],
        [1, 3, 2],
        [2, 3, 3],
    ];
    assert_eq!(tick[id("hop")], expected.map(Vec::from).into());
}
