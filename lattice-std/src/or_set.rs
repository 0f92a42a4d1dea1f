//! `OrSet`: an add-wins observed-remove set, whose elements can be removed and added again.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize};

use crate::Lattice;

/// An observed-remove set: every add carries a unique tag, and a remove tombstones the tags of
/// the element that the removing replica has observed. An element is present while it has a
/// tag that is not tombstoned. Bottom is the empty set with no tombstones.
///
/// # Tags, and why adds win
///
/// A tag is `(replica, n)`: [`OrSet::add`] takes the replica making the add and uses one more
/// than the greatest `n` that replica has used, which its own state always holds (its tags are
/// live or tombstoned, never forgotten), so the tag is new as long as each replica adds only
/// under its own id. A remove cannot tombstone a tag it has not seen, so an add concurrent with
/// a remove survives it: the add wins. Removing and adding again works, unlike in a
/// two-phase set, because the new add has a new tag.
///
/// The state is a pair of grow-only sets, the (element, tag) pairs added and the tags removed,
/// so merging is their union and the laws follow. Tombstones are kept for ever, one tag per
/// removed add; a tag is stored once, in the tombstones, once it is removed. No causal-context
/// compaction is done.
///
/// The derived `Ord` is a structural total order for relation columns, not the lattice order.
///
/// ```rust
/// use blossom_lattices::{Lattice, OrSet};
///
/// let mut left = OrSet::new();
/// left.add("left", "milk");
/// let mut right = left.clone();
///
/// // `right` removes the milk it has seen, while `left` adds milk again concurrently.
/// assert!(right.remove(&"milk"));
/// left.add("left", "milk");
/// let merged = left.join(right);
/// assert!(merged.contains(&"milk")); // the concurrent add wins
///
/// let mut later = merged.clone();
/// later.remove(&"milk"); // a remove that has seen every add removes the element
/// assert!(!merged.join(later).contains(&"milk"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OrSet<T, R> {
    /// The tags of each present element that are not tombstoned; never an empty set.
    live: BTreeMap<T, BTreeSet<(R, u64)>>,
    /// The tombstoned tags; none of them is in `live`.
    removed: BTreeSet<(R, u64)>,
}

impl<T, R> OrSet<T, R> {
    /// The empty set (bottom).
    pub fn new() -> Self {
        OrSet {
            live: BTreeMap::new(),
            removed: BTreeSet::new(),
        }
    }

    /// The present elements, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.live.keys()
    }

    /// How many elements are present.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether no element is present (tombstones may still be there: that is not bottom).
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

impl<T: Ord, R: Ord> OrSet<T, R> {
    /// Whether `item` is present.
    pub fn contains(&self, item: &T) -> bool {
        self.live.contains_key(item)
    }

    /// Removes `item` by tombstoning every tag of it in this replica's state; returns whether
    /// it was present. Adds this replica has not seen are not removed. Takes time linear in the
    /// number of live tags.
    pub fn remove(&mut self, item: &T) -> bool {
        let Some(tags) = self.live.remove(item) else {
            return false;
        };
        // A tag given to two elements (against `add_tagged`'s contract) dies with both, so that
        // no tag is both live and tombstoned.
        self.live.retain(|_, others| {
            others.retain(|tag| !tags.contains(tag));
            !others.is_empty()
        });
        self.removed.extend(tags);
        true
    }

    /// Adds `item` with the tag `tag`, which must be unique to this add; returns whether the
    /// set changed (it does not if the tag is already there, live or tombstoned).
    /// [`OrSet::add`] makes such a tag. A tag given to two elements is removed with either.
    pub fn add_tagged(&mut self, item: T, tag: (R, u64)) -> bool {
        if self.removed.contains(&tag) {
            return false;
        }
        self.live.entry(item).or_default().insert(tag)
    }
}

impl<T: Ord, R: Ord + Clone> OrSet<T, R> {
    /// Adds `item` at `replica` (the replica making the call) with a new tag; returns whether
    /// the set changed, which it does unless the replica has used `u64::MAX` tags.
    pub fn add(&mut self, replica: R, item: T) -> bool {
        let tag = (
            replica.clone(),
            self.last_tag_of(&replica).saturating_add(1),
        );
        self.add_tagged(item, tag)
    }

    /// The greatest `n` of the tags `(replica, n)` in the state, live or tombstoned; 0 if none.
    fn last_tag_of(&self, replica: &R) -> u64 {
        let own = |(by, n): &(R, u64)| (by == replica).then_some(*n);
        let live = self.live.values().flatten().filter_map(own).max();
        let removed = self
            .removed
            .range((replica.clone(), 0)..=(replica.clone(), u64::MAX))
            .next_back()
            .map(|(_, n)| *n);
        live.max(removed).unwrap_or(0)
    }
}

impl<T: Ord + Clone, R: Ord + Clone> Lattice for OrSet<T, R> {
    fn merge(&mut self, other: Self) -> bool {
        let mut changed = false;
        let mut tombstoned = BTreeSet::new();
        for tag in other.removed {
            if !self.removed.contains(&tag) {
                self.removed.insert(tag.clone());
                tombstoned.insert(tag);
                changed = true;
            }
        }
        for (item, tags) in other.live {
            for tag in tags {
                changed |= self.add_tagged(item.clone(), tag);
            }
        }
        if !tombstoned.is_empty() {
            // Tags this side held live that the other side has removed.
            self.live.retain(|_, tags| {
                tags.retain(|tag| !tombstoned.contains(tag));
                !tags.is_empty()
            });
        }
        changed
    }

    fn bottom() -> Self {
        OrSet::new()
    }

    fn leq(&self, other: &Self) -> bool {
        self.removed.is_subset(&other.removed)
            && self.live.iter().all(|(item, tags)| {
                let theirs = other.live.get(item);
                tags.iter().all(|tag| {
                    other.removed.contains(tag) || theirs.is_some_and(|live| live.contains(tag))
                })
            })
    }

    fn is_bottom(&self) -> bool {
        self.live.is_empty() && self.removed.is_empty()
    }
}

/// The default is bottom, the empty set with no tombstones.
impl<T, R> Default for OrSet<T, R> {
    fn default() -> Self {
        OrSet::new()
    }
}

/// The serialized form, read as it is written and then normalised.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Ord + Deserialize<'de>, R: Ord + Deserialize<'de>"))]
struct Stored<T, R> {
    live: BTreeMap<T, BTreeSet<(R, u64)>>,
    removed: BTreeSet<(R, u64)>,
}

/// Drops tombstoned tags from the live ones and elements left with no tag, so that equal sets
/// compare equal whatever was stored.
impl<'de, T, R> Deserialize<'de> for OrSet<T, R>
where
    T: Ord + Deserialize<'de>,
    R: Ord + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Stored { mut live, removed } = Stored::deserialize(deserializer)?;
        live.retain(|_, tags| {
            tags.retain(|tag| !removed.contains(tag));
            !tags.is_empty()
        });
        Ok(OrSet { live, removed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_count_up_per_replica_through_removes() {
        let mut set = OrSet::new();
        assert!(set.add('a', 1u8));
        assert!(set.remove(&1));
        assert!(set.add('a', 2));
        assert!(set.add('b', 2));
        assert_eq!(set.last_tag_of(&'a'), 2);
        assert_eq!(set.last_tag_of(&'b'), 1);
        assert_eq!(set.iter().collect::<Vec<_>>(), [&2]);
    }

    #[test]
    fn a_tombstoned_tag_cannot_come_back() {
        let mut set = OrSet::new();
        set.add_tagged(1u8, ('a', 1));
        set.remove(&1);
        assert!(!set.add_tagged(1, ('a', 1)));
        assert!(!set.contains(&1));
    }

    #[test]
    fn a_tag_shared_by_two_elements_is_removed_with_either() {
        let mut set = OrSet::new();
        set.add_tagged(1u8, ('a', 1));
        set.add_tagged(2u8, ('a', 1));
        assert!(set.remove(&1));
        assert!(!set.contains(&2));
        assert_eq!(set.clone().join(OrSet::bottom()), set);
    }

    #[test]
    fn merging_purges_tags_removed_elsewhere() {
        let mut here = OrSet::new();
        here.add('a', 1u8);
        let mut there = here.clone();
        there.remove(&1);
        assert!(here.merge(there.clone()));
        assert_eq!(here, there);
        assert!(here.is_empty() && !here.is_bottom());
    }
}
