//! Stage 3: the dependency graph of relations, its strongly connected components, and strata.
//!
//! An edge runs from each relation a rule reads to the relation it derives. Only `<=` rules
//! order a tick: relations on one cycle of them form one stratum, evaluated to a fixpoint
//! together, and strata run in dependency order. `<+` and `<-` rules take effect next tick, so
//! they order nothing; they run after every stratum. A negation or an aggregate must read a
//! relation that is complete, so it may not sit on a cycle of `<=` rules: such a program is
//! rejected, naming every rule on the cycle.

use std::collections::VecDeque;

use proc_macro2::Span;

use crate::diag::Diagnostics;
use crate::parse::{BodyItem, Merge};
use crate::resolve::{Hir, Item};

/// The program's strata and the edges between its relations.
pub struct Analysis {
    /// Strata in evaluation order: each reads only inputs, earlier strata and itself.
    pub strata: Vec<Stratum>,
    /// The `<+`, `<-` and `<+-` rules, evaluated once every stratum is complete.
    pub temporal: Vec<usize>,
    pub edges: Vec<Edge>,
}

/// Relations computed together, to a fixpoint if `recursive`.
pub struct Stratum {
    /// Relation ids, in declaration order.
    pub relations: Vec<usize>,
    /// The `<=` rules deriving into them, in program order.
    pub rules: Vec<usize>,
    /// Whether some rule reads a relation of this stratum.
    pub recursive: bool,
}

/// A dependency: `rule` reads `from` to derive `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub rule: usize,
    pub kind: EdgeKind,
    /// The rule's merge: only `<=` edges order a tick.
    pub merge: Merge,
}

/// How a rule reads a relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A positive atom of a rule without aggregates: monotone.
    Positive,
    /// A negated atom.
    Negated,
    /// An atom of a rule whose head aggregates.
    Aggregated,
}

impl Edge {
    fn same_tick(&self) -> bool {
        self.merge == Merge::Now
    }
}

/// Builds the dependency graph of `hir`, stratifies it, and rejects what cannot be stratified.
pub fn analyse(hir: &Hir) -> syn::Result<Analysis> {
    let mut edges = Vec::new();
    for (index, rule) in hir.rules.iter().enumerate() {
        for item in &rule.items {
            if let Item::Atom {
                relation, negated, ..
            } = item
            {
                let kind = match (negated, rule.aggregates()) {
                    (true, _) => EdgeKind::Negated,
                    (false, true) => EdgeKind::Aggregated,
                    (false, false) => EdgeKind::Positive,
                };
                let edge = Edge {
                    from: *relation,
                    to: rule.head,
                    rule: index,
                    kind,
                    merge: rule.rule.merge,
                };
                if !edges.contains(&edge) {
                    edges.push(edge);
                }
            }
        }
    }
    let count = hir.relations.len();
    let mut successors = vec![Vec::new(); count];
    for edge in edges.iter().filter(|e| e.same_tick()) {
        successors[edge.from].push(edge.to);
    }
    let derived = |relation: usize| !hir.relations[relation].kind.external();
    let components: Vec<Vec<usize>> = components(&successors).into_iter().rev().collect();
    let mut component_of = vec![0; count];
    for (index, component) in components.iter().enumerate() {
        for &relation in component {
            component_of[relation] = index;
        }
    }
    let mut diags = Diagnostics::default();
    for edge in &edges {
        if edge.same_tick()
            && edge.kind != EdgeKind::Positive
            && component_of[edge.from] == component_of[edge.to]
        {
            unstratifiable(hir, &edges, &component_of, edge, &mut diags);
        }
    }
    let strata = components
        .into_iter()
        .filter(|component| component.iter().any(|&r| derived(r)))
        .map(|mut relations| {
            relations.sort_unstable();
            let rules: Vec<usize> = (0..hir.rules.len())
                .filter(|&rule| {
                    hir.rules[rule].rule.merge == Merge::Now
                        && relations.contains(&hir.rules[rule].head)
                })
                .collect();
            let recursive = edges
                .iter()
                .any(|e| e.same_tick() && relations.contains(&e.from) && relations.contains(&e.to));
            Stratum {
                relations,
                rules,
                recursive,
            }
        })
        .collect();
    let temporal = (0..hir.rules.len())
        .filter(|&rule| {
            matches!(
                hir.rules[rule].rule.merge,
                Merge::Next | Merge::Delete | Merge::Upsert | Merge::Async
            )
        })
        .collect();
    diags.finish(Analysis {
        strata,
        temporal,
        edges,
    })
}

/// Reports `edge`, a negation or aggregate on a cycle of `<=` rules, with every rule on the
/// shortest such cycle.
fn unstratifiable(
    hir: &Hir,
    edges: &[Edge],
    component_of: &[usize],
    edge: &Edge,
    diags: &mut Diagnostics,
) {
    let component = component_of[edge.from];
    // The shortest path of `<=` edges inside the component from the head back to the read
    // relation: with `edge`, the cycle.
    let mut came_by: Vec<Option<&Edge>> = vec![None; hir.relations.len()];
    let mut queue = VecDeque::from([edge.to]);
    let mut seen = vec![false; hir.relations.len()];
    seen[edge.to] = true;
    while let Some(node) = queue.pop_front() {
        if node == edge.from {
            break;
        }
        for next in edges {
            if !next.same_tick() || next.from != node || component_of[next.to] != component {
                continue;
            }
            if std::mem::replace(&mut seen[next.to], true) {
                continue;
            }
            came_by[next.to] = Some(next);
            queue.push_back(next.to);
        }
    }
    let mut steps: Vec<&Edge> = Vec::new();
    let mut node = edge.from;
    while node != edge.to {
        let Some(step) = came_by[node] else { break };
        steps.push(step);
        node = step.from;
    }
    steps.reverse();
    let name = |r: usize| hir.relations[r].name.to_string();
    let cycle: Vec<String> = std::iter::once(edge.to)
        .chain(steps.iter().map(|step| step.to))
        .chain(std::iter::once(edge.to))
        .map(name)
        .collect();
    let rule = &hir.rules[edge.rule];
    let (what, span) = match edge.kind {
        EdgeKind::Negated => (
            format!("negates `{}`", name(edge.from)),
            negation_span(rule.rule, edge.from, hir).unwrap_or(rule.rule.head.relation.span()),
        ),
        _ => (
            format!("aggregates over `{}`", name(edge.from)),
            rule.aggregates
                .iter()
                .flatten()
                .map(|a| a.span)
                .next()
                .unwrap_or(rule.rule.head.relation.span()),
        ),
    };
    let mut rules_on_cycle = vec![edge.rule];
    for step in &steps {
        if !rules_on_cycle.contains(&step.rule) {
            rules_on_cycle.push(step.rule);
        }
    }
    let listing: Vec<String> = rules_on_cycle
        .iter()
        .map(|&r| format!("`{}`", crate::codegen::rule_text(hir.rules[r].rule)))
        .collect();
    let mut error = syn::Error::new(
        span,
        format!(
            "unstratifiable: this rule {what}, which depends on `{}` through rules of this same tick ({}), so `{}` cannot be complete before it is read; rules on the cycle: {}. Break the cycle with `<+` (next tick) on one of them",
            name(edge.to),
            cycle.join(" -> "),
            name(edge.from),
            listing.join(", "),
        ),
    );
    for &other in &rules_on_cycle[1..] {
        error.combine(syn::Error::new(
            hir.rules[other].rule.head.relation.span(),
            format!(
                "this rule is on the cycle through the {} of `{}`",
                if edge.kind == EdgeKind::Negated {
                    "negation"
                } else {
                    "aggregate"
                },
                name(edge.from)
            ),
        ));
    }
    diags.push(error);
}

/// The `!` of the first negated atom over `relation` in `rule`.
fn negation_span(rule: &crate::parse::Rule, relation: usize, hir: &Hir) -> Option<Span> {
    let name = &hir.relations[relation].name;
    rule.body.iter().find_map(|item| match item {
        BodyItem::Atom(atom) if atom.relation == *name => atom.negated,
        _ => None,
    })
}

/// Tarjan's strongly connected components; each component comes after every component it
/// reaches, so reversed, dependencies come first.
fn components(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        successors: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, node: usize) {
            self.index[node] = Some(self.next);
            self.low[node] = self.next;
            self.next += 1;
            self.stack.push(node);
            self.on_stack[node] = true;
            for &succ in &self.successors[node] {
                match self.index[succ] {
                    None => {
                        self.visit(succ);
                        self.low[node] = self.low[node].min(self.low[succ]);
                    }
                    Some(index) if self.on_stack[succ] => {
                        self.low[node] = self.low[node].min(index)
                    }
                    Some(_) => {}
                }
            }
            if Some(self.low[node]) == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                self.out.push(component);
            }
        }
    }
    let count = successors.len();
    let mut tarjan = Tarjan {
        successors,
        index: vec![None; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for node in 0..count {
        if tarjan.index[node].is_none() {
            tarjan.visit(node);
        }
    }
    tarjan.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Program;
    use crate::resolve::resolve;
    use quote::quote;

    #[test]
    fn strata_follow_dependencies_and_group_cycles() {
        let program: Program = syn::parse2(quote! {
            P {
                output out(a: u32);
                scratch odd(a: u32);
                scratch even(a: u32);
                table seen(a: u32);
                input num(a: u32);
                seen(x) <= num(x);
                even(x) <= seen(x), if x == 0;
                odd(y) <= even(x), seen(y), if y == x + 1;
                even(y) <= odd(x), seen(y), if y == x + 1;
                out(x) <= odd(x);
            }
        })
        .unwrap();
        let hir = resolve(&program).unwrap();
        let analysis = analyse(&hir).unwrap();
        let order: Vec<(Vec<usize>, bool)> = analysis
            .strata
            .iter()
            .map(|s| (s.relations.clone(), s.recursive))
            .collect();
        assert_eq!(
            order,
            [(vec![3], false), (vec![1, 2], true), (vec![0], false)]
        );
        assert_eq!(analysis.strata[1].rules, [1, 2, 3]);
    }

    fn analysed(tokens: proc_macro2::TokenStream) -> syn::Result<Analysis> {
        let program: Program = syn::parse2(tokens).unwrap();
        let hir = resolve(&program).unwrap();
        analyse(&hir)
    }

    #[test]
    fn temporal_rules_order_nothing_and_run_after_the_strata() {
        let analysis = analysed(quote! {
            P {
                input e(a: u32);
                table t(a: u32);
                output o(a: u32);
                o(x) <= e(x), !t(x);
                t(x) <+ o(x);
                t(x) <- t(x), e(x);
            }
        })
        .unwrap();
        // `t` comes first although a `<+` rule derives it from `o`: that edge is next tick's.
        let order: Vec<Vec<usize>> = analysis
            .strata
            .iter()
            .map(|s| s.relations.clone())
            .collect();
        assert_eq!(order, [vec![1], vec![2]]);
        assert_eq!(analysis.temporal, [1, 2]);
        assert!(analysis.strata.iter().all(|s| !s.recursive));
    }

    #[test]
    fn a_negation_on_a_cycle_names_every_rule_on_it() {
        let Err(errors) = analysed(quote! {
            P {
                input e(a: u32);
                scratch a(x: u32);
                scratch b(x: u32);
                scratch c(x: u32);
                a(x) <= e(x), !c(x);
                b(x) <= a(x);
                c(x) <= b(x);
                c(x) <= e(x);
            }
        }) else {
            panic!("accepted an unstratifiable program")
        };
        let messages: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
        assert!(messages[0].contains("a -> b -> c -> a"), "{messages:#?}");
        assert!(messages[0].contains("`b(x) <= a(x);`"), "{messages:#?}");
        assert!(messages[0].contains("`c(x) <= b(x);`"), "{messages:#?}");
        assert!(!messages[0].contains("`c(x) <= e(x);`"), "{messages:#?}");
        // One note at each other rule on the cycle.
        assert_eq!(messages.len(), 3, "{messages:#?}");
    }
}
