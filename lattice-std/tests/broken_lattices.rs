//! The law checker rejects lattices that break a law: each broken lattice here breaks one, and
//! so do the peers' definitions that Blossom's `DomPair`, `CausalRegister` and `Lww` avoid.

use blossom_lattices::laws::{Law, check_laws};
use blossom_lattices::{Lattice, Lww, Max, SetUnion, VectorClock};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// A byte merged by `max`, except for the one law that `HOW` breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Broken<const HOW: u8>(u8);

/// `leq` is `<`: not reflexive.
const LEQ_STRICT: u8 = 0;
/// `is_bottom` is always false.
const NEVER_BOTTOM: u8 = 1;
/// Merge adds: not idempotent.
const SUM: u8 = 2;
/// The last write wins: merge is not commutative.
const LAST_WRITER_WINS: u8 = 3;
/// `max` of neighbours, `min` of values further apart: commutative and idempotent, not
/// associative.
const NEAR_MAX_FAR_MIN: u8 = 4;
/// Bottom is 5, which is not least.
const BOTTOM_NOT_LEAST: u8 = 5;
/// Merge always claims a change.
const ALWAYS_CHANGED: u8 = 6;
/// `leq` says yes to everything.
const LEQ_ALWAYS: u8 = 7;
/// Nothing broken: a plain `max` lattice.
const LAW_ABIDING: u8 = 8;

impl<const HOW: u8> Lattice for Broken<HOW> {
    fn merge(&mut self, other: Self) -> bool {
        let before = self.0;
        self.0 = match HOW {
            SUM => self.0.wrapping_add(other.0),
            LAST_WRITER_WINS => other.0,
            NEAR_MAX_FAR_MIN if self.0.abs_diff(other.0) > 1 => self.0.min(other.0),
            _ => self.0.max(other.0),
        };
        HOW == ALWAYS_CHANGED || self.0 != before
    }

    fn bottom() -> Self {
        Broken(if HOW == BOTTOM_NOT_LEAST { 5 } else { 0 })
    }

    fn leq(&self, other: &Self) -> bool {
        match HOW {
            LEQ_STRICT => self.0 < other.0,
            LEQ_ALWAYS => true,
            _ => self.0 <= other.0,
        }
    }

    fn is_bottom(&self) -> bool {
        HOW != NEVER_BOTTOM && *self == Self::bottom()
    }
}

fn violated<const HOW: u8>(a: u8, b: u8, c: u8) -> Option<Law> {
    check_laws(&Broken::<HOW>(a), &Broken(b), &Broken(c))
        .err()
        .map(|violation| violation.law())
}

#[test]
fn each_broken_law_is_reported() {
    let cases = [
        (violated::<LEQ_STRICT>(1, 2, 3), Law::LeqReflexive),
        (
            violated::<NEVER_BOTTOM>(1, 2, 3),
            Law::IsBottomAgreesWithBottom,
        ),
        (violated::<SUM>(1, 2, 3), Law::MergeIdempotent),
        (violated::<LAST_WRITER_WINS>(1, 2, 3), Law::MergeCommutative),
        (violated::<NEAR_MAX_FAR_MIN>(1, 2, 3), Law::MergeAssociative),
        (violated::<BOTTOM_NOT_LEAST>(1, 2, 3), Law::BottomIsIdentity),
        (violated::<ALWAYS_CHANGED>(1, 2, 3), Law::MergeReportsChange),
        (violated::<LEQ_ALWAYS>(1, 2, 3), Law::LeqAgreesWithMerge),
    ];
    for (found, broken) in cases {
        assert_eq!(found, Some(broken));
    }
}

#[test]
fn the_violation_names_the_law_and_shows_the_values() {
    let message = check_laws(&Broken::<LAST_WRITER_WINS>(1), &Broken(2), &Broken(3))
        .err()
        .map(|violation| violation.to_string())
        .unwrap_or_default();
    assert!(message.contains("merge is commutative"), "{message}");
    assert!(message.contains("Broken(1)"), "{message}");
}

#[test]
fn a_law_abiding_byte_passes() {
    assert_eq!(violated::<LAW_ABIDING>(1, 2, 3), None);
    assert!(check_laws(&Max::new(1u8), &Max::new(2), &Max::new(3)).is_ok());
}

/// Proptest with generated values finds the broken commutativity on its own.
#[test]
fn property_test_over_generated_values_catches_last_writer_wins() {
    let mut runner = TestRunner::new(Config::with_cases(256));
    let outcome = runner.run(&(any::<u8>(), any::<u8>(), any::<u8>()), |(a, b, c)| {
        check_laws(&Broken::<LAST_WRITER_WINS>(a), &Broken(b), &Broken(c))
            .map_err(|violation| TestCaseError::fail(violation.to_string()))
    });
    assert!(
        outcome.is_err(),
        "the broken lattice passed the property test"
    );
}

/// Hydro's `DomPair` over a lattice key: incomparable keys merge, and so do their values. Not
/// associative: `({1}, 5) ⊔ ({2}, 3)` is `({1, 2}, 5)`, which stays when `({1, 2}, 0)` comes,
/// while `({2}, 3) ⊔ ({1, 2}, 0)` is `({1, 2}, 0)`, which `({1}, 5)` cannot change. This is why
/// `blossom_lattices::DomPair` takes a totally ordered key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LatticeKeyedDomPair(SetUnion<u8>, Max<u8>);

impl Lattice for LatticeKeyedDomPair {
    fn merge(&mut self, other: Self) -> bool {
        let (mine, theirs) = (self.0.leq(&other.0), other.0.leq(&self.0));
        match (mine, theirs) {
            (true, true) => self.1.merge(other.1),
            (true, false) => {
                *self = other;
                true
            }
            (false, true) => false,
            (false, false) => {
                self.0.merge(other.0);
                self.1.merge(other.1);
                true
            }
        }
    }

    fn bottom() -> Self {
        LatticeKeyedDomPair(SetUnion::bottom(), Max::bottom())
    }

    fn leq(&self, other: &Self) -> bool {
        self.0 == other.0 && self.1.leq(&other.1) || self.0.leq(&other.0) && self.0 != other.0
    }
}

/// Anna's single-key causal lattice, transcribed: one clock and a set of values; a clock that
/// dominates or equals ours replaces the values, a concurrent one merges clocks and values.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AnnaCausal(VectorClock<u8>, SetUnion<u8>);

impl Lattice for AnnaCausal {
    fn merge(&mut self, other: Self) -> bool {
        let before = self.clone();
        let previous = self.0.clone();
        self.0.merge(other.0.clone());
        if self.0 == other.0 {
            self.1 = other.1;
        } else if self.0 != previous {
            self.1.merge(other.1);
        }
        *self != before
    }

    fn bottom() -> Self {
        AnnaCausal(VectorClock::new(), SetUnion::bottom())
    }

    fn leq(&self, other: &Self) -> bool {
        self.clone().join(other.clone()) == *other
    }
}

/// Anna's last-writer-wins, transcribed: on equal timestamps the incoming value wins.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AnnaLww(u8, u8);

impl Lattice for AnnaLww {
    fn merge(&mut self, other: Self) -> bool {
        let before = self.clone();
        if other.0 >= self.0 {
            *self = other;
        }
        *self != before
    }

    fn bottom() -> Self {
        AnnaLww(0, 0)
    }

    fn leq(&self, other: &Self) -> bool {
        self.clone().join(other.clone()) == *other
    }
}

#[test]
fn a_dom_pair_over_a_lattice_key_is_not_associative() {
    let a = LatticeKeyedDomPair(SetUnion::singleton(1), Max::new(5));
    let b = LatticeKeyedDomPair(SetUnion::singleton(2), Max::new(3));
    let c = LatticeKeyedDomPair(SetUnion::from_iter([1, 2]), Max::new(0));
    let found = check_laws(&a, &b, &c)
        .err()
        .map(|violation| violation.law());
    assert_eq!(found, Some(Law::MergeAssociative));
}

#[test]
fn annas_causal_merge_is_not_associative() {
    let clock = |counts: &[(u8, u64)]| counts.iter().copied().collect::<VectorClock<u8>>();
    let a = AnnaCausal(clock(&[(0, 1)]), SetUnion::singleton(b'A'));
    let b = AnnaCausal(clock(&[(1, 1)]), SetUnion::singleton(b'B'));
    let c = AnnaCausal(clock(&[(0, 1), (1, 1)]), SetUnion::singleton(b'C'));
    let found = check_laws(&a, &b, &c)
        .err()
        .map(|violation| violation.law());
    assert_eq!(found, Some(Law::MergeAssociative));
}

#[test]
fn annas_lww_tie_rule_is_not_commutative() {
    let found = check_laws(&AnnaLww(3, 1), &AnnaLww(3, 2), &AnnaLww(0, 0))
        .err()
        .map(|violation| violation.law());
    assert_eq!(found, Some(Law::MergeCommutative));
}

/// Whether 512 generated triples from `values` include one that breaks a law.
fn some_law_fails<L: Lattice + std::fmt::Debug>(values: impl Strategy<Value = L> + Clone) -> bool {
    let mut runner = TestRunner::new(Config::with_cases(512));
    let triples = (values.clone(), values.clone(), values);
    let outcome = runner.run(&triples, |(a, b, c)| {
        check_laws(&a, &b, &c).map_err(|violation| TestCaseError::fail(violation.to_string()))
    });
    outcome.is_err()
}

/// Property tests over generated values find each of the peers' broken definitions, and pass
/// Blossom's lawful version of the LWW register on the same values.
#[test]
fn property_tests_over_generated_values_catch_the_peers_definitions() {
    let keys = proptest::collection::btree_set(0u8..3, 0..3).prop_map(SetUnion::new);
    let dom_pair = (keys, any::<u8>().prop_map(Max::new))
        .prop_map(|(key, value)| LatticeKeyedDomPair(key, value));
    assert!(some_law_fails(dom_pair));

    let clock = proptest::collection::btree_map(0u8..3, 0u64..3, 0..3).prop_map(VectorClock::from);
    let causal = (clock, (0u8..3).prop_map(SetUnion::singleton))
        .prop_map(|(clock, values)| AnnaCausal(clock, values));
    assert!(some_law_fails(causal));

    let times_and_values = (0u8..3, 0u8..3);
    assert!(some_law_fails(
        times_and_values
            .clone()
            .prop_map(|(time, value)| AnnaLww(time, value))
    ));
    assert!(!some_law_fails(
        times_and_values.prop_map(|(time, value)| Lww::<u8, u8>::new(time, value))
    ));
}
