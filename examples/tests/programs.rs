//! Classic Datalog programs, written once: `classic!` turns the same tokens into the
//! `blossom::program!` and into the reference's program, and both run on random input
//! histories with 1, 2 and 4 workers (`PROPTEST_CASES` histories per program, default 32).

mod reference;

use std::cell::Cell;
use std::collections::BTreeSet;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reference::{Case, Kind, Reference, Seen};

/// `classic! { module: blossom::program! { pub(crate) Name { .. } } }`: the program, and in
/// `module` its text, its meaning for the reference (from the same tokens) and its driver. The
/// program's relations have `u32` columns; its atoms' terms are variables, numbers and `_`.
///
/// The `blossom::program! { .. }` invocation is passed through token for token, so the spec is
/// built from exactly the tokens Blossom compiles.
macro_rules! classic {
    ($module:ident: $blossom:tt $sep:tt $program:tt $bang:tt $body:tt) => {
        mod $module {
            use super::reference::builder::Builder;
            use super::reference::{self, Driver, Program, Row};

            $blossom $sep $program $bang $body

            classic!(@module $body);
        }
    };
    (@module { $(#[$doc:meta])* $vis:vis $name:ident { $($items:tt)* } }) => {
        pub(crate) const TEXT: &str = stringify!($($items)*);

        pub(crate) fn spec() -> Program {
            let mut builder = Builder::default();
            classic!(@spec builder; $($items)*);
            builder.build()
        }

        impl Driver for $name {
            fn insert(&mut self, relation: &str, row: &[u32]) {
                classic!(@insert self relation row; $($items)*);
                panic!("no input `{relation}`")
            }
            fn tick(&mut self) -> Result<(), blossom::Error> {
                $name::tick(self)
            }
            fn snapshot(&self, relation: &str) -> Result<Vec<Row>, blossom::Error> {
                classic!(@output self relation rows; $($items)*);
                panic!("no output `{relation}`")
            }
            fn len(&self, relation: &str) -> usize {
                classic!(@output self relation len; $($items)*);
                panic!("no output `{relation}`")
            }
        }

        pub(crate) fn start(workers: usize) -> Result<Box<dyn Driver>, blossom::Error> {
            Ok(Box::new($name::with_workers(workers)?))
        }
    };
    // The reference's program, item by item.
    (@spec $b:ident;) => {};
    (@spec $b:ident; $kind:ident $rel:ident ($($col:ident : $ty:ty),*); $($rest:tt)*) => {
        $b.relation(stringify!($kind), stringify!($rel), [$(stringify!($col)),*].len());
        classic!(@spec $b; $($rest)*);
    };
    (@spec $b:ident; $head:ident ($($arg:tt),*) <= $($atom:ident ($($term:tt),*)),+; $($rest:tt)*) => {
        $b.rule(
            stringify!($head),
            &[$(stringify!($arg)),*],
            &[$((stringify!($atom), vec![$(stringify!($term)),*])),+],
        );
        classic!(@spec $b; $($rest)*);
    };
    // `if relation == "rel" { return self.rel.insert(..) }` for every input.
    (@insert $s:ident $r:ident $row:ident;) => {};
    (@insert $s:ident $r:ident $row:ident; input $rel:ident $cols:tt; $($rest:tt)*) => {
        if $r == stringify!($rel) {
            return $s.$rel.insert(reference::Columns::from_row($row));
        }
        classic!(@insert $s $r $row; $($rest)*);
    };
    (@insert $s:ident $r:ident $row:ident; $kind:ident $rel:ident $cols:tt; $($rest:tt)*) => {
        classic!(@insert $s $r $row; $($rest)*);
    };
    (@insert $s:ident $r:ident $row:ident; $head:ident $args:tt <= $($atom:ident $terms:tt),+; $($rest:tt)*) => {
        classic!(@insert $s $r $row; $($rest)*);
    };
    // `if relation == "rel" { return reference::what(&self.rel) }` for every output.
    (@output $s:ident $r:ident $what:ident;) => {};
    (@output $s:ident $r:ident $what:ident; output $rel:ident $cols:tt; $($rest:tt)*) => {
        if $r == stringify!($rel) {
            return reference::$what(&$s.$rel);
        }
        classic!(@output $s $r $what; $($rest)*);
    };
    (@output $s:ident $r:ident $what:ident; $kind:ident $rel:ident $cols:tt; $($rest:tt)*) => {
        classic!(@output $s $r $what; $($rest)*);
    };
    (@output $s:ident $r:ident $what:ident; $head:ident $args:tt <= $($atom:ident $terms:tt),+; $($rest:tt)*) => {
        classic!(@output $s $r $what; $($rest)*);
    };
}

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

const CLASSICS: &[Case] = &[
    Case {
        name: "tc_left",
        text: tc_left::TEXT,
        spec: tc_left::spec,
        start: tc_left::start,
    },
    Case {
        name: "tc_right",
        text: tc_right::TEXT,
        spec: tc_right::spec,
        start: tc_right::start,
    },
    Case {
        name: "tc_nonlinear",
        text: tc_nonlinear::TEXT,
        spec: tc_nonlinear::spec,
        start: tc_nonlinear::start,
    },
    Case {
        name: "tc_of_the_tick",
        text: tc_of_the_tick::TEXT,
        spec: tc_of_the_tick::spec,
        start: tc_of_the_tick::start,
    },
    Case {
        name: "same_generation",
        text: same_generation::TEXT,
        spec: same_generation::spec,
        start: same_generation::start,
    },
    Case {
        name: "three_way_join",
        text: three_way_join::TEXT,
        spec: three_way_join::spec,
        start: three_way_join::start,
    },
    Case {
        name: "even_odd",
        text: even_odd::TEXT,
        spec: even_odd::spec,
        start: even_odd::start,
    },
    Case {
        name: "table_and_scratch",
        text: table_and_scratch::TEXT,
        spec: table_and_scratch::spec,
        start: table_and_scratch::start,
    },
    Case {
        name: "output_read_by_rules",
        text: output_read_by_rules::TEXT,
        spec: output_read_by_rules::spec,
        start: output_read_by_rules::start,
    },
];

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

/// Runs `case` on random histories; the proptest error (with the shrunk history) on failure.
fn check(case: &Case) -> Result<Seen, String> {
    let program = (case.spec)();
    let histories = reference::histories(&program, 1..=6, 0..=8, reference::INPUT_VALUES);
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(cases())
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
