//! Property tests: every monotone function and morphism the library declares keeps its claim on
//! generated values. A declaration not checked here is not trusted.

#[macro_use]
mod common;

use blossom_lattices::functions::{
    Above, At, AtLeast, Contains, ContainsKey, CountOf, Len, Plus, Total,
};
use blossom_lattices::laws::{check_monotone, check_morphism};
use blossom_lattices::{Max, Min};
use common::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn len_of_set_union_is_monotone((a, b) in pairs(small_set())) {
        check_monotone(&Len, &a, &b).map_err(fail)?;
    }

    #[test]
    fn contains_is_a_morphism((a, b) in pairs(small_set()), item in 0u8..10) {
        check_morphism(&Contains(item), &a, &b).map_err(fail)?;
    }

    #[test]
    fn at_a_key_is_a_morphism((a, b) in pairs(map_of_max()), key in 0u8..6) {
        check_morphism(&At(key), &a, &b).map_err(fail)?;
    }

    #[test]
    fn at_a_key_of_a_map_of_sets_is_a_morphism((a, b) in pairs(map_of_sets()), key in 0u8..4) {
        check_morphism(&At(key), &a, &b).map_err(fail)?;
    }

    #[test]
    fn contains_key_is_a_morphism((a, b) in pairs(map_of_sets()), key in 0u8..4) {
        check_morphism(&ContainsKey(key), &a, &b).map_err(fail)?;
    }

    #[test]
    fn at_least_is_monotone(
        (a, b) in pairs(small_int!(u32).prop_map(Max::new)),
        threshold in small_int!(u32),
    ) {
        check_monotone(&AtLeast(threshold), &a, &b).map_err(fail)?;
    }

    #[test]
    fn at_least_on_signed_values_is_monotone(
        (a, b) in pairs(small_int!(i64).prop_map(Max::new)),
        threshold in small_int!(i64),
    ) {
        check_monotone(&AtLeast(threshold), &a, &b).map_err(fail)?;
    }

    #[test]
    fn above_is_a_morphism(
        (a, b) in pairs(small_int!(i32).prop_map(Max::new)),
        threshold in small_int!(i32),
    ) {
        check_morphism(&Above(threshold), &a, &b).map_err(fail)?;
    }

    #[test]
    fn plus_on_max_is_monotone(
        (a, b) in pairs(small_int!(u8).prop_map(Max::new)),
        constant in small_int!(u8),
    ) {
        check_monotone(&Plus(constant), &a, &b).map_err(fail)?;
    }

    #[test]
    fn plus_on_max_u64_is_monotone(
        (a, b) in pairs(small_int!(u64).prop_map(Max::new)),
        constant in small_int!(u64),
    ) {
        check_monotone(&Plus(constant), &a, &b).map_err(fail)?;
    }

    #[test]
    fn plus_on_min_is_a_morphism((a, b) in pairs(min_u8()), constant in small_int!(u8)) {
        check_morphism(&Plus(constant), &a, &b).map_err(fail)?;
    }

    #[test]
    fn plus_on_min_u64_is_a_morphism(
        (a, b) in pairs(small_int!(u64).prop_map(Min::new)),
        constant in small_int!(u64),
    ) {
        check_morphism(&Plus(constant), &a, &b).map_err(fail)?;
    }

    #[test]
    fn total_of_g_counter_is_monotone((a, b) in pairs(g_counter())) {
        check_monotone(&Total, &a, &b).map_err(fail)?;
    }

    #[test]
    fn total_of_vector_clock_is_monotone((a, b) in pairs(vector_clock())) {
        check_monotone(&Total, &a, &b).map_err(fail)?;
    }

    #[test]
    fn count_of_g_counter_is_a_morphism((a, b) in pairs(g_counter()), replica in 0u8..4) {
        check_morphism(&CountOf(replica), &a, &b).map_err(fail)?;
    }

    #[test]
    fn count_of_vector_clock_is_a_morphism((a, b) in pairs(vector_clock()), replica in 0u8..4) {
        check_morphism(&CountOf(replica), &a, &b).map_err(fail)?;
    }
}
