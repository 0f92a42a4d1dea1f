//! A client of a served program: insert rows, subscribe to outputs, typed by the program's own
//! [`Relation`] constants.
//!
//! A client of a server with a token connects with it ([`Client::connect_with`]); without it, or
//! with a wrong one, `connect` returns [`ClientError::Auth`] at once.
//!
//! One connection carries any number of requests at once: a task reads the server's replies
//! and hands each to the request (or subscription) it answers, by id.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blossom::Relation;
use blossom::rt::Column;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};

use crate::token::Token;
use crate::wire::{self, RelationInfo, Reply, Request, WireError};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connecting failed, every attempt.
    #[error("could not connect after {attempts} attempt(s): {last}")]
    Connect {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        last: std::io::Error,
    },
    /// A frame could not be read, written or decoded.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The server said no.
    #[error("the server replied: {0}")]
    Server(String),
    /// The server serves only clients with its token, and this one sent none or another.
    #[error("the server refused this client: {0}")]
    Auth(String),
    /// The program has no such relation, or its rows are of another type.
    #[error("{0}")]
    Relation(String),
    /// The connection is closed.
    #[error("the connection is closed")]
    Closed,
    /// The connection closed while the request waited for its reply (it may have been done).
    #[error("the connection closed: {0}")]
    Disconnected(String),
}

/// How often, and how patiently, to try connecting: never forever.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Attempts in all (at least one is made).
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each, up to 2 s.
    pub delay: Duration,
}

impl Default for Retry {
    /// 20 attempts, from 50 ms apart: about 20 s in all.
    fn default() -> Self {
        Retry {
            attempts: 20,
            delay: Duration::from_millis(50),
        }
    }
}

/// An output's changes in one tick, or (first) every row it had when subscribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change<D> {
    /// The tick, counted from 0; `None` for the first message if no tick had run.
    pub tick: Option<u64>,
    /// Rows added.
    pub added: Vec<D>,
    /// Rows removed.
    pub removed: Vec<D>,
}

/// A subscription's messages: the output's rows, then its changes tick by tick.
pub struct Changes<D> {
    replies: mpsc::Receiver<Result<Reply, ClientError>>,
    _rows: PhantomData<fn() -> D>,
}

impl<D: Column> Changes<D> {
    /// The next change; `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<Result<Change<D>, ClientError>> {
        let reply = match self.replies.recv().await? {
            Ok(reply) => reply,
            Err(e) => return Some(Err(e)),
        };
        Some(match reply {
            Reply::Changes {
                tick,
                added,
                removed,
                ..
            } => (|| {
                Ok(Change {
                    tick,
                    added: wire::decode_rows(&added)?,
                    removed: wire::decode_rows(&removed)?,
                })
            })(),
            Reply::Error { message, .. } => Err(ClientError::Server(message)),
            other => Err(ClientError::Server(format!("unexpected reply {other:?}"))),
        })
    }
}

/// The largest reply a client reads (a tick's changes to one output): a server that announces
/// more is cut off rather than trusted with the client's memory.
pub const MAX_REPLY: usize = 1 << 30;

/// How long a server has to answer a client's hello.
const WELCOME: Duration = Duration::from_secs(10);

/// Requests waiting for their replies, by id.
#[derive(Default)]
struct Waiting {
    inserts: HashMap<u64, oneshot::Sender<Result<u64, ClientError>>>,
    subscriptions: HashMap<u64, mpsc::Sender<Result<Reply, ClientError>>>,
    /// Why the connection closed, once it has.
    closed: Option<String>,
}

/// A connection to a served program.
pub struct Client {
    program: String,
    relations: Vec<RelationInfo>,
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    waiting: Arc<Mutex<Waiting>>,
    next_id: AtomicU64,
    reader: tokio::task::JoinHandle<()>,
}

impl Client {
    /// Connects to the program served at `address`, trying as `retry` says, without a token.
    pub async fn connect(address: impl ToSocketAddrs, retry: Retry) -> Result<Client, ClientError> {
        Self::connect_with(address, retry, None).await
    }

    /// Connects to the program served at `address`, trying as `retry` says, and sends `token`
    /// (a server without a token lets the client in all the same). A server that wants another
    /// token, or one when `token` is `None`, is [`ClientError::Auth`], at once: connecting is
    /// retried, a refusal is not.
    pub async fn connect_with(
        address: impl ToSocketAddrs,
        retry: Retry,
        token: Option<&Token>,
    ) -> Result<Client, ClientError> {
        let mut delay = retry.delay;
        let mut attempts = 0;
        let stream = loop {
            attempts += 1;
            match TcpStream::connect(&address).await {
                Ok(stream) => break stream,
                Err(last) if attempts >= retry.attempts.max(1) => {
                    return Err(ClientError::Connect { attempts, last });
                }
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        };
        stream.set_nodelay(true).map_err(WireError::Io)?;
        let (mut reader, mut writer) = stream.into_split();
        let client = format!("blossom-net {}", env!("CARGO_PKG_VERSION"));
        let hello = match token {
            None => Request::Hello { client },
            Some(token) => Request::Authenticate {
                client,
                token: token.secret().to_string(),
            },
        };
        wire::write_frame(&mut writer, &wire::frame(&hello)?).await?;
        let welcome = tokio::time::timeout(WELCOME, wire::read_frame(&mut reader, MAX_REPLY))
            .await
            .map_err(|_| ClientError::Server(format!("no welcome within {WELCOME:?}")))??;
        let (program, relations) = match wire::decode(&welcome.ok_or(WireError::Truncated)?)? {
            Reply::Welcome { program, relations } => (program, relations),
            Reply::Error { message, .. }
                if message.starts_with(wire::NOAUTH) || message.starts_with(wire::WRONGTOKEN) =>
            {
                return Err(ClientError::Auth(message));
            }
            Reply::Error { message, .. } => return Err(ClientError::Server(message)),
            other => {
                return Err(ClientError::Server(format!(
                    "expected Welcome, got {other:?}"
                )));
            }
        };
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        let reader = tokio::spawn(read(reader, Arc::clone(&waiting)));
        Ok(Client {
            program,
            relations,
            writer: tokio::sync::Mutex::new(writer),
            waiting,
            next_id: AtomicU64::new(0),
            reader,
        })
    }

    /// The served program's name.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The relations the program serves.
    pub fn relations(&self) -> &[RelationInfo] {
        &self.relations
    }

    /// Inserts `rows` into an input; returns the tick they held in.
    pub async fn insert<D: Column>(
        &self,
        relation: Relation<D>,
        rows: &[D],
    ) -> Result<u64, ClientError> {
        let rows = wire::encode_rows(rows)?;
        self.insert_encoded(relation.name(), relation.rows(), rows)
            .await
    }

    /// Inserts rows already encoded ([`wire::encode_rows`]) of the type named `rows_type`
    /// into input `relation`; returns the tick they held in.
    pub async fn insert_encoded(
        &self,
        relation: &str,
        rows_type: &str,
        rows: Vec<u8>,
    ) -> Result<u64, ClientError> {
        self.check(relation, rows_type, true)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, reply) = oneshot::channel();
        self.wait(|waiting| waiting.inserts.insert(id, sender))?;
        let relation = relation.to_string();
        self.send(&Request::Insert { id, relation, rows }).await?;
        reply.await.map_err(|_| ClientError::Closed)?
    }

    /// Subscribes to an output: its rows now, then its changes each tick.
    pub async fn subscribe<D: Column>(
        &self,
        relation: Relation<D>,
    ) -> Result<Changes<D>, ClientError> {
        self.check(relation.name(), relation.rows(), false)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, replies) = mpsc::channel(1024);
        self.wait(|waiting| waiting.subscriptions.insert(id, sender))?;
        let relation = relation.name().to_string();
        self.send(&Request::Subscribe { id, relation }).await?;
        Ok(Changes {
            replies,
            _rows: PhantomData,
        })
    }

    /// Registers a request's reply, unless the connection is closed already.
    fn wait<T>(&self, register: impl FnOnce(&mut Waiting) -> T) -> Result<(), ClientError> {
        let mut waiting = self.waiting.lock().map_err(|_| ClientError::Closed)?;
        if let Some(reason) = &waiting.closed {
            return Err(ClientError::Disconnected(reason.clone()));
        }
        register(&mut waiting);
        Ok(())
    }

    async fn send(&self, request: &Request) -> Result<(), ClientError> {
        let frame = wire::frame(request)?;
        let mut writer = self.writer.lock().await;
        Ok(wire::write_frame(&mut *writer, &frame).await?)
    }

    /// The relation must be served, in that direction, with these rows.
    fn check(&self, name: &str, rows: &str, input: bool) -> Result<(), ClientError> {
        let what = if input { "input" } else { "output" };
        let served = self.relations.iter().find(|r| r.name == name);
        match served {
            Some(r) if r.input == input && r.rows == rows => Ok(()),
            Some(r) if r.input != input => Err(ClientError::Relation(format!(
                "`{}` is not an {what} of {}",
                r.name, self.program
            ))),
            Some(r) => Err(ClientError::Relation(format!(
                "`{}` of {} has rows {}, not {rows}",
                r.name, self.program, r.rows
            ))),
            None => Err(ClientError::Relation(format!(
                "{} serves no {what} named `{name}`",
                self.program
            ))),
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Hands each reply to its request; when the connection ends, tells every one still waiting.
async fn read(mut reader: tokio::net::tcp::OwnedReadHalf, waiting: Arc<Mutex<Waiting>>) {
    let reason = loop {
        let payload = match wire::read_frame(&mut reader, MAX_REPLY).await {
            Ok(Some(payload)) => payload,
            Ok(None) => break "the server closed the connection".to_string(),
            Err(e) => break e.to_string(),
        };
        let reply = match wire::decode::<Reply>(&payload) {
            Ok(reply) => reply,
            Err(e) => break e.to_string(),
        };
        let subscription = {
            let Ok(mut waiting) = waiting.lock() else {
                return;
            };
            match reply {
                Reply::Inserted { id, tick, .. } => {
                    if let Some(sender) = waiting.inserts.remove(&id) {
                        let _ = sender.send(Ok(tick));
                    }
                    continue;
                }
                Reply::Changes { id, .. } => waiting.subscriptions.get(&id).cloned(),
                Reply::Error {
                    id: Some(id),
                    ref message,
                    fatal: false,
                } => {
                    if let Some(sender) = waiting.inserts.remove(&id) {
                        let _ = sender.send(Err(ClientError::Server(message.clone())));
                        continue;
                    }
                    waiting.subscriptions.remove(&id)
                }
                Reply::Error { message, .. } => break message,
                Reply::Welcome { .. } => break "a second Welcome".to_string(),
            }
        };
        // Outside the lock: a subscriber that does not read holds this task, not the others.
        if let Some(sender) = subscription {
            let _ = sender.send(Ok(reply)).await;
        }
    };
    let Ok(mut waiting) = waiting.lock() else {
        return;
    };
    for (_, sender) in waiting.inserts.drain() {
        let _ = sender.send(Err(ClientError::Disconnected(reason.clone())));
    }
    for (_, sender) in waiting.subscriptions.drain() {
        let _ = sender.try_send(Err(ClientError::Disconnected(reason.clone())));
    }
    waiting.closed = Some(reason);
}
