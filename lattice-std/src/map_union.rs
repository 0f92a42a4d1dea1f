//! `MapUnion`: the lattice of a map whose keys accumulate and whose values merge per key.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// A map from keys to lattice values; merging takes the union of the keys and merges the values
/// of shared keys. Bottom is the empty map.
///
/// `a.leq(&b)` iff every key of `a` is in `b` with `a[k].leq(&b[k])`. A key mapped to its
/// value's bottom still counts as present: `{k: ⊥}` is above `{}`.
///
/// The derived `Ord` is NOT the lattice order: it compares the maps as sorted sequences of
/// entries, a total order that lets a `MapUnion` be a relation column.
///
/// ```rust
/// use blossom_lattices::{Lattice, MapUnion, Max};
///
/// let mut latest = MapUnion::default();
/// assert!(latest.insert("alice", Max::new(3)));
/// assert!(latest.insert("bob", Max::new(1)));
/// assert!(!latest.insert("alice", Max::new(2)));
/// assert!(latest.merge(MapUnion::singleton("bob", Max::new(5))));
/// assert_eq!(latest.get("bob"), Some(&Max::new(5)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[serde(bound(deserialize = "K: Ord + Deserialize<'de>, V: Deserialize<'de>"))]
pub struct MapUnion<K, V>(BTreeMap<K, V>);

impl<K: Ord, V: Lattice> MapUnion<K, V> {
    /// Wraps `map`.
    pub fn new(map: BTreeMap<K, V>) -> Self {
        MapUnion(map)
    }

    /// The map holding just `key` → `value`.
    pub fn singleton(key: K, value: V) -> Self {
        MapUnion(BTreeMap::from([(key, value)]))
    }

    /// Merges `value` into the entry for `key`; returns whether the map changed.
    pub fn insert(&mut self, key: K, value: V) -> bool {
        match self.0.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(value);
                true
            }
            Entry::Occupied(mut entry) => entry.get_mut().merge(value),
        }
    }

    /// The value for `key`, if present.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.0.get(key)
    }

    /// The entries.
    pub fn as_map(&self) -> &BTreeMap<K, V> {
        &self.0
    }

    /// Unwraps the map.
    pub fn into_map(self) -> BTreeMap<K, V> {
        self.0
    }
}

impl<K: Ord + Clone, V: Lattice> Lattice for MapUnion<K, V> {
    fn merge(&mut self, mut other: Self) -> bool {
        // A strictly larger `other` must hold a key `self` lacks, so `self` grows for sure;
        // swap to merge the smaller side into the larger (value merge is commutative).
        if other.0.len() > self.0.len() {
            std::mem::swap(&mut self.0, &mut other.0);
            for (key, value) in other.0 {
                self.insert(key, value);
            }
            return true;
        }
        let mut changed = false;
        for (key, value) in other.0 {
            changed |= self.insert(key, value);
        }
        changed
    }

    fn bottom() -> Self {
        MapUnion(BTreeMap::new())
    }

    fn leq(&self, other: &Self) -> bool {
        self.0.len() <= other.0.len()
            && self
                .0
                .iter()
                .all(|(key, mine)| other.0.get(key).is_some_and(|theirs| mine.leq(theirs)))
    }

    fn is_bottom(&self) -> bool {
        self.0.is_empty()
    }
}

/// The default is bottom, the empty map.
impl<K, V> Default for MapUnion<K, V> {
    fn default() -> Self {
        MapUnion(BTreeMap::new())
    }
}

impl<K, V> From<BTreeMap<K, V>> for MapUnion<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        MapUnion(map)
    }
}

/// Collecting merges the values of repeated keys (unlike collecting into a `BTreeMap`, where the
/// last value wins).
impl<K: Ord, V: Lattice> FromIterator<(K, V)> for MapUnion<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = MapUnion::default();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Max, SetUnion};

    #[test]
    fn insert_merges_into_an_existing_key() {
        let mut m = MapUnion::singleton('a', SetUnion::singleton(1u8));
        assert!(m.insert('a', SetUnion::singleton(2)));
        assert!(!m.insert('a', SetUnion::singleton(1)));
        assert_eq!(m.get(&'a'), Some(&SetUnion::from_iter([1, 2])));
    }

    #[test]
    fn merging_a_dominated_map_reports_no_change() {
        let mut m = MapUnion::from_iter([(1u8, Max::new(10u16)), (2, Max::new(20))]);
        assert!(!m.merge(MapUnion::singleton(2, Max::new(5))));
        assert!(!m.merge(MapUnion::bottom()));
    }

    #[test]
    fn merging_a_larger_map_into_a_smaller_one_merges_shared_keys() {
        let mut m = MapUnion::singleton(1u8, Max::new(50u16));
        assert!(m.merge(MapUnion::from_iter([(1, Max::new(7)), (2, Max::new(8))])));
        assert_eq!(m.get(&1), Some(&Max::new(50)));
        assert_eq!(m.get(&2), Some(&Max::new(8)));
    }

    #[test]
    fn a_key_mapped_to_bottom_is_still_above_the_empty_map() {
        let with_key = MapUnion::singleton(0u8, Max::<u16>::bottom());
        assert!(MapUnion::bottom().leq(&with_key));
        assert!(!with_key.leq(&MapUnion::bottom()));
        assert!(!with_key.is_bottom());
    }

    #[test]
    fn collecting_merges_repeated_keys() {
        let m: MapUnion<_, _> = [(1u8, Max::new(3u16)), (1, Max::new(9)), (1, Max::new(4))]
            .into_iter()
            .collect();
        assert_eq!(m.into_map(), BTreeMap::from([(1, Max::new(9))]));
    }
}
