//! A link to another RESP server, kept open: requests pipelined, the link reconnected when it
//! drops (a store's processes forward commands and gossip to each other through these).
//!
//! A link's task connects (authenticating with `AUTH` when given a password), then writes
//! each request's commands as they come and, on a task of its own, reads the replies and hands
//! each request its own, in order: requests do not wait for each other's replies. While the
//! link is down a request fails at once ([`LinkDown`]), and the task tries again after a
//! pause that doubles from [`LinkSettings::retry`] up to [`LinkSettings::retry_max`], forever
//! (a peer of a cluster is expected back); each failure is logged once per outage.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use redis_protocol::resp2::decode::decode_bytes_mut;
use redis_protocol::resp2::encode::extend_encode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::Frame;

/// Where a link goes and how it gets in.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    /// `host:port` of the server.
    pub address: String,
    /// The server's password (`AUTH`), if it asks for one.
    pub password: Option<String>,
    /// How long a connection attempt may take. Default 1 s.
    pub connect_timeout: Duration,
    /// The first pause after a failed attempt. Default 20 ms.
    pub retry: Duration,
    /// The longest pause between attempts. Default 1 s.
    pub retry_max: Duration,
}

impl LinkSettings {
    /// A link to `address` with the default timings.
    pub fn new(address: impl Into<String>, password: Option<String>) -> LinkSettings {
        LinkSettings {
            address: address.into(),
            password,
            connect_timeout: Duration::from_secs(1),
            retry: Duration::from_millis(20),
            retry_max: Duration::from_secs(1),
        }
    }
}

/// A request's commands could not be answered: the link was down, or dropped before the
/// replies came (the commands may or may not have been applied).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the link to {address} is down")]
pub struct LinkDown {
    /// The server's address.
    pub address: String,
}

/// The replies to a request, when they come.
pub type Replies = oneshot::Receiver<Result<Vec<Frame>, LinkDown>>;

/// A kept-open link to a RESP server; the link's task ends when this is dropped.
pub struct RespLink {
    requests: mpsc::UnboundedSender<Request>,
    up: Arc<AtomicBool>,
}

struct Request {
    commands: Vec<Vec<Bytes>>,
    replies: Option<oneshot::Sender<Result<Vec<Frame>, LinkDown>>>,
}

impl RespLink {
    /// Starts the link's task on `runtime`; `connected` is called each time it (re)connects.
    pub fn spawn(
        runtime: &tokio::runtime::Handle,
        settings: LinkSettings,
        connected: impl Fn() + Send + Sync + 'static,
    ) -> RespLink {
        let (requests, queue) = mpsc::unbounded_channel();
        let up = Arc::new(AtomicBool::new(false));
        runtime.spawn(run(settings, queue, Arc::clone(&up), connected));
        RespLink { requests, up }
    }

    /// Whether the link is connected now.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Sends `commands` (each its words, the name first); their replies, in order.
    pub fn send(&self, commands: Vec<Vec<Bytes>>) -> Replies {
        let (reply, replies) = oneshot::channel();
        let request = Request {
            commands,
            replies: Some(reply),
        };
        // If the task has ended, the dropped sender tells the caller.
        let _ = self.requests.send(request);
        replies
    }

    /// Sends `commands` and forgets their replies.
    pub fn tell(&self, commands: Vec<Vec<Bytes>>) {
        let _ = self.requests.send(Request {
            commands,
            replies: None,
        });
    }
}

async fn run(
    settings: LinkSettings,
    mut queue: mpsc::UnboundedReceiver<Request>,
    up: Arc<AtomicBool>,
    connected: impl Fn() + Send + Sync + 'static,
) {
    let down = || LinkDown {
        address: settings.address.clone(),
    };
    let mut pause = settings.retry;
    let mut logged = false;
    loop {
        match connect(&settings).await {
            Ok(stream) => {
                tracing::info!(address = %settings.address, "RESP link connected");
                (pause, logged) = (settings.retry, false);
                up.store(true, Ordering::SeqCst);
                connected();
                let ended = serve(stream, &mut queue, &down).await;
                up.store(false, Ordering::SeqCst);
                match ended {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(address = %settings.address, %error, "RESP link dropped");
                    }
                }
            }
            Err(error) if !logged => {
                tracing::warn!(address = %settings.address, %error, "RESP link cannot connect; retrying");
                logged = true;
            }
            Err(_) => {}
        }
        // Down: whatever comes fails at once until the next attempt.
        let retry = tokio::time::sleep(pause);
        tokio::pin!(retry);
        pause = (pause * 2).min(settings.retry_max);
        loop {
            tokio::select! {
                () = &mut retry => break,
                request = queue.recv() => match request {
                    Some(request) => fail(request, &down),
                    None => return,
                },
            }
        }
    }
}

fn fail(request: Request, down: &impl Fn() -> LinkDown) {
    if let Some(replies) = request.replies {
        let _ = replies.send(Err(down()));
    }
}

async fn connect(settings: &LinkSettings) -> std::io::Result<TcpStream> {
    let attempt = async {
        let mut stream = TcpStream::connect(&settings.address).await?;
        stream.set_nodelay(true)?;
        if let Some(password) = &settings.password {
            let auth = vec![Bytes::from_static(b"AUTH"), Bytes::from(password.clone())];
            let mut out = BytesMut::new();
            encode(&mut out, &auth)?;
            stream.write_all(&out).await?;
            let mut input = BytesMut::new();
            if let Frame::Error(error) = read_frame(&mut stream, &mut input).await? {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("AUTH refused: {error}"),
                ));
            }
        }
        Ok(stream)
    };
    match tokio::time::timeout(settings.connect_timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "connecting took too long",
        )),
    }
}

/// Serves requests over `stream` until it fails (`Err`) or every sender is gone (`Ok`).
async fn serve(
    stream: TcpStream,
    queue: &mut mpsc::UnboundedReceiver<Request>,
    down: &impl Fn() -> LinkDown,
) -> std::io::Result<()> {
    let (mut reader, mut writer) = stream.into_split();
    // What the writer sent, in order: how many replies, and who wants them.
    let (sent, mut awaited) = mpsc::unbounded_channel::<Request>();
    let write = async {
        let mut out = BytesMut::new();
        while let Some(request) = queue.recv().await {
            out.clear();
            for command in &request.commands {
                encode(&mut out, command)?;
            }
            let _ = sent.send(request);
            writer.write_all(&out).await?;
        }
        Ok(())
    };
    // Reads all the time, so that a peer that goes away is noticed while nothing is asked.
    let read = async {
        let mut input = BytesMut::with_capacity(16 << 10);
        let mut waiting: VecDeque<(Request, Vec<Frame>)> = VecDeque::new();
        loop {
            while let Some(frame) = decode(&mut input)? {
                let Some((request, frames)) = waiting.front_mut() else {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "a reply to no request",
                    ));
                };
                frames.push(frame);
                if frames.len() == request.commands.len()
                    && let Some((request, frames)) = waiting.pop_front()
                    && let Some(replies) = request.replies
                {
                    let _ = replies.send(Ok(frames));
                }
            }
            tokio::select! {
                request = awaited.recv() => match request {
                    Some(request) if request.commands.is_empty() => {
                        if let Some(replies) = request.replies {
                            let _ = replies.send(Ok(Vec::new()));
                        }
                    }
                    Some(request) => waiting.push_back((request, Vec::new())),
                    None => return Ok(()),
                },
                read = reader.read_buf(&mut input) => {
                    if read? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        }
    };
    let ended = tokio::select! {
        ended = write => ended,
        ended = read => ended,
    };
    // Requests sent but not answered learn the link is down.
    while let Ok(request) = awaited.try_recv() {
        fail(request, down);
    }
    ended
}

/// The next complete frame in `input`, if there is one; a malformed one is an error (the
/// link is dropped).
fn decode(input: &mut BytesMut) -> std::io::Result<Option<Frame>> {
    match decode_bytes_mut(input) {
        Ok(found) => Ok(found.map(|(frame, _, _)| frame)),
        Err(error) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("malformed reply: {error:?}"),
        )),
    }
}

/// Reads one frame, buffering in `input`.
async fn read_frame(
    stream: &mut (impl AsyncRead + Unpin),
    input: &mut BytesMut,
) -> std::io::Result<Frame> {
    loop {
        if let Some(frame) = decode(input)? {
            return Ok(frame);
        }
        if stream.read_buf(input).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

fn encode(out: &mut BytesMut, words: &[Bytes]) -> std::io::Result<()> {
    let frame = Frame::Array(words.iter().cloned().map(Frame::BulkString).collect());
    extend_encode(out, &frame, false)
        .map(|_| ())
        .map_err(|error| std::io::Error::other(format!("cannot encode a command: {error:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_link_to_nowhere_fails_its_requests_and_a_served_one_answers_in_order() {
        let nowhere = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = nowhere.local_addr().expect("bound").to_string();
        drop(nowhere);
        let runtime = tokio::runtime::Handle::current();
        let link = RespLink::spawn(&runtime, LinkSettings::new(&address, None), || {});
        let replies = link.send(vec![vec![Bytes::from_static(b"PING")]]);
        assert_eq!(replies.await.expect("answered"), Err(LinkDown { address }));

        // A server that answers each command with its own first argument.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("bound").to_string();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("a client");
            let mut input = BytesMut::new();
            loop {
                let Ok(Frame::Array(words)) = read_frame(&mut stream, &mut input).await else {
                    return;
                };
                let mut out = BytesMut::new();
                let _ = extend_encode(&mut out, &words[1], false);
                let _ = stream.write_all(&out).await;
            }
        });
        let (tx, mut connected) = mpsc::unbounded_channel();
        let link = RespLink::spawn(&runtime, LinkSettings::new(&address, None), move || {
            let _ = tx.send(());
        });
        connected.recv().await.expect("connects");
        let echo =
            |word: &'static [u8]| vec![Bytes::from_static(b"ECHO"), Bytes::from_static(word)];
        let first = link.send(vec![echo(b"a"), echo(b"b")]);
        let second = link.send(vec![echo(b"c")]);
        let bulk = |word: &'static [u8]| Frame::BulkString(Bytes::from_static(word));
        assert_eq!(
            first.await.expect("answered"),
            Ok(vec![bulk(b"a"), bulk(b"b")])
        );
        assert_eq!(second.await.expect("answered"), Ok(vec![bulk(b"c")]));
        assert!(link.is_up());
    }
}
