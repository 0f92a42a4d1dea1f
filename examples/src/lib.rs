//! Blossom example programs, shared by the binaries, the tests and the benchmarks.

pub mod ads;
pub mod cart;
pub mod chat;
pub mod coordination;
pub mod edges;
pub mod kvs;
pub mod paths;
pub mod quorum;
pub mod reach;
pub mod report;
pub mod ring;
pub mod serving;
pub mod shortest;
pub mod straggler;
pub mod unreachable;
pub mod wordcount;

/// How an example binary exits: successfully, or with the error and its causes on stderr,
/// prefixed by the binary's `name`, and a failure code.
pub fn exit(name: &str, outcome: anyhow::Result<()>) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Sends the logs of a served program (`blossom_net`'s, through `tracing`) to stderr: warnings
/// and errors by default, more with `RUST_LOG` (`RUST_LOG=info` shows connections too).
pub fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second call (a test, say) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .try_init();
}

/// The graph bundled with the examples: `ol-cedge` (7,035 edges; its closure has 146,120 pairs).
pub const BUNDLED_GRAPH: &str = include_str!("../../data/graphs/ol-cedge.tsv");

/// The edges of `input`, or of the bundled graph when there is none.
pub fn load_graph(input: Option<&std::path::Path>) -> anyhow::Result<Vec<(u32, u32)>> {
    use anyhow::Context;
    Ok(match input {
        Some(path) => edges::read_edges(path)?,
        None => edges::parse_edges(
            std::io::Cursor::new(BUNDLED_GRAPH),
            "bundled ol-cedge.tsv",
            |_, _| {},
        )
        .context("the bundled graph is malformed")?,
    })
}

/// The weighted graph bundled with `shortest_paths`: a canal network flowing one way.
pub const BUNDLED_CANALS: &str = include_str!("../data/canals.tsv");

/// The text bundled with `wordcount`.
pub const BUNDLED_TEXT: &str = include_str!("../data/seasons.txt");
