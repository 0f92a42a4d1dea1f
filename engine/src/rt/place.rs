//! Where rows live: every relation spread over the workers by a partition key, and every
//! exchange between workers counted.
//!
//! A row of a relation partitioned by columns `c, ..` lives on worker `hash((c, ..)) mod w`,
//! with differential's own hash ([`Hashable`]), so that an index built by the same columns in
//! the same order finds its rows on the worker that already holds them: the exchange in front
//! of it moves nothing. The macro chooses each relation's key from the joins that read it (or
//! takes the one declared), numbers every exchange of the plan, and shows them in `explain`.
//!
//! An exchange the plan calls local still routes each row by its hash, rather than trusting
//! the plan and skipping the exchange: a wrong plan then costs rows moved, never a wrong
//! answer, and the counters (what [`crate::Runtime::exchanged`] reports) show it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use differential_dataflow::AsCollection;
use differential_dataflow::Hashable;
use differential_dataflow::operators::arrange::arrangement::arrange_core;
use differential_dataflow::trace::implementations::{
    KeyBatcher, KeyBuilder, KeySpine, ValBatcher, ValSpine,
};
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;

use super::{Column, Index, Rel, Time};
use crate::device::{DevicePolicy, Devices};

/// How the workers of a program place rows: as the plan says, or the naive way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    /// Each relation partitioned by the key the plan chose: a join whose inputs are
    /// partitioned by its key exchanges nothing.
    #[default]
    Planned,
    /// Every relation spread by a hash of the whole row, so that every index exchanges its
    /// rows: the plan differential dataflow gives by default, kept for comparison.
    Naive,
}

/// Rows each exchange of a program's plan sent from one worker to another, counted by every
/// worker of this process (`counts[exchange][worker]`).
#[derive(Debug, Default)]
pub struct Exchanges {
    counts: Mutex<BTreeMap<usize, Vec<Arc<AtomicU64>>>>,
}

impl Exchanges {
    /// A new counter of exchange `exchange` for one worker.
    fn counter(&self, exchange: usize) -> Arc<AtomicU64> {
        let counter = Arc::<AtomicU64>::default();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.entry(exchange).or_default().push(counter.clone());
        counter
    }

    /// Rows moved so far by each exchange (indexes into `Explain::placement`'s exchanges),
    /// summed over this process's workers.
    pub fn moved(&self) -> BTreeMap<usize, u64> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .iter()
            .map(|(&exchange, counters)| {
                let sum = counters.iter().map(|c| c.load(Ordering::Relaxed)).sum();
                (exchange, sum)
            })
            .collect()
    }
}

/// What the generated code needs of its worker while it builds the dataflow: where rows live,
/// the counters of what moves, and the worker's way to run device kernels.
pub(crate) struct Building {
    pub placement: Placement,
    pub exchanges: Arc<Exchanges>,
    pub devices: Rc<RefCell<Devices>>,
}

thread_local! {
    /// Set by the worker while the generated code builds its dataflow, so that the functions
    /// it calls need not thread the worker's settings through every stratum.
    static BUILDING: RefCell<Option<Building>> = const { RefCell::new(None) };
}

/// Runs `build` (a worker building its dataflow) in `context`.
pub(crate) fn building<R>(context: Building, build: impl FnOnce() -> R) -> R {
    let previous = BUILDING.replace(Some(context));
    let built = build();
    BUILDING.set(previous);
    built
}

/// The worker's device runner, for a device rule's operator (`device::map`); outside a
/// worker (a hand-built dataflow), one that runs kernels on the CPU.
pub fn devices() -> Rc<RefCell<Devices>> {
    BUILDING.with_borrow(|b| match b {
        Some(b) => b.devices.clone(),
        None => Rc::new(RefCell::new(Devices::new(
            DevicePolicy::Cpu,
            Arc::default(),
        ))),
    })
}

fn placement() -> Placement {
    BUILDING.with_borrow(|b| b.as_ref().map(|b| b.placement).unwrap_or_default())
}

fn counter(exchange: usize) -> Arc<AtomicU64> {
    BUILDING.with_borrow(|b| match b {
        Some(b) => b.exchanges.counter(exchange),
        None => Arc::default(),
    })
}

/// The hash that places a key: differential's, so that its own operators agree.
pub fn hash<K: std::hash::Hash>(key: &K) -> u64 {
    key.hashed()
}

/// `route` (an update's hash), counting in exchange `exchange` every update it sends to
/// another worker than this one of `scope` (timely sends an update to worker `hash mod peers`).
pub(super) fn counted<T: Time, D>(
    exchange: usize,
    scope: &super::Scope<'_, T>,
    route: impl Fn(&D) -> u64 + 'static,
) -> impl FnMut(&D) -> u64 + 'static {
    let counter = counter(exchange);
    let (index, peers) = (scope.index() as u64, scope.peers() as u64);
    move |update| {
        let hash = route(update);
        if hash % peers != index {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        hash
    }
}

/// The partition of a row: the hash of its key's columns, or of the whole row when the
/// program runs the naive plan (or `key` is `None`: the plan spreads it by the whole row).
fn partition<D: Column>(key: Option<fn(&D) -> u64>) -> impl Fn(&D) -> u64 + 'static {
    let key = key.filter(|_| placement() == Placement::Planned);
    move |row| match key {
        Some(key) => key(row),
        None => hash(row),
    }
}

/// `rel`'s rows sent to the workers that own them (exchange `exchange`): an input, as the host
/// spread it, placed by its partition key.
pub fn partition_rows<'s, T: Time, D: Column>(
    rel: Rel<'s, T, D>,
    exchange: usize,
    key: Option<fn(&D) -> u64>,
) -> Rel<'s, T, D> {
    let scope = rel.scope();
    let part = partition(key);
    let route = counted(exchange, &scope, move |update: &(D, T, isize)| {
        part(&update.0)
    });
    rel.inner
        .unary(Exchange::new(route), "Partition", |_, _| {
            move |input, output| {
                input.for_each(|time, data| {
                    output.session(&time).give_container(data);
                });
            }
        })
        .as_collection()
}

/// The rows of `parts` once each, placed by the partition key (exchange `exchange`).
pub fn union_by<'s, T: Time, D: Column>(
    scope: super::Scope<'s, T>,
    parts: Vec<Rel<'s, T, D>>,
    exchange: usize,
    key: Option<fn(&D) -> u64>,
) -> Rel<'s, T, D> {
    let part = partition(key);
    let route = counted(exchange, &scope, move |update: &((D, ()), T, isize)| {
        part(&update.0.0)
    });
    let rows = differential_dataflow::collection::concatenate(scope, parts).map(|row| (row, ()));
    arrange_core::<_, _, KeyBatcher<D, T, isize>, KeySpine<D, T, isize>>(
        rows.inner,
        Exchange::new(route),
        "Place",
        KeyBatcher::new,
    )
    .reduce_abelian::<_, KeyBuilder<D, T, isize>, KeySpine<D, T, isize>, _, _>(
        "Distinct",
        |_row, _counts, out| out.push(((), 1)),
        |built, row, updates| {
            built.clear();
            built.extend(updates.drain(..).map(|(v, t, r)| ((row.clone(), v), t, r)));
        },
    )
    .as_collection(|row, _| row.clone())
}

/// `(key, value)` pairs arranged by key on the worker that owns the key (exchange `exchange`).
pub fn arrange_at<'s, T: Time, K: Column, V: Column>(
    pairs: Rel<'s, T, (K, V)>,
    exchange: usize,
) -> Index<'s, T, K, V> {
    let scope = pairs.scope();
    let route = counted(exchange, &scope, |update: &((K, V), T, isize)| {
        hash(&update.0.0)
    });
    arrange_core::<_, _, ValBatcher<K, V, T, isize>, ValSpine<K, V, T, isize>>(
        pairs.inner,
        Exchange::new(route),
        "Index",
        ValBatcher::new,
    )
}
