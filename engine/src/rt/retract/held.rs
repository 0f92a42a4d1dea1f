//! What supports read: every row a relation holds, with its level, and lookups over them.

use std::collections::hash_map::Entry;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::super::fixpoint::{Shared, shared};
use super::{Column, Level, Phase, Rows, Watcher, remove_one};

/// Every row a relation (an input, or one the stratum defines) holds, with its level, and the
/// lookups over it that supports read.
pub struct Table<D> {
    pub(super) rows: FxHashMap<D, Level>,
    watchers: Vec<Watcher<D>>,
}

impl<D: Column> Table<D> {
    pub(super) fn new() -> Shared<Self> {
        shared(Table {
            rows: FxHashMap::default(),
            watchers: Vec::new(),
        })
    }

    /// Adds `row` at `level`; `false` if it was there.
    pub(super) fn insert(&mut self, row: &D, level: Level) -> bool {
        match self.rows.entry(row.clone()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(entry) => {
                entry.insert(level);
                self.watchers.iter_mut().for_each(|w| w(row, Phase::Insert));
                true
            }
        }
    }

    pub(super) fn remove(&mut self, row: &D) {
        if self.rows.remove(row).is_some() {
            self.watchers.iter_mut().for_each(|w| w(row, Phase::Delete));
        }
    }

    /// Whether `row` is present below `level`.
    pub(super) fn below(&self, row: &D, level: Level) -> bool {
        self.rows.get(row).is_some_and(|&at| at < level)
    }
}

/// A relation a support reads: an input of the stratum, or one of its own.
pub trait Held<D> {
    #[doc(hidden)]
    fn table(&self) -> &Shared<Table<D>>;
}

/// An input of the stratum: its changes, and every row it holds.
pub struct Input<D> {
    pub(super) rows: Rows<D>,
    pub(super) table: Shared<Table<D>>,
}

impl<D> std::ops::Deref for Input<D> {
    type Target = Rows<D>;
    fn deref(&self) -> &Rows<D> {
        &self.rows
    }
}

impl<D> Held<D> for Input<D> {
    fn table(&self) -> &Shared<Table<D>> {
        &self.table
    }
}

/// A relation's rows by the columns a support binds before it reads them.
pub struct Lookup<K, D> {
    rows: Shared<FxHashMap<K, Vec<D>>>,
    table: Shared<Table<D>>,
}

/// `rel`'s rows by `key`, kept up to date as rows come and go.
pub fn lookup<D: Column, K: Column>(
    rel: &impl Held<D>,
    key: impl Fn(&D) -> K + 'static,
) -> Lookup<K, D> {
    let table = Rc::clone(rel.table());
    let rows: Shared<FxHashMap<K, Vec<D>>> = shared(FxHashMap::default());
    {
        let mut held = rows.borrow_mut();
        for row in table.borrow().rows.keys() {
            held.entry(key(row)).or_default().push(row.clone());
        }
    }
    let watched = Rc::clone(&rows);
    table
        .borrow_mut()
        .watchers
        .push(Box::new(move |row, phase| {
            let mut rows = watched.borrow_mut();
            match phase {
                Phase::Insert => rows.entry(key(row)).or_default().push(row.clone()),
                Phase::Delete => remove_one(&mut rows, key(row), row),
            }
        }));
    Lookup { rows, table }
}

impl<K, D> Clone for Lookup<K, D> {
    fn clone(&self) -> Self {
        Lookup {
            rows: Rc::clone(&self.rows),
            table: Rc::clone(&self.table),
        }
    }
}

impl<K: Column, D: Column> Lookup<K, D> {
    /// `Some` if `then` is for some row under `key` present below `level`.
    pub fn any(&self, key: &K, level: Level, mut then: impl FnMut(&D) -> Option<()>) -> Option<()> {
        let (rows, table) = (self.rows.borrow(), self.table.borrow());
        let found = rows
            .get(key)?
            .iter()
            .any(|row| table.below(row, level) && then(row).is_some());
        found.then_some(())
    }
}

/// Whether a relation holds a row, for a support whose atom binds every column.
pub struct Member<D> {
    table: Shared<Table<D>>,
}

/// `rel`'s rows, to test one.
pub fn member<D: Column>(rel: &impl Held<D>) -> Member<D> {
    Member {
        table: Rc::clone(rel.table()),
    }
}

impl<D> Clone for Member<D> {
    fn clone(&self) -> Self {
        Member {
            table: Rc::clone(&self.table),
        }
    }
}

impl<D: Column> Member<D> {
    /// `Some` if `row` is present below `level`.
    pub fn has(&self, row: &D, level: Level) -> Option<()> {
        self.table.borrow().below(row, level).then_some(())
    }
}
