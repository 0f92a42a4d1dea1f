//! Random histories: for each tick, what the host does before it.

use std::fmt::Write as _;
use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::prelude::*;

use super::{Event, Kind, Program, Type};

/// For each tick, the host's events before it.
pub type History = Vec<Vec<Event>>;

/// What a random history is made of.
#[derive(Clone, Debug)]
pub struct Shape {
    /// The number of ticks.
    pub ticks: RangeInclusive<usize>,
    /// Rows inserted per tick, into inputs chosen at random.
    pub rows: RangeInclusive<usize>,
    /// `u32` and `u64` columns take values below this.
    pub values: u32,
    /// `Addr` columns (a node) take values below this.
    pub nodes: u32,
    /// Clock events per tick, if the program has periodics: time passing, or a node's clock
    /// running ahead, by 0 to 250 ms; a timer started or stopped on a node.
    pub clock_events: RangeInclusive<usize>,
}

/// Histories of `ticks` ticks, each inserting `rows` rows with values below `values` into
/// random inputs of `program`.
pub fn histories(
    program: &Program,
    ticks: RangeInclusive<usize>,
    rows: RangeInclusive<usize>,
    values: u32,
) -> BoxedStrategy<History> {
    let shape = Shape {
        ticks,
        rows,
        values,
        nodes: values,
        clock_events: 0..=0,
    };
    shaped(program, &shape)
}

/// Histories of `shape` for `program`.
pub fn shaped(program: &Program, shape: &Shape) -> BoxedStrategy<History> {
    let inputs: Vec<(usize, Vec<Type>)> = (program.relations.iter().enumerate())
        .filter(|(_, r)| r.kind == Kind::Input)
        .map(|(i, r)| (i, r.types.clone()))
        .collect();
    let periodics: Vec<usize> = (0..program.relations.len())
        .filter(|&r| matches!(program.relations[r].kind, Kind::Periodic { .. }))
        .collect();
    assert!(
        !inputs.is_empty() || !periodics.is_empty(),
        "a program without inputs"
    );
    let (values, nodes) = (shape.values, shape.nodes);
    let widest = inputs
        .iter()
        .map(|(_, types)| types.len())
        .max()
        .unwrap_or(0);
    let domain = move |ty: &Type| match ty {
        Type::Addr => nodes,
        Type::U32 | Type::U64 => values,
    };
    let inserts = match inputs.is_empty() {
        true => Just(Vec::new()).boxed(),
        false => {
            let count = inputs.len();
            let row =
                (0..count, vec(0..values.max(nodes), widest)).prop_map(move |(which, raw)| {
                    let (relation, types) = &inputs[which];
                    let row = (raw.iter().zip(types)).map(|(v, ty)| v % domain(ty));
                    Event::Insert(*relation, row.collect())
                });
            vec(row, shape.rows.clone()).boxed()
        }
    };
    let clock = clock_event(program, &periodics, nodes);
    let clocks = match periodics.is_empty() {
        true => Just(Vec::new()).boxed(),
        false => vec(clock, shape.clock_events.clone()).boxed(),
    };
    let tick = (clocks, inserts).prop_map(|(mut events, inserts)| {
        events.extend(inserts);
        events
    });
    vec(tick, shape.ticks.clone()).boxed()
}

/// One clock event: mostly time passing, in a program with channels also a node's clock
/// running ahead, or a timer starting or stopping on a node.
fn clock_event(program: &Program, periodics: &[usize], nodes: u32) -> BoxedStrategy<Event> {
    let program_clock = (0..=5u64).prop_map(|n| Event::Advance(None, n * 50));
    if !program.has_channels() || periodics.is_empty() {
        return program_clock.boxed();
    }
    let periodics = periodics.to_vec();
    let node_clock = (0..nodes, 0..=5u64).prop_map(|(node, n)| Event::Advance(Some(node), n * 50));
    let timer =
        (0..periodics.len(), 0..nodes, 0..5u32).prop_map(move |(p, node, roll)| match roll {
            0 => Event::Stop(periodics[p], node),
            _ => Event::Start(periodics[p], node),
        });
    prop_oneof![5 => program_clock, 1 => node_clock, 2 => timer].boxed()
}

/// The history as text: one line per tick, `rel(a, b)` per row inserted, `+100ms` for the
/// program's clock moving, `@2+100ms` for node 2's, `start beat@2`, `stop beat@2`.
pub fn render_history(program: &Program, history: &[Vec<Event>]) -> String {
    let mut text = String::new();
    for (tick, events) in history.iter().enumerate() {
        let events: Vec<String> = (events.iter())
            .map(|event| match event {
                Event::Insert(r, row) => {
                    let values: Vec<String> = row.iter().map(u32::to_string).collect();
                    format!("{}({})", program.relations[*r].name, values.join(", "))
                }
                Event::Advance(None, ms) => format!("+{ms}ms"),
                Event::Advance(Some(node), ms) => format!("@{node}+{ms}ms"),
                Event::Start(p, node) => format!("start {}@{node}", program.relations[*p].name),
                Event::Stop(p, node) => format!("stop {}@{node}", program.relations[*p].name),
            })
            .collect();
        let _ = writeln!(text, "  tick {tick}: {}", events.join(" "));
    }
    text
}
