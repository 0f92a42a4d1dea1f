//! The reference evaluator: plain, slow and obviously correct, after the tick semantics of
//! "time and change".
//!
//! A tick starts from each relation's base: an input holds this tick's rows; a periodic the
//! firings of its timers due since the last tick; a channel the messages that arrive in this
//! tick; a table its rows at the end of the previous tick, less the rows the `<-` rules
//! deleted then, plus the rows the `<+` rules inserted then (deletes first), with the rows the
//! `<+-` rules upserted then replacing every row with their key (upserts last); a scratch or
//! output the rows the `<+` rules inserted then. Then, component by component of the `<=`
//! dependency graph, each after the components it reads, the `<=` rules with heads in the
//! component are applied to every combination of rows, again and again, until a whole round
//! derives nothing new: the least fixpoint. A negated or aggregated relation lies in an earlier
//! component, so it is complete before it is read. Last, the `<+`, `<-`, `<+-` and `<~` rules
//! are evaluated over the rows at the end of the tick, for the next tick's bases and for the
//! network: a row a `<~` rule derives in tick `t` arrives in tick `t + network.delay(row, t)`.
//!
//! A lattice relation holds one row per key (every column but the last, its value): after each
//! round of a fixpoint, the merge of its base value for the key and every value derived for
//! the key so far. It persists like a table: its base is its rows at the end of the previous
//! tick with the values the `<+` rules derived then merged in. It never conflicts.
//!
//! A tick in which a keyed relation holds two rows with one key, or would start the next tick
//! so, is rejected: nothing of it stays, and [`Reference::step`] returns every such conflict.
//! The next tick starts from the bases this one started from; as a channel's base is what
//! arrived in the tick, a rejected tick sends again what it received, instead of what its rules
//! derived, each row a message sent in the rejected tick (under the default network it arrives
//! again in the next tick; under delays, after a fresh delay, as the book says). The rows its
//! timers fired fire again in the next tick; the rows the host inserted are dropped.

#![allow(dead_code, unused_imports, unused_macros)]

pub mod ast;
pub mod builder;
pub mod classic;
pub mod columns;
pub mod eval;
pub mod harness;
pub mod history;
pub mod keys;
pub mod strata;
pub mod time;

use std::collections::{BTreeMap, BTreeSet};

use blossom::Network;

pub use ast::*;
pub use columns::*;
pub use eval::eval;
pub use harness::*;
pub use history::*;
pub use keys::{Conflict, Rejected};
pub use time::{Clocks, Event};

/// A row: one value per column.
pub type Row = Vec<u32>;

/// A program's state between ticks.
pub struct Reference<'p> {
    program: &'p Program,
    /// Every relation, by component, each after those it reads.
    strata: Vec<Vec<usize>>,
    /// When each message arrives.
    network: Network,
    /// The number of ticks run so far, rejected ones included: the number of the next tick.
    tick: u64,
    /// Every relation's base for the next tick, as the last accepted tick's transition left
    /// it (empty for inputs, periodics and channels).
    bases: Vec<BTreeSet<Row>>,
    /// The messages in flight: by the tick they arrive in, by channel, the rows.
    in_flight: BTreeMap<u64, BTreeMap<usize, BTreeSet<Row>>>,
    /// The program's and the nodes' clocks, and the timers.
    clocks: Clocks,
    /// The timer firings of a rejected tick, which fire again in the next: (periodic, row).
    refire: Vec<(usize, Row)>,
}

impl<'p> Reference<'p> {
    /// The reference for `program`, its channels delivering in the next tick.
    ///
    /// Panics if `program` is not stratifiable or a rule derives into a relation that its
    /// merge cannot change (see [`validate`]).
    pub fn new(program: &'p Program) -> Self {
        Self::with_network(program, Network::default())
    }

    /// The reference for `program`, its channels delivering as `network` says.
    pub fn with_network(program: &'p Program, network: Network) -> Self {
        validate(program);
        Reference {
            program,
            strata: strata::strata(program),
            network,
            tick: 0,
            bases: vec![BTreeSet::new(); program.relations.len()],
            in_flight: BTreeMap::new(),
            clocks: Clocks::new(program),
            refire: Vec::new(),
        }
    }

    /// Runs one tick with `inputs` (relation number, row) and returns every relation's rows.
    ///
    /// Panics if the tick is rejected: [`step`](Self::step) says so instead.
    pub fn tick(&mut self, inputs: &[(usize, Row)]) -> Vec<BTreeSet<Row>> {
        let events: Vec<Event> = (inputs.iter())
            .map(|(relation, row)| Event::Insert(*relation, row.clone()))
            .collect();
        match self.step(&events) {
            Ok(rows) => rows,
            Err(rejected) => panic!("the tick is rejected: {rejected:?}"),
        }
    }

    /// Runs one tick after `events` (rows inserted, clocks moved, timers started) and returns
    /// every relation's rows, or every key conflict if the tick is rejected.
    pub fn step(&mut self, events: &[Event]) -> Result<Vec<BTreeSet<Row>>, Rejected> {
        let relations = &self.program.relations;
        let tick = self.tick;
        self.tick += 1;
        let mut db = self.bases.clone();
        let arrived = self.in_flight.remove(&tick).unwrap_or_default();
        for (channel, rows) in &arrived {
            db[*channel] = rows.clone();
        }
        for event in events {
            if let Event::Insert(relation, row) = event {
                assert_eq!(relations[*relation].kind, Kind::Input);
                assert_eq!(relations[*relation].arity, row.len());
                db[*relation].insert(row.clone());
            } else {
                self.clocks.apply(event);
            }
        }
        let mut fired = std::mem::take(&mut self.refire);
        fired.extend(self.clocks.fire(self.program));
        for (periodic, row) in &fired {
            db[*periodic].insert(row.clone());
        }
        self.fixpoint(&mut db);
        let (next, sent) = self.transition(&db);
        let mut conflicts = keys::conflicts(self.program, &db, keys::THIS_TICK);
        conflicts.extend(keys::conflicts(self.program, &next, keys::NEXT_TICK));
        // A rejected tick leaves every carried relation as it started the tick: a channel
        // sends again the messages it received, each a message sent in this tick.
        let sent = match conflicts.is_empty() {
            true => sent,
            false => arrived,
        };
        for (channel, rows) in sent {
            let types = &relations[channel].types;
            for row in rows {
                let arrives = tick + self.network.delay(&Typed(&row, types), tick);
                let at = self.in_flight.entry(arrives).or_default();
                at.entry(channel).or_default().insert(row);
            }
        }
        if !conflicts.is_empty() {
            // A timer's firings are not the host's to repeat: they fire again.
            self.refire = fired;
            conflicts.sort();
            return Err(Rejected { conflicts });
        }
        self.bases = next;
        Ok(db)
    }

    /// Applies the `<=` rules, stratum by stratum, each to its fixpoint, merging each lattice
    /// relation's rows to one per key after every round.
    fn fixpoint(&self, db: &mut [BTreeSet<Row>]) {
        let relations = &self.program.relations;
        for stratum in &self.strata {
            let rules: Vec<&Rule> = (self.program.rules.iter())
                .filter(|r| r.merge == Merge::Now && stratum.contains(&r.head))
                .collect();
            loop {
                let derived: Vec<(usize, BTreeSet<Row>)> = (rules.iter())
                    .map(|r| (r.head, eval::derive(db, r)))
                    .collect();
                let before: Vec<BTreeSet<Row>> = stratum.iter().map(|&r| db[r].clone()).collect();
                for (relation, rows) in derived {
                    for row in rows {
                        assert_eq!(relations[relation].arity, row.len());
                        db[relation].insert(row);
                    }
                }
                for &r in stratum {
                    if let Kind::Lattice(lattice) = relations[r].kind {
                        db[r] = merged(lattice, &db[r]);
                    }
                }
                if stratum.iter().zip(&before).all(|(&r, rows)| db[r] == *rows) {
                    break;
                }
            }
        }
    }

    /// The bases of the next tick, and the rows each channel's `<~` rules send.
    fn transition(
        &self,
        db: &[BTreeSet<Row>],
    ) -> (Vec<BTreeSet<Row>>, BTreeMap<usize, BTreeSet<Row>>) {
        let relations = &self.program.relations;
        let derived = |relation: usize, merge: Merge| -> BTreeSet<Row> {
            (self.program.rules.iter())
                .filter(|r| r.head == relation && r.merge == merge)
                .flat_map(|r| eval::derive(db, r))
                .inspect(|row| assert_eq!(relations[relation].arity, row.len()))
                .collect()
        };
        let mut next = Vec::with_capacity(relations.len());
        let mut sent = BTreeMap::new();
        for (r, relation) in relations.iter().enumerate() {
            let mut rows = match relation.kind {
                Kind::Table | Kind::Lattice(_) => db[r]
                    .difference(&derived(r, Merge::Delete))
                    .cloned()
                    .collect(),
                _ => BTreeSet::new(),
            };
            rows.extend(derived(r, Merge::Next));
            let upserted = derived(r, Merge::Upsert);
            if !upserted.is_empty() {
                let width = relation.key.expect("`<+-` into a keyed relation");
                let keys: BTreeSet<&[u32]> = upserted.iter().map(|row| &row[..width]).collect();
                rows.retain(|row: &Row| !keys.contains(&row[..width]));
                rows.extend(upserted);
            }
            if let Kind::Lattice(lattice) = relation.kind {
                rows = merged(lattice, &rows);
            }
            if relation.kind == Kind::Channel {
                sent.insert(r, derived(r, Merge::Async));
            }
            next.push(rows);
        }
        (next, sent)
    }
}

/// A lattice relation's rows merged to one per key: the merge of every value with the key.
pub fn merged(lattice: Lattice, rows: &BTreeSet<Row>) -> BTreeSet<Row> {
    let mut values: BTreeMap<&[u32], u32> = BTreeMap::new();
    for row in rows {
        let (&value, key) = row.split_last().expect("a lattice's value column");
        (values.entry(key))
            .and_modify(|v| *v = lattice.merge(*v, value))
            .or_insert(value);
    }
    (values.into_iter())
        .map(|(key, value)| key.iter().copied().chain([value]).collect())
        .collect()
}

/// Checks what the reference assumes of a program: a rule's merge fits its head's kind (no
/// rule into an input or a periodic, `<-` into tables only, `<+-` into keyed tables only, `<~`
/// exactly into channels; `<-` and `<+-` into lattices neither), and keys on tables, scratches
/// and outputs only (a lattice's key is implicit: every column but its value).
pub fn validate(program: &Program) {
    for rule in &program.rules {
        let head = &program.relations[rule.head];
        let fits = match (rule.merge, head.kind) {
            (_, Kind::Input | Kind::Periodic { .. }) => false,
            (Merge::Async, kind) | (_, kind @ Kind::Channel) => {
                rule.merge == Merge::Async && kind == Kind::Channel
            }
            (Merge::Delete, kind) => kind == Kind::Table,
            (Merge::Upsert, kind) => kind == Kind::Table && head.key.is_some(),
            (Merge::Now | Merge::Next, _) => true,
        };
        assert!(fits, "a `{:?}` rule into `{}`", rule.merge, head.name);
    }
    for relation in &program.relations {
        assert_eq!(relation.arity, relation.types.len(), "`{}`", relation.name);
        if relation.key.is_some() {
            let keyed = matches!(relation.kind, Kind::Table | Kind::Scratch | Kind::Output);
            assert!(keyed, "a key on `{}`", relation.name);
        }
    }
}
