//! The `Lattice` trait and the standard lattices of Blossom.
//!
//! A lattice here is a join-semilattice with a least element: a type whose values only grow
//! under [`Lattice::merge`], the least upper bound. Merge is associative, commutative and
//! idempotent, so replicas that receive the same updates in any order, any grouping and any
//! number of times agree, which is what lets a Blossom rule write into a lattice-valued column
//! without coordination (Bloom^L's `<=`).
//!
//! `merge` returns whether `self` changed. A semi-naive or incremental engine runs a rule again
//! only on what is new, and it stops at a fixpoint when no merge reported growth; without the
//! flag it would have to clone and compare every value.
//!
//! The standard lattices are [`Max`], [`Min`], [`SetUnion`], [`MapUnion`] (values merged per
//! key) and [`Pair`] (the product of two lattices); they nest. Their derived `Ord` is a
//! structural total order, so they can sit in relation columns: it is not the lattice order,
//! which is [`Lattice::leq`]. [`laws::check_laws`] checks the laws of any lattice, and a user
//! lattice should be tested with it.
//!
//! ```rust
//! use blossom_lattices::{Lattice, MapUnion, Max, SetUnion};
//!
//! // The highest version of each key, merged from two replicas.
//! let mut left = MapUnion::singleton("x", Max::new(1));
//! let right = MapUnion::from_iter([("x", Max::new(4)), ("y", Max::new(2))]);
//! assert!(left.merge(right.clone()));
//! assert!(!left.merge(right));
//! assert_eq!(left.get("x"), Some(&Max::new(4)));
//!
//! // The messages seen by either replica.
//! let seen = SetUnion::from_iter(["m1"]).join(SetUnion::from_iter(["m2"]));
//! assert!(SetUnion::singleton("m1").leq(&seen));
//! ```

mod bounds;
mod lattice;
pub mod laws;
mod map_union;
mod max;
mod min;
mod pair;
mod set_union;

pub use bounds::{MaxValue, MinValue};
pub use lattice::Lattice;
pub use map_union::MapUnion;
pub use max::Max;
pub use min::Min;
pub use pair::Pair;
pub use set_union::SetUnion;
