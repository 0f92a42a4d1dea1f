//! Clocks and timers: what `periodic` relations fire by.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Input;
use crate::runtime::PendingInput;

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

/// A `periodic` relation: one row `n` per firing, the `n`-th firing (from 0) coming once
/// `(n + 1) * every` has passed on the program's clock. A tick holds the rows of the firings
/// since the previous tick, so a slow host sees every firing, late, never a lost one. A zero
/// period fires once per tick.
#[derive(Debug)]
pub struct Periodic {
    every: Duration,
    fired: u64,
    rows: Input<u64>,
}

impl Periodic {
    /// A timer firing every `every`.
    pub fn new(every: Duration) -> Self {
        Periodic {
            every,
            fired: 0,
            rows: Input::default(),
        }
    }

    /// The period.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// The number of firings so far.
    pub fn fired(&self) -> u64 {
        self.fired
    }

    /// Adds a row for each firing due at `now`.
    pub fn fire(&mut self, now: Duration) {
        if self.every.is_zero() {
            self.rows.insert(self.fired);
            self.fired += 1;
            return;
        }
        let due = now.as_nanos() / self.every.as_nanos();
        let due = u64::try_from(due).unwrap_or(u64::MAX);
        while self.fired < due {
            self.rows.insert(self.fired);
            self.fired += 1;
        }
    }
}

impl PendingInput for Periodic {
    fn split(&mut self, parts: usize) -> Vec<Option<Box<dyn std::any::Any + Send>>> {
        self.rows.split(parts)
    }
}
