//! Runs a Blossom program and the reference side by side on one input history, with 1, 2 and 4
//! workers, and compares every output after every tick.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::prelude::*;

use super::{Kind, Program, Reference, Row};

/// The worker counts every program runs with.
pub const WORKERS: [usize; 3] = [1, 2, 4];

/// A running Blossom program, seen through relation names and rows of `u32`s.
pub trait Driver {
    /// Inserts `row` into input `relation` for the next tick.
    fn insert(&mut self, relation: &str, row: &[u32]);
    /// Runs one tick.
    fn tick(&mut self) -> Result<(), blossom::Error>;
    /// Output `relation`'s rows, sorted.
    fn snapshot(&self, relation: &str) -> Result<Vec<Row>, blossom::Error>;
    /// Output `relation`'s number of rows.
    fn len(&self, relation: &str) -> usize;
}

/// Starts a program on some number of workers.
pub type Start = fn(usize) -> Result<Box<dyn Driver>, blossom::Error>;

/// A program under test: its Blossom source, its meaning for the reference, how to start it.
pub struct Case {
    pub name: &'static str,
    pub text: &'static str,
    pub spec: fn() -> Program,
    pub start: Start,
}

/// A row type of a Blossom relation of `u32` columns: `u32` itself or a tuple.
pub trait Columns {
    fn from_row(row: &[u32]) -> Self;
    fn to_row(&self) -> Row;
}

impl Columns for u32 {
    fn from_row(row: &[u32]) -> Self {
        row[0]
    }
    fn to_row(&self) -> Row {
        vec![*self]
    }
}

impl Columns for (u32, u32) {
    fn from_row(row: &[u32]) -> Self {
        (row[0], row[1])
    }
    fn to_row(&self) -> Row {
        vec![self.0, self.1]
    }
}

impl Columns for (u32, u32, u32) {
    fn from_row(row: &[u32]) -> Self {
        (row[0], row[1], row[2])
    }
    fn to_row(&self) -> Row {
        vec![self.0, self.1, self.2]
    }
}

impl Columns for (u32, u32, u32, u32) {
    fn from_row(row: &[u32]) -> Self {
        (row[0], row[1], row[2], row[3])
    }
    fn to_row(&self) -> Row {
        vec![self.0, self.1, self.2, self.3]
    }
}

/// An output's rows as rows of `u32`s.
pub fn rows<D: Columns + blossom::rt::Column>(
    output: &blossom::Output<D>,
) -> Result<Vec<Row>, blossom::Error> {
    Ok(output.snapshot()?.iter().map(Columns::to_row).collect())
}

/// An output's number of rows.
pub fn len<D: Columns + blossom::rt::Column>(output: &blossom::Output<D>) -> usize {
    output.len()
}

/// For each tick, the rows inserted into inputs: (relation number, row).
pub type History = Vec<Vec<(usize, Row)>>;

/// Histories of `ticks` ticks, each inserting `rows` rows with values below `values` into
/// random inputs of `program`.
pub fn histories(
    program: &Program,
    ticks: RangeInclusive<usize>,
    rows: RangeInclusive<usize>,
    values: u32,
) -> BoxedStrategy<History> {
    let inputs: Vec<(usize, usize)> = (program.relations.iter().enumerate())
        .filter(|(_, r)| r.kind == Kind::Input)
        .map(|(i, r)| (i, r.arity))
        .collect();
    assert!(!inputs.is_empty(), "a program without inputs");
    let row = (0..inputs.len(), vec(0..values, 3)).prop_map(move |(which, values)| {
        let (relation, arity) = inputs[which];
        (relation, values[..arity].to_vec())
    });
    vec(vec(row, rows), ticks).boxed()
}

/// What a successful check saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    /// Output snapshots compared (per worker count).
    pub snapshots: usize,
    /// Of those, how many were not empty.
    pub nonempty: usize,
    /// Output rows compared.
    pub rows: usize,
}

impl Seen {
    pub fn add(self, other: Seen) -> Seen {
        Seen {
            snapshots: self.snapshots + other.snapshots,
            nonempty: self.nonempty + other.nonempty,
            rows: self.rows + other.rows,
        }
    }
}

/// Runs `history` through the reference and through Blossom on 1, 2 and 4 workers; any
/// difference in any output after any tick is an error that says everything needed to
/// reproduce it.
pub fn check(case: &Case, program: &Program, history: &History) -> Result<Seen, String> {
    let mut reference = Reference::new(program);
    let expected: Vec<Vec<BTreeSet<Row>>> = history.iter().map(|t| reference.tick(t)).collect();
    let outputs: Vec<usize> = (0..program.relations.len())
        .filter(|&r| program.relations[r].kind == Kind::Output)
        .collect();
    let mut seen = Seen::default();
    for workers in WORKERS {
        let fail =
            |tick: usize, what: String| failure(case, program, history, workers, tick, &what);
        let mut blossom = (case.start)(workers).map_err(|e| fail(0, format!("start: {e}")))?;
        for (tick, inputs) in history.iter().enumerate() {
            for (relation, row) in inputs {
                blossom.insert(&program.relations[*relation].name, row);
            }
            blossom
                .tick()
                .map_err(|e| fail(tick, format!("tick: {e}")))?;
            for &output in &outputs {
                let name = &program.relations[output].name;
                let want: Vec<Row> = expected[tick][output].iter().cloned().collect();
                let got = blossom
                    .snapshot(name)
                    .map_err(|e| fail(tick, format!("snapshot of `{name}`: {e}")))?;
                if got != want {
                    return Err(fail(tick, difference(name, &want, &got)));
                }
                let len = blossom.len(name);
                if len != want.len() {
                    let what = format!(
                        "`{name}`.len() is {len} but the snapshot has {}",
                        want.len()
                    );
                    return Err(fail(tick, what));
                }
                seen.snapshots += 1;
                seen.nonempty += usize::from(!want.is_empty());
                seen.rows += want.len();
            }
        }
    }
    Ok(seen)
}

fn difference(name: &str, want: &[Row], got: &[Row]) -> String {
    let want_set: BTreeSet<&Row> = want.iter().collect();
    let got_set: BTreeSet<&Row> = got.iter().collect();
    let missing: Vec<&&Row> = want_set.difference(&got_set).collect();
    let extra: Vec<&&Row> = got_set.difference(&want_set).collect();
    format!(
        "output `{name}` differs\n  expected ({} rows): {want:?}\n  actual   ({} rows): {got:?}\n  \
         missing from Blossom: {missing:?}\n  extra in Blossom: {extra:?}",
        want.len(),
        got.len(),
    )
}

/// The history as text: one line per tick, `rel(a, b)` per row.
pub fn render_history(program: &Program, history: &[Vec<(usize, Row)>]) -> String {
    let mut text = String::new();
    for (tick, inputs) in history.iter().enumerate() {
        let rows: Vec<String> = (inputs.iter())
            .map(|(r, row)| {
                let values: Vec<String> = row.iter().map(u32::to_string).collect();
                format!("{}({})", program.relations[*r].name, values.join(", "))
            })
            .collect();
        let _ = writeln!(text, "  tick {tick}: {}", rows.join(" "));
    }
    text
}

fn failure(
    case: &Case,
    program: &Program,
    history: &History,
    workers: usize,
    tick: usize,
    what: &str,
) -> String {
    format!(
        "program {} disagrees with the reference at tick {tick} with {workers} worker(s): {what}\n\
         inputs so far:\n{}program:\n{}",
        case.name,
        render_history(
            program,
            &history[..=tick.min(history.len().saturating_sub(1))]
        ),
        pretty(case.text),
    )
}

/// A program's text with one declaration or rule a line (`stringify!` wraps lines anywhere).
fn pretty(text: &str) -> String {
    if text.contains("\n    ") {
        return text.to_string();
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("    {}", flat.replace("; ", ";\n    "))
}

/// The message of a proptest failure, without the `Debug` dump of the input that `check`'s
/// message already shows.
pub fn reason(error: proptest::test_runner::TestError<History>) -> String {
    match error {
        proptest::test_runner::TestError::Fail(reason, _) => reason.to_string(),
        abort => abort.to_string(),
    }
}
