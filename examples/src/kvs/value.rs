//! A key's value: a last-writer-wins register ([`DomPair`] on a [`Stamp`]) over what the key
//! holds since its last `SET`, `DEL` or `FLUSHALL` ([`Content`]): a string, a counter
//! ([`PNCounter`]) or a set ([`OrSet`]). Every write is a merge, so replicas that see the same
//! writes in any order, any number of times, hold the same value.

use blossom::lattices::MinValue;
use blossom::{DomPair, Lattice, OrSet, PNCounter};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// When a write that replaces a key's content happened, and where: the clock first, then the
/// node that wrote, so that two writes with one clock still compare (and merge) alike on every
/// replica.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Stamp {
    /// Microseconds since the Unix epoch, or later: a node never stamps twice alike.
    pub clock: u64,
    /// The node that wrote.
    pub node: Replica,
}

impl MinValue for Stamp {
    fn min_value() -> Self {
        Stamp::default()
    }
}

/// A replica of the store: a counter's increments and a set's adds are counted per replica.
pub type Replica = u32;

/// A key's value in the store.
pub type Value = DomPair<Stamp, Content>;

/// What a key holds within one stamp: nothing, a string, a counter or a set.
///
/// Within a stamp the kinds are ordered (nothing, string, counter, set) and a greater kind
/// replaces a smaller one, while two values of one kind merge: so `INCR` on a string holding
/// an integer turns it into a counter in place, and replicas that both increment it keep both
/// increments. Strings of one stamp are one write's (equal); counters merge their increments;
/// sets merge as OR-sets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Content {
    /// Nothing: never written, deleted, or flushed. The bottom.
    #[default]
    Absent,
    /// A string, as `SET` wrote it.
    Str(Bytes),
    /// A counter: the integer a string held when `INCR` first met it, plus the increments.
    Counter {
        /// Where the counter started.
        base: i64,
        /// What was added since, per replica.
        delta: PNCounter<Replica>,
    },
    /// A set of members.
    Set(OrSet<Bytes, Replica>),
}

impl Content {
    fn rank(&self) -> u8 {
        match self {
            Content::Absent => 0,
            Content::Str(_) => 1,
            Content::Counter { .. } => 2,
            Content::Set(_) => 3,
        }
    }

    /// Whether the key exists, as Redis sees it: it holds something (an empty set does not
    /// count, as Redis deletes a set when its last member goes).
    pub fn exists(&self) -> bool {
        match self {
            Content::Absent => false,
            Content::Set(set) => !set.is_empty(),
            Content::Str(_) | Content::Counter { .. } => true,
        }
    }

    /// Redis's name for the kind (`TYPE`).
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Str(_) | Content::Counter { .. } => "string",
            Content::Set(set) if !set.is_empty() => "set",
            Content::Set(_) | Content::Absent => "none",
        }
    }

    /// A counter's value, if it fits in an `i64`.
    pub fn counter(base: i64, delta: &PNCounter<Replica>) -> Option<i64> {
        i64::try_from(i128::from(base) + delta.value()).ok()
    }
}

impl Lattice for Content {
    fn merge(&mut self, other: Self) -> bool {
        match other.rank().cmp(&self.rank()) {
            std::cmp::Ordering::Greater => {
                *self = other;
                true
            }
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => match (self, other) {
                (Content::Absent, Content::Absent) => false,
                (Content::Str(mine), Content::Str(theirs)) => {
                    let grew = theirs > *mine;
                    if grew {
                        *mine = theirs;
                    }
                    grew
                }
                (
                    Content::Counter { base, delta },
                    Content::Counter {
                        base: their_base,
                        delta: theirs,
                    },
                ) => {
                    let grew = their_base > *base;
                    *base = (*base).max(their_base);
                    delta.merge(theirs) | grew
                }
                (Content::Set(mine), Content::Set(theirs)) => mine.merge(theirs),
                // Equal ranks are equal kinds.
                _ => false,
            },
        }
    }

    fn bottom() -> Self {
        Content::Absent
    }

    fn leq(&self, other: &Self) -> bool {
        match self.rank().cmp(&other.rank()) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => match (self, other) {
                (Content::Absent, Content::Absent) => true,
                (Content::Str(mine), Content::Str(theirs)) => mine <= theirs,
                (
                    Content::Counter { base, delta },
                    Content::Counter {
                        base: their_base,
                        delta: theirs,
                    },
                ) => base <= their_base && delta.leq(theirs),
                (Content::Set(mine), Content::Set(theirs)) => mine.leq(theirs),
                _ => false,
            },
        }
    }
}

/// A value whose content is `content`, stamped `stamp`.
pub fn value(stamp: Stamp, content: Content) -> Value {
    DomPair::new(stamp, content)
}

/// Bytes, for building contents in tests and examples.
pub fn bytes(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}
