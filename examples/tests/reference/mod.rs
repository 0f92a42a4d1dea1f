//! The reference evaluator: plain, slow and obviously correct.
//!
//! A tick starts from the tables' rows of the previous tick and this tick's input rows (every
//! other relation is empty), then applies every rule to every combination of rows, again and
//! again, until a whole round derives nothing new: the least fixpoint of all the rules. Only
//! the tables' rows are kept for the next tick.

#![allow(dead_code)]

pub mod ast;
pub mod builder;
pub mod harness;

use std::collections::BTreeSet;

pub use ast::*;
pub use harness::*;

/// A row: one value per column.
pub type Row = Vec<u32>;

/// The values of a rule's variables so far (`None`: not bound yet).
type Env = Vec<Option<u32>>;

/// A program's state between ticks.
pub struct Reference<'p> {
    program: &'p Program,
    /// Every relation's rows at the end of the previous tick (only tables' are read).
    previous: Vec<BTreeSet<Row>>,
}

impl<'p> Reference<'p> {
    pub fn new(program: &'p Program) -> Self {
        Reference {
            program,
            previous: vec![BTreeSet::new(); program.relations.len()],
        }
    }

    /// Runs one tick with `inputs` (relation number, row) and returns every relation's rows.
    pub fn tick(&mut self, inputs: &[(usize, Row)]) -> Vec<BTreeSet<Row>> {
        let relations = &self.program.relations;
        let mut db: Vec<BTreeSet<Row>> = (0..relations.len())
            .map(|r| match relations[r].kind {
                Kind::Table => self.previous[r].clone(),
                _ => BTreeSet::new(),
            })
            .collect();
        for (relation, row) in inputs {
            assert_eq!(relations[*relation].kind, Kind::Input);
            assert_eq!(relations[*relation].arity, row.len());
            db[*relation].insert(row.clone());
        }
        loop {
            let mut derived: Vec<(usize, Row)> = Vec::new();
            for rule in &self.program.rules {
                let mut env: Env = vec![None; variables(rule)];
                solve(&db, &rule.body, &mut env, &mut |env| {
                    let row: Row = rule.args.iter().map(|e| eval(e, env)).collect();
                    derived.push((rule.head, row));
                });
            }
            let mut changed = false;
            for (relation, row) in derived {
                assert_eq!(relations[relation].arity, row.len());
                changed |= db[relation].insert(row);
            }
            if !changed {
                break;
            }
        }
        self.previous = db.clone();
        db
    }
}

/// How many variables a rule has (variables are numbered from 0).
fn variables(rule: &Rule) -> usize {
    let mut count = 0;
    let mut see = |v: Var| count = count.max(v + 1);
    for literal in &rule.body {
        match literal {
            Literal::Atom(_, terms) => {
                for term in terms {
                    if let Term::Var(v) = term {
                        see(*v);
                    }
                }
            }
            Literal::Let(vars, _) => vars.iter().for_each(|v| see(*v)),
            Literal::If(_) => {}
        }
    }
    count
}

/// Calls `emit` once for every way of satisfying `body`, read left to right, given `env`.
fn solve(db: &[BTreeSet<Row>], body: &[Literal], env: &mut Env, emit: &mut dyn FnMut(&Env)) {
    let Some((first, rest)) = body.split_first() else {
        emit(env);
        return;
    };
    match first {
        Literal::Atom(relation, terms) => {
            for row in &db[*relation] {
                let saved = env.clone();
                if matches(terms, row, env) {
                    solve(db, rest, env, emit);
                }
                *env = saved;
            }
        }
        Literal::If(cond) => {
            if holds(cond, env) {
                solve(db, rest, env, emit);
            }
        }
        Literal::Let(vars, exprs) => {
            let saved = env.clone();
            let values: Vec<u32> = exprs.iter().map(|e| eval(e, env)).collect();
            for (var, value) in vars.iter().zip(values) {
                assert!(env[*var].is_none(), "`let` rebinds a variable");
                env[*var] = Some(value);
            }
            solve(db, rest, env, emit);
            *env = saved;
        }
    }
}

/// Whether `row` fits `terms`, column by column, binding unbound variables as it goes.
fn matches(terms: &[Term], row: &Row, env: &mut Env) -> bool {
    assert_eq!(terms.len(), row.len());
    for (term, &value) in terms.iter().zip(row) {
        let fits = match term {
            Term::Wild => true,
            Term::Const(c) | Term::Named(c) => value == *c,
            Term::Expr(e) => value == eval(e, env),
            Term::Var(v) => match env[*v] {
                Some(bound) => value == bound,
                None => {
                    env[*v] = Some(value);
                    true
                }
            },
        };
        if !fits {
            return false;
        }
    }
    true
}

/// The value of `expr`; every variable it uses must be bound.
pub fn eval(expr: &Expr, env: &Env) -> u32 {
    let m = u64::from(MODULUS);
    let pair = |a: &Expr, b: &Expr| (u64::from(eval(a, env)), u64::from(eval(b, env)));
    let value = match expr {
        Expr::Var(v) => return env[*v].expect("a variable used before it is bound"),
        Expr::Const(c) => return *c,
        Expr::Add(a, b) => {
            let (a, b) = pair(a, b);
            (a + b) % m
        }
        Expr::Mul(a, b) => {
            let (a, b) = pair(a, b);
            (a * b) % m
        }
        Expr::Min(a, b) => {
            let (a, b) = pair(a, b);
            a.min(b)
        }
        Expr::Max(a, b) => {
            let (a, b) = pair(a, b);
            a.max(b)
        }
    };
    u32::try_from(value).expect("results fit in a u32")
}

/// Whether `cond` holds; every variable it uses must be bound.
fn holds(cond: &Cond, env: &Env) -> bool {
    match cond {
        Cond::Lt(a, b) => eval(a, env) < eval(b, env),
        Cond::Le(a, b) => eval(a, env) <= eval(b, env),
        Cond::Eq(a, b) => eval(a, env) == eval(b, env),
        Cond::Ne(a, b) => eval(a, env) != eval(b, env),
        Cond::Even(a) => eval(a, env).is_multiple_of(2),
    }
}
