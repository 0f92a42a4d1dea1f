//! Frames and the messages they carry between a client and a served program.
//!
//! A frame is a 4-byte big-endian length (of what follows it), a version byte ([`VERSION`]),
//! and a payload: one [`Request`] (client to server) or [`Reply`] (server to client), encoded
//! with bincode. Rows travel inside as bincode of a `Vec` of the relation's row type, so the
//! framing needs no row types; the handshake tells each side the other's row types by name.
//!
//! A server with a shared token ([`crate::Token`]) answers every request but
//! [`Request::Authenticate`] with an error whose message starts [`NOAUTH`], until a client has
//! sent the token, and closes the connection after a wrong one ([`WRONGTOKEN`]).
//! `Authenticate` came after version 1's other messages and is appended to them, so every
//! frame a peer without tokens sends or reads is unchanged, and [`VERSION`] stays 1; a server
//! from before tokens answers `Authenticate` with a malformed-payload error.
//!
//! Every read and decode returns a [`WireError`]: a frame longer than the limit is refused
//! from its header, before its payload is read; a decode may not allocate more than the bytes
//! it was given.

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The version of the frames and messages; a frame with another is refused.
pub const VERSION: u8 = 1;

/// How the message of an error answering a request made before the token starts.
pub const NOAUTH: &str = "NOAUTH";

/// How the message of the error answering a wrong token starts (the connection is closed).
pub const WRONGTOKEN: &str = "WRONGTOKEN";

/// What a frame says before its payload: its length and version.
const HEADER: usize = 5;

/// Why a frame could not be read or a message decoded.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The connection failed.
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    /// The connection closed in the middle of a frame.
    #[error("the connection closed in the middle of a frame")]
    Truncated,
    /// The header announced more than the limit.
    #[error("a frame of {length} bytes is over the limit of {limit}")]
    Oversized {
        /// The announced length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A frame of length 0 has no version byte.
    #[error("an empty frame (no version byte)")]
    Empty,
    /// The frame's version is not [`VERSION`].
    #[error("frame version {found}, but this end speaks version {VERSION}")]
    Version {
        /// The version the frame had.
        found: u8,
    },
    /// The payload is not a message, or rows are not of the relation's type.
    #[error("malformed payload: {0}")]
    Malformed(String),
}

/// A relation a served program offers: its name, whether clients insert into it (an input) or
/// subscribe to it (an output), and its row type's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationInfo {
    /// The name, as declared in the program.
    pub name: String,
    /// `true` for an input, `false` for an output.
    pub input: bool,
    /// The row type, as `std::any::type_name` writes it.
    pub rows: String,
}

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// The first message of a connection.
    Hello {
        /// Who is asking (logged).
        client: String,
    },
    /// Rows for an input, for the next tick.
    Insert {
        /// Chosen by the client; the reply carries it.
        id: u64,
        /// The input's name.
        relation: String,
        /// bincode of a `Vec` of rows.
        rows: Vec<u8>,
    },
    /// An output's rows now, then its changes each tick.
    Subscribe {
        /// Chosen by the client; the reply carries it.
        id: u64,
        /// The output's name.
        relation: String,
    },
    /// The first message of a connection, with the server's shared token. A server without a
    /// token takes it as `Hello`, whatever the token.
    Authenticate {
        /// Who is asking (logged).
        client: String,
        /// The token.
        token: String,
    },
}

/// What a server answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The answer to `Hello`: the program and what it serves.
    Welcome {
        /// The program's name.
        program: String,
        /// Its inputs and outputs.
        relations: Vec<RelationInfo>,
    },
    /// The rows of `Insert` `id` held in tick `tick`.
    Inserted {
        /// The request's id.
        id: u64,
        /// The number of rows.
        rows: u64,
        /// The tick they held in (counted from 0).
        tick: u64,
    },
    /// An output's changes in a tick; the first after a `Subscribe` is every row it has.
    Changes {
        /// The `Subscribe` request's id.
        id: u64,
        /// The tick (counted from 0); the first message's is the last tick run, if any.
        tick: Option<u64>,
        /// bincode of a `Vec` of rows added.
        added: Vec<u8>,
        /// bincode of a `Vec` of rows removed.
        removed: Vec<u8>,
    },
    /// A request failed. `fatal`: the server closes the connection after this.
    Error {
        /// The request's id, if the error is about one.
        id: Option<u64>,
        /// What went wrong.
        message: String,
        /// Whether the connection is closed after it.
        fatal: bool,
    },
}

/// The bincode options of every payload: at most `limit` bytes read (and so allocated).
fn options(limit: usize) -> impl Options {
    bincode::DefaultOptions::new().with_limit(limit as u64)
}

/// `message` as a whole frame: header and payload.
pub fn frame<T: Serialize>(message: &T) -> Result<Vec<u8>, WireError> {
    let mut bytes = vec![0; HEADER];
    (bincode::DefaultOptions::new().serialize_into(&mut bytes, message))
        .map_err(|e| WireError::Malformed(e.to_string()))?;
    let length = u32::try_from(bytes.len() - 4).map_err(|_| WireError::Oversized {
        length: bytes.len() - 4,
        limit: u32::MAX as usize,
    })?;
    bytes[..4].copy_from_slice(&length.to_be_bytes());
    bytes[4] = VERSION;
    Ok(bytes)
}

/// Decodes a frame's payload.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, WireError> {
    (options(payload.len()).deserialize(payload)).map_err(|e| WireError::Malformed(e.to_string()))
}

/// Rows as they travel inside a message.
pub fn encode_rows<D: Serialize>(rows: &[D]) -> Result<Vec<u8>, WireError> {
    (bincode::DefaultOptions::new().serialize(rows))
        .map_err(|e| WireError::Malformed(e.to_string()))
}

/// Rows from inside a message; an error if they are not rows of type `D`.
pub fn decode_rows<D: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<D>, WireError> {
    decode(bytes)
}

/// Reads one frame's payload: `None` if the connection closed between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Option<Vec<u8>>, WireError> {
    let mut length = [0u8; 4];
    match reader.read(&mut length[..1]).await? {
        0 => return Ok(None),
        _ => read_all(reader, &mut length[1..]).await?,
    }
    let length = u32::from_be_bytes(length) as usize;
    if length == 0 {
        return Err(WireError::Empty);
    }
    if length - 1 > limit {
        return Err(WireError::Oversized {
            length: length - 1,
            limit,
        });
    }
    let mut version = [0u8; 1];
    read_all(reader, &mut version).await?;
    if version[0] != VERSION {
        return Err(WireError::Version { found: version[0] });
    }
    let mut payload = vec![0; length - 1];
    read_all(reader, &mut payload).await?;
    Ok(Some(payload))
}

/// Fills `buf`, or says the frame was cut short.
async fn read_all<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> Result<(), WireError> {
    match reader.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(WireError::Truncated),
        Err(e) => Err(WireError::Io(e)),
    }
}

/// Writes a whole frame.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &[u8],
) -> Result<(), WireError> {
    writer.write_all(frame).await?;
    writer.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(message: &Request) -> Result<Request, WireError> {
        let bytes = frame(message)?;
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        runtime.block_on(async {
            let payload = read_frame(&mut &bytes[..], 1 << 20).await?;
            decode(&payload.ok_or(WireError::Truncated)?)
        })
    }

    #[test]
    fn a_message_survives_its_frame() {
        let rows = encode_rows(&[(1u32, "a".to_string()), (2, "b".into())]).unwrap();
        let message = Request::Insert {
            id: 7,
            relation: "said".into(),
            rows: rows.clone(),
        };
        assert_eq!(roundtrip(&message).unwrap(), message);
        let back: Vec<(u32, String)> = decode_rows(&rows).unwrap();
        assert_eq!(back, [(1, "a".to_string()), (2, "b".into())]);
    }

    #[test]
    fn the_frames_from_before_tokens_are_unchanged() {
        // Version 1's messages as a server without tokens sent and read them: appending
        // `Authenticate` must not renumber them.
        let hello = frame(&Request::Hello { client: "x".into() }).unwrap();
        assert_eq!(hello, [0, 0, 0, 4, VERSION, 0, 1, b'x']);
        let subscribe = Request::Subscribe {
            id: 1,
            relation: "r".into(),
        };
        assert_eq!(frame(&subscribe).unwrap()[5], 2);
        let authenticate = Request::Authenticate {
            client: "x".into(),
            token: "t".into(),
        };
        assert_eq!(roundtrip(&authenticate).unwrap(), authenticate);
    }

    #[test]
    fn bad_frames_are_errors() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let read = |bytes: Vec<u8>, limit| {
            runtime.block_on(async move { read_frame(&mut &bytes[..], limit).await })
        };
        let good = frame(&Request::Hello { client: "x".into() }).unwrap();
        assert!(matches!(read(Vec::new(), 100), Ok(None)));
        assert!(matches!(
            read(good[..3].to_vec(), 100),
            Err(WireError::Truncated)
        ));
        assert!(matches!(
            read(good[..good.len() - 1].to_vec(), 100),
            Err(WireError::Truncated)
        ));
        assert!(matches!(
            read(good.clone(), 2),
            Err(WireError::Oversized { .. })
        ));
        assert!(matches!(read(vec![0, 0, 0, 0], 100), Err(WireError::Empty)));
        let mut other = good.clone();
        other[4] = VERSION + 1;
        assert!(
            matches!(read(other, 100), Err(WireError::Version { found }) if found == VERSION + 1)
        );
        // A payload claiming a string of 2^60 bytes is refused, not allocated.
        let mut huge = vec![0u8];
        huge.extend([253, 0, 0, 0, 0, 0, 0, 0, 0x10]);
        assert!(matches!(
            decode::<Request>(&huge),
            Err(WireError::Malformed(_))
        ));
        // Rows of another type.
        let rows = encode_rows(&["not a number".to_string()]).unwrap();
        assert!(decode_rows::<(u64, u64)>(&rows).is_err());
    }
}
