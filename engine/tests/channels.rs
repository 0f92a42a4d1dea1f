//! Channels and logical nodes: rules run on each node over its own rows, and `<~` delivers a
//! row to the node in its `@` column in the next tick.

use blossom::Addr;

blossom::program! {
    /// Each node forwards what it hears to its peer; nodes remember what they heard.
    Relay {
        input   say(word: String);
        input   peer(to: Addr);
        table   peers(to: Addr);
        table   heard(from: Addr, word: String);
        channel wire(@to: Addr, from: Addr, word: String);
        output  log(from: Addr, word: String);

        peers(p) <= peer(p);
        wire(@p, me, w) <~ say(@me, w), peers(p);
        heard(from, w) <= wire(_, from, w);
        log(from, w) <= heard(from, w);
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn a_message_arrives_at_its_node_in_the_next_tick_and_only_there() {
    for workers in [1, 2, 4] {
        let mut relay = Relay::with_workers(workers).unwrap();
        relay.peer.extend([(Addr(1), Addr(2)), (Addr(2), Addr(3))]);
        relay.say.insert((Addr(1), s("hello")));
        relay.tick().unwrap();
        assert_eq!(relay.log.snapshot().unwrap(), [], "nothing has arrived yet");
        relay.tick().unwrap();
        // Node 2 heard it; node 1 (the sender) and node 3 did not.
        assert_eq!(
            relay.log.snapshot().unwrap(),
            [(Addr(2), Addr(1), s("hello"))],
            "{workers} workers"
        );
        relay.say.insert((Addr(2), s("again")));
        relay.tick().unwrap();
        relay.tick().unwrap();
        assert_eq!(
            relay.log.snapshot().unwrap(),
            [
                (Addr(2), Addr(1), s("hello")),
                (Addr(3), Addr(2), s("again"))
            ]
        );
    }
}

blossom::program! {
    /// Rules join only rows of one node; a channel atom's `@` variable is the node itself.
    Local {
        input   fact(n: u32);
        input   probe(n: u32);
        input   send(to: Addr, n: u32);
        channel note(@at: Addr, n: u32);
        output  found(n: u32);
        output  noted(at: Addr, n: u32);
        output  lonely(n: u32);

        found(n) <= probe(n), fact(n);
        lonely(n) <= probe(n), !fact(n);
        note(@to, n) <~ send(to, n);
        noted(me, n) <= note(me, n);
    }
}

#[test]
fn rules_join_and_negate_within_one_node() {
    let mut p = Local::with_workers(2).unwrap();
    p.fact.extend([(Addr(1), 7), (Addr(2), 8)]);
    p.probe.extend([(Addr(1), 7), (Addr(1), 8), (Addr(2), 7)]);
    p.send.insert((Addr(1), Addr(5), 9));
    p.tick().unwrap();
    assert_eq!(p.found.snapshot().unwrap(), [(Addr(1), 7)]);
    assert_eq!(p.lonely.snapshot().unwrap(), [(Addr(1), 8), (Addr(2), 7)]);
    p.tick().unwrap();
    assert_eq!(p.noted.snapshot().unwrap(), [(Addr(5), Addr(5), 9)]);
    p.tick().unwrap();
    assert_eq!(p.noted.snapshot().unwrap(), [], "a message lasts one tick");
}

/// Runs `relay` until `log` stops changing for `quiet` ticks, returning each row's first tick.
fn arrivals(relay: &mut Relay, ticks: u64) -> Vec<((Addr, Addr, String), u64)> {
    let mut first = std::collections::BTreeMap::new();
    for _ in 0..ticks {
        relay.tick().expect("tick");
        for row in relay.log.snapshot().expect("log") {
            first.entry(row).or_insert(relay.ticks() - 1);
        }
    }
    first.into_iter().collect()
}

#[test]
fn a_random_network_delays_each_message_as_its_seed_says_on_any_number_of_workers() {
    let network = blossom::Network::random(11).delays(1..=5);
    let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
    let mut runs = Vec::new();
    for workers in [1, 2, 4] {
        let config = blossom::Config::with_workers(workers).network(network.clone());
        let mut relay = Relay::with_config(&config).unwrap();
        relay.peer.insert((Addr(1), Addr(2)));
        relay.tick().unwrap();
        relay.say.extend(words.iter().map(|w| (Addr(1), w.clone())));
        runs.push(arrivals(&mut relay, 8));
    }
    let got = &runs[0];
    assert_eq!(got.len(), words.len(), "every message arrives");
    // Sent in tick 1 as `wire(@2, 1, w)`, each arrives where its delay says; `heard` is a table,
    // so `log` has it from then on.
    for ((node, from, word), tick) in got {
        let delay = network.delay(&(Addr(2), Addr(1), word.clone()), 1);
        assert_eq!((*node, *from), (Addr(2), Addr(1)));
        assert_eq!(*tick, 1 + delay, "{word}");
    }
    let ticks: std::collections::BTreeSet<u64> = got.iter().map(|(_, t)| *t).collect();
    assert!(
        ticks.len() >= 4,
        "sent together, they arrive apart: {ticks:?}"
    );
    assert!(
        runs.iter().all(|run| run == got),
        "the same schedule on 1, 2 and 4 workers"
    );
}

blossom::program! {
    /// A message sent in every tick while a table holds it: each sending is a message of its own.
    Chatter {
        input   talk(to: Addr, n: u32);
        table   talking(to: Addr, n: u32);
        input   hush(to: Addr, n: u32);
        channel said(@to: Addr, n: u32);
        output  heard(n: u32);

        talking(to, n) <= talk(to, n);
        talking(to, n) <- hush(to, n);
        said(@to, n) <~ talking(to, n);
        heard(n) <= said(_, n);
    }
}

#[test]
fn a_row_sent_in_many_ticks_arrives_once_for_each_as_its_delays_say() {
    let network = blossom::Network::random(5).delays(1..=3);
    for workers in [1, 2] {
        let config = blossom::Config::with_workers(workers).network(network.clone());
        let mut chatter = Chatter::with_config(&config).unwrap();
        // Node 0 sends (@1, 7) in ticks 0 to 5, then stops.
        chatter.talk.insert((Addr(0), Addr(1), 7));
        let mut heard = Vec::new();
        for tick in 0..12u64 {
            if tick == 5 {
                chatter.hush.insert((Addr(0), Addr(1), 7));
            }
            chatter.tick().unwrap();
            heard.push(!chatter.heard.is_empty());
        }
        let expected: Vec<bool> = (0..12u64)
            .map(|tick| (0..=5u64).any(|sent| sent + network.delay(&(Addr(1), 7u32), sent) == tick))
            .collect();
        assert_eq!(heard, expected, "{workers} workers");
    }
}

blossom::program! {
    /// Every node heartbeats its monitor; the monitor counts the beats it heard from each node.
    Heartbeats {
        periodic beat(every = std::time::Duration::from_millis(100));
        input    monitor(at: Addr);
        table    watcher(at: Addr);
        channel  alive(@to: Addr, from: Addr, n: u64);
        table    beats(from: Addr, n: u64);
        output   heard(from: Addr, beats: u32);

        watcher(m) <= monitor(m);
        alive(@m, me, n) <~ beat(@me, n), watcher(m);
        beats(from, n) <= alive(_, from, n);
        heard(from, count()) <= beats(from, _);
    }
}

#[test]
fn each_node_fires_its_timers_by_its_own_clock() {
    use std::time::Duration;
    let program_clock = blossom::VirtualClock::default();
    let fast = blossom::VirtualClock::default();
    let mut h = Heartbeats::with_workers(2).unwrap();
    h.set_clock(program_clock.clone());
    h.set_node_clock(Addr(2), fast.clone());
    for node in [Addr(1), Addr(2), Addr(3)] {
        h.monitor.insert((node, Addr(0)));
        h.beat.start(node);
    }
    h.tick().unwrap();
    for _ in 0..5 {
        program_clock.advance(Duration::from_millis(100));
        fast.advance(Duration::from_millis(200));
        h.tick().unwrap();
    }
    h.beat.stop(Addr(3));
    program_clock.advance(Duration::from_millis(300));
    h.tick().unwrap();
    h.tick().unwrap();
    assert_eq!(
        (h.beat.fired_at(Addr(1)), h.beat.fired_at(Addr(2))),
        (8, 10)
    );
    assert_eq!(h.beat.fired_at(Addr(3)), 0, "a stopped timer is gone");
    assert_eq!(
        h.heard.snapshot().unwrap(),
        [
            (Addr(0), Addr(1), 8),
            (Addr(0), Addr(2), 10),
            (Addr(0), Addr(3), 5)
        ],
        "node 2's clock runs twice as fast; node 3 stopped after 5 beats"
    );
}

blossom::program! {
    /// Keys and channels in one program: the last value a node was told for each key.
    Told {
        input   tell(to: Addr, k: u32, v: u32);
        table   last(k: u32 => v: u32);
        channel note(@to: Addr, k: u32, v: u32);
        output  known(k: u32, v: u32);

        note(@to, k, v) <~ tell(to, k, v);
        last(k, v) <+- note(_, k, v);
        known(k, v) <= last(k, v);
    }
}

#[test]
fn keyed_tables_and_channels_work_together() {
    let mut told = Told::with_workers(2).unwrap();
    told.tell
        .extend([(Addr(0), Addr(1), 7, 1), (Addr(0), Addr(2), 7, 2)]);
    for _ in 0..3 {
        told.tick().unwrap();
    }
    assert_eq!(
        told.known.snapshot().unwrap(),
        [(Addr(1), 7, 1), (Addr(2), 7, 2)]
    );
    told.tell.insert((Addr(0), Addr(1), 7, 5));
    for _ in 0..3 {
        told.tick().unwrap();
    }
    assert_eq!(
        told.known.snapshot().unwrap(),
        [(Addr(1), 7, 5), (Addr(2), 7, 2)]
    );
    // Under a delaying network, each told value still lands once it arrives (at most 4 ticks
    // a hop), and a later one replaces it.
    for seed in 0..4 {
        let delaying = blossom::Config::with_workers(2).network(blossom::Network::random(seed));
        let mut told = Told::with_config(&delaying).unwrap();
        for (v, to) in [(1, Addr(1)), (2, Addr(2)), (3, Addr(1))] {
            told.tell.insert((Addr(0), to, 7, v));
            for _ in 0..6 {
                told.tick().unwrap();
            }
        }
        assert_eq!(
            told.known.snapshot().unwrap(),
            [(Addr(1), 7, 3), (Addr(2), 7, 2)],
            "seed {seed}"
        );
    }
}
