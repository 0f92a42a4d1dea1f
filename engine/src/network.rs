//! Delivery between logical nodes: in which tick a `<~` row arrives.
//!
//! Dedalus says only that a message arrives at some later time at its node. A program under
//! test should meet every such schedule, and meet the same one again when a test fails, so a
//! [`Network`] chooses each message's delay from a seed: deterministic for a given seed and
//! binary, whatever the number of workers, and different from seed to seed.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::RangeInclusive;

use differential_dataflow::Hashable;
use timely::dataflow::channels::pact::Exchange;

use crate::rt::{Column, Rel, Tick};
use crate::ticks::{PerTick, each_tick};

/// How a program's channels deliver their rows: each row sent in tick `t` arrives at its node in
/// tick `t + d`, `d` drawn from the delay range by a hash of the seed, `t` and the row.
///
/// The default delivers every row in the next tick, in order. [`Network::random`] delays rows
/// by 1 to 4 ticks, so that rows sent together arrive apart and rows sent apart arrive
/// together or reordered. A row sent again in a later tick is a new message with its own delay;
/// rows are a set, so one row arriving twice in one tick is there once. No row is lost.
///
/// ```
/// use blossom::Network;
///
/// let network = Network::random(7).delays(2..=5);
/// let d = network.delay(&("ping", 3u32), 10);
/// assert!((2..=5).contains(&d));
/// assert_eq!(d, network.delay(&("ping", 3u32), 10), "the same message, the same delay");
/// assert_eq!(Network::default().delay(&"anything", 10), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Network {
    seed: u64,
    min: u64,
    max: u64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            seed: 0,
            min: 1,
            max: 1,
        }
    }
}

impl Network {
    /// Every row arrives in the tick after it is sent: the default.
    pub fn next_tick() -> Self {
        Self::default()
    }

    /// Rows arrive 1 to 4 ticks after they are sent, each delay chosen from `seed`.
    pub fn random(seed: u64) -> Self {
        Network {
            seed,
            min: 1,
            max: 4,
        }
    }

    /// The same network with delays drawn from `ticks`. A delay is at least one tick (a row
    /// never arrives in the tick that sends it), so a range starting at 0 starts at 1, and an
    /// empty range is its start.
    pub fn delays(mut self, ticks: RangeInclusive<u64>) -> Self {
        self.min = (*ticks.start()).max(1);
        self.max = (*ticks.end()).max(self.min);
        self
    }

    /// The seed delays are drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The shortest and longest delay, in ticks.
    pub fn delay_range(&self) -> RangeInclusive<u64> {
        self.min..=self.max
    }

    /// Whether every row arrives in the next tick, so that delivery needs no scheduling.
    pub fn is_next_tick(&self) -> bool {
        self.max == 1
    }

    /// The delay, in ticks, of `row` sent in tick `tick`.
    pub fn delay<D: Hash + ?Sized>(&self, row: &D, tick: u64) -> u64 {
        if self.is_next_tick() {
            return 1;
        }
        let mut hasher = DefaultHasher::new();
        (self.seed, tick).hash(&mut hasher);
        row.hash(&mut hasher);
        self.min + hasher.finish() % (self.max - self.min + 1)
    }
}

/// The rows of a channel as each tick will start with them, from `sent`, the rows the
/// channel's `<~` rules give in each tick: what the program feeds back one tick later.
///
/// Under the default network that is `sent` itself. Otherwise each row present in tick `t` is
/// a message of its own, given at `t + delay - 1` and taken back a tick later; the rows are
/// exchanged by hash, so every change to one row meets the others on one worker.
pub(crate) fn deliver<'s, D: Column>(
    sent: &Rel<'s, Tick, D>,
    network: &Network,
) -> Rel<'s, Tick, D> {
    if network.is_next_tick() {
        return sent.clone();
    }
    let pact = Exchange::new(|update: &(D, Tick, isize)| update.0.hashed());
    let deliver = Deliver {
        network: network.clone(),
        sending: HashMap::new(),
    };
    each_tick(sent, pact, "Deliver", |_| deliver)
        // Two messages with one row may arrive in one tick: a channel is a set.
        .distinct()
}

/// The rows a channel sends in the current tick, and when each arrives.
struct Deliver<D> {
    network: Network,
    sending: HashMap<D, isize>,
}

impl<D: Column> PerTick<D, D> for Deliver<D> {
    // Every finished tick, even one with no change, sends its rows again.
    fn tick(&mut self, tick: Tick, changes: Vec<(D, isize)>, out: &mut Vec<(D, Tick, isize)>) {
        for (row, diff) in changes {
            *self.sending.entry(row).or_default() += diff;
        }
        self.sending.retain(|_, diff| *diff != 0);
        for row in self.sending.iter().filter(|(_, n)| **n > 0).map(|(r, _)| r) {
            let arrives = tick + self.network.delay(row, tick);
            out.push((row.clone(), arrives - 1, 1));
            out.push((row.clone(), arrives, -1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_in_range_and_vary_with_the_seed() {
        let network = Network::random(1).delays(2..=6);
        let delays: Vec<u64> = (0..200).map(|t| network.delay(&(t % 7), t)).collect();
        assert!(delays.iter().all(|d| (2..=6).contains(d)));
        for d in 2..=6 {
            assert!(delays.contains(&d), "delay {d} never drawn");
        }
        let other = Network::random(2).delays(2..=6);
        let others: Vec<u64> = (0..200).map(|t| other.delay(&(t % 7), t)).collect();
        assert_ne!(delays, others, "a new seed, a new schedule");
    }

    #[test]
    fn a_delay_is_at_least_one_tick() {
        assert_eq!(Network::random(3).delays(0..=0).delay_range(), 1..=1);
        let (start, end) = (5, 2);
        assert_eq!(Network::random(3).delays(start..=end).delay_range(), 5..=5);
        assert!(Network::random(3).delays(0..=0).is_next_tick());
        assert!(!Network::random(3).is_next_tick());
    }
}
