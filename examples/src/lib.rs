//! Blossom example programs, shared by the binaries, the tests and the benchmarks.

pub mod edges;
pub mod reach;
pub mod ring;
pub mod shortest;
pub mod unreachable;
pub mod wordcount;

/// The graph bundled with the examples: `ol-cedge` (7,035 edges; its closure has 146,120 pairs).
pub const BUNDLED_GRAPH: &str = include_str!("../data/ol-cedge.tsv");

/// The weighted graph bundled with `shortest_paths`: a canal network flowing one way.
pub const BUNDLED_CANALS: &str = include_str!("../data/canals.tsv");

/// The text bundled with `wordcount`.
pub const BUNDLED_TEXT: &str = include_str!("../data/seasons.txt");
