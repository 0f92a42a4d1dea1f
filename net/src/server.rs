//! Serving a running program: clients insert rows into its inputs and subscribe to its outputs.
//!
//! The program stays on the thread that calls [`Server::serve`] (its handles need not be
//! `Send`), and that thread is the only one touching it: it takes what clients sent, in
//! batches, inserts the rows, runs a tick, acknowledges each insert with the tick its rows held
//! in, and sends every subscriber the tick's changes. Connections run on a tokio runtime of the
//! server's own: each reads frames, decodes the rows there (a malformed request never reaches
//! the program), and queues them for the program's thread in a bounded queue, so a client that
//! sends faster than the program ticks waits (backpressure through TCP), and one that does not
//! read its replies is disconnected rather than holding the others up.
//!
//! With a [`Token`] a connection is served only once its client has sent it (see
//! `connection`): before that, every request is answered with an error and reaches nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use blossom::rt::Column;
use blossom::{Addr, Event, Input, Output, Relation, Relations, Served, Subscription};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

mod connection;

use crate::link::{Batch, LinkLimits, Links};
use crate::token::Token;
use crate::wire::{self, RelationInfo, Reply, WireError};
use connection::{Outbox, accept};

/// What a server allows, so that no client can take more than its share.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest frame accepted, in bytes (payload): larger ones are refused from their
    /// header, and the connection closed. Default 16 MiB.
    pub max_frame: usize,
    /// Connections served at once; one more is told so and closed. Default 256.
    pub max_connections: usize,
    /// How long a new connection has to say hello (to a server with a token: to send it).
    /// Default 10 s.
    pub handshake: Duration,
    /// How long a write to a client may take before the client is dropped. Default 10 s.
    pub write: Duration,
    /// Replies queued for one client; a client that lets more pile up is dropped. Default 1024.
    pub outgoing: usize,
    /// Requests queued for the program from all clients; more wait. Default 1024.
    pub pending: usize,
    /// How long the program's thread waits for a tick's changes to reach a subscription.
    /// Default 60 s.
    pub seal: Duration,
    /// The links carrying channel rows to other programs.
    pub links: LinkLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: 16 << 20,
            max_connections: 256,
            handshake: Duration::from_secs(10),
            write: Duration::from_secs(10),
            outgoing: 1024,
            pending: 1024,
            seal: Duration::from_secs(60),
            links: LinkLimits::default(),
        }
    }
}

/// Why a server could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The runtime or the listener could not be set up.
    #[error("cannot serve: {0}")]
    Io(#[from] std::io::Error),
    /// The program failed (in a cluster: the others went away).
    #[error("the program stopped: {0}")]
    Program(blossom::Error),
    /// A RESP service answered wrongly (not one reply per command).
    #[error("the service failed: {0}")]
    Service(String),
    /// TLS could not be set up.
    #[error("cannot serve TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// Rows decoded by a connection, waiting to be inserted by the program's thread.
type Apply<P> = Box<dyn FnOnce(&mut P) -> usize + Send>;

/// How a connection turns an input's bytes into rows to insert.
type Decode<P> = Box<dyn Fn(&[u8]) -> Result<Apply<P>, WireError> + Send + Sync>;

/// What connections ask of the program's thread.
enum Command<P> {
    Insert {
        id: u64,
        apply: Apply<P>,
        reply: Outbox,
    },
    Subscribe {
        id: u64,
        output: usize,
        reply: Outbox,
    },
    Stop,
}

/// Stops a running server: `serve` returns once the current batch is done.
#[derive(Clone)]
pub struct Stop {
    stopped: Arc<AtomicBool>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Stop {
    /// A handle that sets `stopped` and calls `wake`, for the thread that serves to notice.
    pub(crate) fn new(stopped: Arc<AtomicBool>, wake: impl Fn() + Send + Sync + 'static) -> Stop {
        Stop {
            stopped,
            wake: Arc::new(wake),
        }
    }

    /// Asks the server to stop.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        (self.wake)();
    }
}

impl std::fmt::Debug for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stop")
            .field("stopped", &self.stopped)
            .finish()
    }
}

/// A program's inputs as connections decode them, and its outputs as its thread reads them.
struct Registry<P> {
    inputs: Vec<(RelationInfo, Decode<P>)>,
    outputs: Vec<(RelationInfo, Box<dyn Watch<P>>)>,
    channels: Vec<Box<dyn Away<P>>>,
}

impl<P: 'static> Relations<P> for Registry<P> {
    fn input<D: Column>(&mut self, relation: Relation<D>, handle: fn(&mut P) -> &mut Input<D>) {
        let decode: Decode<P> = Box::new(move |bytes| {
            let rows: Vec<D> = wire::decode_rows(bytes)?;
            Ok(Box::new(move |program: &mut P| {
                let count = rows.len();
                handle(program).extend(rows);
                count
            }))
        });
        self.inputs.push((info(relation, true), decode));
    }

    fn output<D: Column>(&mut self, relation: Relation<D>, handle: fn(&P) -> &Output<D>) {
        let watch = Watched {
            handle,
            subscription: None,
        };
        self.outputs.push((info(relation, false), Box::new(watch)));
    }

    fn channel<D: Column>(
        &mut self,
        relation: Relation<D>,
        sent: fn(&P) -> &Output<D>,
        location: fn(&D) -> Addr,
    ) {
        self.channels.push(Box::new(Sent {
            relation,
            sent,
            location,
        }));
    }
}

/// A channel, as the program's thread reads what it sent to nodes in other programs.
trait Away<P> {
    /// The rows sent in the last tick, a batch per node.
    fn sent(&self, program: &P) -> Result<Vec<(Addr, Batch)>, String>;
}

struct Sent<P, D> {
    relation: Relation<D>,
    sent: fn(&P) -> &Output<D>,
    location: fn(&D) -> Addr,
}

impl<P, D: Column> Away<P> for Sent<P, D> {
    fn sent(&self, program: &P) -> Result<Vec<(Addr, Batch)>, String> {
        let rows = (self.sent)(program).snapshot().map_err(|e| e.to_string())?;
        let mut by_node: std::collections::BTreeMap<Addr, Vec<D>> = Default::default();
        for row in rows {
            by_node.entry((self.location)(&row)).or_default().push(row);
        }
        (by_node.into_iter())
            .map(|(node, rows)| {
                let batch = Batch {
                    relation: self.relation.name().to_string(),
                    rows_type: self.relation.rows().to_string(),
                    rows: wire::encode_rows(&rows).map_err(|e| e.to_string())?,
                    count: rows.len(),
                };
                Ok((node, batch))
            })
            .collect()
    }
}

fn info<D>(relation: Relation<D>, input: bool) -> RelationInfo {
    RelationInfo {
        name: relation.name().to_string(),
        input,
        rows: relation.rows().to_string(),
    }
}

/// An output as the program's thread reads it for subscribers, rows encoded.
trait Watch<P> {
    /// Subscribes (once) and returns every row the output has now.
    fn open(&mut self, program: &P) -> Result<Vec<u8>, String>;
    /// Tick `tick`'s changes: rows added and removed.
    fn sealed(&mut self, tick: u64, wait: Duration) -> Result<(Vec<u8>, Vec<u8>), String>;
    /// Whether it is subscribed (its subscription then has each tick's changes to read).
    fn is_open(&self) -> bool;
    /// Unsubscribes: nobody reads it any more.
    fn close(&mut self);
}

/// An output and its subscribers: the id each subscribed with, and where its replies go.
type Subscribed<P> = (Box<dyn Watch<P>>, Vec<(u64, Outbox)>);

struct Watched<P, D> {
    handle: fn(&P) -> &Output<D>,
    subscription: Option<Subscription<D>>,
}

impl<P, D: Column> Watch<P> for Watched<P, D> {
    fn open(&mut self, program: &P) -> Result<Vec<u8>, String> {
        let output = (self.handle)(program);
        if self.subscription.is_none() {
            self.subscription = Some(output.subscribe().map_err(|e| e.to_string())?);
        }
        let rows = output.snapshot().map_err(|e| e.to_string())?;
        wire::encode_rows(&rows).map_err(|e| e.to_string())
    }

    fn is_open(&self) -> bool {
        self.subscription.is_some()
    }

    fn close(&mut self) {
        self.subscription = None;
    }

    fn sealed(&mut self, tick: u64, wait: Duration) -> Result<(Vec<u8>, Vec<u8>), String> {
        let subscription = (self.subscription.as_mut()).ok_or("the output has no subscription")?;
        loop {
            match subscription.recv_timeout(wait) {
                Some(Event::Sealed {
                    tick: sealed,
                    added,
                    removed,
                }) if sealed == tick => {
                    let encode = |rows: &[D]| wire::encode_rows(rows).map_err(|e| e.to_string());
                    return Ok((encode(&added)?, encode(&removed)?));
                }
                Some(_) => {}
                None => return Err(format!("tick {tick} was not sealed within {wait:?}")),
            }
        }
    }
}

/// A program, ready to be served.
pub struct Server<P> {
    program: P,
    limits: Limits,
    token: Option<Token>,
    stopped: Arc<AtomicBool>,
    commands: (mpsc::Sender<Command<P>>, mpsc::Receiver<Command<P>>),
}

impl<P: Served + 'static> Server<P> {
    /// Serves `program` with the default [`Limits`].
    pub fn new(program: P) -> Self {
        Self::with_limits(program, Limits::default())
    }

    /// Serves `program` within `limits`.
    pub fn with_limits(program: P, limits: Limits) -> Self {
        let commands = mpsc::channel(limits.pending.max(1));
        Server {
            program,
            limits,
            token: None,
            stopped: Arc::default(),
            commands,
        }
    }

    /// Serves only clients that send `token` (`None`, the default: every client, whether it
    /// sends a token or not), and sends it on the links to other programs' servers, which share
    /// it. A client without it has every request answered with an error that starts
    /// [`wire::NOAUTH`], and is closed after a few; a wrong token closes the connection at once.
    pub fn token(mut self, token: Option<Token>) -> Self {
        self.token = token;
        self
    }

    /// A handle that stops the server from another thread.
    pub fn stopper(&self) -> Stop {
        let sender = self.commands.0.clone();
        Stop {
            stopped: Arc::clone(&self.stopped),
            // If the queue is full the program's thread is busy, and sees the flag next.
            wake: Arc::new(move || drop(sender.try_send(Command::Stop))),
        }
    }

    /// Serves clients on `listener` until stopped; the program runs on this thread. Returns
    /// the program, for a caller that goes on with it.
    ///
    /// In a cluster only process 0 serves; on the others this ticks whenever process 0 does
    /// (each tick waits for the whole cluster), until stopped or the cluster goes away, and
    /// `listener` is not used.
    pub fn serve(self, listener: std::net::TcpListener) -> Result<P, ServeError> {
        if self.program.process() != 0 {
            return self.follow();
        }
        let Server {
            mut program,
            limits,
            token,
            stopped,
            commands: (sender, receiver),
        } = self;
        let mut registry = Registry {
            inputs: Vec::new(),
            outputs: Vec::new(),
            channels: Vec::new(),
        };
        P::relations(&mut registry);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("blossom-net")
            .enable_all()
            .build()?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let relations = (registry.inputs.iter().map(|(info, _)| info))
            .chain(registry.outputs.iter().map(|(info, _)| info))
            .cloned()
            .collect();
        let (outputs, watches): (Vec<RelationInfo>, Vec<_>) = registry.outputs.into_iter().unzip();
        let shared = Arc::new(Shared {
            program: P::NAME,
            relations,
            inputs: (registry.inputs.into_iter())
                .map(|(info, decode)| (info.name, decode))
                .collect(),
            outputs: outputs.into_iter().map(|info| info.name).collect(),
            commands: sender,
            limits: limits.clone(),
            token: token.clone(),
        });
        let guarded = if token.is_some() {
            " to clients with its token"
        } else {
            ""
        };
        runtime.spawn(accept(listener, shared));
        tracing::info!("serving {} on {address}{guarded}", P::NAME);
        let mut watched: Vec<Subscribed<P>> =
            watches.into_iter().map(|w| (w, Vec::new())).collect();
        let mut leaving = Leaving {
            channels: registry.channels,
            links: Links::new(runtime.handle().clone(), limits.links, token),
        };
        drive(
            &mut program,
            &mut watched,
            &mut leaving,
            receiver,
            &stopped,
            &limits,
        );
        runtime.shutdown_timeout(Duration::from_secs(1));
        Ok(program)
    }
}

impl<P: Served> Server<P> {
    /// A process of a cluster other than 0: ticks with process 0.
    fn follow(mut self) -> Result<P, ServeError> {
        let process = self.program.process();
        tracing::info!("process {process} follows process 0's ticks");
        while !self.stopped.load(Ordering::SeqCst) {
            self.program.tick().map_err(ServeError::Program)?;
        }
        Ok(self.program)
    }
}

/// What every connection reads: the program's relations and the queue to its thread.
struct Shared<P> {
    program: &'static str,
    relations: Vec<RelationInfo>,
    inputs: Vec<(String, Decode<P>)>,
    outputs: Vec<String>,
    commands: mpsc::Sender<Command<P>>,
    limits: Limits,
    /// The token clients must send, if any.
    token: Option<Token>,
}

/// The program's channels, and the links their rows leave by for other programs.
struct Leaving<P> {
    channels: Vec<Box<dyn Away<P>>>,
    links: Links,
}

impl<P: Served> Leaving<P> {
    /// Sends what the last tick sent to nodes in other programs.
    fn send(&mut self, program: &P) {
        if program.remotes().is_empty() {
            return;
        }
        for channel in &self.channels {
            let batches = match channel.sent(program) {
                Ok(batches) => batches,
                Err(message) => {
                    tracing::error!("reading a channel's rows for other programs: {message}");
                    continue;
                }
            };
            for (node, batch) in batches {
                match program.remotes().get(&node) {
                    Some(endpoint) => {
                        self.links.send(endpoint, batch);
                    }
                    None => tracing::error!("no endpoint for node {node}"),
                }
            }
        }
    }
}

/// The program's thread: batches of requests, a tick per batch that inserted rows.
fn drive<P: Served>(
    program: &mut P,
    watched: &mut [Subscribed<P>],
    leaving: &mut Leaving<P>,
    mut commands: mpsc::Receiver<Command<P>>,
    stopped: &AtomicBool,
    limits: &Limits,
) {
    while let Some(first) = commands.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < limits.pending {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let mut inserted = Vec::new();
        for command in batch {
            match command {
                Command::Insert { id, apply, reply } => inserted.push((id, apply(program), reply)),
                Command::Subscribe { id, output, reply } => {
                    let (watch, sinks) = &mut watched[output];
                    match watch.open(program) {
                        Ok(added) => {
                            let tick = program.ticks().checked_sub(1);
                            let removed = wire::encode_rows::<()>(&[]).unwrap_or_default();
                            let changes = Reply::Changes {
                                id,
                                tick,
                                added,
                                removed,
                            };
                            if reply.send(&changes) {
                                sinks.push((id, reply));
                            }
                        }
                        Err(message) => {
                            tracing::error!("a subscription failed: {message}");
                            let id = Some(id);
                            reply.send(&Reply::Error {
                                id,
                                message,
                                fatal: false,
                            });
                        }
                    }
                }
                Command::Stop => stopped.store(true, Ordering::SeqCst),
            }
        }
        if !inserted.is_empty() && tick(program, inserted, watched, limits) {
            leaving.send(program);
        }
        if stopped.load(Ordering::SeqCst) {
            break;
        }
    }
}

/// Runs a tick for the rows just inserted, acknowledges them, and tells subscribers; `false`
/// if the tick was rejected.
fn tick<P: Served>(
    program: &mut P,
    inserted: Vec<(u64, usize, Outbox)>,
    watched: &mut [Subscribed<P>],
    limits: &Limits,
) -> bool {
    if let Err(error) = program.tick() {
        let message = format!("the tick was rejected: {error}");
        tracing::warn!("{message}");
        for (id, _, reply) in inserted {
            let (id, message) = (Some(id), message.clone());
            reply.send(&Reply::Error {
                id,
                message,
                fatal: false,
            });
        }
        return false;
    }
    let tick = program.ticks().saturating_sub(1);
    for (id, rows, reply) in inserted {
        reply.send(&Reply::Inserted {
            id,
            rows: rows as u64,
            tick,
        });
    }
    // Every open subscription reads its tick (what it is told would pile up otherwise); one
    // whose subscribers have all gone is closed.
    for (watch, sinks) in watched.iter_mut().filter(|(watch, _)| watch.is_open()) {
        match watch.sealed(tick, limits.seal) {
            Ok((added, removed)) => sinks.retain(|(id, sink)| {
                sink.send(&Reply::Changes {
                    id: *id,
                    tick: Some(tick),
                    added: added.clone(),
                    removed: removed.clone(),
                })
            }),
            Err(message) => {
                tracing::error!("{message}");
                for (_, sink) in sinks.drain(..) {
                    sink.fail(message.clone());
                }
            }
        }
        if sinks.is_empty() {
            watch.close();
        }
    }
    true
}
