//! `GCounter`: a grow-only counter, one count per replica, summed.

use serde::{Deserialize, Serialize};

use crate::{Lattice, VectorClock};

/// A grow-only counter: each replica counts its own increments, merging keeps each replica's
/// greatest count, and the counter's value is the sum. Bottom counts nothing.
///
/// Increments are recorded under the replica that makes them, so that concurrent increments at
/// two replicas add up instead of one overwriting the other (a plain [`crate::Max`] would lose
/// one). A replica must increment only its own entry. The state is a [`VectorClock`], whose
/// entries count increments instead of events; [`GCounter::value`] is monotone in it (declared
/// and checked as [`crate::functions::Total`]). Counts and the sum saturate at `u64::MAX`.
///
/// The derived `Ord` is a structural total order for relation columns, not the lattice order.
///
/// ```rust
/// use blossom_lattices::{GCounter, Lattice};
///
/// let mut left = GCounter::new();
/// left.increment("left", 2);
/// let mut right = GCounter::new();
/// right.increment("right", 3);
/// assert!(left.merge(right.clone()));
/// assert!(!left.merge(right)); // a duplicate delivery counts once
/// assert_eq!(left.value(), 5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[serde(bound(deserialize = "R: Ord + Deserialize<'de>"))]
pub struct GCounter<R>(VectorClock<R>);

impl<R> GCounter<R> {
    /// The counter at zero (bottom).
    pub fn new() -> Self {
        GCounter(VectorClock::new())
    }

    /// The sum of every replica's count, saturating at `u64::MAX`.
    pub fn value(&self) -> u64 {
        self.0
            .iter()
            .fold(0, |sum, (_, count)| sum.saturating_add(count))
    }

    /// The count of each replica, as a vector clock.
    pub fn counts(&self) -> &VectorClock<R> {
        &self.0
    }
}

impl<R: Ord> GCounter<R> {
    /// Adds `by` to the count of `replica`, which must be the replica making the call; returns
    /// whether the counter changed (it does unless `by` is 0 or the count is saturated).
    pub fn increment(&mut self, replica: R, by: u64) -> bool {
        let count = self.0.get(&replica).saturating_add(by);
        self.0.advance(replica, count)
    }

    /// The count of `replica` alone.
    pub fn count_of(&self, replica: &R) -> u64 {
        self.0.get(replica)
    }
}

impl<R: Ord + Clone> Lattice for GCounter<R> {
    fn merge(&mut self, other: Self) -> bool {
        self.0.merge(other.0)
    }

    fn bottom() -> Self {
        GCounter::new()
    }

    fn leq(&self, other: &Self) -> bool {
        self.0.leq(&other.0)
    }

    fn is_bottom(&self) -> bool {
        self.0.is_bottom()
    }
}

/// The default is bottom, the counter at zero.
impl<R> Default for GCounter<R> {
    fn default() -> Self {
        GCounter::new()
    }
}

impl<R> From<VectorClock<R>> for GCounter<R> {
    fn from(counts: VectorClock<R>) -> Self {
        GCounter(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_increments_add_up() {
        let base = GCounter::from(VectorClock::singleton('a', 1));
        let mut at_a = base.clone();
        at_a.increment('a', 1);
        let mut at_b = base;
        at_b.increment('b', 1);
        assert_eq!(at_a.join(at_b).value(), 3);
    }

    #[test]
    fn incrementing_by_zero_changes_nothing() {
        let mut counter = GCounter::new();
        assert!(!counter.increment('a', 0));
        assert!(counter.is_bottom());
    }

    #[test]
    fn the_sum_saturates() {
        let counter = GCounter::from(VectorClock::from_iter([('a', u64::MAX), ('b', 1)]));
        assert_eq!(counter.value(), u64::MAX);
        assert_eq!(counter.count_of(&'b'), 1);
    }
}
