//! Time and change: tables that `<+` rules insert into, `<-` rules delete from and `<+-` rules
//! upsert into by key, read by recursive, negated and aggregating rules; ticks rejected for a
//! broken key; nodes that send each other messages through channels, delayed by a random
//! network; timers firing by clocks the test moves. Each program runs over long random
//! histories, checked against the reference evaluator after every tick with 1, 2 and 4
//! workers. And the reference itself, on hand-made programs whose answers are worked out by
//! hand (`oracle`, `oracle_nodes`).

#![recursion_limit = "512"]

#[path = "time_and_change/oracle.rs"]
mod oracle;
#[path = "time_and_change/oracle_nodes.rs"]
mod oracle_nodes;
mod reference;

use blossom::{Addr, Network};
use reference::classic::classic;
use reference::{Case, Seen, Shape, cases, check_shaped, networks};

classic! {
    graph: blossom::program! {
        /// A graph that changes: edges inserted and deleted at the next tick. What reaches
        /// what, what does not, and counts and extremes of both; a timer's firings stamped
        /// with the size, and the last firing.
        pub(crate) Graph {
            periodic pulse(every = std::time::Duration::from_millis(100));
            input ins(a: u32, b: u32);
            input del(a: u32, b: u32);
            table t(a: u32, b: u32);
            table pulses(n: u64);
            output stamp(n: u64, e: u32);
            output last(n: u64);
            scratch node(a: u32);
            output tc(a: u32, b: u32);
            output unreached(a: u32, b: u32);
            output sinks(a: u32);
            output degree(a: u32, n: u32);
            output reach(a: u32, n: u32, low: u32, high: u32);
            output size(n: u32);
            output fresh(a: u32, b: u32);

            t(a, b) <+ ins(a, b);
            t(a, b) <- del(a, b);
            node(a) <= t(a, _);
            node(b) <= t(_, b);
            tc(a, b) <= t(a, b);
            tc(a, c) <= tc(a, b), t(b, c);
            unreached(a, b) <= node(a), node(b), !tc(a, b);
            sinks(a) <= node(a), !t(a, _);
            degree(a, count()) <= t(a, _);
            reach(a, count(), min(b), max(b)) <= tc(a, b);
            size(count()) <+ t(_, _);
            fresh(a, b) <+ ins(a, b), !t(a, b);
            pulses(n) <+ pulse(n);
            stamp(n, e) <= pulse(n), size(e);
            last(max(n)) <= pulses(n);
        }
    }
}

classic! {
    churn: blossom::program! {
        /// A table that its own rules change: loops derived at once (and so kept when deleted),
        /// the edges of a node of degree over 3 deleted, a deleted edge turned round.
        pub(crate) Churn {
            input ins(a: u32, b: u32);
            input del(a: u32, b: u32);
            table t(a: u32, b: u32);
            scratch degree(a: u32, n: u32);
            output kept(a: u32, b: u32);
            output busiest(a: u32, b: u32);
            output lonely(a: u32);

            t(a, b) <+ ins(a, b), if a != b;
            t(a, a) <= ins(a, a);
            t(a, b) <- del(a, b);
            t(a, b) <- t(a, b), degree(a, n), if n > 3;
            t(b, a) <+ t(a, b), del(a, b);
            degree(a, count()) <= t(a, _);
            kept(a, b) <= t(a, b);
            busiest(a, argmax(n, b)) <= t(a, b), degree(b, n);
            lonely(a) <= t(_, a), !degree(a, _);
        }
    }
}

classic! {
    store: blossom::program! {
        /// A key-value store: values upserted, inserted, bumped, deleted and forced by key. A
        /// tick that would give a key two values is rejected.
        pub(crate) Store {
            input put(k: u32, v: u32);
            input add(k: u32, v: u32);
            input bump(k: u32);
            input del(k: u32);
            input force(k: u32, v: u32);
            table store(k: u32 => v: u32);
            scratch echo(k: u32 => v: u32);
            output current(k: u32, v: u32);
            output size(n: u32);
            output top(v: u32 => k: u32);
            output echoed(k: u32, v: u32);

            store(k, v) <+- put(k, v);
            store(k, v) <+ add(k, v);
            store(k, w) <+- store(k, v), bump(k), let w = v + 1, if w < 6;
            store(k, v) <- store(k, v), del(k);
            store(k, v) <= force(k, v);
            echo(k, v) <+ add(k, v), !store(k, _);
            current(k, v) <= store(k, v);
            size(count()) <= store(_, _);
            top(v, max(k)) <= store(k, v);
            echoed(k, v) <= echo(k, v);
        }
    }
}

classic! {
    flood: blossom::program! {
        /// Flooding: every node tells its peers every word it knows, in every tick; a node
        /// knows what it hears from the next tick on. Counts and negations of what arrives.
        pub(crate) Flood {
            input link(to: Addr);
            input unlink(to: Addr);
            input say(w: u32);
            input forget(w: u32);
            table peers(to: Addr);
            table known(w: u32);
            channel tell(@to: Addr, from: Addr, w: u32);
            output knows(w: u32);
            output heard(w: u32, n: u32);
            output news(from: Addr, w: u32);
            output deaf(w: u32);

            peers(p) <+ link(p);
            peers(p) <- peers(p), unlink(p);
            known(w) <+ say(w);
            known(w) <+ tell(_, _, w);
            known(w) <- known(w), forget(w);
            tell(@p, me, w) <~ known(@me, w), peers(p);
            knows(w) <= known(w);
            heard(w, count()) <= tell(_, _, w);
            news(from, w) <= tell(_, from, w), !known(w);
            deaf(w) <= known(w), !tell(_, _, w);
        }
    }
}

classic! {
    lookup: blossom::program! {
        /// Requests and responses: clients ask servers for keys, a server answers from its
        /// keyed table, a client keeps the last answer per server and key, and a log of all.
        /// Two answers with one key in one tick (sent in different ticks, delayed) break the
        /// client's key.
        pub(crate) Lookup {
            input ask(server: Addr, k: u32);
            input set(k: u32, v: u32);
            input drop(k: u32);
            table data(k: u32 => v: u32);
            table answers(server: Addr, k: u32 => v: u32);
            table log(server: Addr, k: u32, v: u32);
            channel request(@to: Addr, from: Addr, k: u32);
            channel reply(@to: Addr, from: Addr, k: u32, v: u32);
            output got(server: Addr, k: u32, v: u32);
            output logged(server: Addr, n: u32);
            output unknown(from: Addr, k: u32);
            output load(from: Addr, n: u32);

            data(k, v) <+- set(k, v);
            data(k, v) <- data(k, v), drop(k);
            request(@s, me, k) <~ ask(@me, s, k);
            reply(@c, me, k, v) <~ request(@me, c, k), data(k, v);
            answers(s, k, v) <+- reply(_, s, k, v);
            log(s, k, v) <+ reply(_, s, k, v);
            got(s, k, v) <= answers(s, k, v);
            logged(s, count()) <= log(s, _, _);
            unknown(c, k) <= request(_, c, k), !data(k, _);
            load(c, count()) <= request(_, c, _);
        }
    }
}

classic! {
    watch: blossom::program! {
        /// Heartbeats: each node whose timer runs tells its monitors of every beat, by its own
        /// clock; a monitor counts the beats it heard, and notices who went quiet. Beside
        /// them, claims on keys: a claim `(k, k)` gives `k` two owners and rejects the tick,
        /// whose beats fire again.
        pub(crate) Watch {
            periodic beat(every = std::time::Duration::from_millis(100));
            input monitor(at: Addr);
            input unwatch(at: Addr);
            table watcher(at: Addr);
            channel alive(@to: Addr, from: Addr, n: u64);
            table beats(from: Addr, n: u64);
            output heard(from: Addr, n: u32);
            output fresh(from: Addr, n: u64);
            output quiet(from: Addr);
            output ticking(n: u64);
            input claim(k: u32, v: u32);
            table owner(k: u32 => v: u32);
            output owned(k: u32, v: u32);

            watcher(m) <+ monitor(m);
            watcher(m) <- watcher(m), unwatch(m);
            alive(@m, me, n) <~ beat(@me, n), watcher(m);
            beats(from, n) <+ alive(_, from, n);
            heard(from, count()) <= beats(from, _);
            fresh(from, n) <= alive(_, from, n);
            quiet(from) <= beats(from, _), !alive(_, from, _);
            ticking(n) <= beat(n);
            owner(k, v) <+- claim(k, v);
            owner(k, w) <+- claim(k, v), if v == k, let w = v + 1;
            owned(k, v) <= owner(k, v);
        }
    }
}

/// Ticks per history.
const TICKS: usize = 50;

/// Nodes in the histories of programs with channels.
const NODES: u32 = 4;

/// Runs `case` on random histories of [`TICKS`] ticks, each inserting 0 to 6 rows with values
/// below 6 into its inputs, and moving the clock 0 to 2 times if it has periodics.
fn check(case: &Case) -> Seen {
    let shape = Shape {
        ticks: TICKS..=TICKS,
        rows: 0..=6,
        values: 6,
        nodes: NODES,
        clock_events: 0..=2,
    };
    check_shaped(case, &shape, &[Network::default()], cases(8))
}

#[test]
fn a_changing_graph_agrees_with_the_reference_at_every_tick() {
    check(&graph::CASE);
}

#[test]
fn a_table_its_rules_change_agrees_with_the_reference_at_every_tick() {
    check(&churn::CASE);
}

#[test]
fn a_keyed_store_agrees_with_the_reference_on_every_tick_and_every_rejected_one() {
    let shape = Shape {
        ticks: TICKS..=TICKS,
        rows: 0..=3,
        values: 4,
        nodes: NODES,
        clock_events: 0..=0,
    };
    let seen = check_shaped(&store::CASE, &shape, &[Network::default()], cases(8));
    // Both verdicts are common, so both are checked often.
    assert!(
        seen.rejected * 10 >= seen.ticks && seen.rejected * 2 <= seen.ticks,
        "rejected ticks are rare or too common: {seen:?}"
    );
}

/// Regression: after two rejected ticks in a row, Blossom's outputs showed the first rejected
/// tick's rows, not those of the last accepted tick (found by the keyed store's random check).
#[test]
fn outputs_after_two_rejected_ticks_in_a_row_are_those_before_both() {
    for workers in reference::WORKERS {
        let mut store = store::Store::with_workers(workers).expect("starts");
        store.put.insert((0, 0));
        store.tick().expect("accepted");
        store.tick().expect("accepted");
        assert_eq!(store.current.snapshot().expect("rows"), [(0, 0)]);
        for rejected in 1..=3 {
            // A second value for key 0 beside the stored one.
            store.force.insert((0, 1));
            let error = store.tick().expect_err("a broken key");
            assert!(
                matches!(&error, blossom::Error::KeyConflict { key, .. } if key == "0"),
                "{error}"
            );
            let current = store.current.snapshot().expect("rows");
            assert_eq!(
                current,
                [(0, 0)],
                "rejected tick {rejected}, {workers} worker(s)"
            );
        }
        store.tick().expect("accepted");
        assert_eq!(store.current.snapshot().expect("rows"), [(0, 0)]);
    }
}

/// Regression: in a program with keys, a channel under random delays delivered rows at the
/// wrong ticks, though no tick was rejected (found by the request/response random check).
#[test]
fn a_keyed_program_delivers_each_message_when_its_delay_says() {
    for seed in 0..8 {
        let network = Network::random(seed).delays(1..=4);
        let config = blossom::Config::with_workers(2).network(network.clone());
        let mut lookup = lookup::Lookup::with_config(&config).expect("starts");
        // Node 0 asks node 1 for key 5 in tick 0: the request arrives once, as its delay says.
        lookup.ask.insert((Addr(0), Addr(1), 5));
        let arrives = network.delay(&(Addr(1), Addr(0), 5u32), 0);
        for tick in 0..8 {
            lookup.tick().expect("no key is broken");
            let unknown = lookup.unknown.snapshot().expect("rows");
            let want = match tick == arrives {
                true => vec![(Addr(1), Addr(0), 5)],
                false => vec![],
            };
            assert_eq!(unknown, want, "seed {seed}, tick {tick}, delay {arrives}");
        }
    }
}

/// Histories for programs with channels: [`TICKS`] ticks over [`NODES`] nodes, each inserting
/// 0 to 4 rows with values below 4.
fn nodes_shape() -> Shape {
    Shape {
        ticks: TICKS..=TICKS,
        rows: 0..=4,
        values: 4,
        nodes: NODES,
        clock_events: 0..=0,
    }
}

#[test]
fn flooding_nodes_agree_with_the_reference_on_any_network() {
    check_shaped(&flood::CASE, &nodes_shape(), &networks(), cases(8));
}

#[test]
fn requests_and_responses_agree_with_the_reference_on_any_network() {
    let shape = Shape {
        rows: 1..=5,
        ..nodes_shape()
    };
    let seen = check_shaped(&lookup::CASE, &shape, &networks(), cases(8));
    assert!(seen.rejected > 0, "no tick was rejected: {seen:?}");
}

#[test]
fn heartbeats_agree_with_the_reference_as_clocks_move_on_any_network() {
    let shape = Shape {
        ticks: 30..=30,
        rows: 1..=3,
        clock_events: 1..=3,
        ..nodes_shape()
    };
    let seen = check_shaped(&watch::CASE, &shape, &networks(), cases(8));
    assert!(seen.rejected > 0, "no tick was rejected: {seen:?}");
}
