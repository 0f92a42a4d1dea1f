//! `DomPair`: a lexicographic pair whose totally ordered key dominates its lattice value.

use serde::{Deserialize, Serialize};

use crate::{Lattice, MinValue};

/// A key and a lattice value, ordered lexicographically: a greater key wins outright and
/// replaces the value; on equal keys the values merge; a smaller key changes nothing. Bottom is
/// the key's least value with the value's bottom.
///
/// Typical keys are epochs, ballot numbers or configuration versions: "the members of the
/// newest view", where a newer view discards the old members rather than merging with them.
///
/// # The key must be totally ordered
///
/// The lexicographic order is a lattice only when every two keys are comparable. With two
/// incomparable keys (two sets, say) the join's key is neither of them, and no choice of value
/// keeps merge associative: Hydro's `DomPair` takes a lattice key and, per its own README, does
/// not obey all the lattice laws (`tests/broken_lattices.rs` shows the checker catching that
/// definition). So the key here is a plain `Ord` type, whose contract is a total order, with a
/// least value for the bottom ([`MinValue`]), exactly as for [`crate::Max`]; it is not a
/// `Lattice`. A key that should win when smaller goes in [`std::cmp::Reverse`].
///
/// The derived `Ord` compares the key, then the value's own derived `Ord`: a total order for
/// relation columns, not the lattice order (the values' part is not [`Lattice::leq`]).
///
/// ```rust
/// use blossom_lattices::{DomPair, Lattice, SetUnion};
///
/// // The members of the newest view: a newer view replaces, the same view accumulates.
/// let mut view = DomPair::new(1u64, SetUnion::from_iter(["a", "b"]));
/// assert!(view.merge(DomPair::new(1, SetUnion::singleton("c"))));
/// assert_eq!(view.value().as_set().len(), 3);
/// assert!(view.merge(DomPair::new(2, SetUnion::singleton("d"))));
/// assert_eq!(view.value(), &SetUnion::singleton("d"));
/// assert!(!view.merge(DomPair::new(1, SetUnion::singleton("e"))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DomPair<K, V> {
    key: K,
    value: V,
}

impl<K, V> DomPair<K, V> {
    /// Pairs `key` with `value`.
    pub fn new(key: K, value: V) -> Self {
        DomPair { key, value }
    }

    /// The dominating key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The value, merged among writes with the greatest key seen.
    pub fn value(&self) -> &V {
        &self.value
    }

    /// Splits the pair into its key and value.
    pub fn into_inner(self) -> (K, V) {
        (self.key, self.value)
    }
}

impl<K: Ord + Clone + MinValue, V: Lattice> Lattice for DomPair<K, V> {
    fn merge(&mut self, other: Self) -> bool {
        match other.key.cmp(&self.key) {
            std::cmp::Ordering::Greater => {
                *self = other;
                true
            }
            std::cmp::Ordering::Equal => self.value.merge(other.value),
            std::cmp::Ordering::Less => false,
        }
    }

    fn bottom() -> Self {
        DomPair::new(K::min_value(), V::bottom())
    }

    fn leq(&self, other: &Self) -> bool {
        match self.key.cmp(&other.key) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => self.value.leq(&other.value),
            std::cmp::Ordering::Greater => false,
        }
    }

    fn is_bottom(&self) -> bool {
        self.key == K::min_value() && self.value.is_bottom()
    }
}

/// The default is bottom: the least key with the value's bottom.
impl<K: Ord + Clone + MinValue, V: Lattice> Default for DomPair<K, V> {
    fn default() -> Self {
        Self::bottom()
    }
}

impl<K, V> From<(K, V)> for DomPair<K, V> {
    fn from((key, value): (K, V)) -> Self {
        DomPair::new(key, value)
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;

    use super::*;
    use crate::{Max, SetUnion};

    #[test]
    fn a_greater_key_replaces_even_a_larger_value() {
        let mut p = DomPair::new(1u8, Max::new(100u8));
        assert!(p.merge(DomPair::new(2, Max::new(0))));
        assert_eq!(p.into_inner(), (2, Max::new(0)));
    }

    #[test]
    fn the_order_is_lexicographic() {
        let low = DomPair::new(1u8, SetUnion::from_iter([1u8, 2, 3]));
        let high = DomPair::new(2u8, SetUnion::<u8>::bottom());
        assert!(low.leq(&high) && !high.leq(&low));
        let other = DomPair::new(1u8, SetUnion::singleton(9u8));
        assert!(!low.leq(&other) && !other.leq(&low));
    }

    #[test]
    fn a_reversed_key_wins_when_smaller() {
        let mut lease = DomPair::new(Reverse(10u32), Max::new(1u8));
        assert!(lease.merge(DomPair::new(Reverse(3), Max::new(0))));
        assert_eq!(lease.key(), &Reverse(3));
        assert!(DomPair::<Reverse<u32>, Max<u8>>::bottom().leq(&lease));
    }
}
