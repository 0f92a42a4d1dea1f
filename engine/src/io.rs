//! A worker's end of the program's inputs and outputs: typed sessions behind trait objects.
//!
//! The host hands each worker untyped batches; the ports built here by the generated dataflow
//! know the row types, so the worker loop itself is written once, for every program.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeSet;
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
}

impl WorkerIo {
    pub(crate) fn new(gather: bool, lens: Vec<Arc<AtomicI64>>) -> Self {
        WorkerIo {
            inputs: Vec::new(),
            outputs: Vec::new(),
            probe: ProbeHandle::new(),
            gather,
            lens,
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
        let pending = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&pending);
        rel.inspect_batch(move |_, updates| sink.borrow_mut().extend_from_slice(updates))
            .probe_with(&self.probe);
        let len = self
            .lens
            .get(self.outputs.len())
            .cloned()
            .unwrap_or_default();
        self.outputs.push(Box::new(OutputState {
            pending,
            rows: BTreeSet::new(),
            len,
        }));
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
    /// Applies the changes of every tick up to and including `tick`.
    fn complete(&mut self, tick: Tick);
    /// The rows, sorted, as a `Vec<D>` behind `Any`.
    fn snapshot(&self) -> Box<dyn Any + Send>;
}

struct OutputState<D> {
    /// Changes the dataflow produced, possibly for ticks not yet complete.
    pending: Rc<RefCell<Vec<(D, Tick, isize)>>>,
    rows: BTreeSet<D>,
    /// The number of rows, shared with the host so that `len` needs no round trip.
    len: Arc<AtomicI64>,
}

impl<D: Column> OutputPort for OutputState<D> {
    fn complete(&mut self, tick: Tick) {
        let mut pending = self.pending.borrow_mut();
        let (mut done, later): (Vec<_>, Vec<_>) =
            pending.drain(..).partition(|(_, t, _)| *t <= tick);
        *pending = later;
        done.sort_by(|a, b| a.0.cmp(&b.0));
        let mut delta = 0;
        let mut updates = done.into_iter().peekable();
        while let Some((row, _, mut diff)) = updates.next() {
            while let Some((_, _, more)) = updates.next_if(|(next, _, _)| *next == row) {
                diff += more;
            }
            // Relations are sets: a row's net change in a completed tick is +1, -1 or 0.
            if diff > 0 && self.rows.insert(row.clone()) {
                delta += 1;
            } else if diff < 0 && self.rows.remove(&row) {
                delta -= 1;
            }
        }
        self.len.fetch_add(delta, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Box<dyn Any + Send> {
        Box::new(self.rows.iter().cloned().collect::<Vec<D>>())
    }
}
