//! Transitive closure, one function per system, and the reference it is checked against.
//!
//! Each is the textbook left-linear rule, written the way a user of that system would write it:
//!
//! ```text
//! tc(x, y) :- edge(x, y).
//! tc(x, z) :- tc(x, y), edge(y, z).
//! ```

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::Iterate;
use timely::dataflow::operators::probe::Handle;

/// datafrog 2: semi-naive evaluation with an explicit `Iteration` and sorted relations.
pub fn datafrog(edges: &[(u32, u32)]) -> usize {
    let mut iteration = datafrog::Iteration::new();
    let edge: datafrog::Relation<(u32, u32)> = edges.iter().copied().collect();
    // Stored as (y, x), keyed by the column the join uses.
    let tc_by_dst = iteration.variable::<(u32, u32)>("tc");
    // tc(x, y) :- edge(x, y)
    tc_by_dst.extend(edges.iter().map(|&(x, y)| (y, x)));
    while iteration.changed() {
        // tc(x, z) :- tc(x, y), edge(y, z)
        tc_by_dst.from_join(&tc_by_dst, &edge, |_y, &x, &z| (z, x));
    }
    tc_by_dst.complete().len()
}

ascent::ascent! {
    /// The closure as an Ascent program (serial, no `par` feature).
    struct AscentTc;
    relation edge(u32, u32);
    relation tc(u32, u32);
    tc(x, y) <-- edge(x, y);
    tc(x, z) <-- tc(x, y), edge(y, z);
}

/// Ascent 0.8: the rules above, compiled by the `ascent!` macro.
pub fn ascent(edges: &[(u32, u32)]) -> usize {
    let mut program = AscentTc {
        edge: edges.to_vec(),
        ..AscentTc::default()
    };
    program.run();
    program.tc.len()
}

/// Blossom's `Reach` program (examples/src/reach.rs), started, fed and ticked once.
pub fn blossom(edges: &[(u32, u32)], workers: usize) -> usize {
    let config = blossom::Config::with_workers(workers);
    blossom_examples::reach::closure_size(edges.iter().copied(), &config).expect("Blossom failed")
}

/// differential-dataflow 0.26: a naive `iterate` + `join_map` + `distinct` dataflow on `workers`
/// threads of one process. The time covers building the dataflow and starting the workers, as
/// the peers' published numbers do.
pub fn differential(edges: &[(u32, u32)], workers: usize) -> usize {
    // Workers are threads that outlive this borrow; the copy costs well under a millisecond.
    let edges = Arc::new(edges.to_vec());
    let config = timely::Config::process(workers);
    let guards = timely::execute(config, move |worker| {
        let (index, peers) = (worker.index(), worker.peers());
        let probe = Handle::new();
        // Each worker counts the pairs that reach it; the sum over workers is the closure size.
        let pairs = Rc::new(Cell::new(0isize));
        let counter = Rc::clone(&pairs);
        let mut input = worker.dataflow::<u64, _, _>(|scope| {
            let (input, edge) = scope.new_collection::<(u32, u32), isize>();
            // tc(x, y) :- edge(x, y)  (the loop starts from, and keeps, the edges)
            edge.clone()
                .iterate(|scope, tc| {
                    let edge = edge.enter(scope);
                    // tc(x, z) :- tc(x, y), edge(y, z)
                    tc.map(|(x, y)| (y, x))
                        .join_map(edge.clone(), |_y, &x, &z| (x, z))
                        .concat(edge)
                        .distinct()
                })
                .inspect(move |(_pair, _time, diff)| counter.set(counter.get() + diff))
                .probe_with(&probe);
            input
        });
        for &edge in edges.iter().skip(index).step_by(peers) {
            input.insert(edge);
        }
        input.close();
        worker.step_while(|| !probe.done());
        pairs.get()
    })
    .unwrap_or_else(|error| panic!("timely could not start {workers} workers: {error}"));
    let total: isize = guards
        .join()
        .into_iter()
        .map(|worker| worker.unwrap_or_else(|error| panic!("a timely worker failed: {error}")))
        .sum();
    usize::try_from(total).unwrap_or_else(|_| panic!("negative closure size {total}"))
}

/// The oracle: a breadth-first search from every node. Obviously correct, and slow.
pub fn reference_closure_size(edges: &[(u32, u32)]) -> usize {
    let mut successors: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(src, dst) in edges {
        successors.entry(src).or_default().push(dst);
    }
    successors
        .keys()
        .map(|&start| {
            // Nodes reachable by one or more edges; `start` only if it lies on a cycle.
            let mut reached = HashSet::new();
            let mut frontier = vec![start];
            while let Some(node) = frontier.pop() {
                for &next in successors.get(&node).into_iter().flatten() {
                    if reached.insert(next) {
                        frontier.push(next);
                    }
                }
            }
            reached.len()
        })
        .sum()
}
