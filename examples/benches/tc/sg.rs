//! Same generation: two nodes are of one generation if they share a parent, or if their
//! parents are. A recursive rule with three atoms, so a system either materialises the join of
//! two of them or nests its loops:
//!
//! ```text
//! sg(x, y) :- edge(p, x), edge(p, y), x != y.
//! sg(x, y) :- edge(a, x), sg(a, b), edge(b, y).
//! ```

use std::collections::{HashMap, HashSet};

/// Sizes published for the shared graphs (cuDF's, as listed by the gdlog README; see
/// shared/research/datalog-peers.md).
const PUBLISHED: &[(&str, usize)] = &[("ego-facebook", 15_018_986), ("ca-hepth", 74_618_689)];

/// The published size of `graph`'s same-generation relation, where there is one.
pub fn published_size(graph: &str) -> Option<usize> {
    PUBLISHED
        .iter()
        .find(|(name, _)| *name == graph)
        .map(|&(_, size)| size)
}

/// datafrog 2, as its users write a three-way join: an intermediate variable `down(b, x)`
/// (`sg(a, b), edge(a, x)`) joined with the edges again. The base rule runs once, before the
/// loop.
pub fn datafrog(edges: &[(u32, u32)]) -> usize {
    let mut iteration = datafrog::Iteration::new();
    let by_parent: datafrog::Relation<(u32, u32)> = edges.iter().copied().collect();
    let siblings = datafrog::Relation::from_join(&by_parent, &by_parent, |_p, &x, &y| (x, y));
    // Stored as (a, b), keyed by a, as both joins read it.
    let sg = iteration.variable::<(u32, u32)>("sg");
    let down = iteration.variable::<(u32, u32)>("down");
    sg.extend(siblings.iter().filter(|(x, y)| x != y));
    while iteration.changed() {
        // down(b, x) :- sg(a, b), edge(a, x)
        down.from_join(&sg, &by_parent, |_a, &b, &x| (b, x));
        // sg(x, y) :- down(b, x), edge(b, y)
        sg.from_join(&down, &by_parent, |_b, &x, &y| (x, y));
    }
    sg.complete().len()
}

ascent::ascent! {
    /// Same generation as an Ascent program (serial).
    struct AscentSg;
    relation edge(u32, u32);
    relation sg(u32, u32);
    sg(x, y) <-- edge(p, x), edge(p, y), if x != y;
    sg(x, y) <-- edge(a, x), sg(a, b), edge(b, y);
}

/// Ascent 0.8: the rules above; its nested loops look up both edges by index.
pub fn ascent(edges: &[(u32, u32)]) -> usize {
    let mut program = AscentSg {
        edge: edges.to_vec(),
        ..AscentSg::default()
    };
    program.run();
    program.sg.len()
}

blossom::program! {
    /// Same generation, as a Blossom user writes it.
    SameGeneration {
        input  edge(parent: u32, child: u32);
        table  link(parent: u32, child: u32);
        output sg(x: u32, y: u32);

        link(p, c) <= edge(p, c);
        sg(x, y) <= link(p, x), link(p, y), if x != y;
        sg(x, y) <= link(a, x), sg(a, b), link(b, y);
    }
}

/// [`SameGeneration`], started, fed and ticked once.
pub fn blossom(edges: &[(u32, u32)], workers: usize) -> usize {
    let config = blossom::Config::with_workers(workers);
    let mut program = SameGeneration::with_config(&config).expect("Blossom failed to start");
    program.edge.extend(edges.iter().copied());
    program.tick().expect("Blossom failed");
    program.sg.len()
}

/// The oracle: the rules applied to everything derived so far until nothing is new.
pub fn reference_size(edges: &[(u32, u32)]) -> usize {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(parent, child) in edges {
        children.entry(parent).or_default().push(child);
    }
    let kids = |node: u32| children.get(&node).into_iter().flatten().copied();
    let mut sg: HashSet<(u32, u32)> = HashSet::new();
    for &p in children.keys() {
        for x in kids(p) {
            sg.extend(kids(p).filter(|&y| y != x).map(|y| (x, y)));
        }
    }
    loop {
        let derived: Vec<(u32, u32)> = sg
            .iter()
            .flat_map(|&(a, b)| kids(a).flat_map(move |x| kids(b).map(move |y| (x, y))))
            .collect();
        let before = sg.len();
        sg.extend(derived);
        if sg.len() == before {
            return sg.len();
        }
    }
}
