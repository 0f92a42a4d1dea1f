//! `VectorClock`: a count of events per replica, merged by the greatest count of each.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Lattice;

/// A vector clock: for each replica, how many of its events are known. Merging takes each
/// replica's greatest count; bottom knows no events. It is a [`crate::MapUnion`] of
/// [`crate::Max`] counters in all but representation.
///
/// A replica absent from the map has count 0, and no entry is ever stored with count 0 (even
/// one read by `Deserialize`), so two clocks that know the same events are equal: `{a: 0}` and
/// `{}` are the same clock, which is what [`VectorClock::happened_before`] needs. Counts
/// saturate at `u64::MAX` rather than wrap, which keeps [`VectorClock::tick`] monotone.
///
/// The derived `Ord` compares the clocks as sorted sequences of entries, a total order for
/// relation columns; it is NOT the causal order, which is [`Lattice::leq`].
///
/// ```rust
/// use blossom_lattices::{Lattice, VectorClock};
///
/// let mut a = VectorClock::new();
/// a.tick("a");
/// let mut b = a.clone();
/// b.tick("b");
/// assert!(a.happened_before(&b));
///
/// a.tick("a");
/// assert!(a.concurrent(&b));
/// let both = a.clone().join(b.clone());
/// assert_eq!((both.get(&"a"), both.get(&"b")), (2, 1));
/// assert!(a.happened_before(&both) && b.happened_before(&both));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct VectorClock<R>(BTreeMap<R, u64>);

impl<R> VectorClock<R> {
    /// The clock that knows no events (bottom).
    pub fn new() -> Self {
        VectorClock(BTreeMap::new())
    }

    /// The replicas with a count above 0, and their counts.
    pub fn iter(&self) -> impl Iterator<Item = (&R, u64)> {
        self.0.iter().map(|(replica, &count)| (replica, count))
    }

    /// The counts above 0, by replica.
    pub fn as_map(&self) -> &BTreeMap<R, u64> {
        &self.0
    }
}

impl<R: Ord> VectorClock<R> {
    /// The clock that knows `count` events of `replica`.
    pub fn singleton(replica: R, count: u64) -> Self {
        let mut clock = VectorClock::new();
        clock.advance(replica, count);
        clock
    }

    /// How many events of `replica` are known (0 if none).
    pub fn get(&self, replica: &R) -> u64 {
        self.0.get(replica).copied().unwrap_or(0)
    }

    /// Records one more event of `replica`; returns its new count (saturating at `u64::MAX`).
    pub fn tick(&mut self, replica: R) -> u64 {
        let count = self.0.entry(replica).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    /// Raises the count of `replica` to at least `count`; returns whether it rose.
    pub fn advance(&mut self, replica: R, count: u64) -> bool {
        if count == 0 {
            return false;
        }
        match self.0.entry(replica) {
            Entry::Vacant(entry) => {
                entry.insert(count);
                true
            }
            Entry::Occupied(mut entry) if *entry.get() < count => {
                entry.insert(count);
                true
            }
            Entry::Occupied(_) => false,
        }
    }

    /// Whether `self` is strictly before `other`: every event `self` knows, `other` knows, and
    /// `other` knows more.
    pub fn happened_before(&self, other: &Self) -> bool {
        self.0.len() <= other.0.len() && self != other && self.leq_counts(other)
    }

    /// Whether neither clock is before or equal to the other: each knows an event the other
    /// does not.
    pub fn concurrent(&self, other: &Self) -> bool {
        !self.leq_counts(other) && !other.leq_counts(self)
    }

    /// Every count of `self` is at most the same replica's count in `other`.
    fn leq_counts(&self, other: &Self) -> bool {
        self.0
            .iter()
            .all(|(replica, &count)| count <= other.get(replica))
    }
}

impl<R: Ord + Clone> Lattice for VectorClock<R> {
    fn merge(&mut self, other: Self) -> bool {
        let mut changed = false;
        for (replica, count) in other.0 {
            changed |= self.advance(replica, count);
        }
        changed
    }

    fn bottom() -> Self {
        VectorClock::new()
    }

    fn leq(&self, other: &Self) -> bool {
        self.leq_counts(other)
    }

    fn is_bottom(&self) -> bool {
        self.0.is_empty()
    }
}

/// The default is bottom, the clock that knows no events.
impl<R> Default for VectorClock<R> {
    fn default() -> Self {
        VectorClock::new()
    }
}

/// Drops the entries with count 0.
impl<R: Ord> From<BTreeMap<R, u64>> for VectorClock<R> {
    fn from(mut counts: BTreeMap<R, u64>) -> Self {
        counts.retain(|_, count| *count > 0);
        VectorClock(counts)
    }
}

/// Collecting keeps the greatest count of each replica.
impl<R: Ord> FromIterator<(R, u64)> for VectorClock<R> {
    fn from_iter<I: IntoIterator<Item = (R, u64)>>(counts: I) -> Self {
        let mut clock = VectorClock::new();
        for (replica, count) in counts {
            clock.advance(replica, count);
        }
        clock
    }
}

/// Reads a map of counts, dropping the entries with count 0 so that equal clocks compare equal.
impl<'de, R: Ord + Deserialize<'de>> Deserialize<'de> for VectorClock<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(deserializer).map(VectorClock::from)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::value::{Error, MapDeserializer};

    use super::*;

    #[test]
    fn a_zero_count_is_no_entry() {
        assert_eq!(VectorClock::singleton('a', 0), VectorClock::new());
        assert_eq!(
            VectorClock::from(BTreeMap::from([('a', 0)])),
            VectorClock::new()
        );
        assert!(!VectorClock::new().happened_before(&VectorClock::singleton('a', 0)));
    }

    #[test]
    fn deserializing_drops_zero_counts() {
        let entries = [(1u8, 0u64), (2, 3)].into_iter();
        let input = MapDeserializer::<_, Error>::new(entries);
        let clock = VectorClock::<u8>::deserialize(input);
        assert_eq!(clock, Ok(VectorClock::singleton(2, 3)));
    }

    #[test]
    fn a_clock_is_not_before_itself_nor_concurrent_with_itself() {
        let clock = VectorClock::from_iter([('a', 2), ('b', 1)]);
        assert!(!clock.happened_before(&clock));
        assert!(!clock.concurrent(&clock));
    }

    #[test]
    fn tick_saturates() {
        let mut clock = VectorClock::singleton('a', u64::MAX);
        assert_eq!(clock.tick('a'), u64::MAX);
        assert!(!clock.advance('a', 5));
    }
}
