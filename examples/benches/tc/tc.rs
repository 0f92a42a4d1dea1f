//! The transitive-closure programs being compared, one function per system.
//!
//! Each is the textbook left-linear rule, written the way a user of that system would write it:
//!
//! ```text
//! tc(x, y) :- edge(x, y).
//! tc(x, z) :- tc(x, y), edge(y, z).
//! ```

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::Iterate;
use timely::dataflow::operators::probe::Handle;

/// A system under test: computes the closure of `edges` and returns its size (the number of pairs).
///
/// Only this call is timed. A system that cannot finish panics; it runs in a child process, so
/// the harness records the failure and carries on.
pub type Tc = fn(edges: &[(u32, u32)]) -> usize;

/// Every system the harness knows, in the order the table shows them.
///
/// To compare another system, write a [`Tc`] function and add its row here.
pub const SYSTEMS: &[(&str, Tc)] = &[
    ("datafrog", datafrog),
    ("ascent", ascent),
    ("dd-1w", dd_one_worker),
    ("dd-2w", dd_two_workers),
    ("blossom-1w", blossom_one_worker),
    ("blossom-2w", blossom_two_workers),
];

/// The system other systems' times and memory are divided by, when it ran.
pub const BASELINE: &str = "datafrog";

/// Looks a system up by name.
pub fn find(name: &str) -> Option<Tc> {
    SYSTEMS.iter().find(|(n, _)| *n == name).map(|&(_, tc)| tc)
}

/// datafrog 2: semi-naive evaluation with an explicit `Iteration` and sorted relations.
fn datafrog(edges: &[(u32, u32)]) -> usize {
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
fn ascent(edges: &[(u32, u32)]) -> usize {
    let mut program = AscentTc {
        edge: edges.to_vec(),
        ..AscentTc::default()
    };
    program.run();
    program.tc.len()
}

fn blossom_one_worker(edges: &[(u32, u32)]) -> usize {
    blossom(edges, 1)
}

fn blossom_two_workers(edges: &[(u32, u32)]) -> usize {
    blossom(edges, 2)
}

/// Blossom's `Reach` program (examples/src/reach.rs), started, fed and ticked once.
fn blossom(edges: &[(u32, u32)], workers: usize) -> usize {
    let config = blossom::Config::with_workers(workers);
    blossom_examples::reach::closure_size(edges.iter().copied(), &config).expect("Blossom failed")
}

fn dd_one_worker(edges: &[(u32, u32)]) -> usize {
    differential(edges, 1)
}

fn dd_two_workers(edges: &[(u32, u32)]) -> usize {
    differential(edges, 2)
}

/// differential-dataflow 0.26: a naive `iterate` + `join_map` + `distinct` dataflow on `workers`
/// threads of one process. The time covers building the dataflow and starting the workers, as
/// the peers' published numbers do.
fn differential(edges: &[(u32, u32)], workers: usize) -> usize {
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
