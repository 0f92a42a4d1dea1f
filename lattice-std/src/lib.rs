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
//! # The standard lattices
//!
//! | lattice | a value | merge | bottom |
//! | --- | --- | --- | --- |
//! | [`Max`], [`Min`] | a totally ordered value | the greater / the lesser | the least / greatest value |
//! | [`Bool`] | a flag | or | `false` |
//! | [`SetUnion`] | a set | union | `{}` |
//! | [`MapUnion`] | keys to lattice values | union of keys, values merged per key | `{}` |
//! | [`Pair`] | two lattice values | each component | both bottoms |
//! | [`DomPair`] | a totally ordered key and a lattice value | the greater key wins; equal keys merge values | least key, bottom value |
//! | [`WithBot`], [`WithTop`] | a lattice value, or a new bottom / top | as the inner lattice | the new bottom / the inner bottom |
//! | [`Lww`] | a timestamped value | the later write; ties to the greater value | never written |
//! | [`VectorClock`] | a count of events per replica | greatest count per replica | no events |
//! | [`GCounter`] | a count per replica, summed | greatest count per replica | 0 |
//! | [`PNCounter`] | increments and decrements | each `GCounter` | 0 |
//! | [`CausalRegister`] | concurrent values, each with a vector clock | keep the versions not before another | no version |
//! | [`OrSet`] | a set with removes (add-wins) | union of tagged adds and of tombstones | `{}` |
//!
//! They nest. Their derived `Ord` is a structural total order, so they can sit in relation
//! columns: it is not the lattice order, which is [`Lattice::leq`] (for `Max`, `Bool` and
//! `Lww` the two happen to agree). [`laws::check_laws`] checks the laws of any lattice, and a
//! user lattice should be tested with it.
//!
//! # Monotone functions and morphisms
//!
//! Reading a lattice value keeps a rule monotone only through a function declared
//! [`Monotone`] or [`Morphism`]; [`functions`] holds the library's own, and
//! [`laws::check_monotone`] and [`laws::check_morphism`] check a declaration on generated
//! values. A claim that is not checked is not trusted: see [`monotone`] for the rule.
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

mod boolean;
mod bounds;
mod causal_register;
mod dom_pair;
pub mod functions;
mod g_counter;
mod lattice;
pub mod laws;
mod lww;
mod map_union;
mod max;
mod min;
pub mod monotone;
mod or_set;
mod pair;
mod pn_counter;
mod set_union;
mod vector_clock;
mod with_bot;
mod with_top;

pub use boolean::Bool;
pub use bounds::{MaxValue, MinValue};
pub use causal_register::CausalRegister;
pub use dom_pair::DomPair;
pub use g_counter::GCounter;
pub use lattice::Lattice;
pub use lww::Lww;
pub use map_union::MapUnion;
pub use max::Max;
pub use min::Min;
pub use monotone::{Monotone, Morphism};
pub use or_set::OrSet;
pub use pair::Pair;
pub use pn_counter::PNCounter;
pub use set_union::SetUnion;
pub use vector_clock::VectorClock;
pub use with_bot::WithBot;
pub use with_top::WithTop;
