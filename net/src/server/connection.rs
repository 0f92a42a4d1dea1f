//! A server's connections: accepting them up to the limit, the hello (with the token, if the
//! server has one), reading and decoding requests (a malformed one closes its connection only),
//! and writing each one's replies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use super::{Command, Shared};
use crate::wire::{self, Reply, Request};

/// The replies to one connection: its writer's queue, and a way to close it with an error.
#[derive(Clone)]
pub(super) struct Outbox {
    frames: mpsc::Sender<Vec<u8>>,
    close: Arc<watch::Sender<Option<String>>>,
}

impl Outbox {
    /// Queues `reply`; `false` if the connection is gone or too far behind (then it is closed).
    pub(super) fn send(&self, reply: &Reply) -> bool {
        let frame = match wire::frame(reply) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::error!("a reply could not be encoded: {e}");
                return true;
            }
        };
        match self.frames.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.fail("the client does not read its replies fast enough".into());
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Closes the connection after telling the client why.
    pub(super) fn fail(&self, message: String) {
        self.close.send_replace(Some(message));
    }
}

/// Accepts connections, up to the limit; one more is told why it is refused.
pub(super) async fn accept<P: 'static>(listener: TcpListener, shared: Arc<Shared<P>>) {
    let permits = Arc::new(Semaphore::new(shared.limits.max_connections));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait, and go on serving those connected.
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(async move {
                    connection(stream, peer, &shared).await;
                    drop(permit);
                });
            }
            Err(_) => {
                let limit = shared.limits.max_connections;
                tracing::warn!("refused {peer}: at the limit of {limit} connections");
                let refusal = Reply::Error {
                    id: None,
                    message: format!("the server is at its limit of {limit} connections"),
                    fatal: true,
                };
                tokio::spawn(async move {
                    let (mut reader, mut writer) = stream.into_split();
                    if let Ok(frame) = wire::frame(&refusal) {
                        let write = wire::write_frame(&mut writer, &frame);
                        let _ = tokio::time::timeout(shared.limits.write, write).await;
                    }
                    // Read what the client sent (its hello) before closing, so that it gets
                    // the refusal rather than a reset.
                    let _ = writer.shutdown().await;
                    let mut sink = tokio::io::sink();
                    let drain = tokio::io::copy(&mut reader, &mut sink);
                    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
                });
            }
        }
    }
}

/// One client: the hello, then requests until it leaves or sends something malformed.
async fn connection<P>(stream: TcpStream, peer: SocketAddr, shared: &Shared<P>) {
    let limits = &shared.limits;
    let (mut reader, writer) = stream.into_split();
    let (frames, queue) = mpsc::channel(limits.outgoing.max(1));
    let (close, closed) = watch::channel(None);
    let outbox = Outbox {
        frames,
        close: Arc::new(close),
    };
    let writing = tokio::spawn(write(writer, queue, closed, limits.write, peer));
    match hello(&mut reader, &outbox, shared).await {
        Ok(client) => {
            tracing::info!("{peer} connected ({client})");
            outbox.send(&Reply::Welcome {
                program: shared.program.to_string(),
                relations: shared.relations.clone(),
            });
            let reason = serve_requests(&mut reader, &outbox, shared).await;
            if !reason.is_empty() {
                tracing::warn!("{peer}: {reason}; disconnecting");
            }
            outbox.fail(reason);
        }
        Err(reason) => {
            if !reason.is_empty() {
                tracing::warn!("{peer}: {reason}; disconnecting");
                // Queued after the `NOAUTH` answers, not in their place: the client learns
                // why each request was refused, then why it is closed.
                outbox.send(&Reply::Error {
                    id: None,
                    message: reason,
                    fatal: true,
                });
            }
        }
    }
    drop(outbox);
    let _ = writing.await;
}

/// Requests a client without the token may make, each answered `NOAUTH`, before it is closed.
const UNAUTHENTICATED_REQUESTS: usize = 8;

/// The largest frame read from a client without the token: a hello is small, and until it
/// has said one, a client gets no more of the server's memory than this.
const UNAUTHENTICATED_FRAME: usize = 64 << 10;

/// Reads the client's hello, within the handshake limit: `Ok` with who it says it is, or why
/// the connection is closed (`""`: it left).
///
/// Without a token, the first request must be `Hello` (or `Authenticate`, its token ignored).
/// With one it must be `Authenticate` with that token: a wrong token closes the connection;
/// any other request is answered `NOAUTH` and applies nothing, until the client sends the token
/// or has made [`UNAUTHENTICATED_REQUESTS`] of them. Nothing about the program (its name, its
/// relations, its rows) is sent before the `Welcome`.
async fn hello<P>(
    reader: &mut tokio::net::tcp::OwnedReadHalf,
    outbox: &Outbox,
    shared: &Shared<P>,
) -> Result<String, String> {
    let limits = &shared.limits;
    let deadline = tokio::time::Instant::now() + limits.handshake;
    let Some(token) = &shared.token else {
        let first = tokio::time::timeout_at(deadline, wire::read_frame(reader, limits.max_frame));
        return match first.await {
            Err(_) => Err(format!("no hello within {:?}", limits.handshake)),
            Ok(Ok(None)) => Err(String::new()),
            Ok(Ok(Some(payload))) => match wire::decode::<Request>(&payload) {
                Ok(Request::Hello { client } | Request::Authenticate { client, .. }) => Ok(client),
                Ok(_) => Err("the first request must be Hello".into()),
                Err(e) => Err(e.to_string()),
            },
            Ok(Err(e)) => Err(e.to_string()),
        };
    };
    let frame_limit = limits.max_frame.min(UNAUTHENTICATED_FRAME);
    for _ in 0..UNAUTHENTICATED_REQUESTS {
        let next = tokio::time::timeout_at(deadline, wire::read_frame(reader, frame_limit));
        let payload = match next.await {
            Err(_) => return Err(format!("no token within {:?}", limits.handshake)),
            Ok(Ok(None)) => return Err(String::new()),
            Ok(Ok(Some(payload))) => payload,
            Ok(Err(e)) => return Err(e.to_string()),
        };
        let id = match wire::decode::<Request>(&payload).map_err(|e| e.to_string())? {
            Request::Authenticate {
                client,
                token: given,
            } if token.matches(&given) => {
                return Ok(client);
            }
            Request::Authenticate { .. } => {
                let wrong = wire::WRONGTOKEN;
                return Err(format!("{wrong} the token is not this server's"));
            }
            Request::Hello { .. } => None,
            Request::Insert { id, .. } | Request::Subscribe { id, .. } => Some(id),
        };
        outbox.send(&Reply::Error {
            id,
            message: noauth(),
            fatal: false,
        });
    }
    Err(format!(
        "{} after {UNAUTHENTICATED_REQUESTS} requests without the token",
        noauth()
    ))
}

/// The answer to a request made before the token.
fn noauth() -> String {
    let noauth = wire::NOAUTH;
    format!("{noauth} authentication required: this server serves only clients with its token")
}

/// Reads requests until the client leaves (`""`) or sends one that closes the connection.
async fn serve_requests<P>(
    reader: &mut tokio::net::tcp::OwnedReadHalf,
    outbox: &Outbox,
    shared: &Shared<P>,
) -> String {
    loop {
        let payload = match wire::read_frame(reader, shared.limits.max_frame).await {
            Ok(Some(payload)) => payload,
            Ok(None) => return String::new(),
            Err(e) => return e.to_string(),
        };
        let command = match wire::decode::<Request>(&payload) {
            Err(e) => return e.to_string(),
            Ok(Request::Hello { .. } | Request::Authenticate { .. }) => {
                return "a second Hello".into();
            }
            Ok(Request::Insert { id, relation, rows }) => {
                match shared.inputs.iter().find(|(name, _)| *name == relation) {
                    None => {
                        outbox.send(&not_found(id, "input", &relation));
                        continue;
                    }
                    Some((_, decode)) => match decode(&rows) {
                        Ok(apply) => Command::Insert {
                            id,
                            apply,
                            reply: outbox.clone(),
                        },
                        Err(e) => return format!("rows for `{relation}`: {e}"),
                    },
                }
            }
            Ok(Request::Subscribe { id, relation }) => {
                match shared.outputs.iter().position(|name| *name == relation) {
                    None => {
                        outbox.send(&not_found(id, "output", &relation));
                        continue;
                    }
                    Some(output) => Command::Subscribe {
                        id,
                        output,
                        reply: outbox.clone(),
                    },
                }
            }
        };
        if shared.commands.send(command).await.is_err() {
            return "the server is stopping".into();
        }
    }
}

fn not_found(id: u64, what: &str, relation: &str) -> Reply {
    Reply::Error {
        id: Some(id),
        message: format!("the program has no {what} named `{relation}`"),
        fatal: false,
    }
}

/// Writes a connection's replies; on close, the reason as a last error frame.
async fn write(
    mut writer: OwnedWriteHalf,
    mut queue: mpsc::Receiver<Vec<u8>>,
    mut closed: watch::Receiver<Option<String>>,
    limit: Duration,
    peer: SocketAddr,
) {
    loop {
        tokio::select! {
            biased;
            // Only a close breaks off: every `Outbox` gone (`Err`) lets what they queued be
            // written first.
            Ok(()) = closed.changed() => break,
            frame = queue.recv() => {
                let Some(frame) = frame else { break };
                let written = tokio::time::timeout(limit, wire::write_frame(&mut writer, &frame));
                if !matches!(written.await, Ok(Ok(()))) {
                    tracing::warn!("{peer}: a write failed or took over {limit:?}; disconnecting");
                    return;
                }
            }
        }
    }
    let reason = closed.borrow().clone().unwrap_or_default();
    if !reason.is_empty() {
        let error = Reply::Error {
            id: None,
            message: reason,
            fatal: true,
        };
        if let Ok(frame) = wire::frame(&error) {
            let _ = tokio::time::timeout(limit, wire::write_frame(&mut writer, &frame)).await;
        }
    }
    let _ = writer.shutdown().await;
}
