//! What happens between ticks, and the timers of `periodic` relations.
//!
//! The program has a clock, and a node may have its own, which starts at the program's time
//! when a test first moves it alone: from then on it moves whenever time passes, and when the
//! node's clock runs ahead. A periodic of a program without channels fires from the
//! program's start by the program's clock; in a program with channels it fires on the nodes
//! the host starts it on, each by its node's clock, counting from the node's time at the first
//! tick after the start. Firing `n` (from 0) is due once `(n + 1)` periods have passed; each
//! tick holds the rows of the firings due since the last tick (a zero period fires once a tick).

use std::collections::{BTreeMap, BTreeSet};

use super::{Kind, Program, Row};

/// Something the host does before a tick.
#[derive(Clone, Debug)]
pub enum Event {
    /// Inserts a row into an input (relation number, row).
    Insert(usize, Row),
    /// Time passes (`None`: every clock moves forward by some milliseconds), or one node's
    /// clock runs ahead (`Some(node)`: it gets a clock of its own if it has none, at the
    /// program's time, and only that clock moves).
    Advance(Option<u32>, u64),
    /// Starts periodic `.0` on node `.1`, if it is not running there.
    Start(usize, u32),
    /// Stops periodic `.0` on node `.1`: started again, it counts from 0.
    Stop(usize, u32),
}

/// One place's timer: when it started (by its clock, in milliseconds) and how often it fired.
#[derive(Clone, Debug)]
struct Timer {
    start: Option<u64>,
    fired: u64,
}

/// The clocks and the timers.
#[derive(Clone, Debug, Default)]
pub struct Clocks {
    /// The program's time, in milliseconds.
    now: u64,
    /// The time of each node with a clock of its own.
    own: BTreeMap<u32, u64>,
    /// By periodic relation: its period, and its timer on each node (`None`: the program).
    timers: BTreeMap<usize, (u64, BTreeMap<Option<u32>, Timer>)>,
}

impl Clocks {
    /// The clocks at 0, and the timers of `program`'s periodics: running from the start in a
    /// program without channels, not yet started in one with channels.
    pub fn new(program: &Program) -> Self {
        let mut clocks = Clocks::default();
        for (r, relation) in program.relations.iter().enumerate() {
            if let Kind::Periodic { every_ms } = relation.kind {
                let mut places = BTreeMap::new();
                if !program.has_channels() {
                    let timer = Timer {
                        start: Some(0),
                        fired: 0,
                    };
                    places.insert(None, timer);
                }
                clocks.timers.insert(r, (every_ms, places));
            }
        }
        clocks
    }

    /// Moves a clock or starts or stops a timer; an insertion is not the clocks' business.
    pub fn apply(&mut self, event: &Event) {
        match *event {
            Event::Insert(..) => panic!("an insertion is not a clock event"),
            Event::Advance(None, ms) => {
                self.now += ms;
                self.own.values_mut().for_each(|now| *now += ms);
            }
            Event::Advance(Some(node), ms) => *self.own.entry(node).or_insert(self.now) += ms,
            Event::Start(periodic, node) => {
                let timer = Timer {
                    start: None,
                    fired: 0,
                };
                self.places(periodic).entry(Some(node)).or_insert(timer);
            }
            Event::Stop(periodic, node) => {
                self.places(periodic).remove(&Some(node));
            }
        }
    }

    fn places(&mut self, periodic: usize) -> &mut BTreeMap<Option<u32>, Timer> {
        &mut (self.timers.get_mut(&periodic)).expect("a periodic").1
    }

    /// The rows of every firing due, on every place a timer runs: (periodic, row).
    pub fn fire(&mut self, program: &Program) -> Vec<(usize, Row)> {
        let mut fired = Vec::new();
        for (&periodic, (every, places)) in &mut self.timers {
            for (place, timer) in places {
                let now = place
                    .and_then(|node| self.own.get(&node).copied())
                    .unwrap_or(self.now);
                let start = *timer.start.get_or_insert(now);
                let due = match *every {
                    0 => timer.fired + 1,
                    every => (now - start) / every,
                };
                while timer.fired < due {
                    let n = u32::try_from(timer.fired).expect("a firing count in a u32");
                    let row = place.iter().copied().chain([n]).collect();
                    assert_eq!(
                        program.relations[periodic].arity,
                        1 + usize::from(place.is_some())
                    );
                    fired.push((periodic, row));
                    timer.fired += 1;
                }
            }
        }
        fired
    }
}
