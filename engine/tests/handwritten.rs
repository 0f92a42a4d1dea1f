//! The runtime driven by a hand-written dataflow of the shape `program!` generates.

use std::collections::BTreeSet;

use blossom::rt::{self, Scope, Tick, WorkerIo};
use blossom::{Config, Input, Output, Runtime};

/// link(a, b) <= edge(a, b);            (table)
/// path(a, b) <= link(a, b);            (scratch, recursive)
/// path(a, c) <= path(a, b), link(b, c);
/// path is the output.
fn dataflow(scope: Scope<'_, Tick>, io: &mut WorkerIo) {
    let edge = io.input::<(u32, u32)>(scope);
    let (link_var, link_prev) = rt::previous_tick::<(u32, u32)>(scope);
    let derived = rt::scan(&edge, |&(a, b)| Some((a, b)));
    let link = rt::union(scope, vec![link_prev, derived]);
    link_var.set(link.clone());
    io.settle(&link);
    let path = scope.iterative::<u64, _, _>(|inner| {
        let (path_var, path) = rt::recursive::<(u32, u32)>(inner);
        let link = link.clone().enter(inner);
        let base = rt::scan(&link, |&(a, b)| Some((a, b)));
        let left = rt::index(&path, 0, |&(a, b)| Some(((b,), (a,))));
        let right = rt::index(&link, 1, |&(b, c)| Some(((b,), (c,))));
        let step = rt::join(&left, &right, |_, &(a,), &(c,)| Some((a, c)));
        let next = rt::union(inner, vec![base, step]);
        path_var.set(next.clone());
        next.leave(scope)
    });
    io.output(&path);
}

fn closure(edges: &BTreeSet<(u32, u32)>) -> Vec<(u32, u32)> {
    let mut tc = edges.clone();
    loop {
        let more: Vec<_> = tc
            .iter()
            .flat_map(|&(a, b)| {
                edges
                    .iter()
                    .filter(move |e| e.0 == b)
                    .map(move |e| (a, e.1))
            })
            .filter(|p| !tc.contains(p))
            .collect();
        if more.is_empty() {
            return tc.into_iter().collect();
        }
        tc.extend(more);
    }
}

#[test]
fn tables_persist_and_recursion_reaches_fixpoint() {
    for workers in [1, 2, 4] {
        let mut runtime = Runtime::start(&Config::with_workers(workers), 1, dataflow).unwrap();
        let path = Output::<(u32, u32)>::new(&runtime, 0);
        let mut edge = Input::<(u32, u32)>::default();
        let mut all = BTreeSet::new();
        let batches = [
            vec![(1, 2), (2, 3)],
            vec![],
            vec![(3, 1), (7, 8)],
            vec![(8, 9)],
        ];
        for batch in batches {
            all.extend(batch.iter().copied());
            edge.extend(batch);
            runtime.tick(&mut [&mut edge]).unwrap();
            let expected = closure(&all);
            assert_eq!(path.snapshot().unwrap(), expected, "workers={workers}");
            assert_eq!(path.len(), expected.len());
        }
    }
}
