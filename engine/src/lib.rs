//! Blossom: declarative rules over relations and lattices, run as timely/differential dataflow.
//!
//! A program is written with [`program!`]; the macro checks it, stratifies it and generates a
//! handle type whose inputs you fill, whose ticks you run, and whose outputs you read. The same
//! program runs embedded (one worker), on several threads, or as a timely cluster.

mod addr;
mod clock;
mod config;
mod connect;
pub mod device;
mod error;
pub mod explain;
mod float;
mod graph;
mod handle;
mod io;
mod network;
mod runtime;
mod serve;
mod subscribe;
mod ticks;
mod worker;

#[doc(hidden)]
pub mod rt;
pub mod testing;

pub use addr::Addr;
pub use blossom_lattices as lattices;
pub use blossom_lattices::{
    Bool, CausalRegister, DomPair, GCounter, Lattice, Lww, MapUnion, Max, Min, OrSet, PNCounter,
    Pair, SetUnion, VectorClock, WithBot, WithTop,
};
pub use blossom_macros::program;
pub use clock::{Clock, Periodic, SystemClock, TimerPlace, VirtualClock};
pub use config::{Cluster, Config, Outputs};
pub use error::Error;
pub use explain::Explain;
pub use float::{F32, F64};
pub use handle::{Input, Output};
pub use network::Network;
pub use rt::Placement;
pub use runtime::{LAUNCH, PendingInput, READY, Runtime};
pub use serve::{Relation, Relations, Served};
pub use subscribe::{Event, Subscription};
pub use worker::Dataflow;

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
