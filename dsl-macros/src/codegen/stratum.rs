//! One generated function per stratum: its tables' memory, its fixpoint, its rules.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::fixpoint::Stores;
use super::place::{Placement, Site};
use super::{internal, relation_local, row_type, rule};
use crate::calm::{Calm, Label};
use crate::parse::{Kind, Merge};
use crate::plan::{IndexPlan, RulePlan, StratumPlan, TransitionPlan};
use crate::resolve::{Hir, Item, RuleHir, Slot};

/// The outputs of a stratum without recursion that may tell rows early, each with the rules
/// whose rows it tells: the CALM analysis proves the output monotone, and the rule scans one
/// relation whose every added row holds for the tick (an input's, a union's, a recursive
/// stratum's rows — not a recursive lattice's values, which grow through the iterations).
pub(crate) fn early_rules(
    hir: &Hir,
    calm: &Calm,
    strata: &[StratumPlan],
    stratum: &StratumPlan,
) -> Vec<(usize, Vec<usize>)> {
    if stratum.recursive {
        return Vec::new();
    }
    let growing = |r: usize| {
        hir.relations[r].kind == Kind::Lattice
            && strata
                .iter()
                .any(|s| s.recursive && s.relations.contains(&r))
    };
    let mut early = Vec::new();
    for &r in &stratum.relations {
        if !eager(hir, calm, r) {
            continue;
        }
        let rules: Vec<usize> = (stratum.rules.iter())
            .filter(|plan| {
                let rule = &hir.rules[plan.rule];
                rule.head == r
                    && rule.rule.merge == Merge::Now
                    && !rule.aggregates()
                    && matches!(plan.stages.as_slice(), [scan] if !growing(scan.relation))
            })
            .map(|plan| plan.rule)
            .collect();
        if !rules.is_empty() {
            early.push((r, rules));
        }
    }
    early
}

/// Whether relation `r` is an output whose rows subscribers hear of as they are derived: the
/// CALM analysis labels it monotone (M or A), and no tick can be rejected (no keyed relation).
pub(crate) fn eager(hir: &Hir, calm: &Calm, r: usize) -> bool {
    hir.relations[r].kind == Kind::Output
        && hir.relations.iter().all(|d| d.key.is_none())
        && (calm.outputs.iter()).any(|o| o.output == r && o.label <= Label::Async)
}

/// `fn __stratum_N(scope, reads..., carried...) -> (defined..., early...)`: `carried` are the
/// rows its relations start the tick with (see [`transition`]); `early` the rows of each
/// output in [`early_rules`] that its subscribers are told the moment they are derived.
pub fn generate(
    hir: &Hir,
    index: usize,
    stratum: &StratumPlan,
    semi_naive: Option<&super::fixpoint::SemiNaive>,
    carried: &[usize],
    early: &[(usize, Vec<usize>)],
    place: &Placement,
) -> TokenStream {
    let function = format_ident!("__stratum_{}", index);
    let scope = internal("scope");
    let carried: Vec<usize> = stratum
        .relations
        .iter()
        .copied()
        .filter(|r| carried.contains(r))
        .collect();
    let params = stratum.reads.iter().map(|&r| {
        let decl = hir.relations[r];
        let local = relation_local(decl);
        let row = row_type(decl);
        quote!(#local: &::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let carried_params = carried.iter().map(|&r| {
        let decl = hir.relations[r];
        let (prev, row) = (prev_local(decl), row_type(decl));
        quote!(#prev: ::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let returns = stratum.relations.iter().map(|&r| {
        let row = row_type(hir.relations[r]);
        quote!(::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let mut defined: Vec<_> = stratum
        .relations
        .iter()
        .map(|&r| relation_local(hir.relations[r]))
        .collect();
    let early_returns = early.iter().map(|&(r, _)| {
        let row = row_type(hir.relations[r]);
        quote!(::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let returns = returns.chain(early_returns);
    let early_parts = early.iter().map(|(r, rules)| {
        let local = early_local(hir.relations[*r]);
        let parts = rules.iter().map(|&rule| rule::local(rule));
        quote!(let #local = ::blossom::rt::concat(#scope, ::std::vec![#(#parts.clone()),*]);)
    });
    let early_parts = quote!(#(#early_parts)*);
    defined.extend(early.iter().map(|&(r, _)| early_local(hir.relations[r])));
    let body = if stratum.recursive {
        match semi_naive {
            Some(semi_naive) => super::fixpoint::body(hir, stratum, &carried, semi_naive),
            None => recursive_body(hir, stratum, &carried, (place, Some(index))),
        }
    } else {
        let parts = Parts::Stratum(&carried, None);
        definitions(
            hir,
            &stratum.indexes,
            &stratum.rules,
            &stratum.relations,
            parts,
            &scope,
            &quote!(::blossom::rt),
            Some((place, Some(index))),
        )
    };
    let names: Vec<String> = stratum
        .relations
        .iter()
        .map(|&r| hir.relations[r].name.to_string())
        .collect();
    let doc = format!("Stratum {index}: {}.", names.join(", "));
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(clippy::type_complexity, clippy::too_many_arguments)]
        fn #function<'s>(#scope: ::blossom::rt::Scope<'s, ::blossom::rt::Tick>, #(#params,)* #(#carried_params),*) -> (#(#returns,)*) {
            #body
            #early_parts
            (#(#defined,)*)
        }
    }
}

/// `fn __transition(scope, reads...) -> (next...)`: what each carried relation starts the next
/// tick with. A table keeps its rows, less what `<-` rules delete, plus what `<+` rules insert
/// (deletions first: a row both deleted and inserted stays); any other relation starts with
/// what `<+` rules insert.
pub fn transition(
    hir: &Hir,
    plan: &TransitionPlan,
    carried: &[usize],
    place: &Placement,
) -> TokenStream {
    let scope = internal("scope");
    let params = plan.reads.iter().map(|&r| {
        let decl = hir.relations[r];
        let local = relation_local(decl);
        let row = row_type(decl);
        quote!(#local: &::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let returns = carried.iter().map(|&r| {
        let row = row_type(hir.relations[r]);
        quote!(::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let next: Vec<_> = carried
        .iter()
        .map(|&r| next_local(hir.relations[r]))
        .collect();
    let body = definitions(
        hir,
        &plan.indexes,
        &plan.rules,
        carried,
        Parts::Transition,
        &scope,
        &quote!(::blossom::rt),
        Some((place, None)),
    );
    quote! {
        #[doc(hidden)]
        #[allow(clippy::type_complexity, clippy::too_many_arguments)]
        fn __transition<'s>(#scope: ::blossom::rt::Scope<'s, ::blossom::rt::Tick>, #(#params),*) -> (#(#returns,)*) {
            #body
            (#(#next,)*)
        }
    }
}

/// Whether `rule`'s rows are distinct: it reads one relation of an earlier stratum, whose rows
/// are distinct (not an input or a channel, where a row may come twice), without a join, and
/// its head keeps, as the variables the atom binds them to, the columns that tell the atom's
/// rows apart (a lattice's key; every column of another relation), or they are constants.
/// Then its rows are the image of distinct rows under a function that is one to one on them.
fn distinct_rows(hir: &Hir, rule: &RuleHir, defined: &[usize]) -> bool {
    let atoms: Vec<&Item> = (rule.items.iter())
        .filter(|item| matches!(item, Item::Atom { .. }))
        .collect();
    let [
        Item::Atom {
            relation,
            slots,
            negated: false,
        },
    ] = atoms.as_slice()
    else {
        return false;
    };
    let decl = hir.relations[*relation];
    let kept = matches!(
        decl.kind,
        Kind::Scratch | Kind::Output | Kind::Table | Kind::Lattice
    );
    if !kept || defined.contains(relation) || rule.aggregates() {
        return false;
    }
    let head: Vec<usize> = (rule.rule.head.args.iter())
        .filter_map(crate::parse::variable)
        .filter_map(|ident| rule.vars.iter().position(|v| v.ident == *ident))
        .collect();
    let telling = decl.columns.len() - usize::from(decl.kind == Kind::Lattice);
    slots[..telling].iter().all(|slot| match slot {
        Slot::Bind(v) | Slot::Equal(v) => head.contains(v),
        Slot::Const { .. } => true,
        Slot::Wild => false,
    })
}

/// Whether relation `r` of a differential stratum is the union of its parts with repeated rows
/// folded (`Ok`), or the rows of the one rule that derives it (`Err(rule)`): rows distinct
/// already, as a rule reading one relation of an earlier stratum gives them, need no folding;
/// a lattice's rows merge by key in any case.
pub(super) fn folded(
    hir: &Hir,
    rules: &[RulePlan],
    relations: &[usize],
    carried: &[usize],
    r: usize,
) -> Result<(), usize> {
    let only: Vec<&RulePlan> = (rules.iter())
        .filter(|plan| hir.rules[plan.rule].head == r)
        .collect();
    match only.as_slice() {
        [plan]
            if !carried.contains(&r)
                && hir.relations[r].kind != Kind::Lattice
                && distinct_rows(hir, &hir.rules[plan.rule], relations) =>
        {
            Err(plan.rule)
        }
        _ => Ok(()),
    }
}

/// What a relation's value is the union of.
#[derive(Clone, Copy)]
pub(super) enum Parts<'a> {
    /// In a stratum: its carried rows (for the relations listed) and its `<=` rules; for a
    /// semi-naive stratum, the indexes that hold relations' rows (`None`: differential).
    Stratum(&'a [usize], Option<&'a Stores>),
    /// In the transition: the next tick's rows, from `<+` and `<-` rules.
    Transition,
}

/// Indexes and rules in `scope`, ending with each relation's local bound to the union of its
/// parts: in a stratum, its carried rows and what its rules derive; in the transition, the
/// next tick's rows. (Eight arguments: each is one of the things a scope's code depends on.)
#[allow(clippy::too_many_arguments)]
pub(super) fn definitions(
    hir: &Hir,
    indexes: &[IndexPlan],
    rules: &[RulePlan],
    relations: &[usize],
    parts: Parts,
    scope: &proc_macro2::Ident,
    rt: &TokenStream,
    place: Option<(&Placement, Option<usize>)>,
) -> TokenStream {
    let none = Stores::default();
    let stores = match parts {
        Parts::Stratum(_, Some(stores)) => stores,
        Parts::Stratum(_, None) | Parts::Transition => &none,
    };
    let index_code = (indexes.iter().enumerate()).map(|(index, plan)| {
        let exchange = place.and_then(|(place, scope)| place.id(Site::Index(scope, index)));
        rule::index(hir, index, plan, rt, stores.indexes.get(&index), exchange)
    });
    let rule_code = (rules.iter())
        .map(|plan| rule::generate(hir, plan, rt, stores.rules.get(&plan.rule), place));
    let derived = |r: usize, merge: Merge| -> Vec<TokenStream> {
        rules
            .iter()
            .filter(|plan| {
                hir.rules[plan.rule].head == r && hir.rules[plan.rule].rule.merge == merge
            })
            .map(|plan| {
                // Cloned (a stream handle): an eager output's early rows read the rule too.
                let local = rule::local(plan.rule);
                quote!(#local.clone())
            })
            .collect()
    };
    let unions = relations.iter().map(|&r| {
        let decl = hir.relations[r];
        match parts {
            Parts::Stratum(carried, stores) => {
                let local = relation_local(decl);
                let mut parts: Vec<TokenStream> = Vec::new();
                if carried.contains(&r) {
                    let prev = prev_local(decl);
                    parts.push(quote!(#prev));
                }
                parts.extend(derived(r, Merge::Now));
                // Differential's union folds repeated rows (a semi-naive stratum's has none).
                let distinct = stores.is_some() || folded(hir, rules, relations, carried, r).is_ok();
                let placed = place.and_then(|(place, _)| {
                    let id = place.id(Site::Union(r))?;
                    Some((id, place.key_function(hir, r)))
                });
                let union = match (distinct, placed) {
                    (true, Some((id, key))) if decl.kind != Kind::Lattice => {
                        quote!(#rt::union_by(#scope, ::std::vec![#(#parts),*], #id, #key))
                    }
                    (true, _) => union(decl, scope, &parts, rt),
                    (false, _) => quote!(::blossom::rt::concat(#scope, ::std::vec![#(#parts),*])),
                };
                quote!(let #local = #union;)
            }
            Parts::Transition if decl.kind == Kind::Lattice => {
                // A lattice keeps its values, merged with what `<+` rules give it.
                let (next, local) = (next_local(decl), relation_local(decl));
                let mut parts = vec![quote!(#local.clone())];
                parts.extend(derived(r, Merge::Next));
                let union = union(decl, scope, &parts, rt);
                quote!(let #next = #union;)
            }
            Parts::Transition => {
                let next = next_local(decl);
                let kept = if decl.kind == Kind::Table {
                    let local = relation_local(decl);
                    quote!(::core::option::Option::Some(#local))
                } else {
                    quote!(::core::option::Option::None)
                };
                let deleted = derived(r, Merge::Delete);
                // A message sent with `<~` arrives at its node in the next tick.
                let mut inserted = derived(r, Merge::Next);
                inserted.extend(derived(r, Merge::Async));
                let upserted = derived(r, Merge::Upsert);
                let replace = (!upserted.is_empty()).then(|| {
                    let key = rule::key_function(decl);
                    quote! {
                        let #next = ::blossom::rt::replace(#scope, &#next, ::std::vec![#(#upserted),*], #key);
                    }
                });
                quote! {
                    let #next = ::blossom::rt::next_tick(
                        #scope,
                        #kept,
                        ::std::vec![#(#deleted),*],
                        ::std::vec![#(#inserted),*],
                    );
                    #replace
                }
            }
        }
    });
    quote! {
        #(#index_code)*
        #(#rule_code)*
        #(#unions)*
    }
}

/// The value of a relation made of `parts`: their union, or for a lattice, one row per key
/// holding the merge of every value the parts give the key.
fn union(
    decl: &crate::parse::Decl,
    scope: &proc_macro2::Ident,
    parts: &[TokenStream],
    rt: &TokenStream,
) -> TokenStream {
    if decl.kind != Kind::Lattice {
        return quote!(#rt::union(#scope, ::std::vec![#(#parts),*]));
    }
    let keys: Vec<proc_macro2::Ident> = (0..decl.columns.len() - 1)
        .map(|i| internal(&format!("k{i}")))
        .collect();
    let value = internal("value");
    let (row, key) = match keys.as_slice() {
        [] => (quote!(#value), quote!(())),
        [one] => (quote!((#one, #value)), quote!(#one)),
        _ => (quote!((#(#keys,)* #value)), quote!((#(#keys),*))),
    };
    // Spanned at the value's type: a type that is not a lattice is reported there, in words.
    let ty = &decl.columns[decl.columns.len() - 1].ty;
    let rt: TokenStream = (rt.clone().into_iter())
        .map(|mut token| {
            token.set_span(ty.span());
            token
        })
        .collect();
    quote_spanned! {ty.span()=>
        #rt::merge_lattice(
            #scope,
            ::std::vec![#(#parts),*],
            |#row| (#key, #value),
            |#key, #value| #row,
        )
    }
}

/// A recursive stratum: its relations are variables of a nested scope, iterated to a fixpoint.
fn recursive_body(
    hir: &Hir,
    stratum: &StratumPlan,
    carried: &[usize],
    place: (&Placement, Option<usize>),
) -> TokenStream {
    let scope = internal("scope");
    let inner = internal("inner");
    let defined: Vec<_> = stratum
        .relations
        .iter()
        .map(|&r| relation_local(hir.relations[r]))
        .collect();
    let variables = stratum.relations.iter().map(|&r| {
        let decl = hir.relations[r];
        let (var, local) = (variable_local(decl), relation_local(decl));
        let row = row_type(decl);
        quote!(let (#var, #local) = ::blossom::rt::recursive::<#row>(#inner);)
    });
    let enters = stratum.reads.iter().map(|&r| {
        let local = relation_local(hir.relations[r]);
        quote!(let #local = #local.clone().enter(#inner);)
    });
    let prevs = carried.iter().map(|&r| {
        let prev = prev_local(hir.relations[r]);
        quote!(let #prev = #prev.enter(#inner);)
    });
    let definitions = definitions(
        hir,
        &stratum.indexes,
        &stratum.rules,
        &stratum.relations,
        Parts::Stratum(carried, None),
        &inner,
        &quote!(::blossom::rt),
        Some(place),
    );
    let sets = stratum.relations.iter().map(|&r| {
        let decl = hir.relations[r];
        let (var, local) = (variable_local(decl), relation_local(decl));
        quote!(#var.set(#local.clone());)
    });
    quote! {
        let (#(#defined,)*) = #scope.iterative::<u64, _, _>(|#inner| {
            #(#variables)*
            #(#enters)*
            #(#prevs)*
            #definitions
            #(#sets)*
            (#(#defined.leave(#scope),)*)
        });
    }
}

/// The variable a carried relation's next rows are fed back through.
pub(crate) fn keep_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("keep_{}", decl.name))
}

/// A carried relation's rows at the start of the tick.
pub(crate) fn prev_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("prev_{}", decl.name))
}

/// A carried relation's rows at the start of the next tick.
pub(crate) fn next_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("next_{}", decl.name))
}

/// The rows an eager output's subscribers are told as they are derived.
pub(crate) fn early_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("early_{}", decl.name))
}

pub(super) fn variable_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("var_{}", decl.name))
}
