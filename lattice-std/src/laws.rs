//! Checks of the lattice laws, and of declared monotone functions and morphisms, on sample
//! values, for property tests.
//!
//! These are plain functions, so a test may feed them values from any generator:
//!
//! ```rust
//! use blossom_lattices::functions::Len;
//! use blossom_lattices::{laws, SetUnion};
//!
//! let a = SetUnion::from_iter([1, 2]);
//! let b = SetUnion::from_iter([2, 3]);
//! let c = SetUnion::singleton(9);
//! laws::check_laws(&a, &b, &c)?;
//! laws::check_monotone(&Len, &a, &b)?;
//! # Ok::<(), laws::LawViolation>(())
//! ```

use std::fmt::{self, Debug};

use crate::{Lattice, Monotone, Morphism};

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
    /// A declared [`Monotone`] function: `x ≤ y` implies `f(x) ≤ f(y)`.
    Monotone,
    /// A declared [`Morphism`]: `f(x ⊔ y) == f(x) ⊔ f(y)`.
    PreservesMerge,
    /// A declared [`Morphism`]: `f(⊥) == ⊥`.
    PreservesBottom,
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
            Law::Monotone => "a monotone function preserves the order: x ≤ y implies f(x) ≤ f(y)",
            Law::PreservesMerge => "a morphism preserves merge: f(x ⊔ y) = f(x) ⊔ f(y)",
            Law::PreservesBottom => "a morphism preserves bottom: f(⊥) = ⊥",
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

/// `a`, `b`, their merge and bottom: among them are comparable pairs (`a ≤ a ⊔ b`, `⊥ ≤ a`)
/// even when `a` and `b` are not comparable, as generated values mostly are not.
fn samples<L: Lattice>(a: &L, b: &L) -> [L; 4] {
    [a.clone(), b.clone(), a.clone().join(b.clone()), L::bottom()]
}

/// Checks that `f`, declared [`Monotone`], preserves the order on every comparable pair among
/// `a`, `b`, `a ⊔ b` and bottom; returns the first violation found.
///
/// Call it from a property test for every monotone function you declare: the analysis trusts
/// the declaration, and this is what makes the trust earned.
pub fn check_monotone<From, To, F>(f: &F, a: &From, b: &From) -> Result<(), LawViolation>
where
    From: Lattice + Debug,
    To: Lattice + Debug,
    F: Monotone<From, To> + Debug,
{
    let xs = samples(a, b);
    let images = xs.clone().map(|x| f.apply(&x));
    for (x, fx) in xs.iter().zip(&images) {
        for (y, fy) in xs.iter().zip(&images) {
            if x.leq(y) && !fx.leq(fy) {
                return Err(LawViolation {
                    law: Law::Monotone,
                    details: format!(
                        "f = {f:?}, x = {x:?} ≤ y = {y:?}, but f(x) = {fx:?} ≰ f(y) = {fy:?}"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Checks that `f`, declared a [`Morphism`], maps bottom to bottom and preserves the merge of
/// every pair among `a`, `b`, `a ⊔ b` and bottom, and that it is monotone
/// ([`check_monotone`]); returns the first violation found.
pub fn check_morphism<From, To, F>(f: &F, a: &From, b: &From) -> Result<(), LawViolation>
where
    From: Lattice + Debug,
    To: Lattice + Debug,
    F: Morphism<From, To> + Debug,
{
    let (f_bottom, bottom) = (f.apply(&From::bottom()), To::bottom());
    if f_bottom != bottom {
        return Err(LawViolation {
            law: Law::PreservesBottom,
            details: format!("f = {f:?}, f(⊥) = {f_bottom:?}, ⊥ = {bottom:?}"),
        });
    }
    let xs = samples(a, b);
    for x in &xs {
        for y in &xs {
            let of_merge = f.apply(&x.clone().join(y.clone()));
            let merge_of = f.apply(x).join(f.apply(y));
            if of_merge != merge_of {
                return Err(LawViolation {
                    law: Law::PreservesMerge,
                    details: format!(
                        "f = {f:?}, x = {x:?}, y = {y:?}, \
                         f(x ⊔ y) = {of_merge:?}, f(x) ⊔ f(y) = {merge_of:?}"
                    ),
                });
            }
        }
    }
    check_monotone(f, a, b)
}
