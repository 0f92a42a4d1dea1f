//! The checker refutes false claims: each function here is declared monotone or a morphism
//! and is not one.

#[macro_use]
mod common;

use std::fmt::Debug;

use blossom_lattices::functions::{AtLeast, Len, Plus};
use blossom_lattices::laws::{Law, LawViolation, check_monotone, check_morphism};
use blossom_lattices::{Bool, Lattice, Max, Monotone, Morphism, PNCounter, SetUnion};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Negation, declared monotone: `false ≤ true` but `!false ≰ !true`.
#[derive(Debug)]
struct Not;

impl Monotone<Bool, Bool> for Not {
    fn apply(&self, flag: &Bool) -> Bool {
        Bool::new(!flag.get())
    }
}

/// The size of a set, declared a morphism: it is monotone, but `‖{1} ∪ {2}‖ = 2`, not
/// `max(1, 1)`.
#[derive(Debug)]
struct LenAsMorphism;

impl Monotone<SetUnion<u8>, Max<usize>> for LenAsMorphism {
    fn apply(&self, set: &SetUnion<u8>) -> Max<usize> {
        Len.apply(set)
    }
}

impl Morphism<SetUnion<u8>, Max<usize>> for LenAsMorphism {}

/// `Max + c`, declared a morphism: it preserves merges, but `⊥ + c` is `c`.
#[derive(Debug)]
struct PlusOnMaxAsMorphism(u8);

impl Monotone<Max<u8>, Max<u8>> for PlusOnMaxAsMorphism {
    fn apply(&self, value: &Max<u8>) -> Max<u8> {
        Plus(self.0).apply(value)
    }
}

impl Morphism<Max<u8>, Max<u8>> for PlusOnMaxAsMorphism {}

/// `value >= c`, declared a morphism: true of bottom when `c` is the least value.
#[derive(Debug)]
struct AtLeastAsMorphism(u8);

impl Monotone<Max<u8>, Bool> for AtLeastAsMorphism {
    fn apply(&self, value: &Max<u8>) -> Bool {
        AtLeast(self.0).apply(value)
    }
}

impl Morphism<Max<u8>, Bool> for AtLeastAsMorphism {}

/// A `PNCounter`'s value, declared monotone: its state grows when it is decremented.
#[derive(Debug)]
struct PnValue;

impl Monotone<PNCounter<u8>, Max<i128>> for PnValue {
    fn apply(&self, counter: &PNCounter<u8>) -> Max<i128> {
        Max::new(counter.value())
    }
}

fn law(result: Result<(), LawViolation>) -> Option<Law> {
    result.err().map(|violation| violation.law())
}

#[test]
fn each_false_claim_is_reported_with_the_law_it_breaks() {
    let (one, two) = (SetUnion::singleton(1), SetUnion::singleton(2));
    let mut decremented = PNCounter::new();
    decremented.decrement(0, 1);
    let cases = [
        (
            law(check_monotone(&Not, &Bool::new(false), &Bool::new(true))),
            Law::Monotone,
        ),
        (
            law(check_morphism(&LenAsMorphism, &one, &two)),
            Law::PreservesMerge,
        ),
        (
            law(check_morphism(
                &PlusOnMaxAsMorphism(1),
                &Max::new(3),
                &Max::new(4),
            )),
            Law::PreservesBottom,
        ),
        (
            law(check_morphism(
                &AtLeastAsMorphism(0),
                &Max::new(3),
                &Max::new(4),
            )),
            Law::PreservesBottom,
        ),
        (
            law(check_monotone(&PnValue, &decremented, &PNCounter::new())),
            Law::Monotone,
        ),
    ];
    for (found, broken) in cases {
        assert_eq!(found, Some(broken));
    }
}

#[test]
fn the_violation_names_the_function_and_the_values() {
    let message = check_monotone(&Not, &Bool::new(false), &Bool::new(true))
        .err()
        .map(|violation| violation.to_string())
        .unwrap_or_default();
    assert!(
        message.contains("monotone function preserves the order"),
        "{message}"
    );
    assert!(message.contains("f = Not"), "{message}");
    assert!(message.contains("Bool(false)"), "{message}");
}

#[test]
fn the_true_part_of_each_claim_passes() {
    let (one, two) = (SetUnion::singleton(1u8), SetUnion::singleton(2));
    assert_eq!(law(check_monotone(&LenAsMorphism, &one, &two)), None);
    assert_eq!(law(check_monotone(&Len, &one, &two)), None);
    assert_eq!(
        law(check_monotone(
            &PlusOnMaxAsMorphism(1),
            &Max::new(3),
            &Max::new(4)
        )),
        None
    );
    // Above the least value, `>=` happens to be a morphism too.
    assert_eq!(
        law(check_morphism(
            &AtLeastAsMorphism(2),
            &Max::new(3),
            &Max::new(4)
        )),
        None
    );
}

/// Runs `check` on 256 generated cases; returns whether some case failed.
fn refuted<S: Strategy>(values: S, check: impl Fn(S::Value) -> Result<(), LawViolation>) -> bool
where
    S::Value: Debug,
{
    let mut runner = TestRunner::new(Config::with_cases(256));
    runner
        .run(&values, |value| check(value).map_err(fail))
        .is_err()
}

/// Property tests over generated values find each false claim on their own.
#[test]
fn property_tests_over_generated_values_refute_every_false_claim() {
    assert!(refuted(pairs(bools()), |(a, b)| check_monotone(
        &Not, &a, &b
    )));
    assert!(refuted(pairs(small_set()), |(a, b)| check_morphism(
        &LenAsMorphism,
        &a,
        &b
    )));
    assert!(refuted(
        (pairs(small_int!(u8).prop_map(Max::new)), 1u8..),
        |((a, b), c)| check_morphism(&PlusOnMaxAsMorphism(c), &a, &b)
    ));
    assert!(refuted(
        (pairs(small_int!(u8).prop_map(Max::new)), small_int!(u8)),
        |((a, b), c)| check_morphism(&AtLeastAsMorphism(c), &a, &b)
    ));
    assert!(refuted(pairs(pn_counter()), |(a, b)| check_monotone(
        &PnValue, &a, &b
    )));
}

/// A negation passes a check that compares only equal or incomparable values: the checker
/// must add comparable pairs itself (here, `a ⊔ b` and bottom).
#[test]
fn incomparable_samples_still_expose_a_negation() {
    #[derive(Debug)]
    struct Missing(u8);
    impl Monotone<SetUnion<u8>, Bool> for Missing {
        fn apply(&self, set: &SetUnion<u8>) -> Bool {
            Bool::new(!set.as_set().contains(&self.0))
        }
    }
    let (a, b) = (SetUnion::singleton(1), SetUnion::singleton(2));
    assert!(!a.leq(&b) && !b.leq(&a));
    assert_eq!(
        law(check_monotone(&Missing(2), &a, &b)),
        Some(Law::Monotone)
    );
}
