//! `Bool`: the lattice of a flag that, once raised, stays raised.

use serde::{Deserialize, Serialize};

use crate::Lattice;

/// A flag merged by `or`; bottom is `false`.
///
/// Threshold tests land here: "have at least a quorum of votes arrived?" is a `Bool` that can
/// only turn true as the votes grow (see [`crate::functions::AtLeast`]). The derived `Ord`
/// (`false < true`) agrees with the lattice order.
///
/// ```rust
/// use blossom_lattices::{Bool, Lattice};
///
/// let mut committed = Bool::bottom();
/// assert!(!committed.get());
/// assert!(committed.merge(Bool::new(true)));
/// assert!(!committed.merge(Bool::new(false)));
/// assert!(committed.get());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bool(bool);

impl Bool {
    /// Wraps `value`.
    pub fn new(value: bool) -> Self {
        Bool(value)
    }

    /// The flag.
    pub fn get(&self) -> bool {
        self.0
    }
}

impl Lattice for Bool {
    fn merge(&mut self, other: Self) -> bool {
        let grew = other.0 && !self.0;
        self.0 |= other.0;
        grew
    }

    fn bottom() -> Self {
        Bool(false)
    }

    fn leq(&self, other: &Self) -> bool {
        !self.0 || other.0
    }
}

/// The default is bottom, `false`.
impl Default for Bool {
    fn default() -> Self {
        Bool(false)
    }
}

impl From<bool> for Bool {
    fn from(value: bool) -> Self {
        Bool(value)
    }
}

impl From<Bool> for bool {
    fn from(flag: Bool) -> Self {
        flag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_absorbs_everything() {
        let mut flag = Bool::new(true);
        assert!(!flag.merge(Bool::new(false)));
        assert!(flag.get());
        assert!(Bool::new(false).leq(&flag));
        assert!(!flag.leq(&Bool::new(false)));
    }

    #[test]
    fn default_is_false() {
        assert!(Bool::default().is_bottom());
        assert!(!bool::from(Bool::default()));
    }
}
