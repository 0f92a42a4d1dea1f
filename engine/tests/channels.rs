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
