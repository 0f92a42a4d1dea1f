//! The host's end of a running program: starts the workers, feeds ticks, reads outputs.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::Thread;

use timely::communication::WorkerGuards;

use crate::device::{DeviceStats, SharedStats};
use crate::rt::place::Exchanges;
use crate::worker::{self, Command, Dataflow, Report};
use crate::{Addr, Clock, Config, Error, Outputs, SystemClock};

/// A running program's workers, as the generated program handle drives them.
pub struct Runtime {
    link: Arc<Link>,
    /// Dropping the guards joins the worker threads.
    _guards: WorkerGuards<()>,
    stopped: bool,
    ticks: u64,
    /// What periodics fire by.
    clock: Box<dyn Clock>,
    /// The clocks of nodes that do not keep the program's time.
    node_clocks: BTreeMap<Addr, Box<dyn Clock>>,
    /// Nodes in other programs, and where those are served.
    remotes: BTreeMap<Addr, String>,
    /// This process's index in its cluster (0 when embedded).
    process: usize,
    /// What each exchange of the plan moved between this process's workers.
    exchanges: Arc<Exchanges>,
    /// What this process's device rules did.
    device_stats: Arc<SharedStats>,
}

/// The channels to this process's workers, shared by the runtime and its output handles.
pub(crate) struct Link {
    workers: Vec<(mpsc::Sender<Command>, Thread)>,
    reports: Mutex<mpsc::Receiver<Report>>,
    lens: Vec<Arc<AtomicI64>>,
}

/// An input's rows for the coming tick, split among the workers of this process.
pub trait PendingInput {
    /// Takes the buffered rows as `parts` batches (a `Vec<D>` behind `Any` each, `None` if empty).
    fn split(&mut self, parts: usize) -> Vec<Option<Box<dyn Any + Send>>>;
    /// The tick the last split went to was rejected. A host's rows are dropped with it (the
    /// host has the error and decides); a timer's firings are not the host's, and fire again.
    fn rejected(&mut self) {}
}

impl Runtime {
    /// Starts the workers of `config` in this process, each building `dataflow`.
    ///
    /// `outputs` is the number of relations the dataflow may register for reading: its
    /// outputs, then the others it keeps when the configuration asks to inspect them.
    pub fn start(config: &Config, outputs: usize, dataflow: Dataflow) -> Result<Runtime, Error> {
        if config.workers == 0 {
            return Err(Error::Config("a program needs at least one worker".into()));
        }
        let lens: Vec<Arc<AtomicI64>> = (0..outputs).map(|_| Arc::default()).collect();
        let (reports_tx, reports) = mpsc::channel();
        let exchanges = Arc::<Exchanges>::default();
        let device_stats = Arc::<SharedStats>::default();
        let settings = worker::Settings {
            gather: config.processes() > 1 && config.outputs == Outputs::Gathered,
            count_across: config.processes() > 1 && config.outputs == Outputs::Local,
            workers: config.workers,
            inspect: config.inspect,
            network: config.network.clone(),
            remotes: config.remotes.keys().copied().collect(),
            placement: config.placement,
            exchanges: exchanges.clone(),
            device: config.device,
            device_stats: device_stats.clone(),
        };
        let worker_lens = lens.clone();
        let logic = move |worker: &mut timely::worker::Worker| {
            worker::run(
                worker,
                dataflow,
                settings.clone(),
                worker_lens.clone(),
                reports_tx.clone(),
            )
        };
        let guards = match &config.cluster {
            None => timely::execute(config.to_timely(), logic).map_err(Error::Start)?,
            Some(cluster) => crate::connect::execute(cluster, config.workers, logic)?,
        };
        let mut workers = Vec::with_capacity(config.workers);
        while workers.len() < config.workers {
            match reports.recv() {
                Ok(Report::Ready { commands, thread }) => workers.push((commands, thread)),
                Ok(Report::Failed { worker, message }) => {
                    return Err(Error::WorkerFailed { worker, message });
                }
                Ok(Report::Ticked { .. } | Report::Rejected) | Err(_) => {
                    return Err(Error::Start("a worker exited before it was ready".into()));
                }
            }
        }
        announce(config);
        Ok(Runtime {
            link: Arc::new(Link {
                workers,
                reports: Mutex::new(reports),
                lens,
            }),
            _guards: guards,
            stopped: false,
            ticks: 0,
            clock: Box::new(SystemClock::default()),
            node_clocks: BTreeMap::new(),
            remotes: config.remotes.clone(),
            process: config.cluster.as_ref().map_or(0, |c| c.process),
            exchanges,
            device_stats,
        })
    }

    /// The rows each exchange of the program's plan sent from one worker to another so far,
    /// summed over this process's workers: exchange `i` is `explain().placement.exchanges[i]`.
    /// An exchange that ran on no worker (a stratum that runs another way) is absent.
    pub fn exchanged(&self) -> BTreeMap<usize, u64> {
        self.exchanges.moved()
    }

    /// What this process's device rules did so far: batches and rows run on an OpenCL device
    /// and on the CPU, and batches that fell back to the CPU after a device error.
    pub fn device_stats(&self) -> DeviceStats {
        self.device_stats.snapshot()
    }

    /// This process's index in its cluster: 0 when embedded or on several threads. With
    /// [`Outputs::Gathered`] (the default) process 0 reads whole outputs and the others read
    /// nothing; with [`Outputs::Local`] each reads its own share.
    pub fn process(&self) -> usize {
        self.process
    }

    /// Nodes that live in other programs (`Config::remote`), and where those are served.
    pub fn remotes(&self) -> &BTreeMap<Addr, String> {
        &self.remotes
    }

    /// Runs one tick with the inputs' pending rows: they hold in this tick only.
    pub fn tick(&mut self, inputs: &mut [&mut dyn PendingInput]) -> Result<(), Error> {
        if self.stopped {
            return Err(Error::Stopped);
        }
        let result = self.run_tick(inputs);
        match &result {
            Ok(()) => {}
            // A rejected tick leaves the program running, as it was before the tick.
            Err(Error::KeyConflict { .. }) => inputs.iter_mut().for_each(|input| input.rejected()),
            Err(_) => {
                self.stopped = true;
                self.link.broadcast(|| Command::Stop);
            }
        }
        result
    }

    fn run_tick(&mut self, inputs: &mut [&mut dyn PendingInput]) -> Result<(), Error> {
        let parts = self.link.workers.len();
        for (input, pending) in inputs.iter_mut().enumerate() {
            for (worker, batch) in pending.split(parts).into_iter().enumerate() {
                if let Some(batch) = batch {
                    self.link.send(worker, Command::Load { input, batch })?;
                }
            }
        }
        self.link.broadcast(|| Command::Tick);
        let reports = self.link.reports.lock().map_err(|_| Error::Stopped)?;
        let mut conflicts = Vec::new();
        for _ in 0..parts {
            match reports.recv() {
                Ok(Report::Ticked { conflicts: found }) => conflicts.extend(found),
                Ok(Report::Failed { worker, message }) => {
                    return Err(Error::WorkerFailed { worker, message });
                }
                Ok(Report::Ready { .. } | Report::Rejected) | Err(_) => return Err(Error::Stopped),
            }
        }
        // Every worker sees every conflict, so every process of a cluster decides alike.
        conflicts.sort();
        let accepted = conflicts.is_empty();
        self.link.broadcast(|| Command::Decide { accepted });
        if !accepted {
            // A rejected tick changes the outputs' sizes back, which `len` reads without
            // asking the workers: it waits until every worker has.
            for _ in 0..parts {
                match reports.recv() {
                    Ok(Report::Rejected) => {}
                    Ok(Report::Failed { worker, message }) => {
                        return Err(Error::WorkerFailed { worker, message });
                    }
                    Ok(Report::Ready { .. } | Report::Ticked { .. }) | Err(_) => {
                        return Err(Error::Stopped);
                    }
                }
            }
        }
        drop(reports);
        if let Some(conflict) = conflicts.into_iter().next() {
            return Err(Error::KeyConflict {
                relation: conflict.relation,
                when: conflict.when,
                key: conflict.key,
                rows: conflict.rows,
            });
        }
        self.ticks += 1;
        Ok(())
    }

    /// The time on the program's clock.
    pub fn now(&self) -> std::time::Duration {
        self.clock.now()
    }

    /// Replaces the program's clock.
    pub fn set_clock(&mut self, clock: impl Clock + 'static) {
        self.clock = Box::new(clock);
    }

    /// The time on `node`'s clock (the program's, unless the node has its own), or on the
    /// program's clock for `None`.
    pub fn now_at(&self, node: Option<Addr>) -> std::time::Duration {
        node.and_then(|node| self.node_clocks.get(&node))
            .unwrap_or(&self.clock)
            .now()
    }

    /// Gives `node` a clock of its own.
    pub fn set_node_clock(&mut self, node: Addr, clock: impl Clock + 'static) {
        self.node_clocks.insert(node, Box::new(clock));
    }

    /// The number of ticks completed so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    pub(crate) fn link(&self) -> Arc<Link> {
        Arc::clone(&self.link)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.link.broadcast(|| Command::Stop);
    }
}

impl Link {
    fn send(&self, worker: usize, command: Command) -> Result<(), Error> {
        let (commands, thread) = &self.workers[worker];
        commands.send(command).map_err(|_| Error::WorkerFailed {
            worker,
            message: "the worker has exited".into(),
        })?;
        thread.unpark();
        Ok(())
    }

    fn broadcast(&self, command: impl Fn() -> Command) {
        for (commands, thread) in &self.workers {
            let _ = commands.send(command());
            thread.unpark();
        }
    }

    /// Collects every local worker's rows of output `output`, each a `Vec<D>` behind `Any`.
    pub(crate) fn snapshot(&self, output: usize) -> Result<Vec<Box<dyn Any + Send>>, Error> {
        let (reply, replies) = mpsc::channel();
        for worker in 0..self.workers.len() {
            let reply = reply.clone();
            self.send(worker, Command::Snapshot { output, reply })?;
        }
        drop(reply);
        let parts: Vec<_> = replies.iter().collect();
        if parts.len() != self.workers.len() {
            return Err(Error::Stopped);
        }
        parts
            .into_iter()
            .map(|part| part.ok_or(Error::NotInspected))
            .collect()
    }

    /// Adds `sender` to output `output`'s subscribers on every local worker.
    pub(crate) fn subscribe(
        &self,
        output: usize,
        sender: &mpsc::Sender<crate::subscribe::Part>,
    ) -> Result<(), Error> {
        for worker in 0..self.workers.len() {
            let sender = sender.clone();
            self.send(worker, Command::Subscribe { output, sender })?;
        }
        Ok(())
    }

    /// The number of workers in this process.
    pub(crate) fn workers(&self) -> usize {
        self.workers.len()
    }

    pub(crate) fn len(&self, output: usize) -> i64 {
        self.lens
            .get(output)
            .map_or(0, |len| len.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// Under `blossom launch` (which sets `BLOSSOM_LAUNCH`), tells the launcher on stderr that this
/// process is connected to the others and its workers are ready.
fn announce(config: &Config) {
    if std::env::var_os(LAUNCH).is_some() {
        let process = config.cluster.as_ref().map_or(0, |c| c.process);
        eprintln!("{READY} {process} of {}", config.processes());
    }
}

/// The variable `blossom launch` sets in every process it starts.
pub const LAUNCH: &str = "BLOSSOM_LAUNCH";

/// What a process under `blossom launch` writes on stderr once it is connected and ready,
/// followed by `<process> of <processes>`.
pub const READY: &str = "blossom: ready: process";
