//! `SetUnion`: the lattice of a set that only gains elements.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// A set that grows by union; bottom is the empty set and the order is `⊆`.
///
/// The derived `Ord` is NOT the lattice order: it compares the sets as sorted sequences, a total
/// order that lets a `SetUnion` be a relation column. Generic code should use [`Lattice::leq`].
///
/// ```rust
/// use blossom_lattices::{Lattice, SetUnion};
///
/// let mut seen = SetUnion::from_iter([1, 2]);
/// assert!(seen.merge(SetUnion::from_iter([2, 3])));
/// assert!(!seen.merge(SetUnion::singleton(1)));
/// assert_eq!(seen.as_set().len(), 3);
/// assert!(SetUnion::from_iter([1, 3]).leq(&seen));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[serde(bound(deserialize = "T: Ord + Deserialize<'de>"))]
pub struct SetUnion<T>(BTreeSet<T>);

impl<T: Ord> SetUnion<T> {
    /// Wraps `set`.
    pub fn new(set: BTreeSet<T>) -> Self {
        SetUnion(set)
    }

    /// The set holding just `item`.
    pub fn singleton(item: T) -> Self {
        SetUnion(BTreeSet::from([item]))
    }

    /// Adds `item`; returns whether it was new.
    pub fn insert(&mut self, item: T) -> bool {
        self.0.insert(item)
    }

    /// The elements.
    pub fn as_set(&self) -> &BTreeSet<T> {
        &self.0
    }

    /// Unwraps the set.
    pub fn into_set(self) -> BTreeSet<T> {
        self.0
    }
}

impl<T: Ord + Clone> Lattice for SetUnion<T> {
    fn merge(&mut self, mut other: Self) -> bool {
        // A strictly larger `other` must hold an element `self` lacks, so `self` grows for sure;
        // swap to insert the smaller side into the larger.
        if other.0.len() > self.0.len() {
            std::mem::swap(&mut self.0, &mut other.0);
            self.0.extend(other.0);
            return true;
        }
        let before = self.0.len();
        self.0.extend(other.0);
        self.0.len() > before
    }

    fn bottom() -> Self {
        SetUnion(BTreeSet::new())
    }

    fn leq(&self, other: &Self) -> bool {
        self.0.is_subset(&other.0)
    }

    fn is_bottom(&self) -> bool {
        self.0.is_empty()
    }
}

/// The default is bottom, the empty set.
impl<T> Default for SetUnion<T> {
    fn default() -> Self {
        SetUnion(BTreeSet::new())
    }
}

impl<T> From<BTreeSet<T>> for SetUnion<T> {
    fn from(set: BTreeSet<T>) -> Self {
        SetUnion(set)
    }
}

impl<T: Ord> FromIterator<T> for SetUnion<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        SetUnion(items.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_a_subset_reports_no_change() {
        let mut s = SetUnion::from_iter([1u8, 2, 3]);
        assert!(!s.merge(SetUnion::from_iter([3, 1])));
        assert!(!s.merge(SetUnion::bottom()));
        assert_eq!(s, SetUnion::from_iter([1, 2, 3]));
    }

    #[test]
    fn merging_a_larger_set_into_a_smaller_one_keeps_both_sides() {
        let mut s = SetUnion::singleton(9u8);
        assert!(s.merge(SetUnion::from_iter([1, 2, 3])));
        assert_eq!(s.into_set(), BTreeSet::from([1, 2, 3, 9]));
    }

    #[test]
    fn merging_an_equal_sized_disjoint_set_reports_change() {
        let mut s = SetUnion::from_iter([1u8, 2]);
        assert!(s.merge(SetUnion::from_iter([3, 4])));
        assert_eq!(s.as_set().len(), 4);
    }

    #[test]
    fn default_is_bottom() {
        assert!(SetUnion::<u8>::default().is_bottom());
        assert!(!SetUnion::singleton(0u8).is_bottom());
    }
}
