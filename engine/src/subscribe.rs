//! Subscriptions: an output's rows told to the host as the workers derive and seal them.
//!
//! Each worker tells its subscribers two things about an output. For an output the CALM
//! analysis labels monotone (M or A), the rows it derives while a tick is still running, the
//! moment it derives them: a later fact of the same tick cannot take them back, so nothing is
//! told speculatively. For every output, once the tick is sealed on that worker (the timely
//! frontier has passed it, and with keyed relations the tick was accepted), the tick's changes.
//! A [`Subscription`] merges what the workers of this process tell into [`Event`]s.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::rt::{Column, Tick};

/// What a subscriber learns about an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event<D> {
    /// `row` is in the output at tick `tick`, known before the tick is over. Only outputs the
    /// CALM analysis labels monotone are told early, and only rows that no later fact of the
    /// tick can remove; each row once per tick.
    Derived {
        /// The tick (the dataflow's epoch, counted from 0).
        tick: Tick,
        /// The row.
        row: D,
    },
    /// Tick `tick` is over: the rows it added to the output and those it removed, sorted.
    Sealed {
        /// The tick (the dataflow's epoch, counted from 0). A rejected tick is never sealed.
        tick: Tick,
        /// Rows in the output now that were not at the previous sealed tick.
        added: Vec<D>,
        /// Rows that were in the output at the previous sealed tick and are not now.
        removed: Vec<D>,
    },
}

/// What one worker tells one subscriber: rows as `Vec<D>` behind `Any`.
pub(crate) enum Part {
    Derived {
        tick: Tick,
        rows: Box<dyn Any + Send>,
    },
    Sealed {
        tick: Tick,
        added: Box<dyn Any + Send>,
        removed: Box<dyn Any + Send>,
    },
}

/// A worker's end of an output's subscriptions.
pub(crate) struct Feed<D> {
    subscribers: Vec<mpsc::Sender<Part>>,
    /// Rows whose count changed since the last seal, and whether each was present then.
    touched: HashMap<D, bool>,
    /// Rows told early in the running tick.
    told: HashSet<D>,
    /// Rows derived early for a tick that has not begun (a table's rows for the next tick).
    waiting: Vec<(D, Tick)>,
}

impl<D> Default for Feed<D> {
    fn default() -> Self {
        Feed {
            subscribers: Vec::new(),
            touched: HashMap::new(),
            told: HashSet::new(),
            waiting: Vec::new(),
        }
    }
}

impl<D: Column> Feed<D> {
    pub(crate) fn subscribe(&mut self, sender: mpsc::Sender<Part>) {
        self.subscribers.push(sender);
    }

    /// Whether anyone subscribed.
    pub(crate) fn active(&self) -> bool {
        !self.subscribers.is_empty()
    }

    /// `row`'s count is about to change; `present` is whether it is in the output now.
    pub(crate) fn touch(&mut self, row: &D, present: bool) {
        if self.active() && !self.touched.contains_key(row) {
            self.touched.insert(row.clone(), present);
        }
    }

    /// Tick `tick` begins: rows derived early for it are told now.
    pub(crate) fn begin(&mut self, tick: Tick) {
        self.told.clear();
        let (now, later) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(_, t)| *t <= tick);
        self.waiting = later;
        self.derived(now.into_iter().map(|(row, _)| row), tick);
    }

    /// Early changes of the running tick `running`: the new rows among them are told.
    pub(crate) fn early(&mut self, updates: &[(D, Tick, isize)], running: Tick) {
        if !self.active() {
            return;
        }
        let mut now = Vec::new();
        for (row, time, diff) in updates {
            if *diff <= 0 {
                continue;
            }
            if *time > running {
                self.waiting.push((row.clone(), *time));
            } else if *time == running {
                now.push(row.clone());
            }
        }
        self.derived(now, running);
    }

    /// Tells the rows of `rows` not yet told in tick `tick`.
    fn derived(&mut self, rows: impl IntoIterator<Item = D>, tick: Tick) {
        let new: Vec<D> = (rows.into_iter())
            .filter(|row| !self.told.contains(row))
            .collect();
        self.told.extend(new.iter().cloned());
        if !new.is_empty() {
            self.send(|| Part::Derived {
                tick,
                rows: Box::new(new.clone()),
            });
        }
    }

    /// Tick `tick` is sealed: tells each subscriber its changes, given `present` for each row.
    pub(crate) fn seal(&mut self, tick: Tick, present: impl Fn(&D) -> bool) {
        if !self.active() {
            return;
        }
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for (row, was) in self.touched.drain() {
            match (was, present(&row)) {
                (false, true) => added.push(row),
                (true, false) => removed.push(row),
                _ => {}
            }
        }
        self.send(|| Part::Sealed {
            tick,
            added: Box::new(added.clone()),
            removed: Box::new(removed.clone()),
        });
    }

    /// Sends a part to every subscriber, forgetting those that have gone.
    fn send(&mut self, part: impl Fn() -> Part) {
        self.subscribers
            .retain(|sender| sender.send(part()).is_ok());
    }
}

/// The events of one output, from every worker of this process; see [`crate::Output::subscribe`].
///
/// Events come tick by tick: a tick's `Derived` rows (from several workers, interleaved), then
/// its `Sealed` changes once every worker has sealed it. A subscription hears of the ticks that
/// begin after it was made.
pub struct Subscription<D> {
    parts: mpsc::Receiver<Part>,
    workers: usize,
    told: BTreeMap<Tick, HashSet<D>>,
    sealing: BTreeMap<Tick, Sealing<D>>,
    ready: VecDeque<Event<D>>,
}

/// A tick's changes, from the workers that have sealed it so far.
struct Sealing<D> {
    workers: usize,
    changes: BTreeMap<D, isize>,
}

impl<D: Column> Subscription<D> {
    pub(crate) fn new(parts: mpsc::Receiver<Part>, workers: usize) -> Self {
        Subscription {
            parts,
            workers,
            told: BTreeMap::new(),
            sealing: BTreeMap::new(),
            ready: VecDeque::new(),
        }
    }

    /// The next event, waiting for it; `None` once the program has stopped.
    pub fn recv(&mut self) -> Option<Event<D>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let part = self.parts.recv().ok()?;
            self.take(part);
        }
    }

    /// The next event, waiting at most `timeout`; `None` if none came (or the program stopped).
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<Event<D>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let part = self.parts.recv_timeout(left).ok()?;
            self.take(part);
        }
    }

    /// The next event if one has come, without waiting.
    pub fn try_recv(&mut self) -> Option<Event<D>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let part = self.parts.try_recv().ok()?;
            self.take(part);
        }
    }

    fn take(&mut self, part: Part) {
        match part {
            Part::Derived { tick, rows } => {
                let Ok(rows) = rows.downcast::<Vec<D>>() else {
                    return;
                };
                let told = self.told.entry(tick).or_default();
                for row in *rows {
                    if told.insert(row.clone()) {
                        self.ready.push_back(Event::Derived { tick, row });
                    }
                }
            }
            Part::Sealed {
                tick,
                added,
                removed,
            } => {
                let (Ok(added), Ok(removed)) =
                    (added.downcast::<Vec<D>>(), removed.downcast::<Vec<D>>())
                else {
                    return;
                };
                let sealing = self.sealing.entry(tick).or_insert_with(|| Sealing {
                    workers: 0,
                    changes: BTreeMap::new(),
                });
                sealing.workers += 1;
                for (rows, diff) in [(*added, 1), (*removed, -1)] {
                    for row in rows {
                        *sealing.changes.entry(row).or_default() += diff;
                    }
                }
                if sealing.workers == self.workers {
                    self.sealed(tick);
                }
            }
        }
    }

    fn sealed(&mut self, tick: Tick) {
        let Some(sealing) = self.sealing.remove(&tick) else {
            return;
        };
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for (row, diff) in sealing.changes {
            match diff.cmp(&0) {
                std::cmp::Ordering::Greater => added.push(row),
                std::cmp::Ordering::Less => removed.push(row),
                std::cmp::Ordering::Equal => {}
            }
        }
        self.told.retain(|t, _| *t > tick);
        self.ready.push_back(Event::Sealed {
            tick,
            added,
            removed,
        });
    }
}

impl<D> std::fmt::Debug for Subscription<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}
