//! `wordcount`: how often each word of a text occurs.
//!
//! Reads `--input FILE` (the bundled text by default), prints the `--top N` most frequent words
//! (default 10) as `word count`, then, last, `words=<total>`. `-w N` runs on N worker threads.

use std::path::PathBuf;

use anyhow::Context;
use blossom::Config;
use blossom_examples::BUNDLED_TEXT;
use blossom_examples::wordcount::word_counts;
use clap::Parser;

/// Word frequencies of a text, computed by Blossom rules.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// A UTF-8 text file. Without it, the bundled text is used.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// How many of the most frequent words to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("wordcount", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::wordcount::WordCount::explain()])?
    {
        return Ok(());
    }
    let text = match &args.input {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?,
        None => BUNDLED_TEXT.to_string(),
    };
    let (counts, total) = word_counts(&text, &config)?;
    for (word, n) in counts.iter().take(args.top) {
        println!("{word} {n}");
    }
    println!("words={total}");
    Ok(())
}
