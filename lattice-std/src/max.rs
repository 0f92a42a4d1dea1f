//! `Max`: the lattice of a totally ordered value that only grows.

use serde::{Deserialize, Serialize};

use crate::{Lattice, MinValue};

/// The greatest value seen so far; bottom is `T`'s least value.
///
/// The derived `Ord` compares the wrapped values, so here it happens to agree with the lattice
/// order; it exists so that a `Max` can be a relation column, and generic code should use
/// [`Lattice::leq`].
///
/// ```rust
/// use blossom_lattices::{Lattice, Max};
///
/// let mut best = Max::new(3);
/// assert!(best.merge(Max::new(7)));
/// assert!(!best.merge(Max::new(5)));
/// assert_eq!(best.into_inner(), 7);
/// assert_eq!(Max::<i64>::bottom().into_inner(), i64::MIN);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Max<T>(T);

impl<T> Max<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Max(value)
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

impl<T: Ord + Clone + MinValue> Lattice for Max<T> {
    fn merge(&mut self, other: Self) -> bool {
        if other.0 > self.0 {
            self.0 = other.0;
            true
        } else {
            false
        }
    }

    fn bottom() -> Self {
        Max(T::min_value())
    }

    fn leq(&self, other: &Self) -> bool {
        self.0 <= other.0
    }
}

/// The default is bottom, not `T::default()`: `Max::<i64>::default()` wraps `i64::MIN`.
impl<T: Ord + Clone + MinValue> Default for Max<T> {
    fn default() -> Self {
        Self::bottom()
    }
}

impl<T> From<T> for Max<T> {
    fn from(value: T) -> Self {
        Max(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_a_smaller_or_equal_value_reports_no_change() {
        let mut m = Max::new(5u8);
        assert!(!m.merge(Max::new(5)));
        assert!(!m.merge(Max::new(1)));
        assert_eq!(m, Max::new(5));
    }

    #[test]
    fn bottom_of_signed_max_is_the_minimum() {
        assert_eq!(Max::<i64>::bottom(), Max::new(i64::MIN));
        assert_eq!(Max::<i64>::default(), Max::new(i64::MIN));
        assert!(Max::new(i64::MIN).is_bottom());
        assert!(!Max::new(0i64).is_bottom());
    }

    #[test]
    fn bottom_of_string_max_is_empty() {
        let mut s = Max::<String>::bottom();
        assert!(s.merge(Max::new("a".to_owned())));
        assert_eq!(s.get(), "a");
    }
}
