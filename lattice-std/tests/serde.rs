//! Every lattice survives a round trip through serde (JSON here), and reading a stored value
//! that breaks a representation invariant normalises it instead of breaking the laws.

#[macro_use]
mod common;

use std::fmt::Debug;

use blossom_lattices::{CausalRegister, Lattice, OrSet, VectorClock};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Writes `value` as JSON and reads it back.
fn round_trip<L>(value: L) -> Result<(), TestCaseError>
where
    L: Lattice + Debug + Serialize + DeserializeOwned,
{
    let json = serde_json::to_string(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: L = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back, value, "through {}", json);
    Ok(())
}

proptest! {
    #[test]
    fn bool(value in bools()) { round_trip(value)?; }

    #[test]
    fn dom_pair(value in common::dom_pair()) { round_trip(value)?; }

    #[test]
    fn dom_pair_reversed(value in common::dom_pair_reversed()) { round_trip(value)?; }

    #[test]
    fn lww(value in common::lww()) { round_trip(value)?; }

    #[test]
    fn vector_clock(value in common::vector_clock()) { round_trip(value)?; }

    #[test]
    fn g_counter(value in common::g_counter()) { round_trip(value)?; }

    #[test]
    fn pn_counter(value in common::pn_counter()) { round_trip(value)?; }

    #[test]
    fn causal_register(value in common::causal_register()) { round_trip(value)?; }

    #[test]
    fn or_set(value in common::or_set()) { round_trip(value)?; }

    #[test]
    fn with_bot(value in common::with_bot()) { round_trip(value)?; }

    #[test]
    fn with_top(value in common::with_top()) { round_trip(value)?; }

    #[test]
    fn map_union_of_max(value in map_of_max()) { round_trip(value)?; }
}

#[test]
fn a_stored_zero_count_is_no_entry() {
    let clock: VectorClock<u8> = serde_json::from_str(r#"{"1": 0, "2": 3}"#).unwrap();
    assert_eq!(clock, VectorClock::singleton(2, 3));
    assert_eq!(serde_json::to_string(&clock).unwrap(), r#"{"2":3}"#);
}

#[test]
fn a_stored_dominated_version_is_dropped() {
    let stored = r#"[[{"1": 1}, "old"], [{"1": 2}, "new"], [{"2": 1}, "other"]]"#;
    let register: CausalRegister<String, u8> = serde_json::from_str(stored).unwrap();
    let values: Vec<_> = register.values().into_iter().cloned().collect();
    assert_eq!(values, ["new", "other"]);
    assert_eq!(register.clone().join(CausalRegister::bottom()), register);
}

#[test]
fn a_stored_tombstoned_live_tag_is_dropped() {
    let stored = r#"{"live": {"1": [[0, 1]], "2": [[0, 2]]}, "removed": [[0, 1]]}"#;
    let set: OrSet<u8, u8> = serde_json::from_str(stored).unwrap();
    assert_eq!(set.iter().collect::<Vec<_>>(), [&2]);
    assert_eq!(set.clone().join(OrSet::bottom()), set);
}

/// What a Blossom relation column needs of a type, with `Lattice` for lattice columns.
fn column<T>()
where
    T: Lattice
        + Ord
        + std::hash::Hash
        + Debug
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
{
}

#[test]
fn every_lattice_can_be_a_column() {
    use blossom_lattices::*;
    use std::cmp::Reverse;

    column::<Bool>();
    column::<DomPair<u64, SetUnion<String>>>();
    column::<DomPair<Reverse<u32>, Max<u8>>>();
    column::<Lww<String>>();
    column::<Lww<Vec<u8>, (u64, u32)>>();
    column::<VectorClock<String>>();
    column::<GCounter<u32>>();
    column::<PNCounter<u32>>();
    column::<CausalRegister<String, u32>>();
    column::<OrSet<String, u32>>();
    column::<WithBot<MapUnion<String, Max<u64>>>>();
    column::<WithTop<Min<i32>>>();
}
