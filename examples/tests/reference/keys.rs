//! Keys: the conflicts that reject a tick, as Blossom reports them.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::debug_text;
use super::{Program, Row};

/// [`Conflict::when`] for the rows a relation holds in the tick.
pub const THIS_TICK: &str = "this tick";
/// [`Conflict::when`] for the rows a relation would start the next tick with.
pub const NEXT_TICK: &str = "the next tick";

/// Two rows of a keyed relation with one key, as `blossom::Error::KeyConflict` says it: the
/// key and the rows as `Debug` prints Blossom's values, the rows the two smallest with the key.
/// Ordered as Blossom orders them to report the first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conflict {
    pub relation: String,
    pub when: String,
    pub key: String,
    pub rows: (String, String),
}

/// A rejected tick: every conflict, in order (Blossom reports the first).
#[derive(Clone, Debug)]
pub struct Rejected {
    pub conflicts: Vec<Conflict>,
}

/// Every key with two rows or more in `db`, in each keyed relation.
pub fn conflicts(program: &Program, db: &[BTreeSet<Row>], when: &str) -> Vec<Conflict> {
    let mut found = Vec::new();
    for (relation, rows) in program.relations.iter().zip(db) {
        let Some(width) = relation.key else { continue };
        let mut by_key: BTreeMap<&[u32], Vec<&Row>> = BTreeMap::new();
        for row in rows {
            by_key.entry(&row[..width]).or_default().push(row);
        }
        for (key, rows) in by_key {
            // `rows` is sorted, as the rows of a set are.
            if let [first, second, ..] = rows.as_slice() {
                let text = |row: &Row| debug_text(row, &relation.types);
                found.push(Conflict {
                    relation: relation.name.clone(),
                    when: when.to_string(),
                    key: debug_text(key, &relation.types[..width]),
                    rows: (text(first), text(second)),
                });
            }
        }
    }
    found
}
