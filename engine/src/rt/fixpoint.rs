//! A semi-naive fixpoint for recursive strata whose relations only grow.
//!
//! Differential dataflow runs a recursive stratum in a nested scope where every update carries a
//! `(tick, iteration)` time and a multiplicity, every operator keeps a trace of both, and every
//! iteration is a round of progress tracking. A stratum whose rules are positive (no negation
//! or aggregate, lattice values used monotonically) and whose inputs only grow needs none of
//! that: its relations only gain rows and its lattices' values only grow, so each relation and
//! each index can be a few sorted runs ([`super::runs`]) and each lattice a map from key to
//! value ([`store`]), and the stratum can run its iterations inside one operator, as
//! hand-written datafrog code does: no progress tracking between them, the tick's capability
//! held throughout, and a pause (the operator activates itself again) whenever it has sent
//! [`ROWS_PER_ACTIVATION`] rows, so that the operators downstream take them before it sends
//! more.
//!
//! The stratum becomes one timely operator in the tick scope. For each tick whose inputs are
//! complete it takes the rows each input gained, and runs rounds: every rule stage sees the rows
//! its inputs gained in the last round (`recent`) and everything before (`stable`), as in
//! semi-naive evaluation, until no relation gains a row. What a relation gains is sent at the
//! tick, so the tick's output is the stratum's new rows, and the next tick starts from there. A
//! lattice's rows are its keys whose value grew, with the new value; a rule may still meet a
//! value the key has since outgrown, which is harmless because its rules use values
//! monotonically (what they derive from it is outgrown too). A lattice sends its changes once
//! the tick's rounds are over: each key's value before the tick retracted, its value after added.
//!
//! The code generated for such a stratum is the same chain of closures as for differential
//! ([`crate::rt`]): only the functions it calls come from this module.
//!
//! Two things the static analysis promises, checked here anyway: an input that loses a row (it
//! should not) makes the stratum forget everything and recompute from its inputs' full contents,
//! retracting what it sent; and with several workers, a stratum whose relations are partitioned
//! by a column that every recursive rule carries from body to head runs on every worker over its
//! own share of rows, with its inputs broadcast, and any other runs on worker 0.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use differential_dataflow::AsCollection;
use rustc_hash::{FxHashMap, FxHasher};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::Capability;
use timely::dataflow::operators::generic::OutputBuilder;
use timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use timely::dataflow::operators::vec::Broadcast;
use timely::scheduling::Activator;

pub use super::runs::COMPACT_FROM;
use super::runs::{Repeats, Runs, join_sorted, sort_set};
use super::{Column, Rel, Scope, Tick};

mod store;
use store::{Keyed, Merged, SharedStore, Store};

pub(super) type Shared<T> = Rc<RefCell<T>>;

pub(super) fn shared<T>(value: T) -> Shared<T> {
    Rc::new(RefCell::new(value))
}

/// The steps of one round, in the order the generated code created them (a topological order:
/// a stage is created after what it reads, and relations are read through their variables).
#[derive(Default)]
struct Rounds {
    /// Rule stages: each reads its inputs' recent rows and writes its own.
    steps: Vec<Box<dyn FnMut()>>,
    /// Relations: keep what the round derived that is new; `true` if anything was.
    settles: Vec<Box<dyn FnMut() -> bool>>,
    /// End of the round: indexes take their recent rows into their stable ones.
    advances: Vec<Box<dyn FnMut()>>,
    /// Forget every row (an input lost one).
    resets: Vec<Box<dyn FnMut()>>,
}

impl Rounds {
    /// Runs one round; `true` if a relation gained a row.
    fn round(&mut self) -> bool {
        for step in &mut self.steps {
            step();
        }
        let mut grew = false;
        for settle in &mut self.settles {
            grew |= settle();
        }
        grew
    }

    fn advance(&mut self) {
        for advance in &mut self.advances {
            advance();
        }
    }
}

/// Rows new in this round: what an input, a relation or a rule stage hands on.
pub struct Rows<D> {
    rows: Shared<Vec<D>>,
    rounds: Shared<Rounds>,
}

impl<D> Clone for Rows<D> {
    fn clone(&self) -> Self {
        Rows {
            rows: Rc::clone(&self.rows),
            rounds: Rc::clone(&self.rounds),
        }
    }
}

impl<D: 'static> Rows<D> {
    fn new(rounds: &Shared<Rounds>) -> Self {
        Rows {
            rows: shared(Vec::new()),
            rounds: Rc::clone(rounds),
        }
    }
}

/// A rule stage's rows, filled afresh each round by `fill`.
fn derived<E: 'static>(
    rounds: &Shared<Rounds>,
    mut fill: impl FnMut(&mut Vec<E>) + 'static,
) -> Rows<E> {
    let out = Rows::new(rounds);
    let rows = Rc::clone(&out.rows);
    rounds.borrow_mut().steps.push(Box::new(move || {
        let mut rows = rows.borrow_mut();
        rows.clear();
        fill(&mut rows);
    }));
    out
}

/// A relation indexed by a key: the rows before this round (`stable`) and this round's.
pub struct Index<K, V> {
    state: Shared<Indexed<K, V>>,
    rounds: Shared<Rounds>,
}

impl<K, V> Clone for Index<K, V> {
    fn clone(&self) -> Self {
        Index {
            state: Rc::clone(&self.state),
            rounds: Rc::clone(&self.rounds),
        }
    }
}

/// Both parts sorted by key ([`Runs`]).
struct Indexed<K, V> {
    stable: Runs<(K, V)>,
    recent: Vec<(K, V)>,
}

impl<K, V> Default for Indexed<K, V> {
    fn default() -> Self {
        Indexed {
            stable: Runs::default(),
            recent: Vec::new(),
        }
    }
}

/// A rule stage over one row: `None` drops it, `Some` is what it becomes.
type RowLogic<D, E> = Box<dyn Fn(&D) -> Option<E>>;

/// A rule stage over one match of a join.
type JoinLogic<K, V1, V2, D> = Box<dyn Fn(&K, &V1, &V2) -> Option<D>>;

/// Filters and reshapes each new row (a rule's first atom, or a rule without joins).
pub fn scan<D: Column, E: Column>(
    rows: &Rows<D>,
    logic: impl Fn(&D) -> Option<E> + 'static,
) -> Rows<E> {
    scan_boxed(rows, Box::new(logic))
}

#[inline(never)]
fn scan_boxed<D: Column, E: Column>(rows: &Rows<D>, logic: RowLogic<D, E>) -> Rows<E> {
    let input = Rc::clone(&rows.rows);
    derived(&rows.rounds, move |out| {
        out.extend(input.borrow().iter().filter_map(&logic))
    })
}

/// Indexes new rows by a key, keeping only the columns later stages need.
pub fn index<D: Column, K: Column, V: Column>(
    rows: &Rows<D>,
    logic: impl Fn(&D) -> Option<(K, V)> + 'static,
) -> Index<K, V> {
    index_boxed(rows, Box::new(logic))
}

#[inline(never)]
fn index_boxed<D: Column, K: Column, V: Column>(
    rows: &Rows<D>,
    logic: RowLogic<D, (K, V)>,
) -> Index<K, V> {
    let state = shared(Indexed::default());
    let (input, fill) = (Rc::clone(&rows.rows), Rc::clone(&state));
    let mut rounds = rows.rounds.borrow_mut();
    rounds.steps.push(Box::new(move || {
        let indexed = &mut *fill.borrow_mut();
        let recent = &mut indexed.recent;
        recent.extend(input.borrow().iter().filter_map(&logic));
        // A set: what the index holds already (a projection's repeats, a join's matches that
        // meet again) would only match again.
        sort_set(recent);
        indexed.stable.remove_held(recent);
    }));
    let advance = Rc::clone(&state);
    rounds.advances.push(Box::new(move || {
        let indexed = &mut *advance.borrow_mut();
        let recent = std::mem::take(&mut indexed.recent);
        indexed.stable.push(recent);
    }));
    let reset = Rc::clone(&state);
    rounds.resets.push(Box::new(move || {
        let indexed = &mut *reset.borrow_mut();
        indexed.stable.clear();
        indexed.recent.clear();
    }));
    drop(rounds);
    Index {
        state,
        rounds: Rc::clone(&rows.rounds),
    }
}

/// Indexes `(key, value)` rows by their key: a join's result feeding the next join.
pub fn arrange<K: Column, V: Column>(rows: Rows<(K, V)>) -> Index<K, V> {
    index(&rows, |(key, val)| Some((key.clone(), val.clone())))
}

/// Joins two indexes on their key: every new match, once (this round's left rows with all of
/// the right's, and the left's earlier rows with the right's new ones).
pub fn join<K: Column, V1: Column, V2: Column, D: Column>(
    left: &Index<K, V1>,
    right: &Index<K, V2>,
    logic: impl Fn(&K, &V1, &V2) -> Option<D> + 'static,
) -> Rows<D> {
    join_boxed(left, right, Box::new(logic))
}

#[inline(never)]
fn join_boxed<K: Column, V1: Column, V2: Column, D: Column>(
    left: &Index<K, V1>,
    right: &Index<K, V2>,
    logic: JoinLogic<K, V1, V2, D>,
) -> Rows<D> {
    let (l, r) = (Rc::clone(&left.state), Rc::clone(&right.state));
    derived(&left.rounds, move |out| {
        let (l, r) = (l.borrow(), r.borrow());
        // What a join derives is a set: repeats are dropped as the round's matches come.
        let mut repeats = Repeats::of::<D>();
        let mut each = |key: &K, v1: &V1, v2: &V2| {
            out.extend(logic(key, v1, v2));
            repeats.drop_due(out);
        };
        for run in r.stable.runs().iter().chain([&r.recent]) {
            join_sorted(&l.recent, run, &mut each);
        }
        for run in l.stable.runs() {
            join_sorted(run, &r.recent, &mut each);
        }
    })
}

/// What rules derive into one relation, before it keeps the new rows ([`Variable::set`]), and
/// for a lattice, how it keeps them.
pub struct Parts<D> {
    rows: Vec<Rows<D>>,
    store: Option<Box<dyn Store<D>>>,
}

/// The rows that rules derive into one relation.
pub fn union<D: Column>(_fixpoint: &Fixpoint<'_>, parts: Vec<Rows<D>>) -> Parts<D> {
    Parts {
        rows: parts,
        store: None,
    }
}

/// The rows that rules derive into a lattice relation, `split` into a key and a value: the
/// relation holds, per key, the merge of every value derived for it.
pub fn merge_lattice<D: Column, K: Column, L: Column + crate::Lattice>(
    _fixpoint: &Fixpoint<'_>,
    parts: Vec<Rows<D>>,
    split: fn(D) -> (K, L),
    join: fn(K, L) -> D,
) -> Parts<D> {
    Parts {
        rows: parts,
        store: Some(Box::new(Merged::new(split, join))),
    }
}

/// The hash that decides which worker owns a row of a partitioned stratum.
pub fn hash<T: Hash>(value: &T) -> u64 {
    let mut hasher = FxHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Which worker owns a row: `None` when one worker holds every row.
pub type Owner<D> = Option<fn(&D) -> u64>;

/// A row's hash, this worker's index, and the number of workers: a row is this worker's if
/// its hash is the index modulo the number.
type Partition<D> = (fn(&D) -> u64, u64, u64);

/// A relation the stratum defines: every row it holds, and those new in the last round.
pub struct Variable<'s, D: 'static> {
    rows: Rows<D>,
    /// Every row but the last round's (those are `rows`), or a lattice's value per key.
    store: SharedStore<D>,
    /// Which worker owns a row, when rows are partitioned.
    owner: Option<Partition<D>>,
    output: Rel<'s, Tick, D>,
}

impl<'s, D: Column> Variable<'s, D> {
    /// The relation is the union of `parts`: what they derive, not yet held, is new.
    pub fn set(&self, parts: Parts<D>) {
        if let Some(merged) = parts.store {
            *self.store.borrow_mut() = merged;
        }
        let parts = parts.rows;
        let (store, recent) = (Rc::clone(&self.store), Rc::clone(&self.rows.rows));
        let owner = self.owner;
        let mut rounds = self.rows.rounds.borrow_mut();
        rounds.settles.push(Box::new(move || {
            let recent = &mut *recent.borrow_mut();
            let last = std::mem::take(recent);
            // Taken, not borrowed: a round's derivations can be the largest thing the stratum
            // holds, and they are not needed once settled (the next round derives anew).
            let parts = parts
                .iter()
                .map(|part| std::mem::take(&mut *part.rows.borrow_mut()));
            store
                .borrow_mut()
                .settle(last, parts.collect(), owner, recent);
            !recent.is_empty()
        }));
        let (store, recent) = (Rc::clone(&self.store), Rc::clone(&self.rows.rows));
        rounds.resets.push(Box::new(move || {
            store.borrow_mut().clear();
            recent.borrow_mut().clear();
        }));
    }

    /// The relation indexed by a key, holding its rows: `forward` must keep every row and
    /// every column (`inverse` undoes it), so the index can be the only place the relation's
    /// rows are kept (see [`store`]). Call it before [`Variable::set`], at most once.
    pub fn index_by<K: Column, V: Column>(
        &self,
        forward: impl Fn(&D) -> Option<(K, V)> + 'static,
        inverse: impl Fn(&K, &V) -> D + 'static,
    ) -> Index<K, V> {
        let state = shared(Indexed::default());
        *self.store.borrow_mut() = Box::new(Keyed {
            state: Rc::clone(&state),
            forward,
            inverse,
        });
        Index {
            state,
            rounds: Rc::clone(&self.rows.rounds),
        }
    }

    /// The relation's changes, tick by tick, as a differential collection.
    pub fn output(&self) -> Rel<'s, Tick, D> {
        self.output.clone()
    }
}

/// How the stratum's inputs reach its workers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// One worker: rows stay where they are.
    Local,
    /// Partitioned relations: every worker gets every input row.
    Broadcast,
    /// Not partitioned: worker 0 gets every input row and runs the stratum.
    First,
}

/// An input's changes for the ticks not yet run.
pub(super) type Pending<D> = Shared<BTreeMap<Tick, Vec<(D, isize)>>>;

/// Adds `rel` as an input of the operator `builder` builds, routed as `route` says: the pull
/// (in `pulls`) moves what arrived into the pending changes it returns, and notes their ticks.
pub(super) fn pull_input<'s, D: Column>(
    builder: &RefCell<OperatorBuilder<'s, Tick>>,
    route: Route,
    ticks: &Shared<BTreeSet<Tick>>,
    pulls: &RefCell<Vec<Box<dyn FnMut()>>>,
    rel: &Rel<'s, Tick, D>,
) -> Pending<D> {
    let pending: Pending<D> = shared(BTreeMap::new());
    let (into, ticks) = (Rc::clone(&pending), Rc::clone(ticks));
    // Each update carries its own time, at or after its message's.
    let take = move |data: &mut Vec<(D, Tick, isize)>| {
        let (mut pending, mut ticks) = (into.borrow_mut(), ticks.borrow_mut());
        for (row, time, diff) in data.drain(..) {
            pending.entry(time).or_default().push((row, diff));
            ticks.insert(time);
        }
    };
    let mut builder = builder.borrow_mut();
    let stream = rel.inner.clone();
    let pull: Box<dyn FnMut()> = match route {
        Route::Local => {
            let mut handle = builder.new_input(stream, Pipeline);
            Box::new(move || handle.for_each(|_, data| take(data)))
        }
        Route::Broadcast => {
            let mut handle = builder.new_input(stream.broadcast(), Pipeline);
            Box::new(move || handle.for_each(|_, data| take(data)))
        }
        Route::First => {
            let pact = Exchange::new(|_: &(D, Tick, isize)| 0u64);
            let mut handle = builder.new_input(stream, pact);
            Box::new(move || handle.for_each(|_, data| take(data)))
        }
    };
    pulls.borrow_mut().push(pull);
    pending
}

/// Holds what later activations may still send: ticks not yet begun (`ticks`), and those the
/// inputs may still bring (from `frontier` on).
pub(super) fn hold(
    caps: &mut Vec<Capability<Tick>>,
    frontier: Option<Tick>,
    ticks: &BTreeSet<Tick>,
) {
    match (frontier, ticks.first().copied()) {
        (Some(f), Some(p)) => caps.iter_mut().for_each(|c| c.downgrade(&f.min(p))),
        (Some(t), None) | (None, Some(t)) => caps.iter_mut().for_each(|c| c.downgrade(&t)),
        (None, None) => caps.clear(),
    }
}

/// What an input does at a tick: takes its rows in, and says whether it lost one.
type Load = Box<dyn FnMut(Tick) -> bool>;

/// When an output sends its relation's changes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moment {
    /// An input lost a row: everything the relation holds is taken back.
    Reset,
    /// A round is over: the rows it gained, for a relation whose rows stay.
    Round,
    /// The tick's rounds are over: what changed and was not sent, for a lattice.
    Settled,
}

/// What an output does at a [`Moment`], and how many rows it sent.
type Emit = Box<dyn FnMut(&Capability<Tick>, Moment) -> usize>;

/// Rows an activation sends before it pauses to let the operators downstream take them: what
/// waits in the channels is this many rows, not a whole closure. A small change's rounds all
/// run in one activation (each pause costs a step of the worker: a tenth of a millisecond).
pub const ROWS_PER_ACTIVATION: usize = 1 << 16;

/// A recursive stratum under construction: its inputs, relations and rules, then one operator.
pub struct Fixpoint<'s> {
    builder: RefCell<OperatorBuilder<'s, Tick>>,
    /// Schedules the operator again, to go on with a tick it paused.
    activator: Activator,
    rounds: Shared<Rounds>,
    route: Route,
    /// This worker and the number of workers.
    worker: (u64, u64),
    /// Ticks some input has rows for.
    ticks: Shared<BTreeSet<Tick>>,
    pulls: RefCell<Vec<Box<dyn FnMut()>>>,
    loads: RefCell<Vec<Load>>,
    /// After a reset: each input's full contents become its new rows.
    refills: RefCell<Vec<Box<dyn FnMut()>>>,
    emits: RefCell<Vec<Emit>>,
}

impl<'s> Fixpoint<'s> {
    /// A stratum in `scope`; `partitioned` if every relation has an owner column.
    pub fn new(scope: Scope<'s, Tick>, partitioned: bool) -> Self {
        let peers = scope.peers();
        let route = match (peers, partitioned) {
            (1, _) => Route::Local,
            (_, true) => Route::Broadcast,
            (_, false) => Route::First,
        };
        let builder = OperatorBuilder::new("Fixpoint".into(), scope);
        let activator = scope.activator_for(builder.operator_info().address);
        Fixpoint {
            builder: RefCell::new(builder),
            activator,
            rounds: shared(Rounds::default()),
            route,
            worker: (scope.index() as u64, peers as u64),
            ticks: shared(BTreeSet::new()),
            pulls: RefCell::default(),
            loads: RefCell::default(),
            refills: RefCell::default(),
            emits: RefCell::default(),
        }
    }

    /// A relation of an earlier stratum that the rules read.
    pub fn input<D: Column>(&self, rel: &Rel<'s, Tick, D>) -> Rows<D> {
        let pending = self.pull(rel);
        let rows = Rows::new(&self.rounds);
        let full: Shared<FxHashMap<D, isize>> = shared(FxHashMap::default());
        let (recent, held) = (Rc::clone(&rows.rows), Rc::clone(&full));
        self.loads.borrow_mut().push(Box::new(move |tick| {
            let Some(changes) = pending.borrow_mut().remove(&tick) else {
                return false;
            };
            let (full, recent) = (&mut *held.borrow_mut(), &mut *recent.borrow_mut());
            let mut lost = false;
            for (row, diff) in changes {
                match full.entry(row) {
                    Entry::Vacant(entry) => {
                        if diff > 0 {
                            recent.push(entry.key().clone());
                        }
                        entry.insert(diff);
                    }
                    Entry::Occupied(mut entry) => {
                        let was = *entry.get() > 0;
                        *entry.get_mut() += diff;
                        match (was, *entry.get() > 0) {
                            (false, true) => recent.push(entry.key().clone()),
                            (true, false) => lost = true,
                            _ => {}
                        }
                        if *entry.get() == 0 {
                            entry.remove();
                        }
                    }
                }
            }
            lost
        }));
        let (recent, held) = (Rc::clone(&rows.rows), Rc::clone(&full));
        self.refills.borrow_mut().push(Box::new(move || {
            let rows = held.borrow();
            *recent.borrow_mut() = (rows.iter())
                .filter(|(_, count)| **count > 0)
                .map(|(row, _)| row.clone())
                .collect();
        }));
        // An input's rows are new in the first round of a tick only.
        let clear = Rc::clone(&rows.rows);
        self.rounds
            .borrow_mut()
            .advances
            .push(Box::new(move || clear.borrow_mut().clear()));
        rows
    }

    /// A relation the stratum defines: the variable to [`Variable::set`] to its rules' union,
    /// and its rows new in the last round, for rules to read. `owner` picks its worker.
    pub fn recursive<D: Column>(&self, owner: Owner<D>) -> (Variable<'s, D>, Rows<D>) {
        let (output, stream) = self.builder.borrow_mut().new_output();
        let mut output =
            OutputBuilder::<_, CapacityContainerBuilder<Vec<(D, Tick, isize)>>>::from(output);
        let rows: Rows<D> = Rows::new(&self.rounds);
        let store = store::runs();
        let (recent, held) = (Rc::clone(&rows.rows), Rc::clone(&store));
        self.emits.borrow_mut().push(Box::new(move |cap, moment| {
            let time = *cap.time();
            let mut output = output.activate();
            let mut session = output.session(cap);
            let (recent, mut store) = (recent.borrow(), held.borrow_mut());
            let mut sent = 0;
            match moment {
                Moment::Reset => store.every(&recent, &mut |row| {
                    session.give((row.clone(), time, -1));
                    sent += 1;
                }),
                Moment::Round if store.sends_rounds() => {
                    session.give_iterator(recent.iter().map(|row: &D| (row.clone(), time, 1)));
                    sent = recent.len();
                }
                Moment::Round => {}
                Moment::Settled => store.settled(&mut |row, diff| {
                    session.give((row, time, diff));
                    sent += 1;
                }),
            }
            sent
        }));
        let variable = Variable {
            rows: rows.clone(),
            store,
            owner: owner
                .filter(|_| self.route == Route::Broadcast)
                .map(|key| (key, self.worker.0, self.worker.1)),
            output: stream.as_collection(),
        };
        (variable, rows)
    }

    /// Takes in `rel`'s updates as they arrive, routed to this worker as the stratum runs:
    /// the changes of each tick not yet run, by tick.
    fn pull<D: Column>(&self, rel: &Rel<'s, Tick, D>) -> Pending<D> {
        pull_input(&self.builder, self.route, &self.ticks, &self.pulls, rel)
    }

    /// Builds the operator: call once every input, relation and rule is in place.
    pub fn build(self) {
        let Fixpoint {
            builder,
            activator,
            rounds,
            ticks,
            pulls,
            loads,
            refills,
            emits,
            ..
        } = self;
        let (mut pulls, mut loads) = (pulls.into_inner(), loads.into_inner());
        let (mut refills, mut emits) = (refills.into_inner(), emits.into_inner());
        // The tick whose rounds are under way, with its outputs' capabilities.
        let mut running: Option<Vec<Capability<Tick>>> = None;
        builder.into_inner().build(move |mut caps| {
            move |frontiers| {
                for pull in &mut pulls {
                    pull();
                }
                // Ticks strictly before every input's frontier have all their rows.
                let frontier = (frontiers.iter())
                    .filter_map(|f| f.frontier().first().copied())
                    .min();
                let mut rounds = rounds.borrow_mut();
                let mut sent = 0;
                loop {
                    let tick_caps = match running.take() {
                        Some(tick_caps) => tick_caps,
                        None => {
                            let first = ticks.borrow().first().copied();
                            let Some(tick) = first.filter(|&t| frontier.is_none_or(|f| t < f))
                            else {
                                break;
                            };
                            ticks.borrow_mut().remove(&tick);
                            let tick_caps: Vec<Capability<Tick>> =
                                caps.iter().map(|c| c.delayed(&tick)).collect();
                            let mut lost = false;
                            for load in &mut loads {
                                lost |= load(tick);
                            }
                            if lost {
                                for (emit, cap) in emits.iter_mut().zip(&tick_caps) {
                                    sent += emit(cap, Moment::Reset);
                                }
                                for reset in &mut rounds.resets {
                                    reset();
                                }
                                for refill in &mut refills {
                                    refill();
                                }
                            }
                            tick_caps
                        }
                    };
                    let grew = rounds.round();
                    for (emit, cap) in emits.iter_mut().zip(&tick_caps) {
                        sent += emit(cap, Moment::Round);
                    }
                    rounds.advance();
                    if grew {
                        running = Some(tick_caps);
                    } else {
                        for (emit, cap) in emits.iter_mut().zip(&tick_caps) {
                            sent += emit(cap, Moment::Settled);
                        }
                    }
                    // What the rounds sent waits in the channels until the operators
                    // downstream run: let them take it, and go on in the next activation.
                    if sent >= ROWS_PER_ACTIVATION {
                        activator.activate();
                        break;
                    }
                }
                hold(&mut caps, frontier, &ticks.borrow());
            }
        });
    }
}
