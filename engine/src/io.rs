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
use timely::dataflow::ProbeHandle;
use timely::dataflow::operators::Exchange;

use crate::rt::{Column, Rel, Scope, Tick};

/// A worker's input and output ports, registered by the generated dataflow in declaration order.
pub struct WorkerIo {
    pub(crate) inputs: Vec<Box<dyn InputPort>>,
    pub(crate) outputs: Vec<Box<dyn OutputPort>>,
    pub(crate) probe: ProbeHandle<Tick>,
    /// Send every output row to worker 0, so that process 0 sees whole outputs in a cluster.
    gather: bool,
    lens: Vec<Arc<AtomicI64>>,
    /// The tick the worker is running, or last completed: output changes for later ticks are
    /// held back, so that reading an output between ticks sees exactly the completed ones.
    pub(crate) ticking: Rc<Cell<Tick>>,
}

impl WorkerIo {
    pub(crate) fn new(gather: bool, lens: Vec<Arc<AtomicI64>>) -> Self {
        WorkerIo {
            inputs: Vec::new(),
            outputs: Vec::new(),
            probe: ProbeHandle::new(),
            gather,
            lens,
            ticking: Rc::new(Cell::new(0)),
        }
    }

    /// Declares the next `input` relation; its rows hold for the tick they are inserted in.
    pub fn input<'s, D: Column>(&mut self, scope: Scope<'s, Tick>) -> Rel<'s, Tick, D> {
        let (session, rel) = scope.new_collection::<D, isize>();
        self.inputs.push(Box::new(session));
        rel
    }

    /// Declares the next `output` relation; hosts read its rows once a tick completes.
    pub fn output<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        let rel = if self.gather {
            rel.inner.clone().exchange(|_| 0).as_collection()
        } else {
            rel.clone()
        };
        let len = self
            .lens
            .get(self.outputs.len())
            .cloned()
            .unwrap_or_default();
        let rows = Rc::new(RefCell::new(Rows {
            counts: BTreeMap::new(),
            later: Vec::new(),
            len,
        }));
        let sink = Rc::clone(&rows);
        let ticking = Rc::clone(&self.ticking);
        rel.inspect_batch(move |_, updates| sink.borrow_mut().apply(updates, ticking.get()))
            .probe_with(&self.probe);
        self.outputs.push(Box::new(rows));
    }

    /// Makes a tick wait for this relation (tables, whose rows the next tick reads).
    pub fn settle<D: Column>(&mut self, rel: &Rel<'_, Tick, D>) {
        rel.clone().probe_with(&self.probe);
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
    /// The rows, sorted, as a `Vec<D>` behind `Any`.
    fn snapshot(&self) -> Box<dyn Any + Send>;
}

/// An output's rows, kept as signed counts so that changes apply in any order as they arrive:
/// differential may emit a row's `-1` before its `+1` within one tick.
struct Rows<D> {
    counts: BTreeMap<D, isize>,
    /// Changes for ticks after the one running, held until that tick runs (rare: relations end
    /// in `distinct`, which emits nothing for a tick before its inputs have closed it).
    later: Vec<(D, Tick, isize)>,
    /// The number of rows, shared with the host so that `len` needs no round trip.
    len: Arc<AtomicI64>,
}

impl<D: Column> Rows<D> {
    fn apply(&mut self, updates: &[(D, Tick, isize)], ticking: Tick) {
        for (row, time, diff) in updates {
            if *time <= ticking {
                self.add(row, *diff);
            } else {
                self.later.push((row.clone(), *time, *diff));
            }
        }
    }

    fn add(&mut self, row: &D, diff: isize) {
        let before = self.counts.get(row).copied().unwrap_or(0);
        let after = before + diff;
        if after == 0 {
            self.counts.remove(row);
        } else if let Some(count) = self.counts.get_mut(row) {
            *count = after;
        } else {
            self.counts.insert(row.clone(), after);
        }
        let delta = i64::from(after > 0) - i64::from(before > 0);
        if delta != 0 {
            self.len.fetch_add(delta, Ordering::Relaxed);
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
            rows.add(&row, diff);
        }
    }

    fn snapshot(&self) -> Box<dyn Any + Send> {
        let rows = self.borrow();
        let present = rows
            .counts
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(row, _)| row.clone());
        Box::new(present.collect::<Vec<D>>())
    }
}
