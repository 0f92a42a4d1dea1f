//! `CausalRegister`: a register that keeps every concurrent write, as Anna's causal values do.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Lattice, VectorClock};

/// A multi-value register: each write is a version, a value stamped with a [`VectorClock`].
/// Merging drops every version whose clock happened before another version's clock and keeps
/// the concurrent ones side by side, so a read sees one value when the writes were ordered and
/// all of them when they conflicted. Bottom holds no version.
///
/// # Why each version keeps its own clock
///
/// Anna's single-key causal lattice stores one clock for the register and a set of values: a
/// dominating clock replaces the values, a concurrent one merges clocks and unions values. That
/// merge is not associative. With `a = ({x:1}, {A})`, `b = ({y:1}, {B})` and `c = ({x:1, y:1},
/// {C})`, `(a ⊔ b) ⊔ c` has clock `{x:1, y:1}` twice and keeps `{A, B, C}`, while `a ⊔ (b ⊔ c)`
/// lets `c` replace `b` and then `a`, keeping `{C}`: replicas that gossip in different orders
/// disagree for ever (`tests/broken_lattices.rs` has the checker catch it). Keeping the clock of
/// each version makes the state the set of maximal versions, a lattice (the join of the two
/// version sets is the maximal elements of their union), and it still reads as Anna's value:
/// [`CausalRegister::clock`] is the join of the versions' clocks and
/// [`CausalRegister::values`] the set of concurrent values.
///
/// Two different values written with the same clock are concurrent too, and both are kept.
/// The derived `Ord` is a structural total order for relation columns, not the lattice order.
///
/// ```rust
/// use blossom_lattices::{CausalRegister, Lattice};
///
/// let mut alice = CausalRegister::bottom();
/// alice.write("alice", "draft");
/// let mut bob = alice.clone();
///
/// // Both edit the draft without seeing each other's edit: both versions survive.
/// alice.write("alice", "alice's edit");
/// bob.write("bob", "bob's edit");
/// let merged = alice.join(bob);
/// assert_eq!(merged.values().len(), 2);
///
/// // A write made after seeing both replaces both.
/// let mut resolved = merged.clone();
/// resolved.write("alice", "resolved");
/// let resolved = merged.join(resolved);
/// assert_eq!(resolved.values().into_iter().collect::<Vec<_>>(), [&"resolved"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CausalRegister<V, R> {
    /// The maximal versions: no clock here happened before another clock here.
    versions: BTreeSet<(VectorClock<R>, V)>,
}

impl<V, R> CausalRegister<V, R> {
    /// The register with no version (bottom).
    pub fn new() -> Self {
        CausalRegister {
            versions: BTreeSet::new(),
        }
    }

    /// The versions: concurrent writes, each with its clock.
    pub fn versions(&self) -> impl Iterator<Item = (&VectorClock<R>, &V)> {
        self.versions.iter().map(|(clock, value)| (clock, value))
    }
}

impl<V: Ord, R: Ord> CausalRegister<V, R> {
    /// The register holding `value`, written at `clock`.
    pub fn version(clock: VectorClock<R>, value: V) -> Self {
        CausalRegister {
            versions: BTreeSet::from([(clock, value)]),
        }
    }

    /// The values of the concurrent versions: one after ordered writes, several after a
    /// conflict, none before the first write.
    pub fn values(&self) -> BTreeSet<&V> {
        self.versions.iter().map(|(_, value)| value).collect()
    }

    /// Adds one version, keeping only the maximal ones; returns whether it was added (it is not
    /// if already present or if its clock happened before another's).
    fn insert(&mut self, clock: VectorClock<R>, value: V) -> bool {
        let dominated = self.versions.iter().any(|(other, other_value)| {
            clock.happened_before(other) || (clock == *other && value == *other_value)
        });
        if dominated {
            return false;
        }
        self.versions
            .retain(|(other, _)| !other.happened_before(&clock));
        self.versions.insert((clock, value))
    }
}

impl<V: Ord, R: Ord + Clone> CausalRegister<V, R> {
    /// The join of the versions' clocks: every write this register has seen.
    pub fn clock(&self) -> VectorClock<R> {
        let mut clock = VectorClock::new();
        for (version, _) in &self.versions {
            for (replica, count) in version.iter() {
                clock.advance(replica.clone(), count);
            }
        }
        clock
    }

    /// Writes `value` at `replica` (the replica making the call) after every version seen: its
    /// clock is [`CausalRegister::clock`] ticked at `replica`, so it replaces them all. Returns
    /// whether the register changed.
    pub fn write(&mut self, replica: R, value: V) -> bool {
        let mut clock = self.clock();
        clock.tick(replica);
        self.insert(clock, value)
    }
}

impl<V: Ord + Clone, R: Ord + Clone> Lattice for CausalRegister<V, R> {
    fn merge(&mut self, other: Self) -> bool {
        let mut changed = false;
        for (clock, value) in other.versions {
            changed |= self.insert(clock, value);
        }
        changed
    }

    fn bottom() -> Self {
        CausalRegister::new()
    }

    fn leq(&self, other: &Self) -> bool {
        // Every version of `self` is in `other` or happened before one of `other`'s.
        self.versions.iter().all(|(clock, value)| {
            other.versions.iter().any(|(theirs, their_value)| {
                clock.happened_before(theirs) || (clock == theirs && value == their_value)
            })
        })
    }

    fn is_bottom(&self) -> bool {
        self.versions.is_empty()
    }
}

/// The default is bottom, the register with no version.
impl<V, R> Default for CausalRegister<V, R> {
    fn default() -> Self {
        CausalRegister::new()
    }
}

/// Collecting keeps the maximal versions.
impl<V: Ord, R: Ord> FromIterator<(VectorClock<R>, V)> for CausalRegister<V, R> {
    fn from_iter<I: IntoIterator<Item = (VectorClock<R>, V)>>(versions: I) -> Self {
        let mut register = CausalRegister::new();
        for (clock, value) in versions {
            register.insert(clock, value);
        }
        register
    }
}

/// Reads a set of versions and keeps the maximal ones, so that equal registers compare equal.
impl<'de, V, R> Deserialize<'de> for CausalRegister<V, R>
where
    V: Ord + Deserialize<'de>,
    R: Ord + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<(VectorClock<R>, V)>::deserialize(deserializer).map(CausalRegister::from_iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(counts: &[(char, u64)]) -> VectorClock<char> {
        counts.iter().copied().collect()
    }

    #[test]
    fn a_dominated_version_is_dropped_whichever_side_it_is_on() {
        let old = CausalRegister::version(clock(&[('a', 1)]), "old");
        let new = CausalRegister::version(clock(&[('a', 2)]), "new");
        assert_eq!(old.clone().join(new.clone()), new);
        assert_eq!(new.clone().join(old.clone()), new);
        assert!(old.leq(&new) && !new.leq(&old));
    }

    #[test]
    fn annas_non_associative_example_is_associative_here() {
        let a = CausalRegister::version(clock(&[('x', 1)]), 'A');
        let b = CausalRegister::version(clock(&[('y', 1)]), 'B');
        let c = CausalRegister::version(clock(&[('x', 1), ('y', 1)]), 'C');
        let left = a.clone().join(b.clone()).join(c.clone());
        let right = a.join(b.join(c.clone()));
        assert_eq!(left, right);
        assert_eq!(left, c);
    }

    #[test]
    fn equal_clocks_with_different_values_are_both_kept() {
        let at = clock(&[('a', 1)]);
        let merged = CausalRegister::version(at.clone(), 1u8).join(CausalRegister::version(at, 2));
        assert_eq!(merged.values(), BTreeSet::from([&1, &2]));
    }

    #[test]
    fn the_clock_is_the_join_of_the_versions() {
        let register: CausalRegister<u8, char> = [(clock(&[('a', 2)]), 1), (clock(&[('b', 3)]), 2)]
            .into_iter()
            .collect();
        assert_eq!(register.clock(), clock(&[('a', 2), ('b', 3)]));
    }
}
