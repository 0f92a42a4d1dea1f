//! Rows of `u32`s and the Rust types Blossom holds them as: `u32`, `u64` and `Addr` columns,
//! alone or in tuples, each converted, hashed and printed as Blossom's row type would be.

use std::hash::{Hash, Hasher};

use blossom::Addr;

use super::{Row, Type};

/// A column type of a Blossom relation, held by the reference as a `u32`.
pub trait Value {
    fn from_u32(value: u32) -> Self;
    fn to_u32(&self) -> u32;
}

impl Value for u32 {
    fn from_u32(value: u32) -> Self {
        value
    }
    fn to_u32(&self) -> u32 {
        *self
    }
}

impl Value for u64 {
    fn from_u32(value: u32) -> Self {
        u64::from(value)
    }
    fn to_u32(&self) -> u32 {
        u32::try_from(*self).expect("a u64 the reference can hold")
    }
}

impl Value for Addr {
    fn from_u32(value: u32) -> Self {
        Addr(value)
    }
    fn to_u32(&self) -> u32 {
        self.0
    }
}

/// A row type of a Blossom relation: one [`Value`] or a tuple of them.
pub trait Columns {
    fn from_row(row: &[u32]) -> Self;
    fn to_row(&self) -> Row;
}

impl<V: Value> Columns for V {
    fn from_row(row: &[u32]) -> Self {
        assert_eq!(row.len(), 1, "a one-column row");
        V::from_u32(row[0])
    }
    fn to_row(&self) -> Row {
        vec![self.to_u32()]
    }
}

/// `Columns` for the tuples of `Value`s: `tuple!(A 0, B 1)`.
macro_rules! tuple {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Value),+> Columns for ($($name,)+) {
            fn from_row(row: &[u32]) -> Self {
                assert_eq!(row.len(), [$($index),+].len(), "a row of the tuple's width");
                ($($name::from_u32(row[$index]),)+)
            }
            fn to_row(&self) -> Row {
                vec![$(self.$index.to_u32()),+]
            }
        }
    };
}

tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);

/// A row as the Rust value Blossom holds it, for hashing: a tuple hashes its fields in order
/// and nothing else, and a one-column row is its value, so hashing each column as its type
/// hashes exactly as Blossom's row does (a test checks it against real tuples).
pub struct Typed<'a>(pub &'a [u32], pub &'a [Type]);

impl Hash for Typed<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        assert_eq!(self.0.len(), self.1.len());
        for (&value, ty) in self.0.iter().zip(self.1) {
            match ty {
                Type::U32 => value.hash(state),
                Type::U64 => u64::from(value).hash(state),
                Type::Addr => Addr(value).hash(state),
            }
        }
    }
}

/// `values` as `Debug` prints them as Blossom holds them: a lone value, or a tuple.
pub fn debug_text(values: &[u32], types: &[Type]) -> String {
    assert_eq!(values.len(), types.len());
    let each: Vec<String> = (values.iter().zip(types))
        .map(|(value, ty)| match ty {
            Type::U32 | Type::U64 => value.to_string(),
            Type::Addr => format!("{:?}", Addr(*value)),
        })
        .collect();
    match each.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", each.join(", ")),
    }
}
