//! Programs that are one lattice and the requests meeting it run as one operator (a hub):
//! each agrees, tick by tick, with a twin that differs only by a table nothing reads (which
//! keeps it on differential dataflow), on random inputs, on 1, 2 and 4 workers.

use blossom::{Lattice, Max};
use proptest::prelude::*;

blossom::program! {
    /// Totals per key, read by key, listed whole, and raised for the next tick.
    pub Totals {
        input   add(key: u32, by: u64);
        input   read(request: u32, key: u32);
        input   list(request: u32);
        lattice total(key: u32) -> Max<u64>;
        scratch seen(key: u32, by: u64);
        output  value(request: u32, key: u32, v: u64);
        output  every(request: u32, key: u32, v: u64);
        output  echoed(key: u32, by: u64);

        total(k, Max::new(b)) <= add(k, b);
        seen(k, b) <= add(k, b), if b % 2 == 1;
        echoed(k, b) <= seen(k, b);
        value(r, k, *v.get()) <= read(r, k), total(k, v);
        every(r, k, *v.get()) <= list(r), total(k, v), if k % 3 != 1;
        total(k, Max::new(b * 10)) <+ seen(k, b), if b > 5;
    }
}

blossom::program! {
    /// `Totals` with a table beside it, which keeps it on differential dataflow.
    pub TotalsTwin {
        input   add(key: u32, by: u64);
        input   read(request: u32, key: u32);
        input   list(request: u32);
        input   poke(x: u32);
        table   kept(x: u32);
        lattice total(key: u32) -> Max<u64>;
        scratch seen(key: u32, by: u64);
        output  value(request: u32, key: u32, v: u64);
        output  every(request: u32, key: u32, v: u64);
        output  echoed(key: u32, by: u64);

        kept(x) <= poke(x);
        total(k, Max::new(b)) <= add(k, b);
        seen(k, b) <= add(k, b), if b % 2 == 1;
        echoed(k, b) <= seen(k, b);
        value(r, k, *v.get()) <= read(r, k), total(k, v);
        every(r, k, *v.get()) <= list(r), total(k, v), if k % 3 != 1;
        total(k, Max::new(b * 10)) <+ seen(k, b), if b > 5;
    }
}

blossom::program! {
    /// An input that rules need on every worker and merges into the lattice as well.
    pub Broad {
        input   bump(key: u32, by: u64);
        lattice top(key: u32) -> Max<u64>;
        output  seen(key: u32, other: u32, v: u64);

        top(k, Max::new(b)) <= bump(k, b);
        seen(k, o, *v.get()) <= bump(k, _), top(o, v), if o != k;
    }
}

blossom::program! {
    /// `Broad` with a table beside it, on differential dataflow.
    pub BroadTwin {
        input   bump(key: u32, by: u64);
        input   poke(x: u32);
        table   kept(x: u32);
        lattice top(key: u32) -> Max<u64>;
        output  seen(key: u32, other: u32, v: u64);

        kept(x) <= poke(x);
        top(k, Max::new(b)) <= bump(k, b);
        seen(k, o, *v.get()) <= bump(k, _), top(o, v), if o != k;
    }
}

/// One tick's input rows.
#[derive(Clone, Debug)]
struct Tick {
    adds: Vec<(u32, u64)>,
    reads: Vec<(u32, u32)>,
    lists: Vec<u32>,
}

fn tick() -> impl Strategy<Value = Tick> {
    (
        prop::collection::vec((0u32..8, 0u64..12), 0..6),
        prop::collection::vec((0u32..4, 0u32..8), 0..4),
        prop::collection::vec(0u32..3, 0..2),
    )
        .prop_map(|(adds, reads, lists)| Tick { adds, reads, lists })
}

type Outputs = (Vec<(u32, u32, u64)>, Vec<(u32, u32, u64)>, Vec<(u32, u64)>);

fn run_hub(ticks: &[Tick], workers: usize) -> Vec<Outputs> {
    let mut program = Totals::with_workers(workers).expect("starts");
    (ticks.iter())
        .map(|t| {
            program.add.extend(t.adds.iter().copied());
            program.read.extend(t.reads.iter().copied());
            program.list.extend(t.lists.iter().copied());
            program.tick().expect("ticks");
            let value = program.value.snapshot().expect("value");
            let every = program.every.snapshot().expect("every");
            let echoed = program.echoed.snapshot().expect("echoed");
            (value, every, echoed)
        })
        .collect()
}

fn run_twin(ticks: &[Tick], workers: usize) -> Vec<Outputs> {
    let mut program = TotalsTwin::with_workers(workers).expect("starts");
    (ticks.iter())
        .map(|t| {
            program.add.extend(t.adds.iter().copied());
            program.read.extend(t.reads.iter().copied());
            program.list.extend(t.lists.iter().copied());
            program.tick().expect("ticks");
            let value = program.value.snapshot().expect("value");
            let every = program.every.snapshot().expect("every");
            let echoed = program.echoed.snapshot().expect("echoed");
            (value, every, echoed)
        })
        .collect()
}

#[test]
fn the_program_runs_as_a_hub_and_its_twin_does_not() {
    assert_eq!(Totals::explain().hub, Some("total"));
    assert_eq!(TotalsTwin::explain().hub, None);
    let text = Totals::explain().to_string();
    assert!(
        text.contains("runs as one operator per worker around total"),
        "{text}"
    );
    assert!(text.contains("add by (key)"), "{text}");
}

#[test]
fn a_hub_remembers_its_lattice_and_forgets_its_requests() {
    let mut program = Totals::with_workers(2).expect("starts");
    program.add.extend([(1, 7), (2, 4)]);
    program.read.insert((0, 1));
    program.tick().expect("ticks");
    assert_eq!(program.value.snapshot().expect("value"), [(0, 1, 7)]);
    assert_eq!(program.echoed.snapshot().expect("echoed"), [(1, 7)]);
    // The next tick: the requests are gone, the lattice holds 7 raised to 70 by `<+`.
    program.read.insert((1, 1));
    program.list.insert(9);
    program.tick().expect("ticks");
    assert_eq!(program.value.snapshot().expect("value"), [(1, 1, 70)]);
    assert_eq!(program.every.snapshot().expect("every"), [(9, 2, 4)]);
    assert_eq!(program.echoed.snapshot().expect("echoed"), []);
    // A tick with nothing in it takes the last tick's rows back.
    program.tick().expect("ticks");
    assert_eq!(program.value.snapshot().expect("value"), []);
    assert_eq!(program.every.snapshot().expect("every"), []);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn a_hub_agrees_with_differential_dataflow(ticks in prop::collection::vec(tick(), 1..8)) {
        for workers in [1, 2, 4] {
            let (hub, twin) = (run_hub(&ticks, workers), run_twin(&ticks, workers));
            prop_assert_eq!(hub, twin, "{} workers", workers);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Rows every worker has (the rule meeting every entry needs them so) merge into the
    /// lattice once, on the worker of their key.
    #[test]
    fn rows_on_every_worker_merge_once(
        ticks in prop::collection::vec(prop::collection::vec((0u32..6, 0u64..9), 0..5), 1..6),
    ) {
        assert!(Broad::explain().to_string().contains("bump: in the hub, on every worker"));
        for workers in [1, 2, 4] {
            let mut hub = Broad::with_workers(workers).expect("starts");
            let mut twin = BroadTwin::with_workers(workers).expect("starts");
            for rows in &ticks {
                hub.bump.extend(rows.iter().copied());
                twin.bump.extend(rows.iter().copied());
                hub.tick().expect("ticks");
                twin.tick().expect("ticks");
                prop_assert_eq!(hub.seen.snapshot().expect("seen"), twin.seen.snapshot().expect("seen"));
            }
        }
    }
}

#[test]
fn max_is_a_lattice_the_hub_merges() {
    let mut a = Max::new(3u64);
    assert!(a.merge(Max::new(5)));
    assert_eq!(*a.get(), 5);
}
