//! The store as a cluster of processes (Anna's routing and gossip): each runs its own [`Kvs`]
//! over its own keys, forwards commands on other processes' keys to their homes, and sends
//! what its commands wrote to the keys' other homes.
//!
//! Processes talk in RESP over one kept-open link per peer ([`RespLink`]), with commands of
//! their own, which any process answers (an authenticated client may send them too):
//! - `BLOSSOM.LOCAL <command>`: the command applied here, not forwarded: what a process
//!   forwards, and a local read for whoever wants to see one process's copy.
//! - `BLOSSOM.MERGE key value [key value ...]`: values merged into `store` (`gossip`); a value
//!   is the key's [`Value`] in bincode ([`encode_value`]). Replies `OK`, or an error (logged)
//!   when a value does not decode, and then merges none of the command's.
//! - `BLOSSOM.SWEEP process|*`: anti-entropy: send the process (or every other) every value of
//!   its share. A link asks its own process for one each time it (re)connects, and a timer
//!   every [`Cluster::sweep_every`].
//! - `BLOSSOM.LINKS`: how many links to peers are up.
//!
//! [`Kvs`]: super::Kvs

use std::time::Duration;

use bincode::Options;
use blossom_net::resp::link::{LinkSettings, Replies, RespLink};
use blossom_net::resp::{Command, Submitter};
use bytes::Bytes;

use super::{KeyCommand, Only, Ring, Share, Value};

/// A process's place in a cluster of store processes.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// This process's index.
    pub process: u32,
    /// Every process's RESP address (`host:port`), in process order.
    pub addresses: Vec<String>,
    /// How many processes hold each key.
    pub replicas: u32,
    /// The password the others ask for (every process of a cluster has the same).
    pub password: Option<String>,
    /// How often each process sends every other its share, besides on (re)connecting.
    pub sweep_every: Option<Duration>,
    /// The most bytes a value sent by another process may decode into.
    pub value_limit: u64,
}

impl Cluster {
    /// Where keys live.
    pub fn ring(&self) -> Ring {
        Ring::new(self.addresses.len() as u32, self.replicas)
    }
}

/// Where a key's command goes.
pub(super) enum Route {
    /// Applied here.
    Here,
    /// Forwarded to this process.
    There(u32),
    /// None of the key's homes is reachable.
    Nowhere,
}

/// What a forwarded command's reply is for.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// The reply of a key command, for this slot.
    Slot(u32),
    /// A scan's keys, or a flush's acknowledgement, for this request.
    Tally(u64),
}

/// A round's commands sent to one process, and their replies to come.
pub(super) struct Sent {
    pub targets: Vec<Target>,
    pub replies: Replies,
}

/// The links to a cluster's other processes, and what the round being assembled sends them.
pub(super) struct Peers {
    pub ring: Ring,
    pub me: u32,
    value_limit: u64,
    /// By process; `None` at this one.
    links: Vec<Option<RespLink>>,
    /// By process: the round's forwarded commands.
    outbox: Vec<Vec<(Target, Vec<Bytes>)>>,
    // Last, so that the links' tasks end when it drops.
    _runtime: tokio::runtime::Runtime,
}

/// How many pairs one `BLOSSOM.MERGE` carries at most.
const MERGE_CHUNK: usize = 512;

impl Peers {
    /// Links to every other process of `cluster`, on a runtime of their own; each asks
    /// `submitter`'s service for a sweep to its process when it (re)connects.
    pub fn connect(cluster: &Cluster, submitter: Submitter) -> std::io::Result<Peers> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kvs-links")
            .enable_all()
            .build()?;
        let links = (cluster.addresses.iter().enumerate())
            .map(|(process, address)| {
                if process as u32 == cluster.process {
                    return None;
                }
                let submitter = submitter.clone();
                let settings = LinkSettings::new(address, cluster.password.clone());
                Some(RespLink::spawn(runtime.handle(), settings, move || {
                    let sweep = internal(&[b"BLOSSOM.SWEEP", process.to_string().as_bytes()]);
                    let submitter = submitter.clone();
                    tokio::spawn(async move { submitter.submit(sweep).await });
                }))
            })
            .collect();
        if let Some(every) = cluster.sweep_every.filter(|every| !every.is_zero()) {
            runtime.spawn(async move {
                let mut timer = tokio::time::interval(every);
                timer.tick().await;
                loop {
                    timer.tick().await;
                    if submitter
                        .submit(internal(&[b"BLOSSOM.SWEEP", b"*"]))
                        .await
                        .is_none()
                    {
                        return;
                    }
                }
            });
        }
        Ok(Peers {
            ring: cluster.ring(),
            me: cluster.process,
            value_limit: cluster.value_limit,
            outbox: vec![Vec::new(); cluster.addresses.len()],
            links,
            _runtime: runtime,
        })
    }

    fn link(&self, process: u32) -> Option<&RespLink> {
        self.links.get(process as usize)?.as_ref()
    }

    /// Where `key`'s commands go: its first home that is this process or reachable.
    pub fn route(&self, key: &[u8]) -> Route {
        for home in self.ring.homes(key) {
            if home == self.me {
                return Route::Here;
            }
            if self.link(home).is_some_and(RespLink::is_up) {
                return Route::There(home);
            }
        }
        Route::Nowhere
    }

    /// Adds `words` to what the round sends `process`, applied there (`BLOSSOM.LOCAL`).
    pub fn forward(&mut self, process: u32, target: Target, mut words: Vec<Bytes>) {
        words.insert(0, Bytes::from_static(b"BLOSSOM.LOCAL"));
        if let Some(outbox) = self.outbox.get_mut(process as usize) {
            outbox.push((target, words));
        }
    }

    /// Adds `words` to what the round sends every other process that is up; how many are not.
    pub fn broadcast(&mut self, target: Target, words: &[Bytes]) -> usize {
        let mut down = 0;
        for process in 0..self.ring.processes {
            if process == self.me {
                continue;
            }
            if self.link(process).is_some_and(RespLink::is_up) {
                self.forward(process, target, words.to_vec());
            } else {
                down += 1;
            }
        }
        down
    }

    /// Sends each process the round's commands for it, as one pipelined request.
    pub fn send(&mut self) -> Vec<Sent> {
        let mut sent = Vec::new();
        for (process, outbox) in self.outbox.iter_mut().enumerate() {
            if outbox.is_empty() {
                continue;
            }
            let (targets, commands): (Vec<Target>, Vec<Vec<Bytes>>) = outbox.drain(..).unzip();
            if let Some(Some(link)) = self.links.get(process) {
                sent.push(Sent {
                    targets,
                    replies: link.send(commands),
                });
            }
        }
        sent
    }

    /// Sends what this tick's commands wrote to each key's other homes.
    pub fn gossip(&self, changed: Vec<(Bytes, Value)>) {
        let mut by_process: Vec<Vec<(Bytes, Value)>> = vec![Vec::new(); self.links.len()];
        for (key, value) in changed {
            for home in self.ring.homes(&key).filter(|home| *home != self.me) {
                by_process[home as usize].push((key.clone(), value.clone()));
            }
        }
        for (process, pairs) in by_process.into_iter().enumerate() {
            self.merge_into(process as u32, pairs);
        }
    }

    /// Sends `pairs` to `process` to merge, if its link is up (a sweep makes up for the rest).
    pub fn merge_into(&self, process: u32, pairs: Vec<(Bytes, Value)>) {
        let Some(link) = self.link(process).filter(|link| link.is_up()) else {
            return;
        };
        for chunk in pairs.chunks(MERGE_CHUNK) {
            let mut words = Vec::with_capacity(1 + 2 * chunk.len());
            words.push(Bytes::from_static(b"BLOSSOM.MERGE"));
            for (key, value) in chunk {
                match encode_value(value) {
                    Ok(bytes) => words.extend([key.clone(), bytes]),
                    Err(error) => tracing::error!(%error, "a value could not be encoded"),
                }
            }
            link.tell(vec![words]);
        }
    }

    /// The share of `process`, for a sweep.
    pub fn share(&self, process: u32) -> Share {
        Share {
            ring: self.ring,
            process,
        }
    }

    /// How many links are up.
    pub fn up(&self) -> usize {
        (self.links.iter().flatten())
            .filter(|link| link.is_up())
            .count()
    }

    /// Decodes a value another process sent.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, bincode::Error> {
        decode_value(bytes, self.value_limit)
    }
}

fn options() -> impl Options {
    bincode::DefaultOptions::new()
}

/// A value as processes send it to each other: bincode (net's wire format already, compact,
/// and bounded when decoded).
pub fn encode_value(value: &Value) -> Result<Bytes, bincode::Error> {
    options().serialize(value).map(Bytes::from)
}

/// A value from `bytes` ([`encode_value`]), allocating at most `limit` bytes.
pub fn decode_value(bytes: &[u8], limit: u64) -> Result<Value, bincode::Error> {
    options().with_limit(limit).deserialize(bytes)
}

/// A command of the store's own.
fn internal(words: &[&[u8]]) -> Vec<Command> {
    let words = words
        .iter()
        .map(|word| Bytes::copy_from_slice(word))
        .collect();
    Command::new(words).into_iter().collect()
}

/// The words of a command on `key` that does what `command` does.
pub(super) fn words(key: &Bytes, command: &KeyCommand) -> Vec<Bytes> {
    let word = Bytes::from_static;
    let with = |name: &'static [u8], rest: &[Bytes]| {
        let mut words = vec![word(name), key.clone()];
        words.extend_from_slice(rest);
        words
    };
    match command {
        KeyCommand::Get => with(b"GET", &[]),
        KeyCommand::Set { value, only, get } => {
            let mut words = with(b"SET", std::slice::from_ref(value));
            match only {
                Only::Always => {}
                Only::IfAbsent => words.push(word(b"NX")),
                Only::IfPresent => words.push(word(b"XX")),
            }
            if *get {
                words.push(word(b"GET"));
            }
            words
        }
        KeyCommand::Del => with(b"DEL", &[]),
        KeyCommand::Exists => with(b"EXISTS", &[]),
        KeyCommand::Type => with(b"TYPE", &[]),
        KeyCommand::Incr(by) => with(b"INCRBY", &[Bytes::from(by.to_string())]),
        KeyCommand::SAdd(members) => with(b"SADD", members),
        KeyCommand::SRem(members) => with(b"SREM", members),
        KeyCommand::SMembers => with(b"SMEMBERS", &[]),
        KeyCommand::SIsMember(member) => with(b"SISMEMBER", std::slice::from_ref(member)),
        KeyCommand::SCard => with(b"SCARD", &[]),
    }
}
