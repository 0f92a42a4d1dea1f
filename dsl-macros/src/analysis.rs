//! Stage 3: the dependency graph of relations, its strongly connected components, and strata.
//!
//! An edge runs from each relation a rule reads to the relation it derives. Relations on one
//! cycle form one stratum, evaluated to a fixpoint together; strata run in dependency order.
//! Every edge is monotone so far: the rules have no negation or aggregation yet.

use crate::parse::Kind;
use crate::resolve::{Hir, Item};

/// The program's strata and the edges between its relations.
pub struct Analysis {
    /// Strata in evaluation order: each reads only inputs, earlier strata and itself.
    pub strata: Vec<Stratum>,
    pub edges: Vec<Edge>,
}

/// Relations computed together, to a fixpoint if `recursive`.
pub struct Stratum {
    /// Relation ids, in declaration order.
    pub relations: Vec<usize>,
    /// The rules deriving into them, in program order.
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
}

/// Builds the dependency graph of `hir` and stratifies it.
pub fn analyse(hir: &Hir) -> Analysis {
    let mut edges = Vec::new();
    for (index, rule) in hir.rules.iter().enumerate() {
        for item in &rule.items {
            if let Item::Atom { relation, .. } = item {
                let edge = Edge {
                    from: *relation,
                    to: rule.head,
                    rule: index,
                };
                if !edges.contains(&edge) {
                    edges.push(edge);
                }
            }
        }
    }
    let count = hir.relations.len();
    let mut successors = vec![Vec::new(); count];
    for edge in &edges {
        successors[edge.from].push(edge.to);
    }
    let derived = |relation: usize| hir.relations[relation].kind != Kind::Input;
    let strata = components(&successors)
        .into_iter()
        .rev()
        .filter(|component| component.iter().any(|&r| derived(r)))
        .map(|mut relations| {
            relations.sort_unstable();
            let rules: Vec<usize> = (0..hir.rules.len())
                .filter(|&rule| relations.contains(&hir.rules[rule].head))
                .collect();
            let recursive = edges
                .iter()
                .any(|e| relations.contains(&e.from) && relations.contains(&e.to));
            Stratum {
                relations,
                rules,
                recursive,
            }
        })
        .collect();
    Analysis { strata, edges }
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
        let analysis = analyse(&hir);
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
}
