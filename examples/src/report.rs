//! `--explain`: every example binary can print its program's analysis instead of running.

use blossom::Explain;

/// The `--explain` option every example binary takes.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Print what the compiler decided and what needs coordination (the CALM analysis), then
    /// exit without running: as `text` (the default), `json`, `mermaid` or `dot`.
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "text")]
    pub explain: Option<Format>,
}

/// How `--explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The plan, then the CALM report, for a programmer.
    Text,
    /// Everything, as JSON.
    Json,
    /// The dependency graph as a Mermaid flowchart.
    Mermaid,
    /// The dependency graph for Graphviz `dot`.
    Dot,
}

impl ExplainArgs {
    /// Prints `programs` as asked and returns true; returns false when `--explain` was not
    /// given.
    pub fn print(&self, programs: &[&Explain]) -> anyhow::Result<bool> {
        let Some(format) = self.explain else {
            return Ok(false);
        };
        for explain in programs {
            match format {
                Format::Text => println!("{explain}\n{}", explain.coordination()),
                Format::Json => println!("{}", explain.to_json()),
                Format::Mermaid => println!("{}", explain.mermaid()),
                Format::Dot => println!("{}", explain.dot()),
            }
        }
        Ok(true)
    }
}
