//! A Redis front end: RESP2 over TCP (or TLS), for a service that answers commands a tick at
//! a time.
//!
//! Connections run on a tokio runtime of the server's own. Each reads what its client sent,
//! decodes every complete frame with [`redis_protocol`] (pipelining: a client may send many
//! commands before reading a reply), answers what is the connection's own business (`PING`,
//! `AUTH`, `HELLO`, `CLIENT`, `COMMAND`, `CONFIG GET`, `SELECT`, `QUIT`: see [`session`]), and
//! queues the rest for the service, in order. The service lives on the thread that calls
//! [`RespServer::serve`]; each round it takes every command queued from every connection (up
//! to [`RespLimits::batch`]), answers them together ([`Service::call`]: a Blossom program
//! turns them into one tick's inputs), and hands each connection its replies, which it writes
//! back in the order its commands came, its own answers among them.
//!
//! Nothing a client sends can stop the server: a malformed frame gets Redis's
//! `-ERR Protocol error` and a closed connection, a request over a limit ([`RespLimits`]) an
//! error reply, a client that does not read its replies is dropped after
//! [`RespLimits::write_timeout`]; each is logged, and the other clients never notice. With a
//! password ([`RespSettings::password`], Redis's `requirepass`), every command but `AUTH`,
//! `HELLO` and `QUIT` answers `-NOAUTH` until the client has authenticated, so it neither
//! changes nor learns anything. Bound to a non-loopback address with no password, the server
//! refuses clients from other hosts (Redis's protected mode) unless told otherwise.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::server::{ServeError, Stop};

mod connection;
pub mod link;
pub mod session;

pub use crate::tls::{TlsError, TlsFiles};
pub use redis_protocol::resp2::types::BytesFrame as Frame;

/// One command as a client sent it: its name, then its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    args: Vec<Bytes>,
}

impl Command {
    /// A command from its words (the name first); `None` if there are none.
    pub fn new(args: Vec<Bytes>) -> Option<Command> {
        (!args.is_empty()).then_some(Command { args })
    }

    /// The command's name, as sent.
    pub fn name(&self) -> &[u8] {
        &self.args[0]
    }

    /// Whether the command is `name` (ASCII, in any case).
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }

    /// The arguments after the name.
    pub fn args(&self) -> &[Bytes] {
        &self.args[1..]
    }

    /// The name in lower case, as Redis's error messages quote it.
    pub fn lower_name(&self) -> String {
        String::from_utf8_lossy(self.name()).to_lowercase()
    }
}

/// What Redis's `COMMAND` tells a client about one command.
#[derive(Clone, Copy, Debug)]
pub struct CommandInfo {
    /// The name, in lower case.
    pub name: &'static str,
    /// The number of words, the name included; negative: at least that many.
    pub arity: i64,
    /// Redis's flags, such as `write`, `readonly`, `fast`.
    pub flags: &'static [&'static str],
    /// The positions of the first and last key (0: none; -1: the last word) and the step.
    pub keys: (i64, i64, i64),
}

/// What a [`RespServer`] serves: the commands that are not the connection's own business.
pub trait Service {
    /// Answers `commands` (from any connections, in the order they arrived): pushes one reply
    /// per command, in the same order. An error stops the server.
    fn call(&mut self, commands: &[Command], replies: &mut Vec<Frame>) -> Result<(), ServeError>;

    /// The commands it answers, for `COMMAND`.
    fn commands(&self) -> &'static [CommandInfo];

    /// The rest of the last call's replies, if some wait on work elsewhere (a command sent to
    /// another process): the call's replies are those it pushed, then the future's. The
    /// server keeps serving meanwhile, and answers those clients when it resolves; a client
    /// sends nothing more until it has its replies, so each client's replies stay in order.
    /// Default: none, every reply is pushed by the call.
    fn later(&mut self) -> Option<Later> {
        None
    }
}

/// Replies a [`Service`] gives later ([`Service::later`]).
pub type Later = Pin<Box<dyn Future<Output = Vec<Frame>> + Send>>;

/// What a RESP server allows, so that no client can take more than its share.
#[derive(Clone, Debug)]
pub struct RespLimits {
    /// Clients connected at once; one more gets `-ERR max number of clients reached`.
    /// Default 10,000 (Redis's `maxclients`).
    pub clients: usize,
    /// Words in one command; more: an error and a closed connection. Default 1,048,576.
    pub args: usize,
    /// Bytes in one word (Redis's `proto-max-bulk-len`). Default 64 MiB.
    pub bulk: usize,
    /// Bytes a client may send ahead of the complete commands it has sent (a frame still
    /// arriving, or one that never will): more, an error and a closed connection. Default
    /// 128 MiB.
    pub request: usize,
    /// Commands answered together at most, in one call of the service. Default 65,536.
    pub batch: usize,
    /// How long a write of replies may take before the client is dropped. Default 10 s.
    pub write_timeout: Duration,
}

impl Default for RespLimits {
    fn default() -> Self {
        RespLimits {
            clients: 10_000,
            args: 1 << 20,
            bulk: 64 << 20,
            request: 128 << 20,
            batch: 1 << 16,
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// How a RESP server listens and whom it lets in.
#[derive(Clone, Debug)]
pub struct RespSettings {
    /// Where to listen. Default `127.0.0.1:7379`: loopback only, beside a Redis on 6379.
    pub address: SocketAddr,
    /// The password clients must give with `AUTH` or `HELLO .. AUTH` (Redis's
    /// `requirepass`); `None`: every client is authenticated from the start.
    pub password: Option<String>,
    /// With no password and a non-loopback address, refuse clients from other hosts
    /// (Redis's `protected-mode`). Default on.
    pub protected: bool,
    /// Serve TLS instead of plain TCP, with this certificate chain and key.
    pub tls: Option<TlsFiles>,
    /// Threads for the connections. Default 1: a command's work is the service's.
    pub io_threads: usize,
    /// The limits.
    pub limits: RespLimits,
}

impl Default for RespSettings {
    fn default() -> Self {
        RespSettings {
            address: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            password: None,
            protected: true,
            tls: None,
            io_threads: 1,
            limits: RespLimits::default(),
        }
    }
}

/// The port a RESP server listens on by default: not Redis's 6379, so both can run.
pub const DEFAULT_PORT: u16 = 7379;

/// Commands of one connection for the service, and where their replies go.
struct Batch {
    commands: Vec<Command>,
    replies: oneshot::Sender<Vec<Frame>>,
}

/// What connections share: the settings, and counts for limits and ids.
struct Shared {
    settings: RespSettings,
    clients: AtomicUsize,
    next_id: AtomicU64,
    commands: &'static [CommandInfo],
}

/// A bound RESP server, ready to serve.
pub struct RespServer {
    listener: std::net::TcpListener,
    settings: RespSettings,
    stopped: Arc<AtomicBool>,
    wake: mpsc::Sender<Option<Batch>>,
    work: mpsc::Receiver<Option<Batch>>,
}

impl RespServer {
    /// Binds `settings.address` (port 0: any free port). TLS files are read when serving.
    pub fn bind(settings: RespSettings) -> Result<RespServer, ServeError> {
        let listener = std::net::TcpListener::bind(settings.address)?;
        listener.set_nonblocking(true)?;
        // Bounded: a client whose commands the service has not taken yet waits to send more.
        let (wake, work) = mpsc::channel(1024);
        Ok(RespServer {
            listener,
            settings,
            stopped: Arc::default(),
            wake,
            work,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that puts commands into the service's queue from inside the process.
    pub fn submitter(&self) -> Submitter {
        Submitter {
            wake: self.wake.clone(),
        }
    }

    /// A handle that stops [`RespServer::serve`] from another thread.
    pub fn stopper(&self) -> Stop {
        let wake = self.wake.clone();
        Stop::new(Arc::clone(&self.stopped), move || {
            let _ = wake.try_send(None);
        })
    }

    /// Serves until stopped or the service fails: connections on a runtime of their own,
    /// the service on this thread.
    pub fn serve(self, service: &mut impl Service) -> Result<(), ServeError> {
        let RespServer {
            listener,
            settings,
            stopped,
            wake,
            mut work,
        } = self;
        let acceptor = settings
            .tls
            .as_ref()
            .map(crate::tls::acceptor)
            .transpose()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(settings.io_threads.max(1))
            .thread_name("blossom-resp")
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            settings,
            clients: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            commands: service.commands(),
        });
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        runtime.spawn(accept(listener, acceptor, shared.clone(), wake));
        let batch = shared.settings.limits.batch.max(1);
        let (mut commands, mut replies, mut parts) = (Vec::new(), Vec::new(), Vec::new());
        while !stopped.load(Ordering::SeqCst) {
            // Waits for one connection's commands, then takes those of every connection that
            // has some queued, up to about `batch` commands: they are answered together.
            let mut next = match work.blocking_recv() {
                Some(Some(first)) => Some(first),
                Some(None) | None => continue,
            };
            while let Some(Batch {
                commands: more,
                replies: reply,
            }) = next.take()
            {
                parts.push((more.len(), reply));
                commands.extend(more);
                if commands.len() < batch {
                    next = work.try_recv().ok().flatten();
                }
            }
            replies.clear();
            service.call(&commands, &mut replies)?;
            let expected = commands.len();
            commands.clear();
            if let Some(later) = service.later() {
                let (mut now, parts) = (std::mem::take(&mut replies), std::mem::take(&mut parts));
                runtime.spawn(async move {
                    now.extend(later.await);
                    if now.len() == expected {
                        deliver(now.into_iter(), parts);
                    } else {
                        // Dropping the parts closes those connections: no client reads a
                        // reply to another command.
                        tracing::error!(
                            replies = now.len(),
                            expected,
                            "a service's late replies do not match its commands"
                        );
                    }
                });
                continue;
            }
            if replies.len() != expected {
                return Err(ServeError::Service(format!(
                    "{} replies to {expected} commands",
                    replies.len(),
                )));
            }
            deliver(replies.drain(..), parts.drain(..));
        }
        runtime.shutdown_timeout(Duration::from_millis(100));
        Ok(())
    }
}

/// Hands each connection its share of `replies`, in order.
fn deliver(
    mut answers: impl Iterator<Item = Frame>,
    parts: impl IntoIterator<Item = (usize, oneshot::Sender<Vec<Frame>>)>,
) {
    for (count, reply) in parts {
        // A client that went away meanwhile is no one's loss.
        let _ = reply.send(answers.by_ref().take(count).collect());
    }
}

/// Puts commands into a [`RespServer`]'s queue from inside the process, as a client would send
/// them but with no session (no password asked): a timer, or a link to another process that
/// has news for the service.
#[derive(Clone)]
pub struct Submitter {
    wake: mpsc::Sender<Option<Batch>>,
}

impl Submitter {
    /// Queues `commands` and waits for their replies; `None` if the server has stopped.
    pub async fn submit(&self, commands: Vec<Command>) -> Option<Vec<Frame>> {
        if commands.is_empty() {
            return Some(Vec::new());
        }
        let (reply, replies) = oneshot::channel();
        let batch = Batch {
            commands,
            replies: reply,
        };
        self.wake.send(Some(batch)).await.ok()?;
        replies.await.ok()
    }
}

/// Accepts connections until the server stops, each served by a task of its own.
async fn accept(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    work: mpsc::Sender<Option<Batch>>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors, say: wait a little rather than spin.
                tracing::warn!(%error, "accepting a RESP connection failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (shared, work, acceptor) = (shared.clone(), work.clone(), acceptor.clone());
        tokio::spawn(async move {
            let refusal = refuse(&shared, peer);
            let counted = Counted::new(&shared);
            match acceptor {
                None => connection::serve(stream, peer, refusal, counted, work).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => connection::serve(stream, peer, refusal, counted, work).await,
                    Err(error) => tracing::warn!(%peer, %error, "TLS handshake failed"),
                },
            }
        });
    }
}

/// Why a new client is refused at once, if it is: over the limit, or protected mode.
fn refuse(shared: &Shared, peer: SocketAddr) -> Option<&'static str> {
    let settings = &shared.settings;
    if shared.clients.load(Ordering::SeqCst) >= settings.limits.clients {
        return Some("ERR max number of clients reached");
    }
    let open = !settings.address.ip().is_loopback();
    if settings.protected && settings.password.is_none() && open && !is_loopback(peer.ip()) {
        return Some(PROTECTED);
    }
    None
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

const PROTECTED: &str = "DENIED Blossom is running in protected mode because it listens on a \
    non-loopback address and no password is set: only clients on this machine may connect. \
    Set a password (--requirepass), listen on loopback, or turn protected mode off \
    (--protected-mode no) if every client that can reach this address is trusted.";

/// A connected client, counted while it lives; and what its connection shares with others.
struct Counted {
    shared: Arc<Shared>,
    id: u64,
}

impl Counted {
    fn new(shared: &Arc<Shared>) -> Counted {
        shared.clients.fetch_add(1, Ordering::SeqCst);
        Counted {
            shared: Arc::clone(shared),
            id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.shared.clients.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(address: &str, password: Option<&str>, protected: bool) -> Shared {
        Shared {
            settings: RespSettings {
                address: address.parse().expect("an address"),
                password: password.map(str::to_string),
                protected,
                ..RespSettings::default()
            },
            clients: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            commands: &[],
        }
    }

    #[test]
    fn protected_mode_refuses_other_hosts_only_when_open_and_without_a_password() {
        let (local, remote, mapped) = (
            "127.0.0.1:5000".parse().expect("addr"),
            "192.0.2.7:5000".parse().expect("addr"),
            "[::ffff:127.0.0.1]:5000".parse().expect("addr"),
        );
        let open = shared("0.0.0.0:7379", None, true);
        assert_eq!(refuse(&open, remote), Some(PROTECTED));
        assert_eq!(refuse(&open, local), None);
        assert_eq!(refuse(&open, mapped), None);
        assert_eq!(
            refuse(&shared("0.0.0.0:7379", Some("pw"), true), remote),
            None
        );
        assert_eq!(refuse(&shared("0.0.0.0:7379", None, false), remote), None);
        // On loopback no other host can reach it anyway.
        assert_eq!(refuse(&shared("127.0.0.1:7379", None, true), remote), None);
    }

    #[test]
    fn a_full_server_refuses_one_more() {
        let mut full = shared("127.0.0.1:7379", None, true);
        full.settings.limits.clients = 1;
        full.clients.store(1, Ordering::SeqCst);
        let peer = "127.0.0.1:5000".parse().expect("addr");
        assert_eq!(
            refuse(&full, peer),
            Some("ERR max number of clients reached")
        );
    }
}
