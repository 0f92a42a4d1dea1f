//! Generators of lattice values shared by the property tests.
//!
//! Each test file uses a different subset of these, and an integration test compiles this
//! module once per file, so the unused ones would warn in every file.
#![allow(dead_code)]

use std::cmp::Reverse;

use blossom_lattices::laws::LawViolation;
use blossom_lattices::{
    Bool, CausalRegister, DomPair, GCounter, Lww, MapUnion, Max, Min, OrSet, PNCounter, SetUnion,
    VectorClock, WithBot, WithTop,
};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Turns a law violation into a proptest failure that shows it.
pub fn fail(violation: LawViolation) -> TestCaseError {
    TestCaseError::fail(violation.to_string())
}

/// Three independent values from `values`.
pub fn triples<S: Strategy + Clone>(
    values: S,
) -> impl Strategy<Value = (S::Value, S::Value, S::Value)> {
    (values.clone(), values.clone(), values)
}

/// Two independent values from `values`.
pub fn pairs<S: Strategy + Clone>(values: S) -> impl Strategy<Value = (S::Value, S::Value)> {
    (values.clone(), values)
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

pub fn small_set() -> impl Strategy<Value = SetUnion<u8>> + Clone {
    btree_set(0u8..10, 0..6).prop_map(SetUnion::new)
}

pub fn max_u16() -> impl Strategy<Value = Max<u16>> + Clone {
    small_int!(u16).prop_map(Max::new)
}

pub fn map_of_max() -> impl Strategy<Value = MapUnion<u8, Max<u16>>> + Clone {
    btree_map(0u8..6, max_u16(), 0..5).prop_map(MapUnion::new)
}

pub fn map_of_sets() -> impl Strategy<Value = MapUnion<u8, SetUnion<u8>>> + Clone {
    btree_map(0u8..4, small_set(), 0..4).prop_map(MapUnion::new)
}

pub fn bools() -> impl Strategy<Value = Bool> + Clone {
    any::<bool>().prop_map(Bool::new)
}

/// Keys from a few epochs, so that equal keys (where values merge) are common.
pub fn dom_pair() -> impl Strategy<Value = DomPair<u8, SetUnion<u8>>> + Clone {
    (0u8..4, small_set()).prop_map(DomPair::from)
}

pub fn dom_pair_reversed() -> impl Strategy<Value = DomPair<Reverse<u32>, Max<u16>>> + Clone {
    (small_int!(u32).prop_map(Reverse), max_u16()).prop_map(DomPair::from)
}

/// Few timestamps and values, so that ties on the timestamp are common.
pub fn lww() -> impl Strategy<Value = Lww<u8, u8>> + Clone {
    prop_oneof![
        1 => Just(Lww::default()),
        6 => (0u8..4, 0u8..3).prop_map(|(timestamp, value)| Lww::new(timestamp, value)),
    ]
}

/// Counts include 0 (no entry) and the saturating maximum.
pub fn vector_clock() -> impl Strategy<Value = VectorClock<u8>> + Clone {
    let count = prop_oneof![8 => 0u64..4, 1 => Just(u64::MAX)];
    btree_map(0u8..4, count, 0..4).prop_map(VectorClock::from)
}

pub fn g_counter() -> impl Strategy<Value = GCounter<u8>> + Clone {
    vector_clock().prop_map(GCounter::from)
}

/// A counter built by increments (`true`) and decrements (`false`) at a few replicas.
pub fn pn_counter() -> impl Strategy<Value = PNCounter<u8>> + Clone {
    vec((0u8..3, 0u64..5, any::<bool>()), 0..6).prop_map(|ops| {
        let mut counter = PNCounter::new();
        for (replica, by, up) in ops {
            if up {
                counter.increment(replica, by);
            } else {
                counter.decrement(replica, by);
            }
        }
        counter
    })
}

/// Small clocks, so that versions are often ordered, often concurrent and sometimes equal.
pub fn causal_register() -> impl Strategy<Value = CausalRegister<u8, u8>> + Clone {
    let clock = btree_map(0u8..3, 0u64..3, 0..3).prop_map(VectorClock::from);
    vec((clock, 0u8..3), 0..4).prop_map(CausalRegister::from_iter)
}

/// One step of building an `OrSet`: an add with a chosen tag, or a remove.
#[derive(Clone, Debug)]
pub enum OrSetOp {
    Add(u8, (u8, u64)),
    Remove(u8),
}

/// A set built by adds with tags from a small pool (so that two generated sets share tags,
/// and one may have removed what the other holds) and removes.
pub fn or_set() -> impl Strategy<Value = OrSet<u8, u8>> + Clone {
    let op = prop_oneof![
        3 => (0u8..4, (0u8..2, 1u64..4)).prop_map(|(item, tag)| OrSetOp::Add(item, tag)),
        1 => (0u8..4).prop_map(OrSetOp::Remove),
    ];
    vec(op, 0..8).prop_map(|ops| {
        let mut set = OrSet::new();
        for op in ops {
            match op {
                OrSetOp::Add(item, tag) => set.add_tagged(item, tag),
                OrSetOp::Remove(item) => set.remove(&item),
            };
        }
        set
    })
}

pub fn with_bot() -> impl Strategy<Value = WithBot<SetUnion<u8>>> + Clone {
    proptest::option::of(small_set()).prop_map(WithBot::from)
}

pub fn with_top() -> impl Strategy<Value = WithTop<Max<u16>>> + Clone {
    proptest::option::weighted(0.8, max_u16()).prop_map(WithTop::from)
}

pub fn min_u8() -> impl Strategy<Value = Min<u8>> + Clone {
    small_int!(u8).prop_map(Min::new)
}
