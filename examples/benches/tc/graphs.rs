//! The input graphs: files in the shared data folder, or a small one generated in-process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::bail;

/// The published transitive-closure sizes (data/graphs/README.md, from GPUJoin).
const PUBLISHED: &[(&str, usize)] = &[
    ("ol-cedge", 146_120),
    ("cal-cedge", 501_755),
    ("tg-cedge", 481_121),
    ("p2p-gnutella09", 21_402_960),
    ("p2p-gnutella04", 47_059_527),
    ("cti", 6_859_653),
    ("fe-sphere", 78_557_912),
    ("ca-hepth", 74_619_885),
    ("ego-facebook", 2_508_102),
    ("wiki-vote", 11_947_132),
    ("luxembourg-osm", 5_022_084),
    ("wing", 329_438),
    ("delaunay-n16", 6_137_959),
];

/// The name that selects the generated graph, in `--graphs` and on a child's command line.
pub const SYNTHETIC: &str = "synthetic";

/// Where a graph comes from.
#[derive(Clone, Debug)]
pub enum Graph {
    /// An edge-list file; the name is the file stem.
    File {
        /// The name shown in the table, e.g. `cal-cedge`.
        name: String,
        /// The `.tsv` file.
        path: PathBuf,
    },
    /// [`synthetic_edges`], for when the shared data is not there.
    Synthetic,
}

impl Graph {
    /// Resolves a `--graphs` entry: `synthetic`, or a name meaning `<dir>/<name>.tsv`.
    pub fn resolve(name: &str, dir: &Path) -> anyhow::Result<Graph> {
        if name == SYNTHETIC {
            return Ok(Graph::Synthetic);
        }
        let path = dir.join(format!("{name}.tsv"));
        if !path.is_file() {
            bail!("graph {name:?}: no file {}", path.display());
        }
        Ok(Graph::File {
            name: name.to_owned(),
            path,
        })
    }

    /// The inverse of [`Graph::to_arg`], for the child process.
    pub fn from_arg(arg: &str) -> Graph {
        if arg == SYNTHETIC {
            return Graph::Synthetic;
        }
        let path = PathBuf::from(arg);
        let name = path
            .file_stem()
            .map_or_else(|| arg.to_owned(), |s| s.to_string_lossy().into());
        Graph::File { name, path }
    }

    /// How a child process is told which graph to load.
    pub fn to_arg(&self) -> OsString {
        match self {
            Graph::File { path, .. } => path.clone().into_os_string(),
            Graph::Synthetic => SYNTHETIC.into(),
        }
    }

    /// The name shown in the table.
    pub fn name(&self) -> &str {
        match self {
            Graph::File { name, .. } => name,
            Graph::Synthetic => SYNTHETIC,
        }
    }

    /// Loads the edges (never timed).
    pub fn load(&self) -> anyhow::Result<Vec<(u32, u32)>> {
        match self {
            Graph::File { path, .. } => Ok(blossom_examples::edges::read_edges(path)?),
            Graph::Synthetic => Ok(synthetic_edges()),
        }
    }

    /// The published transitive-closure size of a shared graph (`None` for the generated one).
    pub fn published_closure_size(&self) -> Option<usize> {
        match self {
            Graph::File { name, .. } => PUBLISHED
                .iter()
                .find(|(n, _)| n == name)
                .map(|&(_, pairs)| pairs),
            Graph::Synthetic => None,
        }
    }
}

/// A 200-node chain with some extra edges from a fixed linear congruential generator: long
/// paths (many iterations), a few cycles, and a closure small enough for a debug build.
pub fn synthetic_edges() -> Vec<(u32, u32)> {
    const NODES: u32 = 200;
    let mut edges: Vec<(u32, u32)> = (0..NODES - 1).map(|n| (n, n + 1)).collect();
    // Knuth's MMIX constants; the high bits are the well-mixed ones.
    let mut state: u64 = 0x5EED;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        u32::try_from(state >> 33).unwrap_or(0) % (NODES + 50)
    };
    // Nodes 200..250 exist only through these edges, so some pairs lie off the chain.
    for _ in 0..60 {
        edges.push((next(), next()));
    }
    edges
}
