//! Collects every diagnostic of a stage, so the user sees all of them at once.

use proc_macro2::Span;
use std::fmt::Display;

/// An accumulator of spanned errors (serde's `Ctxt`, without the drop bomb).
#[derive(Default)]
pub struct Diagnostics {
    errors: Option<syn::Error>,
}

impl Diagnostics {
    /// Records an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error at `span`, with a second note at `other`.
    pub fn error_with(
        &mut self,
        span: Span,
        message: impl Display,
        other: Span,
        note: impl Display,
    ) {
        let mut error = syn::Error::new(span, message);
        error.combine(syn::Error::new(other, note));
        self.push(error);
    }

    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// `Ok(value)` if nothing was recorded, else every error.
    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.errors {
            Some(errors) => Err(errors),
            None => Ok(value),
        }
    }
}

/// The closest of `candidates` to `name`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|&(distance, candidate)| distance <= (name.len().max(candidate.len()) / 3).max(1))
        .min()
        .map(|(_, candidate)| candidate)
}

/// Edit distance where swapping two neighbouring letters counts as one edit, like a typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in table[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[i - 1][j] + 1)
                .min(table[i][j - 1] + 1)
                .min(table[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[i - 2][j - 2] + 1);
            }
            table[i][j] = best;
        }
    }
    table[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(did_you_mean("edg", ["edge", "path"]), Some("edge"));
        assert_eq!(did_you_mean("lnik", ["link", "path"]), Some("link"));
        assert_eq!(did_you_mean("zzz", ["edge", "path"]), None);
    }
}
