//! `PNCounter`: a counter that can go down, built from two grow-only counters.

use serde::{Deserialize, Serialize};

use crate::{GCounter, Lattice};

/// A counter with increments and decrements: one [`GCounter`] of increments and one of
/// decrements, merged independently; the value is their difference. Bottom is zero with no
/// history.
///
/// The *state* only grows (both counters do), so merging is a lattice; the *value* can go
/// down, so [`PNCounter::value`] is not monotone, and a rule that reads it is not monotone
/// either. `tests/broken_monotone.rs` shows the checker refuting the claim that it is.
///
/// The derived `Ord` is a structural total order for relation columns, not the lattice order.
///
/// ```rust
/// use blossom_lattices::{Lattice, PNCounter};
///
/// let mut stock = PNCounter::new();
/// stock.increment("warehouse", 10);
/// let mut shop = stock.clone();
/// shop.decrement("shop", 3);
/// stock.decrement("warehouse", 4);
/// assert!(stock.merge(shop));
/// assert_eq!(stock.value(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(bound(deserialize = "R: Ord + Deserialize<'de>"))]
pub struct PNCounter<R> {
    increments: GCounter<R>,
    decrements: GCounter<R>,
}

impl<R> PNCounter<R> {
    /// The counter at zero (bottom).
    pub fn new() -> Self {
        PNCounter {
            increments: GCounter::new(),
            decrements: GCounter::new(),
        }
    }

    /// Increments minus decrements. Not monotone in the lattice order.
    pub fn value(&self) -> i128 {
        i128::from(self.increments.value()) - i128::from(self.decrements.value())
    }

    /// The counter of increments.
    pub fn increments(&self) -> &GCounter<R> {
        &self.increments
    }

    /// The counter of decrements.
    pub fn decrements(&self) -> &GCounter<R> {
        &self.decrements
    }
}

impl<R: Ord> PNCounter<R> {
    /// Adds `by` at `replica`, which must be the replica making the call; returns whether the
    /// state changed.
    pub fn increment(&mut self, replica: R, by: u64) -> bool {
        self.increments.increment(replica, by)
    }

    /// Subtracts `by` at `replica`, which must be the replica making the call; returns whether
    /// the state changed. The state grows even though the value falls.
    pub fn decrement(&mut self, replica: R, by: u64) -> bool {
        self.decrements.increment(replica, by)
    }
}

impl<R: Ord + Clone> Lattice for PNCounter<R> {
    fn merge(&mut self, other: Self) -> bool {
        // Both merges run before the flags combine, as in `Pair`.
        let up = self.increments.merge(other.increments);
        let down = self.decrements.merge(other.decrements);
        up || down
    }

    fn bottom() -> Self {
        PNCounter::new()
    }

    fn leq(&self, other: &Self) -> bool {
        self.increments.leq(&other.increments) && self.decrements.leq(&other.decrements)
    }

    fn is_bottom(&self) -> bool {
        self.increments.is_bottom() && self.decrements.is_bottom()
    }
}

/// The default is bottom, the counter at zero.
impl<R> Default for PNCounter<R> {
    fn default() -> Self {
        PNCounter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decrement_grows_the_state_and_lowers_the_value() {
        let mut before = PNCounter::new();
        before.increment('a', 2);
        let mut after = before.clone();
        assert!(after.decrement('a', 5));
        assert!(before.leq(&after));
        assert!(after.value() < before.value());
        assert_eq!(after.value(), -3);
    }

    #[test]
    fn zero_with_history_is_not_bottom() {
        let mut counter = PNCounter::new();
        counter.increment('a', 1);
        counter.decrement('a', 1);
        assert_eq!(counter.value(), 0);
        assert!(!counter.is_bottom());
    }
}
