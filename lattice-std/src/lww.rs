//! `Lww`: a last-writer-wins register, a value stamped with the time it was written.

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// A last-writer-wins register: the write with the greatest timestamp wins. Bottom is the
/// register never written, below every write.
///
/// # Equal timestamps
///
/// Two writes with the same timestamp and different values are broken by the value's `Ord`:
/// the greater value wins. Any fixed rule would do, as long as every replica applies the same
/// one; "the incoming write wins" (Anna's rule) is not commutative, so replicas that receive
/// the two writes in different orders would disagree for ever. The order of writes is thus
/// lexicographic on `(timestamp, value)`, a total order, which makes `Lww` a [`crate::Max`]
/// over it and a lattice. If "last" must mean last in time and never "greatest value", make
/// timestamps unique, for example `(clock, replica id)`.
///
/// The timestamp type `T` defaults to `u64`. The derived `Ord` agrees with the lattice order.
///
/// ```rust
/// use blossom_lattices::{Lattice, Lww};
///
/// let mut cell: Lww<&str> = Lww::bottom();
/// assert_eq!(cell.get(), None);
/// assert!(cell.write(5, "five"));
/// assert!(!cell.write(3, "three")); // older: ignored
/// assert!(cell.merge(Lww::new(7, "seven")));
/// assert_eq!(cell.get(), Some(&"seven"));
///
/// // A tie on the timestamp goes to the greater value, whichever arrives first.
/// let ab = Lww::new(9, "a").join(Lww::new(9, "b"));
/// let ba = Lww::new(9, "b").join(Lww::new(9, "a"));
/// assert_eq!(ab, ba);
/// assert_eq!(ab.get(), Some(&"b"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Lww<V, T = u64>(Option<(T, V)>);

impl<V, T> Lww<V, T> {
    /// The register holding `value`, written at `timestamp`.
    pub fn new(timestamp: T, value: V) -> Self {
        Lww(Some((timestamp, value)))
    }

    /// The value of the winning write; `None` if the register was never written.
    pub fn get(&self) -> Option<&V> {
        self.0.as_ref().map(|(_, value)| value)
    }

    /// The timestamp of the winning write; `None` if the register was never written.
    pub fn timestamp(&self) -> Option<&T> {
        self.0.as_ref().map(|(timestamp, _)| timestamp)
    }

    /// The winning write as `(timestamp, value)`; `None` if the register was never written.
    pub fn into_inner(self) -> Option<(T, V)> {
        self.0
    }
}

impl<V: Ord + Clone, T: Ord + Clone> Lww<V, T> {
    /// Merges a write of `value` at `timestamp`; returns whether it won.
    pub fn write(&mut self, timestamp: T, value: V) -> bool {
        self.merge(Lww::new(timestamp, value))
    }
}

impl<V: Ord + Clone, T: Ord + Clone> Lattice for Lww<V, T> {
    fn merge(&mut self, other: Self) -> bool {
        // `None < Some(_)`, and `(T, V)` compares lexicographically: the tie-break on the value.
        if other.0 > self.0 {
            self.0 = other.0;
            true
        } else {
            false
        }
    }

    fn bottom() -> Self {
        Lww(None)
    }

    fn leq(&self, other: &Self) -> bool {
        self.0 <= other.0
    }

    fn is_bottom(&self) -> bool {
        self.0.is_none()
    }
}

/// The default is bottom, the register never written.
impl<V, T> Default for Lww<V, T> {
    fn default() -> Self {
        Lww(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_write_is_above_the_unwritten_register() {
        let first = Lww::new(0u64, String::new());
        assert!(Lww::bottom().leq(&first));
        assert!(!first.is_bottom());
        assert_eq!(first.timestamp(), Some(&0));
    }

    #[test]
    fn a_later_timestamp_beats_a_greater_value() {
        let mut cell = Lww::new(1u8, 'z');
        assert!(cell.write(2, 'a'));
        assert_eq!(cell.into_inner(), Some((2, 'a')));
    }

    #[test]
    fn unique_timestamps_make_the_value_irrelevant_to_the_winner() {
        // (clock, replica): equal clocks are told apart by the replica, not by the value.
        let mut cell = Lww::new((4u64, 1u8), "from replica 1");
        assert!(cell.write((4, 2), "from replica 2"));
        assert!(!cell.write((4, 0), "zzz from replica 0"));
        assert_eq!(cell.get(), Some(&"from replica 2"));
    }
}
