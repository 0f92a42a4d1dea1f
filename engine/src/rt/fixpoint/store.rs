//! Where a relation of a semi-naive stratum keeps the rows it holds, and how a round's
//! derivations are checked against them.
//!
//! A relation keeps its rows as sorted runs of its own ([`Runs`]), or in the index a rule reads
//! it through, when that index keeps every column (the macro decides: a key and values that are
//! the row's columns in another order, nothing filtered). Transitive closure's `path(a, b)`,
//! read only as `(b, a)` to join with `link(b, c)`, is then held once, in the join's order, as
//! hand-written datafrog holds it, instead of twice: the candidates of a round are put in the
//! index's order, sorted and checked against the index's runs, and become its new rows.
//!
//! A lattice relation keeps one value per key ([`Merged`]).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::{Indexed, Partition, Shared};
use crate::Lattice;
use crate::rt::Column;
use crate::rt::runs::{Runs, sort_set};

/// What a relation holds (its rows, or a lattice's value per key), and how a round's
/// derivations that are new are told from it.
pub(super) trait Store<D> {
    /// Settles a round: `last` (the last round's new rows, read by this round's rules) joins
    /// what is held, then `fresh` (empty) receives every row of `parts` that the relation owns
    /// and has never held, each once.
    fn settle(
        &mut self,
        last: Vec<D>,
        parts: Vec<Vec<D>>,
        owner: Option<Partition<D>>,
        fresh: &mut Vec<D>,
    );

    /// Calls `each` on every row of the relation; `recent` are the last round's new rows.
    fn every(&self, recent: &[D], each: &mut dyn FnMut(&D));

    /// Forgets every row.
    fn clear(&mut self);

    /// Whether each round's new rows are sent as the round ends: rows that stay. A store
    /// that replaces rows sends its changes when the tick's rounds are over instead.
    fn sends_rounds(&self) -> bool {
        true
    }

    /// The tick's rounds are over: calls `each` on what changed that was not sent yet.
    fn settled(&mut self, _each: &mut dyn FnMut(D, isize)) {}
}

/// Whether this worker owns `row`: it does unless rows are partitioned and its hash says not.
fn owns<D>(owner: Option<Partition<D>>, row: &D) -> bool {
    owner.is_none_or(|(key, index, peers)| key(row) % peers == index)
}

/// The relation's own sorted runs.
impl<D: Column> Store<D> for Runs<D> {
    fn settle(
        &mut self,
        last: Vec<D>,
        parts: Vec<Vec<D>>,
        owner: Option<Partition<D>>,
        fresh: &mut Vec<D>,
    ) {
        self.push(last);
        for mut part in parts {
            part.retain(|row| owns(owner, row));
            if fresh.is_empty() {
                *fresh = part;
            } else {
                fresh.append(&mut part);
            }
        }
        sort_set(fresh);
        self.remove_held(fresh);
    }

    fn every(&self, recent: &[D], each: &mut dyn FnMut(&D)) {
        self.iter().chain(recent).for_each(each);
    }

    fn clear(&mut self) {
        Runs::clear(self);
    }
}

/// An index that keeps every column: `forward` puts a row in its order, `inverse` takes it back.
pub(super) struct Keyed<K, V, F, G> {
    pub(super) state: Shared<Indexed<K, V>>,
    pub(super) forward: F,
    pub(super) inverse: G,
}

impl<D, K, V, F, G> Store<D> for Keyed<K, V, F, G>
where
    D: Column,
    K: Column,
    V: Column,
    F: Fn(&D) -> Option<(K, V)>,
    G: Fn(&K, &V) -> D,
{
    fn settle(
        &mut self,
        mut last: Vec<D>,
        parts: Vec<Vec<D>>,
        owner: Option<Partition<D>>,
        fresh: &mut Vec<D>,
    ) {
        let indexed = &mut *self.state.borrow_mut();
        // The index's new rows are the last round's, in its order: they join its stable runs.
        indexed.stable.push(std::mem::take(&mut indexed.recent));
        let mut keyed = Vec::new();
        for part in parts {
            let owned = part.iter().filter(|row| owns(owner, row));
            keyed.extend(owned.filter_map(&self.forward));
        }
        sort_set(&mut keyed);
        indexed.stable.remove_held(&mut keyed);
        // `last`'s allocation, for the relation's new rows in its own order.
        last.clear();
        last.extend(keyed.iter().map(|(key, val)| (self.inverse)(key, val)));
        *fresh = last;
        indexed.recent = keyed;
    }

    fn every(&self, _recent: &[D], each: &mut dyn FnMut(&D)) {
        // The last round's rows are the index's recent ones.
        let indexed = self.state.borrow();
        let keyed = indexed.stable.iter().chain(&indexed.recent);
        keyed.for_each(|(key, val)| each(&(self.inverse)(key, val)));
    }

    fn clear(&mut self) {
        let indexed = &mut *self.state.borrow_mut();
        indexed.stable.clear();
        indexed.recent.clear();
    }
}

/// A lattice relation: one value per key, the merge of every value derived for it. A round's
/// new rows are the keys whose value grew, with their merged value; what the relation sends is
/// its changes over the whole tick (a key's value at the start of the tick retracted, its
/// value at the end added), once the rounds are over, not each value it passed through.
pub(super) struct Merged<K, L, S, J> {
    values: FxHashMap<K, L>,
    /// The keys whose value grew in this tick, with their value before it (`None`: no row).
    before: FxHashMap<K, Option<L>>,
    split: S,
    join: J,
}

impl<K, L, S, J> Merged<K, L, S, J> {
    pub(super) fn new(split: S, join: J) -> Self {
        Merged {
            values: FxHashMap::default(),
            before: FxHashMap::default(),
            split,
            join,
        }
    }
}

impl<D, K, L, S, J> Store<D> for Merged<K, L, S, J>
where
    D: Column,
    K: Column,
    L: Column + Lattice,
    S: Fn(D) -> (K, L),
    J: Fn(K, L) -> D,
{
    fn settle(
        &mut self,
        mut last: Vec<D>,
        parts: Vec<Vec<D>>,
        owner: Option<Partition<D>>,
        fresh: &mut Vec<D>,
    ) {
        let mut grown = Vec::new();
        for part in parts {
            for row in part.into_iter().filter(|row| owns(owner, row)) {
                let (key, value) = (self.split)(row);
                match self.values.entry(key) {
                    Entry::Vacant(entry) => {
                        self.before.entry(entry.key().clone()).or_insert(None);
                        grown.push(entry.key().clone());
                        entry.insert(value);
                    }
                    Entry::Occupied(mut entry) if !value.leq(entry.get()) => {
                        if !self.before.contains_key(entry.key()) {
                            let was = Some(entry.get().clone());
                            self.before.insert(entry.key().clone(), was);
                        }
                        entry.get_mut().merge(value);
                        grown.push(entry.key().clone());
                    }
                    Entry::Occupied(_) => {}
                }
            }
        }
        sort_set(&mut grown);
        last.clear();
        for key in grown {
            if let Some(value) = self.values.get(&key) {
                last.push((self.join)(key, value.clone()));
            }
        }
        *fresh = last;
    }

    fn every(&self, _recent: &[D], each: &mut dyn FnMut(&D)) {
        for (key, value) in &self.values {
            each(&(self.join)(key.clone(), value.clone()));
        }
    }

    fn clear(&mut self) {
        self.values.clear();
        self.before.clear();
    }

    fn sends_rounds(&self) -> bool {
        false
    }

    fn settled(&mut self, each: &mut dyn FnMut(D, isize)) {
        for (key, before) in self.before.drain() {
            if let Some(before) = before {
                each((self.join)(key.clone(), before), -1);
            }
            if let Some(value) = self.values.get(&key) {
                each((self.join)(key, value.clone()), 1);
            }
        }
    }
}

/// A store shared by the relation's settle step and its output.
pub(super) type SharedStore<D> = Shared<Box<dyn Store<D>>>;

/// A relation's own runs, to begin with.
pub(super) fn runs<D: Column>() -> SharedStore<D> {
    super::shared(Box::new(Runs::default()))
}
