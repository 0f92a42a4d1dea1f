//! The law checker rejects lattices that break a law: each broken lattice here breaks one.

use blossom_lattices::laws::{Law, check_laws};
use blossom_lattices::{Lattice, Max};
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
