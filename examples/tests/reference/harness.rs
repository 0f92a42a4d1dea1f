//! Runs a Blossom program and the reference side by side on one history, with 1, 2 and 4
//! workers, and compares every output after every tick, and which ticks are rejected and why.

use std::collections::{BTreeMap, BTreeSet};

use blossom::{Addr, Config, Network, VirtualClock};

use super::history::render_history;
use super::{
    Columns, Conflict, Event, History, Kind, Program, Reference, Rejected, Row, Shape, shaped,
};

/// The worker counts every program runs with.
pub const WORKERS: [usize; 3] = [1, 2, 4];

/// A running Blossom program, seen through relation names and rows of `u32`s (`Addr` and
/// `u64` columns converted). The timer methods panic unless the program has periodics.
pub trait Driver {
    /// Inserts `row` into input `relation` for the next tick.
    fn insert(&mut self, relation: &str, row: &[u32]);
    /// Runs one tick.
    fn tick(&mut self) -> Result<(), blossom::Error>;
    /// Output `relation`'s rows, sorted.
    fn snapshot(&self, relation: &str) -> Result<Vec<Row>, blossom::Error>;
    /// Output `relation`'s number of rows.
    fn len(&self, relation: &str) -> usize;
    /// Subscribes to output `relation`.
    fn subscribe(&self, relation: &str) -> Result<Box<dyn Watch>, blossom::Error>;
    /// Gives the program `clock` to fire its periodics by.
    fn set_clock(&mut self, _clock: VirtualClock) {
        panic!("the program has no periodics")
    }
    /// Gives node `node` a clock of its own (programs with channels).
    fn set_node_clock(&mut self, _node: u32, _clock: VirtualClock) {
        panic!("the program has no nodes")
    }
    /// Starts periodic `timer` on node `node` (programs with channels).
    fn start_timer(&mut self, timer: &str, _node: u32) {
        panic!("no periodic `{timer}`")
    }
    /// Stops periodic `timer` on node `node` (programs with channels).
    fn stop_timer(&mut self, timer: &str, _node: u32) {
        panic!("no periodic `{timer}`")
    }
}

/// Starts a program as a configuration says (workers, network).
pub type Start = fn(&Config) -> Result<Box<dyn Driver>, blossom::Error>;

/// A program under test: its Blossom source, its meaning for the reference, how to start it.
pub struct Case {
    pub name: &'static str,
    pub text: &'static str,
    pub spec: fn() -> Program,
    pub start: Start,
}

/// A periodic's handle, as a [`Driver`] starts and stops it on a node.
pub trait Timer {
    fn start(&mut self, node: u32);
    fn stop(&mut self, node: u32);
}

impl Timer for blossom::Periodic<Addr> {
    fn start(&mut self, node: u32) {
        blossom::Periodic::start(self, Addr(node));
    }
    fn stop(&mut self, node: u32) {
        blossom::Periodic::stop(self, Addr(node));
    }
}

impl Timer for blossom::Periodic {
    fn start(&mut self, _node: u32) {
        panic!("a periodic of a program without channels runs from the start, on no node")
    }
    fn stop(&mut self, _node: u32) {
        panic!("a periodic of a program without channels runs from the start, on no node")
    }
}

/// An output's rows as rows of `u32`s.
pub fn rows<D: Columns + blossom::rt::Column>(
    output: &blossom::Output<D>,
) -> Result<Vec<Row>, blossom::Error> {
    Ok(output.snapshot()?.iter().map(Columns::to_row).collect())
}

/// A subscription to an output, its rows as rows of `u32`s.
pub trait Watch {
    /// The next event, waiting at most `timeout`.
    fn next(&mut self, timeout: std::time::Duration) -> Option<blossom::Event<Row>>;
}

impl<D: Columns + blossom::rt::Column> Watch for blossom::Subscription<D> {
    fn next(&mut self, timeout: std::time::Duration) -> Option<blossom::Event<Row>> {
        let rows = |rows: Vec<D>| rows.iter().map(Columns::to_row).collect();
        Some(match self.recv_timeout(timeout)? {
            blossom::Event::Derived { tick, row } => blossom::Event::Derived {
                tick,
                row: row.to_row(),
            },
            blossom::Event::Sealed {
                tick,
                added,
                removed,
            } => blossom::Event::Sealed {
                tick,
                added: rows(added),
                removed: rows(removed),
            },
        })
    }
}

/// A subscription to an output, as a [`Watch`].
pub fn subscribe<D: Columns + blossom::rt::Column>(
    output: &blossom::Output<D>,
) -> Result<Box<dyn Watch>, blossom::Error> {
    Ok(Box::new(output.subscribe()?))
}

/// An output's number of rows.
pub fn len<D: Columns + blossom::rt::Column>(output: &blossom::Output<D>) -> usize {
    output.len()
}

/// A Blossom program with the clocks the host moves.
struct Running {
    driver: Box<dyn Driver>,
    clock: VirtualClock,
    /// The nodes given clocks of their own so far.
    nodes: BTreeMap<u32, VirtualClock>,
}

impl Running {
    fn start(case: &Case, config: &Config, program: &Program) -> Result<Self, blossom::Error> {
        let mut driver = (case.start)(config)?;
        let clock = VirtualClock::default();
        if (program.relations.iter()).any(|r| matches!(r.kind, Kind::Periodic { .. })) {
            driver.set_clock(clock.clone());
        }
        Ok(Running {
            driver,
            clock,
            nodes: BTreeMap::new(),
        })
    }

    fn apply(&mut self, program: &Program, event: &Event) {
        let name = |r: usize| program.relations[r].name.as_str();
        match event {
            Event::Insert(r, row) => self.driver.insert(name(*r), row),
            Event::Advance(None, ms) => {
                let by = std::time::Duration::from_millis(*ms);
                self.clock.advance(by);
                self.nodes.values().for_each(|clock| clock.advance(by));
            }
            Event::Advance(Some(node), ms) => {
                let clock = self.nodes.entry(*node).or_insert_with(|| {
                    // A node's own clock starts at the program's time.
                    let clock = VirtualClock::default();
                    clock.advance(blossom::Clock::now(&self.clock));
                    self.driver.set_node_clock(*node, clock.clone());
                    clock
                });
                clock.advance(std::time::Duration::from_millis(*ms));
            }
            Event::Start(p, node) => self.driver.start_timer(name(*p), *node),
            Event::Stop(p, node) => self.driver.stop_timer(name(*p), *node),
        }
    }
}

/// What a successful check saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    /// Output snapshots compared (per worker count).
    pub snapshots: usize,
    /// Of those, how many were not empty.
    pub nonempty: usize,
    /// Output rows compared.
    pub rows: usize,
    /// Ticks run (per worker count).
    pub ticks: usize,
    /// Of those, how many were rejected.
    pub rejected: usize,
    /// Output rows subscribers were told before their tick was sealed.
    pub early: usize,
}

impl Seen {
    pub fn add(self, other: Seen) -> Seen {
        Seen {
            snapshots: self.snapshots + other.snapshots,
            nonempty: self.nonempty + other.nonempty,
            rows: self.rows + other.rows,
            ticks: self.ticks + other.ticks,
            rejected: self.rejected + other.rejected,
            early: self.early + other.early,
        }
    }
}

/// The number of random cases per test: `PROPTEST_CASES`, or `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// The networks a program with channels runs on: the default, and random delays from four
/// seeds, one of them with longer delays.
pub fn networks() -> Vec<Network> {
    vec![
        Network::default(),
        Network::random(1),
        Network::random(2),
        Network::random(3),
        Network::random(4).delays(2..=7),
    ]
}

/// Runs `case` on `cases` random histories of `shape`, each on every network of `networks`:
/// every output after every tick, with 1, 2 and 4 workers. Panics with a reproducible report on
/// the first difference, or when most snapshots were empty (the test would prove little).
pub fn check_shaped(case: &Case, shape: &Shape, networks: &[Network], cases: u32) -> Seen {
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let program = (case.spec)();
    let histories = shaped(&program, shape);
    let config = Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    };
    let seen = std::cell::Cell::new(Seen::default());
    let result = TestRunner::new(config).run(&histories, |history| {
        for network in networks {
            let more = check_on(case, &program, &history, network).map_err(TestCaseError::fail)?;
            seen.set(seen.get().add(more));
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{}: {}", case.name, reason(error));
    }
    let seen = seen.get();
    println!("{}: {seen:?}", case.name);
    assert!(
        seen.nonempty * 2 >= seen.snapshots,
        "mostly empty: {seen:?}"
    );
    seen
}

/// [`check_on`] the default network.
pub fn check(case: &Case, program: &Program, history: &History) -> Result<Seen, String> {
    check_on(case, program, history, &Network::default())
}

/// Runs `history` through the reference and through Blossom on 1, 2 and 4 workers, channels
/// delivering as `network` says; any difference in any output after any tick, or in whether
/// and why a tick is rejected, is an error that says everything needed to reproduce it.
pub fn check_on(
    case: &Case,
    program: &Program,
    history: &History,
    network: &Network,
) -> Result<Seen, String> {
    let mut reference = Reference::with_network(program, network.clone());
    // After a rejected tick the outputs are as before it.
    let mut before = vec![BTreeSet::new(); program.relations.len()];
    let (verdicts, expected): (Vec<Option<Rejected>>, Vec<Vec<BTreeSet<Row>>>) = (history.iter())
        .map(|events| match reference.step(events) {
            Ok(rows) => {
                before = rows.clone();
                (None, rows)
            }
            Err(rejected) => (Some(rejected), before.clone()),
        })
        .unzip();
    let run = Run {
        case,
        program,
        history,
        verdicts: &verdicts,
        network,
    };
    let outputs: Vec<usize> = (0..program.relations.len())
        .filter(|&r| program.relations[r].kind == Kind::Output)
        .collect();
    let mut seen = Seen::default();
    for workers in WORKERS {
        let fail = |tick: usize, what: String| run.failure(workers, tick, &what);
        let config = Config::with_workers(workers).network(network.clone());
        let mut blossom =
            Running::start(case, &config, program).map_err(|e| fail(0, format!("start: {e}")))?;
        let mut watches = Vec::new();
        for &output in &outputs {
            let name = &program.relations[output].name;
            let watch = (blossom.driver.subscribe(name))
                .map_err(|e| fail(0, format!("subscribe to `{name}`: {e}")))?;
            watches.push(Told {
                output,
                watch,
                sealed: BTreeSet::new(),
            });
        }
        for (tick, events) in history.iter().enumerate() {
            for event in events {
                blossom.apply(program, event);
            }
            let (rejected, want) = (&verdicts[tick], &expected[tick]);
            verdict(rejected.as_ref(), blossom.driver.tick()).map_err(|e| fail(tick, e))?;
            seen.ticks += 1;
            seen.rejected += usize::from(rejected.is_some());
            if rejected.is_none() {
                for told in &mut watches {
                    let name = &program.relations[told.output].name;
                    let early = (told.check(tick as u64, &want[told.output]))
                        .map_err(|e| fail(tick, format!("subscription to `{name}`: {e}")))?;
                    seen.early += early;
                }
            }
            for &output in &outputs {
                let name = &program.relations[output].name;
                let want: Vec<Row> = want[output].iter().cloned().collect();
                let got = (blossom.driver.snapshot(name))
                    .map_err(|e| fail(tick, format!("snapshot of `{name}`: {e}")))?;
                if got != want {
                    return Err(fail(tick, difference(name, &want, &got)));
                }
                let len = blossom.driver.len(name);
                if len != want.len() {
                    let what = format!(
                        "`{name}`.len() is {len} but the snapshot has {}",
                        want.len()
                    );
                    return Err(fail(tick, what));
                }
                seen.snapshots += 1;
                seen.nonempty += usize::from(!want.is_empty());
                seen.rows += want.len();
            }
        }
    }
    Ok(seen)
}

/// A subscription to one output, and the rows its sealed ticks add up to.
struct Told {
    output: usize,
    watch: Box<dyn Watch>,
    sealed: BTreeSet<Row>,
}

impl Told {
    /// Reads tick `tick`'s events, up to its `Sealed`: every row told early must be in the
    /// tick's output `want` (nothing speculative), and the sealed changes must take the last
    /// sealed rows to `want`. Returns the number of rows told early.
    fn check(&mut self, tick: u64, want: &BTreeSet<Row>) -> Result<usize, String> {
        let mut early = 0;
        loop {
            let event = (self.watch.next(std::time::Duration::from_secs(60)))
                .ok_or_else(|| format!("no `Sealed` event for tick {tick}"))?;
            match event {
                blossom::Event::Derived { tick: t, row } if t == tick => {
                    if !want.contains(&row) {
                        return Err(format!(
                            "told {row:?} early, but the tick's output lacks it"
                        ));
                    }
                    early += 1;
                }
                blossom::Event::Sealed {
                    tick: t,
                    added,
                    removed,
                } if t == tick => {
                    let want_added: Vec<Row> = want.difference(&self.sealed).cloned().collect();
                    let want_removed: Vec<Row> = self.sealed.difference(want).cloned().collect();
                    if (&added, &removed) != (&want_added, &want_removed) {
                        return Err(format!(
                            "sealed +{added:?} -{removed:?}, but the output changed by \
                             +{want_added:?} -{want_removed:?}"
                        ));
                    }
                    self.sealed = want.clone();
                    return Ok(early);
                }
                other => return Err(format!("expected events of tick {tick}, got {other:?}")),
            }
        }
    }
}

/// Whether Blossom's tick ended as the reference's did: both accepted, or both rejected with
/// the same first conflict.
fn verdict(rejected: Option<&Rejected>, ticked: Result<(), blossom::Error>) -> Result<(), String> {
    let first = rejected.map(|r| &r.conflicts[0]);
    match (first, ticked) {
        (None, Ok(())) => Ok(()),
        (
            Some(want),
            Err(blossom::Error::KeyConflict {
                relation,
                when,
                key,
                rows,
            }),
        ) => {
            let got = Conflict {
                relation,
                when,
                key,
                rows,
            };
            match &got == want {
                true => Ok(()),
                false => Err(format!(
                    "Blossom rejects the tick for {got:?}; the reference for {want:?} first, of {:?}",
                    rejected.map(|r| &r.conflicts)
                )),
            }
        }
        (Some(want), Ok(())) => Err(format!(
            "Blossom accepts a tick the reference rejects for {want:?}, of {:?}",
            rejected.map(|r| &r.conflicts)
        )),
        (_, Err(error)) => Err(format!("tick: {error}; the reference: {rejected:?}")),
    }
}

fn difference(name: &str, want: &[Row], got: &[Row]) -> String {
    let want_set: BTreeSet<&Row> = want.iter().collect();
    let got_set: BTreeSet<&Row> = got.iter().collect();
    let missing: Vec<&&Row> = want_set.difference(&got_set).collect();
    let extra: Vec<&&Row> = got_set.difference(&want_set).collect();
    format!(
        "output `{name}` differs\n  expected ({} rows): {want:?}\n  actual   ({} rows): {got:?}\n  \
         missing from Blossom: {missing:?}\n  extra in Blossom: {extra:?}",
        want.len(),
        got.len(),
    )
}

/// One history on one network, as a failure reports it.
struct Run<'a> {
    case: &'a Case,
    program: &'a Program,
    history: &'a History,
    /// For each tick, whether the reference rejects it.
    verdicts: &'a [Option<Rejected>],
    network: &'a Network,
}

impl Run<'_> {
    /// The message of a difference at `tick`, with what it takes to reproduce it.
    fn failure(&self, workers: usize, tick: usize, what: &str) -> String {
        let shown = &self.history[..=tick.min(self.history.len().saturating_sub(1))];
        let rejected: Vec<String> = (self.verdicts.iter().take(shown.len()).enumerate())
            .filter_map(|(tick, r)| r.as_ref().map(|r| format!("{tick} ({:?})", r.conflicts[0])))
            .collect();
        format!(
            "program {} disagrees with the reference at tick {tick} with {workers} worker(s) and \
             {:?}: {what}\nevents so far:\n{}ticks the reference rejects: {}\nprogram:\n{}",
            self.case.name,
            self.network,
            render_history(self.program, shown),
            match rejected.is_empty() {
                true => "none".to_string(),
                false => rejected.join(", "),
            },
            pretty(self.case.text),
        )
    }
}

/// A program's text with one declaration or rule a line (`stringify!` wraps lines anywhere).
fn pretty(text: &str) -> String {
    if text.contains("\n    ") {
        return text.to_string();
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("    {}", flat.replace("; ", ";\n    "))
}

/// The message of a proptest failure, without the `Debug` dump of the input that `check`'s
/// message already shows.
pub fn reason(error: proptest::test_runner::TestError<History>) -> String {
    match error {
        proptest::test_runner::TestError::Fail(reason, _) => reason.to_string(),
        abort => abort.to_string(),
    }
}
