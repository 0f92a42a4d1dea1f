//! `--explain`: every example binary can print its program's analysis instead of running.

use blossom::Explain;

/// The `--explain` option every example binary takes.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Print what the compiler decided and what needs coordination (the CALM analysis), then
    /// exit without running: as `text` (the default), `json`, `mermaid`, `dot`, or `svg` (drawn
    /// by Graphviz `dot`, if installed).
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
    /// The dependency graph drawn as SVG by Graphviz `dot`, which must be installed.
    Svg,
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
                Format::Svg => println!("{}", svg(&explain.dot())?),
            }
        }
        Ok(true)
    }
}

/// `graph` drawn by Graphviz: `dot -Tsvg`.
fn svg(graph: &str) -> anyhow::Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut dot = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            anyhow::anyhow!(
                "--explain svg needs Graphviz's `dot` on the PATH ({error}); `--explain dot` prints its input"
            )
        })?;
    if let Some(mut input) = dot.stdin.take() {
        input.write_all(graph.as_bytes())?;
    }
    let output = dot.wait_with_output()?;
    anyhow::ensure!(
        output.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}
