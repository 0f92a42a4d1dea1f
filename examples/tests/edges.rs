//! The edge-list reader: formats it accepts, and errors that name the file, line and reason.
//! (Outside the library, so that its programs are not compiled a second time for unit tests.)

use std::path::Path;

use blossom_examples::edges::{EdgeError, parse_edges, read_edges};
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
            // The cause is the error's source, not a second copy in its message.
            assert_eq!(
                error.to_string(),
                "cannot read /nonexistent/blossom/graph.tsv"
            );
            assert!(std::error::Error::source(&error).is_some());
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
