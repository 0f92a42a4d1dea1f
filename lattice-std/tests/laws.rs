//! Property tests: every standard lattice obeys the laws on generated values.

#[macro_use]
mod common;

use std::fmt::Debug;

use blossom_lattices::laws::check_laws;
use blossom_lattices::{Lattice, MapUnion, Max, Min, Pair, SetUnion, WithTop};
use common::*;
use proptest::collection::btree_map;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};

/// Runs the law checker on one generated triple, turning a violation into a test failure.
fn laws_hold<L: Lattice + Debug>((a, b, c): (L, L, L)) -> Result<(), TestCaseError> {
    check_laws(&a, &b, &c).map_err(fail)
}

fn min_and_set() -> impl Strategy<Value = Pair<Min<i16>, SetUnion<u8>>> + Clone {
    (small_int!(i16).prop_map(Min::new), small_set()).prop_map(Pair::from)
}

proptest! {
    #[test]
    fn max_u32(abc in triples(small_int!(u32).prop_map(Max::new))) {
        laws_hold(abc)?;
    }

    #[test]
    fn max_i64(abc in triples(small_int!(i64).prop_map(Max::new))) {
        laws_hold(abc)?;
    }

    #[test]
    fn min_u8(abc in triples(common::min_u8())) {
        laws_hold(abc)?;
    }

    #[test]
    fn min_i32(abc in triples(small_int!(i32).prop_map(Min::new))) {
        laws_hold(abc)?;
    }

    #[test]
    fn set_union_u8(abc in triples(small_set())) {
        laws_hold(abc)?;
    }

    #[test]
    fn map_union_u8_max_u16(abc in triples(map_of_max())) {
        laws_hold(abc)?;
    }

    #[test]
    fn pair_max_u8_set_union_u8(
        abc in triples((small_int!(u8).prop_map(Max::new), small_set()).prop_map(Pair::from))
    ) {
        laws_hold(abc)?;
    }

    #[test]
    fn nested_map_union_of_pairs(
        abc in triples(btree_map(0u8..5, min_and_set(), 0..4).prop_map(MapUnion::new))
    ) {
        laws_hold(abc)?;
    }

    #[test]
    fn bool(abc in triples(bools())) {
        laws_hold(abc)?;
    }

    #[test]
    fn dom_pair_u8_set_union(abc in triples(dom_pair())) {
        laws_hold(abc)?;
    }

    #[test]
    fn dom_pair_reversed_key(abc in triples(dom_pair_reversed())) {
        laws_hold(abc)?;
    }

    #[test]
    fn lww_u8_u8(abc in triples(lww())) {
        laws_hold(abc)?;
    }

    #[test]
    fn vector_clock_u8(abc in triples(vector_clock())) {
        laws_hold(abc)?;
    }

    #[test]
    fn g_counter_u8(abc in triples(g_counter())) {
        laws_hold(abc)?;
    }

    #[test]
    fn pn_counter_u8(abc in triples(pn_counter())) {
        laws_hold(abc)?;
    }

    #[test]
    fn causal_register_u8(abc in triples(causal_register())) {
        laws_hold(abc)?;
    }

    #[test]
    fn or_set_u8(abc in triples(or_set())) {
        laws_hold(abc)?;
    }

    #[test]
    fn with_bot_set_union(abc in triples(with_bot())) {
        laws_hold(abc)?;
    }

    #[test]
    fn with_top_max(abc in triples(with_top())) {
        laws_hold(abc)?;
    }

    #[test]
    fn map_union_of_lww(abc in triples(btree_map(0u8..3, lww(), 0..3).prop_map(MapUnion::new))) {
        laws_hold(abc)?;
    }

    #[test]
    fn pair_of_bool_and_g_counter(abc in triples((bools(), g_counter()).prop_map(Pair::from))) {
        laws_hold(abc)?;
    }

    #[test]
    fn with_top_of_dom_pair(abc in triples(proptest::option::weighted(0.8, dom_pair()).prop_map(WithTop::from))) {
        laws_hold(abc)?;
    }

    #[test]
    fn map_union_of_or_sets(abc in triples(btree_map(0u8..3, or_set(), 0..3).prop_map(MapUnion::new))) {
        laws_hold(abc)?;
    }
}

/// `n` values drawn from `strategy`.
fn draw<S: Strategy>(runner: &mut TestRunner, strategy: S, n: usize) -> Vec<S::Value> {
    (0..n)
        .filter_map(|_| strategy.new_tree(runner).ok())
        .map(|tree| tree.current())
        .collect()
}

/// The generators reach the states that matter: ties, conflicts, removals, saturation. A
/// generator that never produced them would let the property tests pass vacuously.
#[test]
fn generators_reach_the_interesting_states() {
    let mut runner = TestRunner::deterministic();

    let registers = draw(&mut runner, pairs(causal_register()), 200);
    assert!(
        registers.iter().any(|(a, _)| a.values().len() > 1),
        "no conflict"
    );
    assert!(
        registers
            .iter()
            .any(|(a, b)| a.leq(b) && a != b && !a.is_bottom()),
        "no ordered pair of registers"
    );

    let sets = draw(&mut runner, or_set(), 200);
    assert!(
        sets.iter().any(|s| s.is_empty() && !s.is_bottom()),
        "no removal"
    );
    assert!(sets.iter().any(|s| s.len() > 1), "no set of two");

    let writes = draw(&mut runner, pairs(lww()), 200);
    assert!(
        writes
            .iter()
            .any(|(a, b)| a.timestamp() == b.timestamp() && a.get() != b.get()),
        "no tie on the timestamp"
    );

    let counters = draw(&mut runner, g_counter(), 200);
    assert!(
        counters.iter().any(|c| c.value() == u64::MAX),
        "no saturated counter"
    );

    let views = draw(&mut runner, pairs(dom_pair()), 200);
    assert!(
        views.iter().any(|(a, b)| a.key() == b.key() && a != b),
        "no two values under one key"
    );
}
