//! Placement: a join whose inputs live by its key exchanges no rows, one whose input lives by
//! another key does, and the naive plan (every relation spread by whole rows) moves rows at
//! every join; all three give the naive join's answer on random inputs, on several workers.

use std::collections::{BTreeMap, BTreeSet};

use blossom::explain::Explain;
use blossom::{Config, Placement};

blossom::program! {
    /// Both inputs live by `x`, the key their join reads them by.
    pub CoPartitioned {
        input  a(x: u64, y: u64);
        input  b(x: u64, z: u64);
        output out(x: u64, y: u64, z: u64);
        out(x, y, z) <= a(x, y), b(x, z);
    }
}

blossom::program! {
    /// `b` is declared to live by `z`: the join by `x` must move its rows.
    pub Misplaced {
        input  a(x: u64, y: u64);
        #[partition(z)]
        input  b(x: u64, z: u64);
        output out(x: u64, y: u64, z: u64);
        out(x, y, z) <= a(x, y), b(x, z);
    }
}

blossom::program! {
    /// Three joins by one key and a negation: the derived relation `both` is placed by `x`
    /// because the joins that read it do, so only the inputs move, once.
    pub Star {
        input   a(x: u64, y: u64);
        input   b(x: u64, z: u64);
        input   c(x: u64, w: u64);
        input   cut(x: u64);
        scratch both(x: u64, y: u64, z: u64);
        output  out(x: u64, y: u64, z: u64, w: u64);
        both(x, y, z) <= a(x, y), b(x, z);
        out(x, y, z, w) <= both(x, y, z), c(x, w), !cut(x);
    }
}

type Pairs = Vec<(u64, u64)>;

/// A small deterministic generator (xorshift), so that a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    fn pairs(&mut self, n: usize, keys: u64) -> Pairs {
        (0..n).map(|_| (self.next(keys), self.next(100))).collect()
    }
}

fn join(a: &Pairs, b: &Pairs) -> BTreeSet<(u64, u64, u64)> {
    let mut out = BTreeSet::new();
    for &(x, y) in a {
        for &(x2, z) in b {
            if x == x2 {
                out.insert((x, y, z));
            }
        }
    }
    out
}

/// The rows each exchange moved, by its number, with every exchange of the plan listed.
fn moved(explain: &Explain, exchanged: BTreeMap<usize, u64>) -> Vec<(usize, bool, u64)> {
    (explain.placement.exchanges.iter().enumerate())
        .map(|(i, e)| (i, e.local, exchanged.get(&i).copied().unwrap_or(0)))
        .collect()
}

/// The exchange of `relation`'s index for a join: there is exactly one in these programs.
fn index_of(explain: &Explain, relation: &str) -> usize {
    let found: Vec<usize> = (explain.placement.exchanges.iter().enumerate())
        .filter(|(_, e)| e.relation == Some(relation) && !e.rules.is_empty())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "one join exchange of {relation}: {found:?}");
    found[0]
}

#[test]
fn a_copartitioned_join_moves_no_rows_and_a_misplaced_one_does() {
    for seed in 1..=3u64 {
        for workers in [2, 3] {
            let mut rng = Rng(seed * 7919);
            let config = Config::with_workers(workers);
            let mut good = CoPartitioned::with_config(&config).unwrap();
            let mut bad = Misplaced::with_config(&config).unwrap();
            let mut naive =
                CoPartitioned::with_config(&config.clone().placement(Placement::Naive)).unwrap();
            for tick in 0..3 {
                // An input's rows hold in the tick they arrive in.
                let (a, b) = (rng.pairs(200, 40), rng.pairs(200, 40));
                for input in [&mut good.a, &mut naive.a, &mut bad.a] {
                    input.extend(a.iter().copied());
                }
                for input in [&mut good.b, &mut naive.b, &mut bad.b] {
                    input.extend(b.iter().copied());
                }
                good.tick().unwrap();
                bad.tick().unwrap();
                naive.tick().unwrap();
                let at = format!("seed {seed}, {workers} workers, tick {tick}");
                let expected = join(&a, &b);
                for (name, out) in [
                    ("planned", good.out.snapshot().unwrap()),
                    ("misplaced", bad.out.snapshot().unwrap()),
                    ("naive", naive.out.snapshot().unwrap()),
                ] {
                    let out: BTreeSet<_> = out.into_iter().collect();
                    let (got, want) = (out.len(), expected.len());
                    assert!(out == expected, "{name}, {at}: {got} rows, {want} expected");
                }
            }
            let explain = CoPartitioned::explain();
            let good_moves = moved(explain, good.exchanged());
            // Every exchange the plan calls local moved nothing; the inputs' own moved rows.
            for &(i, local, rows) in &good_moves {
                if local {
                    assert_eq!(rows, 0, "exchange {i} is local: {good_moves:?}");
                }
            }
            let (ia, ib) = (index_of(explain, "a"), index_of(explain, "b"));
            assert!(good_moves[ia].1 && good_moves[ib].1, "{explain}");
            assert!(good_moves.iter().any(|m| !m.1 && m.2 > 0), "{good_moves:?}");
            // The same exchanges under the naive plan move about (w-1)/w of the rows.
            let naive_moves = moved(explain, naive.exchanged());
            assert!(
                naive_moves[ia].2 > 0 && naive_moves[ib].2 > 0,
                "{naive_moves:?}"
            );
            // Misplaced: b lives by z, so its index by x moves rows; a's stays local.
            let explain = Misplaced::explain();
            let bad_moves = moved(explain, bad.exchanged());
            let (ia, ib) = (index_of(explain, "a"), index_of(explain, "b"));
            assert!(!bad_moves[ib].1 && bad_moves[ib].2 > 0, "{bad_moves:?}");
            assert!(bad_moves[ia].1 && bad_moves[ia].2 == 0, "{bad_moves:?}");
        }
    }
}

#[test]
fn a_derived_relation_lives_by_the_key_its_joins_read() {
    let explain = Star::explain();
    let home = |name: &str| {
        let home = explain
            .placement
            .relations
            .iter()
            .find(|h| h.relation == name);
        home.map(|h| h.by.to_vec()).unwrap_or_default()
    };
    assert_eq!(home("both"), ["x"], "{explain}");
    assert_eq!(home("cut"), ["x"], "{explain}");
    for workers in [1, 2, 4] {
        let mut rng = Rng(workers as u64 + 11);
        let mut star = Star::with_workers(workers).unwrap();
        let (a, b, c) = (rng.pairs(150, 30), rng.pairs(150, 30), rng.pairs(150, 30));
        let cut: Vec<u64> = (0..10).map(|_| rng.next(30)).collect();
        star.a.extend(a.iter().copied());
        star.b.extend(b.iter().copied());
        star.c.extend(c.iter().copied());
        star.cut.extend(cut.iter().copied());
        star.tick().unwrap();
        let mut expected = BTreeSet::new();
        for (x, y, z) in join(&a, &b) {
            for &(x2, w) in &c {
                if x == x2 && !cut.contains(&x) {
                    expected.insert((x, y, z, w));
                }
            }
        }
        let out: BTreeSet<_> = star.out.snapshot().unwrap().into_iter().collect();
        let (got, want) = (out.len(), expected.len());
        assert!(
            out == expected,
            "{workers} workers: {got} rows, {want} expected"
        );
        for (i, local, rows) in moved(explain, star.exchanged()) {
            assert!(
                !local || rows == 0,
                "exchange {i} is local yet moved {rows} rows"
            );
        }
    }
}

#[test]
fn explain_shows_where_rows_live_and_what_moves() {
    let text = Misplaced::explain().to_string();
    assert!(
        text.contains("b by (z): declared: #[partition(z)]"),
        "{text}"
    );
    assert!(
        text.contains("a by (x): chosen: 1 join reads it by this key"),
        "{text}"
    );
    assert!(text.contains("moves rows"), "{text}");
    assert!(text.contains("local, moves nothing"), "{text}");
}
