//! `Pair`: the product of two lattices, merged componentwise.

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// Two lattice values side by side; merging merges each component, and `a.leq(&b)` iff both
/// components are `leq`. Bottom is the pair of bottoms.
///
/// The derived `Ord` is NOT the lattice order: it is lexicographic over the components' own
/// derived orders, a total order that lets a `Pair` be a relation column.
///
/// ```rust
/// use blossom_lattices::{Lattice, Max, Min, Pair};
///
/// // The cheapest and the latest price seen.
/// let mut prices = Pair::new(Min::new(30u32), Max::new(30u32));
/// assert!(prices.merge(Pair::new(Min::new(25), Max::new(25))));
/// assert!(prices.merge(Pair::new(Min::new(40), Max::new(40))));
/// assert_eq!(prices.into_inner(), (Min::new(25), Max::new(40)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pair<A, B> {
    first: A,
    second: B,
}

impl<A, B> Pair<A, B> {
    /// Pairs `first` with `second`.
    pub fn new(first: A, second: B) -> Self {
        Pair { first, second }
    }

    /// The first component.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The second component.
    pub fn second(&self) -> &B {
        &self.second
    }

    /// Splits the pair into its components.
    pub fn into_inner(self) -> (A, B) {
        (self.first, self.second)
    }
}

impl<A: Lattice, B: Lattice> Lattice for Pair<A, B> {
    fn merge(&mut self, other: Self) -> bool {
        // Both merges run before the flags combine: `a.merge(..) || b.merge(..)` would skip `b`.
        let first = self.first.merge(other.first);
        let second = self.second.merge(other.second);
        first || second
    }

    fn bottom() -> Self {
        Pair::new(A::bottom(), B::bottom())
    }

    fn leq(&self, other: &Self) -> bool {
        self.first.leq(&other.first) && self.second.leq(&other.second)
    }

    fn is_bottom(&self) -> bool {
        self.first.is_bottom() && self.second.is_bottom()
    }
}

/// The default is bottom, the pair of bottoms.
impl<A: Lattice, B: Lattice> Default for Pair<A, B> {
    fn default() -> Self {
        Self::bottom()
    }
}

impl<A, B> From<(A, B)> for Pair<A, B> {
    fn from((first, second): (A, B)) -> Self {
        Pair::new(first, second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Max, SetUnion};

    #[test]
    fn a_change_in_either_component_is_reported() {
        let mut p = Pair::new(Max::new(5u8), SetUnion::singleton(1u8));
        assert!(p.merge(Pair::new(Max::new(0), SetUnion::singleton(2))));
        assert!(p.merge(Pair::new(Max::new(9), SetUnion::bottom())));
        assert!(!p.merge(Pair::new(Max::new(9), SetUnion::singleton(1))));
        assert_eq!(p.first(), &Max::new(9));
        assert_eq!(p.second(), &SetUnion::from_iter([1, 2]));
    }

    #[test]
    fn incomparable_pairs_are_not_leq_either_way() {
        let a = Pair::from((Max::new(1u8), Max::new(2u8)));
        let b = Pair::from((Max::new(2u8), Max::new(1u8)));
        assert!(!a.leq(&b) && !b.leq(&a));
        assert_eq!(a.join(b), Pair::new(Max::new(2), Max::new(2)));
    }

    #[test]
    fn default_is_the_pair_of_bottoms() {
        let p = Pair::<Max<i8>, SetUnion<u8>>::default();
        assert!(p.is_bottom());
        assert_eq!(p.first().get(), &i8::MIN);
    }
}
