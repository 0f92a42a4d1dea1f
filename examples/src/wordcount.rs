//! Word count: how often each word occurs in a text, with `count()` grouped by word.

use std::collections::BTreeSet;

blossom::program! {
    /// Each word's number of occurrences, and the lines it occurs on.
    pub WordCount {
        input  word(line: u32, position: u32, word: String);
        output count(word: String, n: u64);
        output lines(word: String, on: BTreeSet<u32>);
        output total(n: u64);

        count(w, count()) <= word(_, _, w);
        lines(w, collect(l)) <= word(l, _, w);
        total(sum(n)) <= count(_, n);
    }
}

/// The words of `text`, lower-cased, with their 1-based line and position on the line.
pub fn words(text: &str) -> Vec<(u32, u32, String)> {
    let mut words = Vec::new();
    for (line, content) in (1u32..).zip(text.lines()) {
        let tokens = content
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty());
        for (position, token) in (1u32..).zip(tokens) {
            words.push((line, position, token.to_lowercase()));
        }
    }
    words
}

/// Each word of `text` with its count, most frequent first (ties alphabetical), and the total.
pub fn word_counts(
    text: &str,
    config: &blossom::Config,
) -> Result<(Vec<(String, u64)>, u64), blossom::Error> {
    let mut program = WordCount::with_config(config)?;
    program.word.extend(words(text));
    program.tick()?;
    let mut counts = program.count.snapshot()?;
    counts.sort_by(|(w1, n1), (w2, n2)| n2.cmp(n1).then(w1.cmp(w2)));
    let total = program.total.snapshot()?.first().copied().unwrap_or(0);
    Ok((counts, total))
}
