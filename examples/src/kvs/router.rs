//! The store's front end: Redis commands from every client in, one tick of the [`Kvs`]
//! program, replies out (Anna's routing tier, on the program's thread).
//!
//! A client's command becomes commands on single keys (`MSET a 1 b 2` two `SET`s), each with a
//! slot for its reply and a stamp from this node's clock; each key's commands, in the order
//! they came, make one row of the program's `command` input, which the program moves to the
//! key's home. After the tick the replies are put back in their slots, and a client's command
//! gets its reply from its keys' (`MGET` an array, `DEL` a sum). `KEYS`, `SCAN`, `DBSIZE` and
//! `FLUSHALL` read or write every key, so each runs in a tick of its own, after the commands
//! before it and before those after it: every client sees its commands applied in order.
//!
//! In a cluster ([`Router::clustered`], [`super::cluster`]) a key command whose key lives on
//! another process is forwarded there instead, with the round's others for that process in one
//! pipelined request, sent before the local tick runs; `KEYS`, `SCAN`, `DBSIZE` and `FLUSHALL`
//! go to every process as well, and the keys found are merged. A round that waits on another
//! process is answered later ([`Service::later`]), when the replies are in, while the server
//! goes on serving: the process waits on no one, and no two processes can wait on each other.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use blossom::Config;
use blossom_net::ServeError;
use blossom_net::resp::session::{arity, bulk, error, ok, unknown_command};
use blossom_net::resp::{Command, CommandInfo, Frame, Later, Service, Submitter};
use bytes::Bytes;

use super::cluster::{self, Cluster, Peers, Route, Sent, Target};
use super::{Batch, KeyCommand, Kvs, Only, Op, Pattern, Replica, Reply, Stamp, parse_integer};

/// The store behind a RESP server: the program, this node's clock, and a tick's bookkeeping.
pub struct Router {
    program: Kvs,
    node: Replica,
    clock: u64,
    round: u64,
    next_request: u64,
    /// The commands on each key in the tick being assembled.
    keys: FxHashMap<Bytes, Vec<Op>>,
    /// The time when the front end took the commands it is planning, in microseconds.
    now: u64,
    /// How each client command of the tick is answered.
    plans: Vec<Plan>,
    /// The replies of the tick's key commands, by slot.
    slots: Vec<Option<Frame>>,
    /// What the tick's scans and flushes found, by request.
    tallies: HashMap<u64, Tally>,
    /// Whether the tick has rows for the program besides commands (gossip, sweeps).
    fed: bool,
    /// The other processes of a cluster; `None`: this process is the store.
    peers: Option<Peers>,
    /// Planning a `BLOSSOM.LOCAL` command: its keys are applied here, wherever they live.
    local: bool,
    /// The tick's sweeps: the request, and the process to send what it finds.
    sweeps: Vec<(u64, u32)>,
    /// Rounds of this call waiting on other processes' replies, in order.
    waiting: Vec<Round>,
    /// The replies of this call that come later.
    later: Option<Later>,
}

/// What a scan or flush heard: the keys found, and how many processes did not answer.
#[derive(Default)]
struct Tally {
    keys: Vec<Bytes>,
    missing: usize,
}

/// A round whose replies wait on other processes.
struct Round {
    plans: Vec<Plan>,
    slots: Vec<Option<Frame>>,
    tallies: HashMap<u64, Tally>,
    sent: Vec<Sent>,
    /// Processes a scan may miss and still be whole (each key has other homes).
    tolerate: usize,
}

/// How a client's command is answered.
enum Plan {
    /// Already known (an error, say).
    Now(Frame),
    /// The reply of key command `slot`, as is or read by `form`.
    One(u32, Form),
    /// The replies of `count` key commands from `first`, combined.
    Many {
        first: u32,
        count: u32,
        combine: Combine,
    },
    /// The keys a scan found.
    Scan(u64, Listing),
    /// `FLUSHALL` (the request): OK.
    Flushed(u64),
}

/// How one key command's reply becomes the client's.
#[derive(Clone, Copy)]
enum Form {
    Plain,
    /// `SETNX`: 1 if it set, 0 if not.
    Flag,
}

/// How several key commands' replies become the client's.
#[derive(Clone, Copy)]
enum Combine {
    /// `MSET`: OK.
    Ok,
    /// `DEL`, `EXISTS`: the sum.
    Sum,
    /// `MGET`: an array, nil for a key not holding a string.
    Strings,
}

/// What a scan's client asked for.
#[derive(Clone, Copy)]
enum Listing {
    /// `KEYS`: the keys.
    Keys,
    /// `SCAN`: cursor 0 (the scan is complete) and the keys.
    Scan,
    /// `DBSIZE`: how many.
    Count,
}

/// Whether a command runs with others or in a tick of its own.
enum Kind {
    Key,
    Whole,
}

/// A command none of whose key's homes is reachable.
const DOWN: &str = "CLUSTERDOWN no home of this key is reachable";

impl Router {
    /// The store's program on `config`, stamping writes as node `node`.
    pub fn new(config: &Config, node: Replica) -> Result<Router, blossom::Error> {
        Ok(Router {
            program: Kvs::with_config(config)?,
            node,
            clock: 0,
            round: 0,
            next_request: 0,
            keys: FxHashMap::default(),
            now: 0,
            plans: Vec::new(),
            slots: Vec::new(),
            tallies: HashMap::new(),
            fed: false,
            peers: None,
            local: false,
            sweeps: Vec::new(),
            waiting: Vec::new(),
            later: None,
        })
    }

    /// Process `cluster.process` of a cluster: the program on `config` (this process's
    /// workers) over this process's keys, linked to the others; `submitter` is the server's
    /// that will serve it, where links ask for sweeps.
    pub fn clustered(
        config: &Config,
        node: Replica,
        cluster: &Cluster,
        submitter: Submitter,
    ) -> Result<Router, ServeError> {
        let mut router = Router::new(config, node).map_err(ServeError::Program)?;
        if cluster.addresses.len() > 1 {
            router.peers = Some(Peers::connect(cluster, submitter)?);
        }
        Ok(router)
    }

    /// The program, for reading what it holds.
    pub fn program(&self) -> &Kvs {
        &self.program
    }

    /// The next stamp of this node: the time the commands were taken, or one more than the
    /// last stamp. The clock then moves on `width` ticks, so that an `SADD` of `width` members
    /// can tag each member's add with a tick of its own.
    fn stamp(&mut self, width: u64) -> Stamp {
        let clock = self.now.max(self.clock.saturating_add(1));
        self.clock = clock.saturating_add(width.saturating_sub(1));
        Stamp {
            clock,
            node: self.node,
        }
    }

    /// Adds a command on `key`; its slot.
    fn key_command(&mut self, key: &Bytes, command: KeyCommand) -> u32 {
        let slot = self.slots.len() as u32;
        self.slots.push(None);
        if let (Some(peers), false) = (&mut self.peers, self.local) {
            match peers.route(key) {
                Route::Here => {}
                Route::There(process) => {
                    peers.forward(process, Target::Slot(slot), cluster::words(key, &command));
                    return slot;
                }
                Route::Nowhere => {
                    self.slots[slot as usize] = Some(error(DOWN));
                    return slot;
                }
            }
        }
        let width = match &command {
            KeyCommand::SAdd(members) => members.len() as u64,
            _ => 1,
        };
        let op = Op {
            slot,
            stamp: self.stamp(width),
            command,
        };
        self.keys.entry(key.clone()).or_default().push(op);
        slot
    }

    /// Plans `command`: its key commands or scan join the tick being assembled.
    fn plan(&mut self, command: &Command) -> Plan {
        let args = command.args();
        let arity = || Plan::Now(arity(command));
        match upper(command.name()).as_ref() {
            b"GET" | b"TYPE" | b"SMEMBERS" | b"SCARD" | b"INCR" | b"DECR" => {
                let [key] = args else { return arity() };
                let key_command = match upper(command.name()).as_ref() {
                    b"GET" => KeyCommand::Get,
                    b"TYPE" => KeyCommand::Type,
                    b"SMEMBERS" => KeyCommand::SMembers,
                    b"SCARD" => KeyCommand::SCard,
                    b"INCR" => KeyCommand::Incr(1),
                    _ => KeyCommand::Incr(-1),
                };
                self.one(key, key_command, Form::Plain)
            }
            b"SET" => {
                let [key, value, options @ ..] = args else {
                    return arity();
                };
                match set_options(options) {
                    Ok((only, get)) => {
                        let value = value.clone();
                        self.one(key, KeyCommand::Set { value, only, get }, Form::Plain)
                    }
                    Err(reply) => Plan::Now(reply),
                }
            }
            name @ (b"SETNX" | b"GETSET") => {
                let [key, value] = args else { return arity() };
                let value = value.clone();
                let (only, get, form) = match name {
                    b"SETNX" => (Only::IfAbsent, false, Form::Flag),
                    _ => (Only::Always, true, Form::Plain),
                };
                self.one(key, KeyCommand::Set { value, only, get }, form)
            }
            name @ (b"INCRBY" | b"DECRBY") => {
                let [key, by] = args else { return arity() };
                let by = match (parse_integer(by), name == b"INCRBY") {
                    (Some(by), true) => by,
                    (Some(by), false) => match by.checked_neg() {
                        Some(negated) => negated,
                        None => return Plan::Now(error("ERR decrement would overflow")),
                    },
                    (None, _) => return Plan::Now(error(super::Failure::NotInteger.message())),
                };
                self.one(key, KeyCommand::Incr(by), Form::Plain)
            }
            name @ (b"SADD" | b"SREM") => {
                let [key, members @ ..] = args else {
                    return arity();
                };
                if members.is_empty() {
                    return arity();
                }
                let members = members.to_vec();
                let key_command = match name {
                    b"SADD" => KeyCommand::SAdd(members),
                    _ => KeyCommand::SRem(members),
                };
                self.one(key, key_command, Form::Plain)
            }
            b"SISMEMBER" => {
                let [key, member] = args else { return arity() };
                self.one(key, KeyCommand::SIsMember(member.clone()), Form::Plain)
            }
            name @ (b"MGET" | b"DEL" | b"EXISTS") => {
                if args.is_empty() {
                    return arity();
                }
                let (key_command, combine) = match name {
                    b"MGET" => (KeyCommand::Get, Combine::Strings),
                    b"DEL" => (KeyCommand::Del, Combine::Sum),
                    _ => (KeyCommand::Exists, Combine::Sum),
                };
                let first = self.slots.len() as u32;
                for key in args {
                    self.key_command(key, key_command.clone());
                }
                let count = args.len() as u32;
                Plan::Many {
                    first,
                    count,
                    combine,
                }
            }
            b"MSET" => {
                if args.is_empty() || !args.len().is_multiple_of(2) {
                    return arity();
                }
                let first = self.slots.len() as u32;
                for pair in args.chunks_exact(2) {
                    let value = pair[1].clone();
                    self.key_command(
                        &pair[0],
                        KeyCommand::Set {
                            value,
                            only: Only::Always,
                            get: false,
                        },
                    );
                }
                let count = (args.len() / 2) as u32;
                Plan::Many {
                    first,
                    count,
                    combine: Combine::Ok,
                }
            }
            b"KEYS" => {
                let [glob] = args else { return arity() };
                self.scan(glob.clone(), None, Listing::Keys)
            }
            b"DBSIZE" if args.is_empty() => {
                self.scan(Bytes::from_static(b"*"), None, Listing::Count)
            }
            b"DBSIZE" => arity(),
            b"SCAN" => match scan_options(args) {
                Ok((glob, kind)) => self.scan(glob, kind, Listing::Scan),
                Err(reply) => Plan::Now(reply),
            },
            b"FLUSHALL" | b"FLUSHDB" => match args {
                [] => self.flush(),
                [mode] if upper(mode).as_ref() == b"ASYNC" || upper(mode).as_ref() == b"SYNC" => {
                    self.flush()
                }
                _ => Plan::Now(error("ERR syntax error")),
            },
            b"BLOSSOM.LOCAL" => {
                let Some(inner) = Command::new(args.to_vec()) else {
                    return arity();
                };
                let was = std::mem::replace(&mut self.local, true);
                let plan = self.plan(&inner);
                self.local = was;
                plan
            }
            b"BLOSSOM.MERGE" => {
                if args.is_empty() || !args.len().is_multiple_of(2) {
                    return arity();
                }
                self.merge(args)
            }
            b"BLOSSOM.SWEEP" => {
                let [process] = args else { return arity() };
                self.sweep(process)
            }
            b"BLOSSOM.LINKS" => Plan::Now(Frame::Integer(
                self.peers.as_ref().map_or(0, Peers::up) as i64
            )),
            _ => Plan::Now(unknown_command(command)),
        }
    }

    /// `BLOSSOM.MERGE`: values from another process, merged in this tick; none if one does
    /// not decode.
    fn merge(&mut self, args: &[Bytes]) -> Plan {
        let mut rows = Vec::with_capacity(args.len() / 2);
        for pair in args.chunks_exact(2) {
            let decoded = match &self.peers {
                Some(peers) => peers.decode(&pair[1]),
                None => cluster::decode_value(&pair[1], 64 << 20),
            };
            match decoded {
                Ok(value) => rows.push((pair[0].clone(), value)),
                Err(why) => {
                    tracing::warn!(%why, "a malformed BLOSSOM.MERGE");
                    return Plan::Now(error(&format!("ERR malformed BLOSSOM.MERGE value: {why}")));
                }
            }
        }
        self.program.gossip.extend(rows);
        self.fed = true;
        Plan::Now(ok())
    }

    /// `BLOSSOM.SWEEP process|*`: the process's share (or every other's) found this tick and
    /// sent after it.
    fn sweep(&mut self, process: &Bytes) -> Plan {
        let Some(peers) = &self.peers else {
            return Plan::Now(ok());
        };
        let processes: Vec<u32> = match (process.as_ref(), parse_integer(process)) {
            (b"*", _) => (0..peers.ring.processes).collect(),
            (_, Some(p)) if (0..i64::from(peers.ring.processes)).contains(&p) => vec![p as u32],
            _ => return Plan::Now(error("ERR no such process")),
        };
        for process in processes.into_iter().filter(|p| *p != peers.me) {
            let request = self.next_request;
            self.next_request += 1;
            self.program.sweep.insert((request, peers.share(process)));
            self.sweeps.push((request, process));
            self.fed = true;
        }
        Plan::Now(ok())
    }

    /// A command on one key, answered by its reply read by `form`.
    fn one(&mut self, key: &Bytes, key_command: KeyCommand, form: Form) -> Plan {
        Plan::One(self.key_command(key, key_command), form)
    }

    fn scan(&mut self, glob: Bytes, kind: Option<Bytes>, listing: Listing) -> Plan {
        let request = self.next_request;
        self.next_request += 1;
        if let (Some(peers), false) = (&mut self.peers, self.local) {
            let mut words = vec![bulk_word(b"SCAN"), bulk_word(b"0"), bulk_word(b"MATCH")];
            words.push(glob.clone());
            if let Some(kind) = &kind {
                words.extend([bulk_word(b"TYPE"), kind.clone()]);
            }
            let missing = peers.broadcast(Target::Tally(request), &words);
            self.tallies.entry(request).or_default().missing = missing;
        }
        self.program.scan.insert((request, Pattern { glob, kind }));
        Plan::Scan(request, listing)
    }

    fn flush(&mut self) -> Plan {
        let request = self.next_request;
        self.next_request += 1;
        if let (Some(peers), false) = (&mut self.peers, self.local) {
            let missing = peers.broadcast(Target::Tally(request), &[bulk_word(b"FLUSHALL")]);
            self.tallies.entry(request).or_default().missing = missing;
        }
        let stamp = self.stamp(1);
        self.program.flush.insert(stamp);
        Plan::Flushed(request)
    }

    /// Runs a tick with what the commands planned so far put into the program, and answers
    /// their plans into `replies`, or, when some wait on other processes, into a round
    /// answered later.
    fn run(&mut self, replies: &mut Vec<Frame>) -> Result<(), ServeError> {
        // Sent first: the other processes work while this one ticks.
        let sent = self.peers.as_mut().map(Peers::send).unwrap_or_default();
        let scans = self.plans.iter().any(|plan| matches!(plan, Plan::Scan(..)));
        let worked = scans
            || self.fed
            || !self.keys.is_empty()
            || self
                .plans
                .iter()
                .any(|plan| matches!(plan, Plan::Flushed(_)));
        if worked {
            self.round += 1;
            self.fed = false;
            let round = self.round;
            let rows = self
                .keys
                .drain()
                .map(|(key, ops)| (key, Batch::new(round, ops)));
            self.program.command.extend(rows);
            self.program.tick().map_err(ServeError::Program)?;
            for (_, replied) in self
                .program
                .replied
                .snapshot()
                .map_err(ServeError::Program)?
            {
                for (slot, reply) in replied.list.iter() {
                    if let Some(place) = self.slots.get_mut(*slot as usize) {
                        *place = Some(frame(reply.clone()));
                    }
                }
            }
            if scans {
                for (request, key) in self.program.found.snapshot().map_err(ServeError::Program)? {
                    self.tallies.entry(request).or_default().keys.push(key);
                }
            }
            self.replicate()?;
        }
        if sent.is_empty() && self.waiting.is_empty() {
            for plan in self.plans.drain(..) {
                replies.push(answer(plan, &mut self.slots, &mut self.tallies, 0));
            }
            self.slots.clear();
            self.tallies.clear();
        } else {
            let tolerate = self
                .peers
                .as_ref()
                .map_or(0, |peers| peers.ring.replicas - 1);
            self.waiting.push(Round {
                plans: std::mem::take(&mut self.plans),
                slots: std::mem::take(&mut self.slots),
                tallies: std::mem::take(&mut self.tallies),
                sent,
                tolerate: tolerate as usize,
            });
        }
        Ok(())
    }

    /// After a tick: what its commands wrote goes to the keys' other homes, and what its
    /// sweeps found to the processes they were for.
    fn replicate(&mut self) -> Result<(), ServeError> {
        let Some(peers) = &self.peers else {
            return Ok(());
        };
        if peers.ring.replicas > 1 {
            let changed = self
                .program
                .changed
                .snapshot()
                .map_err(ServeError::Program)?;
            peers.gossip(changed);
        }
        if !self.sweeps.is_empty() {
            let mut shares: HashMap<u64, Vec<(Bytes, super::Value)>> = HashMap::new();
            for (request, key, value) in
                self.program.swept.snapshot().map_err(ServeError::Program)?
            {
                shares.entry(request).or_default().push((key, value));
            }
            for (request, process) in self.sweeps.drain(..) {
                let share = shares.remove(&request).unwrap_or_default();
                tracing::debug!(process, keys = share.len(), "anti-entropy sweep");
                peers.merge_into(process, share);
            }
        }
        Ok(())
    }
}

impl Round {
    /// Waits for the other processes' replies, and answers the round's plans into `replies`.
    async fn finish(mut self, replies: &mut Vec<Frame>) {
        for Sent {
            targets,
            replies: coming,
        } in self.sent
        {
            let frames = match coming.await {
                Ok(Ok(frames)) => frames,
                Ok(Err(down)) => {
                    tracing::warn!(%down, "commands forwarded to a process got no reply");
                    Vec::new()
                }
                Err(_) => Vec::new(),
            };
            let mut frames = frames.into_iter();
            for target in targets {
                let frame = frames.next();
                match (target, frame) {
                    (Target::Slot(slot), frame) => {
                        if let Some(place) = self.slots.get_mut(slot as usize) {
                            *place = Some(frame.unwrap_or_else(|| {
                                error("CLUSTERDOWN the link to this key's home dropped")
                            }));
                        }
                    }
                    (Target::Tally(request), frame) => {
                        let tally = self.tallies.entry(request).or_default();
                        match frame.as_ref().and_then(scanned) {
                            Some(keys) => tally.keys.extend(keys),
                            None if matches!(frame, Some(Frame::SimpleString(_))) => {}
                            None => tally.missing += 1,
                        }
                    }
                }
            }
        }
        for plan in self.plans {
            replies.push(answer(
                plan,
                &mut self.slots,
                &mut self.tallies,
                self.tolerate,
            ));
        }
    }
}

/// The keys of a `SCAN` reply.
fn scanned(frame: &Frame) -> Option<Vec<Bytes>> {
    let Frame::Array(parts) = frame else {
        return None;
    };
    let [_, Frame::Array(keys)] = parts.as_slice() else {
        return None;
    };
    keys.iter()
        .map(|key| match key {
            Frame::BulkString(key) => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn bulk_word(word: &'static [u8]) -> Bytes {
    Bytes::from_static(word)
}

impl Service for Router {
    fn call(&mut self, commands: &[Command], replies: &mut Vec<Frame>) -> Result<(), ServeError> {
        self.now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
            });
        for command in commands {
            let kind = kind(command);
            // A scan or flush sees every command before it applied, and runs alone.
            if matches!(kind, Kind::Whole) && !self.plans.is_empty() {
                self.run(replies)?;
            }
            let plan = self.plan(command);
            self.plans.push(plan);
            if matches!(kind, Kind::Whole) {
                self.run(replies)?;
            }
        }
        self.run(replies)?;
        if !self.waiting.is_empty() {
            let rounds = std::mem::take(&mut self.waiting);
            self.later = Some(Box::pin(async move {
                let mut replies = Vec::new();
                for round in rounds {
                    round.finish(&mut replies).await;
                }
                replies
            }));
        }
        Ok(())
    }

    fn commands(&self) -> &'static [CommandInfo] {
        COMMANDS
    }

    fn later(&mut self) -> Option<Later> {
        self.later.take()
    }
}

fn kind(command: &Command) -> Kind {
    kind_of(command.name(), command.args())
}

fn kind_of(name: &[u8], args: &[Bytes]) -> Kind {
    match upper(name).as_ref() {
        b"KEYS" | b"SCAN" | b"DBSIZE" | b"FLUSHALL" | b"FLUSHDB" => Kind::Whole,
        b"BLOSSOM.LOCAL" => match args {
            [name, args @ ..] => kind_of(name, args),
            [] => Kind::Key,
        },
        _ => Kind::Key,
    }
}

/// A command's name in capitals, without allocating: every name is short, and a longer word
/// (no command's) becomes the empty name, which matches none.
struct Upper {
    bytes: [u8; 16],
    len: usize,
}

fn upper(name: &[u8]) -> Upper {
    let mut bytes = [0u8; 16];
    let len = if name.len() <= bytes.len() {
        name.len()
    } else {
        0
    };
    for (to, from) in bytes.iter_mut().zip(&name[..len]) {
        *to = from.to_ascii_uppercase();
    }
    Upper { bytes, len }
}

impl AsRef<[u8]> for Upper {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The client's reply for `plan`, from the tick's key replies and scans; a scan or flush that
/// more than `tolerate` processes did not answer fails.
fn answer(
    plan: Plan,
    slots: &mut [Option<Frame>],
    tallies: &mut HashMap<u64, Tally>,
    tolerate: usize,
) -> Frame {
    let mut take = |slot: u32| {
        (slots.get_mut(slot as usize))
            .and_then(Option::take)
            .unwrap_or_else(|| error("ERR the store lost this command's reply"))
    };
    let mut tally = |request: u64| {
        let tally = tallies.remove(&request).unwrap_or_default();
        if tally.missing > tolerate {
            return Err(error(&format!(
                "CLUSTERDOWN {} process(es) did not answer",
                tally.missing
            )));
        }
        Ok(tally.keys)
    };
    match plan {
        Plan::Now(frame) => frame,
        Plan::One(slot, Form::Plain) => take(slot),
        Plan::One(slot, Form::Flag) => match take(slot) {
            Frame::SimpleString(_) => Frame::Integer(1),
            Frame::Null => Frame::Integer(0),
            other => other,
        },
        Plan::Many {
            first,
            count,
            combine,
        } => {
            let parts: Vec<Frame> = (first..first + count).map(take).collect();
            // MGET reads a key of another kind as nil; the others fail with it.
            let failed = parts.iter().find(|part| matches!(part, Frame::Error(_)));
            if let (Some(failed), false) = (failed, matches!(combine, Combine::Strings)) {
                return failed.clone();
            }
            match combine {
                Combine::Ok => ok(),
                Combine::Sum => Frame::Integer(
                    (parts.iter())
                        .map(|part| if let Frame::Integer(n) = part { *n } else { 0 })
                        .sum(),
                ),
                Combine::Strings => Frame::Array(
                    (parts.into_iter())
                        .map(|part| match part {
                            Frame::BulkString(_) => part,
                            _ => Frame::Null,
                        })
                        .collect(),
                ),
            }
        }
        Plan::Scan(request, listing) => {
            let mut keys = match tally(request) {
                Ok(keys) => keys,
                Err(down) => return down,
            };
            keys.sort();
            // A key held by several processes is one key.
            keys.dedup();
            match listing {
                Listing::Count => Frame::Integer(keys.len() as i64),
                Listing::Keys => Frame::Array(keys.into_iter().map(Frame::BulkString).collect()),
                Listing::Scan => Frame::Array(vec![
                    bulk("0"),
                    Frame::Array(keys.into_iter().map(Frame::BulkString).collect()),
                ]),
            }
        }
        Plan::Flushed(request) => match tally(request) {
            Ok(_) => ok(),
            Err(down) => down,
        },
    }
}

/// A key command's reply as RESP.
fn frame(reply: Reply) -> Frame {
    match reply {
        Reply::Ok => ok(),
        Reply::Status(text) => Frame::SimpleString(text),
        Reply::Nil => Frame::Null,
        Reply::Int(n) => Frame::Integer(n),
        Reply::Bulk(text) => Frame::BulkString(text),
        Reply::Members(members) => {
            Frame::Array(members.into_iter().map(Frame::BulkString).collect())
        }
        Reply::Error(failure) => error(failure.message()),
    }
}

/// `SET`'s options after the value: `NX`/`XX`, `GET`, and `KEEPTTL` (keys never expire here).
fn set_options(options: &[Bytes]) -> Result<(Only, bool), Frame> {
    let (mut only, mut get) = (Only::Always, false);
    for option in options {
        let is = |word: &str| option.eq_ignore_ascii_case(word.as_bytes());
        if is("NX") && only != Only::IfPresent {
            only = Only::IfAbsent;
        } else if is("XX") && only != Only::IfAbsent {
            only = Only::IfPresent;
        } else if is("GET") {
            get = true;
        } else if is("KEEPTTL") {
        } else if ["EX", "PX", "EXAT", "PXAT"].iter().any(|word| is(word)) {
            return Err(error(
                "ERR keys do not expire in this store: EX, PX, EXAT and PXAT are not supported",
            ));
        } else {
            return Err(error("ERR syntax error"));
        }
    }
    Ok((only, get))
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE kind]`: the pattern and kind. Every scan
/// returns every key at once, with cursor 0, which Redis's contract allows.
fn scan_options(args: &[Bytes]) -> Result<(Bytes, Option<Bytes>), Frame> {
    let [cursor, options @ ..] = args else {
        return Err(error("ERR wrong number of arguments for 'scan' command"));
    };
    if parse_integer(cursor).is_none_or(|cursor| cursor < 0) {
        return Err(error("ERR invalid cursor"));
    }
    let (mut glob, mut kind) = (Bytes::from_static(b"*"), None);
    let mut rest = options;
    while let [option, value, more @ ..] = rest {
        let is = |word: &str| option.eq_ignore_ascii_case(word.as_bytes());
        if is("MATCH") {
            glob = value.clone();
        } else if is("COUNT") {
            if parse_integer(value).is_none_or(|count| count < 1) {
                return Err(error("ERR syntax error"));
            }
        } else if is("TYPE") {
            kind = Some(value.clone());
        } else {
            return Err(error("ERR syntax error"));
        }
        rest = more;
    }
    if !rest.is_empty() {
        return Err(error("ERR syntax error"));
    }
    Ok((glob, kind))
}

const fn info(
    name: &'static str,
    arity: i64,
    flags: &'static [&'static str],
    keys: (i64, i64, i64),
) -> CommandInfo {
    CommandInfo {
        name,
        arity,
        flags,
        keys,
    }
}

const READ: &[&str] = &["readonly", "fast"];
const WRITE: &[&str] = &["write", "denyoom", "fast"];

/// The commands the store answers.
const COMMANDS: &[CommandInfo] = &[
    info("get", 2, READ, (1, 1, 1)),
    info("set", -3, &["write", "denyoom"], (1, 1, 1)),
    info("setnx", 3, WRITE, (1, 1, 1)),
    info("getset", 3, WRITE, (1, 1, 1)),
    info("mget", -2, READ, (1, -1, 1)),
    info("mset", -3, &["write", "denyoom"], (1, -1, 2)),
    info("del", -2, &["write"], (1, -1, 1)),
    info("exists", -2, READ, (1, -1, 1)),
    info("type", 2, READ, (1, 1, 1)),
    info("incr", 2, WRITE, (1, 1, 1)),
    info("decr", 2, WRITE, (1, 1, 1)),
    info("incrby", 3, WRITE, (1, 1, 1)),
    info("decrby", 3, WRITE, (1, 1, 1)),
    info("sadd", -3, WRITE, (1, 1, 1)),
    info("srem", -3, &["write", "fast"], (1, 1, 1)),
    info("smembers", 2, &["readonly"], (1, 1, 1)),
    info("sismember", 3, READ, (1, 1, 1)),
    info("scard", 2, READ, (1, 1, 1)),
    info("keys", 2, &["readonly"], (0, 0, 0)),
    info("scan", -2, &["readonly"], (0, 0, 0)),
    info("dbsize", 1, READ, (0, 0, 0)),
    info("flushall", -1, &["write"], (0, 0, 0)),
    info("flushdb", -1, &["write"], (0, 0, 0)),
];
