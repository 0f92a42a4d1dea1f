//! Property tests: every standard lattice obeys the laws on generated values.

use std::fmt::Debug;

use blossom_lattices::laws::check_laws;
use blossom_lattices::{Lattice, MapUnion, Max, Min, Pair, SetUnion};
use proptest::collection::{btree_map, btree_set};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Runs the law checker on one generated triple, turning a violation into a test failure.
fn laws_hold<L: Lattice + Debug>((a, b, c): (L, L, L)) -> Result<(), TestCaseError> {
    check_laws(&a, &b, &c).map_err(|violation| TestCaseError::fail(violation.to_string()))
}

/// Three independent values from `values`.
fn triples<S: Strategy + Clone>(
    values: S,
) -> impl Strategy<Value = (S::Value, S::Value, S::Value)> {
    (values.clone(), values.clone(), values)
}

/// Integers mostly from a small range, so that equal values are common, plus the extremes and
/// the odd arbitrary value.
macro_rules! small_int {
    ($t:ty) => {
        prop_oneof![
            4 => 0 as $t..6,
            1 => Just(<$t>::MIN),
            1 => Just(<$t>::MAX),
            1 => any::<$t>(),
        ]
    };
}

fn small_set() -> impl Strategy<Value = SetUnion<u8>> + Clone {
    btree_set(0u8..10, 0..6).prop_map(SetUnion::new)
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
    fn min_u8(abc in triples(small_int!(u8).prop_map(Min::new))) {
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
    fn map_union_u8_max_u16(
        abc in triples(btree_map(0u8..6, small_int!(u16).prop_map(Max::new), 0..5).prop_map(MapUnion::new))
    ) {
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
}
