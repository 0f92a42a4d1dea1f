//! Clocks and timers: what `periodic` relations fire by.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::runtime::PendingInput;
use crate::{Addr, Input, Runtime};

/// A source of time for a program: how long it has been running.
pub trait Clock: Send {
    /// The time since the program started.
    fn now(&self) -> Duration;
}

/// Real time, from when the program started: the default clock.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// Time that moves only when told to, for deterministic tests: clones share one time.
///
/// ```
/// use std::time::Duration;
/// use blossom::{Clock, VirtualClock};
///
/// let clock = VirtualClock::default();
/// let handle = clock.clone();
/// handle.advance(Duration::from_millis(250));
/// assert_eq!(clock.now(), Duration::from_millis(250));
/// ```
#[derive(Clone, Debug, Default)]
pub struct VirtualClock {
    nanos: Arc<AtomicU64>,
}

impl VirtualClock {
    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::Relaxed);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

/// Where a timer fires: in a program without channels, on the program (`()`); in a program
/// with channels, on each node it is started on (`Addr`), by that node's clock.
pub trait TimerPlace: Ord + Clone + Send + 'static {
    /// A firing's row: `n`, or `(node, n)`.
    type Row: crate::rt::Column;
    /// The row of firing `n` here.
    fn row(&self, n: u64) -> Self::Row;
    /// The node whose clock the timer fires by, or `None` for the program's clock.
    fn node(&self) -> Option<Addr>;
    /// Where a new timer fires before any is started: the program itself, or nowhere.
    fn everywhere() -> Option<Self>;
}

impl TimerPlace for () {
    type Row = u64;
    fn row(&self, n: u64) -> u64 {
        n
    }
    fn node(&self) -> Option<Addr> {
        None
    }
    fn everywhere() -> Option<Self> {
        Some(())
    }
}

impl TimerPlace for Addr {
    type Row = (Addr, u64);
    fn row(&self, n: u64) -> (Addr, u64) {
        (*self, n)
    }
    fn node(&self) -> Option<Addr> {
        Some(*self)
    }
    fn everywhere() -> Option<Self> {
        None
    }
}

/// A `periodic` relation: one row `n` per firing, the `n`-th firing (from 0) coming once
/// `(n + 1) * every` has passed since the timer started. A tick holds the rows of the firings
/// since the previous tick, so a slow host sees every firing, late, never a lost one. A zero
/// period fires once per tick.
///
/// In a program without channels the timer starts with the program, on its clock. In a program
/// with channels a timer fires on the nodes it is [started](Periodic::start) on, with rows
/// `(node, n)`, each by its node's clock (`set_node_clock`, or the program's): nodes whose clocks
/// drift apart fire apart. The firings of a tick that is rejected (a key conflict) fire again
/// in the next tick.
#[derive(Debug)]
pub struct Periodic<N: TimerPlace = ()> {
    every: Duration,
    timers: BTreeMap<N, Timer>,
    rows: Input<N::Row>,
    /// The firings handed to the last tick: they fire again if it is rejected.
    last: Vec<N::Row>,
}

/// One place's timer: when it started (at its first tick, for a node) and how often it fired.
#[derive(Debug)]
struct Timer {
    start: Option<Duration>,
    fired: u64,
}

impl<N: TimerPlace> Periodic<N> {
    /// A timer firing every `every`.
    pub fn new(every: Duration) -> Self {
        let timers = N::everywhere()
            .map(|place| {
                let timer = Timer {
                    start: Some(Duration::ZERO),
                    fired: 0,
                };
                (place, timer)
            })
            .into_iter()
            .collect();
        Periodic {
            every,
            timers,
            rows: Input::default(),
            last: Vec::new(),
        }
    }

    /// The period.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// Adds a row for each firing due, on every place the timer runs, by the place's clock.
    pub fn fire(&mut self, runtime: &Runtime) {
        for (place, timer) in &mut self.timers {
            let now = runtime.now_at(place.node());
            let start = *timer.start.get_or_insert(now);
            let due = if self.every.is_zero() {
                timer.fired + 1
            } else {
                let since = now.saturating_sub(start).as_nanos() / self.every.as_nanos();
                u64::try_from(since).unwrap_or(u64::MAX)
            };
            while timer.fired < due {
                self.rows.insert(place.row(timer.fired));
                timer.fired += 1;
            }
        }
    }
}

impl Periodic<()> {
    /// The number of firings so far.
    pub fn fired(&self) -> u64 {
        self.timers.get(&()).map_or(0, |timer| timer.fired)
    }
}

impl Periodic<Addr> {
    /// Starts the timer on `node` (if it is not running there): it counts from the node's
    /// clock at the next tick. Restarting a stopped timer counts its firings from 0 again.
    pub fn start(&mut self, node: Addr) {
        self.timers.entry(node).or_insert(Timer {
            start: None,
            fired: 0,
        });
    }

    /// Stops the timer on `node`, as when the node fails: it fires there no more.
    pub fn stop(&mut self, node: Addr) {
        self.timers.remove(&node);
    }

    /// The number of firings on `node` so far (0 where it is not running).
    pub fn fired_at(&self, node: Addr) -> u64 {
        self.timers.get(&node).map_or(0, |timer| timer.fired)
    }
}

impl<N: TimerPlace> PendingInput for Periodic<N> {
    fn split(&mut self, parts: usize) -> Vec<Option<Box<dyn std::any::Any + Send>>> {
        self.last = self.rows.pending_rows().to_vec();
        self.rows.split(parts)
    }

    fn rejected(&mut self) {
        self.rows.extend(std::mem::take(&mut self.last));
    }
}
