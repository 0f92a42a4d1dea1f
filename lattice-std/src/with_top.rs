//! `WithTop`: a lattice with a new greatest element adjoined above everything.

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// `L` with a new top above all of `L`: once a value reaches top, it stays there, whatever is
/// merged in. Useful as "conflict" or "closed": a register that turns to top when two writers
/// disagree, or a bid that is top once the auction is over. Bottom is `L`'s bottom.
///
/// Stored as an `Option`, `None` the top; the derived `Ord` (`None` first, then `L`'s derived
/// `Ord`) is a structural total order for relation columns, not the lattice order: the top
/// sorts first.
///
/// ```rust
/// use blossom_lattices::{Lattice, Max, WithTop};
///
/// let mut bid = WithTop::new(Max::new(10u32));
/// assert!(bid.merge(WithTop::new(Max::new(12))));
/// assert!(bid.merge(WithTop::top())); // the auction closes
/// assert!(!bid.merge(WithTop::new(Max::new(99))));
/// assert!(bid.is_top());
/// assert_eq!(WithTop::<Max<u32>>::bottom().get(), Some(&Max::new(0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WithTop<L>(Option<L>);

impl<L> WithTop<L> {
    /// Wraps a value of `L`, below the new top.
    pub fn new(value: L) -> Self {
        WithTop(Some(value))
    }

    /// The new top, above every value of `L`.
    pub fn top() -> Self {
        WithTop(None)
    }

    /// Whether this is the new top.
    pub fn is_top(&self) -> bool {
        self.0.is_none()
    }

    /// The value of `L`; `None` for the top.
    pub fn get(&self) -> Option<&L> {
        self.0.as_ref()
    }

    /// Unwraps the value of `L`; `None` for the top.
    pub fn into_inner(self) -> Option<L> {
        self.0
    }
}

impl<L: Lattice> Lattice for WithTop<L> {
    fn merge(&mut self, other: Self) -> bool {
        match (&mut self.0, other.0) {
            (None, _) => false,
            (Some(_), None) => {
                self.0 = None;
                true
            }
            (Some(mine), Some(theirs)) => mine.merge(theirs),
        }
    }

    fn bottom() -> Self {
        WithTop(Some(L::bottom()))
    }

    fn leq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(mine), Some(theirs)) => mine.leq(theirs),
        }
    }

    fn is_bottom(&self) -> bool {
        self.0.as_ref().is_some_and(L::is_bottom)
    }
}

/// The default is bottom, `L`'s bottom.
impl<L: Lattice> Default for WithTop<L> {
    fn default() -> Self {
        Self::bottom()
    }
}

impl<L> From<Option<L>> for WithTop<L> {
    fn from(value: Option<L>) -> Self {
        WithTop(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SetUnion;

    #[test]
    fn top_is_above_everything_and_absorbs_merges() {
        let top = WithTop::<SetUnion<u8>>::top();
        let some = WithTop::new(SetUnion::from_iter([1u8, 2]));
        assert!(some.leq(&top) && !top.leq(&some));
        assert_eq!(some.join(top), WithTop::top());
        assert!(!WithTop::<SetUnion<u8>>::top().is_bottom());
    }
}
