//! The library's declared monotone functions and morphisms, each checked by `tests/functions.rs`.
//!
//! | function | from → to | declared | why not more |
//! | --- | --- | --- | --- |
//! | [`Len`] | `SetUnion<T>` → `Max<usize>` | monotone | `‖a ∪ b‖` is not `max(‖a‖, ‖b‖)` |
//! | [`Contains`] | `SetUnion<T>` → `Bool` | morphism | |
//! | [`At`] | `MapUnion<K, V>` → `V` | morphism | |
//! | [`ContainsKey`] | `MapUnion<K, V>` → `Bool` | morphism | |
//! | [`AtLeast`] | `Max<T>` → `Bool` | monotone | `AtLeast(T::MIN)` maps bottom to true |
//! | [`Above`] | `Max<T>` → `Bool` | morphism | |
//! | [`Plus`] | `Max<T>` → `Max<T>` | monotone | `⊥ + c` is `c`, not `⊥` (merges are preserved) |
//! | [`Plus`] | `Min<T>` → `Min<T>` | morphism | |
//! | [`Total`] | `GCounter<R>`, `VectorClock<R>` → `Max<u64>` | monotone | a sum is not a max |
//! | [`CountOf`] | `GCounter<R>`, `VectorClock<R>` → `Max<u64>` | morphism | |
//!
//! Where a function is only monotone, `tests/broken_monotone.rs` declares it a morphism
//! anyway and shows the checker refuting that.
//!
//! ```rust
//! use blossom_lattices::functions::{AtLeast, Len};
//! use blossom_lattices::{Bool, Lattice, Monotone, SetUnion};
//!
//! // A quorum: at least two votes. Monotone from end to end, so no coordination is needed.
//! let votes = SetUnion::from_iter(["n1", "n3"]);
//! let quorum: Bool = AtLeast(2).apply(&Len.apply(&votes));
//! assert!(quorum.get());
//! ```

use crate::{
    Bool, GCounter, Lattice, MapUnion, Max, Min, MinValue, Monotone, Morphism, SetUnion,
    VectorClock,
};

/// The number of elements of a set, as a [`Max`]. Monotone, not a morphism.
///
/// ```rust
/// use blossom_lattices::functions::Len;
/// use blossom_lattices::{Max, Monotone, SetUnion};
///
/// assert_eq!(Len.apply(&SetUnion::from_iter([1, 2, 3])), Max::new(3));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Len;

impl<T: Ord + Clone> Monotone<SetUnion<T>, Max<usize>> for Len {
    fn apply(&self, set: &SetUnion<T>) -> Max<usize> {
        Max::new(set.as_set().len())
    }
}

/// Whether a set holds the element: a morphism into [`Bool`].
///
/// ```rust
/// use blossom_lattices::functions::Contains;
/// use blossom_lattices::{Bool, Monotone, SetUnion};
///
/// assert_eq!(Contains(2).apply(&SetUnion::from_iter([1, 2])), Bool::new(true));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Contains<T>(pub T);

impl<T: Ord + Clone> Monotone<SetUnion<T>, Bool> for Contains<T> {
    fn apply(&self, set: &SetUnion<T>) -> Bool {
        Bool::new(set.as_set().contains(&self.0))
    }
}

impl<T: Ord + Clone> Morphism<SetUnion<T>, Bool> for Contains<T> {}

/// The value of one key of a map, bottom if the key is absent: a morphism, since maps merge
/// key by key.
///
/// ```rust
/// use blossom_lattices::functions::At;
/// use blossom_lattices::{Lattice, MapUnion, Max, Monotone};
///
/// let versions = MapUnion::from_iter([("x", Max::new(4u32)), ("y", Max::new(1))]);
/// assert_eq!(At("x").apply(&versions), Max::new(4));
/// assert!(At("z").apply(&versions).is_bottom());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At<K>(pub K);

impl<K: Ord + Clone, V: Lattice> Monotone<MapUnion<K, V>, V> for At<K> {
    fn apply(&self, map: &MapUnion<K, V>) -> V {
        map.get(&self.0).cloned().unwrap_or_else(V::bottom)
    }
}

impl<K: Ord + Clone, V: Lattice> Morphism<MapUnion<K, V>, V> for At<K> {}

/// Whether a map has the key: a morphism into [`Bool`].
///
/// ```rust
/// use blossom_lattices::functions::ContainsKey;
/// use blossom_lattices::{Bool, MapUnion, Max, Monotone};
///
/// let map = MapUnion::singleton('k', Max::new(0u8));
/// assert_eq!(ContainsKey('k').apply(&map), Bool::new(true));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainsKey<K>(pub K);

impl<K: Ord + Clone, V: Lattice> Monotone<MapUnion<K, V>, Bool> for ContainsKey<K> {
    fn apply(&self, map: &MapUnion<K, V>) -> Bool {
        Bool::new(map.get(&self.0).is_some())
    }
}

impl<K: Ord + Clone, V: Lattice> Morphism<MapUnion<K, V>, Bool> for ContainsKey<K> {}

/// The threshold test `value >= c` (Bloom^L's `gt_eq`): monotone. Not declared a morphism,
/// because with `c` the least value it maps bottom to true; [`Above`] is one.
///
/// ```rust
/// use blossom_lattices::functions::AtLeast;
/// use blossom_lattices::{Max, Monotone};
///
/// assert!(AtLeast(3).apply(&Max::new(3)).get());
/// assert!(!AtLeast(3).apply(&Max::new(2)).get());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AtLeast<T>(pub T);

impl<T: Ord + Clone + MinValue> Monotone<Max<T>, Bool> for AtLeast<T> {
    fn apply(&self, value: &Max<T>) -> Bool {
        Bool::new(*value.get() >= self.0)
    }
}

/// The threshold test `value > c` (Bloom^L's `gt`): a morphism, since bottom, the least value,
/// is above no `c`.
///
/// ```rust
/// use blossom_lattices::functions::Above;
/// use blossom_lattices::{Max, Monotone};
///
/// assert!(Above(3).apply(&Max::new(4)).get());
/// assert!(!Above(3).apply(&Max::new(3)).get());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Above<T>(pub T);

impl<T: Ord + Clone + MinValue> Monotone<Max<T>, Bool> for Above<T> {
    fn apply(&self, value: &Max<T>) -> Bool {
        Bool::new(*value.get() > self.0)
    }
}

impl<T: Ord + Clone + MinValue> Morphism<Max<T>, Bool> for Above<T> {}

/// Adding a constant, saturating at the type's greatest value. Declared for the unsigned
/// integers only, so that the constant is non-negative by type.
///
/// On [`Max`] it is monotone and preserves merges, but not bottom (`0 + c` is `c`), so it is
/// not a morphism. On [`Min`] it is a morphism: bottom is the greatest value, where addition
/// saturates.
///
/// ```rust
/// use blossom_lattices::functions::Plus;
/// use blossom_lattices::{Max, Min, Monotone};
///
/// assert_eq!(Plus(2u32).apply(&Max::new(5)), Max::new(7));
/// // One more hop on the shortest distance.
/// assert_eq!(Plus(1u32).apply(&Min::new(u32::MAX)), Min::new(u32::MAX));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plus<T>(pub T);

/// Declares `Plus` for each unsigned integer type.
macro_rules! declare_plus {
    ($($t:ty),* $(,)?) => {$(
        impl Monotone<Max<$t>, Max<$t>> for Plus<$t> {
            fn apply(&self, value: &Max<$t>) -> Max<$t> {
                Max::new(value.get().saturating_add(self.0))
            }
        }

        impl Monotone<Min<$t>, Min<$t>> for Plus<$t> {
            fn apply(&self, value: &Min<$t>) -> Min<$t> {
                Min::new(value.get().saturating_add(self.0))
            }
        }

        impl Morphism<Min<$t>, Min<$t>> for Plus<$t> {}
    )*};
}

declare_plus!(u8, u16, u32, u64, u128, usize);

/// The sum of the counts: a [`GCounter`]'s value, or the number of events a [`VectorClock`]
/// knows. Monotone, not a morphism.
///
/// ```rust
/// use blossom_lattices::functions::Total;
/// use blossom_lattices::{GCounter, Max, Monotone};
///
/// let mut hits = GCounter::new();
/// hits.increment("a", 2);
/// hits.increment("b", 5);
/// assert_eq!(Total.apply(&hits), Max::new(7));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Total;

impl<R: Ord + Clone> Monotone<GCounter<R>, Max<u64>> for Total {
    fn apply(&self, counter: &GCounter<R>) -> Max<u64> {
        Max::new(counter.value())
    }
}

impl<R: Ord + Clone> Monotone<VectorClock<R>, Max<u64>> for Total {
    fn apply(&self, clock: &VectorClock<R>) -> Max<u64> {
        Max::new(
            clock
                .iter()
                .fold(0, |sum, (_, count)| sum.saturating_add(count)),
        )
    }
}

/// The count of one replica: a morphism, since counts merge replica by replica.
///
/// ```rust
/// use blossom_lattices::functions::CountOf;
/// use blossom_lattices::{Max, Monotone, VectorClock};
///
/// let clock = VectorClock::from_iter([("a", 3), ("b", 1)]);
/// assert_eq!(CountOf("a").apply(&clock), Max::new(3));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountOf<R>(pub R);

impl<R: Ord + Clone> Monotone<GCounter<R>, Max<u64>> for CountOf<R> {
    fn apply(&self, counter: &GCounter<R>) -> Max<u64> {
        Max::new(counter.count_of(&self.0))
    }
}

impl<R: Ord + Clone> Morphism<GCounter<R>, Max<u64>> for CountOf<R> {}

impl<R: Ord + Clone> Monotone<VectorClock<R>, Max<u64>> for CountOf<R> {
    fn apply(&self, clock: &VectorClock<R>) -> Max<u64> {
        Max::new(clock.get(&self.0))
    }
}

impl<R: Ord + Clone> Morphism<VectorClock<R>, Max<u64>> for CountOf<R> {}
