//! `Monotone` and `Morphism`: functions between lattices that are declared to preserve the
//! order, and checked.
//!
//! A rule that reads a lattice value stays monotone (and so free of coordination) only if what
//! it computes from the value can only grow as the value grows. Two kinds of function keep that
//! promise, as in Bloom^L:
//!
//! - a **monotone** function: `x ≤ y` implies `f(x) ≤ f(y)`. The size of a growing set is one.
//!   It needs the whole value, so an engine recomputes it from the merged value.
//! - a **morphism**: `f(x ⊔ y) = f(x) ⊔ f(y)` and `f(⊥) = ⊥`. Membership of an element in a
//!   growing set is one. A morphism is monotone, and it distributes over merge, so an engine
//!   may apply it to each delta alone and merge the results.
//!
//! A function is declared by implementing [`Monotone`] (and [`Morphism`] on top, if it is one)
//! for a small named type, usually zero-sized or holding a constant, so that generated code can
//! name it: `At("x")`, `AtLeast(3)`, `Len`. [`crate::functions`] holds the library's own.
//!
//! # A claim that is not checked is not trusted
//!
//! Implementing these traits is a claim, and the compiler cannot verify it. The analysis (a
//! later stage of Blossom) trusts a function to be monotone only if it is declared through
//! these traits, and every declaration must come with a property test that checks it on
//! generated values with [`crate::laws::check_monotone`] or [`crate::laws::check_morphism`].
//! This crate's tests check every function it declares (`tests/functions.rs`), and
//! `tests/broken_monotone.rs` shows the checker refuting false claims: a negation declared
//! monotone, a set's size declared a morphism. A user function needs the same: declare it,
//! then test it the same way, or it is not monotone.
//!
//! ```rust
//! use blossom_lattices::laws::check_monotone;
//! use blossom_lattices::{Lattice, Max, Monotone, SetUnion};
//!
//! /// The largest element of a set of scores.
//! #[derive(Debug)]
//! struct Best;
//!
//! impl Monotone<SetUnion<u32>, Max<u32>> for Best {
//!     fn apply(&self, scores: &SetUnion<u32>) -> Max<u32> {
//!         Max::new(scores.as_set().last().copied().unwrap_or(0))
//!     }
//! }
//!
//! // In a property test, `a` and `b` come from a generator.
//! let a = SetUnion::from_iter([3, 9]);
//! let b = SetUnion::from_iter([4]);
//! check_monotone(&Best, &a, &b)?;
//! assert_eq!(Best.apply(&a.join(b)), Max::new(9));
//! # Ok::<(), blossom_lattices::laws::LawViolation>(())
//! ```

use crate::Lattice;

/// A function from lattice `From` to lattice `To` that preserves the order: `x.leq(&y)`
/// implies `f.apply(&x).leq(&f.apply(&y))`. Check every implementation with
/// [`crate::laws::check_monotone`] on generated values.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not declared monotone from `{From}` to `{To}`",
    label = "not a declared monotone function",
    note = "implement `blossom::lattices::Monotone<{From}, {To}>` for `{Self}`, and check the claim with `blossom::lattices::laws::check_monotone` in a property test"
)]
pub trait Monotone<From: Lattice, To: Lattice> {
    /// Applies the function.
    fn apply(&self, value: &From) -> To;
}

/// A monotone function that also preserves merges and bottom: `f(x ⊔ y) = f(x) ⊔ f(y)` and
/// `f(⊥) = ⊥`, so it can be applied to each delta alone. Check every implementation with
/// [`crate::laws::check_morphism`] on generated values.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not declared a morphism from `{From}` to `{To}`",
    label = "not a declared lattice morphism",
    note = "implement `blossom::lattices::Morphism<{From}, {To}>` for `{Self}` if it preserves merge and bottom, and check the claim with `blossom::lattices::laws::check_morphism` in a property test"
)]
pub trait Morphism<From: Lattice, To: Lattice>: Monotone<From, To> {}
