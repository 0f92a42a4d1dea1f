//! The random program generator.
//!
//! Validity by construction: rules derive only into non-inputs, and `<-` only into tables; an
//! atom has its relation's arity; a body is built left to right keeping the set of bound
//! variables, and `if`, `let`, expression terms, negated atoms, aggregates and heads only use
//! variables in that set; `let` binds fresh variables; a body starts with a positive atom or
//! with a `let` of constants.
//!
//! Stratifiable by construction: every derived relation has a layer (inputs 0, derived
//! relations 1 and up, never decreasing in declaration order). A `<=` rule reads positively
//! only relations of its head's layer or below, and negates, or aggregates over, only
//! relations of a strictly lower layer; so every `<=` cycle stays within a layer, and no
//! negated or aggregated relation is in its reader's component. `<+`, `<+-` and `<-` rules
//! read anything: they do not order a tick.
//!
//! Keys: some tables have their first column as key, and get `<+-` rules where others get
//! `<+` rules. Nothing keeps their rows apart: a tick that gives a key two rows is rejected,
//! which the random tests check too.
//!
//! Termination: within a tick every value is a copy of a value the tick started with, a
//! constant below `MODULUS`, the result of arithmetic modulo `MODULUS` (or a min/max of such
//! values), or an aggregate over relations already complete; so every fixpoint is finite.
//! Across ticks, counts and sums can grow, so [`keep_small`] keeps the values Blossom computes
//! with in `u32`: a rule that reads a relation a count or sum may have reached multiplies
//! nothing and sums only values below `MODULUS`.

use super::ast::{
    Cond, Expr, HeadArg, INPUT_VALUES, Kind, Literal, MODULUS, Merge, Program, Relation, Rule,
    Term, Var,
};

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `percent`%.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() - 1)]
    }

    /// A constant: mostly one the inputs can hold, sometimes one only arithmetic makes.
    fn constant(&mut self) -> u32 {
        let top = if self.chance(80) {
            INPUT_VALUES
        } else {
            MODULUS
        };
        self.range(0, top as usize - 1) as u32
    }
}

/// The relations and their layers: what a new rule may read.
struct Schema<'a> {
    relations: &'a [Relation],
    layers: &'a [usize],
}

/// A rule to generate.
struct Shape {
    head: usize,
    merge: Merge,
    aggregate: bool,
    /// For a grounded rule: its first atom's relation.
    first: Option<usize>,
}

impl Schema<'_> {
    /// Whether a rule of `shape` may read `relation` in a positive atom.
    fn positive(&self, shape: &Shape, relation: usize) -> bool {
        let (r, h) = (self.layers[relation], self.layers[shape.head]);
        match (shape.merge, shape.aggregate) {
            (Merge::Now, false) => r <= h,
            (Merge::Now, true) => r < h,
            _ => true,
        }
    }

    /// Whether a rule of `shape` may negate `relation`.
    fn negatable(&self, shape: &Shape, relation: usize) -> bool {
        shape.merge != Merge::Now || self.layers[relation] < self.layers[shape.head]
    }
}

/// A random program.
pub fn program(rng: &mut Rng) -> Program {
    let mut relations = Vec::new();
    let inputs = rng.range(1, 2);
    for i in 0..inputs {
        let arity = rng.range(1, 3);
        let name = format!("in{i}");
        relations.push(Relation::new(&name, Kind::Input, arity));
    }
    let derived = rng.range(2, 4);
    let mut kinds: Vec<Kind> = (0..derived)
        .map(|_| rng.pick(&[Kind::Table, Kind::Scratch, Kind::Output]))
        .collect();
    if !kinds.contains(&Kind::Output) {
        let last = kinds.len() - 1;
        kinds[last] = Kind::Output;
    }
    let mut layers = vec![0; inputs];
    for (i, kind) in kinds.into_iter().enumerate() {
        let prefix = match kind {
            Kind::Table => "tab",
            Kind::Scratch => "scr",
            _ => "out",
        };
        let name = format!("{prefix}{}", inputs + i);
        let arity = rng.range(1, 3);
        // Some tables of two columns or more have a key: their first column.
        let key = (kind == Kind::Table && arity > 1 && rng.chance(50)).then_some(1);
        relations.push(Relation {
            key,
            ..Relation::new(&name, kind, arity)
        });
        let below = layers.last().copied().unwrap_or(0);
        layers.push(if i == 0 || rng.chance(35) {
            below + 1
        } else {
            below
        });
    }
    let schema = Schema {
        relations: &relations,
        layers: &layers,
    };
    // Every derived relation gets a grounded rule (rarely not, but the first output always):
    // its first atom reads an input or an earlier derived relation, so rows can flow from the
    // inputs to it. Then more rules, reading anything their layers allow: recursion, cycles,
    // negation, aggregation, and changes for the next tick.
    let first_output = (0..relations.len()).find(|&r| relations[r].kind == Kind::Output);
    let mut rules = Vec::new();
    for head in inputs..relations.len() {
        if Some(head) == first_output || !rng.chance(10) {
            // Sometimes an aggregate, over relations of lower layers only.
            let aggregate = rng.chance(25);
            let lower: Vec<usize> = (inputs..head)
                .filter(|&r| !aggregate || layers[r] < layers[head])
                .collect();
            let first = if lower.is_empty() || rng.chance(60) {
                rng.range(0, inputs - 1)
            } else {
                rng.pick(&lower)
            };
            let shape = Shape {
                head,
                merge: Merge::Now,
                aggregate,
                first: Some(first),
            };
            rules.push(rule(rng, &schema, &shape));
        }
        if relations[head].kind == Kind::Table && rng.chance(30) {
            for merge in [insert(&relations[head]), Merge::Delete] {
                let shape = Shape {
                    head,
                    merge,
                    aggregate: false,
                    first: None,
                };
                rules.push(rule(rng, &schema, &shape));
            }
        }
    }
    let total = rng.range(2, 8).max(rules.len());
    while rules.len() < total {
        let head = rng.range(inputs, relations.len() - 1);
        let roll = rng.range(0, 99);
        let has = |m: Merge| rules.iter().any(|r: &Rule| r.head == head && r.merge == m);
        let insert = insert(&relations[head]);
        let merge = match relations[head].kind {
            // A table that changes one way mostly gets the other way too.
            Kind::Table if has(insert) != has(Merge::Delete) && roll < 60 => match has(insert) {
                true => Merge::Delete,
                false => insert,
            },
            Kind::Table if roll < 20 => Merge::Delete,
            Kind::Table if roll < 40 => insert,
            _ if roll < 15 => Merge::Next,
            _ => Merge::Now,
        };
        let shape = Shape {
            head,
            merge,
            aggregate: rng.chance(22),
            first: None,
        };
        rules.push(rule(rng, &schema, &shape));
    }
    let mut program = Program { relations, rules };
    keep_small(&mut program);
    program
}

/// How rules insert into `relation` for the next tick: a keyed table's rows replace those with
/// their key (`<+-`); other relations' are added (`<+`).
fn insert(relation: &Relation) -> Merge {
    match relation.key {
        Some(_) => Merge::Upsert,
        None => Merge::Next,
    }
}

/// A rule of `shape`, its body built left to right with the variables bound so far. A grounded
/// rule is simple, to let rows flow: its first atom binds only fresh variables, and at most one
/// atom follows, over a relation declared before the head.
fn rule(rng: &mut Rng, schema: &Schema, shape: &Shape) -> Rule {
    let relations = schema.relations;
    let head = shape.head;
    let mut bound: Vec<Var> = Vec::new();
    let mut body = Vec::new();
    let simple = shape.first.is_some();
    let atoms = match simple {
        true => rng.pick(&[1, 1, 2]),
        false => rng.pick(&[1, 2, 2, 3]),
    };
    if !simple && rng.chance(8) {
        // A `let` before any atom: constants only; sometimes an `if` on it. (No negation here:
        // the planner would move it after the first atom anyway.)
        let var = bound.len();
        body.push(Literal::Let(vec![var], vec![expr(rng, &[], 1)]));
        bound.push(var);
        if rng.chance(50) {
            body.push(Literal::If(cond(rng, &bound)));
        }
    }
    for a in 0..atoms {
        let relation = match shape.first {
            Some(first) if a == 0 => first,
            // Only relations declared before the head: inputs and earlier grounded ones.
            Some(_) => {
                let before: Vec<usize> = (0..head).filter(|&r| schema.positive(shape, r)).collect();
                rng.pick(&before)
            }
            None if rng.chance(25) && schema.positive(shape, head) => head,
            None => {
                let allowed: Vec<usize> = (0..relations.len())
                    .filter(|&r| schema.positive(shape, r))
                    .collect();
                // An aggregate mostly over a derived relation, whose stratum must be complete
                // first; a deduction often over one of its head's layer, for recursion.
                let derived: Vec<usize> = (allowed.iter().copied())
                    .filter(|&r| relations[r].kind != Kind::Input)
                    .collect();
                let layer: Vec<usize> = (derived.iter().copied())
                    .filter(|&r| schema.layers[r] == schema.layers[head])
                    .collect();
                if shape.aggregate && !derived.is_empty() && rng.chance(60) {
                    rng.pick(&derived)
                } else if shape.merge == Merge::Now && !layer.is_empty() && rng.chance(40) {
                    rng.pick(&layer)
                } else {
                    rng.pick(&allowed)
                }
            }
        };
        let before = bound.len();
        let arity = relations[relation].arity;
        // A later atom joins with what came before more often than it makes a cross product.
        let join = (before > 0 && rng.chance(75)).then(|| rng.range(0, arity - 1));
        let mut terms = Vec::new();
        for column in 0..arity {
            let roll = match simple && a == 0 {
                true => rng.pick(&[30, 99, 99, 99, 99]),
                false => rng.range(0, 99),
            };
            let term = if before > 0 && (roll < 12 || join == Some(column)) {
                // Joins with an earlier atom, or compares with a `let`.
                Term::Var(bound[rng.range(0, before - 1)])
            } else if bound.len() > before && roll < 17 {
                // A variable repeated within the atom.
                Term::Var(bound[rng.range(before, bound.len() - 1)])
            } else if roll < 22 {
                Term::Const(rng.constant())
            } else if roll < 24 {
                Term::Named(rng.constant())
            } else if roll < 34 {
                Term::Wild
            } else if !bound.is_empty() && roll < 38 {
                Term::Expr(compound(rng, &bound))
            } else {
                let var = bound.len();
                bound.push(var);
                Term::Var(var)
            };
            terms.push(term);
        }
        body.push(Literal::Atom(relation, terms));
        if !bound.is_empty() && rng.chance(if simple { 10 } else { 20 }) {
            body.push(Literal::If(cond(rng, &bound)));
        }
        if rng.chance(if simple { 8 } else { 22 }) {
            let negated = negation(rng, schema, shape, &bound, &body);
            body.push(negated);
        }
        if !bound.is_empty() && rng.chance(20) {
            let width = if rng.chance(20) { 2 } else { 1 };
            let exprs: Vec<Expr> = (0..width).map(|_| expr(rng, &bound, 2)).collect();
            let vars: Vec<Var> = (0..width).map(|i| bound.len() + i).collect();
            bound.extend(&vars);
            body.push(Literal::Let(vars, exprs));
        }
    }
    let arity = relations[head].arity;
    let mut aggregates: Vec<bool> = (0..arity)
        .map(|_| shape.aggregate && rng.chance(45))
        .collect();
    if shape.aggregate && !aggregates.contains(&true) {
        aggregates[rng.range(0, arity - 1)] = true;
    }
    let args = (aggregates.into_iter())
        .map(|aggregate| match aggregate {
            true => self::aggregate(rng, &bound),
            false => HeadArg::Value(value(rng, &bound)),
        })
        .collect();
    Rule {
        head,
        merge: shape.merge,
        args,
        body,
    }
}

/// A head value: mostly a variable, later ones more often (they come from the later atoms and
/// `let`s), sometimes an expression or a constant.
fn value(rng: &mut Rng, bound: &[Var]) -> Expr {
    if bound.is_empty() || rng.chance(8) {
        Expr::Const(rng.constant())
    } else if rng.chance(15) {
        compound(rng, bound)
    } else {
        let late = rng.range(0, bound.len() - 1);
        Expr::Var(bound[rng.range(late, bound.len() - 1)])
    }
}

fn aggregate(rng: &mut Rng, bound: &[Var]) -> HeadArg {
    match rng.range(0, 5) {
        0 => HeadArg::Count,
        1 => HeadArg::Sum(value(rng, bound)),
        2 => HeadArg::Min(value(rng, bound)),
        3 => HeadArg::Max(value(rng, bound)),
        4 => HeadArg::ArgMin(value(rng, bound), value(rng, bound)),
        _ => HeadArg::ArgMax(value(rng, bound), value(rng, bound)),
    }
}

/// A negated atom over a relation `shape` may negate (an input at least), its terms over
/// `bound`. Mostly not over a relation the body read already: `r(x), !r(x)` never holds.
fn negation(
    rng: &mut Rng,
    schema: &Schema,
    shape: &Shape,
    bound: &[Var],
    body: &[Literal],
) -> Literal {
    let read: Vec<usize> = (body.iter())
        .filter_map(|l| match l {
            Literal::Atom(r, _) => Some(*r),
            _ => None,
        })
        .collect();
    let mut allowed: Vec<usize> = (0..schema.relations.len())
        .filter(|&r| schema.negatable(shape, r))
        .collect();
    if allowed.iter().any(|r| !read.contains(r)) && rng.chance(85) {
        allowed.retain(|r| !read.contains(r));
    }
    // Mostly a derived relation, whose stratum must be complete first.
    let derived: Vec<usize> = (allowed.iter().copied())
        .filter(|&r| schema.relations[r].kind != Kind::Input)
        .collect();
    let relation = match derived.is_empty() || rng.chance(30) {
        true => rng.pick(&allowed),
        false => rng.pick(&derived),
    };
    let terms = (0..schema.relations[relation].arity)
        .map(|_| {
            let roll = rng.range(0, 99);
            if !bound.is_empty() && roll < 50 {
                Term::Var(rng.pick(bound))
            } else if !bound.is_empty() && roll < 56 {
                Term::Expr(compound(rng, bound))
            } else if roll < 75 {
                Term::Const(rng.constant())
            } else if roll < 78 {
                Term::Named(rng.constant())
            } else {
                Term::Wild
            }
        })
        .collect();
    Literal::Not(relation, terms)
}

/// An expression over `bound` of depth at most `depth`.
fn expr(rng: &mut Rng, bound: &[Var], depth: usize) -> Expr {
    if depth == 0 || rng.chance(50) {
        if !bound.is_empty() && rng.chance(75) {
            Expr::Var(rng.pick(bound))
        } else {
            Expr::Const(rng.constant())
        }
    } else {
        let a = Box::new(expr(rng, bound, depth - 1));
        let b = Box::new(expr(rng, bound, depth - 1));
        match rng.range(0, 3) {
            0 => Expr::Add(a, b),
            1 => Expr::Mul(a, b),
            2 => Expr::Min(a, b),
            _ => Expr::Max(a, b),
        }
    }
}

/// An expression that is not a lone variable or constant (those would read as terms of their
/// own in an atom), using at least one variable of `bound`.
fn compound(rng: &mut Rng, bound: &[Var]) -> Expr {
    let a = Box::new(Expr::Var(rng.pick(bound)));
    let b = Box::new(expr(rng, bound, 1));
    match rng.range(0, 3) {
        0 => Expr::Add(a, b),
        1 => Expr::Mul(a, b),
        2 => Expr::Min(a, b),
        _ => Expr::Max(a, b),
    }
}

fn cond(rng: &mut Rng, bound: &[Var]) -> Cond {
    let a = Expr::Var(rng.pick(bound));
    let b = expr(rng, bound, 1);
    match rng.range(0, 4) {
        0 => Cond::Lt(a, b),
        1 => Cond::Le(a, b),
        2 => Cond::Eq(a, b),
        3 => Cond::Ne(a, b),
        _ => Cond::Even(if rng.chance(50) {
            a
        } else {
            compound(rng, bound)
        }),
    }
}

/// Keeps every value Blossom computes within `u32`. A relation is big if a count or a sum
/// derives into it, or a rule reading a big one (positively) does. A count is at most the
/// number of matches; a sum of values below `MODULUS` at most `MODULUS` times that; so in a
/// rule that reads a big relation, `*` becomes `+` (both modulo `MODULUS`), and a sum adds up
/// its expression modulo `MODULUS`. (The reference enumerates every match, so a test that
/// finishes has far fewer than `u32::MAX / MODULUS` of them.)
fn keep_small(program: &mut Program) {
    let mut big = vec![false; program.relations.len()];
    let reads_big = |rule: &Rule, big: &[bool]| {
        (rule.body.iter()).any(|l| matches!(l, Literal::Atom(r, _) if big[*r]))
    };
    loop {
        let mut changed = false;
        for rule in &program.rules {
            let counts = (rule.args.iter()).any(|a| matches!(a, HeadArg::Count | HeadArg::Sum(_)));
            if (counts || reads_big(rule, &big)) && !big[rule.head] {
                big[rule.head] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for rule in &mut program.rules {
        if !reads_big(rule, &big) {
            continue;
        }
        let terms = |terms: &mut Vec<Term>| {
            for term in terms {
                if let Term::Expr(e) = term {
                    no_mul(e);
                }
            }
        };
        for literal in &mut rule.body {
            match literal {
                Literal::Atom(_, ts) | Literal::Not(_, ts) => terms(ts),
                Literal::If(Cond::Even(a)) => no_mul(a),
                Literal::If(Cond::Lt(a, b) | Cond::Le(a, b) | Cond::Eq(a, b) | Cond::Ne(a, b)) => {
                    no_mul(a);
                    no_mul(b);
                }
                Literal::Let(_, exprs) => exprs.iter_mut().for_each(no_mul),
            }
        }
        for arg in &mut rule.args {
            match arg {
                HeadArg::Count => {}
                HeadArg::Value(e) | HeadArg::Min(e) | HeadArg::Max(e) => no_mul(e),
                HeadArg::ArgMin(v, w) | HeadArg::ArgMax(v, w) => {
                    no_mul(v);
                    no_mul(w);
                }
                HeadArg::Sum(e) => {
                    no_mul(e);
                    if !matches!(e, Expr::Add(..)) {
                        let whole = std::mem::replace(e, Expr::Const(0));
                        *e = Expr::Add(Box::new(whole), Box::new(Expr::Const(0)));
                    }
                }
            }
        }
    }
}

/// `expr` with every `(a * b) % M` turned into `(a + b) % M`.
fn no_mul(expr: &mut Expr) {
    match expr {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Mul(a, b) => {
            no_mul(a);
            no_mul(b);
            let (a, b) = (a.clone(), b.clone());
            *expr = Expr::Add(a, b);
        }
        Expr::Add(a, b) | Expr::Min(a, b) | Expr::Max(a, b) | Expr::Plus(a, b) => {
            no_mul(a);
            no_mul(b);
        }
    }
}
