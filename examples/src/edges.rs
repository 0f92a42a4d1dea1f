//! Reading directed edge lists: two unsigned integers per line, as in `shared/data/graphs/`.
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
    #[error("cannot read {}: {source}", path.display())]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Cursor;

    fn parse(text: &str) -> Result<Vec<(u32, u32)>, EdgeError> {
        parse_edges(Cursor::new(text), "graph.tsv", |_, _| {})
    }

    /// The (line, reason) of a parse that must fail.
    fn failure(text: &str) -> (usize, String) {
        match parse(text) {
            Err(EdgeError::Malformed { line, reason, .. }) => (line, reason),
            other => panic!("expected a malformed-line error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn reads_tab_and_space_separated_edges() -> Result<(), EdgeError> {
        let edges = parse("1\t2\n3 4\n5 \t 6\n  7\t\t8  \n")?;
        assert_eq!(edges, [(1, 2), (3, 4), (5, 6), (7, 8)]);
        Ok(())
    }

    #[test]
    fn skips_blank_and_comment_lines_and_trailing_comments() -> Result<(), EdgeError> {
        let text = "# header\n\n   # indented comment\n1 2 # trailing\n\t\n3\t4#tight\n";
        assert_eq!(parse(text)?, [(1, 2), (3, 4)]);
        Ok(())
    }

    #[test]
    fn accepts_crlf_and_a_missing_final_newline() -> Result<(), EdgeError> {
        assert_eq!(parse("1\t2\r\n3\t4\r\n\r\n5\t6")?, [(1, 2), (3, 4), (5, 6)]);
        Ok(())
    }

    #[test]
    fn empty_input_is_no_edges() -> Result<(), EdgeError> {
        assert_eq!(parse("")?, []);
        assert_eq!(parse("# only a comment\n\n")?, []);
        Ok(())
    }

    #[test]
    fn a_non_number_names_its_line() {
        let (line, reason) = failure("1 2\n# c\n3 4\n12 x\n5 6\n");
        assert_eq!(line, 4);
        assert_eq!(reason, r#"expected two unsigned integers, found "12 x""#);
    }

    #[test]
    fn the_message_reads_file_line_reason() {
        let Err(error) = parse("1 2\n-3 4\n") else {
            panic!("a negative number must fail")
        };
        assert_eq!(
            error.to_string(),
            r#"graph.tsv:2: expected two unsigned integers, found "-3 4""#
        );
    }

    #[test]
    fn one_column_names_its_line() {
        assert_eq!(
            failure("1 2\n3\n"),
            (2, r#"expected two unsigned integers, found "3""#.into())
        );
    }

    #[test]
    fn a_third_column_names_its_line() {
        let (line, reason) = failure("1 2\n3 4\n5 6 7\n");
        assert_eq!(line, 3);
        assert_eq!(
            reason,
            r#"expected two unsigned integers, found 3 columns in "5 6 7""#
        );
    }

    #[test]
    fn a_sign_is_not_an_unsigned_integer() {
        assert_eq!(failure("+1 2\n").0, 1);
    }

    #[test]
    fn overflow_names_the_number_and_its_line() -> Result<(), EdgeError> {
        assert_eq!(parse("4294967295 0\n")?, [(u32::MAX, 0)]);
        let (line, reason) = failure("1 2\n0 4294967296\n");
        assert_eq!(line, 2);
        assert_eq!(reason, r#""4294967296" does not fit in u32"#);
        Ok(())
    }

    #[test]
    fn invalid_utf8_is_an_error_on_its_line() {
        let bytes = b"1 2\n3 \xff4\n".to_vec();
        match parse_edges(Cursor::new(bytes), "bin.tsv", |_, _| {}) {
            Err(EdgeError::Malformed {
                line: 2, reason, ..
            }) => assert!(reason.contains("UTF-8")),
            other => panic!("expected a malformed line 2, got {other:?}"),
        }
    }

    #[test]
    fn long_lines_are_cut_in_messages() {
        let long = format!("1 {}\n", "9".repeat(500));
        let Err(EdgeError::Malformed { text, reason, .. }) = parse(&long) else {
            panic!("a 500-digit number must fail")
        };
        assert!(text.chars().count() <= 81, "{text}");
        assert!(reason.chars().count() < 120, "{reason}");
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let path = Path::new("/nonexistent/blossom/graph.tsv");
        match read_edges(path) {
            Err(error @ EdgeError::Io { .. }) => {
                assert!(error.to_string().contains("/nonexistent/blossom/graph.tsv"))
            }
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }

    #[test]
    fn progress_reports_the_whole_input_at_the_end() -> Result<(), EdgeError> {
        let mut last = (0, 0);
        parse_edges(Cursor::new("1 2\n3 4\n"), "p", |lines, bytes| {
            last = (lines, bytes)
        })?;
        assert_eq!(last, (2, 8));
        Ok(())
    }

    /// Separators and line endings the format allows, to write random edges with.
    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["\t", " ", "  ", " \t", "\t\t"])
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_edges(Cursor::new(bytes), "fuzz", |_, _| {});
        }

        #[test]
        fn never_panics_on_almost_edge_lists(text in "[0-9 \t#\r\n+x-]{0,300}") {
            let _ = parse(&text);
        }

        #[test]
        fn formatted_edges_parse_back(
            rows in prop::collection::vec((any::<u32>(), any::<u32>(), separator(), any::<bool>()), 0..100),
        ) {
            let mut text = String::new();
            for (src, dst, sep, crlf) in &rows {
                let end = if *crlf { "\r\n" } else { "\n" };
                text += &format!("{src}{sep}{dst}{end}");
            }
            let edges: Vec<_> = rows.iter().map(|&(src, dst, ..)| (src, dst)).collect();
            prop_assert_eq!(parse(&text).map_err(|e| e.to_string()), Ok(edges));
        }
    }
}
