//! The key-value store against a model: Redis's commands applied one by one to a map, the
//! obviously right way. Random command sequences go through the store's front end (the
//! program's ticks, on 1, 2 and 4 workers, split into ticks at random) and must get the
//! model's replies, exactly; its values obey the lattice laws, and replicas that receive the
//! same writes in any order agree.

use std::collections::{BTreeSet, HashMap};

use blossom::Config;
use blossom::Lattice;
use blossom::lattices::laws::check_laws;
use blossom_examples::kvs::router::Router;
use blossom_examples::kvs::{Content, Stamp, Value, value};
use blossom_net::resp::{Command, Frame, Service};
use bytes::Bytes;
use proptest::prelude::*;

/// What a key holds in the model: Redis's own view (an integer is a string).
#[derive(Clone, Debug, PartialEq)]
enum Held {
    Str(Vec<u8>),
    Set(BTreeSet<Vec<u8>>),
}

/// Redis, as a map and a loop.
#[derive(Default)]
struct Model {
    keys: HashMap<Vec<u8>, Held>,
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

fn err(text: &str) -> Frame {
    Frame::Error(text.into())
}

fn bulk(bytes: &[u8]) -> Frame {
    Frame::BulkString(Bytes::copy_from_slice(bytes))
}

/// An integer the way Redis reads one: the string must be exactly what printing it gives.
fn integer(text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    text.parse::<i64>().ok().filter(|n| n.to_string() == text)
}

impl Model {
    fn apply(&mut self, words: &[Vec<u8>]) -> Frame {
        let name = String::from_utf8_lossy(&words[0]).to_uppercase();
        let args = &words[1..];
        match (name.as_str(), args) {
            ("GET", [k]) => match self.keys.get(k) {
                None => Frame::Null,
                Some(Held::Str(s)) => bulk(s),
                Some(Held::Set(_)) => err(WRONGTYPE),
            },
            ("SET", [k, v]) => {
                self.keys.insert(k.clone(), Held::Str(v.clone()));
                Frame::SimpleString(Bytes::from_static(b"OK"))
            }
            ("SETNX", [k, v]) => {
                if self.keys.contains_key(k) {
                    Frame::Integer(0)
                } else {
                    self.keys.insert(k.clone(), Held::Str(v.clone()));
                    Frame::Integer(1)
                }
            }
            ("GETSET", [k, v]) => {
                let old = match self.keys.get(k) {
                    None => Frame::Null,
                    Some(Held::Str(s)) => bulk(s),
                    Some(Held::Set(_)) => return err(WRONGTYPE),
                };
                self.keys.insert(k.clone(), Held::Str(v.clone()));
                old
            }
            ("DEL", keys) => Frame::Integer(
                keys.iter()
                    .filter(|k| self.keys.remove(*k).is_some())
                    .count() as i64,
            ),
            ("EXISTS", keys) => {
                Frame::Integer(keys.iter().filter(|k| self.keys.contains_key(*k)).count() as i64)
            }
            ("TYPE", [k]) => Frame::SimpleString(Bytes::from_static(match self.keys.get(k) {
                None => b"none",
                Some(Held::Str(_)) => b"string",
                Some(Held::Set(_)) => b"set",
            })),
            ("INCRBY", [k, by]) => {
                let by = integer(by).expect("the generator's increments are integers");
                let now = match self.keys.get(k) {
                    None => 0,
                    Some(Held::Str(s)) => match integer(s) {
                        Some(n) => n,
                        None => return err(NOT_INTEGER),
                    },
                    Some(Held::Set(_)) => return err(WRONGTYPE),
                };
                match now.checked_add(by) {
                    Some(total) => {
                        self.keys
                            .insert(k.clone(), Held::Str(total.to_string().into_bytes()));
                        Frame::Integer(total)
                    }
                    None => err("ERR increment or decrement would overflow"),
                }
            }
            ("SADD" | "SREM" | "SMEMBERS" | "SISMEMBER" | "SCARD", [k, members @ ..]) => {
                let set = match self.keys.get(k) {
                    None => BTreeSet::new(),
                    Some(Held::Set(set)) => set.clone(),
                    Some(Held::Str(_)) => return err(WRONGTYPE),
                };
                let (reply, set) = match name.as_str() {
                    "SADD" => {
                        let mut set = set;
                        let added = members.iter().filter(|m| set.insert((*m).clone())).count();
                        (Frame::Integer(added as i64), set)
                    }
                    "SREM" => {
                        let mut set = set;
                        let removed = members.iter().filter(|m| set.remove(*m)).count();
                        (Frame::Integer(removed as i64), set)
                    }
                    "SMEMBERS" => (Frame::Array(set.iter().map(|m| bulk(m)).collect()), set),
                    "SISMEMBER" => (Frame::Integer(i64::from(set.contains(&members[0]))), set),
                    _ => (Frame::Integer(set.len() as i64), set),
                };
                if set.is_empty() {
                    self.keys.remove(k);
                } else {
                    self.keys.insert(k.clone(), Held::Set(set));
                }
                reply
            }
            ("MGET", keys) => Frame::Array(
                keys.iter()
                    .map(|k| match self.keys.get(k) {
                        Some(Held::Str(s)) => bulk(s),
                        _ => Frame::Null,
                    })
                    .collect(),
            ),
            ("MSET", pairs) => {
                for pair in pairs.chunks(2) {
                    self.keys
                        .insert(pair[0].clone(), Held::Str(pair[1].clone()));
                }
                Frame::SimpleString(Bytes::from_static(b"OK"))
            }
            ("KEYS", [_]) => {
                let mut keys: Vec<&Vec<u8>> = self.keys.keys().collect();
                keys.sort();
                Frame::Array(keys.into_iter().map(|k| bulk(k)).collect())
            }
            ("DBSIZE", []) => Frame::Integer(self.keys.len() as i64),
            ("FLUSHALL", []) => {
                self.keys.clear();
                Frame::SimpleString(Bytes::from_static(b"OK"))
            }
            _ => panic!("the generator made {name} {args:?}"),
        }
    }
}

/// A random command on keys `a`, `b`, `c`, with values that are sometimes integers.
fn command() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let key = prop::sample::select(vec!["a", "b", "c"]).prop_map(|k| k.as_bytes().to_vec());
    let text = prop::sample::select(vec!["0", "7", "-3", "x", "9223372036854775807", "07"])
        .prop_map(|v| v.as_bytes().to_vec());
    let by = prop::sample::select(vec!["1", "-1", "5", "9223372036854775807"])
        .prop_map(|v| v.as_bytes().to_vec());
    let member = prop::sample::select(vec!["m", "n", "o"]).prop_map(|m| m.as_bytes().to_vec());
    let word = |w: &str| w.as_bytes().to_vec();
    prop_oneof![
        3 => key.clone().prop_map(move |k| vec![word("GET"), k]),
        3 => (key.clone(), text.clone()).prop_map(move |(k, v)| vec![word("SET"), k, v]),
        1 => (key.clone(), text.clone()).prop_map(move |(k, v)| vec![word("SETNX"), k, v]),
        1 => (key.clone(), text.clone()).prop_map(move |(k, v)| vec![word("GETSET"), k, v]),
        1 => prop::collection::vec(key.clone(), 1..3).prop_map(move |ks| [vec![word("DEL")], ks].concat()),
        1 => prop::collection::vec(key.clone(), 1..3).prop_map(move |ks| [vec![word("EXISTS")], ks].concat()),
        1 => key.clone().prop_map(move |k| vec![word("TYPE"), k]),
        3 => (key.clone(), by).prop_map(move |(k, b)| vec![word("INCRBY"), k, b]),
        2 => (key.clone(), prop::collection::vec(member.clone(), 1..3))
            .prop_map(move |(k, ms)| [vec![word("SADD"), k], ms].concat()),
        1 => (key.clone(), prop::collection::vec(member.clone(), 1..3))
            .prop_map(move |(k, ms)| [vec![word("SREM"), k], ms].concat()),
        1 => key.clone().prop_map(move |k| vec![word("SMEMBERS"), k]),
        1 => (key.clone(), member).prop_map(move |(k, m)| vec![word("SISMEMBER"), k, m]),
        1 => key.clone().prop_map(move |k| vec![word("SCARD"), k]),
        1 => prop::collection::vec(key.clone(), 1..4).prop_map(move |ks| [vec![word("MGET")], ks].concat()),
        1 => prop::collection::vec((key.clone(), text), 1..3)
            .prop_map(move |kvs| [vec![word("MSET")], kvs.into_iter().flat_map(|(k, v)| [k, v]).collect()].concat()),
        1 => Just(vec![word("KEYS"), word("*")]),
        1 => Just(vec![word("DBSIZE")]),
        1 => Just(vec![word("FLUSHALL")]),
    ]
}

fn to_command(words: &[Vec<u8>]) -> Command {
    Command::new(words.iter().map(|w| Bytes::copy_from_slice(w)).collect())
        .expect("commands have a name")
}

/// The replies the store gives `commands`, sent in ticks cut at `cuts`, on `workers` workers.
fn store_replies(commands: &[Vec<Vec<u8>>], cuts: &[usize], workers: usize) -> Vec<Frame> {
    let mut router = Router::new(&Config::with_workers(workers), 0).expect("the store starts");
    let mut replies = Vec::new();
    let mut start = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (commands.len() + 1)).collect();
    ends.push(commands.len());
    ends.sort();
    for end in ends {
        let batch: Vec<Command> = commands[start..end.max(start)]
            .iter()
            .map(|w| to_command(w))
            .collect();
        router
            .call(&batch, &mut replies)
            .expect("the store answers");
        start = end.max(start);
    }
    replies
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_store_answers_as_redis_would(
        commands in prop::collection::vec(command(), 1..60),
        cuts in prop::collection::vec(0usize..100, 0..4),
    ) {
        let mut model = Model::default();
        let want: Vec<Frame> = commands.iter().map(|c| model.apply(c)).collect();
        for workers in [1, 2, 4] {
            let got = store_replies(&commands, &cuts, workers);
            for (i, (got, want)) in got.iter().zip(&want).enumerate() {
                prop_assert_eq!(got, want, "command {} {:?} on {} workers", i,
                    String::from_utf8_lossy(&commands[i].concat()), workers);
            }
            prop_assert_eq!(got.len(), want.len());
        }
    }
}

/// A command on one key, of any kind.
fn key_command() -> impl Strategy<Value = blossom_examples::kvs::KeyCommand> {
    use blossom_examples::kvs::{KeyCommand, Only, bytes};
    let text = prop::sample::select(vec!["x", "5", "-2"]).prop_map(bytes);
    let members = prop::collection::vec(prop::sample::select(vec!["m", "n"]).prop_map(bytes), 1..3);
    let only = prop::sample::select(vec![Only::Always, Only::IfAbsent, Only::IfPresent]);
    prop_oneof![
        Just(KeyCommand::Get),
        (text, only, any::<bool>()).prop_map(|(value, only, get)| KeyCommand::Set {
            value,
            only,
            get
        }),
        Just(KeyCommand::Del),
        Just(KeyCommand::Exists),
        (-3i64..4).prop_map(KeyCommand::Incr),
        Just(KeyCommand::Incr(i64::MAX)),
        members.clone().prop_map(KeyCommand::SAdd),
        members.prop_map(KeyCommand::SRem),
        Just(KeyCommand::SMembers),
    ]
}

/// Values as writes make them: strings, counters and sets under a few stamps.
fn any_value() -> impl Strategy<Value = Value> {
    let stamp = (0u64..3, 0u32..2).prop_map(|(clock, node)| Stamp { clock, node });
    let text = prop::sample::select(vec!["x", "y", "5"]).prop_map(blossom_examples::kvs::bytes);
    let counter =
        (0i64..3, prop::collection::vec((0u32..3, -4i64..5), 0..4)).prop_map(|(base, adds)| {
            let mut delta = blossom::PNCounter::new();
            for (replica, by) in adds {
                if by >= 0 {
                    delta.increment(replica, by as u64);
                } else {
                    delta.decrement(replica, by.unsigned_abs());
                }
            }
            Content::Counter { base, delta }
        });
    let set = prop::collection::vec(
        (0u32..3, prop::sample::select(vec!["m", "n"]), any::<bool>()),
        0..4,
    )
    .prop_map(|ops| {
        let mut set = blossom::OrSet::new();
        for (replica, member, remove) in ops {
            let member = blossom_examples::kvs::bytes(member);
            if remove {
                set.remove(&member);
            } else {
                set.add(replica, member);
            }
        }
        Content::Set(set)
    });
    let content = prop_oneof![
        Just(Content::Absent),
        text.prop_map(Content::Str),
        counter,
        set,
    ];
    (stamp, content).prop_map(|(stamp, content)| value(stamp, content))
}

proptest! {
    #[test]
    fn values_are_a_lattice(a in any_value(), b in any_value(), c in any_value()) {
        prop_assert!(check_laws(&a, &b, &c).is_ok(), "{:?}", check_laws(&a, &b, &c));
        prop_assert!(check_laws(a.value(), b.value(), c.value()).is_ok());
    }

    /// A batch only ever makes a value greater, and what it does not say it wrote it leaves
    /// as it was: the store merges only what a batch wrote, so anything else would be lost.
    #[test]
    fn a_batch_only_grows_the_value_and_says_when_it_wrote(
        before in any_value(),
        commands in prop::collection::vec(key_command(), 1..6),
    ) {
        use blossom_examples::kvs::{Batch, Op};
        let ops = (commands.into_iter().enumerate())
            .map(|(i, command)| Op { slot: i as u32, stamp: Stamp { clock: 10 * (i as u64 + 1), node: 1 }, command })
            .collect();
        let outcome = Batch::new(1, ops).apply(&before);
        prop_assert!(before.leq(&outcome.value), "{:?} -> {:?}", before, outcome.value);
        if !outcome.wrote {
            prop_assert_eq!(&outcome.value, &before);
        }
    }

    /// Two replicas take writes on one key at once; whatever order each then receives all the
    /// writes in, and however often, both hold the same value.
    #[test]
    fn replicas_that_see_the_same_writes_agree(
        writes in prop::collection::vec((0u32..2, prop::sample::select(vec!["SET", "INCR", "SADD", "DEL"])), 1..12),
        order in Just(()).prop_perturb(|(), mut rng| rng.random::<u64>()),
    ) {
        use blossom_examples::kvs::{Batch, KeyCommand, Op, Only};
        let mut replicas = [Value::bottom(), Value::bottom()];
        let mut deltas: Vec<Value> = Vec::new();
        for (clock, (node, what)) in writes.into_iter().enumerate() {
            let command = match what {
                "SET" => KeyCommand::Set { value: blossom_examples::kvs::bytes("7"), only: Only::Always, get: false },
                "INCR" => KeyCommand::Incr(1),
                "SADD" => KeyCommand::SAdd(vec![blossom_examples::kvs::bytes(&format!("m{clock}"))]),
                _ => KeyCommand::Del,
            };
            let stamp = Stamp { clock: clock as u64 + 1, node };
            let op = Op { slot: 0, stamp, command };
            let outcome = Batch::new(clock as u64, vec![op]).apply(&replicas[node as usize]);
            replicas[node as usize] = outcome.value.clone();
            deltas.push(outcome.value);
        }
        // Each replica receives every delta, in an order of its own, some twice.
        let mut shuffled = deltas.clone();
        let mut seed = order;
        for i in (1..shuffled.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let [mut first, mut second] = replicas;
        for delta in deltas.iter().chain(&deltas[..deltas.len() / 2]) {
            first.merge(delta.clone());
        }
        for delta in shuffled {
            second.merge(delta);
        }
        prop_assert_eq!(first, second);
    }
}
