//! What happens at a key's home: a tick's commands on the key, applied in the order they
//! arrived, each answered from the value as the commands before it left it.
//!
//! Every write is a merge into the key's [`Value`]: a `SET` or `DEL` stamps a new content
//! (later than any the key had), an `INCR` adds to a counter, an `SADD` to a set. So what the
//! store keeps converges however the writes reach a replica; what a command *answers* reads
//! the value where it is applied, as a read in Redis does.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::value::{Content, Replica, Stamp, Value, value};

/// A command on one key (a client's command on several keys is split into these).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KeyCommand {
    /// `GET`: the string (or a counter as a string), or nil.
    Get,
    /// `SET` and its variants: writes `value` if `only` allows, answering the old string
    /// instead of OK when `get` (`SET .. GET`, `GETSET`).
    Set {
        /// The new string.
        value: Bytes,
        /// `NX`: only if the key does not exist; `XX`: only if it does.
        only: Only,
        /// Answer the old string.
        get: bool,
    },
    /// `DEL`: 1 if the key existed (and now does not), 0 otherwise.
    Del,
    /// `EXISTS`: 1 or 0.
    Exists,
    /// `TYPE`: `string`, `set` or `none`.
    Type,
    /// `INCR`, `DECR`, `INCRBY`, `DECRBY`: adds to the counter and answers its new value.
    Incr(i64),
    /// `SADD`: the number of members that were not there.
    SAdd(Vec<Bytes>),
    /// `SREM`: the number of members that were there.
    SRem(Vec<Bytes>),
    /// `SMEMBERS`: every member, sorted.
    SMembers,
    /// `SISMEMBER`: 1 or 0.
    SIsMember(Bytes),
    /// `SCARD`: the number of members.
    SCard,
}

/// The condition of a `SET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Only {
    /// Always.
    Always,
    /// `NX`: if the key does not exist.
    IfAbsent,
    /// `XX`: if it does.
    IfPresent,
}

/// A command on a key as the key's home applies it: where its reply goes, and its stamp.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Op {
    /// Which of the tick's commands it answers (the router's numbering).
    pub slot: u32,
    /// When and where it was received: a write that replaces the content is stamped at least
    /// this, and counts its increments and adds at this node.
    pub stamp: Stamp,
    /// What it does.
    pub command: KeyCommand,
}

/// A key's commands in one round of the front end, in the order they arrived.
///
/// The commands are shared, not copied, as the row moves through the dataflow, and the row
/// hashes and compares by its round first: a round has one batch per key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Batch {
    /// The front end's round (each a tick): no two batches of a key share one.
    pub round: u64,
    /// The commands.
    pub ops: Arc<[Op]>,
}

impl Batch {
    /// The commands `ops` of round `round`.
    pub fn new(round: u64, ops: Vec<Op>) -> Batch {
        Batch {
            round,
            ops: ops.into(),
        }
    }
}

impl Hash for Batch {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal batches have equal rounds: hashing the round alone agrees with `Eq`.
        self.round.hash(state);
    }
}

/// A command's answer, before the front end writes it as RESP.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reply {
    /// `+OK`.
    Ok,
    /// A simple string such as a `TYPE`.
    Status(Bytes),
    /// Nil.
    Nil,
    /// An integer.
    Int(i64),
    /// A string.
    Bulk(Bytes),
    /// An array of strings.
    Members(Vec<Bytes>),
    /// An error, as Redis words it.
    Error(Failure),
}

/// Why a command failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Failure {
    /// The key holds another kind of value.
    WrongType,
    /// `INCR` on a string that is not an integer.
    NotInteger,
    /// The counter would leave the range of an `i64`.
    Overflow,
}

impl Failure {
    /// Redis's words for it.
    pub fn message(self) -> &'static str {
        match self {
            Failure::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            }
            Failure::NotInteger => "ERR value is not an integer or out of range",
            Failure::Overflow => "ERR increment or decrement would overflow",
        }
    }
}

/// What a key's batch did: the value it leaves, whether it wrote, and each command's reply.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Outcome {
    /// Each command's reply, with its slot.
    pub replies: Replies,
    /// The key's value after the batch.
    pub value: Value,
    /// Whether any command wrote (merged something new).
    pub wrote: bool,
}

/// A batch's replies, each with its command's slot; shared, and hashed by round, as [`Batch`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Replies {
    /// The batch's round.
    pub round: u64,
    /// The replies, in the batch's order.
    pub list: Arc<[(u32, Reply)]>,
}

impl Hash for Replies {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.round.hash(state);
    }
}

impl Batch {
    /// Applies the batch, in order, to the key's value `before` (bottom for a new key).
    ///
    /// Each command changes the value in place, and only ever makes it greater in the
    /// lattice order (a later stamp, or more increments or adds under the same one): the value
    /// after the batch is `before` merged with what the batch wrote.
    pub fn apply(&self, before: &Value) -> Outcome {
        let (mut stamp, mut content) = before.clone().into_inner();
        let mut wrote = false;
        let replies = (self.ops.iter())
            .map(|op| {
                let (reply, grew) = apply(&mut stamp, &mut content, op);
                wrote |= grew;
                (op.slot, reply)
            })
            .collect();
        Outcome {
            replies: Replies {
                round: self.round,
                list: replies,
            },
            value: value(stamp, content),
            wrote,
        }
    }
}

/// The value `FLUSHALL` stamped `stamp` leaves a key with: nothing, later than what it had.
pub fn flushed(stamp: Stamp, before: &Value) -> Value {
    value(later(stamp, *before.key()), Content::Absent)
}

/// A stamp for a write that replaces content stamped `current`: `stamp`, or just after
/// `current` if that is later (another node's clock ran ahead), so that the write wins here.
fn later(stamp: Stamp, current: Stamp) -> Stamp {
    Stamp {
        clock: stamp.clock.max(current.clock.saturating_add(1)),
        node: stamp.node,
    }
}

/// Applies `op` to the key's `stamp` and `content` in place: its reply, and whether the value
/// grew.
fn apply(stamp: &mut Stamp, content: &mut Content, op: &Op) -> (Reply, bool) {
    let node = op.stamp.node;
    let wrong = (Reply::Error(Failure::WrongType), false);
    // Replaces the content under a new stamp, later than the key's.
    let mut replace = |content: &mut Content, new: Content| {
        *stamp = later(op.stamp, *stamp);
        *content = new;
        true
    };
    match &op.command {
        KeyCommand::Get => (
            string(content).unwrap_or(Reply::Error(Failure::WrongType)),
            false,
        ),
        KeyCommand::Set { value, only, get } => {
            // `None`: the key holds a set, which `SET .. GET` refuses and plain `SET` replaces.
            let old = string(content);
            if *get && old.is_none() {
                return wrong;
            }
            let allowed = match only {
                Only::Always => true,
                Only::IfAbsent => !content.exists(),
                Only::IfPresent => content.exists(),
            };
            let reply = match (*get, allowed) {
                (true, _) => old.unwrap_or(Reply::Nil),
                (false, true) => Reply::Ok,
                (false, false) => Reply::Nil,
            };
            let grew = allowed && replace(content, Content::Str(value.clone()));
            (reply, grew)
        }
        KeyCommand::Del if content.exists() => (Reply::Int(1), replace(content, Content::Absent)),
        KeyCommand::Del => (Reply::Int(0), false),
        KeyCommand::Exists => (Reply::Int(i64::from(content.exists())), false),
        KeyCommand::Type => (
            Reply::Status(Bytes::from_static(content.kind().as_bytes())),
            false,
        ),
        KeyCommand::Incr(by) => {
            let start = match content {
                Content::Counter { .. } => None,
                Content::Absent => Some(0),
                Content::Str(text) => match parse_integer(text) {
                    Some(base) => Some(base),
                    None => return (Reply::Error(Failure::NotInteger), false),
                },
                // Redis deleted the set with its last member: a new counter replaces it.
                Content::Set(set) if set.is_empty() => {
                    let mut delta = Default::default();
                    return match add(0, &mut delta, node, *by) {
                        Some(total) => (
                            Reply::Int(total),
                            replace(content, Content::Counter { base: 0, delta }),
                        ),
                        None => (Reply::Error(Failure::Overflow), false),
                    };
                }
                Content::Set(_) => return wrong,
            };
            // Nothing or a string becomes a counter in the same stamp (a greater kind), if the
            // increment fits.
            if let Some(base) = start {
                let mut delta = Default::default();
                return match add(base, &mut delta, node, *by) {
                    Some(total) => {
                        *content = Content::Counter { base, delta };
                        (Reply::Int(total), true)
                    }
                    None => (Reply::Error(Failure::Overflow), false),
                };
            }
            let Content::Counter { base, delta } = content else {
                return wrong;
            };
            match add(*base, delta, node, *by) {
                Some(total) => (Reply::Int(total), true),
                None => (Reply::Error(Failure::Overflow), false),
            }
        }
        KeyCommand::SAdd(members) => {
            if matches!(content, Content::Absent) {
                *content = Content::Set(Default::default());
            }
            let Content::Set(set) = content else {
                return wrong;
            };
            let mut added = 0;
            for (i, member) in members.iter().enumerate() {
                // The tag is unique to this add: the front end leaves a clock tick per member.
                let tag = (node, op.stamp.clock.saturating_add(i as u64));
                if !set.contains(member) && set.add_tagged(member.clone(), tag) {
                    added += 1;
                }
            }
            (Reply::Int(added), added > 0)
        }
        KeyCommand::SRem(members) => match content {
            Content::Absent => (Reply::Int(0), false),
            Content::Set(set) => {
                let removed = members.iter().filter(|m| set.remove(m)).count() as i64;
                (Reply::Int(removed), removed > 0)
            }
            Content::Str(_) | Content::Counter { .. } => wrong,
        },
        KeyCommand::SMembers => match content {
            Content::Absent => (Reply::Members(Vec::new()), false),
            Content::Set(set) => (Reply::Members(set.iter().cloned().collect()), false),
            Content::Str(_) | Content::Counter { .. } => wrong,
        },
        KeyCommand::SIsMember(member) => match content {
            Content::Absent => (Reply::Int(0), false),
            Content::Set(set) => (Reply::Int(i64::from(set.contains(member))), false),
            Content::Str(_) | Content::Counter { .. } => wrong,
        },
        KeyCommand::SCard => match content {
            Content::Absent => (Reply::Int(0), false),
            Content::Set(set) => (Reply::Int(set.len() as i64), false),
            Content::Str(_) | Content::Counter { .. } => wrong,
        },
    }
}

/// What `GET` answers for `content`: its string, nil, or `None` for a set.
fn string(content: &Content) -> Option<Reply> {
    match content {
        Content::Absent => Some(Reply::Nil),
        Content::Str(text) => Some(Reply::Bulk(text.clone())),
        Content::Counter { base, delta } => Some(match Content::counter(*base, delta) {
            Some(total) => Reply::Bulk(Bytes::from(total.to_string())),
            None => Reply::Error(Failure::Overflow),
        }),
        Content::Set(set) if set.is_empty() => Some(Reply::Nil),
        Content::Set(_) => None,
    }
}

/// Adds `by` to the counter `base + delta` at `node`; its new value, or `None` if that (or the
/// node's own count of increments or decrements) would overflow.
fn add(base: i64, delta: &mut blossom::PNCounter<Replica>, node: Replica, by: i64) -> Option<i64> {
    let total = Content::counter(base, delta)?.checked_add(by)?;
    let magnitude = by.unsigned_abs();
    let counts = if by >= 0 {
        delta.increments()
    } else {
        delta.decrements()
    };
    counts.count_of(&node).checked_add(magnitude)?;
    if by >= 0 {
        delta.increment(node, magnitude);
    } else {
        delta.decrement(node, magnitude);
    }
    Some(total)
}

/// An integer as Redis reads one from a string: an optional `-`, digits, no leading zeros or
/// spaces, within an `i64`.
pub fn parse_integer(text: &[u8]) -> Option<i64> {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    let canonical = match digits {
        [] => false,
        [b'0'] => text.len() == 1,
        [first, ..] => *first != b'0' && digits.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}
