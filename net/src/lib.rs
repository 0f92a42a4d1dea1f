//! Networking for Blossom programs: serving a program's inputs and outputs to clients over TCP,
//! carrying `<~` between separately deployed programs, and starting clusters.
//!
//! A [`Server`] serves any program `program!` generated (every program implements
//! [`blossom::Served`]): clients insert rows into its inputs and subscribe to its outputs'
//! changes, tick by tick. A [`Client`] names relations by the program's own constants
//! (`Program::EDGE`), so what it sends and receives has the program's row types, and the
//! server checks the names and types before any row is decoded. What the program's channels
//! send to nodes of other programs (`blossom::Config::remote`) leaves through the server's
//! links, to those programs' servers.
//!
//! Frames are length-delimited and versioned ([`wire`]); a malformed, oversized or
//! wrong-version frame gets an error reply and a disconnect, is logged, and the server goes on
//! serving everyone else. What a server allows is in [`Limits`].
//!
//! Whom a server lets in is its [`Token`]: given one ([`Server::token`]), it serves only
//! clients that send it ([`Client::connect_with`]), and its links send it to the servers of
//! other programs; until a client has, every request gets an error and nothing else, and a
//! wrong token closes the connection. A server listens where its caller binds it: the example
//! binaries bind loopback unless told an address.
//!
//! A [`resp::RespServer`] speaks Redis's protocol (RESP2) to Redis's own clients, for a
//! service that answers commands a tick at a time: the key-value store of the examples.
//!
//! Processes of one cluster talk through timely's own communication layer; [`launch`] (the
//! `blossom launch` command) starts them.

mod client;
pub mod glob;
pub mod launch;
mod link;
pub mod resp;
mod server;
mod tls;
mod token;
pub mod wire;

pub use client::{Change, Changes, Client, ClientError, MAX_REPLY, Retry};
pub use link::LinkLimits;
pub use server::{Limits, ServeError, Server, Stop};
pub use token::{Token, TokenArgs, TokenError};
