//! One client's connection: frames in, commands to its session or the service, replies out in
//! the order the commands came.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use redis_protocol::resp2::decode::decode_bytes_mut;
use redis_protocol::resp2::encode::extend_encode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use super::session::{Answer, Session};
use super::{Batch, Command, Counted, Frame};

/// A reply as the connection collects them: known now, or the service's next.
enum Slot {
    Now(Frame),
    Service,
}

/// Serves one client until it leaves, breaks the protocol, or the server stops.
pub(super) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    refusal: Option<&'static str>,
    counted: Counted,
    work: mpsc::Sender<Option<Batch>>,
) {
    let limits = &counted.shared.settings.limits;
    let mut out = BytesMut::new();
    if let Some(refusal) = refusal {
        tracing::warn!(%peer, refusal, "refused a RESP client");
        encode(&mut out, &Frame::Error(refusal.into()));
        let _ = write(&mut stream, &mut out, limits.write_timeout).await;
        return;
    }
    let mut session = Session::new(&counted.shared, counted.id);
    let mut input = BytesMut::with_capacity(16 << 10);
    let (mut slots, mut commands) = (Vec::new(), Vec::new());
    loop {
        match stream.read_buf(&mut input).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(%peer, %error, "a RESP client's connection failed");
                return;
            }
        }
        let close = read_commands(&mut input, &mut session, &mut slots, &mut commands, limits);
        if let Some(why) = &close {
            tracing::warn!(%peer, why, "closing a RESP connection");
        }
        let mut answers = Vec::new().into_iter();
        if !commands.is_empty() {
            let (reply, replies) = oneshot::channel();
            let batch = Batch {
                commands: std::mem::take(&mut commands),
                replies: reply,
            };
            if work.send(Some(batch)).await.is_err() {
                return;
            }
            match replies.await {
                Ok(replies) => answers = replies.into_iter(),
                Err(_) => return,
            }
        }
        for slot in slots.drain(..) {
            match slot {
                Slot::Now(frame) => encode(&mut out, &frame),
                Slot::Service => match answers.next() {
                    Some(frame) => encode(&mut out, &frame),
                    None => return,
                },
            }
        }
        if let Err(error) = write(&mut stream, &mut out, limits.write_timeout).await {
            tracing::warn!(%peer, %error, "dropped a RESP client that does not read its replies");
            return;
        }
        if close.is_some() {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// Decodes every complete frame in `input`: the session answers its own commands into
/// `slots`, the others go to `commands` with a slot for the service's reply. Returns why the
/// connection must close after these replies, if it must.
fn read_commands(
    input: &mut BytesMut,
    session: &mut Session,
    slots: &mut Vec<Slot>,
    commands: &mut Vec<Command>,
    limits: &super::RespLimits,
) -> Option<String> {
    loop {
        // Empty lines between commands are nothing (`redis-cli --pipe` sends one).
        let blank = input
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let _ = input.split_to(blank);
        match input.first() {
            None => return None,
            Some(b'*') => {}
            Some(_) => match inline(input, limits) {
                Ok(Line::Command(command)) => {
                    if let Some(close) = answer(command, session, slots, commands) {
                        return Some(close);
                    }
                    continue;
                }
                Ok(Line::Blank) => continue,
                Ok(Line::Incomplete) => return None,
                Err(error) => {
                    slots.push(Slot::Now(Frame::Error(error.as_str().into())));
                    return Some(error);
                }
            },
        }
        let frame = match decode_bytes_mut(input) {
            Ok(Some((frame, _, _))) => frame,
            Ok(None) if input.len() > limits.request => {
                let error = "ERR Protocol error: too big request";
                slots.push(Slot::Now(Frame::Error(error.into())));
                return Some(error.into());
            }
            Ok(None) => return None,
            Err(error) => {
                let error = format!("ERR Protocol error: {}", error.details());
                slots.push(Slot::Now(Frame::Error(error.as_str().into())));
                return Some(error);
            }
        };
        let command = match words(frame, limits) {
            Ok(Some(command)) => command,
            // An empty command is nothing to answer, as in Redis.
            Ok(None) => continue,
            Err(error) => {
                slots.push(Slot::Now(Frame::Error(error.as_str().into())));
                return Some(error);
            }
        };
        if let Some(close) = answer(command, session, slots, commands) {
            return Some(close);
        }
    }
}

/// Gives `command` to the session, or queues it for the service; why to close, if it must.
fn answer(
    command: Command,
    session: &mut Session,
    slots: &mut Vec<Slot>,
    commands: &mut Vec<Command>,
) -> Option<String> {
    match session.answer(&command) {
        Answer::Reply(frame) => slots.push(Slot::Now(frame)),
        Answer::Close(frame) => {
            slots.push(Slot::Now(frame));
            return Some("the client asked to quit".into());
        }
        Answer::Service => {
            slots.push(Slot::Service);
            commands.push(command);
        }
    }
    None
}

/// A line of an inline command, as far as it has come.
enum Line {
    Command(Command),
    Blank,
    Incomplete,
}

/// An inline command (a line of words, as typed into telnet; Redis takes these too): an error
/// if the line is longer than Redis allows.
fn inline(input: &mut BytesMut, limits: &super::RespLimits) -> Result<Line, String> {
    let Some(end) = input.iter().position(|b| *b == b'\n') else {
        if input.len() > INLINE.min(limits.request) {
            return Err("ERR Protocol error: too big inline request".into());
        }
        return Ok(Line::Incomplete);
    };
    let line = input.split_to(end + 1).freeze();
    let words: Vec<Bytes> = (line[..end].split(|b| b.is_ascii_whitespace()))
        .filter(|word| !word.is_empty())
        .map(|word| line.slice_ref(word))
        .collect();
    if words.len() > limits.args {
        return Err("ERR Protocol error: invalid multibulk length".into());
    }
    Ok(Command::new(words).map_or(Line::Blank, Line::Command))
}

/// The longest inline command, as in Redis.
const INLINE: usize = 64 << 10;

/// A command's words from its frame: an array of bulk strings within the limits.
fn words(frame: Frame, limits: &super::RespLimits) -> Result<Option<Command>, String> {
    let Frame::Array(items) = frame else {
        if matches!(frame, Frame::Null) {
            return Ok(None);
        }
        return Err("ERR Protocol error: expected an array of bulk strings".into());
    };
    if items.len() > limits.args {
        return Err("ERR Protocol error: invalid multibulk length".into());
    }
    let mut args: Vec<Bytes> = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Frame::BulkString(word) | Frame::SimpleString(word) if word.len() <= limits.bulk => {
                args.push(word)
            }
            Frame::BulkString(_) | Frame::SimpleString(_) => {
                return Err("ERR Protocol error: invalid bulk length".into());
            }
            _ => return Err("ERR Protocol error: expected '$'".into()),
        }
    }
    Ok(Command::new(args))
}

fn encode(out: &mut BytesMut, frame: &Frame) {
    // Encoding into a growable buffer fails only for frames no one here builds.
    if let Err(error) = extend_encode(out, frame, false) {
        tracing::error!(%error, "a reply could not be encoded");
    }
}

async fn write<S: AsyncWrite + Unpin>(
    stream: &mut S,
    out: &mut BytesMut,
    timeout: std::time::Duration,
) -> std::io::Result<()> {
    let written = tokio::time::timeout(timeout, async {
        stream.write_all(out).await?;
        stream.flush().await
    })
    .await;
    out.clear();
    match written {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("a write took longer than {timeout:?}"),
        )),
    }
}
