//! Stage 4: how each rule runs, as a pipeline of stages over arranged relations.
//!
//! A rule's atoms run in the order written: the first is scanned, each later one is joined on
//! the variables it shares with what came before (a cross product if none). Every stage keeps
//! only the variables that later stages or the head still need. The right-hand side of a join
//! is an index — a relation arranged by some columns, filtered by its constants — and a
//! stratum builds each distinct index once and shares it among its rules.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::{Expr, Type};

use crate::analysis::Analysis;
use crate::parse::Merge;
use crate::resolve::{Hir, Item, RuleHir, Slot, SpannedType, VarId};

/// The plan of a whole program, stratum by stratum.
pub struct Plan<'p> {
    pub strata: Vec<StratumPlan<'p>>,
    /// The `<+` and `<-` rules, run over the tick's final relations.
    pub transition: TransitionPlan<'p>,
    /// The relations whose rows carry over into the next tick: tables, and any relation a
    /// `<+` rule derives into.
    pub carried: Vec<usize>,
}

/// The rules that decide what the next tick starts from.
pub struct TransitionPlan<'p> {
    /// The relations its rules read, and the tables whose rows carry over.
    pub reads: Vec<usize>,
    pub indexes: Vec<IndexPlan<'p>>,
    pub rules: Vec<RulePlan<'p>>,
}

/// The plan of one stratum.
pub struct StratumPlan<'p> {
    /// The relations the stratum defines.
    pub relations: Vec<usize>,
    pub recursive: bool,
    /// Relations of earlier strata (or inputs) that the stratum's rules read.
    pub reads: Vec<usize>,
    pub indexes: Vec<IndexPlan<'p>>,
    pub rules: Vec<RulePlan<'p>>,
}

/// A relation arranged by `key` columns, keeping `vals` columns of the rows that pass `filters`.
pub struct IndexPlan<'p> {
    pub relation: usize,
    pub key: Vec<usize>,
    pub vals: Vec<usize>,
    pub filters: Vec<Filter<'p>>,
    /// Columns converted to the type of the variable they meet (see `resolve::TypeCheck`).
    pub coerce: Coercions<'p>,
    /// The distinct keys only, for a negation to test against.
    pub keys_only: bool,
}

/// Columns of an atom whose type is spelled unlike the variable's they meet: (column, the
/// variable's type, the column's type spanned at the variable).
pub type Coercions<'p> = Vec<(usize, Type, SpannedType<'p>)>;

/// A test on one row of a relation, independent of other atoms.
pub enum Filter<'p> {
    /// Two columns hold the same value (a variable repeated within one atom).
    Same(usize, usize),
    /// A column equals a constant.
    Const(usize, &'p Expr),
}

/// The stages of one rule.
pub struct RulePlan<'p> {
    pub rule: usize,
    pub stages: Vec<Stage<'p>>,
    /// For a rule marked `#[device]`, the code of its one stage (`codegen::device`).
    pub device: Option<proc_macro2::TokenStream>,
}

/// One atom of a rule and the work done right after it.
pub struct Stage<'p> {
    /// The atom's position in the rule body.
    pub item: usize,
    pub relation: usize,
    /// The index joined with, or `None` for the first stage, which scans the relation.
    pub index: Option<usize>,
    /// A negated atom: the stage keeps the rows whose key its index does not hold.
    pub negated: bool,
    /// The variables the stage's closure uses: for later stages, its items, its checks.
    pub wanted: BTreeSet<VarId>,
    /// The key tuple (joins and negations only), in order.
    pub key: Vec<KeyPart<'p>>,
    /// Variables of the value tuple carried from the previous stage (joins only), in order.
    pub left: Vec<VarId>,
    /// The columns read from the atom's row (a scan) or from its index's values (a join).
    pub columns: Vec<(usize, Use)>,
    /// Row filters of a scan (a join's filters live in its index).
    pub filters: Vec<Filter<'p>>,
    /// Column conversions of the atom (see [`IndexPlan::coerce`]).
    pub coerce: Coercions<'p>,
    /// Body items (`if`, `let`) written before the first atom (first stage only).
    pub leading: Vec<usize>,
    /// Body items (`if`, `let`) written after this atom and before the next.
    pub trailing: Vec<usize>,
    /// The next stage's key and value variables, or `None` when this stage builds the head.
    pub next: Option<(Vec<KeyPart<'p>>, Vec<VarId>)>,
}

/// One component of a join or negation key.
#[derive(Clone, Copy)]
pub enum KeyPart<'p> {
    /// A variable's value.
    Var(VarId),
    /// An expression over variables bound before (a negated atom's constant column).
    Expr(&'p Expr),
}

impl KeyPart<'_> {
    pub fn var(&self) -> Option<VarId> {
        match self {
            KeyPart::Var(var) => Some(*var),
            KeyPart::Expr(_) => None,
        }
    }
}

/// What a stage does with a column it reads.
pub enum Use {
    /// Binds a variable.
    Bind(VarId),
    /// Compares the column with the atom's term there: a variable bound by a leading `let`, or
    /// an expression over variables bound before.
    Check,
}

/// Plans every stratum of an analysed program.
pub fn plan<'p>(hir: &Hir<'p>, analysis: &Analysis) -> Plan<'p> {
    let strata = analysis
        .strata
        .iter()
        .map(|stratum| {
            let mut indexes = Vec::new();
            let rules = stratum
                .rules
                .iter()
                .map(|&rule| plan_rule(rule, &hir.rules[rule], &mut indexes))
                .collect();
            let reads: BTreeSet<usize> = analysis
                .edges
                .iter()
                .filter(|e| {
                    e.merge == Merge::Now
                        && stratum.relations.contains(&e.to)
                        && !stratum.relations.contains(&e.from)
                })
                .map(|e| e.from)
                .collect();
            StratumPlan {
                relations: stratum.relations.clone(),
                recursive: stratum.recursive,
                reads: reads.into_iter().collect(),
                indexes,
                rules,
            }
        })
        .collect();
    let carried: Vec<usize> = (0..hir.relations.len())
        .filter(|&r| {
            hir.relations[r].kind.persists()
                || hir.rules.iter().any(|rule| {
                    rule.head == r
                        && matches!(rule.rule.merge, Merge::Next | Merge::Upsert | Merge::Async)
                })
        })
        .collect();
    let mut indexes = Vec::new();
    let rules = analysis
        .temporal
        .iter()
        .map(|&rule| plan_rule(rule, &hir.rules[rule], &mut indexes))
        .collect();
    let mut reads: BTreeSet<usize> = analysis
        .edges
        .iter()
        .filter(|e| e.merge != Merge::Now)
        .map(|e| e.from)
        .collect();
    reads.extend(
        carried
            .iter()
            .filter(|&&r| hir.relations[r].kind.persists()),
    );
    Plan {
        strata,
        transition: TransitionPlan {
            reads: reads.into_iter().collect(),
            indexes,
            rules,
        },
        carried,
    }
}

/// The variables an item reads.
fn item_uses(item: &Item) -> BTreeSet<VarId> {
    match item {
        Item::If { uses, .. } | Item::Let { uses, .. } => uses.clone(),
        Item::Atom { slots, .. } => slots
            .iter()
            .flat_map(|slot| match slot {
                Slot::Equal(var) => BTreeSet::from([*var]),
                Slot::Const { uses, .. } => uses.clone(),
                Slot::Wild | Slot::Bind(_) => BTreeSet::new(),
            })
            .collect(),
    }
}

/// The variables an item binds.
fn item_binds(item: &Item) -> Vec<VarId> {
    match item {
        Item::If { .. } => Vec::new(),
        Item::Let { binds, .. } => binds.clone(),
        Item::Atom { slots, .. } => slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Bind(var) => Some(*var),
                _ => None,
            })
            .collect(),
    }
}

/// An atom's key: for a join, the variables it shares with earlier items, in column order; for
/// a negation, every column it tests (variables and constants alike).
fn key_of<'p>(slots: &[Slot<'p>], negated: bool) -> Vec<KeyPart<'p>> {
    let mut key = Vec::new();
    for slot in slots {
        match slot {
            Slot::Equal(var) if negated => key.push(KeyPart::Var(*var)),
            Slot::Const { expr, .. } if negated => key.push(KeyPart::Expr(expr)),
            Slot::Equal(var) => {
                let bound_here = slots.iter().any(|s| matches!(s, Slot::Bind(v) if v == var));
                if !bound_here && !key.iter().any(|k| k.var() == Some(*var)) {
                    key.push(KeyPart::Var(*var));
                }
            }
            _ => {}
        }
    }
    key
}

/// The key of the atom at `item`, a body position holding an atom.
fn atom_key<'p>(rule: &RuleHir<'p>, item: usize) -> Vec<KeyPart<'p>> {
    match &rule.items[item] {
        Item::Atom { slots, negated, .. } => key_of(slots, *negated),
        _ => Vec::new(),
    }
}

fn plan_rule<'p>(
    index: usize,
    rule: &RuleHir<'p>,
    indexes: &mut Vec<IndexPlan<'p>>,
) -> RulePlan<'p> {
    let atoms: Vec<usize> = (0..rule.items.len())
        .filter(|&i| matches!(rule.items[i], Item::Atom { .. }))
        .collect();
    // needed[i]: the variables that the items from position i on, or the head, read.
    let mut needed = vec![rule.head_uses.clone(); rule.items.len() + 1];
    for i in (0..rule.items.len()).rev() {
        needed[i] = needed[i + 1]
            .union(&item_uses(&rule.items[i]))
            .copied()
            .collect();
    }
    let mut bound = BTreeSet::new();
    let mut left = Vec::new();
    let mut stages = Vec::new();
    for (k, &item) in atoms.iter().enumerate() {
        let Item::Atom {
            relation,
            slots,
            negated,
        } = &rule.items[item]
        else {
            continue;
        };
        let negated = *negated;
        let end = atoms.get(k + 1).copied().unwrap_or(rule.items.len());
        let leading: Vec<usize> = if k == 0 {
            (0..item).collect()
        } else {
            Vec::new()
        };
        let trailing: Vec<usize> = (item + 1..end).collect();
        for &i in leading.iter().chain([item].iter()).chain(&trailing) {
            bound.extend(item_binds(&rule.items[i]));
        }
        // What this stage must bind: what later stages need, and what its own items read.
        let mut wanted = needed[end].clone();
        for &i in leading.iter().chain(&trailing) {
            wanted.extend(item_uses(&rule.items[i]));
        }
        // A join checks its constant expressions in its own closure; a negation's are part of
        // the key, computed by the stage before it.
        for slot in slots.iter().filter(|_| !negated) {
            if let Slot::Const { uses, .. } = slot {
                wanted.extend(uses);
            }
        }
        let key = if k == 0 {
            Vec::new()
        } else {
            atom_key(rule, item)
        };
        let mut key_columns = Vec::new();
        let mut columns = Vec::new();
        let mut filters = Vec::new();
        if negated {
            // Every tested column is in the key; the index holds the distinct keys.
            key_columns.extend((0..slots.len()).filter(|&c| !matches!(slots[c], Slot::Wild)));
        }
        for (column, slot) in slots.iter().enumerate().filter(|_| !negated) {
            let first = |var: &VarId| {
                slots
                    .iter()
                    .position(|s| matches!(s, Slot::Bind(v) | Slot::Equal(v) if v == var))
            };
            match slot {
                Slot::Wild => {}
                Slot::Bind(var) => {
                    if wanted.contains(var) {
                        columns.push((column, Use::Bind(*var)));
                    }
                }
                Slot::Equal(var) => match first(var) {
                    Some(earlier) if earlier < column => {
                        filters.push(Filter::Same(earlier, column))
                    }
                    _ if key.iter().any(|k| k.var() == Some(*var)) => key_columns.push(column),
                    _ => columns.push((column, Use::Check)),
                },
                Slot::Const { expr, uses } if uses.is_empty() => {
                    filters.push(Filter::Const(column, expr))
                }
                Slot::Const { .. } => columns.push((column, Use::Check)),
            }
        }
        let next = atoms.get(k + 1).map(|&next| {
            let next_key = atom_key(rule, next);
            let vals: Vec<VarId> = needed[end]
                .iter()
                .copied()
                .filter(|v| bound.contains(v) && !next_key.iter().any(|k| k.var() == Some(*v)))
                .collect();
            (next_key, vals)
        });
        let coerce: Coercions<'p> = rule
            .type_checks
            .iter()
            .filter(|check| check.item == item)
            .map(|check| (check.column, check.first.clone(), check.second))
            .collect();
        let (index, filters, coerce) = if k == 0 {
            (None, filters, coerce)
        } else {
            let vals = columns.iter().map(|&(column, _)| column).collect();
            let plan = IndexPlan {
                relation: *relation,
                key: key_columns,
                vals,
                filters,
                coerce,
                keys_only: negated,
            };
            (Some(intern(indexes, plan)), Vec::new(), Vec::new())
        };
        let carried_left = std::mem::replace(
            &mut left,
            next.as_ref().map(|n| n.1.clone()).unwrap_or_default(),
        );
        stages.push(Stage {
            item,
            relation: *relation,
            index,
            negated,
            wanted,
            key,
            left: carried_left,
            columns,
            filters,
            coerce,
            leading,
            trailing,
            next,
        });
    }
    RulePlan {
        rule: index,
        stages,
        device: None,
    }
}

/// Adds `plan` to `indexes` unless an identical index is there already; returns its position.
fn intern<'p>(indexes: &mut Vec<IndexPlan<'p>>, plan: IndexPlan<'p>) -> usize {
    let signature = |p: &IndexPlan| {
        let filters: Vec<String> = p
            .filters
            .iter()
            .map(|f| match f {
                Filter::Same(a, b) => format!("{a}={b}"),
                Filter::Const(c, e) => format!("{c}={}", e.to_token_stream()),
            })
            .collect();
        let coerce: Vec<String> = p
            .coerce
            .iter()
            .map(|(c, first, _)| format!("{c}:{}", first.to_token_stream()))
            .collect();
        (
            p.relation,
            p.key.clone(),
            p.vals.clone(),
            filters,
            coerce,
            p.keys_only,
        )
    };
    let wanted = signature(&plan);
    if let Some(found) = indexes.iter().position(|p| signature(p) == wanted) {
        return found;
    }
    indexes.push(plan);
    indexes.len() - 1
}
