//! The loop each timely worker runs: build the program's dataflow, then serve the host.
//!
//! A worker parks while it has nothing to do; the host unparks it after every command.
//! A tick is a timely epoch: the worker moves its inputs to the next epoch and steps the
//! dataflow until the probe says every output and table is final for the tick.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, mpsc};
use std::thread::{self, Thread};

use timely::worker::Worker;

use crate::Network;
use crate::io::{Conflict, WorkerIo};
use crate::rt::{Scope, Tick};

/// The generated function that builds a program's dataflow on one worker.
pub type Dataflow = fn(Scope<'_, Tick>, &mut WorkerIo);

/// What every worker of a program is told when it starts.
#[derive(Clone)]
pub(crate) struct Settings {
    /// Send every output row to worker 0, so that process 0 sees whole outputs in a cluster.
    pub gather: bool,
    /// Count each output over the cluster, whose processes read their own rows.
    pub count_across: bool,
    /// Worker threads in each process.
    pub workers: usize,
    /// Keep readable copies of the relations passed to `WorkerIo::inspect`.
    pub inspect: bool,
    /// How channels deliver rows.
    pub network: Network,
    /// Nodes in other programs: channel rows to them leave the dataflow.
    pub remotes: std::collections::BTreeSet<crate::Addr>,
    /// Where rows live, and the counts of what each exchange moved.
    pub placement: crate::rt::Placement,
    pub exchanges: Arc<crate::rt::place::Exchanges>,
    /// Where device rules run, and the counts of what they did.
    pub device: crate::device::DevicePolicy,
    pub device_stats: Arc<crate::device::SharedStats>,
}

/// What the host asks of a worker.
pub(crate) enum Command {
    /// Rows for input `input`, to hold in the coming tick only.
    Load {
        input: usize,
        batch: Box<dyn Any + Send>,
    },
    /// Run the coming tick to completion.
    Tick,
    /// Whether the last completed tick is accepted (no key conflict on any worker).
    Decide { accepted: bool },
    /// Tell `sender` of output `output`'s rows from the next tick on.
    Subscribe {
        output: usize,
        sender: mpsc::Sender<crate::subscribe::Part>,
    },
    /// Send this worker's rows of output `output`.
    Snapshot {
        output: usize,
        reply: mpsc::Sender<Option<Box<dyn Any + Send>>>,
    },
    /// Stop serving and drop the dataflow.
    Stop,
}

/// What a worker tells the host.
pub(crate) enum Report {
    /// The dataflow is built; commands go to `commands`, and `thread` is unparked after each.
    Ready {
        commands: mpsc::Sender<Command>,
        thread: Thread,
    },
    /// The worker has completed the tick; `conflicts` are the keys it found broken (every
    /// worker sees every conflict).
    Ticked { conflicts: Vec<Conflict> },
    /// The worker has taken back the changes of the tick the host rejected.
    Rejected,
    /// The worker stopped: a panic in a rule, or a command it could not carry out.
    Failed { worker: usize, message: String },
}

/// Runs one worker until the host stops it or something fails; never leaves timely waiting.
pub(crate) fn run(
    worker: &mut Worker,
    dataflow: Dataflow,
    settings: Settings,
    lens: Vec<Arc<AtomicI64>>,
    reports: mpsc::Sender<Report>,
) {
    let index = worker.index();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        serve(worker, dataflow, settings, lens, &reports)
    }));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(message)) => fail(&reports, index, message),
        Err(payload) => fail(&reports, index, panic_message(payload.as_ref())),
    }
    // Stopping never computes: letting timely run the dataflow to completion would close the
    // inputs and compute the next tick, retracting every input row of the last one. What was
    // sent to other processes is flushed when the host joins the worker guards.
    for dataflow in worker.installed_dataflows() {
        worker.drop_dataflow(dataflow);
    }
}

fn fail(reports: &mpsc::Sender<Report>, worker: usize, message: String) {
    let _ = reports.send(Report::Failed { worker, message });
}

fn serve(
    worker: &mut Worker,
    dataflow: Dataflow,
    settings: Settings,
    lens: Vec<Arc<AtomicI64>>,
    reports: &mpsc::Sender<Report>,
) -> Result<(), String> {
    let context = crate::rt::place::Building {
        placement: settings.placement,
        exchanges: settings.exchanges.clone(),
        devices: std::rc::Rc::new(std::cell::RefCell::new(crate::device::Devices::new(
            settings.device,
            settings.device_stats.clone(),
        ))),
    };
    let mut io = WorkerIo::new(settings, lens);
    crate::rt::place::building(context, || {
        worker.dataflow::<Tick, _, _>(|scope| dataflow(scope, &mut io))
    });
    let (commands_tx, commands) = mpsc::channel();
    let ready = Report::Ready {
        commands: commands_tx,
        thread: thread::current(),
    };
    if reports.send(ready).is_err() {
        return Ok(());
    }
    let mut tick: Tick = 0;
    let mut ticking = false;
    loop {
        loop {
            match commands.try_recv() {
                Ok(Command::Load { input, batch }) => {
                    let port = io.inputs.get_mut(input).ok_or("no such input")?;
                    port.load(batch, tick)?;
                }
                Ok(Command::Tick) => {
                    io.begin(tick);
                    io.ticking.set(tick);
                    for port in &mut io.inputs {
                        port.advance(tick + 1);
                    }
                    ticking = true;
                }
                Ok(Command::Decide { accepted }) => {
                    // `tick` is the next tick to run: the decision is about the one before.
                    let decided = tick.saturating_sub(1);
                    io.decide(decided, accepted);
                    if accepted && io.transactional() {
                        io.outputs.iter_mut().for_each(|port| port.seal(decided));
                    }
                    if !accepted && reports.send(Report::Rejected).is_err() {
                        return Ok(());
                    }
                }
                Ok(Command::Subscribe { output, sender }) => {
                    // A relation the configuration does not keep: the subscription hears nothing.
                    if let Some(port) = io.outputs.get_mut(output) {
                        port.subscribe(sender);
                    }
                }
                Ok(Command::Snapshot { output, reply }) => {
                    // A relation the configuration does not keep: the host reports it.
                    let _ = reply.send(io.outputs.get(output).map(|port| port.snapshot()));
                }
                Ok(Command::Stop) | Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        if ticking && !io.probe.less_equal(&tick) {
            io.complete(tick);
            // Without keys every tick is accepted: sealed once the frontier has passed it.
            if !io.transactional() {
                io.outputs.iter_mut().for_each(|port| port.seal(tick));
            }
            let conflicts = io.conflicts();
            if reports.send(Report::Ticked { conflicts }).is_err() {
                return Ok(());
            }
            tick += 1;
            ticking = false;
        }
        // Parks until a peer's message or the host's unpark: no busy waiting between ticks.
        worker.step_or_park(None);
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a rule panicked".to_string()
    }
}
