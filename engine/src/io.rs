//! A worker's end of the program's inputs and outputs: typed sessions behind trait objects.
//!
//! The host hands each worker untyped batches; the ports built here by the generated dataflow
//! know the row types, so the worker loop itself is written once, for every program.

use std::any::Any;
use std::cell::Cell;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use differential_dataflow::AsCollection;
use differential_dataflow::input::{Input, InputSession};
use std::collections::HashMap;

use rustc_hash::FxHashMap;

use timely::dataflow::ProbeHandle;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::Exchange;
use timely::dataflow::operators::vec::Broadcast;
use timely::scheduling::Activator;

use crate::rt::{Column, Rel, Scope, Tick};
use crate::subscribe::{Feed, Part};
use crate::ticks::{PerTick, each_tick};
use crate::worker::Settings;
use count::Count;

mod count;

/// A worker's input and output ports, registered by the generated dataflow in declaration order.
pub struct WorkerIo {
    pub(crate) inputs: Vec<Box<dyn InputPort>>,
    pub(crate) outputs: Vec<Box<dyn OutputPort>>,
    pub(crate) probe: ProbeHandle<Tick>,
    settings: Settings,
    lens: Vec<Arc<AtomicI64>>,
    /// The tick the worker is running, or last completed: output changes for later ticks are
    /// held back, so that reading an output between ticks sees exactly the completed ones.
    pub(crate) ticking: Rc<Cell<Tick>>,
    /// Rows of keyed relations that share a key, as every worker sees them (see `check_key`).
    pub(crate) conflicts: Vec<Rc<RefCell<Rows<ConflictRow>>>>,
    /// Whether each tick was accepted, as the host decided once every worker checked its keys.
    pub(crate) verdicts: Rc<RefCell<BTreeMap<Tick, bool>>>,
    /// The gates waiting for verdicts, to wake when one arrives.
    pub(crate) gates: Rc<RefCell<Vec<Activator>>>,
    /// The outputs' sizes over the cluster, where each process reads its own rows (kept by
    /// the first worker of each process; see [`count`]).
    counts: Vec<Rc<RefCell<Count>>>,
}

/// A key conflict as it travels between workers: relation, when, key, two rows (as `Debug`).
type ConflictRow = (String, String, String, String, String);

/// Two rows of a keyed relation with one key, found in some tick.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conflict {
    /// The relation.
    pub relation: String,
    /// "this tick", or "the next tick" for the rows a tick carries over.
    pub when: String,
    /// The key, as `Debug` prints it.
    pub key: String,
    /// Two of the rows with that key, as `Debug` prints them.
    pub rows: (String, String),
}

impl WorkerIo {
    pub(crate) fn new(settings: Settings, lens: Vec<Arc<AtomicI64>>) -> Self {
        WorkerIo {
            settings,
            inputs: Vec::new(),
            outputs: Vec::new(),
            probe: ProbeHandle::new(),
            lens,
            ticking: Rc::new(Cell::new(0)),
            conflicts: Vec::new(),
            verdicts: Rc::default(),
            gates: Rc::default(),
            counts: Vec::new(),
        }
    }

    /// Tick `tick` begins on this worker.
    pub(crate) fn begin(&mut self, tick: Tick) {
        for port in &mut self.outputs {
            port.begin(tick);
        }
        for count in &self.counts {
            count.borrow_mut().begin();
        }
    }

    /// Tick `tick` is complete on this worker: the changes held back for it apply.
    pub(crate) fn complete(&mut self, tick: Tick) {
        for port in &mut self.outputs {
            port.complete(tick);
        }
        for port in &mut self.conflicts {
            port.complete(tick);
        }
        for count in &self.counts {
            count.borrow_mut().complete(tick);
        }
    }

    /// Checks that `rel` never holds two rows with one key; a tick in which it does is rejected.
    ///
    /// Every worker sees every conflict (they are broadcast), so each host decides alike.
    pub fn check_key<D: Column, K: Column>(
        &mut self,
        relation: &'static str,
        when: &'static str,
        rel: &Rel<'_, Tick, D>,
        key: impl Fn(&D) -> K + 'static,
    ) {
        let found = rel.clone().map(move |row| (key(&row), row)).reduce(
            move |key, rows, out: &mut Vec<(ConflictRow, isize)>| {
                if let [(first, _), (second, _), ..] = rows {
                    let conflict = (
                        relation.to_string(),
                        when.to_string(),
                        format!("{key:?}"),
                        format!("{first:?}"),
                        format!("{second:?}"),
                    );
                    out.push((conflict, 1));
                }
            },
        );
        let rows = Rc::new(RefCell::new(Rows::new(Arc::default(), None)));
        let sink = Rc::clone(&rows);
        let ticking = Rc::clone(&self.ticking);
        found
            .map(|(_, conflict)| conflict)
            .inner
            .broadcast()
            .as_collection()
            .inspect_batch(move |_, updates| sink.borrow_mut().apply(updates, ticking.get()))
            .probe_with(&self.probe);
        self.conflicts.push(rows);
    }

    /// The rows a carried relation starts the next tick with, once the host has accepted this
    /// tick: `next` if it was, `prev` (the rows it started this tick with) if it was not.
    ///
    /// The gate passes values, not changes: each tick it gives the difference between the
    /// chosen rows and what it gave so far. For a table, `prev` is what the gate gave, so a
    /// rejected tick gives nothing; for a channel under a delaying network, `prev` holds the
    /// tick's arrivals, which a rejected tick sends again.
    pub fn gate<'s, D: Column>(
        &mut self,
        next: &Rel<'s, Tick, D>,
        prev: &Rel<'s, Tick, D>,
    ) -> Rel<'s, Tick, D> {
        let sides =
            (next.clone().map(|row| (row, true))).concat(prev.clone().map(|row| (row, false)));
        let scope = sides.scope();
        let gates = Rc::clone(&self.gates);
        let gate = Gate {
            verdicts: Rc::clone(&self.verdicts),
            owed: [HashMap::new(), HashMap::new()],
        };
        each_tick(&sides, Pipeline, "Gate", move |info| {
            gates
                .borrow_mut()
                .push(scope.activator_for(info.address.clone()));
            gate
        })
    }

    /// Records whether tick `tick` was accepted, wakes the gates, and on a rejection puts the
    /// outputs back as they were before it.
    pub(crate) fn decide(&mut self, tick: Tick, accepted: bool) {
        self.verdicts.borrow_mut().insert(tick, accepted);
        self.verdicts.borrow_mut().retain(|t, _| *t + 1 >= tick);
        for gate in self.gates.borrow().iter() {
            gate.activate();
        }
        if !accepted {
            for port in &mut self.outputs {
                port.reject();
            }
            for count in &self.counts {
                count.borrow_mut().reject();
            }
        }
    }

    /// The key conflicts found in the last completed tick.
    pub(crate) fn conflicts(&self) -> Vec<Conflict> {
        let mut found: Vec<Conflict> = self
            .conflicts
            .iter()
            .flat_map(|rows| {
                rows.borrow()
                    .counts
                    .iter()
                    .filter(|(_, count)| **count > 0)
                    .map(|((relation, when, key, first, second), _)| Conflict {
                        relation: relation.clone(),
                        when: when.clone(),
                        key: key.clone(),
                        rows: (first.clone(), second.clone()),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        found.sort();
        found
    }

    /// Whether the relations that only tests read are kept (`Config::inspect`).
    pub fn inspecting(&self) -> bool {
        self.settings.inspect
    }

    /// Whether the program has keys, so that a tick may be rejected.
    pub(crate) fn transactional(&self) -> bool {
        !self.conflicts.is_empty()
    }

    /// Declares the next `input` relation; its rows hold for the tick they are inserted in.
    pub fn input<'s, D: Column>(&mut self, scope: Scope<'s, Tick>) -> Rel<'s, Tick, D> {
        let (session, rel) = scope.new_collection::<D, isize>();
        self.inputs.push(Box::new(session));
        rel
    }

    /// Declares the next `output` relation; hosts read its rows once a tick completes, and
    /// subscribers hear of its changes once the tick is sealed.
    pub fn output<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        self.register(rel);
    }

    /// Declares the next `output` relation, one the CALM analysis proves monotone: besides its
    /// sealed changes, subscribers are told the rows of `early` the moment they are derived.
    ///
    /// `early` must be a stream in which a row added at tick `t` is in the output at `t`
    /// whatever else the tick derives: what the program's monotone rules derive before the
    /// output's union. With keyed relations a tick may be rejected, so nothing is told early.
    pub fn output_eager<D: Column>(&mut self, rel: &Rel<'_, Tick, D>, early: &Rel<'_, Tick, D>) {
        let rows = self.register(rel);
        if self.transactional() {
            return;
        }
        let early = self.gathered(early);
        let ticking = Rc::clone(&self.ticking);
        early.inspect_batch(move |_, updates| rows.borrow_mut().feed.early(updates, ticking.get()));
    }

    /// The output declared last is defined by a semi-naive stratum ([`crate::rt::fixpoint`]):
    /// each of its rows arrives once, with `+1`, unless the stratum takes everything back. Its
    /// rows are kept in a plain vector, not counted in a hash map, until a row leaves.
    pub fn arrives_once(&mut self) {
        if let Some(output) = self.outputs.last_mut() {
            output.arrives_once();
        }
    }

    /// `rel`, sent to worker 0 when outputs gather there (a cluster that reads whole outputs
    /// at process 0).
    fn gathered<'s, D: Column>(&self, rel: &Rel<'s, Tick, D>) -> Rel<'s, Tick, D> {
        if self.settings.gather {
            rel.inner.clone().exchange(|_| 0).as_collection()
        } else {
            rel.clone()
        }
    }

    fn register<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) -> Rc<RefCell<Rows<D>>> {
        let rel = self.gathered(rel);
        let len = self
            .lens
            .get(self.outputs.len())
            .cloned()
            .unwrap_or_default();
        // Where each process reads its own rows, the host's `len` is the whole output's size,
        // counted over the cluster; the rows here count only for this worker.
        let len = match self.settings.count_across {
            true => {
                self.count_across(&rel, len);
                Arc::default()
            }
            false => len,
        };
        let log = self.transactional().then(Log::default);
        let rows = Rc::new(RefCell::new(Rows::new(len, log)));
        let sink = Rc::clone(&rows);
        let ticking = Rc::clone(&self.ticking);
        rel.inspect_batch(move |_, updates| sink.borrow_mut().apply(updates, ticking.get()))
            .probe_with(&self.probe);
        self.outputs.push(Box::new(Rc::clone(&rows)));
        rows
    }

    /// Keeps `len`, shared with the host, as the size of `rel` over every process of the
    /// cluster: summed on the first worker of each process from what every worker holds.
    fn count_across<D: Column>(&mut self, rel: &Rel<'_, Tick, D>, len: Arc<AtomicI64>) {
        let first = rel.scope().index().is_multiple_of(self.settings.workers);
        let total = Rc::new(RefCell::new(Count::new(len, self.transactional())));
        let sink = Rc::clone(&total);
        let ticking = Rc::clone(&self.ticking);
        count::sums(rel)
            .inspect_batch(move |_, sums| {
                if first {
                    sink.borrow_mut().apply(sums, ticking.get());
                }
            })
            .probe_with(&self.probe);
        if first {
            self.counts.push(total);
        }
    }

    /// Registers a relation that is not an output (a table, scratch or channel) so that tests
    /// can read it, after the outputs and in declaration order — when the configuration asks
    /// for it; otherwise it is not kept, and reading it is an error.
    pub fn inspect<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        if self.settings.inspect {
            self.register(rel);
        }
    }

    /// The rows a channel starts each next tick with, from the rows its `<~` rules send to
    /// nodes of this program (`location` is a row's node): when each arrives is the configured
    /// [`crate::Network`]'s choice.
    pub fn deliver<'s, D: Column>(
        &self,
        sent: &Rel<'s, Tick, D>,
        location: fn(&D) -> crate::Addr,
    ) -> Rel<'s, Tick, D> {
        let remotes = &self.settings.remotes;
        if remotes.is_empty() {
            return crate::network::deliver(sent, &self.settings.network);
        }
        let here = remotes.clone();
        let local = sent
            .clone()
            .filter(move |row| !here.contains(&location(row)));
        crate::network::deliver(&local, &self.settings.network)
    }

    /// The rows a channel's `<~` rules send in each tick to nodes in other programs
    /// (`Config::remote`), which leave the dataflow: taken before a keyed program's gate, as
    /// the host reads them only once the tick is accepted.
    pub fn away<'s, D: Column>(
        &self,
        sent: &Rel<'s, Tick, D>,
        location: fn(&D) -> crate::Addr,
    ) -> Rel<'s, Tick, D> {
        let remotes = self.settings.remotes.clone();
        sent.clone()
            .filter(move |row| remotes.contains(&location(row)))
    }

    /// Declares what a channel sends to nodes in other programs, read like an output (after
    /// the outputs, in declaration order), so that the host sends it on.
    pub fn sent_away<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        self.register(rel);
    }

    /// Makes a tick wait for this relation (tables, whose rows the next tick reads).
    pub fn settle<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        rel.clone().probe_with(&self.probe);
    }
}

/// A key gate's state: what each side (`next`, `prev`) holds beyond what the gate gave so far.
struct Gate<D> {
    verdicts: Rc<RefCell<BTreeMap<Tick, bool>>>,
    owed: [HashMap<D, isize>; 2],
}

impl<D: Column> PerTick<(D, bool), D> for Gate<D> {
    fn ready(&mut self, tick: Tick) -> bool {
        self.verdicts.borrow().contains_key(&tick)
    }

    fn tick(
        &mut self,
        tick: Tick,
        changes: Vec<((D, bool), isize)>,
        out: &mut Vec<(D, Tick, isize)>,
    ) {
        for ((row, next), diff) in changes {
            *self.owed[usize::from(next)].entry(row).or_default() += diff;
        }
        // Accepted: give what `next` holds beyond the given rows; rejected: what `prev` does.
        let accepted = self.verdicts.borrow().get(&tick).copied().unwrap_or(false);
        let [prev, next] = &mut self.owed;
        let (given, other) = if accepted { (next, prev) } else { (prev, next) };
        for (row, diff) in given.drain() {
            if diff != 0 {
                *other.entry(row.clone()).or_default() -= diff;
                out.push((row, tick, diff));
            }
        }
        other.retain(|_, diff| *diff != 0);
    }
}

/// An input relation's session, as the worker loop sees it.
pub(crate) trait InputPort {
    /// Inserts a batch of rows (a `Vec<D>` behind `Any`) for tick `tick` only.
    fn load(&mut self, batch: Box<dyn Any + Send>, tick: Tick) -> Result<(), String>;
    /// Closes tick `tick - 1`: the session moves to `tick` and sends what it buffered.
    fn advance(&mut self, tick: Tick);
}

impl<D: Column> InputPort for InputSession<Tick, D, isize> {
    fn load(&mut self, batch: Box<dyn Any + Send>, tick: Tick) -> Result<(), String> {
        let rows = batch.downcast::<Vec<D>>().map_err(|_| {
            format!(
                "an input batch is not a Vec<{}>",
                std::any::type_name::<D>()
            )
        })?;
        for row in *rows {
            // An input row holds for one tick: it is retracted at the next.
            self.update_at(row.clone(), tick, 1);
            self.update_at(row, tick + 1, -1);
        }
        Ok(())
    }

    fn advance(&mut self, tick: Tick) {
        self.advance_to(tick);
        self.flush();
    }
}

/// An output relation's rows on this worker, as of the last completed tick.
pub(crate) trait OutputPort {
    /// Applies the changes held back for tick `tick`, now complete.
    fn complete(&mut self, tick: Tick);
    /// Tick `tick` starts: the changes of a rejected tick are applied again, as differential
    /// has them, before the new tick's changes arrive.
    fn begin(&mut self, tick: Tick);
    /// Tick `tick` is sealed (complete, and accepted): subscribers are told its changes.
    fn seal(&mut self, tick: Tick);
    /// Each row arrives once, with `+1`, until one leaves ([`WorkerIo::arrives_once`]).
    fn arrives_once(&mut self);
    /// Adds a subscriber, told from the next tick on.
    fn subscribe(&mut self, sender: std::sync::mpsc::Sender<Part>);
    /// The completed tick was rejected: its changes are taken back until the next tick begins.
    fn reject(&mut self);
    /// The rows, sorted, as a `Vec<D>` behind `Any`.
    fn snapshot(&self) -> Box<dyn Any + Send>;
}

/// An output's rows, kept as signed counts so that changes apply in any order as they arrive:
/// differential may emit a row's `-1` before its `+1` within one tick.
pub(crate) struct Rows<D> {
    counts: FxHashMap<D, isize>,
    /// Changes for ticks after the one running, held until that tick runs (rare: relations end
    /// in `distinct`, which emits nothing for a tick before its inputs have closed it).
    later: Vec<(D, Tick, isize)>,
    /// The number of rows, shared with the host so that `len` needs no round trip.
    len: Arc<AtomicI64>,
    /// Rows not in `counts`, each present once, while every change has been a new row's `+1`
    /// (see [`WorkerIo::arrives_once`]); `None` once a row has left, or subscribers listen.
    once: Option<Vec<D>>,
    /// The tick's changes, kept when a tick may be rejected (the program has keys).
    log: Option<Log<D>>,
    /// The subscribers, and what they have been told.
    feed: Feed<D>,
}

/// The changes an output applied in the running tick, and those of a rejected tick.
struct Log<D> {
    tick: Vec<(D, isize)>,
    rejected: Vec<(D, isize)>,
}

impl<D> Default for Log<D> {
    fn default() -> Self {
        Log {
            tick: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

impl<D: Column> Rows<D> {
    fn new(len: Arc<AtomicI64>, log: Option<Log<D>>) -> Self {
        Rows {
            counts: FxHashMap::default(),
            later: Vec::new(),
            len,
            once: None,
            log,
            feed: Feed::default(),
        }
    }

    fn apply(&mut self, updates: &[(D, Tick, isize)], ticking: Tick) {
        for (row, time, diff) in updates {
            if *time <= ticking {
                self.change(row, *diff);
            } else {
                self.later.push((row.clone(), *time, *diff));
            }
        }
    }

    /// Applies one change of the running tick.
    fn change(&mut self, row: &D, diff: isize) {
        self.add(row, diff);
        if let Some(log) = &mut self.log {
            log.tick.push((row.clone(), diff));
        }
    }

    fn add(&mut self, row: &D, diff: isize) {
        if let Some(once) = self.once.as_mut().filter(|_| diff == 1) {
            once.push(row.clone());
            self.len.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.count_all();
        let (before, after) = match self.counts.get_mut(row) {
            Some(count) => {
                let before = *count;
                *count += diff;
                let after = *count;
                if after == 0 {
                    self.counts.remove(row);
                }
                (before, after)
            }
            None => {
                self.counts.insert(row.clone(), diff);
                (0, diff)
            }
        };
        self.feed.touch(row, before > 0);
        let delta = i64::from(after > 0) - i64::from(before > 0);
        if delta != 0 {
            self.len.fetch_add(delta, Ordering::Relaxed);
        }
    }

    /// Moves the rows kept in order of arrival into the counts: from now on, rows are counted.
    fn count_all(&mut self) {
        if let Some(once) = self.once.take() {
            self.counts.reserve(once.len());
            self.counts.extend(once.into_iter().map(|row| (row, 1)));
        }
    }
}

impl<D: Column> OutputPort for Rc<RefCell<Rows<D>>> {
    fn complete(&mut self, tick: Tick) {
        let mut rows = self.borrow_mut();
        let later = std::mem::take(&mut rows.later);
        let (now, still_later): (Vec<_>, Vec<_>) =
            later.into_iter().partition(|(_, t, _)| *t <= tick);
        rows.later = still_later;
        for (row, _, diff) in now {
            rows.change(&row, diff);
        }
    }

    fn begin(&mut self, tick: Tick) {
        let mut rows = self.borrow_mut();
        rows.feed.begin(tick);
        let Some(log) = &mut rows.log else { return };
        log.tick.clear();
        // The dataflow computed the rejected ticks' changes, and this tick's are relative to
        // them: they come back, as part of this tick, so that rejecting it too takes them away.
        let rejected = std::mem::take(&mut log.rejected);
        for (row, diff) in rejected {
            rows.change(&row, diff);
        }
    }

    fn seal(&mut self, tick: Tick) {
        let rows = &mut *self.borrow_mut();
        let counts = &rows.counts;
        rows.feed
            .seal(tick, |row| counts.get(row).is_some_and(|count| *count > 0));
    }

    fn arrives_once(&mut self) {
        let mut rows = self.borrow_mut();
        if rows.counts.is_empty() && !rows.feed.active() {
            rows.once = Some(Vec::new());
        }
    }

    fn subscribe(&mut self, sender: std::sync::mpsc::Sender<Part>) {
        let mut rows = self.borrow_mut();
        // Subscribers are told which rows a tick changed: that takes counts.
        rows.count_all();
        rows.feed.subscribe(sender);
    }

    fn reject(&mut self) {
        let mut rows = self.borrow_mut();
        let Some(log) = &mut rows.log else { return };
        let changes = std::mem::take(&mut log.tick);
        for (row, diff) in &changes {
            rows.add(row, -diff);
        }
        if let Some(log) = &mut rows.log {
            log.rejected.extend(changes);
        }
    }

    fn snapshot(&self) -> Box<dyn Any + Send> {
        let rows = self.borrow();
        let present = rows
            .counts
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(row, _)| row.clone());
        let once = rows.once.iter().flatten().cloned();
        let mut present: Vec<D> = present.chain(once).collect();
        present.sort_unstable();
        Box::new(present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows(once: bool) -> Rc<RefCell<Rows<u8>>> {
        let rows = Rc::new(RefCell::new(Rows::new(Arc::default(), None)));
        if once {
            rows.clone().arrives_once();
        }
        rows
    }

    fn read(rows: &Rc<RefCell<Rows<u8>>>) -> (Vec<u8>, i64) {
        let snapshot = rows.snapshot().downcast::<Vec<u8>>().map(|rows| *rows);
        let len = rows.borrow().len.load(Ordering::Relaxed);
        (snapshot.unwrap_or_default(), len)
    }

    proptest! {
        /// Rows that arrive once each are kept as counted rows are, and a later retraction
        /// (a semi-naive stratum that recomputes) turns them into counts without losing any.
        #[test]
        fn rows_that_arrive_once_read_as_counted_rows(
            first in prop::collection::btree_set(any::<u8>(), 0..40),
            later in prop::collection::vec((any::<u8>(), any::<bool>()), 0..40),
        ) {
            let (once, counted) = (rows(true), rows(false));
            let mut changes: Vec<(u8, Tick, isize)> = first.iter().map(|&r| (r, 0, 1)).collect();
            // Then everything is taken back and random rows come and go, as counts allow.
            changes.extend(first.iter().map(|&r| (r, 0, -1)));
            let mut held = std::collections::BTreeSet::new();
            for (row, add) in later {
                if add && held.insert(row) {
                    changes.push((row, 0, 1));
                } else if !add && held.remove(&row) {
                    changes.push((row, 0, -1));
                }
            }
            for (step, change) in changes.iter().enumerate() {
                once.borrow_mut().apply(std::slice::from_ref(change), 0);
                counted.borrow_mut().apply(std::slice::from_ref(change), 0);
                if step + 1 == first.len() {
                    prop_assert!(once.borrow().counts.is_empty());
                    prop_assert_eq!(read(&once), (first.iter().copied().collect(), first.len() as i64));
                }
                prop_assert_eq!(read(&once), read(&counted));
            }
        }
    }
}
