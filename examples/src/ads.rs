//! The ad counter of Lasp: several nodes serve impressions of ads, each counting its own in a
//! `GCounter` per ad, and gossip their counters; an ad is disabled once its total passes its
//! limit, and a node stops serving it from the tick after it learns that.
//!
//! The counters converge whatever order gossip arrives in, so every node ends with the same
//! count. A node that has not yet heard of the others' impressions may serve a few past the
//! limit: the overshoot is the price of not coordinating, and it is bounded by what the nodes
//! serve while gossip is in flight.

use blossom::lattices::functions::Total;
use blossom::lattices::{Monotone, SetUnion};
use blossom::{Addr, Config, Error, GCounter, Max, Network};

/// One node's entry of an ad's counter: the number of distinct impressions it served.
///
/// Monotone (a growing set has a growing size) but not a morphism (the size of a union is not
/// the larger of two sizes); `tests/lattice_examples.rs` checks the claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tally(pub Addr);

impl Monotone<SetUnion<u64>, GCounter<Addr>> for Tally {
    fn apply(&self, shown: &SetUnion<u64>) -> GCounter<Addr> {
        let mut counter = GCounter::new();
        counter.increment(
            self.0,
            u64::try_from(shown.as_set().len()).unwrap_or(u64::MAX),
        );
        counter
    }
}

blossom::program! {
    /// Impressions served per ad on every node, counted in a gossiped `GCounter`.
    pub AdCounter {
        input   campaign(ad: u32, limit: u64);
        input   request(ad: u32, id: u64);
        input   peer(to: Addr);
        table   peers(to: Addr);
        table   ads(ad: u32, limit: u64);
        table   stopped(ad: u32);
        lattice shown(ad: u32) -> SetUnion<u64>;
        lattice views(ad: u32) -> GCounter<Addr>;
        channel gossip(@to: Addr, ad: u32, views: GCounter<Addr>);
        output  served(ad: u32, id: u64);
        output  disabled(ad: u32);
        output  count(ad: u32, n: u64);

        peers(p) <= peer(p);
        ads(a, l) <= campaign(a, l);
        served(a, id) <= request(a, id), ads(a, _), !stopped(a);
        shown(a, SetUnion::singleton(id)) <= served(a, id);
        views(a, Tally(me).apply(&s)) <= shown(@me, a, s);
        views(a, c) <= gossip(_, a, c);
        gossip(@p, a, c) <~ views(a, c), peers(p);
        disabled(a) <= views(a, c), ads(a, l), let n = Total.apply(&c), when n >= Max::new(l);
        stopped(a) <+ disabled(a);
        count(a, *Total.apply(&c).get()) <= views(a, c);
    }
}

/// A request to show an ad: at `node`, of `ad`, with an `id` unique to the request.
pub type Request = (Addr, u32, u64);

/// What every node did in a run of [`run_campaign`].
#[derive(Debug, Default)]
pub struct CampaignRun {
    /// Per tick, the requests served.
    pub served: Vec<Vec<Request>>,
    /// Per tick, the `(node, ad)` pairs disabled.
    pub disabled: Vec<Vec<(Addr, u32)>>,
    /// After the last tick, each node's count of each ad: `(node, ad, count)`.
    pub counts: Vec<(Addr, u32, u64)>,
}

/// Runs `nodes` nodes serving the campaigns `ads` (`(ad, limit)`), each gossiping to all the
/// others: tick `t` brings `requests[t]`, and `settle` quiet ticks follow for gossip to arrive.
pub fn run_campaign(
    nodes: u32,
    ads: &[(u32, u64)],
    requests: &[Vec<Request>],
    settle: usize,
    config: &Config,
) -> Result<CampaignRun, Error> {
    let mut program = AdCounter::with_config(config)?;
    for node in (0..nodes).map(Addr) {
        program
            .campaign
            .extend(ads.iter().map(|&(ad, limit)| (node, ad, limit)));
        let others = (0..nodes).map(Addr).filter(|&other| other != node);
        program.peer.extend(others.map(|other| (node, other)));
    }
    let mut run = CampaignRun::default();
    let nothing = Vec::new();
    let quiet = std::iter::repeat_n(&nothing, settle);
    for batch in requests.iter().chain(quiet) {
        program.request.extend(batch.iter().copied());
        program.tick()?;
        run.served.push(program.served.snapshot()?);
        run.disabled.push(program.disabled.snapshot()?);
    }
    run.counts = program.count.snapshot()?;
    Ok(run)
}

/// A day of requests, the same on every run: in tick `t`, node `n` gets `per_node` requests,
/// for the ads `(t + n + k) % ads`, `k < per_node`.
pub fn steady_requests(nodes: u32, ads: u32, ticks: u32, per_node: u32) -> Vec<Vec<Request>> {
    let mut next_id = 0;
    (0..ticks)
        .map(|t| {
            let mut batch = Vec::new();
            for node in 0..nodes {
                for k in 0..per_node {
                    batch.push((Addr(node), (t + node + k) % ads, next_id));
                    next_id += 1;
                }
            }
            batch
        })
        .collect()
}

/// The network the `ad_counter` binary gossips over: delays of 1 to 3 ticks from `seed`.
pub fn gossip_network(seed: u64) -> Network {
    Network::random(seed).delays(1..=3)
}
