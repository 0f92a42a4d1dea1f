//! One measured run in a fresh child process, so that each run's peak memory is its own.
//!
//! The parent re-executes this binary as `--child PROGRAM SYSTEM GRAPH`; the child loads the
//! graph, times only the system's call, and prints one line:
//! `RESULT <system> <graph> <edges> <result> <seconds> <peak KiB or ->`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use crate::graphs::Graph;
use crate::systems::{self, Program};

/// What one successful run measured.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Edges in the graph.
    pub edges: usize,
    /// The program's result as the system computed it (see [`Program::result`]).
    pub result: usize,
    /// Compute time, loading excluded.
    pub seconds: f64,
    /// The child's peak resident memory (`VmHWM`), where the OS reports it.
    pub peak_kib: Option<u64>,
}

/// How one run ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// It finished and printed its result.
    Done(Measurement),
    /// It ran past the time limit and was killed.
    TimedOut,
    /// It exited without a result: the reason, with the end of its stderr.
    Failed(String),
}

/// The child's side: runs `program` on `graph` with `system` in this process and prints the
/// result line.
pub fn child(program: Program, system: &str, graph: &Graph) -> anyhow::Result<()> {
    let run = systems::find(program, system)
        .ok_or_else(|| anyhow!("{system:?} does not run {}", program.name()))?;
    let edges = graph.load()?;
    let start = Instant::now();
    let result = run(&edges);
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_kib().map_or_else(|| "-".to_owned(), |kib| kib.to_string());
    println!(
        "RESULT {system} {} {} {result} {seconds:.6} {peak}",
        graph.name(),
        edges.len()
    );
    Ok(())
}

/// This process's peak resident set size so far, from `/proc/self/status` (Linux only).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?;
    line.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The parent's side: runs `program` on `graph` with `system` in a child process, killing it
/// after `timeout`.
pub fn in_child(program: Program, system: &str, graph: &Graph, timeout: Duration) -> Outcome {
    match spawn_and_wait(program, system, graph, timeout) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Failed(format!("{error:#}")),
    }
}

fn spawn_and_wait(
    program: Program,
    system: &str,
    graph: &Graph,
    timeout: Duration,
) -> anyhow::Result<Outcome> {
    let exe = std::env::current_exe().context("finding this benchmark's executable")?;
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(program.name())
        .arg(system)
        .arg(graph.to_arg())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting a child process")?;
    // Drain both pipes on their own threads: a child blocked on a full pipe would look hung.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for the child")? {
            break status;
        }
        if start.elapsed() > timeout {
            // Killing can only fail if it already exited; either way it is gone after `wait`.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::TimedOut);
        }
        // Polling granularity only delays noticing the end; the child times itself.
        thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (join(stdout), join(stderr));
    let result = stdout.lines().find_map(|line| line.strip_prefix("RESULT "));
    match result {
        Some(fields) if status.success() => Ok(parse_result(fields).map_or_else(
            || Outcome::Failed(format!("unreadable result line {fields:?}")),
            Outcome::Done,
        )),
        _ => Ok(Outcome::Failed(format!("{status}: {}", tail(&stderr)))),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            // A child that writes invalid UTF-8 loses its output, not the run.
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

fn join(reader: thread::JoinHandle<String>) -> String {
    reader.join().unwrap_or_default()
}

/// `<system> <graph> <edges> <result> <seconds> <peak>` after `RESULT `.
fn parse_result(fields: &str) -> Option<Measurement> {
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let [_system, _graph, edges, result, seconds, peak] = fields[..] else {
        return None;
    };
    Some(Measurement {
        edges: edges.parse().ok()?,
        result: result.parse().ok()?,
        seconds: seconds.parse().ok()?,
        peak_kib: peak.parse().ok(),
    })
}

/// The last few lines of a child's stderr (where a panic message is), or a placeholder.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.len() {
        0 => "no output on stderr".to_owned(),
        n => lines[n.saturating_sub(3)..].join(" | "),
    }
}
