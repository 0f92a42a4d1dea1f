//! The CALM reports of the examples, in pairs that differ in what needs coordination:
//! reachability (monotone) and unreachable (a negation); shortest paths by `argmin` (an
//! aggregate) and through a lattice (monotone); a quorum by a set's size threshold
//! (asynchronous but confluent); the cart, whose sum after asynchronous messages is safe where a
//! seal says the actions are complete; the ad counter, whose stop on a gossiped count is a real
//! point of order.
//! And `--explain` in each of its four formats, and every example's report as a reviewed
//! snapshot (`tests/snapshots/`; after a change, review with `cargo insta review`, or rerun with
//! `INSTA_UPDATE=always` and read the diff).

mod binary;

use binary::run;
use blossom::Explain;
use blossom::explain::Label;
use blossom_examples::{ads, cart, paths, quorum, reach, ring, shortest, unreachable, wordcount};

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
    // A deletion of a node's last value as tokens arrive.
    let ring = ring::Ring::explain();
    assert_eq!(labels(ring), [("value", Label::Divergent)]);
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
            "\"reached\" -> \"unreachable\" [label=\"rule 4: negates reached\", color=red"
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
    ];
    for (name, explain) in programs {
        insta::assert_snapshot!(name, explain.coordination().to_string());
    }
}
