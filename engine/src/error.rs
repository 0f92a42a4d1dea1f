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
    /// A process of the cluster was not connected within the connect timeout
    /// (`--connect-timeout`): it could not be reached, or it never connected to this one.
    #[error(
        "process {process} of the cluster ({address}) was not connected within {timeout:?}: {reason}"
    )]
    NotConnected {
        /// The missing process's index.
        process: usize,
        /// Its `host:port`.
        address: String,
        /// How long this process waited for it.
        timeout: std::time::Duration,
        /// What went wrong last.
        reason: String,
    },
    /// A worker stopped during a tick: a rule's expression panicked, or a peer went away.
    #[error("worker {worker} failed: {message}")]
    WorkerFailed {
        /// The index of the worker that failed.
        worker: usize,
        /// The panic message or the reason the worker stopped.
        message: String,
    },
    /// A tick gave two rows one key in a relation declared with key columns (`k: K => v: V`).
    ///
    /// The tick is rejected: the program's tables and outputs stay as they were before it, its
    /// input rows are dropped, and the program goes on running the next ticks.
    #[error(
        "tick rejected: `{relation}` would hold two rows with key {key} in {when}: {} and {}; the program's state is as it was before the tick",
        rows.0,
        rows.1
    )]
    KeyConflict {
        /// The keyed relation.
        relation: String,
        /// "this tick", or "the next tick" for the rows the tick would carry over.
        when: String,
        /// The key, as `Debug` prints it.
        key: String,
        /// Two of the rows with that key, as `Debug` prints them.
        rows: (String, String),
    },
    /// A table, scratch or channel was read, but the program does not keep a copy of it.
    #[error(
        "this relation is not kept for reading: start the program with `Config::inspect(true)` (the default in debug builds)"
    )]
    NotInspected,
    /// The program stopped after an earlier failure and no longer runs ticks.
    #[error("the program has stopped after an earlier failure")]
    Stopped,
}
