//! A lattice and the requests that meet it, run as one operator: Anna's executor, written as
//! rules.
//!
//! A program whose state is one lattice relation, read and written by rules over rows that
//! hold for one tick (its inputs, and scratches and outputs derived from them), does not need
//! differential dataflow's machinery for those rules: no arrangement of rows that vanish at the
//! next tick, no retraction flowing through every operator, no distinct of rows derived once.
//! The macro recognises such a group of relations and rules (its `hub`, see `blossom-macros`)
//! and generates this module's calls instead of [`crate::rt`]'s: the same chain of closures per
//! rule, run by one timely operator per worker.
//!
//! Per tick, once every input has all its rows for the tick, the operator takes each input's
//! new rows (an input's rows hold for one tick: their retraction at the next tick is not news),
//! runs the rules once in the order of their strata, and:
//! - a transient relation (input, scratch or output) holds the rows its rules derived in this
//!   tick only; an output's rows are sent at the tick, and taken back at the next;
//! - the lattice is a map from key to value on the worker that owns the key: a rule merging
//!   into it with `<=` merges at once (later strata read the merged value), one with `<+` once
//!   the tick's rules are done (so the next tick reads it);
//! - a rule joining the lattice by its whole key looks the key up; one joining it by no key
//!   meets every entry this worker owns.
//!
//! Rows go to the worker that owns their key as they arrive ([`Route`]); the macro admits only
//! rules that then find their keys at home, so no row moves between workers within a tick.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::rc::Rc;

use differential_dataflow::AsCollection;
use rustc_hash::FxHashMap;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::generic::OutputBuilder;
use timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use timely::dataflow::operators::vec::Broadcast;

use super::{Column, Rel, Scope, Tick};

type Shared<T> = Rc<RefCell<T>>;

/// Takes an input's rows for a tick into the relation the rules read.
type Load = Box<dyn FnMut(Tick)>;

fn shared<T>(value: T) -> Shared<T> {
    Rc::new(RefCell::new(value))
}

/// How an input's rows reach the workers.
pub enum Route<D> {
    /// To the worker that owns the key this function hashes (with [`owner`]'s hash), counted
    /// as exchange `.1` of the plan.
    Key(fn(&D) -> u64, usize),
    /// To every worker: the rules read it against every entry of the lattice.
    Broadcast,
}

/// The hash by which a key's worker is chosen: differential's, as placement's.
pub fn owner<K: Hash>(key: &K) -> u64 {
    super::place::hash(key)
}

/// What runs at a tick, in order: the rules' stages (in the order the generated code made
/// them, a topological order), then the merges for the next tick.
#[derive(Default)]
struct Steps {
    now: Vec<Box<dyn FnMut()>>,
    after: Vec<Box<dyn FnMut()>>,
    /// Clears what a transient relation or stage held at the last tick.
    clears: Vec<Box<dyn FnMut()>>,
}

/// A transient relation's rows in this tick, or a rule stage's.
pub struct Rows<D> {
    rows: Shared<Vec<D>>,
    steps: Shared<Steps>,
}

impl<D> Clone for Rows<D> {
    fn clone(&self) -> Self {
        Rows {
            rows: Rc::clone(&self.rows),
            steps: Rc::clone(&self.steps),
        }
    }
}

/// A rule's first stage, keyed for its join with the lattice.
pub struct Pairs<K, V> {
    pairs: Shared<Vec<(K, V)>>,
    steps: Shared<Steps>,
}

/// The lattice as a join's right side: for a key, the values its entry gives (one, or none);
/// by no key (`()`), every entry's.
pub struct Lookup<K, V> {
    each: Rc<Each<K, V>>,
}

/// Calls its second argument with each value the lattice gives for a key.
type Each<K, V> = dyn Fn(&K, &mut dyn FnMut(&V));

/// The lattice relation: this worker's entries, the key's columns to the value.
pub struct Lattice<K, L> {
    map: Shared<FxHashMap<K, L>>,
    /// This worker's index and the number of workers: a key lives on worker `owner % peers`.
    worker: (u64, u64),
    /// The value each key had before this tick changed it, while someone reads the changes.
    before: Option<Shared<FxHashMap<K, Option<L>>>>,
    steps: Shared<Steps>,
    /// `Lattice::merge` of `L`, taken where the relation is made: the one place that asks for
    /// the bound, so that a type that is not a lattice is one error, at the type.
    join: fn(&mut L, L) -> bool,
}

/// Each row a stage derives from each row of `rows`, afresh each tick.
fn derived<D: 'static, E: 'static>(
    steps: &Shared<Steps>,
    input: &Shared<Vec<D>>,
    mut each: impl FnMut(&D, &mut Vec<E>) + 'static,
) -> Rows<E> {
    let rows: Shared<Vec<E>> = shared(Vec::new());
    let (from, into) = (Rc::clone(input), Rc::clone(&rows));
    let mut steps_mut = steps.borrow_mut();
    steps_mut.now.push(Box::new(move || {
        let mut into = into.borrow_mut();
        for row in from.borrow().iter() {
            each(row, &mut into);
        }
    }));
    let clear = Rc::clone(&rows);
    steps_mut
        .clears
        .push(Box::new(move || clear.borrow_mut().clear()));
    drop(steps_mut);
    Rows {
        rows,
        steps: Rc::clone(steps),
    }
}

/// Filters and reshapes each row (a rule without a join).
pub fn scan<D: Column, E: Column>(
    rows: &Rows<D>,
    logic: impl Fn(&D) -> Option<E> + 'static,
) -> Rows<E> {
    derived(&rows.steps, &rows.rows, move |row, out| {
        out.extend(logic(row))
    })
}

/// Keys each row for the join that follows (a rule's first stage).
pub fn index<D: Column, K: Column, V: Column>(
    rows: &Rows<D>,
    logic: impl Fn(&D) -> Option<(K, V)> + 'static,
) -> Pairs<K, V> {
    let keyed = derived(&rows.steps, &rows.rows, move |row, out| {
        out.extend(logic(row))
    });
    Pairs {
        pairs: keyed.rows,
        steps: keyed.steps,
    }
}

/// Joins each keyed row with the lattice: its key's entry, or every entry.
pub fn join<K: Column, V1: Column, V2: 'static, D: Column>(
    left: &Pairs<K, V1>,
    right: &Lookup<K, V2>,
    logic: impl Fn(&K, &V1, &V2) -> Option<D> + 'static,
) -> Rows<D> {
    let each = Rc::clone(&right.each);
    derived(&left.steps, &left.pairs, move |(key, v1), out| {
        each(key, &mut |v2| out.extend(logic(key, v1, v2)));
    })
}

/// A transient relation: the rows its rules derive this tick, together.
pub fn union<D: Column>(hub: &Hub<'_>, parts: Vec<Rows<D>>) -> Rows<D> {
    let rows: Shared<Vec<D>> = shared(Vec::new());
    let into = Rc::clone(&rows);
    let mut steps = hub.steps.borrow_mut();
    // A rule's rows go to its head's relation only: taken, not copied.
    steps.now.push(Box::new(move || {
        let mut into = into.borrow_mut();
        for part in &parts {
            into.append(&mut part.rows.borrow_mut());
        }
    }));
    let clear = Rc::clone(&rows);
    steps
        .clears
        .push(Box::new(move || clear.borrow_mut().clear()));
    drop(steps);
    Rows {
        rows,
        steps: Rc::clone(&hub.steps),
    }
}

impl<K: Column, L: Column> Lattice<K, L> {
    /// Merges the rows of `parts` (each `split` into a key and a value) into their keys'
    /// entries: at once (`<=`), or once the tick's rules are done (`<+`, `next`).
    pub fn merge<D: Column>(&self, parts: Vec<Rows<D>>, split: fn(D) -> (K, L), next: bool) {
        let (map, before, (index, peers), join) = (
            Rc::clone(&self.map),
            self.before.clone(),
            self.worker,
            self.join,
        );
        let step: Box<dyn FnMut()> = Box::new(move || {
            let mut map = map.borrow_mut();
            let mut before = before.as_ref().map(|b| b.borrow_mut());
            for part in &parts {
                // A rule's rows go to its head's relation only: taken, not copied.
                for row in part.rows.borrow_mut().drain(..) {
                    let (key, value) = split(row);
                    // Where a rule ran on every worker, the key's own merges it.
                    if owner(&key) % peers != index {
                        continue;
                    }
                    if let Some(before) = before.as_mut()
                        && !before.contains_key(&key)
                    {
                        before.insert(key.clone(), map.get(&key).cloned());
                    }
                    match map.get_mut(&key) {
                        Some(held) => {
                            join(held, value);
                        }
                        None => {
                            map.insert(key, value);
                        }
                    }
                }
            }
        });
        let mut steps = self.steps.borrow_mut();
        if next {
            steps.after.push(step);
        } else {
            steps.now.push(step);
        }
    }

    /// The lattice joined by its whole key: `vals` makes what a rule reads of an entry.
    pub fn lookup<V: 'static>(&self, vals: fn(&K, &L) -> V) -> Lookup<K, V> {
        let map = Rc::clone(&self.map);
        Lookup {
            each: Rc::new(move |key: &K, found: &mut dyn FnMut(&V)| {
                if let Some((key, value)) = map.borrow().get_key_value(key) {
                    found(&vals(key, value));
                }
            }),
        }
    }

    /// The lattice joined by no key: every entry this worker owns.
    pub fn every<V: 'static>(&self, vals: fn(&K, &L) -> V) -> Lookup<(), V> {
        let map = Rc::clone(&self.map);
        Lookup {
            each: Rc::new(move |_: &(), found: &mut dyn FnMut(&V)| {
                for (key, value) in map.borrow().iter() {
                    found(&vals(key, value));
                }
            }),
        }
    }
}

/// An input's changes for the ticks not yet run, by tick.
type Pending<D> = Shared<BTreeMap<Tick, Vec<(D, isize)>>>;

/// What the operator sends at a tick, and how many rows.
type Emit = Box<dyn FnMut(&Capability<Tick>) -> usize>;

/// The group under construction: its inputs, lattice, rules and outputs, then one operator.
pub struct Hub<'s> {
    scope: Scope<'s, Tick>,
    builder: RefCell<OperatorBuilder<'s, Tick>>,
    steps: Shared<Steps>,
    peers: usize,
    /// Whether the relations that only tests read (`Config::inspect`) are sent.
    inspect: bool,
    ticks: Shared<BTreeSet<Tick>>,
    pulls: RefCell<Vec<Box<dyn FnMut()>>>,
    loads: RefCell<Vec<Load>>,
    emits: RefCell<Vec<Emit>>,
}

impl<'s> Hub<'s> {
    /// A group in `scope`; `inspect` says whether relations kept for tests are sent.
    pub fn new(scope: Scope<'s, Tick>, inspect: bool) -> Self {
        Hub {
            scope,
            builder: RefCell::new(OperatorBuilder::new("Hub".into(), scope)),
            steps: shared(Steps::default()),
            peers: scope.peers(),
            inspect,
            ticks: shared(BTreeSet::new()),
            pulls: RefCell::default(),
            loads: RefCell::default(),
            emits: RefCell::default(),
        }
    }

    /// An input relation, routed as `route` says: its rows of each tick.
    pub fn input<D: Column>(&self, rel: &Rel<'s, Tick, D>, route: Route<D>) -> Rows<D> {
        let pending: Pending<D> = shared(BTreeMap::new());
        let (into, ticks) = (Rc::clone(&pending), Rc::clone(&self.ticks));
        let take = move |data: &mut Vec<(D, Tick, isize)>| {
            let (mut pending, mut ticks) = (into.borrow_mut(), ticks.borrow_mut());
            for (row, time, diff) in data.drain(..) {
                pending.entry(time).or_default().push((row, diff));
                ticks.insert(time);
            }
        };
        let mut builder = self.builder.borrow_mut();
        let stream = rel.inner.clone();
        let pull: Box<dyn FnMut()> = match (route, self.peers) {
            (_, 1) => {
                let mut handle = builder.new_input(stream, Pipeline);
                Box::new(move || handle.for_each(|_, data| take(data)))
            }
            (Route::Key(hash, exchange), _) => {
                let mut route = super::place::counted(exchange, &self.scope, hash);
                let pact = Exchange::new(move |(row, _, _): &(D, Tick, isize)| route(row));
                let mut handle = builder.new_input(stream, pact);
                Box::new(move || handle.for_each(|_, data| take(data)))
            }
            (Route::Broadcast, _) => {
                let mut handle = builder.new_input(stream.broadcast(), Pipeline);
                Box::new(move || handle.for_each(|_, data| take(data)))
            }
        };
        drop(builder);
        self.pulls.borrow_mut().push(pull);
        let rows: Shared<Vec<D>> = shared(Vec::new());
        let fill = Rc::clone(&rows);
        self.loads.borrow_mut().push(Box::new(move |tick| {
            let mut fill = fill.borrow_mut();
            fill.clear();
            // A row's retraction at the tick after its own is not news: only arrivals are.
            if let Some(changes) = pending.borrow_mut().remove(&tick) {
                fill.extend(
                    changes
                        .into_iter()
                        .filter(|(_, diff)| *diff > 0)
                        .map(|(row, _)| row),
                );
            }
        }));
        Rows {
            rows,
            steps: Rc::clone(&self.steps),
        }
    }

    /// The lattice relation, empty to start with.
    pub fn lattice<K: Column, L: Column + crate::Lattice>(&self) -> Lattice<K, L> {
        Lattice {
            map: shared(FxHashMap::default()),
            worker: (self.scope.index() as u64, self.peers as u64),
            before: self.inspect.then(|| shared(FxHashMap::default())),
            steps: Rc::clone(&self.steps),
            join: <L as crate::Lattice>::merge,
        }
    }

    /// A transient relation's rows as a collection: each tick's rows, taken back at the next.
    /// Only sent if `always` or the relations kept for tests are (an output is always sent).
    pub fn output<D: Column>(&self, rows: &Rows<D>, always: bool) -> Rel<'s, Tick, D> {
        let (output, stream) = self.builder.borrow_mut().new_output();
        let mut output =
            OutputBuilder::<_, CapacityContainerBuilder<Vec<(D, Tick, isize)>>>::from(output);
        if always || self.inspect {
            let (rows, mut sent) = (Rc::clone(&rows.rows), Vec::<D>::new());
            self.emits.borrow_mut().push(Box::new(move |cap| {
                let time = *cap.time();
                let mut output = output.activate();
                let mut session = output.session(cap);
                let rows = rows.borrow();
                let count = sent.len() + rows.len();
                session.give_iterator(sent.drain(..).map(|row| (row, time, -1)));
                session.give_iterator(rows.iter().map(|row| (row.clone(), time, 1)));
                sent.extend(rows.iter().cloned());
                count
            }));
        } else {
            // Never sent: only its capability, so that its frontier moves with the others'.
            self.emits.borrow_mut().push(Box::new(move |_| {
                let _ = &mut output;
                0
            }));
        }
        stream.as_collection()
    }

    /// The lattice's changes as a collection (`join` puts a key and a value back into a row):
    /// sent only when the relations kept for tests are; otherwise it only tells when a tick is
    /// done.
    pub fn changes<K: Column, L: Column, D: Column>(
        &self,
        lattice: &Lattice<K, L>,
        join: fn(K, L) -> D,
    ) -> Rel<'s, Tick, D> {
        let (output, stream) = self.builder.borrow_mut().new_output();
        let mut output =
            OutputBuilder::<_, CapacityContainerBuilder<Vec<(D, Tick, isize)>>>::from(output);
        let (map, before) = (Rc::clone(&lattice.map), lattice.before.clone());
        self.emits.borrow_mut().push(Box::new(move |cap| {
            let Some(before) = &before else { return 0 };
            let time = *cap.time();
            let (map, mut before) = (map.borrow(), before.borrow_mut());
            let mut output = output.activate();
            let mut session = output.session(cap);
            let mut count = 0;
            for (key, was) in before.drain() {
                let now = map.get(&key);
                if was.as_ref() == now {
                    continue;
                }
                if let Some(was) = was {
                    session.give((join(key.clone(), was), time, -1));
                    count += 1;
                }
                if let Some(now) = now {
                    session.give((join(key, now.clone()), time, 1));
                    count += 1;
                }
            }
            count
        }));
        stream.as_collection()
    }

    /// Builds the operator: call once every input, rule and output is in place.
    pub fn build(self) {
        let Hub {
            builder,
            steps,
            ticks,
            pulls,
            loads,
            emits,
            ..
        } = self;
        let (mut pulls, mut loads, mut emits) =
            (pulls.into_inner(), loads.into_inner(), emits.into_inner());
        builder.into_inner().build(move |mut caps| {
            move |frontiers| {
                for pull in &mut pulls {
                    pull();
                }
                // Ticks strictly before every input's frontier have all their rows.
                let frontier = (frontiers.iter())
                    .filter_map(|f| f.frontier().first().copied())
                    .min();
                let mut steps = steps.borrow_mut();
                loop {
                    let first = ticks.borrow().first().copied();
                    let Some(tick) = first.filter(|&t| frontier.is_none_or(|f| t < f)) else {
                        break;
                    };
                    ticks.borrow_mut().remove(&tick);
                    for clear in &mut steps.clears {
                        clear();
                    }
                    for load in &mut loads {
                        load(tick);
                    }
                    for step in &mut steps.now {
                        step();
                    }
                    for step in &mut steps.after {
                        step();
                    }
                    let tick_caps: Vec<Capability<Tick>> =
                        caps.iter().map(|c| c.delayed(&tick)).collect();
                    for (emit, cap) in emits.iter_mut().zip(&tick_caps) {
                        emit(cap);
                    }
                }
                super::fixpoint::hold(&mut caps, frontier, &ticks.borrow());
            }
        });
    }
}
