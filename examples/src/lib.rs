//! Blossom example programs, shared by the binaries, the tests and the benchmarks.

pub mod edges;
pub mod reach;

/// The graph bundled with the examples: `ol-cedge` (7,035 edges; its closure has 146,120 pairs).
pub const BUNDLED_GRAPH: &str = include_str!("../data/ol-cedge.tsv");
