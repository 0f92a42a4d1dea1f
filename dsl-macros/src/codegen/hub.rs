//! Programs that are one lattice and the requests that meet it, run as one operator
//! (`rt::hub`): which programs may, where their rows go, and their dataflow.
//!
//! A program may when its only state is one lattice relation and every other relation holds
//! for one tick (inputs, scratches, outputs), and each rule reads one such relation first, then
//! at most the lattice: by its whole key (a lookup), or by no key (every entry); it derives
//! into the lattice (`<=` or `<+`) or into a relation that holds for one tick (`<=`). No
//! negation, aggregate, table, channel, timer, key or device rule.
//!
//! The lattice's entries live on the worker their key's hash picks. Each rule must find what
//! it reads at home: a lookup runs where its key's entry lives, a rule meeting every entry
//! runs on every worker over the entries there, and a merge runs where its key lives. So each
//! relation that holds for one tick has a location: an input goes to the worker of the key
//! its rules need (`At`), or to every worker (`Everywhere`) when they need none or disagree;
//! a derived relation is where its rules derive it. A program whose rules would need a row
//! somewhere it is not is left to differential dataflow.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::place::{Exchange, Home, Location, Placement, Site};
use super::{internal, relation_local, row_type, rule};
use crate::parse::{Decl, Kind, Merge};
use crate::plan::{IndexPlan, KeyPart, Plan, RulePlan, Use};
use crate::resolve::{Hir, VarId};

/// A program that runs as a hub: its lattice, and where each relation's rows are.
pub(crate) struct Hub {
    pub lattice: usize,
    /// For each relation, its location (the lattice's own is `Unknown`).
    pub locations: Vec<Location>,
}

/// How a rule's first stage meets the lattice, if it does.
enum Meets {
    Not,
    /// By the whole key: the key's variables, in the key's order.
    Lookup(Vec<VarId>),
    /// By no key: every entry; the variables its key columns bind, by column.
    Every(Vec<Option<VarId>>),
}

/// Whether the program runs as a hub, and where its rows go.
pub(crate) fn find(hir: &Hir, plan: &Plan) -> Option<Hub> {
    let lattices: Vec<usize> = (0..hir.relations.len())
        .filter(|&r| hir.relations[r].kind == Kind::Lattice)
        .collect();
    let [lattice] = lattices.as_slice() else {
        return None;
    };
    let lattice = *lattice;
    let plain = hir.relations.iter().all(|d| {
        d.key.is_none()
            && !d.located
            && matches!(
                d.kind,
                Kind::Input | Kind::Scratch | Kind::Output | Kind::Lattice
            )
    });
    let simple = plain
        && plan.strata.iter().all(|s| !s.recursive)
        && plan.carried.iter().all(|&r| r == lattice);
    if !simple {
        return None;
    }
    let rules: Vec<(&RulePlan, &[IndexPlan])> = (plan.strata.iter())
        .flat_map(|s| s.rules.iter().map(move |rule| (rule, &s.indexes[..])))
        .chain(
            plan.transition
                .rules
                .iter()
                .map(|rule| (rule, &plan.transition.indexes[..])),
        )
        .collect();
    let key_arity = hir.relations[lattice].columns.len() - 1;
    let mut meets = Vec::new();
    for (rule, indexes) in &rules {
        meets.push(shape(hir, lattice, key_arity, rule, indexes)?);
    }
    // Inputs go where the rules that read them need them, or everywhere.
    let mut locations: Vec<Location> = vec![Location::Unknown; hir.relations.len()];
    for (r, decl) in hir.relations.iter().enumerate() {
        if decl.kind != Kind::Input {
            continue;
        }
        let mut needs = (rules.iter().zip(&meets))
            .filter(|((rule, _), _)| rule.stages[0].relation == r)
            .filter_map(|((rule, _), meets)| needed(hir, lattice, key_arity, rule, meets));
        let first = needs.next();
        locations[r] = match first {
            Some(Some(columns)) if needs.all(|other| other.as_ref() == Some(&columns)) => {
                Location::At(columns)
            }
            _ => Location::Everywhere,
        };
    }
    // Derived relations are where their rules derive them; each rule must find its rows home.
    for ((rule, _), meets) in rules.iter().zip(&meets) {
        let read = &locations[rule.stages[0].relation];
        if !at_home(hir, lattice, key_arity, rule, meets, read) {
            return None;
        }
        let head = hir.rules[rule.rule].head;
        if head != lattice {
            let here = derived_at(hir, rule, meets, read);
            let deriving = (rules.iter())
                .take_while(|(other, _)| other.rule != rule.rule)
                .any(|(other, _)| hir.rules[other.rule].head == head);
            locations[head] = match deriving {
                false => here,
                true => meet(&locations[head], &here),
            };
        }
    }
    Some(Hub { lattice, locations })
}

/// The rule's shape, if a hub can run it: one relation that holds for one tick, then at most
/// the lattice, by its whole key or by none, with no filter on it.
fn shape(
    hir: &Hir,
    lattice: usize,
    key_arity: usize,
    rule: &RulePlan,
    indexes: &[IndexPlan],
) -> Option<Meets> {
    let hir_rule = &hir.rules[rule.rule];
    let head = hir_rule.head;
    let merge = hir_rule.rule.merge;
    let allowed = match merge {
        Merge::Now => true,
        Merge::Next => head == lattice,
        _ => false,
    };
    let first = rule.stages.first()?;
    if !allowed || rule.device.is_some() || hir_rule.aggregates() || first.relation == lattice {
        return None;
    }
    match rule.stages.as_slice() {
        [_] => Some(Meets::Not),
        [first, second] if second.relation == lattice && !second.negated => {
            let index = &indexes[second.index?];
            let clean = !index.keys_only && index.filters.is_empty() && index.coerce.is_empty();
            let whole: Vec<usize> = (0..key_arity).collect();
            if clean && index.key.is_empty() {
                let mut bound = vec![None; key_arity];
                for (column, usage) in &second.columns {
                    if let (Use::Bind(var), true) = (usage, *column < key_arity) {
                        bound[*column] = Some(*var);
                    }
                }
                return Some(Meets::Every(bound));
            }
            if !clean || index.key != whole || index.vals != [key_arity] {
                return None;
            }
            let (key, _) = first.next.as_ref()?;
            let vars: Option<Vec<VarId>> = key.iter().map(KeyPart::var).collect();
            vars.map(Meets::Lookup)
        }
        _ => None,
    }
}

/// The columns of the rule's first relation that must hold the lattice key for the rule to run
/// where it should: `Some(None)` if it needs every row on every worker, `None` if it needs
/// nothing.
fn needed(
    hir: &Hir,
    lattice: usize,
    key_arity: usize,
    rule: &RulePlan,
    meets: &Meets,
) -> Option<Option<Vec<usize>>> {
    match meets {
        Meets::Lookup(vars) => Some(columns_of(rule, vars)),
        Meets::Every(_) => Some(None),
        Meets::Not if hir.rules[rule.rule].head == lattice => {
            Some(head_vars(hir, rule, key_arity).and_then(|vars| columns_of(rule, &vars)))
        }
        Meets::Not => None,
    }
}

/// The columns of the first stage's relation that bind `vars`, in order, if all do.
fn columns_of(rule: &RulePlan, vars: &[VarId]) -> Option<Vec<usize>> {
    let first = &rule.stages[0];
    vars.iter()
        .map(|var| {
            (first.columns.iter()).find_map(|(column, usage)| match usage {
                Use::Bind(bound) if bound == var => Some(*column),
                _ => None,
            })
        })
        .collect()
}

/// The variables of the head's first `count` columns, if each is a plain variable.
fn head_vars(hir: &Hir, rule: &RulePlan, count: usize) -> Option<Vec<VarId>> {
    let hir_rule = &hir.rules[rule.rule];
    (hir_rule.rule.head.args.iter().take(count))
        .map(|arg| {
            let ident = crate::parse::variable(arg)?;
            hir_rule.vars.iter().position(|v| v.ident == *ident)
        })
        .collect()
}

/// Whether the rule, reading a relation located at `read`, finds every row and entry it needs
/// on the worker it runs on, and merges into the lattice only keys that live there.
fn at_home(
    hir: &Hir,
    lattice: usize,
    key_arity: usize,
    rule: &RulePlan,
    meets: &Meets,
    read: &Location,
) -> bool {
    let reads_home = match (meets, read) {
        (Meets::Not, _) | (_, Location::Everywhere) => true,
        (Meets::Lookup(vars), Location::At(columns)) => {
            columns_of(rule, vars).as_ref() == Some(columns)
        }
        (Meets::Lookup(_) | Meets::Every(_), _) => false,
    };
    if !reads_home || hir.rules[rule.rule].head != lattice {
        return reads_home;
    }
    // A merge runs where the rule runs: its key must live there.
    let Some(vars) = head_vars(hir, rule, key_arity) else {
        return *read == Location::Everywhere && matches!(meets, Meets::Not);
    };
    match (meets, read) {
        (Meets::Lookup(key), _) => *key == vars,
        (Meets::Every(bound), _) => bound.iter().zip(&vars).all(|(b, v)| *b == Some(*v)),
        (Meets::Not, Location::At(columns)) => columns_of(rule, &vars).as_ref() == Some(columns),
        (Meets::Not, Location::Everywhere) => true,
        (Meets::Not, Location::Unknown) => false,
    }
}

/// Where the rule's derived rows are: where the rule ran, as columns of its head.
fn derived_at(hir: &Hir, rule: &RulePlan, meets: &Meets, read: &Location) -> Location {
    let hir_rule = &hir.rules[rule.rule];
    let head: Vec<Option<VarId>> = (hir_rule.rule.head.args.iter())
        .map(|arg| {
            let ident = crate::parse::variable(arg)?;
            hir_rule.vars.iter().position(|v| v.ident == *ident)
        })
        .collect();
    let in_head = |vars: &[VarId]| -> Location {
        let columns: Option<Vec<usize>> = (vars.iter())
            .map(|var| head.iter().position(|h| *h == Some(*var)))
            .collect();
        columns.map_or(Location::Unknown, Location::At)
    };
    match (meets, read) {
        (Meets::Lookup(key), _) => in_head(key),
        (Meets::Every(bound), _) => match bound.iter().copied().collect::<Option<Vec<_>>>() {
            Some(key) => in_head(&key),
            None => Location::Unknown,
        },
        (Meets::Not, Location::Everywhere) => Location::Everywhere,
        (Meets::Not, Location::At(columns)) => {
            let first = &rule.stages[0];
            let vars: Option<Vec<VarId>> = (columns.iter())
                .map(|c| {
                    (first.columns.iter()).find_map(|(column, usage)| match usage {
                        Use::Bind(var) if column == c => Some(*var),
                        _ => None,
                    })
                })
                .collect();
            vars.map_or(Location::Unknown, |vars| in_head(&vars))
        }
        (Meets::Not, Location::Unknown) => Location::Unknown,
    }
}

/// Where rows derived by two rules are: where both put them.
fn meet(a: &Location, b: &Location) -> Location {
    match (a, b) {
        (Location::Everywhere, other) | (other, Location::Everywhere) => other.clone(),
        (Location::At(x), Location::At(y)) if x == y => a.clone(),
        _ => Location::Unknown,
    }
}

/// The placement `explain` shows: each relation's home, and one exchange per input that goes
/// to the worker of its key.
pub(crate) fn placement(hir: &Hir, hub: &Hub) -> Placement {
    let mut exchanges = Vec::new();
    let homes = (hir.relations.iter().enumerate())
        .map(|(r, decl)| {
            if r == hub.lattice {
                return Home::Lattice((0..decl.columns.len() - 1).collect());
            }
            match (&hub.locations[r], decl.kind) {
                (Location::At(columns), Kind::Input) => {
                    exchanges.push(Exchange {
                        site: Site::Input(r),
                        relation: Some(r),
                        what: "input rows sent to the worker of their key, where the hub \
                               meets them with the lattice"
                            .into(),
                        by: (columns.iter())
                            .map(|&c| decl.columns[c].name.to_string())
                            .collect(),
                        local: false,
                        rules: (hir.rules.iter().enumerate())
                            .filter(|(_, rule)| reads(rule, r))
                            .map(|(i, _)| i)
                            .collect(),
                    });
                    Home::Hub(Location::At(columns.clone()))
                }
                (location, _) => Home::Hub(location.clone()),
            }
        })
        .collect();
    Placement { homes, exchanges }
}

fn reads(rule: &crate::resolve::RuleHir, r: usize) -> bool {
    (rule.items.iter())
        .any(|item| matches!(item, crate::resolve::Item::Atom { relation, .. } if *relation == r))
}

/// `fn __dataflow`: the hub's operator, and the program's inputs and outputs around it.
pub(crate) fn dataflow(hir: &Hir, plan: &Plan, hub: &Hub, place: &Placement) -> TokenStream {
    let (scope, io) = (internal("scope"), internal("io"));
    let hub_local = internal("hub");
    let rt = quote!(::blossom::rt::hub);
    let lattice_decl = hir.relations[hub.lattice];
    let lattice_local = relation_local(lattice_decl);
    let map = internal("lattice");
    let key_arity = lattice_decl.columns.len() - 1;
    let key_types = lattice_decl.columns[..key_arity].iter().map(|c| &c.ty);
    let value_type = &lattice_decl.columns[key_arity].ty;
    let inputs = (hir.relations.iter().enumerate())
        .filter(|(_, d)| d.kind == Kind::Input)
        .map(|(r, decl)| {
            let (local, row) = (relation_local(decl), row_type(decl));
            let route = match &hub.locations[r] {
                Location::At(columns) => {
                    let row_ident = internal("row");
                    let parts = columns.iter().map(|&c| match decl.columns.len() {
                        1 => quote!(#row_ident),
                        _ => {
                            let c = syn::Index::from(c);
                            quote!(&#row_ident.#c)
                        }
                    });
                    let exchange = place.id(Site::Input(r)).unwrap_or_default();
                    quote!(#rt::Route::Key(|#row_ident: &#row| #rt::owner(&(#(#parts,)*)), #exchange))
                }
                _ => quote!(#rt::Route::Broadcast),
            };
            quote! {
                let #local = #io.input::<#row>(#scope);
                let #local = #hub_local.input(&#local, #route);
            }
        });
    let (split, join) = lattice_functions(lattice_decl);
    let strata = plan.strata.iter().map(|stratum| {
        let defined: Vec<_> = (stratum.relations.iter())
            .filter(|&&r| r != hub.lattice)
            .map(|&r| relation_local(hir.relations[r]))
            .collect();
        let body = rules_code(
            hir,
            hub,
            &stratum.indexes,
            &stratum.rules,
            &stratum.relations,
            &map,
            &split,
            false,
        );
        quote!(let (#(#defined,)*) = { #body (#(#defined,)*) };)
    });
    let transition = rules_code(
        hir,
        hub,
        &plan.transition.indexes,
        &plan.transition.rules,
        &[hub.lattice],
        &map,
        &split,
        true,
    );
    // Outputs and the relations tests read, registered in the order the handle counts them:
    // outputs, then (no channels) tables, scratches and lattices, in declaration order.
    let mut made = Vec::new();
    let mut registered = Vec::new();
    for (r, decl) in hir.relations.iter().enumerate() {
        let local = relation_local(decl);
        match decl.kind {
            Kind::Output => {
                made.push(quote!(let #local = #hub_local.output(&#local, true);));
                registered.push(quote!(#io.output(&#local);));
            }
            Kind::Scratch => made.push(quote!(let #local = #hub_local.output(&#local, false);)),
            Kind::Lattice if r == hub.lattice => {
                made.push(quote!(let #lattice_local = #hub_local.changes(&#map, #join);));
                registered.push(quote!(#io.settle(&#lattice_local);));
            }
            _ => {}
        }
    }
    let inspected = (hir.relations.iter())
        .filter(|d| matches!(d.kind, Kind::Scratch | Kind::Lattice))
        .map(|decl| {
            let local = relation_local(decl);
            quote!(#io.inspect(&#local);)
        });
    // Spanned at the value's type: a type that is not a lattice is reported there, once.
    let make_lattice = quote_spanned! {value_type.span()=>
        lattice::<(#(#key_types,)*), #value_type>()
    };
    quote! {
        #[doc(hidden)]
        // A rule meeting every entry keys its rows by `()`: clippy's `unused_unit` there.
        #[allow(unused_variables, clippy::type_complexity, clippy::unused_unit)]
        fn __dataflow(#scope: ::blossom::rt::Scope<'_, ::blossom::rt::Tick>, #io: &mut ::blossom::rt::WorkerIo) {
            let #hub_local = #rt::Hub::new(#scope, #io.inspecting());
            let #map = #hub_local.#make_lattice;
            #(#inputs)*
            #(#strata)*
            { #transition }
            #(#made)*
            #hub_local.build();
            #(#registered)*
            #(#inspected)*
        }
    }
}

/// How a lattice row splits into its key (a tuple of the key's columns) and its value, and
/// how the two make a row again.
fn lattice_functions(decl: &Decl) -> (TokenStream, TokenStream) {
    let arity = decl.columns.len();
    let keys: Vec<proc_macro2::Ident> =
        (0..arity - 1).map(|i| internal(&format!("k{i}"))).collect();
    let value = internal("value");
    let row = match keys.as_slice() {
        [] => quote!(#value),
        _ => quote!((#(#keys,)* #value)),
    };
    let key = quote!((#(#keys,)*));
    (quote!(|#row| (#key, #value)), quote!(|#key, #value| #row))
}

/// The indexes and rules of a stratum (or of the transition, `next`), and each relation it
/// defines: the union of its rules' rows, or the lattice's merges.
#[allow(clippy::too_many_arguments)]
fn rules_code(
    hir: &Hir,
    hub: &Hub,
    indexes: &[IndexPlan],
    rules: &[RulePlan],
    relations: &[usize],
    map: &proc_macro2::Ident,
    split: &TokenStream,
    next: bool,
) -> TokenStream {
    let rt = quote!(::blossom::rt::hub);
    let key_arity = hir.relations[hub.lattice].columns.len() - 1;
    let index_code = indexes.iter().enumerate().map(|(position, index)| {
        let local = internal(&format!("index_{position}"));
        if index.relation != hub.lattice {
            // Only the lattice is joined: other indexes are a rule's first stage, made there.
            return quote!();
        }
        let (key, value) = (internal("key"), internal("value"));
        let vals = index.vals.iter().map(|&c| {
            if c < key_arity {
                let c = syn::Index::from(c);
                quote!(::core::clone::Clone::clone(&#key.#c))
            } else {
                quote!(::core::clone::Clone::clone(#value))
            }
        });
        let method = if index.key.is_empty() {
            quote!(every)
        } else {
            quote!(lookup)
        };
        quote!(let #local = #map.#method(|#key, #value| (#(#vals,)*));)
    });
    let rule_code = rules
        .iter()
        .map(|plan| rule::generate(hir, plan, &rt, None, None));
    let defined = relations.iter().map(|&r| {
        let parts: Vec<_> = (rules.iter())
            .filter(|plan| hir.rules[plan.rule].head == r)
            .map(|plan| rule::local(plan.rule))
            .collect();
        if r == hub.lattice {
            quote!(#map.merge(::std::vec![#(#parts),*], #split, #next);)
        } else {
            let local = relation_local(hir.relations[r]);
            let hub = internal("hub");
            quote!(let #local = #rt::union(&#hub, ::std::vec![#(#parts),*]);)
        }
    });
    quote! {
        #(#index_code)*
        #(#rule_code)*
        #(#defined)*
    }
}
