//! Reading directed edge lists: two unsigned integers per line, as in `data/graphs/`.
//!
//! The format, line by line:
//! - `src dst`, the two numbers separated by tabs and/or spaces, each fitting in a `u32`;
//! - blank lines, and lines whose first non-blank character is `#`, are skipped;
//! - trailing whitespace, a Windows `\r\n`, and a trailing `# comment` after the numbers are allowed.
//!
//! Anything else is an [`EdgeError::Malformed`] naming the 1-based line; nothing panics on bad input.

use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why an edge list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The file could not be opened or read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file (or, for [`parse_edges`], the name it was given).
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A line is not two unsigned integers.
    #[error("{file}:{line}: {reason}")]
    Malformed {
        /// The file's name, as given by the caller.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// The offending line, without its line ending, cut to about 80 characters.
        text: String,
        /// What is wrong with it, e.g. `expected two unsigned integers, found "12 x"`.
        reason: String,
    },
}

/// Reads the edge list in `path`, printing progress to stderr when loading takes a while.
///
/// Progress appears only after about half a second, a few times per second at most; on a terminal
/// it overwrites one line, elsewhere (a log file, CI) it prints plain lines.
pub fn read_edges(path: &Path) -> Result<Vec<(u32, u32)>, EdgeError> {
    let io_error = |source| EdgeError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    // The size is only for the percentage; a file that cannot report it still loads.
    let size = file.metadata().ok().map(|m| m.len());
    let name = path.display().to_string();
    let mut progress = Progress::new(&name, size);
    let edges = parse_edges(
        BufReader::with_capacity(1 << 16, file),
        &name,
        |lines, bytes| progress.report(lines, bytes),
    );
    progress.finish();
    edges
}

/// Parses an edge list from `text_reader`; `name` is used in error messages.
///
/// `progress(lines, bytes)` is called every few thousand lines and once at the end, with the
/// lines and bytes read so far.
pub fn parse_edges(
    mut text_reader: impl BufRead,
    name: &str,
    mut progress: impl FnMut(usize, u64),
) -> Result<Vec<(u32, u32)>, EdgeError> {
    const PROGRESS_EVERY: usize = 1 << 14;
    let mut edges = Vec::new();
    let mut buf = Vec::new();
    let (mut lines, mut bytes) = (0usize, 0u64);
    loop {
        buf.clear();
        // Bytes, not `read_line`: invalid UTF-8 must be reported with its line number.
        let read = text_reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| EdgeError::Io {
                path: PathBuf::from(name),
                source,
            })?;
        if read == 0 {
            break;
        }
        lines += 1;
        bytes += read as u64;
        let malformed = |text: &str, reason: String| EdgeError::Malformed {
            file: name.to_owned(),
            line: lines,
            text: shorten(text),
            reason,
        };
        let Ok(text) = std::str::from_utf8(&buf) else {
            let lossy = String::from_utf8_lossy(&buf);
            return Err(malformed(
                lossy.trim_end(),
                "line is not valid UTF-8".to_owned(),
            ));
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if let Some(edge) = parse_line(text).map_err(|reason| malformed(text, reason))? {
            edges.push(edge);
        }
        if lines.is_multiple_of(PROGRESS_EVERY) {
            progress(lines, bytes);
        }
    }
    progress(lines, bytes);
    Ok(edges)
}

/// One line without its line ending: `Ok(None)` for a blank or comment line.
fn parse_line(text: &str) -> Result<Option<(u32, u32)>, String> {
    // A `#` anywhere starts a comment, so a whole-line comment leaves nothing.
    let data = text.split_once('#').map_or(text, |(before, _)| before);
    let mut columns = data.split([' ', '\t']).filter(|c| !c.is_empty());
    let (Some(src), Some(dst)) = (columns.next(), columns.next()) else {
        return match data.trim_matches([' ', '\t']) {
            "" => Ok(None),
            _ => Err(expected_two(text)),
        };
    };
    if columns.next().is_some() {
        let count = 3 + columns.count();
        return Err(format!(
            "expected two unsigned integers, found {count} columns in {}",
            quoted(text)
        ));
    }
    let number = |column: &str| {
        if column.is_empty() || !column.bytes().all(|b| b.is_ascii_digit()) {
            return Err(expected_two(text));
        }
        // All digits, so the only way to fail is being too large.
        column
            .parse::<u32>()
            .map_err(|_| format!("{} does not fit in u32", quoted(column)))
    };
    Ok(Some((number(src)?, number(dst)?)))
}

fn expected_two(text: &str) -> String {
    format!("expected two unsigned integers, found {}", quoted(text))
}

/// `text` in double quotes, cut short so one bad line cannot flood a terminal.
fn quoted(text: &str) -> String {
    format!("{:?}", shorten(text.trim_matches([' ', '\t'])))
}

fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Prints loading progress for [`read_edges`], to stderr, once loading is slow enough to notice.
struct Progress<'a> {
    name: &'a str,
    size: Option<u64>,
    start: Instant,
    last_print: Option<Instant>,
    terminal: bool,
}

impl<'a> Progress<'a> {
    /// Loads shorter than this print nothing, so small graphs and tests stay quiet.
    const QUIET_FOR: Duration = Duration::from_millis(500);
    const INTERVAL: Duration = Duration::from_millis(250);

    fn new(name: &'a str, size: Option<u64>) -> Self {
        let terminal = io::stderr().is_terminal();
        Progress {
            name,
            size,
            start: Instant::now(),
            last_print: None,
            terminal,
        }
    }

    fn report(&mut self, lines: usize, bytes: u64) {
        let now = Instant::now();
        let due = match self.last_print {
            None => now.duration_since(self.start) >= Self::QUIET_FOR,
            Some(last) => now.duration_since(last) >= Self::INTERVAL,
        };
        if !due {
            return;
        }
        self.last_print = Some(now);
        let mut message = format!(
            "loading {}: {lines} lines, {:.1} MiB",
            self.name,
            mib(bytes)
        );
        if let Some(size) = self.size.filter(|&s| s > 0) {
            message += &format!(" ({:.0}%)", 100.0 * bytes as f64 / size as f64);
        }
        // Progress is a courtesy: a closed stderr must not stop the load.
        let mut stderr = io::stderr().lock();
        let _ = if self.terminal {
            write!(stderr, "\r{message}\x1b[K").and_then(|()| stderr.flush())
        } else {
            writeln!(stderr, "{message}")
        };
    }

    /// Ends the overwritten line, so the next message starts on a fresh one.
    fn finish(self) {
        if self.terminal && self.last_print.is_some() {
            let _ = writeln!(io::stderr());
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
