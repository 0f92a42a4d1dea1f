//! The typed handles a program exposes for its relations: inputs to fill, outputs to read.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Arc, mpsc};

use crate::Error;
use crate::rt::Column;
use crate::runtime::{Link, PendingInput, Runtime};
use crate::subscribe::Subscription;

/// An `input` relation: rows inserted here hold in the next tick, and only in it.
#[derive(Debug)]
pub struct Input<D> {
    pending: Vec<D>,
}

impl<D> Default for Input<D> {
    fn default() -> Self {
        Input {
            pending: Vec::new(),
        }
    }
}

impl<D: Column> Input<D> {
    /// Inserts a row for the next tick.
    pub fn insert(&mut self, row: D) {
        self.pending.push(row);
    }

    /// The number of rows waiting for the next tick.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The rows waiting for the next tick.
    pub(crate) fn pending_rows(&self) -> &[D] {
        &self.pending
    }
}

impl<D: Column> Extend<D> for Input<D> {
    fn extend<I: IntoIterator<Item = D>>(&mut self, rows: I) {
        self.pending.extend(rows);
    }
}

// Only moving rows is needed here; `Column` is checked where the rows enter the dataflow, so a
// column type that cannot be stored is reported once, at the type, not again at every tick.
impl<D: Send + 'static> PendingInput for Input<D> {
    fn split(&mut self, parts: usize) -> Vec<Option<Box<dyn Any + Send>>> {
        let mut rows = std::mem::take(&mut self.pending);
        let share = rows.len().div_ceil(parts.max(1));
        let mut batches: Vec<Option<Box<dyn Any + Send>>> = Vec::with_capacity(parts);
        for _ in 0..parts {
            let rest = rows.split_off(share.min(rows.len()));
            let batch = std::mem::replace(&mut rows, rest);
            batches.push((!batch.is_empty()).then(|| Box::new(batch) as Box<dyn Any + Send>));
        }
        batches
    }
}

/// An `output` relation: its rows as of the last completed tick.
///
/// In a cluster every output row is sent to process 0, so process 0 reads whole outputs and
/// the other processes read nothing.
pub struct Output<D> {
    link: Arc<Link>,
    index: usize,
    _rows: PhantomData<fn() -> D>,
}

impl<D: Column> Output<D> {
    /// The handle of output number `index` of a running program.
    pub fn new(runtime: &Runtime, index: usize) -> Self {
        Output {
            link: runtime.link(),
            index,
            _rows: PhantomData,
        }
    }

    /// The rows, sorted.
    pub fn snapshot(&self) -> Result<Vec<D>, Error> {
        let mut rows = Vec::new();
        for part in self.link.snapshot(self.index)? {
            let part = part.downcast::<Vec<D>>().map_err(|_| Error::Stopped)?;
            rows.extend(*part);
        }
        rows.sort();
        Ok(rows)
    }

    /// Subscribes to the output's changes, from the next tick on: each tick's rows as the
    /// workers derive them (for an output the CALM analysis proves monotone), then the tick's
    /// changes once it is sealed. Read the events on another thread while this one ticks.
    pub fn subscribe(&self) -> Result<Subscription<D>, Error> {
        let (sender, parts) = mpsc::channel();
        self.link.subscribe(self.index, &sender)?;
        Ok(Subscription::new(parts, self.link.workers()))
    }

    /// The number of rows, without copying them.
    pub fn len(&self) -> usize {
        usize::try_from(self.link.len(self.index)).unwrap_or(0)
    }

    /// Whether the output has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<D> std::fmt::Debug for Output<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("index", &self.index)
            .finish()
    }
}
