//! Recursive strata that run as a semi-naive fixpoint (`rt::fixpoint`, or `rt::retract` when an
//! input may lose rows) rather than as a differential `iterate`: which ones may, how their rows
//! are partitioned, and their code.
//!
//! A stratum may when its rules are positive (no negation or aggregate), nothing deletes from
//! its relations, and its rules use its lattices' values monotonically (the CALM analysis's
//! edges). If every relation it reads only gains rows from tick to tick (see [`growing`]), its
//! relations only grow (`rt::fixpoint`); otherwise it also deletes (`rt::retract`), which needs
//! a support for every rule (`super::support`) and no lattice or table of its own. Differential
//! keeps every other stratum.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::stratum::{Parts, definitions, prev_local, variable_local};
use super::{internal, relation_local, row_type, rule};
use crate::calm::Calm;
use crate::parse::{Kind, Merge, variable};
use crate::plan::StratumPlan;
use crate::resolve::{Hir, Item, Slot};

/// How a semi-naive stratum runs: how its rows are spread over workers (for each of its
/// relations, in the stratum's order, the column whose value picks the worker, or `None` for
/// worker 0), and whether its inputs may lose rows (`rt::retract`, on worker 0), with the code
/// of its rules' supports.
pub(crate) struct SemiNaive {
    pub partition: Option<Vec<usize>>,
    pub supports: Option<super::support::Supports>,
}

/// Whether recursive stratum `stratum` runs semi-naively, and how.
pub(crate) fn semi_naive(hir: &Hir, calm: &Calm, stratum: &StratumPlan) -> Option<SemiNaive> {
    let lattice = |r: usize| hir.relations[r].kind == Kind::Lattice;
    let eligible = stratum.recursive
        // A keyed program can reject a tick, and a rejected tick's rows are taken back.
        && hir.relations.iter().all(|d| d.key.is_none())
        && stratum.relations.iter().all(|&r| keeps_rows(hir, r))
        // A rule may read a lattice value it has since outgrown (rounds keep every row an
        // index was given): harmless only if what it derives from it is outgrown too.
        && (calm.edges.iter())
            .filter(|edge| lattice(edge.from) && stratum.relations.contains(&edge.to))
            .all(|edge| edge.monotone() && !edge.view)
        && stratum.rules.iter().all(|plan| {
            let rule = &hir.rules[plan.rule];
            rule.rule.merge == Merge::Now
                && !rule.aggregates()
                && plan.stages.iter().all(|stage| !stage.negated)
        });
    if !eligible {
        return None;
    }
    if (stratum.reads.iter()).all(|&r| growing(hir, r, &mut Vec::new())) {
        return Some(SemiNaive {
            partition: partition(hir, stratum),
            supports: None,
        });
    }
    // An input may lose rows: rows keep a level and rules a support, which a lattice's
    // values (replaced as they grow) and a table's rows (kept without a derivation) lack.
    let plain = (stratum.relations.iter().chain(&stratum.reads)).all(|&r| !lattice(r))
        && (stratum.relations.iter()).all(|&r| hir.relations[r].kind != Kind::Table);
    let supports = super::support::supports(hir, stratum).filter(|_| plain)?;
    Some(SemiNaive {
        partition: None,
        supports: Some(supports),
    })
}

/// Whether relation `r` never loses a row from one tick to the next: nothing deletes or
/// replaces its rows, and it is a table, or no rule adds rows for the next tick only.
fn keeps_rows(hir: &Hir, r: usize) -> bool {
    let table = hir.relations[r].kind == Kind::Table;
    hir.rules.iter().filter(|rule| rule.head == r).all(|rule| {
        !matches!(rule.rule.merge, Merge::Delete | Merge::Upsert)
            && (table || rule.rule.merge == Merge::Now)
    })
}

/// Whether every row relation `r` holds at a tick it still holds at the next: a table nothing
/// deletes from, or a relation derived by positive rules from such relations. `visiting`
/// holds the relations whose answer is being worked out (a cycle of positive rules grows).
fn growing(hir: &Hir, r: usize, visiting: &mut Vec<usize>) -> bool {
    if visiting.contains(&r) {
        return true;
    }
    match hir.relations[r].kind {
        Kind::Table => keeps_rows(hir, r),
        Kind::Scratch | Kind::Output if keeps_rows(hir, r) => {
            visiting.push(r);
            let grows = hir.rules.iter().filter(|rule| rule.head == r).all(|rule| {
                !rule.aggregates()
                    && rule.items.iter().all(|item| match item {
                        Item::Atom {
                            relation, negated, ..
                        } => !negated && growing(hir, *relation, visiting),
                        _ => true,
                    })
            });
            visiting.pop();
            grows
        }
        _ => false,
    }
}

/// A column for each relation of the stratum such that every rule reading a relation of the
/// stratum derives its head's column from the same variable as each such atom's column: then
/// every derivation of a row happens where its column's value lives, and workers need not
/// exchange rows between rounds. The first such choice, or `None`.
fn partition(hir: &Hir, stratum: &StratumPlan) -> Option<Vec<usize>> {
    let relations = &stratum.relations;
    // Not a lattice's value: it changes, and its row's worker with it.
    let arities: Vec<usize> = (relations.iter())
        .map(|&r| {
            let decl = hir.relations[r];
            decl.columns.len() - usize::from(decl.kind == Kind::Lattice)
        })
        .collect();
    let choices = arities.iter().try_fold(1usize, |n, &a| n.checked_mul(a))?;
    (0..choices.min(4096))
        .map(|mut n| {
            (arities.iter())
                .map(|&a| {
                    let column = n % a;
                    n /= a;
                    column
                })
                .collect::<Vec<usize>>()
        })
        .find(|columns| {
            let column_of = |r: usize| {
                let at = relations.iter().position(|&s| s == r)?;
                Some(columns[at])
            };
            stratum.rules.iter().all(|plan| {
                let rule = &hir.rules[plan.rule];
                let Some(head_column) = column_of(rule.head) else {
                    return false;
                };
                // The variable the head's column is: a plain variable bound once by the body.
                let head = (rule.rule.head.args.get(head_column)).and_then(variable);
                let head_vars: Vec<usize> = (0..rule.vars.len())
                    .filter(|&v| head.is_some_and(|ident| rule.vars[v].ident == *ident))
                    .collect();
                rule.items.iter().all(|item| match item {
                    Item::Atom {
                        relation, slots, ..
                    } => match column_of(*relation) {
                        None => true,
                        Some(column) => match (head_vars.as_slice(), slots.get(column)) {
                            ([var], Some(Slot::Bind(v) | Slot::Equal(v))) => v == var,
                            _ => false,
                        },
                    },
                    _ => true,
                })
            })
        })
}

/// The indexes that hold their relation's rows (`rt::fixpoint::Variable::index_by`): for each
/// relation of the stratum, the first index over it that keeps every column, so that its rows
/// are kept once, in the order a join reads them, rather than twice. Each with the `|key, vals|
/// row` closure that undoes it.
#[derive(Default)]
pub(crate) struct Stores {
    /// By position in the stratum's index plans.
    pub indexes: BTreeMap<usize, TokenStream>,
    /// By rule, for a rule whose first stage is such an index.
    pub rules: BTreeMap<usize, TokenStream>,
}

fn stores(hir: &Hir, stratum: &StratumPlan) -> Stores {
    let mut stored: Vec<usize> = Vec::new();
    let mut stores = Stores::default();
    // A lattice keeps one value per key, which an index of rows cannot hold.
    let mut holds = |relation: usize| {
        let fresh = stratum.relations.contains(&relation)
            && hir.relations[relation].kind != Kind::Lattice
            && !stored.contains(&relation);
        if fresh {
            stored.push(relation);
        }
        fresh
    };
    for (position, plan) in stratum.indexes.iter().enumerate() {
        if let Some(inverse) = rule::index_inverse(hir, plan).filter(|_| holds(plan.relation)) {
            stores.indexes.insert(position, inverse);
        }
    }
    for plan in &stratum.rules {
        let Some(stage) = plan.stages.first() else {
            continue;
        };
        if let Some(inverse) = rule::stage_inverse(hir, stage).filter(|_| holds(stage.relation)) {
            stores.rules.insert(plan.rule, inverse);
        }
    }
    stores
}

/// The body of a semi-naive stratum's function: one `rt::fixpoint` operator whose inputs are
/// the relations the stratum reads (and its tables' rows from the last tick), and whose
/// outputs are its relations' changes.
pub(crate) fn body(
    hir: &Hir,
    stratum: &StratumPlan,
    carried: &[usize],
    semi_naive: &SemiNaive,
) -> TokenStream {
    let (owned, fixpoint) = (internal("fixpoint_owned"), internal("fixpoint"));
    // A stratum that retracts keeps its rows in hash maps, not in the indexes.
    let (rt, stores) = match &semi_naive.supports {
        None => (quote!(::blossom::rt::fixpoint), stores(hir, stratum)),
        Some(_) => (quote!(::blossom::rt::retract), Stores::default()),
    };
    let scope = internal("scope");
    let row = internal("row");
    let partitioned = semi_naive.partition.is_some();
    let defined: Vec<_> = (stratum.relations.iter())
        .map(|&r| relation_local(hir.relations[r]))
        .collect();
    let variables = stratum.relations.iter().enumerate().map(|(i, &r)| {
        let decl = hir.relations[r];
        let (var, local, row_ty) = (variable_local(decl), relation_local(decl), row_type(decl));
        let owner = match &semi_naive.partition {
            Some(columns) => {
                let place = if decl.columns.len() == 1 {
                    quote!((*#row))
                } else {
                    let column = syn::Index::from(columns[i]);
                    quote!(#row.#column)
                };
                quote!(::core::option::Option::Some(|#row: &#row_ty| #rt::hash(&#place)))
            }
            None => quote!(::core::option::Option::None),
        };
        quote!(let (#var, #local) = #fixpoint.recursive::<#row_ty>(#owner);)
    });
    let inputs = stratum.reads.iter().map(|&r| {
        let local = relation_local(hir.relations[r]);
        quote!(let #local = #fixpoint.input(#local);)
    });
    // The operator keeps a lattice's values from tick to tick itself: the last tick's values,
    // which shrink as well as grow (a value replaced), are not an input of it.
    let lattice = |r: &usize| hir.relations[*r].kind == Kind::Lattice;
    let prevs = carried.iter().map(|r| {
        let prev = prev_local(hir.relations[*r]);
        match lattice(r) {
            true => quote!(let _ = #prev;),
            false => quote!(let #prev = #fixpoint.input(&#prev);),
        }
    });
    let carried: Vec<usize> = carried.iter().copied().filter(|r| !lattice(r)).collect();
    let definitions = definitions(
        hir,
        &stratum.indexes,
        &stratum.rules,
        &stratum.relations,
        Parts::Stratum(&carried, Some(&stores)),
        &fixpoint,
        &rt,
        None,
    );
    let supports = semi_naive.supports.as_ref().map(|s| &s.code);
    let sets = stratum.relations.iter().map(|&r| {
        let decl = hir.relations[r];
        let (var, local) = (variable_local(decl), relation_local(decl));
        quote!(#var.set(#local);)
    });
    let outputs = stratum.relations.iter().map(|&r| {
        let var = variable_local(hir.relations[r]);
        quote!(#var.output())
    });
    quote! {
        let #owned = #rt::Fixpoint::new(#scope, #partitioned);
        let #fixpoint = &#owned;
        #(#variables)*
        #(#inputs)*
        #(#prevs)*
        #definitions
        #supports
        #(#sets)*
        let (#(#defined,)*) = (#(#outputs,)*);
        #owned.build();
    }
}
