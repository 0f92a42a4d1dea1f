//! Supports: for each rule of a stratum that retracts (`rt::retract`), code that looks for a
//! derivation of a given head row among the rows present below a level.
//!
//! A rule is read backwards: the head's plain variables are bound from the row, then the
//! body's atoms are visited in the order that binds the most columns before each one is read
//! (an atom whose columns are all bound is a membership test, any other a lookup by its bound
//! columns), each `if` and `let` as soon as what it uses is bound. Once every atom has a row,
//! the head is computed as the rule computes it and compared with the given row, which checks
//! what the head's expressions and repeated variables require.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::stratum::variable_local;
use super::{internal, relation_local, row_type, rule};
use crate::parse::variable;
use crate::plan::StratumPlan;
use crate::resolve::{Hir, Item, RuleHir, Slot, VarId};

/// How a support reads one atom's relation: by the columns bound before it (`None`: all of
/// them, a membership test).
type Access = (usize, Option<Vec<usize>>);

/// One step of a rule read backwards.
enum Step {
    /// Atom `item`, read through `access`: its key's values, the variables its row binds (by
    /// column), and the columns that must equal a variable bound earlier in the same row.
    Atom {
        access: Access,
        key: Vec<TokenStream>,
        binds: Vec<(usize, VarId)>,
        checks: Vec<(usize, VarId)>,
    },
    /// An `if` or a `let`.
    Item(usize),
}

/// The supports of a stratum's rules: the code that gives each relation its rules' supports,
/// and for `explain`, each rule's support in words (by rule).
pub(crate) struct Supports {
    pub code: TokenStream,
    pub plans: BTreeMap<usize, String>,
}

/// The supports of `stratum`'s rules, or `None` if a rule cannot be read backwards (every
/// variable of a `let` and every expression of an atom must be computable once the variables
/// they use are bound, whatever the order).
pub(crate) fn supports(hir: &Hir, stratum: &StratumPlan) -> Option<Supports> {
    let plans: Vec<(usize, Vec<Step>)> = (stratum.rules.iter())
        .map(|plan| Some((plan.rule, order(hir, &hir.rules[plan.rule], stratum)?)))
        .collect::<Option<_>>()?;
    let mut accesses: BTreeMap<Access, proc_macro2::Ident> = BTreeMap::new();
    for (_, steps) in &plans {
        for step in steps {
            if let Step::Atom { access, .. } = step {
                let next = internal(&format!("access_{}", accesses.len()));
                accesses.entry(access.clone()).or_insert(next);
            }
        }
    }
    let rt = quote!(::blossom::rt::retract);
    let held = |relation: usize| {
        let decl = hir.relations[relation];
        if stratum.relations.contains(&relation) {
            variable_local(decl)
        } else {
            relation_local(decl)
        }
    };
    let created = accesses.iter().map(|((relation, columns), local)| {
        let decl = hir.relations[*relation];
        let (rel, row, row_ty) = (held(*relation), internal("row"), row_type(decl));
        match columns {
            None => quote!(let #local = #rt::member(&#rel);),
            Some(columns) => {
                let arity = decl.columns.len();
                let key = columns.iter().map(|&c| {
                    let place = place(arity, c, &row);
                    quote!(::core::clone::Clone::clone(&#place))
                });
                quote!(let #local = #rt::lookup(&#rel, move |#row: &#row_ty| (#(#key,)*));)
            }
        }
    });
    let registered = plans.iter().map(|(index, steps)| {
        let rule = &hir.rules[*index];
        let decl = hir.relations[rule.head];
        let (var, head, below) = (variable_local(decl), internal("head"), internal("below"));
        let row_ty = row_type(decl);
        let arity = decl.columns.len();
        // The innermost step: the head, computed from the body's rows, is the row given.
        let derived = internal("derived");
        let head_code = rule::head(hir, rule);
        let mut code = quote! {
            let #derived: ::core::option::Option<#row_ty> = { #head_code };
            (#derived.as_ref() == ::core::option::Option::Some(#head)).then_some(())
        };
        for step in steps.iter().rev() {
            code = match step {
                Step::Item(item) => {
                    let item = rule::item(rule, *item);
                    quote!({ #item #code })
                }
                Step::Atom {
                    access,
                    key,
                    binds,
                    checks,
                } => {
                    let local = &accesses[access];
                    let atom = hir.relations[access.0];
                    let atom_arity = atom.columns.len();
                    if access.1.is_none() {
                        let row = match key.as_slice() {
                            [only] if atom_arity == 1 => quote!(#only),
                            _ => quote!((#(#key,)*)),
                        };
                        quote!({ #local.has(&#row, #below)?; #code })
                    } else {
                        let (row, atom_ty) = (internal("row"), row_type(atom));
                        let binds = binds.iter().map(|&(c, v)| {
                            rule::bind(rule, v, place(atom_arity, c, &row))
                        });
                        let checks = checks.iter().map(|&(c, v)| {
                            let (place, ident) = (place(atom_arity, c, &row), &rule.vars[v].ident);
                            quote!(if #place != #ident { return ::core::option::Option::None; })
                        });
                        quote! {
                            #local.any(&(#(#key,)*), #below, |#row: &#atom_ty| {
                                #(#binds)*
                                #(#checks)*
                                #code
                            })
                        }
                    }
                }
            };
        }
        let bound = head_bound(rule);
        let binds = bound
            .iter()
            .map(|&(c, v)| rule::bind(rule, v, place(arity, c, &head)));
        // Each support owns a handle on the accesses it reads; rules share the accesses.
        let used: BTreeSet<&proc_macro2::Ident> = (steps.iter())
            .filter_map(|step| match step {
                Step::Atom { access, .. } => Some(&accesses[access]),
                Step::Item(_) => None,
            })
            .collect();
        let used = used.into_iter();
        quote! {
            {
                #(let #used = ::core::clone::Clone::clone(&#used);)*
                #var.support(move |#head: &#row_ty, #below: #rt::Level| -> ::core::option::Option<()> {
                    #(#binds)*
                    #code
                });
            }
        }
    });
    let plans = (plans.iter())
        .map(|(rule, steps)| (*rule, described(hir, steps)))
        .collect();
    Some(Supports {
        code: quote! {
            #(#created)*
            #(#registered)*
        },
        plans,
    })
}

/// A support in words: `look up link by (dst), then test path`.
fn described(hir: &Hir, steps: &[Step]) -> String {
    let atoms: Vec<String> = (steps.iter())
        .filter_map(|step| match step {
            Step::Atom {
                access: (relation, columns),
                ..
            } => {
                let decl = hir.relations[*relation];
                Some(match columns {
                    None => format!("test {}", decl.name),
                    Some(columns) => {
                        let names: Vec<String> = (columns.iter())
                            .map(|&c| decl.columns[c].name.to_string())
                            .collect();
                        format!("look up {} by ({})", decl.name, names.join(", "))
                    }
                })
            }
            Step::Item(_) => None,
        })
        .collect();
    atoms.join(", then ")
}

/// Column `column` of `row`, a row of `arity` columns, as a place expression.
fn place(arity: usize, column: usize, row: &proc_macro2::Ident) -> TokenStream {
    if arity == 1 {
        quote!((*#row))
    } else {
        let column = syn::Index::from(column);
        quote!(#row.#column)
    }
}

/// The head's columns that are plain variables an atom binds: `(column, variable)`, each
/// variable at its first column.
fn head_bound(rule: &RuleHir) -> Vec<(usize, VarId)> {
    let mut bound: Vec<(usize, VarId)> = Vec::new();
    for (column, arg) in rule.rule.head.args.iter().enumerate() {
        let Some(ident) = variable(arg) else { continue };
        let var = (0..rule.vars.len())
            .find(|&v| rule.vars[v].ident == *ident && rule.vars[v].ty.is_some());
        if let Some(var) = var.filter(|v| bound.iter().all(|(_, b)| b != v)) {
            bound.push((column, var));
        }
    }
    bound
}

/// The steps of `rule` read backwards, or `None` if some step can never be taken.
fn order(hir: &Hir, rule: &RuleHir, stratum: &StratumPlan) -> Option<Vec<Step>> {
    let mut bound: BTreeSet<VarId> = head_bound(rule).into_iter().map(|(_, v)| v).collect();
    let mut atoms: Vec<usize> = Vec::new();
    let mut items: Vec<usize> = Vec::new();
    for (i, item) in rule.items.iter().enumerate() {
        match item {
            Item::Atom { negated: true, .. } => return None,
            Item::Atom { .. } => atoms.push(i),
            Item::If { .. } | Item::Let { .. } => items.push(i),
        }
    }
    let let_bound = |v: &VarId| rule.vars[*v].ty.is_none();
    // A variable is read if the head, an `if`, a `let` or an atom's expression uses it, or
    // atoms name it twice (a join, or a check); any other is bound to nothing.
    let mut read: BTreeSet<VarId> = rule.head_uses.clone();
    let mut named: Vec<VarId> = Vec::new();
    for item in &rule.items {
        match item {
            Item::If { uses, .. } | Item::Let { uses, .. } => read.extend(uses),
            Item::Atom { slots, .. } => {
                for slot in slots {
                    match slot {
                        Slot::Const { uses, .. } => read.extend(uses),
                        Slot::Bind(v) | Slot::Equal(v) => named.push(*v),
                        Slot::Wild => {}
                    }
                }
            }
        }
    }
    read.extend(
        named
            .iter()
            .filter(|v| named.iter().filter(|n| n == v).count() > 1),
    );
    let mut steps = Vec::new();
    loop {
        // Every `if` and `let` whose variables are bound, in the body's order.
        while let Some(at) = items.iter().position(|&i| match &rule.items[i] {
            Item::If { uses, .. } | Item::Let { uses, .. } => uses.is_subset(&bound),
            Item::Atom { .. } => false,
        }) {
            let i = items.remove(at);
            if let Item::Let { binds, .. } = &rule.items[i] {
                bound.extend(binds);
            }
            steps.push(Step::Item(i));
        }
        if atoms.is_empty() {
            break;
        }
        let ready = |&i: &usize| {
            let Item::Atom { slots, .. } = &rule.items[i] else {
                return false;
            };
            slots.iter().all(|slot| match slot {
                Slot::Const { uses, .. } => uses.is_subset(&bound),
                Slot::Bind(v) | Slot::Equal(v) => !let_bound(v) || bound.contains(v),
                Slot::Wild => true,
            })
        };
        let score = |&i: &usize| {
            let Item::Atom {
                relation, slots, ..
            } = &rule.items[i]
            else {
                return (0, false);
            };
            let keyed = slots
                .iter()
                .filter(|slot| match slot {
                    Slot::Const { .. } => true,
                    Slot::Bind(v) | Slot::Equal(v) => bound.contains(v),
                    Slot::Wild => false,
                })
                .count();
            // Of two atoms as bound, read a relation of an earlier stratum first: it is
            // usually the smaller, and its rows need no level.
            (keyed, !stratum.relations.contains(relation))
        };
        // The best ready atom; the first of equals.
        let best = (atoms.iter().copied().filter(ready))
            .max_by(|a, b| score(a).cmp(&score(b)).then(b.cmp(a)))?;
        atoms.retain(|&i| i != best);
        steps.push(atom_step(hir, rule, best, &mut bound, &read));
    }
    items.is_empty().then_some(steps)
}

/// Reading atom `item` once the variables in `bound` are: its access, key and bindings (of
/// the variables something `read`s).
fn atom_step(
    hir: &Hir,
    rule: &RuleHir,
    item: usize,
    bound: &mut BTreeSet<VarId>,
    read: &BTreeSet<VarId>,
) -> Step {
    let Item::Atom {
        relation, slots, ..
    } = &rule.items[item]
    else {
        unreachable!("atom_step is given atoms")
    };
    let before = bound.clone();
    let (mut columns, mut key, mut binds, mut checks) = (vec![], vec![], vec![], vec![]);
    for (column, slot) in slots.iter().enumerate() {
        match slot {
            Slot::Wild => {}
            Slot::Const { expr, .. } => {
                columns.push(column);
                key.push(quote!((#expr)));
            }
            Slot::Bind(v) | Slot::Equal(v) if before.contains(v) => {
                columns.push(column);
                let ident = &rule.vars[*v].ident;
                key.push(quote!(::core::clone::Clone::clone(&#ident)));
            }
            Slot::Bind(v) | Slot::Equal(v) if bound.contains(v) => checks.push((column, *v)),
            Slot::Bind(v) | Slot::Equal(v) => {
                bound.insert(*v);
                if read.contains(v) {
                    binds.push((column, *v));
                }
            }
        }
    }
    let arity = hir.relations[*relation].columns.len();
    let access = (*relation, (columns.len() < arity).then_some(columns));
    Step::Atom {
        access,
        key,
        binds,
        checks,
    }
}
