//! Stage 1b: locations. A program that declares a channel runs as many logical nodes, and every
//! relation lives on them: this pass makes the location explicit, before names are resolved.
//!
//! Every relation but a channel gets a hidden first column, its node (a `blossom::Addr`); a
//! channel's `@` column already says where each of its rows lives. Every atom reads the rule's
//! node, so a rule runs on one node at a time and joins only rows of that node; every head
//! writes to the rule's node, except a `<~` head, whose `@` column names the node it goes to.
//! A variable written in a channel atom's `@` column, or first with `@` in any atom
//! (`heard(@me, w)`), is bound to (or compared with) the node.

use proc_macro2::Span;
use syn::{Expr, Ident, parse_quote};

use crate::diag::Diagnostics;
use crate::parse::{Atom, BodyItem, ColumnDecl, Kind, Program, Term};
use crate::resolve::pattern_idents;

/// The name of the hidden variable holding a rule's node.
const NODE: &str = "__blossom_at";

fn node_ident() -> Ident {
    Ident::new(NODE, Span::mixed_site())
}

/// Checks `@` columns, and makes locations explicit if the program has channels.
pub fn locate(program: &mut Program) -> syn::Result<()> {
    let mut diags = Diagnostics::default();
    for decl in &program.decls {
        let ats: Vec<Span> = decl.columns.iter().filter_map(|c| c.at).collect();
        match decl.kind {
            Kind::Channel if ats.is_empty() => diags.error(
                decl.name.span(),
                format!(
                    "channel `{}` needs a location column, written first with `@`, as in `channel {}(@to: Addr, ..)`",
                    decl.name, decl.name
                ),
            ),
            Kind::Channel if decl.columns.first().and_then(|c| c.at).is_none() || ats.len() > 1 => {
                diags.error(ats[ats.len() - 1], "a channel has one `@` column, and it comes first");
            }
            Kind::Channel if decl.key.is_some() => {
                if let Some((_, arrow)) = decl.key {
                    diags.error(arrow, format!("channel `{}` cannot have key columns: its rows are messages", decl.name));
                }
            }
            Kind::Channel => {}
            _ => {
                for at in ats {
                    diags.error(
                        at,
                        format!(
                            "`@` marks where a channel's rows go, but `{}` is {}",
                            decl.name,
                            decl.kind.described()
                        ),
                    );
                }
            }
        }
    }
    let has_channels = program.decls.iter().any(|d| d.kind == Kind::Channel);
    if !has_channels {
        for rule in &program.rules {
            for item in &rule.body {
                if let BodyItem::Atom(Atom { at: Some(at), .. }) = item {
                    diags.error(
                        *at,
                        "`@` names the node a row lives on, and only a program with a `channel` has nodes",
                    );
                }
            }
        }
        return diags.finish(());
    }
    let channels: Vec<String> = program
        .decls
        .iter()
        .filter(|d| d.kind == Kind::Channel)
        .map(|d| d.name.to_string())
        .collect();
    let is_channel = |name: &Ident| channels.contains(&name.to_string());
    for decl in program.decls.iter_mut().filter(|d| d.kind != Kind::Channel) {
        decl.columns.insert(
            0,
            ColumnDecl {
                at: None,
                name: node_ident(),
                ty: parse_quote!(::blossom::Addr),
            },
        );
        decl.key = decl.key.map(|(count, arrow)| (count + 1, arrow));
        decl.located = true;
    }
    let node: Expr = {
        let ident = node_ident();
        parse_quote!(#ident)
    };
    for rule in &mut program.rules {
        if !is_channel(&rule.head.relation) {
            rule.head.args.insert(0, node.clone());
        }
        let mut body = Vec::with_capacity(rule.body.len() + 1);
        let mut bound: Vec<String> = Vec::new();
        for mut item in std::mem::take(&mut rule.body) {
            let mut after = None;
            match &mut item {
                BodyItem::Atom(atom) if is_channel(&atom.relation) => {
                    after = located_atom(atom, &bound, &node);
                }
                // `r(@me, ..)`: the user names the node.
                BodyItem::Atom(atom) if atom.at.is_some() => {
                    after = located_atom(atom, &bound, &node);
                }
                BodyItem::Atom(atom) => atom.terms.insert(0, Term::Var(node_ident())),
                BodyItem::Let { pat, .. } => {
                    bound.extend(pattern_idents(pat).iter().map(|i| i.to_string()))
                }
                BodyItem::If { .. } => {}
            }
            if let BodyItem::Atom(atom) = &item
                && atom.negated.is_none()
            {
                bound.extend(atom.terms.iter().filter_map(|t| match t {
                    Term::Var(ident) => Some(ident.to_string()),
                    _ => None,
                }));
            }
            body.push(item);
            body.extend(after);
        }
        rule.body = body;
    }
    diags.finish(())
}

/// Puts the node in an atom's first column (a channel's `@` column, or the `@x` written first
/// in any atom), and returns what the user wrote there as a body item: `let x = node` for a new
/// variable, `if x == node` for a bound one or a constant.
fn located_atom(atom: &mut Atom, bound: &[String], node: &Expr) -> Option<BodyItem> {
    let first = atom.terms.first_mut()?;
    let written = std::mem::replace(first, Term::Var(node_ident()));
    match written {
        Term::Wildcard => None,
        Term::Var(ident) if ident == NODE => None,
        Term::Var(ident) if !bound.contains(&ident.to_string()) => Some(BodyItem::Let {
            pat: parse_quote!(#ident),
            expr: parse_quote!(::core::clone::Clone::clone(&#node)),
        }),
        Term::Var(ident) => Some(BodyItem::If {
            expr: parse_quote!(#ident == #node),
        }),
        Term::Const(expr) => Some(BodyItem::If {
            expr: parse_quote!((#expr) == #node),
        }),
    }
}
