//! How long one changed edge takes to reach the closure's new fixpoint, against recomputing.
//!
//! `cargo bench -p blossom-examples --bench incremental -- --graph ego-facebook --changes 30`
//! computes the closure of the graph less `--changes` of its edges, then puts them back one
//! tick at a time (each tick timed), then cuts them one at a time (a cut takes effect at the next
//! tick: both ticks are timed), in three programs: [`Reach`], whose rounds only insert (it
//! cannot cut), [`Links`], whose rounds also delete, and `LinksDifferential`, the same closure
//! kept a differential iteration. Closure sizes are checked against datafrog's, on the full
//! graph and on the graph less the changed edges. datafrog, which has no incrementality,
//! recomputes the whole closure: its time, on the full graph, is measured in the same run.
//! `cargo test` runs it on a small generated graph as a smoke test, checking every closure size
//! against a recomputation.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use blossom_examples::reach::{Links, Reach};

#[path = "tc/graphs.rs"]
#[allow(dead_code)]
mod graphs;
#[path = "tc/tc.rs"]
#[allow(dead_code)]
mod tc;

#[path = "common/args.rs"]
mod args;

fn main() -> anyhow::Result<()> {
    let args = args::Args::from_env();
    let bench = args.bench();
    let value = |flag: &str| args.value(flag);
    let graph = value("--graph").unwrap_or_else(|| "ego-facebook".into());
    let changes: usize = value("--changes").map_or(Ok(30), |n| n.parse())?;
    let runs: usize = value("--runs").map_or(Ok(3), |n| n.parse())?;
    let (name, edges, changes, runs) = if bench {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/graphs");
        let graph = graphs::Graph::resolve(&graph, &dir)?;
        (graph.name().to_owned(), graph.load()?, changes, runs)
    } else {
        ("synthetic".to_owned(), graphs::synthetic_edges(), 5, 1)
    };
    // The edges taken out and put back: spread evenly over the file, deterministic.
    let step = (edges.len() / changes.max(1)).max(1);
    let changed: Vec<(u32, u32)> = edges.iter().copied().step_by(step).take(changes).collect();
    let rest: Vec<(u32, u32)> = (edges.iter().copied())
        .filter(|e| !changed.contains(e))
        .collect();
    println!(
        "graph {name}: {} edges, {} changed one at a time",
        edges.len(),
        changed.len()
    );

    let datafrog_closure = tc::datafrog;
    let mut recompute = Vec::new();
    let mut full = 0;
    for _ in 0..runs {
        let start = Instant::now();
        full = datafrog_closure(&edges);
        recompute.push(start.elapsed());
        println!("datafrog recomputes {full} pairs in {:?}", start.elapsed());
    }
    let cut_back = datafrog_closure(&rest);

    let mut times: Vec<(&str, &str, Vec<Duration>)> = Vec::new();
    let mut record =
        |change, system, time| match times.iter_mut().find(|t| (t.0, t.1) == (change, system)) {
            Some(entry) => entry.2.push(time),
            None => times.push((change, system, vec![time])),
        };
    let distinct = |edges: &[(u32, u32)]| edges.iter().collect::<BTreeSet<_>>().len();
    let check = Check {
        bench,
        known: vec![(distinct(&edges), full), (distinct(&rest), cut_back)],
    };
    for _ in 0..runs {
        for system in [System::Reach, System::Links, System::Differential] {
            let start = Instant::now();
            let mut program = system.start(&rest)?;
            println!(
                "{}: first closure ({} pairs) in {:?}",
                system.name(),
                program.len(),
                start.elapsed()
            );
            let mut present: BTreeSet<(u32, u32)> = rest.iter().copied().collect();
            for &edge in &changed {
                present.insert(edge);
                let start = Instant::now();
                program.insert(edge)?;
                record("insert", system.name(), start.elapsed());
                check.size(&*program, &present, "after an insert")?;
            }
            if system == System::Reach {
                continue;
            }
            for &edge in &changed {
                present.remove(&edge);
                let start = Instant::now();
                program.cut(edge)?;
                record("cut (two ticks)", system.name(), start.elapsed());
                check.size(&*program, &present, "after a cut")?;
            }
        }
    }
    let datafrog = median(&mut recompute);
    println!("\n| change | system | median | min–max | recomputing / median |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for (change, system, mut times) in times {
        let m = median(&mut times);
        println!(
            "| {change} | {system} | {:.3} ms | {:.3}–{:.3} ms | {:.0}× |",
            ms(m),
            ms(times[0]),
            ms(times[times.len() - 1]),
            datafrog.as_secs_f64() / m.as_secs_f64().max(1e-9),
        );
    }
    println!("| recompute | datafrog | {:.1} ms | | 1× |", ms(datafrog));
    Ok(())
}

blossom::program! {
    /// [`Links`] with a negated relation nothing fills: the same closure, but a negation keeps
    /// its stratum a differential iteration, the peer the deleting rounds replace.
    pub LinksDifferential {
        input  edge(src: u32, dst: u32);
        input  cut(src: u32, dst: u32);
        input  never(src: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);
        link(a, b) <= edge(a, b);
        link(a, b) <- cut(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c), !never(a);
    }
}

/// The programs timed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum System {
    Reach,
    Links,
    Differential,
}

impl System {
    fn name(self) -> &'static str {
        match self {
            System::Reach => "Reach (semi-naive, inserting only)",
            System::Links => "Links (semi-naive, deleting)",
            System::Differential => "LinksDifferential (differential)",
        }
    }

    /// The program, with the closure of `edges` computed.
    fn start(self, edges: &[(u32, u32)]) -> anyhow::Result<Box<dyn Closure>> {
        let mut program: Box<dyn Closure> = match self {
            System::Reach => Box::new(Reach::new()),
            System::Links => Box::new(Links::new()),
            System::Differential => Box::new(LinksDifferential::new()),
        };
        for &edge in edges {
            program.add(edge);
        }
        program.tick()?;
        Ok(program)
    }
}

/// What the bench does with a program.
trait Closure {
    fn add(&mut self, edge: (u32, u32));
    /// Cuts `edge` from the next tick on (a program that cannot is not asked to).
    fn remove(&mut self, edge: (u32, u32));
    fn tick(&mut self) -> Result<(), blossom::Error>;
    fn len(&self) -> usize;

    /// One tick that puts `edge` in.
    fn insert(&mut self, edge: (u32, u32)) -> Result<(), blossom::Error> {
        self.add(edge);
        self.tick()
    }

    /// The two ticks that take `edge` out.
    fn cut(&mut self, edge: (u32, u32)) -> Result<(), blossom::Error> {
        self.remove(edge);
        self.tick()?;
        self.tick()
    }
}

impl Closure for Reach {
    fn add(&mut self, edge: (u32, u32)) {
        self.edge.insert(edge);
    }
    fn remove(&mut self, _: (u32, u32)) {}
    fn tick(&mut self) -> Result<(), blossom::Error> {
        Reach::tick(self)
    }
    fn len(&self) -> usize {
        self.path.len()
    }
}

macro_rules! deleting {
    ($program:ty) => {
        impl Closure for $program {
            fn add(&mut self, edge: (u32, u32)) {
                self.edge.insert(edge);
            }
            fn remove(&mut self, edge: (u32, u32)) {
                self.cut.insert(edge);
            }
            fn tick(&mut self) -> Result<(), blossom::Error> {
                <$program>::tick(self)
            }
            fn len(&self) -> usize {
                self.path.len()
            }
        }
    };
}
deleting!(Links);
deleting!(LinksDifferential);

/// How closure sizes are checked: in the smoke run, against a recomputation after every
/// change; in the bench, against datafrog's on the full graph and on the graph less the
/// changed edges, whenever the edges present are one or the other.
struct Check {
    bench: bool,
    /// The number of distinct edges of a graph, and its closure's size.
    known: Vec<(usize, usize)>,
}

impl Check {
    /// After a change: `program` holds the closure of `present`.
    fn size(
        &self,
        program: &dyn Closure,
        present: &BTreeSet<(u32, u32)>,
        when: &str,
    ) -> anyhow::Result<()> {
        let known = self.known.iter().find(|(edges, _)| *edges == present.len());
        let expected = match (self.bench, known) {
            (false, _) => closure(present),
            (true, Some(&(_, size))) => size,
            (true, None) => return Ok(()),
        };
        anyhow::ensure!(program.len() == expected, "wrong closure size {when}");
        Ok(())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Sorts `times` and returns the middle one.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// The closure size by the textbook fixpoint (the smoke run's check).
fn closure(edges: &BTreeSet<(u32, u32)>) -> usize {
    tc::reference_closure_size(&edges.iter().copied().collect::<Vec<_>>())
}
