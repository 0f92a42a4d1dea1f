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
use std::time::{Duration, Instant};

use timely::worker::Worker;

use crate::io::WorkerIo;
use crate::rt::{Scope, Tick};

/// The generated function that builds a program's dataflow on one worker.
pub type Dataflow = fn(Scope<'_, Tick>, &mut WorkerIo);

/// What the host asks of a worker.
pub(crate) enum Command {
    /// Rows for input `input`, to hold in the coming tick only.
    Load {
        input: usize,
        batch: Box<dyn Any + Send>,
    },
    /// Run the coming tick to completion.
    Tick,
    /// Send this worker's rows of output `output`.
    Snapshot {
        output: usize,
        reply: mpsc::Sender<Box<dyn Any + Send>>,
    },
    /// Stop serving: finish the dataflow with the other workers, or, after a failure, drop it.
    Stop { graceful: bool },
}

/// What a worker tells the host.
pub(crate) enum Report {
    /// The dataflow is built; commands go to `commands`, and `thread` is unparked after each.
    Ready {
        commands: mpsc::Sender<Command>,
        thread: Thread,
    },
    /// The worker has completed tick `tick`.
    Ticked,
    /// The worker stopped: a panic in a rule, or a command it could not carry out.
    Failed { worker: usize, message: String },
}

/// Runs one worker until the host stops it or something fails; never leaves timely waiting.
pub(crate) fn run(
    worker: &mut Worker,
    dataflow: Dataflow,
    gather: bool,
    lens: Vec<Arc<AtomicI64>>,
    reports: mpsc::Sender<Report>,
) {
    let index = worker.index();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        serve(worker, dataflow, gather, lens, &reports)
    }));
    let graceful = match outcome {
        Ok(Ok(graceful)) => graceful,
        Ok(Err(message)) => fail(&reports, index, message),
        Err(payload) => fail(&reports, index, panic_message(payload.as_ref())),
    };
    if graceful {
        // The inputs are closed: let the last progress messages reach the other workers (and
        // processes) before this one goes, but never wait on them for long.
        let deadline = Instant::now() + FINISH_TIMEOUT;
        while worker.step_or_park(Some(Duration::from_millis(10))) && Instant::now() < deadline {}
    }
    // Whatever is left is dropped: timely would otherwise wait for it forever.
    for dataflow in worker.installed_dataflows() {
        worker.drop_dataflow(dataflow);
    }
}

/// How long a stopping worker helps its peers finish before it drops the dataflow.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Reports a failure; a failed worker does not finish gracefully.
fn fail(reports: &mpsc::Sender<Report>, worker: usize, message: String) -> bool {
    let _ = reports.send(Report::Failed { worker, message });
    false
}

fn serve(
    worker: &mut Worker,
    dataflow: Dataflow,
    gather: bool,
    lens: Vec<Arc<AtomicI64>>,
    reports: &mpsc::Sender<Report>,
) -> Result<bool, String> {
    let mut io = WorkerIo::new(gather, lens);
    worker.dataflow::<Tick, _, _>(|scope| dataflow(scope, &mut io));
    let (commands_tx, commands) = mpsc::channel();
    let ready = Report::Ready {
        commands: commands_tx,
        thread: thread::current(),
    };
    if reports.send(ready).is_err() {
        return Ok(false);
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
                    io.ticking.set(tick);
                    for port in &mut io.inputs {
                        port.advance(tick + 1);
                    }
                    ticking = true;
                }
                Ok(Command::Snapshot { output, reply }) => {
                    let port = io.outputs.get(output).ok_or("no such output")?;
                    let _ = reply.send(port.snapshot());
                }
                Ok(Command::Stop { graceful }) => return Ok(graceful),
                Err(mpsc::TryRecvError::Disconnected) => return Ok(false),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        if ticking && !io.probe.less_equal(&tick) {
            for port in &mut io.outputs {
                port.complete(tick);
            }
            if reports.send(Report::Ticked).is_err() {
                return Ok(false);
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
