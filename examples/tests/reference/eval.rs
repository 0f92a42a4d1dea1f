//! One rule over a database: every match of its body, and the rows its head makes of them.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use super::{Cond, Expr, HeadArg, Literal, MODULUS, Row, Rule, Term, Var};

/// The values of a rule's variables so far (`None`: not bound yet).
pub type Env = Vec<Option<u32>>;

/// The rows `rule` derives over `db`: one per match of its body or, if its head aggregates,
/// one per group (the values of its other arguments) that has a match.
pub fn derive(db: &[BTreeSet<Row>], rule: &Rule) -> BTreeSet<Row> {
    let mut env: Env = vec![None; variables(rule)];
    let mut rows = BTreeSet::new();
    if !rule.aggregates() {
        solve(db, &rule.body, &mut env, &mut |env| {
            let row = rule.args.iter().map(|arg| match arg {
                HeadArg::Value(e) => eval(e, env),
                _ => unreachable!("no aggregates"),
            });
            rows.insert(row.collect());
        });
        return rows;
    }
    // Each call of the closure is one match: one combination of rows, one per positive atom.
    let mut groups: BTreeMap<Row, Vec<Env>> = BTreeMap::new();
    solve(db, &rule.body, &mut env, &mut |env| {
        let group = rule.args.iter().filter_map(|arg| match arg {
            HeadArg::Value(e) => Some(eval(e, env)),
            _ => None,
        });
        groups.entry(group.collect()).or_default().push(env.clone());
    });
    for (group, matches) in groups {
        let mut group = group.into_iter();
        let values = |e: &Expr| -> Vec<u32> { matches.iter().map(|m| eval(e, m)).collect() };
        let pairs = |v: &Expr, w: &Expr| -> Vec<(u32, u32)> {
            matches.iter().map(|m| (eval(v, m), eval(w, m))).collect()
        };
        // `matches` is never empty: a group exists because a match made it.
        let row = rule.args.iter().map(|arg| match arg {
            HeadArg::Value(_) => group.next().expect("one value per group argument"),
            HeadArg::Count => u32::try_from(matches.len()).expect("a count that fits in a u32"),
            HeadArg::Sum(e) => u32::try_from(values(e).into_iter().map(u64::from).sum::<u64>())
                .expect("a sum that fits in a u32"),
            HeadArg::Min(e) => values(e).into_iter().min().expect("a match"),
            HeadArg::Max(e) => values(e).into_iter().max().expect("a match"),
            HeadArg::ArgMin(v, w) => pairs(v, w).into_iter().min().expect("a match").1,
            HeadArg::ArgMax(v, w) => {
                let best = pairs(v, w)
                    .into_iter()
                    .max_by_key(|&(v, w)| (v, Reverse(w)));
                best.expect("a match").1
            }
        });
        rows.insert(row.collect());
    }
    rows
}

/// How many variables a rule has (variables are numbered from 0).
fn variables(rule: &Rule) -> usize {
    let mut count = 0;
    let mut see = |v: Var| count = count.max(v + 1);
    for literal in &rule.body {
        match literal {
            Literal::Atom(_, terms) | Literal::Not(_, terms) => {
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
        Literal::Not(relation, terms) => {
            for term in terms {
                if let Term::Var(v) = term {
                    assert!(env[*v].is_some(), "a negated atom uses an unbound variable");
                }
            }
            // Every variable is bound, so `matches` only compares.
            if !db[*relation].iter().any(|row| matches(terms, row, env)) {
                solve(db, rest, env, emit);
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
        Expr::Plus(a, b) => {
            let (a, b) = pair(a, b);
            a + b
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
