//! The strata of a program: the strongly connected components of its `<=` dependency graph
//! (an edge from every relation a `<=` rule reads to its head), each after every one it reads.

use super::{Literal, Merge, Program};

/// Every relation, in components listed so that a component comes after every component a
/// `<=` rule reads into it from. Panics, naming the rule, if a `<=` rule negates or
/// aggregates a relation in its head's component: such a program has no strata.
pub fn strata(program: &Program) -> Vec<Vec<usize>> {
    let n = program.relations.len();
    // reach[a][b]: a path of `<=` edges leads from a to b.
    let mut reach = vec![vec![false; n]; n];
    for rule in program.rules.iter().filter(|r| r.merge == Merge::Now) {
        for relation in reads(&rule.body) {
            reach[relation][rule.head] = true;
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                reach[i][j] |= reach[i][k] && reach[k][j];
            }
        }
    }
    let same = |a: usize, b: usize| a == b || (reach[a][b] && reach[b][a]);
    for (number, rule) in program.rules.iter().enumerate() {
        if rule.merge != Merge::Now {
            continue;
        }
        for literal in &rule.body {
            let (relation, negated) = match literal {
                Literal::Atom(r, _) => (*r, false),
                Literal::Not(r, _) => (*r, true),
                _ => continue,
            };
            let what = match (negated, rule.aggregates()) {
                (true, _) => "negates",
                (false, true) => "aggregates over",
                (false, false) => continue,
            };
            assert!(
                !same(relation, rule.head),
                "not stratifiable: rule {number} {what} `{}`, in the same component as its head",
                program.relations[relation].name
            );
        }
    }
    let mut components: Vec<Vec<usize>> = Vec::new();
    for r in 0..n {
        match components.iter_mut().find(|c| same(c[0], r)) {
            Some(component) => component.push(r),
            None => components.push(vec![r]),
        }
    }
    // Kahn: take the first component that no remaining component leads into.
    let mut ordered = Vec::new();
    while !components.is_empty() {
        let feeds = |from: &Vec<usize>, to: &Vec<usize>| {
            from.iter()
                .any(|&a| to.iter().any(|&b| !same(a, b) && reach[a][b]))
        };
        let next = (0..components.len())
            .find(|&i| !components.iter().any(|other| feeds(other, &components[i])))
            .expect("the components of a graph form a DAG");
        ordered.push(components.remove(next));
    }
    ordered
}

/// The relations a body reads, positively or negated.
pub fn reads(body: &[Literal]) -> impl Iterator<Item = usize> + '_ {
    body.iter().filter_map(|literal| match literal {
        Literal::Atom(r, _) | Literal::Not(r, _) => Some(*r),
        _ => None,
    })
}
