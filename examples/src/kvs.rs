//! A key-value store in the manner of Anna, written as a Blossom program and spoken to in
//! Redis's protocol: `cargo run --release -p blossom-examples --bin kvs`, then `redis-cli -p
//! 7379`.
//!
//! The state is one lattice relation, `store`, from each key to its [`Value`]: a
//! last-writer-wins register over a string, a counter ([`blossom::PNCounter`]) or a set
//! ([`blossom::OrSet`]). Every command that writes is a merge into it, so the store is a
//! join-semilattice, and replicas that see the same writes, in any order and any number of
//! times, agree. Keys live where `store` is partitioned, by key over the workers (and the
//! processes of a cluster): the front end ([`router`]) takes a tick's commands from every
//! client, groups each key's commands in the order they came, and the program applies each
//! group at the key's home ([`Batch::apply`]), answering every command from the value as the
//! commands before it left it; the tick then merges what was written.
//!
//! In a cluster ([`Cluster`]) each process runs this program over its own keys: a key's
//! homes are picked by [`Ring`], commands on another process's keys are forwarded there, and
//! what a tick's commands wrote (`changed`) is sent to the key's other homes, which merge it
//! (`gossip`); a process that (re)connects to another is sent every value of its share
//! (`sweep`), so a replica that missed writes converges.
//!
//! ```
//! use blossom_examples::kvs::{Batch, KeyCommand, Kvs, Op, Only, Reply, Stamp, Value, bytes};
//!
//! let mut store = Kvs::new();
//! let op = |slot: u32, command| Op { slot, stamp: Stamp { clock: 10 + u64::from(slot), node: 0 }, command };
//! let set = KeyCommand::Set { value: bytes("1"), only: Only::Always, get: false };
//! store.command.insert((bytes("k"), Batch::new(1, vec![op(0, set), op(1, KeyCommand::Incr(41))])));
//! store.tick()?;
//! let (key, replies) = &store.replied.snapshot()?[0];
//! assert_eq!((key, &replies.list[..]), (&bytes("k"), &[(0, Reply::Ok), (1, Reply::Int(42))][..]));
//!
//! // The next tick reads what the last one wrote.
//! store.command.insert((bytes("k"), Batch::new(2, vec![op(0, KeyCommand::Get)])));
//! store.tick()?;
//! assert_eq!(&store.replied.snapshot()?[0].1.list[..], &[(0, Reply::Bulk(bytes("42")))]);
//! # Ok::<(), blossom::Error>(())
//! ```

use blossom::Lattice;
use bytes::Bytes;

mod cluster;
mod op;
mod ring;
pub mod router;
mod value;

pub use cluster::{Cluster, decode_value, encode_value};
pub use op::{
    Batch, Failure, KeyCommand, Only, Op, Outcome, Replies, Reply, flushed, parse_integer,
};
pub use ring::{Ring, Share};
pub use value::{Content, Replica, Stamp, Value, bytes, value};

blossom::program! {
    /// The store: each key's commands of a tick applied at the key's home, and what they write
    /// merged into `store` for the next tick.
    pub Kvs {
        /// A tick's commands on one key, in the order they came.
        input   command(key: Bytes, batch: Batch);
        /// `KEYS`, `SCAN` and `DBSIZE`: the keys matching a pattern, for request `request`.
        input   scan(request: u64, pattern: Pattern);
        /// `FLUSHALL`: every key deleted, stamped.
        input   flush(stamp: Stamp);
        /// Values another process of the cluster holds (gossip and anti-entropy).
        input   gossip(key: Bytes, value: Value);
        /// An anti-entropy sweep, for request `request`: the keys in a process's share.
        input   sweep(request: u64, share: Share);
        /// Every key's value.
        lattice store(key: Bytes) -> Value;
        /// What each key's commands did this tick.
        scratch applied(key: Bytes, outcome: Outcome);
        /// Each key's replies this tick.
        output  replied(key: Bytes, replies: Replies);
        /// The keys each scan found.
        output  found(request: u64, key: Bytes);
        /// The values this tick's commands wrote, for the key's other homes.
        output  changed(key: Bytes, value: Value);
        /// The keys and values each sweep found.
        output  swept(request: u64, key: Bytes, value: Value);

        // A new key starts from bottom, so that its commands meet a value to apply to.
        store(k, Value::bottom()) <= command(k, _);
        applied(k, b.apply(&v)) <= command(k, b), store(k, v);
        store(k, o.value.clone()) <+ applied(k, o), if o.wrote;
        replied(k, o.replies.clone()) <= applied(k, o);
        found(r, k) <= scan(r, p), store(k, v), if p.matches(&k, &v);
        store(k, flushed(s, &v)) <+ flush(s), store(k, v);
        // What another home holds is merged: in any order, any number of times.
        store(k, v) <= gossip(k, v);
        changed(k, o.value.clone()) <= applied(k, o), if o.wrote;
        swept(r, k, v) <= sweep(r, s), store(k, v), if s.holds(&k);
    }
}

/// What a scan looks for: keys matching a glob, that exist, of a kind if one is given.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Pattern {
    /// Redis's glob ([`blossom_net::glob`]).
    pub glob: Bytes,
    /// `TYPE string` or `TYPE set`, as `SCAN` takes it.
    pub kind: Option<Bytes>,
}

impl Pattern {
    /// Whether `key`, holding `value`, is one to report.
    pub fn matches(&self, key: &Bytes, value: &Value) -> bool {
        let content = value.value();
        content.exists()
            && (self.kind.as_ref())
                .is_none_or(|kind| kind.eq_ignore_ascii_case(content.kind().as_bytes()))
            && blossom_net::glob::matches(&self.glob, key)
    }
}
