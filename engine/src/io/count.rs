//! An output's size over every process of a cluster whose processes read their own rows.
//!
//! Relations are sets, so the sum of an output's changes up to a tick is its size at that tick.
//! Each worker sums the changes it holds, per tick, and broadcasts the sums (a few numbers per
//! batch, where sending the rows to one process would send them all); the first worker of
//! each process adds up what every worker sent, and the host reads the total as the output's
//! `len`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use differential_dataflow::AsCollection;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::vec::Broadcast;

use crate::rt::{Column, Rel, Tick};

/// The sums of an output's changes per tick, as this worker holds them, sent to every worker.
pub(crate) fn sums<'s, D: Column>(rel: &Rel<'s, Tick, D>) -> Rel<'s, Tick, ()> {
    rel.inner
        .clone()
        .unary::<CapacityContainerBuilder<Vec<((), Tick, isize)>>, _, _, _>(
            Pipeline,
            "Sum",
            |_, _| {
                move |input, output| {
                    input.for_each(|time, data| {
                        let mut sums: BTreeMap<Tick, isize> = BTreeMap::new();
                        for (_, tick, diff) in data.iter() {
                            *sums.entry(*tick).or_default() += diff;
                        }
                        let sums = sums.into_iter().filter(|(_, sum)| *sum != 0);
                        output
                            .session(&time)
                            .give_iterator(sums.map(|(tick, sum)| ((), tick, sum)));
                    });
                }
            },
        )
        .broadcast()
        .as_collection()
}

/// The size of an output over the whole cluster, as of the last completed tick, shared with
/// the host; kept by one worker of each process.
pub(crate) struct Count {
    len: Arc<AtomicI64>,
    /// Sums for ticks after the one running, held until that tick runs.
    later: Vec<(Tick, isize)>,
    /// With keys, a tick may be rejected: the running tick's sum, and a rejected tick's,
    /// which comes back when the next tick begins (as the output's rows do).
    log: Option<Log>,
}

#[derive(Default)]
struct Log {
    tick: isize,
    rejected: isize,
}

impl Count {
    pub(crate) fn new(len: Arc<AtomicI64>, transactional: bool) -> Self {
        Count {
            len,
            later: Vec::new(),
            log: transactional.then(Log::default),
        }
    }

    /// Adds the sums that arrived while tick `ticking` runs (or after it completed).
    pub(crate) fn apply(&mut self, sums: &[((), Tick, isize)], ticking: Tick) {
        for ((), tick, sum) in sums {
            if *tick <= ticking {
                self.add(*sum);
            } else {
                self.later.push((*tick, *sum));
            }
        }
    }

    /// Tick `tick` is complete: the sums held for it count now.
    pub(crate) fn complete(&mut self, tick: Tick) {
        let (now, later) = std::mem::take(&mut self.later)
            .into_iter()
            .partition(|(t, _)| *t <= tick);
        self.later = later;
        for (_, sum) in now {
            self.add(sum);
        }
    }

    /// Tick `tick` begins: a rejected tick's sum comes back, as the dataflow has it.
    pub(crate) fn begin(&mut self) {
        let Some(log) = &mut self.log else { return };
        log.tick = 0;
        let rejected = std::mem::take(&mut log.rejected);
        self.add(rejected);
    }

    /// The completed tick was rejected: its sum is taken back until the next tick begins.
    pub(crate) fn reject(&mut self) {
        let Some(log) = &mut self.log else { return };
        let sum = std::mem::take(&mut log.tick);
        log.rejected += sum;
        self.len.fetch_sub(sum as i64, Ordering::Relaxed);
    }

    fn add(&mut self, sum: isize) {
        if let Some(log) = &mut self.log {
            log.tick += sum;
        }
        self.len.fetch_add(sum as i64, Ordering::Relaxed);
    }
}
