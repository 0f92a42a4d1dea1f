//! What the comparison prints: the machine, the results as Markdown tables, and the checks.

use std::fmt::Write as _;
use std::process::Command;

use crate::graphs::Graph;
use crate::measure::{Measurement, Outcome};
use crate::systems::Program;

/// Every run of one system on one graph.
pub struct Runs {
    /// The system's name.
    pub system: String,
    /// One outcome per repetition.
    pub outcomes: Vec<Outcome>,
}

impl Runs {
    fn measured(&self) -> impl Iterator<Item = &Measurement> {
        self.outcomes.iter().filter_map(|o| match o {
            Outcome::Done(m) => Some(m),
            _ => None,
        })
    }

    /// The median compute time, and the smallest and largest.
    fn seconds(&self) -> Option<(f64, f64, f64)> {
        let mut times: Vec<f64> = self.measured().map(|m| m.seconds).collect();
        times.sort_by(f64::total_cmp);
        let median = match times.len() {
            0 => return None,
            n if n % 2 == 1 => times[n / 2],
            n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
        };
        Some((median, times[0], times[times.len() - 1]))
    }

    /// The largest peak over the runs: memory is a limit, so the worst case is the one to plan for.
    fn peak_mib(&self) -> Option<f64> {
        self.measured()
            .filter_map(|m| m.peak_kib)
            .max()
            .map(|kib| kib as f64 / 1024.0)
    }
}

/// The results of one program on one graph, one cell per system in table order.
pub struct Row {
    /// The program.
    pub program: Program,
    /// The graph.
    pub graph: Graph,
    /// One per system.
    pub cells: Vec<Runs>,
}

/// The machine, the toolchain and the command line, for the top of the report.
pub fn header() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown memory".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1048576.0),
        );
    // Shared machines are noisy; the load when the run started says how noisy.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    // The rustc on PATH: under cargo it is the one that built this binary.
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .filter(|o| o.status.success());
    let rustc = rustc.map_or_else(
        || "rustc unknown".to_owned(),
        |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
    );
    let profile = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    let command: Vec<String> = std::env::args().map(|a| shell_quote(&a)).collect();
    format!(
        "machine: {model}, {cores} cores, {memory}, load average {load}\n\
         toolchain: {rustc}, {profile}\n\
         command: {}\n",
        command.join(" ")
    )
}

fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,=:+@".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// One program's results table (median seconds, range, peak memory) and the ratios to its
/// baseline system.
pub fn tables(rows: &[&Row], systems: &[String]) -> String {
    let mut out = String::new();
    let Some(program) = rows.first().map(|row| row.program) else {
        return out;
    };
    let baseline = program.baseline();
    let _ = writeln!(out, "{}:\n", program.name());
    let _ = writeln!(
        out,
        "| graph | edges | {} | {} |",
        program.result(),
        systems.join(" | ")
    );
    let _ = writeln!(
        out,
        "| --- | ---: | ---: |{}",
        " ---: |".repeat(systems.len())
    );
    for row in rows {
        let measured = || row.cells.iter().flat_map(Runs::measured);
        let edges = measured()
            .next()
            .map_or("?".to_owned(), |m| thousands(m.edges));
        let result = match agreed_result(row) {
            Ok(Some(result)) => thousands(result),
            Ok(None) => "?".to_owned(),
            Err(_) => "**MISMATCH**".to_owned(),
        };
        let cells: Vec<String> = row.cells.iter().map(result_cell).collect();
        let _ = writeln!(
            out,
            "| {} | {edges} | {result} | {} |",
            row.graph.name(),
            cells.join(" | ")
        );
    }
    let others: Vec<&String> = systems.iter().filter(|s| *s != baseline).collect();
    if others.is_empty() || !systems.iter().any(|s| s == baseline) {
        return out;
    }
    let _ = writeln!(
        out,
        "\nRatio to {baseline} (median time × / peak memory ×; above 1 is slower or bigger):\n"
    );
    let names: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
    let _ = writeln!(out, "| graph | {} |", names.join(" | "));
    let _ = writeln!(out, "| --- |{}", " ---: |".repeat(names.len()));
    for row in rows {
        let find = |name: &str| row.cells.iter().find(|c| c.system == name);
        let Some(base) = find(baseline) else { continue };
        let ratios: Vec<String> = names
            .iter()
            .filter_map(|n| find(n))
            .map(|cell| ratio_cell(cell, base))
            .collect();
        let _ = writeln!(out, "| {} | {} |", row.graph.name(), ratios.join(" | "));
    }
    out
}

fn result_cell(cell: &Runs) -> String {
    let mut text = match cell.seconds() {
        None => String::new(),
        Some((median, lo, hi)) if cell.measured().count() > 1 => {
            format!("{median:.3} s ({lo:.3}–{hi:.3})")
        }
        Some((median, ..)) => format!("{median:.3} s"),
    };
    if let Some(mib) = cell.peak_mib() {
        let _ = write!(text, ", {mib:.0} MiB");
    }
    let timeouts = cell
        .outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::TimedOut))
        .count();
    let failures = cell
        .outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed(_)))
        .count();
    for (count, what) in [(timeouts, "timeout"), (failures, "failed")] {
        if count > 0 {
            let sep = if text.is_empty() { "" } else { ", " };
            let _ = write!(text, "{sep}{count}× {what}");
        }
    }
    text
}

fn ratio_cell(cell: &Runs, base: &Runs) -> String {
    let time = match (cell.seconds(), base.seconds()) {
        (Some((t, ..)), Some((b, ..))) if b > 0.0 => format!("{:.1}×", t / b),
        _ => "–".to_owned(),
    };
    let memory = match (cell.peak_mib(), base.peak_mib()) {
        (Some(m), Some(b)) if b > 0.0 => format!("{:.1}×", m / b),
        _ => "–".to_owned(),
    };
    format!("{time} / {memory}")
}

/// The result every finished run agrees on, or a description of the disagreement.
///
/// A graph with a known result must match it; one without must at least agree across systems.
pub fn agreed_result(row: &Row) -> Result<Option<usize>, Vec<String>> {
    let expected = row.program.expected(&row.graph);
    let mut reference = expected;
    let mut problems = Vec::new();
    for cell in &row.cells {
        for m in cell.measured() {
            match reference {
                None => reference = Some(m.result),
                Some(r) if r == m.result => {}
                Some(r) => {
                    let source = match (&row.graph, expected) {
                        (_, None) => "the first system",
                        (Graph::Synthetic, Some(_)) => "the reference evaluator",
                        (Graph::File { .. }, Some(_)) => "the published one",
                    };
                    let problem = format!(
                        "{} gave {} {}, {source} is {}",
                        cell.system,
                        thousands(m.result),
                        row.program.result(),
                        thousands(r)
                    );
                    // Every repetition gives the same wrong answer; say it once.
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(reference)
    } else {
        Err(problems)
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
