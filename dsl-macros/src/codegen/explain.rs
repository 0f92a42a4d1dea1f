//! The static `Explain` data a program carries: what the analysis and the planner decided.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};

use crate::analysis::Analysis;
use crate::calm::Calm;
use crate::parse::{Decl, Kind, Rule};
use crate::plan::{KeyPart, Plan};
use crate::resolve::Hir;

/// `edge(src: u32, dst: u32)`.
pub fn signature(decl: &Decl) -> String {
    let column = |c: &crate::parse::ColumnDecl| format!("{}: {}", c.name, type_text(&c.ty));
    match (decl.kind, decl.columns.split_last()) {
        (Kind::Lattice, Some((value, keys))) => {
            let keys: Vec<String> = keys.iter().map(column).collect();
            let value = type_text(&value.ty);
            format!("{}({}) -> {value}", decl.name, keys.join(", "))
        }
        _ => {
            let columns: Vec<String> = decl.columns.iter().map(column).collect();
            format!("{}({})", decl.name, columns.join(", "))
        }
    }
}

/// A rule as a programmer would write it: `path(a, c) <= path(a, b), link(b, c);`.
pub fn rule_text(rule: &Rule) -> String {
    rule.text.clone()
}

/// A type as a person writes it: `Min<u32>`, `(u32, String)`.
fn type_text(ty: &syn::Type) -> String {
    crate::parse::tidy(&ty.to_token_stream())
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
}

/// The line a span starts on, when the compiler can say (inside a real macro expansion).
fn line_of(span: Span) -> u32 {
    if proc_macro::is_available() {
        u32::try_from(span.unwrap().line()).unwrap_or(0)
    } else {
        0
    }
}

/// `static EXPLAIN: Explain = ...; &EXPLAIN`.
pub fn generate(
    hir: &Hir,
    analysis: &Analysis,
    plan: &Plan,
    calm: &Calm,
    fixpoints: &[Option<super::fixpoint::SemiNaive>],
    place: &super::place::Placement,
    hub: Option<&super::hub::Hub>,
) -> TokenStream {
    let program = hir.program.name.to_string();
    let hub = match hub {
        Some(hub) => {
            let lattice = hir.relations[hub.lattice].name.to_string();
            quote!(::core::option::Option::Some(#lattice))
        }
        None => quote!(::core::option::Option::None),
    };
    let relations = hir.relations.iter().map(|decl| {
        let name = decl.name.to_string();
        let kind = decl.kind.keyword();
        let columns = decl.columns.iter().map(|c| {
            let (n, t) = (c.name.to_string(), type_text(&c.ty));
            quote!((#n, #t))
        });
        quote!(::blossom::explain::RelationInfo { name: #name, kind: #kind, columns: &[#(#columns),*] })
    });
    let mut steps = vec![Vec::new(); hir.rules.len()];
    let rule_plans = plan
        .strata
        .iter()
        .flat_map(|stratum| &stratum.rules)
        .chain(&plan.transition.rules);
    {
        for rule_plan in rule_plans {
            let rule = &hir.rules[rule_plan.rule];
            steps[rule_plan.rule] = rule_plan
                .stages
                .iter()
                .map(|stage| {
                    let relation = &hir.relations[stage.relation].name;
                    let key: Vec<String> = stage
                        .key
                        .iter()
                        .map(|part| match part {
                            KeyPart::Var(v) => rule.vars[*v].ident.to_string(),
                            KeyPart::Expr(e) => crate::parse::tidy(&e.to_token_stream()),
                        })
                        .collect();
                    match (stage.index, key.is_empty()) {
                        (None, _) if rule.rule.device.is_some() => format!(
                            "map {relation} on an OpenCL device, in batches per tick (the CPU when there is none)"
                        ),
                        (None, _) => format!("scan {relation}"),
                        (Some(index), _) if stage.negated => {
                            format!(
                                "anti-join {relation} on ({}) via index {index}",
                                key.join(", ")
                            )
                        }
                        (Some(index), false) => {
                            format!("join {relation} on ({}) via index {index}", key.join(", "))
                        }
                        (Some(index), true) => {
                            format!("cross product with {relation} via index {index}")
                        }
                    }
                })
                .collect();
        }
    }
    // A rule of a stratum that deletes is also read backwards.
    let plans = fixpoints
        .iter()
        .flatten()
        .filter_map(|s| s.supports.as_ref());
    for (rule, plan) in plans.flat_map(|supports| &supports.plans) {
        steps[*rule].push(format!("support: {plan}"));
    }
    let rules = hir.rules.iter().zip(&steps).map(|(rule, steps)| {
        let text = rule_text(rule.rule);
        let line = line_of(rule.rule.head.relation.span());
        quote!(::blossom::explain::RuleInfo { text: #text, line: #line, plan: &[#(#steps),*] })
    });
    let strata = analysis.strata.iter().zip(&plan.strata).zip(fixpoints).map(
        |((stratum, planned), semi_naive)| {
            let names = stratum
                .relations
                .iter()
                .map(|&r| hir.relations[r].name.to_string());
            let rules = &stratum.rules;
            let recursive = stratum.recursive;
            let fixpoint = match semi_naive {
                _ if !recursive => quote!(None),
                None => quote!(Differential),
                Some(semi_naive) if semi_naive.supports.is_some() => quote!(Retract),
                Some(semi_naive) => {
                    let partition = match &semi_naive.partition {
                        Some(columns) => {
                            let columns = (planned.relations.iter().zip(columns)).map(|(&r, c)| {
                                let decl = hir.relations[r];
                                format!("{}.{}", decl.name, decl.columns[*c].name)
                            });
                            quote!(::core::option::Option::Some(&[#(#columns),*]))
                        }
                        None => quote!(::core::option::Option::None),
                    };
                    quote!(SemiNaive { partition: #partition })
                }
            };
            quote!(::blossom::explain::StratumInfo {
                relations: &[#(#names),*],
                rules: &[#(#rules),*],
                recursive: #recursive,
                fixpoint: ::blossom::explain::Fixpoint::#fixpoint,
            })
        },
    );
    let transition = plan.transition.rules.iter().map(|r| r.rule);
    let carried = plan
        .carried
        .iter()
        .map(|&r| hir.relations[r].name.to_string());
    let (edges, outputs) = coordination(hir, calm);
    let placement = placement(hir, place);
    quote! {
        static EXPLAIN: ::blossom::Explain = ::blossom::Explain {
            program: #program,
            relations: &[#(#relations),*],
            rules: &[#(#rules),*],
            strata: &[#(#strata),*],
            transition: &[#(#transition),*],
            carried: &[#(#carried),*],
            edges: &[#(#edges),*],
            outputs: &[#(#outputs),*],
            placement: #placement,
            hub: #hub,
        };
        &EXPLAIN
    }
}

/// The placement of `hir`'s relations and its exchanges, as a `PlacementInfo` expression.
fn placement(hir: &Hir, place: &super::place::Placement) -> TokenStream {
    use super::place::Home;
    let names = |r: usize, columns: &[usize]| -> Vec<String> {
        (columns.iter())
            .map(|&c| hir.relations[r].columns[c].name.to_string())
            .collect()
    };
    let homes = place.homes.iter().enumerate().map(|(r, home)| {
        let relation = hir.relations[r].name.to_string();
        let (by, how) = match home {
            Home::Key {
                columns,
                declared: true,
                ..
            } => {
                let by = names(r, columns);
                let how = format!("declared: #[partition({})]", by.join(", "));
                (by, how)
            }
            Home::Key { columns, joins, .. } => {
                let plural = if *joins == 1 {
                    "join reads"
                } else {
                    "joins read"
                };
                (
                    names(r, columns),
                    format!("chosen: {joins} {plural} it by this key"),
                )
            }
            Home::Row => {
                let all: Vec<usize> = (0..hir.relations[r].columns.len()).collect();
                (
                    names(r, &all),
                    "by the whole row: no join reads it by a key".into(),
                )
            }
            Home::Host => (
                Vec::new(),
                "where the host puts its rows: no join reads it".into(),
            ),
            Home::Derived(rule) => (
                Vec::new(),
                format!("where rule {rule} derives it: its rows need no folding"),
            ),
            Home::Lattice(columns) => (
                names(r, columns),
                "by its key, where its values merge".into(),
            ),
            Home::SemiNaive => (Vec::new(), "as its semi-naive stratum places it".into()),
            Home::Hub(super::place::Location::At(columns)) => (
                names(r, columns),
                "in the hub, on the worker of the lattice key it holds".into(),
            ),
            Home::Hub(super::place::Location::Everywhere) => (
                Vec::new(),
                "in the hub, on every worker: its rules meet every entry of the lattice".into(),
            ),
            Home::Hub(super::place::Location::Unknown) => {
                (Vec::new(), "in the hub, where its rules derive it".into())
            }
        };
        quote!(::blossom::explain::HomeInfo { relation: #relation, by: &[#(#by),*], how: #how })
    });
    let exchanges = place.exchanges.iter().map(|exchange| {
        let relation = match exchange.relation {
            Some(r) => {
                let name = hir.relations[r].name.to_string();
                quote!(::core::option::Option::Some(#name))
            }
            None => quote!(::core::option::Option::None),
        };
        let (what, by, local, rules) = (
            &exchange.what,
            &exchange.by,
            exchange.local,
            &exchange.rules,
        );
        quote!(::blossom::explain::ExchangeInfo {
            what: #what, relation: #relation, by: &[#(#by),*], local: #local, rules: &[#(#rules),*],
        })
    });
    quote!(::blossom::explain::PlacementInfo {
        relations: &[#(#homes),*],
        exchanges: &[#(#exchanges),*],
    })
}

/// The CALM analysis of `hir`, as `EdgeInfo` and `OutputInfo` expressions.
fn coordination(hir: &Hir, calm: &Calm) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let name = |r: usize| hir.relations[r].name.to_string();
    let edges = calm.edges.iter().map(|edge| {
        let (from, to, rule) = (name(edge.from), name(edge.to), edge.rule);
        let asynchronous = edge.merge == crate::parse::Merge::Async;
        let reasons = edge.reasons.iter().map(|r| r.describe(&from, name));
        let view = edge.view;
        let sealed_by = match edge.sealed_by {
            Some(guard) => {
                let guard = name(guard);
                quote!(Some(#guard))
            }
            None => quote!(None),
        };
        quote!(::blossom::explain::EdgeInfo {
            from: #from, to: #to, rule: #rule, asynchronous: #asynchronous,
            reasons: &[#(#reasons),*], view: #view, sealed_by: #sealed_by,
        })
    });
    let outputs = calm.outputs.iter().map(|output| {
        let output_name = name(output.output);
        let output_label = label(output.label);
        let paths = output.paths.iter().map(|path| {
            let source = name(path.source);
            let path_label = label(path.label);
            let steps = &path.edges;
            let fix = (path.diverges_at)
                .and_then(|e| {
                    let edge = &calm.edges[e];
                    let reason = edge.reasons.first()?;
                    Some(reason.fix(&name(edge.from), name, edge.seal_hint.as_deref()))
                })
                .unwrap_or_default();
            let diverges_at = match path.diverges_at {
                Some(e) => quote!(Some(#e)),
                None => quote!(None),
            };
            quote!(::blossom::explain::PathInfo {
                source: #source, label: #path_label, edges: &[#(#steps),*],
                diverges_at: #diverges_at, fix: #fix,
            })
        });
        let eager = super::stratum::eager(hir, calm, output.output);
        quote!(::blossom::explain::OutputInfo {
            name: #output_name, label: #output_label, eager: #eager, paths: &[#(#paths),*],
        })
    });
    (edges.collect(), outputs.collect())
}

fn label(label: crate::calm::Label) -> TokenStream {
    match label {
        crate::calm::Label::Monotone => quote!(::blossom::explain::Label::Monotone),
        crate::calm::Label::Async => quote!(::blossom::explain::Label::Async),
        crate::calm::Label::Local => quote!(::blossom::explain::Label::Local),
        crate::calm::Label::Divergent => quote!(::blossom::explain::Label::Divergent),
    }
}
