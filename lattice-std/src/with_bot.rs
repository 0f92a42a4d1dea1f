//! `WithBot`: a lattice with a new least element adjoined below its bottom.

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// `L` with a new bottom below all of `L`, including `L`'s own bottom: "nothing yet" as distinct
/// from "something, and it is `L::bottom()`". Merging the new bottom changes nothing; merging
/// two values of `L` merges them as `L` does.
///
/// Stored as an `Option`, `None` the new bottom; the derived `Ord` (`None` first, then `L`'s
/// derived `Ord`) is a structural total order for relation columns, not the lattice order.
///
/// ```rust
/// use blossom_lattices::{Lattice, Max, WithBot};
///
/// let mut slot: WithBot<Max<u8>> = WithBot::bottom();
/// assert_eq!(slot.get(), None);
/// // A value equal to `Max`'s own bottom still counts as something.
/// assert!(slot.merge(WithBot::new(Max::new(0))));
/// assert!(slot.merge(WithBot::new(Max::new(3))));
/// assert!(!slot.merge(WithBot::bottom()));
/// assert_eq!(slot.into_inner(), Some(Max::new(3)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WithBot<L>(Option<L>);

impl<L> WithBot<L> {
    /// Wraps a value of `L`, above the new bottom.
    pub fn new(value: L) -> Self {
        WithBot(Some(value))
    }

    /// The value of `L`; `None` for the new bottom.
    pub fn get(&self) -> Option<&L> {
        self.0.as_ref()
    }

    /// Unwraps the value of `L`; `None` for the new bottom.
    pub fn into_inner(self) -> Option<L> {
        self.0
    }
}

impl<L: Lattice> Lattice for WithBot<L> {
    fn merge(&mut self, other: Self) -> bool {
        match (&mut self.0, other.0) {
            (_, None) => false,
            (None, Some(theirs)) => {
                self.0 = Some(theirs);
                true
            }
            (Some(mine), Some(theirs)) => mine.merge(theirs),
        }
    }

    fn bottom() -> Self {
        WithBot(None)
    }

    fn leq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => mine.leq(theirs),
        }
    }

    fn is_bottom(&self) -> bool {
        self.0.is_none()
    }
}

/// The default is bottom, the new least element.
impl<L> Default for WithBot<L> {
    fn default() -> Self {
        WithBot(None)
    }
}

impl<L> From<Option<L>> for WithBot<L> {
    fn from(value: Option<L>) -> Self {
        WithBot(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SetUnion;

    #[test]
    fn the_inner_bottom_is_above_the_new_bottom() {
        let inner_bottom = WithBot::new(SetUnion::<u8>::bottom());
        assert!(WithBot::bottom().leq(&inner_bottom));
        assert!(!inner_bottom.leq(&WithBot::bottom()));
        assert!(!inner_bottom.is_bottom());
    }

    #[test]
    fn values_merge_as_the_inner_lattice() {
        let joined =
            WithBot::new(SetUnion::singleton(1u8)).join(WithBot::new(SetUnion::singleton(2)));
        assert_eq!(joined.get(), Some(&SetUnion::from_iter([1, 2])));
    }
}
