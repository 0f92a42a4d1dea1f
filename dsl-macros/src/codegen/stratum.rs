//! One generated function per stratum: its tables' memory, its fixpoint, its rules.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{internal, relation_local, row_type, rule};
use crate::parse::Kind;
use crate::plan::StratumPlan;
use crate::resolve::Hir;

/// `fn __stratum_N(scope, reads...) -> (defined...)`.
pub fn generate(hir: &Hir, index: usize, stratum: &StratumPlan) -> TokenStream {
    let function = format_ident!("__stratum_{}", index);
    let scope = internal("scope");
    let params = stratum.reads.iter().map(|&r| {
        let decl = hir.relations[r];
        let local = relation_local(decl);
        let row = row_type(decl);
        quote!(#local: &::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let returns = stratum.relations.iter().map(|&r| {
        let row = row_type(hir.relations[r]);
        quote!(::blossom::rt::Rel<'s, ::blossom::rt::Tick, #row>)
    });
    let defined: Vec<_> = stratum
        .relations
        .iter()
        .map(|&r| relation_local(hir.relations[r]))
        .collect();
    let tables: Vec<usize> = stratum
        .relations
        .iter()
        .copied()
        .filter(|&r| hir.relations[r].kind == Kind::Table)
        .collect();
    // A table starts each tick with its rows of the previous tick.
    let remember = tables.iter().map(|&r| {
        let decl = hir.relations[r];
        let (keep, prev) = (keep_local(decl), prev_local(decl));
        let row = row_type(decl);
        quote!(let (#keep, #prev) = ::blossom::rt::previous_tick::<#row>(#scope);)
    });
    let keep = tables.iter().map(|&r| {
        let decl = hir.relations[r];
        let (keep, local) = (keep_local(decl), relation_local(decl));
        quote!(#keep.set(#local.clone());)
    });
    let body = if stratum.recursive {
        recursive_body(hir, stratum)
    } else {
        definitions(hir, stratum, &scope)
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
        fn #function<'s>(#scope: ::blossom::rt::Scope<'s, ::blossom::rt::Tick>, #(#params),*) -> (#(#returns,)*) {
            #(#remember)*
            #body
            #(#keep)*
            (#(#defined,)*)
        }
    }
}

/// The stratum's indexes and rules in `scope`, ending with each relation's local bound to the
/// union of its previous rows (for tables) and what its rules derive.
fn definitions(hir: &Hir, stratum: &StratumPlan, scope: &proc_macro2::Ident) -> TokenStream {
    let indexes = stratum
        .indexes
        .iter()
        .enumerate()
        .map(|(index, plan)| rule::index(hir, index, plan));
    let rules = stratum.rules.iter().map(|plan| rule::generate(hir, plan));
    let unions = stratum.relations.iter().map(|&r| {
        let decl = hir.relations[r];
        let local = relation_local(decl);
        let mut parts: Vec<TokenStream> = Vec::new();
        if decl.kind == Kind::Table {
            let prev = prev_local(decl);
            parts.push(quote!(#prev));
        }
        for plan in &stratum.rules {
            if hir.rules[plan.rule].head == r {
                let local = rule::local(plan.rule);
                parts.push(quote!(#local));
            }
        }
        quote!(let #local = ::blossom::rt::union(#scope, ::std::vec![#(#parts),*]);)
    });
    quote! {
        #(#indexes)*
        #(#rules)*
        #(#unions)*
    }
}

/// A recursive stratum: its relations are variables of a nested scope, iterated to a fixpoint.
fn recursive_body(hir: &Hir, stratum: &StratumPlan) -> TokenStream {
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
    let prevs = stratum
        .relations
        .iter()
        .filter(|&&r| hir.relations[r].kind == Kind::Table)
        .map(|&r| {
            let prev = prev_local(hir.relations[r]);
            quote!(let #prev = #prev.enter(#inner);)
        });
    let definitions = definitions(hir, stratum, &inner);
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

fn keep_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("keep_{}", decl.name))
}

fn prev_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("prev_{}", decl.name))
}

fn variable_local(decl: &crate::parse::Decl) -> proc_macro2::Ident {
    internal(&format!("var_{}", decl.name))
}
