//! `Min`: the lattice of a totally ordered value that only shrinks.

use serde::{Deserialize, Serialize};

use crate::{Lattice, MaxValue};

/// The least value seen so far; bottom is `T`'s greatest value.
///
/// The lattice order is the reverse of `T`'s order: `Min::new(1)` is above `Min::new(2)`.
/// The derived `Ord` is NOT that order; it compares the wrapped values as they are, so that a
/// `Min` can be a relation column. Generic code should use [`Lattice::leq`].
///
/// ```rust
/// use blossom_lattices::{Lattice, Min};
///
/// let mut shortest = Min::<u32>::bottom();
/// assert!(shortest.merge(Min::new(12)));
/// assert!(shortest.merge(Min::new(4)));
/// assert!(!shortest.merge(Min::new(9)));
/// assert_eq!(*shortest.get(), 4);
/// assert!(Min::new(9).leq(&shortest));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Min<T>(T);

impl<T> Min<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Min(value)
    }

    /// The wrapped value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Ord + Clone + MaxValue> Lattice for Min<T> {
    fn merge(&mut self, other: Self) -> bool {
        if other.0 < self.0 {
            self.0 = other.0;
            true
        } else {
            false
        }
    }

    fn bottom() -> Self {
        Min(T::max_value())
    }

    fn leq(&self, other: &Self) -> bool {
        self.0 >= other.0
    }
}

/// The default is bottom, not `T::default()`: `Min::<u8>::default()` wraps `u8::MAX`.
impl<T: Ord + Clone + MaxValue> Default for Min<T> {
    fn default() -> Self {
        Self::bottom()
    }
}

impl<T> From<T> for Min<T> {
    fn from(value: T) -> Self {
        Min(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_a_larger_or_equal_value_reports_no_change() {
        let mut m = Min::new(5i32);
        assert!(!m.merge(Min::new(5)));
        assert!(!m.merge(Min::new(80)));
        assert_eq!(m.into_inner(), 5);
    }

    #[test]
    fn bottom_is_the_maximum() {
        assert_eq!(Min::<u8>::bottom(), Min::new(u8::MAX));
        assert_eq!(Min::<i32>::default(), Min::new(i32::MAX));
        assert!(Min::new(char::MAX).is_bottom());
    }

    #[test]
    fn lattice_order_is_reversed_but_derived_ord_is_not() {
        assert!(Min::new(2).leq(&Min::new(1)));
        assert!(!Min::new(1).leq(&Min::new(2)));
        assert!(Min::new(1) < Min::new(2));
    }
}
