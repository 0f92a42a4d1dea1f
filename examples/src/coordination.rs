//! The CALM analysis' pairs: programs that do one job two ways, one needing coordination and
//! one not, each with what its report says (`tests/reports.rs` checks both).
//!
//! - A cart kept by overwriting each item's quantity as actions arrive ([`DestructiveCart`], D)
//!   against one that merges every action into a lattice ([`LatticeCart`], A). The third way,
//!   a log of actions summed at checkout once a seal says the log is complete, is
//!   [`crate::cart::Cart`] (A).
//! - Deadlock detection ([`Deadlock`]): a cycle in the waits-for graph that nodes report is
//!   monotone (A: once there, more edges never remove it); "nothing is waiting on this node" is
//!   a negation of what arrives (D), safe only where the node has sealed its report (A).
//! - A quorum by `count()` of the ballots that arrived ([`QuorumCount`], D) against the size of
//!   a set of voters with a threshold ([`crate::quorum::Quorum`], A).
//! - The ring's last value, replaced with `<+`/`<-` as tokens arrive ([`crate::ring::Ring`], D),
//!   against the largest value seen, a `Max` lattice ([`MaxRing`], A): the fix the report of
//!   `Ring` suggests, applied.

use blossom::lattices::functions::Len;
use blossom::lattices::{Monotone, PNCounter};
use blossom::{Addr, Config, Error, Max, Network, SetUnion};

/// Where the carts, the deadlock detector and the vote counter run.
pub const SERVER: Addr = Addr(0);

blossom::program! {
    /// Each client's cart at [`SERVER`], updated in place: the quantity an action arrives
    /// with is added to the stored one, and overwrites it.
    pub DestructiveCart {
        input   action(item: String, delta: i32);
        channel op(@to: Addr, client: Addr, item: String, delta: i32);
        table   quantity(client: Addr, item: String => n: i32);
        output  cart(client: Addr, item: String, n: i32);

        op(@SERVER, me, i, d) <~ action(@me, i, d);
        quantity(c, i, n + d) <+- op(_, c, i, d), quantity(c, i, n);
        quantity(c, i, d) <+- op(_, c, i, d), !quantity(c, i, _);
        cart(c, i, n) <= quantity(c, i, n), if n > 0;
    }
}

/// An action as a lattice: action `seq` adds `delta` (a `PNCounter` entry of its own, so
/// that an action arriving twice counts once).
pub fn change(seq: u32, delta: i32) -> PNCounter<u32> {
    let mut counter = PNCounter::new();
    if delta >= 0 {
        counter.increment(seq, u64::from(delta.unsigned_abs()));
    } else {
        counter.decrement(seq, u64::from(delta.unsigned_abs()));
    }
    counter
}

blossom::program! {
    /// Each client's cart at [`SERVER`] as a lattice per item: every action merges in, in any
    /// order, any number of times.
    pub LatticeCart {
        input   action(seq: u32, item: String, delta: i32);
        channel op(@to: Addr, client: Addr, seq: u32, item: String, delta: i32);
        lattice quantity(client: Addr, item: String) -> PNCounter<u32>;
        output  cart(client: Addr, item: String, n: i128);

        op(@SERVER, me, q, i, d) <~ action(@me, q, i, d);
        quantity(c, i, change(q, d)) <= op(_, c, q, i, d);
        cart(c, i, v.value()) <= quantity(c, i, v);
    }
}

blossom::program! {
    /// Nodes tell a detector at [`SERVER`] whom they wait for, and how many they wait for.
    pub Deadlock {
        input   wait(on: Addr);
        input   node(n: Addr);
        input   done(edges: usize);
        channel waits(@to: Addr, from: Addr, on: Addr);
        channel report(@to: Addr, from: Addr, edges: usize);
        table   waits_for(from: Addr, on: Addr);
        table   announced(n: Addr, edges: usize);
        lattice heard(n: Addr) -> SetUnion<Addr>;
        table   nodes(n: Addr);
        scratch reported(n: Addr);
        scratch reaches(from: Addr, to: Addr);
        output  deadlocked(n: Addr);
        output  unwaited(n: Addr);
        output  free(n: Addr);
        seal    waits_for(from) when reported;

        waits(@SERVER, me, o) <~ wait(@me, o);
        report(@SERVER, me, k) <~ done(@me, k);
        waits_for(f, o) <= waits(_, f, o);
        heard(f, SetUnion::singleton(o)) <= waits(_, f, o);
        announced(n, k) <= report(_, n, k);
        nodes(n) <= node(n);
        // A node's report is complete once every edge it announced has arrived.
        reported(n) <= announced(n, k), heard(n, s), let m = Len.apply(&s), when m >= Max::new(k);
        reported(n) <= announced(n, 0);
        reaches(a, b) <= waits_for(a, b);
        reaches(a, c) <= reaches(a, b), waits_for(b, c);
        deadlocked(a) <= reaches(a, a);
        unwaited(n) <= nodes(n), !waits_for(_, n);
        free(n) <= nodes(n), reported(n), !waits_for(n, _);
    }
}

blossom::program! {
    /// Ballots counted with `count()` at [`SERVER`]: decided once the count reaches the quorum.
    pub QuorumCount {
        input   vote(proposal: u32);
        input   quorum(proposal: u32, needed: u64);
        channel ballot(@to: Addr, proposal: u32, voter: Addr);
        table   ballots(proposal: u32, voter: Addr);
        table   needed(proposal: u32, n: u64);
        scratch votes(proposal: u32, n: u64);
        output  decided(proposal: u32);

        ballot(@SERVER, p, me) <~ vote(@me, p);
        ballots(p, v) <= ballot(_, p, v);
        needed(p, n) <= quorum(p, n);
        votes(p, count()) <= ballots(p, _);
        decided(p) <= votes(p, n), needed(p, q), if n >= q;
    }
}

blossom::program! {
    /// The ring of [`crate::ring::Ring`], each node keeping the largest value it has seen.
    pub MaxRing {
        input   start(n: u32);
        input   next(peer: Addr);
        input   bound(max: u32);
        table   neighbour(peer: Addr);
        table   limit(max: u32);
        lattice highest() -> Max<u32>;
        channel token(@to: Addr, n: u32);
        output  value(n: u32);

        neighbour(p) <= next(p);
        limit(m) <= bound(m);
        token(@p, n) <~ start(n), neighbour(p);
        token(@p, m) <~ token(_, n), neighbour(p), limit(max), let m = n + 1, if m <= max;
        highest(Max::new(n)) <= token(_, n);
        value(*v.get()) <= highest(v);
    }
}

/// A cart action: in tick `tick`, `client` sends action `seq`, adding `delta` of `item`.
pub type CartAction = (u64, Addr, u32, &'static str, i32);

/// The ticks [`run_destructive`] and [`run_lattice`] run: the last action's, and time for
/// the longest delay of a random network (7 ticks) to pass.
fn cart_ticks(actions: &[CartAction]) -> u64 {
    actions.iter().map(|a| a.0).max().unwrap_or(0) + 9
}

/// Runs the destructive cart on `actions`; its carts once every action has arrived, or the
/// error of a tick it rejects (two actions on one item arriving in one tick both overwrite it).
pub fn run_destructive(
    actions: &[CartAction],
    config: &Config,
) -> Result<Vec<(Addr, String, i32)>, Error> {
    let mut program = DestructiveCart::with_config(config)?;
    for tick in 0..cart_ticks(actions) {
        for &(_, client, _, item, delta) in actions.iter().filter(|a| a.0 == tick) {
            program.action.insert((client, item.to_string(), delta));
        }
        program.tick()?;
    }
    Ok(unlocated(program.cart.snapshot()?))
}

/// Rows located at [`SERVER`], without their location.
fn unlocated<A, B, C>(rows: Vec<(Addr, A, B, C)>) -> Vec<(A, B, C)> {
    rows.into_iter().map(|(_, a, b, c)| (a, b, c)).collect()
}

/// Runs the lattice cart on `actions`; its carts once every action has arrived.
pub fn run_lattice(
    actions: &[CartAction],
    config: &Config,
) -> Result<Vec<(Addr, String, i128)>, Error> {
    let mut program = LatticeCart::with_config(config)?;
    for tick in 0..cart_ticks(actions) {
        for &(_, client, seq, item, delta) in actions.iter().filter(|a| a.0 == tick) {
            program
                .action
                .insert((client, seq, item.to_string(), delta));
        }
        program.tick()?;
    }
    Ok(unlocated(program.cart.snapshot()?))
}

/// What [`run_deadlock`] saw: each output once every message has arrived, and every node
/// `free` ever named, at any tick.
#[derive(Debug, Default)]
pub struct DeadlockSeen {
    /// Nodes on a cycle of waits.
    pub deadlocked: Vec<Addr>,
    /// Nodes nothing waits on.
    pub unwaited: Vec<Addr>,
    /// Nodes that have reported and wait on nothing.
    pub free: Vec<Addr>,
    /// Every node `free` held at some tick.
    pub free_ever: Vec<Addr>,
}

/// Runs deadlock detection at [`SERVER`]: nodes `0..nodes`, each `(node, waits on)` edge sent
/// in tick 0, and every node's count of its edges sent in tick `report_at` (on a network that
/// reorders, a report can overtake its edges).
pub fn run_deadlock(
    nodes: u32,
    edges: &[(Addr, Addr)],
    report_at: u64,
    config: &Config,
) -> Result<DeadlockSeen, Error> {
    let mut program = Deadlock::with_config(config)?;
    program.node.extend((0..nodes).map(|n| (SERVER, Addr(n))));
    program.wait.extend(edges.iter().copied());
    let located = |rows: Vec<(Addr, Addr)>| rows.into_iter().map(|(_, n)| n).collect::<Vec<_>>();
    let mut free_ever = std::collections::BTreeSet::new();
    for tick in 0..report_at + 9 {
        if tick == report_at {
            for n in 0..nodes {
                let k = edges.iter().filter(|(from, _)| *from == Addr(n)).count();
                program.done.insert((Addr(n), k));
            }
        }
        program.tick()?;
        free_ever.extend(located(program.free.snapshot()?));
    }
    Ok(DeadlockSeen {
        deadlocked: located(program.deadlocked.snapshot()?),
        unwaited: located(program.unwaited.snapshot()?),
        free: located(program.free.snapshot()?),
        free_ever: free_ever.into_iter().collect(),
    })
}

/// The proposals [`QuorumCount`] decides when `voters` each vote for every proposal in
/// `proposals` (`(proposal, quorum)`), after every ballot has arrived.
pub fn run_quorum_count(
    proposals: &[(u32, u64)],
    voters: u32,
    network: Network,
) -> Result<Vec<u32>, Error> {
    let mut program = QuorumCount::with_config(&Config::embedded().network(network))?;
    program
        .quorum
        .extend(proposals.iter().map(|&(p, q)| (SERVER, p, q)));
    for voter in 0..voters {
        program
            .vote
            .extend(proposals.iter().map(|&(p, _)| (Addr(voter), p)));
    }
    for _ in 0..10 {
        program.tick()?;
    }
    Ok(program
        .decided
        .snapshot()?
        .into_iter()
        .map(|(_, p)| p)
        .collect())
}

/// Runs [`MaxRing`] as [`crate::ring::run_ring`] runs the ring: each node's value, in node order.
pub fn run_max_ring(nodes: u32, max: u32, config: &Config) -> Result<Vec<Option<u32>>, Error> {
    let mut ring = MaxRing::with_config(config)?;
    ring.next
        .extend((0..nodes).map(|i| (Addr(i), Addr((i + 1) % nodes.max(1)))));
    ring.bound.extend((0..nodes).map(|i| (Addr(i), max)));
    ring.start.insert((Addr(0), 0));
    for _ in 0..u64::from(max) + 3 {
        ring.tick()?;
    }
    Ok(crate::ring::by_node(nodes, ring.value.snapshot()?))
}
