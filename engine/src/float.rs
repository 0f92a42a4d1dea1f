//! Floating-point columns: `f32` and `f64` with the total order and hash a relation needs.
//!
//! A relation's rows are kept sorted and hashed, so a column type must be `Ord + Hash`, which
//! `f32` and `f64` are not (NaN is equal to nothing). [`F32`] and [`F64`] wrap them with the
//! IEEE 754 total order (`total_cmp`: -0.0 sorts before +0.0, and NaNs after the infinities)
//! and the hash of their bits, and compute like the floats they wrap: `x * 2.0 + y.sqrt()`
//! reads as it would on `f32`, which is what a device rule translates to OpenCL C.
//!
//! Comparisons use the total order too, so they differ from the IEEE ones (and from OpenCL C's)
//! only on NaN and on -0.0 against +0.0.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, Div, Mul, Neg, Sub};

use serde::{Deserialize, Serialize};

macro_rules! float {
    ($(#[$doc:meta])* $name:ident, $float:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $float);

        impl $name {
            /// The square root.
            pub fn sqrt(self) -> Self {
                $name(self.0.sqrt())
            }

            /// `e` to the power of the value.
            pub fn exp(self) -> Self {
                $name(self.0.exp())
            }

            /// The absolute value.
            pub fn abs(self) -> Self {
                $name(self.0.abs())
            }

            /// The smaller of two values (the other if one is NaN), as the float's own `min`.
            pub fn min(self, other: impl Into<$name>) -> Self {
                $name(self.0.min(other.into().0))
            }

            /// The larger of two values (the other if one is NaN), as the float's own `max`.
            pub fn max(self, other: impl Into<$name>) -> Self {
                $name(self.0.max(other.into().0))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == Ordering::Equal
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.total_cmp(&other.0)
            }
        }

        impl PartialEq<$float> for $name {
            fn eq(&self, other: &$float) -> bool {
                *self == $name(*other)
            }
        }

        impl PartialOrd<$float> for $name {
            fn partial_cmp(&self, other: &$float) -> Option<Ordering> {
                Some(self.cmp(&$name(*other)))
            }
        }

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.to_bits().hash(state);
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$float> for $name {
            fn from(value: $float) -> Self {
                $name(value)
            }
        }

        impl From<$name> for $float {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl Neg for $name {
            type Output = $name;
            fn neg(self) -> $name {
                $name(-self.0)
            }
        }

        float!(@ops $name, $float, Add add, Sub sub, Mul mul, Div div);
    };
    (@ops $name:ident, $float:ty, $($trait:ident $method:ident),*) => {$(
        impl $trait for $name {
            type Output = $name;
            fn $method(self, other: $name) -> $name {
                $name(self.0.$method(other.0))
            }
        }

        impl $trait<$float> for $name {
            type Output = $name;
            fn $method(self, other: $float) -> $name {
                $name(self.0.$method(other))
            }
        }

        impl $trait<$name> for $float {
            type Output = $name;
            fn $method(self, other: $name) -> $name {
                $name(self.$method(other.0))
            }
        }
    )*};
}

float!(
    /// An `f32` that can be a relation column: totally ordered, hashed by its bits.
    F32,
    f32
);
float!(
    /// An `f64` that can be a relation column: totally ordered, hashed by its bits.
    F64,
    f64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_like_the_float_it_wraps() {
        let (x, y) = (F32(1.5), F32(4.0));
        assert_eq!((x * 2.0 + y.sqrt()).0, 1.5f32 * 2.0 + 4.0f32.sqrt());
        assert_eq!((2.0 - x).0, 0.5);
        assert_eq!((-x).abs(), x);
        assert_eq!(x.min(y), x);
        assert_eq!(x.max(10.0), F32(10.0));
        assert!(x < 2.0 && x > 1.0 && x == 1.5);
        assert_eq!(F64(0.0).exp(), F64(1.0));
    }

    #[test]
    fn orders_totally() {
        let mut values = [F64(f64::NAN), F64(1.0), F64(-0.0), F64(0.0), F64(-1.0)];
        values.sort();
        let bits: Vec<u64> = values.iter().map(|v| v.0.to_bits()).collect();
        let expected = [-1.0f64, -0.0, 0.0, 1.0, f64::NAN].map(f64::to_bits);
        assert_eq!(bits, expected);
        assert_eq!(F32(f32::NAN), F32(f32::NAN));
    }
}

/// A column type a device rule reads or writes, carried in a batch as the number it holds: the
/// numbers themselves, and the float columns [`F32`] and [`F64`].
pub trait DeviceValue: Sized {
    /// The number a batch holds.
    type Raw: crate::device::Num;
    /// The number, for a batch.
    fn raw(self) -> Self::Raw;
    /// The value, from a batch.
    fn from_raw(raw: Self::Raw) -> Self;
}

macro_rules! device_values {
    ($($t:ty),*) => {$(
        impl DeviceValue for $t {
            type Raw = $t;
            fn raw(self) -> $t {
                self
            }
            fn from_raw(raw: $t) -> $t {
                raw
            }
        }
    )*};
    (@wrapped $($name:ident $float:ty),*) => {$(
        impl DeviceValue for $name {
            type Raw = $float;
            fn raw(self) -> $float {
                self.0
            }
            fn from_raw(raw: $float) -> $name {
                $name(raw)
            }
        }
    )*};
}

device_values!(f32, f64, i32, i64, u32, u64);
device_values!(@wrapped F32 f32, F64 f64);
