//! The lattice examples: shortest and widest paths against the argmin program and plain Rust on
//! random graphs that grow tick by tick; the ad counter, the quorum and the cart on random
//! inputs, random networks and 1 or 2 workers, checked for convergence and for what each
//! promises at every tick; the monotone functions they declare, checked; and each binary's
//! default run.

mod binary;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use binary::{last_line, run};
use blossom::lattices::laws::{check_monotone, check_morphism};
use blossom::lattices::{Monotone, SetUnion};
use blossom::{Addr, Config, DomPair, Lattice, Max, Min, Network};
use blossom_examples::ads::{Request, Tally, run_campaign};
use blossom_examples::cart::{Action, Checkout, Prefix, replay, run_carts};
use blossom_examples::paths::{
    Best, Extend, LatticePaths, Narrow, WidestPaths, lattice_shortest_paths,
};
use blossom_examples::quorum::{Vote, run_votes};
use blossom_examples::shortest::{Road, shortest_paths};
use proptest::prelude::*;

/// A random weighted graph with cycles, self-loops and parallel roads.
fn graph() -> impl Strategy<Value = Vec<Road>> {
    proptest::collection::vec((0u32..7, 0u32..7, 1u32..10), 0..16)
}

/// The argmin program's answer: routes bounded by the sum of all distances, which no shortest
/// route exceeds.
fn argmin_paths(roads: &[Road]) -> (Vec<Road>, Vec<Road>) {
    let bound = roads.iter().map(|&(_, _, k)| k).sum();
    shortest_paths(roads, bound, &Config::embedded()).expect("the argmin program runs")
}

/// The widest bottleneck of every connected pair, by relaxing until nothing changes.
fn expected_widths(roads: &[Road]) -> Vec<Road> {
    let mut width: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut changed = true;
    while changed {
        changed = false;
        let known: Vec<((u32, u32), u32)> = width.iter().map(|(&p, &w)| (p, w)).collect();
        let steps = roads.iter().map(|&(a, b, w)| ((a, b), w));
        let longer = known.iter().flat_map(|&((a, b), x)| {
            (roads.iter())
                .filter(move |&&(from, _, _)| from == b)
                .map(move |&(_, c, w)| ((a, c), x.min(w)))
        });
        for (pair, w) in steps.chain(longer).collect::<Vec<_>>() {
            if width.get(&pair).is_none_or(|&old| old < w) {
                width.insert(pair, w);
                changed = true;
            }
        }
    }
    width.into_iter().map(|((a, b), w)| (a, b, w)).collect()
}

/// 1, 2 or 4 workers.
fn workers() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![1usize, 2, 4])
}

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(32))]

    #[test]
    fn lattice_shortest_paths_agree_with_the_argmin_program(roads in graph(), workers in workers()) {
        let found = lattice_shortest_paths(&roads, &Config::with_workers(workers)).unwrap();
        prop_assert_eq!(found, argmin_paths(&roads));
    }

    #[test]
    fn lattice_paths_follow_a_growing_graph(
        roads in graph(),
        cuts in (0usize..16, 0usize..16),
        workers in workers(),
    ) {
        let config = Config::with_workers(workers);
        let mut shortest = LatticePaths::with_config(&config).unwrap();
        let mut widest = WidestPaths::with_config(&config).unwrap();
        let (first, second) = (cuts.0.min(cuts.1).min(roads.len()), cuts.0.max(cuts.1).min(roads.len()));
        let mut start = 0;
        for end in [first, second, roads.len()] {
            shortest.road.extend(roads[start..end].iter().copied());
            widest.road.extend(roads[start..end].iter().copied());
            start = end;
            shortest.tick().unwrap();
            widest.tick().unwrap();
            let (km, hops) = argmin_paths(&roads[..end]);
            prop_assert_eq!(shortest.shortest.snapshot().unwrap(), km);
            prop_assert_eq!(shortest.next_hop.snapshot().unwrap(), hops);
            prop_assert_eq!(widest.widest.snapshot().unwrap(), expected_widths(&roads[..end]));
        }
    }
}

/// A network for the distributed examples: the default, or random delays of 1 to 4 ticks.
fn network() -> impl Strategy<Value = Network> {
    prop_oneof![
        Just(Network::default()),
        (0u64..1000).prop_map(|seed| Network::random(seed).delays(1..=4)),
    ]
}

/// Random requests: per tick, `(node, ad)` pairs, numbered in order.
fn requests(nodes: u32, ads: u32) -> impl Strategy<Value = Vec<Vec<Request>>> {
    proptest::collection::vec(proptest::collection::vec((0..nodes, 0..ads), 0..6), 1..10).prop_map(
        |ticks| {
            let mut id = 0;
            (ticks.into_iter())
                .map(|batch| {
                    (batch.into_iter())
                        .map(|(node, ad)| {
                            id += 1;
                            (Addr(node), ad, id)
                        })
                        .collect()
                })
                .collect()
        },
    )
}

fn campaign() -> impl Strategy<Value = (u32, Vec<(u32, u64)>, Vec<Vec<Request>>)> {
    (2u32..=4, 1u32..=3).prop_flat_map(|(nodes, ads)| {
        (
            Just(nodes),
            proptest::collection::vec(1u64..12, ads as usize)
                .prop_map(|limits| (0..).zip(limits).collect()),
            requests(nodes, ads),
        )
    })
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn ad_counters_converge_and_stop_serving_past_the_limit(
        (nodes, ads, requests) in campaign(),
        network in network(),
        workers in workers(),
    ) {
        let config = Config::with_workers(workers).network(network);
        let run = run_campaign(nodes, &ads, &requests, 12, &config).unwrap();
        // A node serves exactly the requests for ads it had not disabled by the tick before.
        let mut off: BTreeSet<(Addr, u32)> = BTreeSet::new();
        let nothing = Vec::new();
        let quiet = std::iter::repeat(&nothing);
        for (tick, batch) in requests.iter().chain(quiet).take(run.served.len()).enumerate() {
            let expected: Vec<Request> = (batch.iter())
                .filter(|&&(node, ad, _)| !off.contains(&(node, ad)))
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            prop_assert_eq!(&run.served[tick], &expected, "tick {}", tick);
            let now: BTreeSet<(Addr, u32)> = run.disabled[tick].iter().copied().collect();
            prop_assert!(off.is_subset(&now), "a disabled ad came back at tick {}", tick);
            off = now;
        }
        // Every node ends with the same count of each ad: every impression served anywhere.
        let mut served: BTreeMap<u32, u64> = BTreeMap::new();
        for &(_, ad, _) in run.served.iter().flatten() {
            *served.entry(ad).or_default() += 1;
        }
        let expected: Vec<(Addr, u32, u64)> = (0..nodes)
            .flat_map(|node| served.iter().map(move |(&ad, &n)| (Addr(node), ad, n)))
            .collect();
        prop_assert_eq!(&run.counts, &expected);
        // And every node disables exactly the ads whose total reached their limit.
        let over: BTreeSet<u32> = (ads.iter())
            .filter(|&&(ad, limit)| served.get(&ad).is_some_and(|&n| n >= limit))
            .map(|&(ad, _)| ad)
            .collect();
        let expected: BTreeSet<(Addr, u32)> = (0..nodes)
            .flat_map(|node| over.iter().map(move |&ad| (Addr(node), ad)))
            .collect();
        prop_assert_eq!(off, expected);
    }

    #[test]
    fn a_quorum_decides_once_enough_distinct_voters_are_in(
        proposals in proptest::collection::btree_map(1u32..4, 1usize..4, 1..3),
        votes in proptest::collection::vec((0u64..6, 1u32..6, 1u32..5), 0..16),
        network in network(),
        workers in workers(),
    ) {
        let proposals: Vec<(u32, usize)> = proposals.into_iter().collect();
        let votes: Vec<Vote> = votes.into_iter().map(|(t, v, p)| (t, Addr(v), p)).collect();
        let config = Config::with_workers(workers).network(network);
        let election = run_votes(Addr(0), &proposals, &votes, 16, &config).unwrap();
        // Distinct voters per proposal, counting only ballots cast before `tick`.
        let voters_before = |tick: u64| {
            let mut voters: BTreeMap<u32, BTreeSet<Addr>> = BTreeMap::new();
            for &(t, v, p) in &votes {
                if t < tick {
                    voters.entry(p).or_default().insert(v);
                }
            }
            voters
        };
        let quorum: BTreeMap<u32, usize> = proposals.iter().copied().collect();
        let mut before: BTreeSet<u32> = BTreeSet::new();
        for (tick, decided) in election.decided.iter().enumerate() {
            let decided: BTreeSet<u32> = decided.iter().map(|&(_, p)| p).collect();
            prop_assert!(before.is_subset(&decided), "a decision was taken back at tick {}", tick);
            let cast = voters_before(tick as u64);
            for p in &decided {
                let have = cast.get(p).map_or(0, BTreeSet::len);
                prop_assert!(have >= quorum[p], "proposal {} decided at tick {} on {} votes", p, tick, have);
            }
            before = decided;
        }
        let all = voters_before(u64::MAX);
        let expected: BTreeSet<u32> = (proposals.iter())
            .filter(|&&(p, q)| all.get(&p).map_or(0, BTreeSet::len) >= q)
            .map(|&(p, _)| p)
            .collect();
        prop_assert_eq!(&before, &expected);
        let tallies: Vec<(Addr, u32, usize)> =
            all.iter().map(|(&p, v)| (Addr(0), p, v.len())).collect();
        prop_assert_eq!(election.tallies.last().unwrap(), &tallies);
        // Every voter of a decided proposal hears of it.
        let known: BTreeSet<(Addr, u32)> = (expected.iter())
            .flat_map(|p| all[p].iter().map(move |&v| (v, *p)))
            .collect();
        let heard: BTreeSet<(Addr, u32)> = election.known.last().unwrap().iter().copied().collect();
        prop_assert_eq!(heard, known);
    }
}

/// Random sessions: each client's actions numbered from 1 and sent in random ticks, and a
/// checkout closing a random prefix of them.
fn sessions() -> impl Strategy<Value = (Vec<Action>, Vec<Checkout>)> {
    let session = (
        proptest::collection::vec((0u64..5, 0usize..3, -2i32..=3), 1..7),
        0u64..6,
        any::<prop::sample::Index>(),
    );
    proptest::collection::vec(session, 1..4).prop_map(|sessions| {
        let mut actions = Vec::new();
        let mut checkouts = Vec::new();
        for (client, (steps, at, last)) in (1..).zip(sessions) {
            for (seq, (tick, item, delta)) in (1..).zip(&steps) {
                actions.push(Action {
                    tick: *tick,
                    client: Addr(client),
                    session: 1,
                    seq,
                    item: ["apple", "bread", "milk"][*item].to_string(),
                    delta: *delta,
                });
            }
            let last = u32::try_from(last.index(steps.len()) + 1).expect("fewer than 7 steps");
            checkouts.push((at, Addr(client), 1, last));
        }
        (actions, checkouts)
    })
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn a_cart_appears_whole_once_its_actions_are_in(
        (actions, checkouts) in sessions(),
        network in network(),
        workers in workers(),
    ) {
        let config = Config::with_workers(workers).network(network);
        let carts = run_carts(&actions, &checkouts, 20, &config).unwrap();
        for &(_, client, session, last) in &checkouts {
            let whole = replay(&actions, client, session, last);
            let mut complete = false;
            for (tick, lines) in carts.iter().enumerate() {
                let mine: Vec<_> = lines.iter().filter(|l| l.0 == client).cloned().collect();
                // Never a part of the cart: nothing, or all of it, and once all, all for ever.
                prop_assert!(
                    mine.is_empty() && !complete || mine == whole,
                    "client {:?} at tick {}: {:?}, expected {:?}", client, tick, mine, whole
                );
                complete |= !mine.is_empty();
            }
            prop_assert_eq!(carts.last().unwrap().iter().filter(|l| l.0 == client).count(), whole.len());
        }
    }

    #[test]
    fn the_declared_monotone_functions_are_monotone(
        a in proptest::collection::btree_set(0u32..8, 0..6),
        b in proptest::collection::btree_set(0u32..8, 0..6),
        routes in (best(), best()),
        w in prop_oneof![0u32..20, Just(u32::MAX)],
    ) {
        let fail = |e: blossom::lattices::laws::LawViolation| TestCaseError::fail(e.to_string());
        let (a, b) = (SetUnion::new(a), SetUnion::new(b));
        check_monotone(&Prefix, &a, &b).map_err(fail)?;
        let (a, b) = (SetUnion::new(widen(&a)), SetUnion::new(widen(&b)));
        check_monotone(&Tally(Addr(3)), &a, &b).map_err(fail)?;
        check_monotone(&Extend(w), &routes.0, &routes.1).map_err(fail)?;
        let (x, y) = (Max::new(routes.0.key().0), Max::new(routes.1.key().0));
        check_morphism(&Narrow(w), &x, &y).map_err(fail)?;
    }
}

/// A best route: a distance (some near overflow) and a first hop.
fn best() -> impl Strategy<Value = Best> {
    let km = prop_oneof![0u32..30, (u32::MAX - 30)..=u32::MAX];
    (km, 0u32..5).prop_map(|(km, hop)| DomPair::new(Reverse(km), Min::new(hop)))
}

fn widen(set: &SetUnion<u32>) -> BTreeSet<u64> {
    set.as_set().iter().map(|&n| u64::from(n)).collect()
}

/// The number of action numbers missing below the largest seen: a plausible cart function
/// that is not monotone (a late action fills a gap and lowers it), declared so anyway.
#[derive(Debug)]
struct Gaps;

impl Monotone<SetUnion<u32>, Max<u32>> for Gaps {
    fn apply(&self, seen: &SetUnion<u32>) -> Max<u32> {
        let largest = seen.as_set().last().copied().unwrap_or(0);
        let present = seen.as_set().range(1..).count();
        Max::new(largest - u32::try_from(present).expect("a small set"))
    }
}

#[test]
fn the_checker_refutes_a_cart_function_that_is_not_monotone() {
    let (late, all) = (SetUnion::from_iter([3]), SetUnion::from_iter([1, 3]));
    let violation = check_monotone(&Gaps, &late, &all).unwrap_err();
    assert!(violation.to_string().contains("Gaps"), "{violation}");
    // The cart's own function passes on the same values.
    check_monotone(&Prefix, &late, &all).unwrap();
    assert_eq!(Prefix.apply(&late.clone().join(all)), Max::new(1));
}

/// The value of `key=` on the last line of `out`.
fn last_value(out: &str, key: &str) -> u64 {
    let last = last_line(out);
    let field = (last.split_whitespace())
        .find_map(|f| f.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {last:?}"));
    field.parse().expect("a number")
}

#[test]
fn the_lattice_shortest_paths_binary_prints_what_shortest_paths_prints() {
    let lattice = run(env!("CARGO_BIN_EXE_lattice_shortest_paths"), &["-w", "2"]);
    assert_eq!(lattice, run(env!("CARGO_BIN_EXE_shortest_paths"), &[]));
    // The same pairs are connected, whatever is measured along the way.
    let widest = run(env!("CARGO_BIN_EXE_widest_paths"), &[]);
    assert_eq!(last_value(&widest, "pairs"), last_value(&lattice, "pairs"));
    assert!(last_value(&lattice, "pairs") > 0);
}

#[test]
fn the_ad_counter_binary_disables_every_ad_and_agrees_on_counts() {
    let out = run(env!("CARGO_BIN_EXE_ad_counter"), &["-w", "2"]);
    assert_eq!(last_value(&out, "disabled"), 2, "{out}");
    let ads: Vec<(&str, &str)> = (out.lines())
        .filter(|l| l.starts_with("ad "))
        .filter_map(|l| l.split_once(" served (limit "))
        .collect();
    assert_eq!(ads.len(), 2, "{out}");
    for (ad, rest) in ads {
        let served: u64 = ad.rsplit(' ').next().unwrap().parse().unwrap();
        let (limit, counted) = rest.split_once("), counted ").unwrap();
        assert!(served >= limit.parse().unwrap(), "{out}");
        let counted: Vec<u64> = counted.split(' ').map(|c| c.parse().unwrap()).collect();
        assert_eq!(
            counted, [served; 3],
            "every node counts every impression: {out}"
        );
    }
}

#[test]
fn the_quorum_binary_decides_the_proposal_with_enough_voters() {
    let out = run(env!("CARGO_BIN_EXE_quorum"), &[]);
    assert_eq!(last_value(&out, "decided"), 1, "{out}");
    assert!(out.contains("proposal 1: 5 votes"), "{out}");
}

#[test]
fn the_cart_binary_completes_both_carts() {
    let out = run(env!("CARGO_BIN_EXE_cart"), &["-w", "2"]);
    assert_eq!(last_value(&out, "carts"), 2, "{out}");
    assert!(out.contains("client 1: 2 apples"), "{out}");
    assert!(out.contains("client 2: 1 honey"), "{out}");
}
