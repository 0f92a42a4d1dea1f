//! The dataflow operator of a device rule: rows gathered into a batch, a kernel over it, and
//! its outputs scattered back into rows.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use differential_dataflow::AsCollection;
use differential_dataflow::consolidation::consolidate;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::CapabilitySet;
use timely::dataflow::operators::generic::Operator;

use super::{Batch, Devices, Kernel};
use crate::rt::{Column, Rel, Time};

/// Puts one row's input values into a batch: one [`Batch::push`] per input column.
type Gather<D> = Box<dyn Fn(&D, &mut Batch)>;

/// Builds a row from its input row and output row `i` of a batch; `None` drops it.
type Scatter<D, E> = Box<dyn Fn(&D, &Batch, usize) -> Option<E>>;

/// The rows of one time not yet run, with what the operator may send them at.
struct Pending<T: Time, D> {
    /// A capability for the time, or none for rows that came under an empty stamp (they make
    /// no progress claims, and so nor do their outputs).
    caps: CapabilitySet<T>,
    rows: Vec<(D, isize)>,
}

/// Applies a device kernel to every row of `rel`. Per time, once the input is complete for it
/// (the input frontier has passed it), gathers that time's rows into a columnar batch with
/// `gather`, runs `kernel` through `devices`, and emits for each row `scatter(row, &outputs,
/// i)` (if `Some`) with the row's time and diff.
///
/// Each worker maps its own rows (no exchange). The times complete at once share one batch, so
/// that the device sees one launch per activation rather than one per time; a row's changes
/// at a time are consolidated first, so that a row inserted and retracted runs nowhere.
pub fn map<'s, T: Time, D: Column, E: Column>(
    rel: &Rel<'s, T, D>,
    devices: Rc<RefCell<Devices>>,
    kernel: Kernel,
    gather: impl Fn(&D, &mut Batch) + 'static,
    scatter: impl Fn(&D, &Batch, usize) -> Option<E> + 'static,
) -> Rel<'s, T, E> {
    map_boxed(rel, devices, kernel, Box::new(gather), Box::new(scatter))
}

#[inline(never)]
fn map_boxed<'s, T: Time, D: Column, E: Column>(
    rel: &Rel<'s, T, D>,
    devices: Rc<RefCell<Devices>>,
    kernel: Kernel,
    gather: Gather<D>,
    scatter: Scatter<D, E>,
) -> Rel<'s, T, E> {
    let name = format!("Device({})", kernel.name);
    let stream = rel.inner.clone();
    let mapped = stream.unary_frontier(Pipeline, &name, move |_, _| {
        let mut pending: BTreeMap<T, Pending<T, D>> = BTreeMap::new();
        move |(input, frontier), output| {
            input.for_each(|cap, data| {
                let caps = cap.retain_stamp(0);
                // Each update carries its own time, at or after one of its message's.
                for (row, time, diff) in data.drain(..) {
                    let entry = pending.entry(time.clone()).or_insert_with(|| Pending {
                        caps: CapabilitySet::new(),
                        rows: Vec::new(),
                    });
                    if entry.caps.is_empty()
                        && let Some(cap) = caps.try_delayed(&time)
                    {
                        entry.caps.insert(cap);
                    }
                    entry.rows.push((row, diff));
                }
            });
            // Times the frontier has passed have all their rows: run them, and let go of
            // their capabilities (dropped with `ready`).
            let (mut ready, waiting): (BTreeMap<_, _>, _) = std::mem::take(&mut pending)
                .into_iter()
                .partition(|(time, _)| !frontier.less_equal(time));
            pending = waiting;
            if ready.is_empty() {
                return;
            }
            let mut batch = Batch::new(&kernel.inputs);
            for time_rows in ready.values_mut() {
                consolidate(&mut time_rows.rows);
                for (row, _) in &time_rows.rows {
                    gather(row, &mut batch);
                }
            }
            let rows: usize = ready.values().map(|p| p.rows.len()).sum();
            assert_eq!(
                batch.len(),
                rows,
                "device kernel `{}`: gather must push one value per row to every column",
                kernel.name
            );
            let outputs = devices.borrow_mut().run(&kernel, &batch);
            let mut i = 0;
            for (time, time_rows) in ready {
                let mut session = output.session(&time_rows.caps);
                for (row, diff) in time_rows.rows {
                    if let Some(out) = scatter(&row, &outputs, i) {
                        session.give((out, time.clone(), diff));
                    }
                    i += 1;
                }
            }
        }
    });
    mapped.as_collection()
}
