//! A bench binary's arguments: `--bench` (what `cargo bench` passes; without it, `cargo test`
//! runs the binary small, as a smoke test) and `--flag value` pairs.

/// The arguments after the binary's name.
pub struct Args(Vec<String>);

impl Args {
    /// The arguments this process was started with.
    pub fn from_env() -> Args {
        Args(std::env::args().skip(1).collect())
    }

    /// Whether `cargo bench` runs it (rather than `cargo test`).
    pub fn bench(&self) -> bool {
        self.0.iter().any(|a| a == "--bench")
    }

    /// The value after `flag`, if it is given.
    pub fn value(&self, flag: &str) -> Option<String> {
        let at = self.0.iter().position(|a| a == flag)?;
        self.0.get(at + 1).cloned()
    }
}
