//! `MinValue` and `MaxValue`: the extreme values that are the bottoms of `Max` and `Min`.

use std::cmp::Reverse;

/// A type with a least value, which is the bottom of [`crate::Max`] over it.
///
/// ```rust
/// use blossom_lattices::MinValue;
///
/// // Spelled out in full: the integers also have deprecated inherent `min_value` methods.
/// assert_eq!(<i8 as MinValue>::min_value(), -128);
/// assert_eq!(String::min_value(), "");
/// ```
pub trait MinValue {
    /// The least value of the type: no value compares less.
    fn min_value() -> Self;
}

/// A type with a greatest value, which is the bottom of [`crate::Min`] over it.
///
/// ```rust
/// use blossom_lattices::MaxValue;
///
/// assert_eq!(<u16 as MaxValue>::max_value(), 65535);
/// assert_eq!(<char as MaxValue>::max_value(), char::MAX);
/// ```
pub trait MaxValue {
    /// The greatest value of the type: no value compares greater.
    fn max_value() -> Self;
}

/// Implements both traits for types with `MIN` and `MAX` constants.
macro_rules! impl_extremes {
    ($($t:ty),* $(,)?) => {$(
        impl MinValue for $t {
            fn min_value() -> Self {
                <$t>::MIN
            }
        }
        impl MaxValue for $t {
            fn max_value() -> Self {
                <$t>::MAX
            }
        }
    )*};
}

impl_extremes!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, char
);

impl MinValue for bool {
    fn min_value() -> Self {
        false
    }
}

impl MaxValue for bool {
    fn max_value() -> Self {
        true
    }
}

impl MinValue for () {
    fn min_value() -> Self {}
}

impl MaxValue for () {
    fn max_value() -> Self {}
}

/// `Reverse` turns a greatest value into a least one, so `Max<Reverse<T>>` and a
/// [`crate::DomPair`] keyed by `Reverse<T>` work for any `T` with a greatest value.
///
/// ```rust
/// use std::cmp::Reverse;
/// use blossom_lattices::MinValue;
///
/// assert_eq!(<Reverse<u8> as MinValue>::min_value(), Reverse(255));
/// ```
impl<T: MaxValue> MinValue for Reverse<T> {
    fn min_value() -> Self {
        Reverse(T::max_value())
    }
}

/// `Reverse` turns a least value into a greatest one.
impl<T: MinValue> MaxValue for Reverse<T> {
    fn max_value() -> Self {
        Reverse(T::min_value())
    }
}

/// Strings have a least value (the empty string) but no greatest one.
impl MinValue for String {
    fn min_value() -> Self {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_extremes_are_nul_and_char_max() {
        assert_eq!(<char as MinValue>::min_value(), '\0');
        assert_eq!(<char as MaxValue>::max_value(), char::MAX);
    }

    #[test]
    fn bool_extremes_are_false_and_true() {
        assert!(!<bool as MinValue>::min_value());
        assert!(<bool as MaxValue>::max_value());
    }

    #[test]
    fn reverse_swaps_the_extremes() {
        assert_eq!(<Reverse<i8> as MinValue>::min_value(), Reverse(i8::MAX));
        assert_eq!(<Reverse<i8> as MaxValue>::max_value(), Reverse(i8::MIN));
        assert!(<Reverse<i8> as MinValue>::min_value() < Reverse(0));
    }
}
