//! A shared token: a server that has one serves only clients that send it, and its clients and
//! links send it on connecting (Redis's `requirepass`, for net's own frames).
//!
//! A token is given on the command line (`--token T`) or read from a file (`--token-file
//! PATH`, which keeps it out of the process list); either way surrounding whitespace is not
//! part of it, and an empty token is refused. It is compared in constant time and never
//! printed: its `Debug` says only that there is one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use subtle::ConstantTimeEq;

/// Why a token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token file could not be read (missing, unreadable, or not UTF-8).
    #[error("cannot read the token file {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The token file holds nothing but whitespace.
    #[error("the token file {} is empty", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The token given is empty.
    #[error("the token is empty")]
    Empty,
}

/// A shared secret that a server requires of every client, and that clients and links send.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Arc<str>);

impl Token {
    /// A token from its text, whitespace around it trimmed; an error if nothing is left.
    pub fn new(secret: &str) -> Result<Token, TokenError> {
        match secret.trim() {
            "" => Err(TokenError::Empty),
            secret => Ok(Token(secret.into())),
        }
    }

    /// The token in `path`: the file's contents, trimmed (so a final newline is not part of it).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Token, TokenError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Token::new(&text).map_err(|_| TokenError::EmptyFile {
            path: path.to_path_buf(),
        })
    }

    /// Whether `given` is this token. The time taken depends on the lengths only, not on
    /// where the first differing byte is, so that a client cannot find the token byte by byte
    /// by timing wrong guesses.
    pub fn matches(&self, given: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(given.as_bytes()))
    }

    /// The token's text, to send.
    pub(crate) fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// The `--token` and `--token-file` options of a binary that serves or connects: flatten it
/// into the binary's own `clap` arguments.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct TokenArgs {
    /// The shared token: a server serves only clients that send it; a client sends it.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,
    /// A file whose contents (trimmed) are the token, kept out of the process list.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

impl TokenArgs {
    /// The token the options give, if any; an error if the file cannot be read or either is
    /// empty.
    pub fn token(&self) -> Result<Option<Token>, TokenError> {
        match (&self.token, &self.token_file) {
            (Some(token), _) => Token::new(token).map(Some),
            (None, Some(file)) => Token::from_file(file).map(Some),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_text_matches() {
        let token = Token::new(" s3cret\n").unwrap();
        assert!(token.matches("s3cret"));
        for wrong in [
            "",
            "s3cre",
            "s3cret ",
            "s3creT",
            "s3cret-and-more",
            "S3CRET",
        ] {
            assert!(!token.matches(wrong), "{wrong:?}");
        }
        assert!(matches!(Token::new(" \n\t"), Err(TokenError::Empty)));
        assert_eq!(format!("{token:?}"), "Token(<hidden>)");
    }

    #[test]
    fn the_options_give_a_token_or_a_clear_error() {
        let none = TokenArgs::default();
        assert!(none.token().unwrap().is_none());
        let given = TokenArgs {
            token: Some("abc".into()),
            token_file: None,
        };
        assert!(given.token().unwrap().unwrap().matches("abc"));
        let missing = TokenArgs {
            token: None,
            token_file: Some("/nonexistent/blossom-token".into()),
        };
        let error = missing.token().unwrap_err().to_string();
        assert!(error.contains("/nonexistent/blossom-token"), "{error}");
    }
}
