//! The `Lattice` trait: a join-semilattice with a least element.

/// A join-semilattice with a least element.
///
/// `merge` is the least upper bound ("join"): it must be associative, commutative and
/// idempotent, and [`Lattice::bottom`] must be its identity. [`crate::laws::check_laws`] checks
/// these laws on sample values; call it from a property test for every lattice you write.
///
/// # Example
///
/// A user lattice: a flag that, once raised, stays raised.
///
/// ```rust
/// use blossom_lattices::{laws, Lattice};
///
/// #[derive(Clone, Debug, PartialEq, Eq)]
/// struct Raised(bool);
///
/// impl Lattice for Raised {
///     fn merge(&mut self, other: Self) -> bool {
///         let grew = other.0 && !self.0;
///         self.0 |= other.0;
///         grew
///     }
///     fn bottom() -> Self {
///         Raised(false)
///     }
///     fn leq(&self, other: &Self) -> bool {
///         !self.0 || other.0
///     }
/// }
///
/// let mut flag = Raised::bottom();
/// assert!(flag.merge(Raised(true)));
/// assert!(!flag.merge(Raised(false)));
/// assert!(laws::check_laws(&Raised(false), &Raised(true), &Raised(true)).is_ok());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a lattice",
    label = "not a lattice",
    note = "implement `blossom::Lattice` for `{Self}`, or use a standard lattice such as `Max`, `Min` or `SetUnion`"
)]
pub trait Lattice: Clone + Eq {
    /// Merges `other` into `self` (least upper bound); returns whether `self` changed.
    fn merge(&mut self, other: Self) -> bool;

    /// The least element: merging it into anything changes nothing.
    fn bottom() -> Self;

    /// The lattice order: `a.leq(&b)` iff merging `a` into `b` leaves `b` unchanged.
    fn leq(&self, other: &Self) -> bool;

    /// The least upper bound of `self` and `other`, by value.
    fn join(mut self, other: Self) -> Self {
        self.merge(other);
        self
    }

    /// Whether `self` is the least element.
    fn is_bottom(&self) -> bool {
        *self == Self::bottom()
    }
}
