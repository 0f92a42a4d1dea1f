//! The reference evaluator: plain, slow and obviously correct, after the tick semantics of
//! "time and change".
//!
//! A tick starts from each relation's base: an input holds this tick's rows; a table holds its
//! rows at the end of the previous tick, less the rows the `<-` rules deleted then, plus the
//! rows the `<+` rules inserted then (deletes first); a scratch or output holds the rows the
//! `<+` rules inserted then. Then, component by component of the `<=` dependency graph, each
//! after the components it reads, the `<=` rules with heads in the component are applied to
//! every combination of rows, again and again, until a whole round derives nothing new: the
//! least fixpoint. A negated or aggregated relation lies in an earlier component, so it is
//! complete before it is read. Last, the `<+` and `<-` rules are evaluated over the rows at
//! the end of the tick, for the next tick's bases.

#![allow(dead_code, unused_imports, unused_macros)]

pub mod ast;
pub mod builder;
pub mod classic;
pub mod eval;
pub mod harness;
pub mod strata;

use std::collections::BTreeSet;

pub use ast::*;
pub use eval::eval;
pub use harness::*;

/// A row: one value per column.
pub type Row = Vec<u32>;

/// A program's state between ticks.
pub struct Reference<'p> {
    program: &'p Program,
    /// Every relation, by component, each after those it reads.
    strata: Vec<Vec<usize>>,
    /// Every relation's rows at the end of the previous tick (only tables' are read).
    previous: Vec<BTreeSet<Row>>,
    /// The rows the `<+` rules derived at the end of the previous tick.
    inserts: Vec<BTreeSet<Row>>,
    /// The rows the `<-` rules derived at the end of the previous tick.
    deletes: Vec<BTreeSet<Row>>,
}

impl<'p> Reference<'p> {
    /// Panics if `program` is not stratifiable or a rule derives into an input, or a `<-`
    /// rule into anything but a table.
    pub fn new(program: &'p Program) -> Self {
        for rule in &program.rules {
            let head = &program.relations[rule.head];
            assert_ne!(
                head.kind,
                Kind::Input,
                "a rule derives into `{}`",
                head.name
            );
            if rule.merge == Merge::Delete {
                assert_eq!(head.kind, Kind::Table, "`<-` into `{}`", head.name);
            }
        }
        let empty = vec![BTreeSet::new(); program.relations.len()];
        Reference {
            program,
            strata: strata::strata(program),
            previous: empty.clone(),
            inserts: empty.clone(),
            deletes: empty,
        }
    }

    /// Runs one tick with `inputs` (relation number, row) and returns every relation's rows.
    pub fn tick(&mut self, inputs: &[(usize, Row)]) -> Vec<BTreeSet<Row>> {
        let relations = &self.program.relations;
        let mut db: Vec<BTreeSet<Row>> = (0..relations.len())
            .map(|r| match relations[r].kind {
                Kind::Input => BTreeSet::new(),
                Kind::Table => {
                    let kept = self.previous[r].difference(&self.deletes[r]).cloned();
                    kept.chain(self.inserts[r].iter().cloned()).collect()
                }
                Kind::Scratch | Kind::Output => self.inserts[r].clone(),
            })
            .collect();
        for (relation, row) in inputs {
            assert_eq!(relations[*relation].kind, Kind::Input);
            assert_eq!(relations[*relation].arity, row.len());
            db[*relation].insert(row.clone());
        }
        for stratum in &self.strata {
            let rules: Vec<&Rule> = (self.program.rules.iter())
                .filter(|r| r.merge == Merge::Now && stratum.contains(&r.head))
                .collect();
            loop {
                let derived: Vec<(usize, BTreeSet<Row>)> = (rules.iter())
                    .map(|r| (r.head, eval::derive(&db, r)))
                    .collect();
                let mut changed = false;
                for (relation, rows) in derived {
                    for row in rows {
                        assert_eq!(relations[relation].arity, row.len());
                        changed |= db[relation].insert(row);
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        let empty = vec![BTreeSet::new(); relations.len()];
        self.inserts = empty.clone();
        self.deletes = empty;
        for rule in &self.program.rules {
            let into = match rule.merge {
                Merge::Now => continue,
                Merge::Next => &mut self.inserts[rule.head],
                Merge::Delete => &mut self.deletes[rule.head],
            };
            for row in eval::derive(&db, rule) {
                assert_eq!(relations[rule.head].arity, row.len());
                into.insert(row);
            }
        }
        self.previous = db.clone();
        db
    }
}
