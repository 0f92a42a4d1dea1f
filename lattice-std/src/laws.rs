//! Checks of the lattice laws on sample values, for property tests of any `Lattice`.
//!
//! These are plain functions, so a test may feed them values from any generator:
//!
//! ```rust
//! use blossom_lattices::{laws, SetUnion};
//!
//! let a = SetUnion::from_iter([1, 2]);
//! let b = SetUnion::from_iter([2, 3]);
//! let c = SetUnion::singleton(9);
//! laws::check_laws(&a, &b, &c)?;
//! # Ok::<(), laws::LawViolation>(())
//! ```

use std::fmt::{self, Debug};

use crate::Lattice;

/// A law of [`Lattice`] that [`check_laws`] verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Law {
    /// `x.leq(&x)`.
    LeqReflexive,
    /// `x.is_bottom()` iff `x == bottom()`.
    IsBottomAgreesWithBottom,
    /// `x ⊔ x == x`.
    MergeIdempotent,
    /// `x ⊔ y == y ⊔ x`.
    MergeCommutative,
    /// `(x ⊔ y) ⊔ z == x ⊔ (y ⊔ z)`.
    MergeAssociative,
    /// `x ⊔ ⊥ == x` and `⊥ ⊔ x == x`.
    BottomIsIdentity,
    /// `merge` returns true iff the value changed.
    MergeReportsChange,
    /// `x.leq(&y)` iff merging `x` into `y` leaves `y` unchanged.
    LeqAgreesWithMerge,
}

impl fmt::Display for Law {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Law::LeqReflexive => "leq is reflexive",
            Law::IsBottomAgreesWithBottom => "is_bottom holds exactly for bottom()",
            Law::MergeIdempotent => "merge is idempotent",
            Law::MergeCommutative => "merge is commutative",
            Law::MergeAssociative => "merge is associative",
            Law::BottomIsIdentity => "bottom is the identity of merge",
            Law::MergeReportsChange => "merge returns true iff the value changed",
            Law::LeqAgreesWithMerge => "x.leq(y) iff merging x into y leaves y unchanged",
        })
    }
}

/// A broken law, with the values that break it (written with `Debug`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawViolation {
    law: Law,
    details: String,
}

impl LawViolation {
    /// The law that was broken.
    pub fn law(&self) -> Law {
        self.law
    }

    /// The values that break it.
    pub fn details(&self) -> &str {
        &self.details
    }
}

impl fmt::Display for LawViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lattice law violated: {}: {}", self.law, self.details)
    }
}

impl std::error::Error for LawViolation {}

/// Checks every [`Law`] on `a`, `b`, `c` and bottom, in every combination; returns the first
/// violation found.
pub fn check_laws<L: Lattice + Debug>(a: &L, b: &L, c: &L) -> Result<(), LawViolation> {
    let bottom = L::bottom();
    let xs = [a, b, c, &bottom];
    let fail = |law, details| Err(LawViolation { law, details });

    for x in xs {
        if !x.leq(x) {
            return fail(Law::LeqReflexive, format!("x = {x:?}"));
        }
        if x.is_bottom() != (*x == bottom) {
            let is_bottom = x.is_bottom();
            return fail(
                Law::IsBottomAgreesWithBottom,
                format!("x = {x:?}, bottom = {bottom:?}, x.is_bottom() = {is_bottom}"),
            );
        }
        let xx = x.clone().join(x.clone());
        if xx != *x {
            return fail(Law::MergeIdempotent, format!("x = {x:?}, x ⊔ x = {xx:?}"));
        }
    }
    for x in xs {
        for y in xs {
            let xy = x.clone().join(y.clone());
            let yx = y.clone().join(x.clone());
            if xy != yx {
                return fail(
                    Law::MergeCommutative,
                    format!("x = {x:?}, y = {y:?}, x ⊔ y = {xy:?}, y ⊔ x = {yx:?}"),
                );
            }
            for z in xs {
                let left = xy.clone().join(z.clone());
                let right = x.clone().join(y.clone().join(z.clone()));
                if left != right {
                    return fail(
                        Law::MergeAssociative,
                        format!(
                            "x = {x:?}, y = {y:?}, z = {z:?}, \
                             (x ⊔ y) ⊔ z = {left:?}, x ⊔ (y ⊔ z) = {right:?}"
                        ),
                    );
                }
            }
        }
    }
    for x in xs {
        let right = x.clone().join(bottom.clone());
        let left = bottom.clone().join(x.clone());
        if right != *x || left != *x {
            return fail(
                Law::BottomIsIdentity,
                format!("x = {x:?}, x ⊔ ⊥ = {right:?}, ⊥ ⊔ x = {left:?}"),
            );
        }
    }
    for x in xs {
        for y in xs {
            let mut merged = y.clone();
            let reported = merged.merge(x.clone());
            if reported != (merged != *y) {
                return fail(
                    Law::MergeReportsChange,
                    format!(
                        "merging x = {x:?} into y = {y:?} gave {merged:?} but returned {reported}"
                    ),
                );
            }
            let leq = x.leq(y);
            if leq != (merged == *y) {
                return fail(
                    Law::LeqAgreesWithMerge,
                    format!("x = {x:?}, y = {y:?}, y ⊔ x = {merged:?}, x.leq(y) = {leq}"),
                );
            }
        }
    }
    Ok(())
}
