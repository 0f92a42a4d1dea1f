//! Sorted runs: how the semi-naive fixpoint keeps a relation's rows and its indexes.
//!
//! A relation that only grows is a list of sorted runs, each at least twice as long as the one
//! after it, so a relation of `n` rows has at most `log2(n)` runs and a row is moved into a
//! longer run `log2(n)` times at most. Checking a round's candidate rows against what is held,
//! and joining a round's rows with an index, are merges of sorted slices that skip ahead by
//! galloping (doubling steps, then halving), so they read memory in order rather than probing a
//! hash table at random, and a run costs its rows' size and nothing more.

use std::any::{Any, TypeId};
use std::cmp::Ordering;

/// Sorted runs of rows, longest first.
pub(crate) struct Runs<T> {
    runs: Vec<Vec<T>>,
}

impl<T> Default for Runs<T> {
    fn default() -> Self {
        Runs { runs: Vec::new() }
    }
}

impl<T: Ord> Runs<T> {
    /// Adds a sorted run, merging it with the shorter runs at the end until each run is more
    /// than twice as long as the next.
    pub(crate) fn push(&mut self, mut run: Vec<T>) {
        while let Some(last) = self.runs.pop_if(|last| last.len() <= 2 * run.len()) {
            run = merge(last, run);
        }
        if !run.is_empty() {
            self.runs.push(run);
        }
    }

    /// Drops from `sorted` (sorted, without duplicates) every row a run holds.
    pub(crate) fn remove_held(&self, sorted: &mut Vec<T>) {
        for run in &self.runs {
            let mut rest = &run[..];
            sorted.retain(|row| {
                rest = gallop(rest, |held| held < row);
                rest.first() != Some(row)
            });
        }
    }

    /// The runs, each sorted.
    pub(crate) fn runs(&self) -> &[Vec<T>] {
        &self.runs
    }

    /// Every row, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.runs.iter().flatten()
    }

    pub(crate) fn clear(&mut self) {
        self.runs = Vec::new();
    }
}

/// Sorts `rows` and drops repeats: a round's candidates, before they are checked against runs.
///
/// Rows of two `u32` columns (a graph's edges and paths, as a row or as an index's key and
/// value) are radix sorted on the 64-bit number they make, which takes half the time of a
/// comparison sort on a round of millions; any other row type is sorted by comparison. The
/// choice is made on the row type, so it costs nothing per row.
pub(crate) fn sort_set<T: Ord + 'static>(rows: &mut Vec<T>) {
    let any: &mut dyn Any = rows;
    if let Some(rows) = any.downcast_mut::<Vec<(u32, u32)>>() {
        radix_sort(rows, |&(a, b)| (a, b), |a, b| (a, b));
    } else if let Some(rows) = any.downcast_mut::<Vec<((u32,), (u32,))>>() {
        radix_sort(rows, |&((a,), (b,))| (a, b), |a, b| ((a,), (b,)));
    } else {
        rows.sort_unstable();
    }
    rows.dedup();
}

/// A round's derived rows are sorted and their repeats dropped whenever they reach this many
/// (and twice as many as the last time, while that drops many): a round's matches need not all
/// be held at once.
pub const COMPACT_FROM: usize = 1 << 20;

/// When a vector that a round fills drops its repeats ([`Repeats::drop_due`]).
///
/// Same generation's `sg(a, b), link(a, x)` meets each `x` through every `a`: a round of it
/// holds every repeat until the round ends, unless they are dropped as the rows come. A drop
/// sorts the rows since the last one and merges them into the sorted rest; it is due at
/// [`COMPACT_FROM`] rows and then whenever the rows have doubled since the last, until two drops
/// in a row each keep more than three quarters of their new rows (this round repeats few, and a
/// drop is a sort the consumer will do again in its own order). Only rows the radix sort takes:
/// for others the sorts cost more than the repeats.
pub(crate) struct Repeats {
    sorted: usize,
    due: usize,
    futile: u8,
}

impl Repeats {
    /// For a round's rows of type `T`, none pushed yet.
    pub(crate) fn of<T: 'static>() -> Self {
        // The row types [`sort_set`] radix sorts.
        let radix = TypeId::of::<T>() == TypeId::of::<(u32, u32)>()
            || TypeId::of::<T>() == TypeId::of::<((u32,), (u32,))>();
        Repeats {
            sorted: 0,
            due: if radix { COMPACT_FROM } else { usize::MAX },
            futile: 0,
        }
    }

    /// Drops the repeats in `rows` if a drop is due: call it as rows are pushed.
    pub(crate) fn drop_due<T: Ord + 'static>(&mut self, rows: &mut Vec<T>) {
        if rows.len() < self.due {
            return;
        }
        let added = rows.len() - self.sorted;
        compact(rows, self.sorted);
        let kept = rows.len() - self.sorted;
        self.futile = if 4 * kept > 3 * added {
            self.futile + 1
        } else {
            0
        };
        self.sorted = rows.len();
        self.due = match self.futile {
            2 => usize::MAX,
            _ => COMPACT_FROM.max(2 * self.sorted),
        };
    }
}

/// Makes `rows` a sorted set, when its first `sorted` rows are one already: the rest are sorted
/// on their own and merged in.
fn compact<T: Ord + 'static>(rows: &mut Vec<T>, sorted: usize) {
    let mut tail = rows.split_off(sorted.min(rows.len()));
    sort_set(&mut tail);
    let mut merged = merge(std::mem::take(rows), tail);
    merged.dedup();
    *rows = merged;
}

/// Below this many rows a comparison sort is as fast.
const RADIX_FROM: usize = 1024;

/// Sorts `rows` by the pair `split` gives, which orders them as their own `Ord` does and which
/// `join` turns back into the row: least significant digit first, over the bits the pairs use.
fn radix_sort<T: Copy + Ord>(
    rows: &mut Vec<T>,
    split: impl Fn(&T) -> (u32, u32),
    join: impl Fn(u32, u32) -> T,
) {
    if rows.len() < RADIX_FROM {
        rows.sort_unstable();
        return;
    }
    // The pair as one number: the second column's bits below the first's, none to spare.
    let (high, low) = rows
        .iter()
        .map(&split)
        .fold((0, 0), |(h, l), (a, b)| (h | a, l | b));
    let low_bits = u32::BITS - low.leading_zeros();
    let bits = u32::BITS - high.leading_zeros() + low_bits;
    let number = |row: &T| {
        let (a, b) = split(row);
        (u64::from(a) << low_bits) | u64::from(b)
    };
    // Digits of at most 11 bits (a count table that stays in the first-level cache), as even
    // as the width allows.
    let passes = bits.div_ceil(11).max(1);
    let digit = bits.div_ceil(passes);
    let mask = (1u64 << digit) - 1;
    let mut counts = vec![0usize; 1 << digit];
    let mut other = vec![join(0, 0); rows.len()];
    for pass in 0..passes {
        let shift = pass * digit;
        counts.fill(0);
        for row in rows.iter() {
            counts[((number(row) >> shift) & mask) as usize] += 1;
        }
        let mut start = 0;
        for count in &mut counts {
            (*count, start) = (start, start + *count);
        }
        for row in rows.iter() {
            let at = &mut counts[((number(row) >> shift) & mask) as usize];
            other[*at] = *row;
            *at += 1;
        }
        std::mem::swap(rows, &mut other);
    }
}

/// Two sorted vectors as one, sorted.
fn merge<T: Ord>(left: Vec<T>, right: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let next = if l <= r { left.next() } else { right.next() };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    out
}

/// The end of `slice`'s prefix whose elements satisfy `before` (which must hold for a prefix
/// and fail for the rest): the suffix from there.
fn gallop<T>(mut slice: &[T], before: impl Fn(&T) -> bool) -> &[T] {
    if slice.first().is_some_and(&before) {
        // Double the step while it stays in the prefix, then halve it back down.
        let mut step = 1;
        while step < slice.len() && before(&slice[step]) {
            slice = &slice[step..];
            step <<= 1;
        }
        step >>= 1;
        while step > 0 {
            if step < slice.len() && before(&slice[step]) {
                slice = &slice[step..];
            }
            step >>= 1;
        }
        // `slice[0]` is the prefix's last element.
        slice = &slice[1..];
    }
    slice
}

/// Every pair of a left and a right row with equal keys, both slices sorted by key.
pub(crate) fn join_sorted<K: Ord, V1, V2>(
    mut left: &[(K, V1)],
    mut right: &[(K, V2)],
    mut each: impl FnMut(&K, &V1, &V2),
) {
    while let (Some((lk, _)), Some((rk, _))) = (left.first(), right.first()) {
        match lk.cmp(rk) {
            Ordering::Less => left = gallop(left, |(key, _)| key < rk),
            Ordering::Greater => right = gallop(right, |(key, _)| key < lk),
            Ordering::Equal => {
                let ls = left.iter().take_while(|(key, _)| key == lk).count();
                let rs = right.iter().take_while(|(key, _)| key == rk).count();
                for (_, v1) in &left[..ls] {
                    for (_, v2) in &right[..rs] {
                        each(lk, v1, v2);
                    }
                }
                (left, right) = (&left[ls..], &right[rs..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn runs_hold_every_row_and_remove_exactly_the_held(
            batches in prop::collection::vec(prop::collection::vec(0u8..64, 0..40), 0..12),
            probe in prop::collection::vec(0u8..64, 0..40),
        ) {
            let mut runs = Runs::default();
            let mut held = std::collections::BTreeSet::new();
            for mut batch in batches {
                batch.sort_unstable();
                batch.dedup();
                runs.remove_held(&mut batch);
                held.extend(batch.iter().copied());
                runs.push(batch);
                for pair in runs.runs().windows(2) {
                    prop_assert!(pair[0].len() > 2 * pair[1].len());
                }
                for run in runs.runs() {
                    prop_assert!(run.windows(2).all(|w| w[0] < w[1]));
                }
            }
            let mut all: Vec<u8> = runs.iter().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(&all, &held.iter().copied().collect::<Vec<_>>());
            let mut probe = probe;
            probe.sort_unstable();
            probe.dedup();
            let expected: Vec<u8> = probe.iter().copied().filter(|x| !held.contains(x)).collect();
            runs.remove_held(&mut probe);
            prop_assert_eq!(probe, expected);
        }

        #[test]
        fn a_sorted_join_finds_every_matching_pair(
            mut left in prop::collection::vec((0u8..16, any::<u8>()), 0..40),
            mut right in prop::collection::vec((0u8..16, any::<u8>()), 0..40),
        ) {
            left.sort_unstable();
            right.sort_unstable();
            let mut found = Vec::new();
            join_sorted(&left, &right, |k, a, b| found.push((*k, *a, *b)));
            let mut expected = Vec::new();
            for (k, a) in &left {
                for (j, b) in &right {
                    if k == j {
                        expected.push((*k, *a, *b));
                    }
                }
            }
            found.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn a_sorted_set_is_the_rows_sorted_once_each(
            // Past the radix threshold, with narrow columns (many repeats) and full-width ones.
            narrow in prop::collection::vec((0u32..40, 0u32..3000), 0..3000),
            wide in prop::collection::vec((any::<u32>(), any::<u32>()), 0..3000),
        ) {
            for rows in [narrow, wide] {
                let mut expected = rows.clone();
                expected.sort_unstable();
                expected.dedup();
                let mut pairs = rows.clone();
                sort_set(&mut pairs);
                prop_assert_eq!(&pairs, &expected);
                let mut keyed: Vec<((u32,), (u32,))> =
                    rows.iter().map(|&(a, b)| ((a,), (b,))).collect();
                sort_set(&mut keyed);
                let keyed: Vec<(u32, u32)> = keyed.into_iter().map(|((a,), (b,))| (a, b)).collect();
                prop_assert_eq!(keyed, expected);
            }
        }

        #[test]
        fn compacting_keeps_every_row_once_in_order(
            mut head in prop::collection::vec((0u32..50, 0u32..50), 0..2000),
            tail in prop::collection::vec((0u32..50, 0u32..50), 0..2000),
        ) {
            sort_set(&mut head);
            let sorted = head.len();
            let mut rows = head;
            rows.extend(tail);
            let mut expected = rows.clone();
            expected.sort_unstable();
            expected.dedup();
            compact(&mut rows, sorted);
            prop_assert_eq!(rows, expected);
        }
    }
}
