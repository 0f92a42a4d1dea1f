//! Bloom's monotone shopping cart: clients send numbered add and remove actions, and a checkout
//! naming the last action's number, to a cart server over a network that reorders them. The
//! server keeps the numbers it has seen in a `SetUnion`; the cart is complete once every action
//! up to the checkout's is present (a threshold on [`Prefix`], a monotone function), and only
//! then is it summed. Until then nothing is output, so a cart is never seen half-assembled.
//!
//! The sum reads actions that arrive through a channel, which would make it divergent; the seal
//! `seal counted(client, session) when complete;` says that once a session is complete, every
//! action it counts has arrived (a session has one checkout), and the CALM analysis accepts the
//! sum: the cart is asynchronous but confluent.

use blossom::lattices::Monotone;
use blossom::{Addr, Config, Error, Max, SetUnion};

/// The length of the run of action numbers `1, 2, ..` present in a set: the number of actions
/// that can be summed so far. Monotone, since adding numbers can only extend the run (not a
/// morphism: `{1} ⊔ {2}` has a run of 2, each alone at most 1). Checked in
/// `tests/lattice_examples.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix;

impl Monotone<SetUnion<u32>, Max<u32>> for Prefix {
    fn apply(&self, seen: &SetUnion<u32>) -> Max<u32> {
        let run = (1..)
            .zip(seen.as_set().range(1..))
            .take_while(|(n, seq)| n == *seq);
        Max::new(run.last().map_or(0, |(n, _)| n))
    }
}

/// The cart server's address.
pub const SERVER: Addr = Addr(0);

blossom::program! {
    /// Carts assembled at [`SERVER`] from actions that may arrive in any order.
    pub Cart {
        input   action(session: u32, seq: u32, item: String, delta: i32);
        input   checkout(session: u32, last: u32);
        channel op(@to: Addr, client: Addr, session: u32, seq: u32, item: String, delta: i32);
        channel done(@to: Addr, client: Addr, session: u32, last: u32);
        table   ops(client: Addr, session: u32, seq: u32, item: String, delta: i32);
        table   closing(client: Addr, session: u32, last: u32);
        lattice seen(client: Addr, session: u32) -> SetUnion<u32>;
        scratch complete(client: Addr, session: u32);
        scratch counted(client: Addr, session: u32, seq: u32, item: String, delta: i32);
        scratch summed(client: Addr, session: u32, item: String, qty: i32);
        output  checked_out(client: Addr, session: u32);
        output  cart(client: Addr, session: u32, item: String, qty: i32);
        seal    counted(client, session) when complete;

        op(@SERVER, me, s, q, i, d) <~ action(@me, s, q, i, d);
        done(@SERVER, me, s, n) <~ checkout(@me, s, n);
        ops(c, s, q, i, d) <= op(_, c, s, q, i, d);
        seen(c, s, SetUnion::singleton(q)) <= op(_, c, s, q, _, _);
        closing(c, s, n) <= done(_, c, s, n);
        complete(c, s) <= seen(c, s, x), closing(c, s, n),
            let k = Prefix.apply(&x), when k >= Max::new(n);
        checked_out(c, s) <= complete(c, s);
        counted(c, s, q, i, d) <= ops(c, s, q, i, d), closing(c, s, n), if q <= n;
        summed(c, s, i, sum(d)) <= complete(c, s), counted(c, s, _, i, d);
        cart(c, s, i, k) <= summed(c, s, i, k), if k > 0;
    }
}

/// A client's action: in tick `tick`, `client` sends action `seq` of `session`, adding `delta`
/// (negative: removing) of `item`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// When the client sends it.
    pub tick: u64,
    /// The client.
    pub client: Addr,
    /// The client's session.
    pub session: u32,
    /// Its number in the session, from 1.
    pub seq: u32,
    /// What it changes.
    pub item: String,
    /// How many it adds (negative: removes).
    pub delta: i32,
}

/// A checkout: in tick `tick`, `client` closes `session` after action `last`.
pub type Checkout = (u64, Addr, u32, u32);

/// A cart line: `(client, session, item, quantity)`.
pub type Line = (Addr, u32, String, i32);

/// Runs the carts for `ticks` ticks and returns, per tick, the cart lines output.
pub fn run_carts(
    actions: &[Action],
    checkouts: &[Checkout],
    ticks: u64,
    config: &Config,
) -> Result<Vec<Vec<Line>>, Error> {
    let mut program = Cart::with_config(config)?;
    let mut carts = Vec::new();
    for tick in 0..ticks {
        let sent = actions.iter().filter(|a| a.tick == tick);
        program
            .action
            .extend(sent.map(|a| (a.client, a.session, a.seq, a.item.clone(), a.delta)));
        let closed = checkouts.iter().filter(|&&(t, ..)| t == tick);
        program
            .checkout
            .extend(closed.map(|&(_, client, session, last)| (client, session, last)));
        program.tick()?;
        // Cart lines live on the server: drop the node column.
        let lines = program.cart.snapshot()?.into_iter();
        carts.push(
            lines
                .map(|(_, c, s, item, qty)| (c, s, item, qty))
                .collect(),
        );
    }
    Ok(carts)
}

/// The cart a checkout should produce: the actions numbered up to `last`, applied in order,
/// items with a positive quantity, sorted by item.
pub fn replay(actions: &[Action], client: Addr, session: u32, last: u32) -> Vec<Line> {
    let mut quantities = std::collections::BTreeMap::<&str, i32>::new();
    for a in actions {
        if a.client == client && a.session == session && a.seq <= last {
            *quantities.entry(&a.item).or_default() += a.delta;
        }
    }
    (quantities.into_iter())
        .filter(|&(_, qty)| qty > 0)
        .map(|(item, qty)| (client, session, item.to_string(), qty))
        .collect()
}
