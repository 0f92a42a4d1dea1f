//! The CALM reports of the examples, in pairs that differ in what needs coordination:
//! reachability (monotone) and unreachable (a negation); shortest paths by `argmin` (an
//! aggregate) and through a lattice (monotone); a quorum by a set's size threshold
//! (asynchronous but confluent); the cart, whose sum after asynchronous messages is safe where a
//! seal says the actions are complete; the ad counter, whose stop on a gossiped count is a real
//! point of order; a cart overwritten in place (divergent) against one merged as a lattice;
//! deadlock detection, where a cycle is monotone and "nothing waits on it" is not (and a sealed
//! "it waits on nothing" is safe again); a quorum by `count()` (divergent).
//! And `--explain` in each of its four formats, and every example's report as a reviewed
//! snapshot (`tests/snapshots/`; after a change, review with `cargo insta review`, or rerun with
//! `INSTA_UPDATE=always` and read the diff).

mod binary;

use binary::run;
use blossom::Explain;
use blossom::explain::Label;
use blossom::lattices::Monotone;
use blossom::lattices::functions::Total;
use blossom::{Addr, Config, Network};
use blossom_examples::coordination;
use blossom_examples::{
    ads, cart, paths, quorum, reach, ring, serving, shortest, straggler, unreachable, wordcount,
};

/// Each output's label, by name.
fn labels(explain: &Explain) -> Vec<(&'static str, Label)> {
    explain.outputs.iter().map(|o| (o.name, o.label)).collect()
}

/// The non-monotone edges, as `from -> to`.
fn points_of_order(explain: &Explain) -> Vec<String> {
    (explain.edges.iter())
        .filter(|e| !e.monotone())
        .map(|e| format!("{} -> {}", e.from, e.to))
        .collect()
}

#[test]
fn reachability_is_monotone_and_unreachable_is_local() {
    let reach = reach::Reach::explain();
    assert_eq!(labels(reach), [("path", Label::Monotone)]);
    assert!(points_of_order(reach).is_empty());
    let unreachable = unreachable::Unreachable::explain();
    assert_eq!(labels(unreachable), [("unreachable", Label::Local)]);
    assert_eq!(points_of_order(unreachable), ["reached -> unreachable"]);
    let text = unreachable.coordination().to_string();
    assert!(text.contains("negates `reached`"), "{text}");
    assert!(
        text.contains("unreachable(n) <= node(n), !reached(n);"),
        "{text}"
    );
}

#[test]
fn shortest_paths_by_argmin_are_local_and_through_a_lattice_monotone() {
    let argmin = shortest::ShortestPaths::explain();
    assert_eq!(
        labels(argmin),
        [("shortest", Label::Local), ("next_hop", Label::Local)]
    );
    assert_eq!(
        points_of_order(argmin),
        ["route -> shortest", "route -> next_hop"]
    );
    for lattice in [
        paths::LatticePaths::explain(),
        paths::WidestPaths::explain(),
    ] {
        assert!(
            points_of_order(lattice).is_empty(),
            "{}",
            lattice.coordination()
        );
        assert!(labels(lattice).iter().all(|(_, l)| *l == Label::Monotone));
        // The outputs show the lattices' values: views, not points of order.
        assert!(lattice.edges.iter().any(|e| e.view));
    }
    // One stratum holds the recursion through the lattice.
    let lattice = paths::LatticePaths::explain();
    let best = lattice
        .strata
        .iter()
        .find(|s| s.relations.contains(&"best"));
    assert!(best.is_some_and(|s| s.recursive && s.relations == ["best"]));
}

#[test]
fn a_quorum_by_a_set_threshold_is_confluent() {
    let quorum = quorum::Quorum::explain();
    assert!(
        points_of_order(quorum).is_empty(),
        "{}",
        quorum.coordination()
    );
    assert!(labels(quorum).iter().all(|(_, l)| *l == Label::Async));
    // Aggregating the same ballots with `count()` would not be.
    let counted = wordcount::WordCount::explain();
    assert!(labels(counted).iter().all(|(_, l)| *l == Label::Local));
}

#[test]
fn a_sealed_sum_is_confluent_and_what_diverges_says_where_and_how_to_fix_it() {
    let cart = cart::Cart::explain();
    assert!(points_of_order(cart).is_empty(), "{}", cart.coordination());
    assert!(labels(cart).iter().all(|(_, l)| *l == Label::Async));
    let sealed: Vec<(&str, Option<&str>)> = (cart.edges.iter())
        .filter(|e| e.sealed_by.is_some())
        .map(|e| (e.from, e.sealed_by))
        .collect();
    assert_eq!(
        sealed,
        [
            ("complete", Some("complete")),
            ("counted", Some("complete"))
        ]
    );
    let ads = ads::AdCounter::explain();
    assert_eq!(points_of_order(ads), ["stopped -> served"]);
    let served = ads.output("served").expect("an output `served`");
    assert_eq!(served.label, Label::Divergent);
    let path = &served.paths[0];
    let at = path.diverges_at.expect("a divergent path says where");
    assert_eq!(
        (ads.edges[at].from, ads.edges[at].to),
        ("stopped", "served")
    );
    assert!(path.fix.contains("sealed"), "{}", path.fix);
    let text = ads.coordination().to_string();
    assert!(text.contains("sends through a channel"), "{text}");
    assert!(
        text.contains("gossip(@p, a, c) <~ views(a, c), peers(p);"),
        "{text}"
    );
    assert!(text.contains("fix: rows of `stopped`"), "{text}");
    // A deletion of a node's last value as tokens arrive; the fix applied, a `Max` lattice,
    // is confluent and gives every node the same value.
    let ring = ring::Ring::explain();
    assert_eq!(labels(ring), [("value", Label::Divergent)]);
    assert!(fix(ring, "value").contains("a lattice"));
    let fixed = coordination::MaxRing::explain();
    assert_eq!(labels(fixed), [("value", Label::Async)]);
    for workers in [1, 2] {
        let config = Config::with_workers(workers);
        let (last, _) = ring::run_ring(5, 12, &config).expect("runs");
        assert_eq!(
            coordination::run_max_ring(5, 12, &config).expect("runs"),
            last
        );
    }
    // The ad counter's fix applied: it serves an ad only where a round of acknowledgements
    // (`synced`, the coordination the fix costs) says its `stopped` is complete for the ad.
    assert_eq!(
        labels(SyncedAds::explain()).iter().map(|(_, l)| *l).max(),
        Some(Label::Async)
    );
}

blossom::program! {
    /// `ads::AdCounter`, serving an ad only once `synced` seals whether it is stopped.
    pub SyncedAds {
        input   campaign(ad: u32, limit: u64);
        input   request(ad: u32, id: u64);
        input   peer(to: Addr);
        input   sync(ad: u32);
        table   peers(to: Addr);
        table   ads(ad: u32, limit: u64);
        table   stopped(ad: u32);
        table   synced(ad: u32);
        lattice shown(ad: u32) -> blossom::SetUnion<u64>;
        lattice views(ad: u32) -> blossom::GCounter<Addr>;
        channel gossip(@to: Addr, ad: u32, views: blossom::GCounter<Addr>);
        output  served(ad: u32, id: u64);
        output  disabled(ad: u32);
        output  count(ad: u32, n: u64);
        seal    stopped(ad) when synced;

        peers(p) <= peer(p);
        ads(a, l) <= campaign(a, l);
        synced(a) <= sync(a);
        served(a, id) <= request(a, id), ads(a, _), synced(a), !stopped(a);
        shown(a, blossom::SetUnion::singleton(id)) <= served(a, id);
        views(a, ads::Tally(me).apply(&s)) <= shown(@me, a, s);
        views(a, c) <= gossip(_, a, c);
        gossip(@p, a, c) <~ views(a, c), peers(p);
        disabled(a) <= views(a, c), ads(a, l), let n = Total.apply(&c), when n >= blossom::Max::new(l);
        stopped(a) <+ disabled(a);
        count(a, *Total.apply(&c).get()) <= views(a, c);
    }
}

/// The fix of output `name`'s divergent path.
fn fix(explain: &'static Explain, name: &str) -> &'static str {
    let output = explain.output(name).expect("an output");
    let path = (output.paths.iter()).find(|p| p.label == Label::Divergent);
    path.expect("a divergent path").fix
}

#[test]
fn a_cart_overwritten_in_place_diverges_and_one_merged_as_a_lattice_does_not() {
    let destructive = coordination::DestructiveCart::explain();
    assert_eq!(labels(destructive), [("cart", Label::Divergent)]);
    assert!(fix(destructive, "cart").contains("keep a log"));
    // The fix applied: a log merged as a lattice, or summed once sealed (`cart::Cart`).
    let lattice = coordination::LatticeCart::explain();
    assert_eq!(labels(lattice), [("cart", Label::Async)]);
    assert!(
        points_of_order(lattice).is_empty(),
        "{}",
        lattice.coordination()
    );
    // Both carts add up; on a network that reorders, two actions on one item may arrive in one
    // tick, and the destructive cart must reject that tick, while the lattice merges both.
    let c = |n| Addr(n);
    let actions: Vec<coordination::CartAction> = vec![
        (0, c(1), 0, "apple", 2),
        (0, c(2), 0, "pear", 1),
        (1, c(1), 1, "apple", 3),
        (2, c(1), 2, "fig", 1),
        (3, c(1), 3, "apple", -5),
        (3, c(2), 1, "pear", 4),
    ];
    let want = vec![(c(1), "fig".to_string(), 1), (c(2), "pear".to_string(), 5)];
    for workers in [1, 2] {
        let config = Config::with_workers(workers);
        let destructive = coordination::run_destructive(&actions, &config);
        assert_eq!(
            destructive.expect("no conflict on the default network"),
            want
        );
        for seed in 0..6 {
            let config = config.clone().network(Network::random(seed).delays(1..=4));
            let lattice = coordination::run_lattice(&actions, &config).expect("runs");
            // The lattice cart shows every item it has heard of, the emptied ones as 0.
            let lattice: Vec<(Addr, String, i32)> = (lattice.into_iter())
                .filter(|(_, _, n)| *n > 0)
                .map(|(c, i, n)| (c, i, i32::try_from(n).expect("small")))
                .collect();
            assert_eq!(lattice, want, "seed {seed}, {workers} workers");
            match coordination::run_destructive(&actions, &config) {
                Ok(carts) => assert_eq!(carts, want, "seed {seed}"),
                Err(error) => assert!(
                    matches!(error, blossom::Error::KeyConflict { .. }),
                    "{error}"
                ),
            }
        }
    }
}

#[test]
fn a_deadlock_is_monotone_and_nothing_waiting_is_not_unless_sealed() {
    let deadlock = coordination::Deadlock::explain();
    assert_eq!(
        labels(deadlock),
        [
            ("deadlocked", Label::Async),
            ("unwaited", Label::Divergent),
            ("free", Label::Async)
        ]
    );
    assert!(fix(deadlock, "unwaited").contains("seal"));
    let sealed: Vec<(&str, &str)> = (deadlock.edges.iter())
        .filter(|e| e.sealed_by == Some("reported"))
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(sealed, [("reported", "free"), ("waits_for", "free")]);
    // Nodes 1, 2, 3 wait in a cycle, 4 waits on 1; 0 waits on nothing, and nothing waits on
    // 0 or 4. Reports race the edges on reordering networks: a sealed `free` never claims a
    // node that waits, at any tick.
    let edges = [(1, 2), (2, 3), (3, 1), (4, 1)].map(|(a, b)| (Addr(a), Addr(b)));
    for seed in 0..6 {
        let config = Config::with_workers(2).network(Network::random(seed).delays(1..=4));
        let seen = coordination::run_deadlock(5, &edges, 0, &config).expect("runs");
        assert_eq!(seen.deadlocked, [Addr(1), Addr(2), Addr(3)], "seed {seed}");
        assert_eq!(seen.unwaited, [Addr(0), Addr(4)], "seed {seed}");
        assert_eq!(seen.free, [Addr(0)], "seed {seed}");
        assert_eq!(seen.free_ever, [Addr(0)], "seed {seed}");
    }
}

#[test]
fn a_quorum_by_count_diverges_and_its_fix_is_the_set_threshold() {
    let counted = coordination::QuorumCount::explain();
    assert_eq!(labels(counted), [("decided", Label::Divergent)]);
    assert_eq!(points_of_order(counted), ["ballots -> votes"]);
    assert!(fix(counted, "decided").contains("threshold"));
    // The fix applied is `quorum::Quorum`, which is A (above). The count still decides once
    // every ballot is in.
    let decided = coordination::run_quorum_count(&[(1, 3), (2, 5)], 4, Network::random(3));
    assert_eq!(decided.expect("runs"), [1]);
}

#[test]
fn monotone_outputs_are_told_as_derived_and_the_others_once_sealed() {
    let explain = straggler::Admission::explain();
    let eager: Vec<(&str, bool)> = explain.outputs.iter().map(|o| (o.name, o.eager)).collect();
    assert_eq!(eager, [("admitted", true), ("admitted_count", false)]);
    // Keyed relations may reject a tick: nothing is told before it is accepted.
    let keyed = coordination::DestructiveCart::explain();
    assert!(keyed.outputs.iter().all(|o| !o.eager));
    for workers in [1, 2, 4] {
        let heard =
            straggler::run_stragglers(&Config::with_workers(workers), 20, 50, 3).expect("runs");
        for tick in heard {
            // Every admission is told early, and the count never is.
            assert_eq!(tick.told_early, tick.sealed_rows);
            assert!(tick.first_admitted.is_some());
            assert_eq!(tick.count_early, 0);
        }
    }
    let args = [
        "-w",
        "2",
        "--requests",
        "10",
        "--cost",
        "20",
        "--ticks",
        "2",
    ];
    let printed = run(env!("CARGO_BIN_EXE_straggler"), &args);
    let last = printed.lines().last().unwrap_or_default();
    assert!(last.starts_with("workers=2 first_admitted="), "{printed}");
    // 2 ticks of 20 requests, every seventh refused: 17 then 17 admitted, all told early.
    assert!(last.ends_with("told_early=34/34"), "{printed}");
}

#[test]
fn binaries_explain_in_four_formats() {
    let binary = env!("CARGO_BIN_EXE_quorum");
    let text = run(binary, &["--explain"]);
    assert!(text.contains("coordination (CALM) of Quorum"), "{text}");
    assert!(text.contains("output decided: A"), "{text}");
    let json = run(binary, &["--explain", "json"]);
    assert!(json.trim_start().starts_with('{'), "{json}");
    assert!(json.contains("\"label\": \"Async\""), "{json}");
    assert!(json.trim_end().ends_with('}'), "{json}");
    let mermaid = run(binary, &["--explain", "mermaid"]);
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(
        mermaid.contains("vote -.->|\"rule 1 #lt;~\"| ballot"),
        "{mermaid}"
    );
    let dot = run(env!("CARGO_BIN_EXE_unreachable"), &["--explain", "dot"]);
    assert!(dot.starts_with("digraph \"Unreachable\""), "{dot}");
    assert!(
        dot.contains(
            "\"reached\" -> \"unreachable\" [label=\"rule 4: negates reached; moves by n\", color=red"
        ),
        "{dot}"
    );
}

#[test]
fn svg_is_drawn_by_graphviz_or_says_it_is_missing() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cart"))
        .args(["--explain", "svg"])
        .output()
        .expect("the example binary starts");
    let graphviz = std::process::Command::new("dot").arg("-V").output().is_ok();
    if graphviz {
        assert!(output.status.success());
        assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
    } else {
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("needs Graphviz"), "{stderr}");
    }
}

#[test]
fn every_report_matches_its_reviewed_snapshot() {
    let programs = [
        ("reachability", reach::Reach::explain()),
        ("unreachable", unreachable::Unreachable::explain()),
        ("shortest_paths", shortest::ShortestPaths::explain()),
        ("lattice_shortest_paths", paths::LatticePaths::explain()),
        ("widest_paths", paths::WidestPaths::explain()),
        ("wordcount", wordcount::WordCount::explain()),
        ("ring", ring::Ring::explain()),
        ("quorum", quorum::Quorum::explain()),
        ("cart", cart::Cart::explain()),
        ("ad_counter", ads::AdCounter::explain()),
        ("destructive_cart", coordination::DestructiveCart::explain()),
        ("lattice_cart", coordination::LatticeCart::explain()),
        ("deadlock", coordination::Deadlock::explain()),
        ("quorum_count", coordination::QuorumCount::explain()),
        ("max_ring", coordination::MaxRing::explain()),
        ("straggler", straggler::Admission::explain()),
        ("prediction_serving", serving::Serving::explain()),
    ];
    for (name, explain) in programs {
        insta::assert_snapshot!(name, explain.coordination().to_string());
        // Where its rows live and what moves between workers: part of `explain`.
        insta::assert_snapshot!(format!("{name}_placement"), explain.placement.to_string());
        assert!(explain.to_string().contains(&explain.placement.to_string()));
        // The other three formats, each naming every output with its label.
        let (json, mermaid, dot) = (explain.to_json(), explain.mermaid(), explain.dot());
        assert!(
            json.starts_with('{') && json.trim_end().ends_with('}'),
            "{name}: {json}"
        );
        assert!(mermaid.starts_with("flowchart LR"), "{name}: {mermaid}");
        assert!(
            json.contains("\"placement\": {\"relations\""),
            "{name}: {json}"
        );
        assert!(dot.starts_with("digraph"), "{name}: {dot}");
        for output in explain.outputs {
            let labelled = format!("{}: output ({})", output.name, output.label.letter());
            assert!(
                mermaid.contains(&labelled),
                "{name}: {labelled} in {mermaid}"
            );
            assert!(dot.contains(&labelled), "{name}: {labelled} in {dot}");
            assert!(
                json.contains(&format!("\"name\": \"{}\"", output.name)),
                "{name}"
            );
        }
    }
}
