//! A straggler: one worker's share of a tick is slow. What a subscriber hears, and when.
//!
//! Requests pass an admission check whose cost each request carries. The admitted requests are
//! a monotone output, told to subscribers the moment a worker admits them; their count is an
//! aggregate, non-monotone, told only once the tick is sealed on every worker. When one
//! worker's share of the requests is costly, the other workers' admissions reach a subscriber
//! long before the count can.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use blossom::{Config, Error, Event, Subscription};

blossom::program! {
    /// Requests admitted by a check that costs each request `cost` microseconds, and how many.
    pub Admission {
        input  request(id: u64, cost: u32);
        output admitted(id: u64);
        output admitted_count(n: u64);

        admitted(id) <= request(id, cost), if admit(id, cost);
        admitted_count(count()) <= admitted(_);
    }
}

/// The admission check: busy for `cost` microseconds; every seventh request is refused.
pub fn admit(id: u64, cost: u32) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_micros(u64::from(cost)) {
        std::hint::spin_loop();
    }
    !id.is_multiple_of(7)
}

/// How long after a tick began a subscriber heard each thing, for one tick.
#[derive(Clone, Copy, Debug)]
pub struct Heard {
    /// The first admitted request told early (`None` if none was).
    pub first_admitted: Option<Duration>,
    /// The median over the cheap requests' admissions told early.
    pub cheap_admitted: Option<Duration>,
    /// The admitted requests' sealed changes.
    pub admitted_sealed: Duration,
    /// The count's sealed changes.
    pub count_sealed: Duration,
    /// Admissions told early.
    pub told_early: usize,
    /// Admissions in the tick's sealed changes.
    pub sealed_rows: usize,
    /// Rows of the count told early: always 0, as the count is not monotone.
    pub count_early: usize,
}

/// Runs `ticks` ticks on `config`, each with `requests` cheap requests (cost 0) then
/// `requests` costly ones (`cost` microseconds each): an input's rows are shared among the
/// workers in order, so the first half of the workers gets the cheap requests and the second
/// half straggles. Returns what the subscribers heard in each tick; `Error::Stopped` if a
/// tick's events did not come within a minute.
pub fn run_stragglers(
    config: &Config,
    requests: u64,
    cost: u32,
    ticks: u64,
) -> Result<Vec<Heard>, Error> {
    let mut program = Admission::with_config(config)?;
    let admitted = listen(program.admitted.subscribe()?);
    let count = listen(program.admitted_count.subscribe()?);
    let mut heard = Vec::new();
    for tick in 0..ticks {
        let base = tick * 2 * requests;
        program.request.extend((0..requests).map(|i| (base + i, 0)));
        program
            .request
            .extend((requests..2 * requests).map(|i| (base + i, cost)));
        let start = Instant::now();
        program.tick()?;
        let (admitted, count) = (wait(&admitted, tick)?, wait(&count, tick)?);
        let early: Vec<(Duration, u64)> = (admitted.derived.iter())
            .map(|(at, id)| (at.duration_since(start), *id))
            .collect();
        let mut cheap: Vec<Duration> = (early.iter())
            .filter(|(_, id)| *id < base + requests)
            .map(|(at, _)| *at)
            .collect();
        cheap.sort();
        heard.push(Heard {
            first_admitted: early.iter().map(|(at, _)| *at).min(),
            cheap_admitted: cheap.get(cheap.len() / 2).copied(),
            admitted_sealed: admitted.sealed_at.duration_since(start),
            count_sealed: count.sealed_at.duration_since(start),
            told_early: early.len(),
            sealed_rows: admitted.sealed_rows,
            count_early: count.derived.len(),
        });
    }
    Ok(heard)
}

/// What one subscription heard of one tick, with when.
struct TickHeard<D> {
    derived: Vec<(Instant, D)>,
    sealed_at: Instant,
    sealed_rows: usize,
}

/// Reads a subscription on its own thread, stamping each event as it arrives; one message per
/// tick, once the tick is sealed.
fn listen<D: blossom::rt::Column>(
    mut events: Subscription<D>,
) -> mpsc::Receiver<(u64, TickHeard<D>)> {
    let (heard, ticks) = mpsc::channel();
    thread::spawn(move || {
        let mut derived = Vec::new();
        while let Some(event) = events.recv() {
            let at = Instant::now();
            match event {
                Event::Derived { row, .. } => derived.push((at, row)),
                Event::Sealed { tick, added, .. } => {
                    let tick_heard = TickHeard {
                        derived: std::mem::take(&mut derived),
                        sealed_at: at,
                        sealed_rows: added.len(),
                    };
                    if heard.send((tick, tick_heard)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    ticks
}

/// Waits for tick `tick` of a subscription.
fn wait<D>(ticks: &mpsc::Receiver<(u64, TickHeard<D>)>, tick: u64) -> Result<TickHeard<D>, Error> {
    match ticks.recv_timeout(Duration::from_secs(60)) {
        Ok((sealed, heard)) if sealed == tick => Ok(heard),
        _ => Err(Error::Stopped),
    }
}
