//! Blossom example programs, shared by the binaries, the tests and the benchmarks.
pub mod edges;
