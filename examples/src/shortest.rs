//! Shortest paths: every route through a weighted graph, then the cheapest per pair (`argmin`).
//!
//! Routes are enumerated by recursion, bounded by a total distance, and `min` and `argmin`
//! pick the best one per pair in the next stratum: aggregation reads `route` only once it is
//! complete. On a graph with cycles the number of routes grows quickly with the bound; the
//! lattice version (`Min` values merged inside the recursion) does not need one.

use std::io::BufRead;

blossom::program! {
    /// The shortest distance between every pair of nodes, and the first hop to take.
    pub ShortestPaths {
        input  road(from: u32, to: u32, km: u32);
        input  limit(km: u32);
        scratch route(from: u32, to: u32, km: u32, first: u32);
        output shortest(from: u32, to: u32, km: u32);
        output next_hop(from: u32, to: u32, via: u32);

        route(a, b, k, b) <= road(a, b, k);
        route(a, c, total, v) <= route(a, b, k, v), road(b, c, w), limit(max),
            let total = k.saturating_add(w), if total <= max;
        shortest(a, b, min(k)) <= route(a, b, k, _);
        next_hop(a, b, argmin(k, v)) <= route(a, b, k, v);
    }
}

/// A weighted edge: `(from, to, km)`.
pub type Road = (u32, u32, u32);

/// Why a road list could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: expected three unsigned integers (from, to, km), found {text:?}")]
pub struct RoadError {
    /// The file's name, as given by the caller.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// The offending line.
    pub text: String,
}

/// Reads `from to km` lines (tabs or spaces; blank lines and `#` comments skipped).
pub fn parse_roads(input: impl BufRead, file: &str) -> Result<Vec<Road>, anyhow::Error> {
    let mut roads = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let numbers: Vec<Option<u32>> =
            content.split_whitespace().map(|n| n.parse().ok()).collect();
        match numbers.as_slice() {
            [Some(a), Some(b), Some(k)] => roads.push((*a, *b, *k)),
            _ => {
                return Err(RoadError {
                    file: file.to_string(),
                    line: index + 1,
                    text: line.chars().take(80).collect(),
                }
                .into());
            }
        }
    }
    Ok(roads)
}

/// The roads in the file at `input`, or the bundled canal network when there is none.
pub fn load_roads(input: Option<&std::path::Path>) -> anyhow::Result<Vec<Road>> {
    use anyhow::Context;
    match input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            parse_roads(std::io::BufReader::new(file), &path.display().to_string())
        }
        None => parse_roads(
            std::io::Cursor::new(crate::BUNDLED_CANALS),
            "bundled canals.tsv",
        ),
    }
}

/// The shortest distances `(from, to, km)` and first hops `(from, to, via)` of `roads`, over
/// routes of at most `max_km`, computed on `config`.
pub fn shortest_paths(
    roads: &[Road],
    max_km: u32,
    config: &blossom::Config,
) -> Result<(Vec<Road>, Vec<Road>), blossom::Error> {
    let mut program = ShortestPaths::with_config(config)?;
    program.road.extend(roads.iter().copied());
    program.limit.insert(max_km);
    program.tick()?;
    Ok((program.shortest.snapshot()?, program.next_hop.snapshot()?))
}
