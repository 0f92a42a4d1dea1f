//! The errors a running Blossom program reports to its host.

/// What can go wrong when starting or driving a program.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration (worker count, cluster arguments, hostfile) is not usable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Timely could not start the workers (for example, a cluster peer could not be reached).
    #[error("could not start the dataflow runtime: {0}")]
    Start(String),
    /// A worker stopped during a tick: a rule's expression panicked, or a peer went away.
    #[error("worker {worker} failed: {message}")]
    WorkerFailed {
        /// The index of the worker that failed.
        worker: usize,
        /// The panic message or the reason the worker stopped.
        message: String,
    },
    /// The program stopped after an earlier failure and no longer runs ticks.
    #[error("the program has stopped after an earlier failure")]
    Stopped,
}
