//! The reference itself, on hand-made programs whose answers are worked out by hand: keys and
//! rejected ticks, nodes and channels, the network's delays, and timers.

use std::collections::BTreeSet;

use blossom::{Addr, Network};

use super::oracle::{ones, rows};
use super::reference::{Event, Kind, Reference, Rejected, Type, Typed, builder};

/// A relation's rows after a tick, or the first conflict's relation, when and key if the tick
/// is rejected.
type After = Result<BTreeSet<Vec<u32>>, (String, String, String)>;

/// Runs `text` on the reference, one tick per item of `ticks`, and returns `relation`'s rows
/// after each tick.
fn steps(text: &str, network: Network, ticks: &[Vec<Event>], relation: &str) -> Vec<After> {
    let program = builder::parse(text);
    let mut reference = Reference::with_network(&program, network);
    (ticks.iter())
        .map(|events| match reference.step(events) {
            Ok(mut db) => Ok(std::mem::take(&mut db[program.id(relation)])),
            Err(Rejected { conflicts }) => {
                let first = &conflicts[0];
                Err((
                    first.relation.clone(),
                    first.when.clone(),
                    first.key.clone(),
                ))
            }
        })
        .collect()
}

/// `relation(values)` inserted, for `text`'s program.
fn insert(text: &str, relation: &str, values: &[u32]) -> Event {
    Event::Insert(builder::parse(text).id(relation), values.to_vec())
}

const STORE: &str = "input put(k: u32, v: u32); input add(k: u32, v: u32); input del(k: u32);
    input force(k: u32, v: u32); table t(k: u32 => v: u32); scratch s(k: u32 => v: u32);
    output o(k: u32 => v: u32);
    t(k, v) <+- put(k, v); t(k, v) <+ add(k, v); t(k, v) <- t(k, v), del(k);
    t(k, v) <= force(k, v); s(k, v) <+ add(k, v); o(k, v) <= force(k, v);";

#[test]
fn the_reference_deletes_then_inserts_then_upserts() {
    let e = |relation: &str, values: &[u32]| insert(STORE, relation, values);
    let ticks = [
        vec![e("add", &[1, 1]), e("put", &[2, 2])],
        vec![e("del", &[1]), e("add", &[1, 5])],
        vec![e("put", &[2, 3]), e("add", &[2, 4])],
        vec![e("put", &[1, 7]), e("del", &[1])],
        vec![],
    ];
    let t: Vec<_> = (steps(STORE, Network::default(), &ticks, "t").into_iter())
        .map(|tick| tick.expect("accepted"))
        .collect();
    let expected = [
        rows(&[]),
        rows(&[&[1, 1], &[2, 2]]),
        rows(&[&[1, 5], &[2, 2]]),
        // The upsert replaces the row `add` inserted for key 2 as well.
        rows(&[&[1, 5], &[2, 3]]),
        rows(&[&[1, 7], &[2, 3]]),
    ];
    assert_eq!(t, expected);
}

#[test]
fn the_reference_rejects_a_tick_that_breaks_a_key_and_keeps_what_was_before() {
    let e = |relation: &str, values: &[u32]| insert(STORE, relation, values);
    let conflict = |relation: &str, when: &str, key: &str| {
        Err((relation.to_string(), when.to_string(), key.to_string()))
    };
    let ticks = [
        vec![e("put", &[1, 5])],
        vec![e("add", &[3, 3])],
        // Forced beside the stored row, this tick and so in the next ("the next tick" sorts
        // first). The row for key 4 goes with the tick.
        vec![e("force", &[1, 9]), e("put", &[4, 4])],
        vec![],
        // Two upserts of one key: the next tick.
        vec![e("put", &[2, 1]), e("put", &[2, 2])],
        // Two insertions of one key, into a table and a scratch: the scratch sorts first.
        vec![e("add", &[1, 6]), e("add", &[1, 7])],
        vec![e("force", &[1, 5]), e("del", &[3])],
        vec![],
    ];
    let t = steps(STORE, Network::default(), &ticks, "t");
    let both = rows(&[&[1, 5], &[3, 3]]);
    let expected = [
        Ok(rows(&[])),
        Ok(rows(&[&[1, 5]])),
        conflict("t", "the next tick", "1"),
        Ok(both.clone()),
        conflict("t", "the next tick", "2"),
        conflict("s", "the next tick", "1"),
        Ok(both),
        Ok(rows(&[&[1, 5]])),
    ];
    assert_eq!(t, expected);
    let program = builder::parse(STORE);
    let mut reference = Reference::new(&program);
    let rejected = reference.step(&[e("force", &[7, 1]), e("force", &[7, 0])]);
    let conflicts = rejected.expect_err("two values for key 7").conflicts;
    assert_eq!(
        (conflicts[0].relation.as_str(), conflicts[0].when.as_str()),
        ("o", "this tick")
    );
    assert_eq!(
        conflicts[0].rows,
        ("(7, 0)".to_string(), "(7, 1)".to_string())
    );
    assert_eq!(
        conflicts.len(),
        3,
        "`o` this tick, `t` this tick and the next"
    );
}

const RELAY: &str = "input say(w: u32); input peer(to: Addr); table peers(to: Addr);
    table heard(from: Addr, w: u32); channel wire(@to: Addr, from: Addr, w: u32);
    output log(from: Addr, w: u32); output lonely(w: u32);
    peers(p) <= peer(p); wire(@p, me, w) <~ say(@me, w), peers(p);
    heard(from, w) <= wire(_, from, w); log(from, w) <= heard(from, w);
    lonely(w) <= say(w), !peers(_);";

#[test]
fn the_builder_gives_every_relation_but_a_channel_its_node_first() {
    let program = builder::parse(RELAY);
    let arity = |name: &str| program.relations[program.id(name)].arity;
    assert_eq!(
        (arity("say"), arity("peers"), arity("wire"), arity("log")),
        (2, 2, 3, 3)
    );
    let say = &program.relations[program.id("say")];
    assert_eq!(say.types, [Type::Addr, Type::U32]);
    let keyed = builder::parse("table t(k: u32 => v: u32); channel c(@to: Addr);");
    assert_eq!(
        keyed.relations[0].key,
        Some(2),
        "the node is part of the key"
    );
    assert_eq!(keyed.relations[1].key, None);
    let timer = builder::parse("periodic p(every = std::time::Duration::from_secs(2));");
    assert_eq!(timer.relations[0].kind, Kind::Periodic { every_ms: 2000 });
}

#[test]
fn the_reference_runs_rules_on_each_node_and_delivers_in_the_next_tick() {
    let e = |relation: &str, values: &[u32]| insert(RELAY, relation, values);
    let ticks = [
        vec![
            e("peer", &[1, 2]),
            e("peer", &[2, 3]),
            e("say", &[1, 7]),
            e("say", &[3, 8]),
        ],
        vec![e("say", &[2, 9])],
        vec![],
        vec![],
    ];
    let log = steps(RELAY, Network::default(), &ticks, "log");
    let expected = [
        rows(&[]),
        rows(&[&[2, 1, 7]]),
        rows(&[&[2, 1, 7], &[3, 2, 9]]),
        rows(&[&[2, 1, 7], &[3, 2, 9]]),
    ];
    assert_eq!(log, expected.map(Ok));
    // Node 3 has no peers, node 1 has one: rules read their own node's rows only.
    let lonely = steps(RELAY, Network::default(), &ticks[..1], "lonely");
    assert_eq!(lonely, [Ok(rows(&[&[3, 8]]))]);
}

const CHATTER: &str = "input talk(to: Addr, n: u32); table talking(to: Addr, n: u32);
    channel said(@to: Addr, n: u32); output heard(n: u32);
    talking(to, n) <= talk(to, n); said(@to, n) <~ talking(to, n); heard(n) <= said(_, n);";

#[test]
fn the_reference_delays_each_sending_as_the_network_says() {
    let network = Network::random(5).delays(1..=4);
    let ticks: Vec<Vec<Event>> = (0..14)
        .map(|tick| match tick {
            0 => vec![insert(CHATTER, "talk", &[0, 1, 7])],
            _ => vec![],
        })
        .collect();
    let heard = steps(CHATTER, network.clone(), &ticks, "heard");
    // Node 0 sends `(@1, 7)` in every tick from 0 on, each sending a message of its own.
    let arrives =
        |tick: u64| (0..tick).any(|sent| sent + network.delay(&(Addr(1), 7u32), sent) == tick);
    for (tick, rows) in heard.iter().enumerate() {
        let want = match arrives(tick as u64) {
            true => rows_at(1, 7),
            false => BTreeSet::new(),
        };
        assert_eq!(rows, &Ok(want), "tick {tick}");
    }
    let ticks: Vec<u64> = (0..10)
        .map(|sent| network.delay(&(Addr(1), 7u32), sent))
        .collect();
    assert!(
        ticks.iter().collect::<BTreeSet<_>>().len() > 1,
        "delays vary: {ticks:?}"
    );
}

fn rows_at(node: u32, n: u32) -> BTreeSet<Vec<u32>> {
    rows(&[&[node, n]])
}

#[test]
fn the_reference_hashes_a_row_as_blossom_holds_it() {
    let network = Network::random(9).delays(1..=1000);
    for tick in 0..50u64 {
        let (a, b) = (tick as u32 % 5, tick as u32 * 7);
        let typed = |values: &[u32], types: &[Type]| network.delay(&Typed(values, types), tick);
        assert_eq!(typed(&[a], &[Type::Addr]), network.delay(&Addr(a), tick));
        let pair = network.delay(&(Addr(a), b), tick);
        assert_eq!(typed(&[a, b], &[Type::Addr, Type::U32]), pair);
        let triple = network.delay(&(Addr(a), Addr(b), u64::from(b)), tick);
        assert_eq!(
            typed(&[a, b, b], &[Type::Addr, Type::Addr, Type::U64]),
            triple
        );
    }
}

#[test]
fn the_reference_sends_again_what_a_rejected_tick_received() {
    let text = "input send(to: Addr, n: u32); input force(k: u32, v: u32);
        table t(k: u32 => v: u32); channel c(@to: Addr, n: u32); output got(n: u32);
        c(@to, n) <~ send(to, n); got(n) <= c(_, n); t(k, v) <= force(k, v);";
    let e = |relation: &str, values: &[u32]| insert(text, relation, values);
    let ticks = [
        vec![e("send", &[0, 1, 5])],
        vec![
            e("force", &[1, 2, 0]),
            e("force", &[1, 2, 1]),
            e("send", &[0, 1, 6]),
        ],
        vec![],
        vec![],
    ];
    let got = steps(text, Network::default(), &ticks, "got");
    let when = "the next tick".to_string();
    let rejected = Err(("t".to_string(), when, "(Addr(1), 2)".to_string()));
    assert_eq!(
        got,
        [Ok(rows(&[])), rejected, Ok(rows_at(1, 5)), Ok(rows(&[]))]
    );
    // Under delays, what a rejected tick received goes out again as if sent in that tick.
    let network = Network::random(3).delays(2..=5);
    let delay = |tick: u64| network.delay(&(Addr(1), 5u32), tick);
    let first = delay(0);
    let again = first + delay(first);
    let ticks: Vec<Vec<Event>> = (0..=again + 1)
        .map(|tick| match tick {
            0 => vec![e("send", &[0, 1, 5])],
            t if t == first => vec![e("force", &[1, 2, 0]), e("force", &[1, 2, 1])],
            _ => vec![],
        })
        .collect();
    let got = steps(text, network.clone(), &ticks, "got");
    for (tick, after) in (0..).zip(&got) {
        match tick {
            t if t == first => assert!(after.is_err(), "tick {tick} is rejected"),
            t if t == again => assert_eq!(after, &Ok(rows_at(1, 5)), "tick {tick}"),
            _ => assert_eq!(after, &Ok(rows(&[])), "tick {tick}"),
        }
    }
}

#[test]
fn the_reference_fires_a_timer_once_per_period_passed() {
    let text = "periodic beat(every = Duration::from_millis(100)); output seen(n: u64);
        seen(n) <= beat(n);";
    let ticks = [
        vec![],
        vec![Event::Advance(None, 250)],
        vec![],
        vec![Event::Advance(None, 40)],
        vec![Event::Advance(None, 10)],
    ];
    let seen = steps(text, Network::default(), &ticks, "seen");
    assert_eq!(
        seen,
        [ones(&[]), ones(&[0, 1]), ones(&[]), ones(&[]), ones(&[2])].map(Ok)
    );
}

#[test]
fn the_reference_fires_a_timer_on_each_node_by_its_clock_from_its_start() {
    let text = "periodic beat(every = Duration::from_millis(100)); channel c(@to: Addr);
        output seen(n: u64); seen(n) <= beat(n);";
    let beat = builder::parse(text).id("beat");
    let ticks = [
        vec![
            Event::Advance(None, 150),
            Event::Start(beat, 1),
            Event::Start(beat, 2),
        ],
        // Node 2's clock starts at the program's 150 ms, runs ahead, and moves as time passes.
        vec![Event::Advance(Some(2), 300), Event::Advance(None, 100)],
        vec![Event::Advance(None, 100), Event::Stop(beat, 1)],
        vec![Event::Start(beat, 1), Event::Advance(None, 100)],
        vec![Event::Advance(None, 100)],
    ];
    let seen = steps(text, Network::default(), &ticks, "seen");
    let expected = [
        rows(&[]),
        rows(&[&[1, 0], &[2, 0], &[2, 1], &[2, 2], &[2, 3]]),
        rows(&[&[2, 4]]),
        // Node 1's timer starts again, from 0, at 450 ms.
        rows(&[&[2, 5]]),
        rows(&[&[1, 0], &[2, 6]]),
    ];
    assert_eq!(seen, expected.map(Ok));
}
