//! The `program!` macro of Blossom: parse, resolve, analyse, plan, generate.
//!
//! Each stage is a module with its own tests; [`expand`] runs them in order and is what tests
//! call directly. Errors from a stage are collected and reported together, each spanned on the
//! tokens it concerns.

extern crate proc_macro;

mod analysis;
mod calm;
mod codegen;
mod device;
mod diag;
mod locate;
mod parse;
mod plan;
mod resolve;
mod seal;

use proc_macro2::TokenStream;

/// Declares a Blossom program: relations, and rules over them.
///
/// See the `blossom` crate for the language; this crate only implements it.
#[proc_macro]
pub fn program(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The whole pipeline, from the macro's tokens to the generated code.
fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let mut program: parse::Program = syn::parse2(input)?;
    locate::locate(&mut program)?;
    let hir = resolve::resolve(&program)?;
    let analysis = analysis::analyse(&hir)?;
    let seals = seal::resolve(&hir)?;
    let calm = calm::calm(&hir, &seals);
    let mut plan = plan::plan(&hir, &analysis);
    codegen::generate(&hir, &analysis, &mut plan, &calm)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn expands_a_recursive_program() {
        let tokens = super::expand(quote! {
            pub Reach {
                input edge(src: u32, dst: u32);
                table link(src: u32, dst: u32);
                output path(src: u32, dst: u32);
                link(a, b) <= edge(a, b);
                path(a, b) <= link(a, b);
                path(a, c) <= path(a, b), link(b, c);
            }
        })
        .unwrap();
        let text = tokens.to_string();
        assert!(text.contains("fn __stratum_0"));
        assert!(text.contains("fn __stratum_1"));
        // Only growing relations in the recursion: the semi-naive operator, not an iterative scope.
        assert!(text.contains("Fixpoint :: new"));
        assert!(!text.contains("iterative"));
        // `path` is read only as `(b, a)`: that index holds its rows.
        assert_eq!(text.matches("var_path . index_by").count(), 1);
    }

    /// An index that drops a column, or keeps only some rows, cannot hold its relation.
    #[test]
    fn only_an_index_of_every_column_and_row_holds_a_relation() {
        let tokens = super::expand(quote! {
            pub Partial {
                input edge(src: u32, dst: u32);
                table link(src: u32, dst: u32);
                output path(src: u32, dst: u32);
                output loops(src: u32);
                link(a, b) <= edge(a, b);
                path(a, b) <= link(a, b);
                path(a, c) <= path(a, b), link(b, c), if a != c;
                path(a, c) <= path(a, 7), link(7, c);
                loops(a) <= path(a, a);
            }
        })
        .unwrap();
        let text = tokens.to_string();
        assert!(text.contains("Fixpoint :: new"));
        // The first rule's index keeps both columns; the second's keeps rows with b = 7 only.
        assert_eq!(text.matches("index_by").count(), 1);
    }

    /// The compile-time benchmark's program (examples/benches/compile) stays a valid program
    /// of thirty rules.
    #[test]
    fn expands_the_compile_time_benchmark_program() {
        let source = include_str!("../../examples/benches/compile/wide.rs");
        let file: proc_macro2::TokenStream = source.parse().unwrap();
        let body = file.into_iter().find_map(|token| match token {
            proc_macro2::TokenTree::Group(group) => Some(group.stream()),
            _ => None,
        });
        let text = super::expand(body.unwrap()).unwrap().to_string();
        assert_eq!(text.matches("RuleInfo {").count(), 30);
        assert!(text.contains("fn __stratum_23"));
    }

    /// A relation whose one rule reads distinct rows and keeps the columns that tell them
    /// apart needs no `distinct`; a projection, an input or two rules do. A lattice that a
    /// semi-naive stratum keeps is not carried to the next tick by the dataflow as well.
    #[test]
    fn only_rows_that_may_repeat_are_folded() {
        let tokens = super::expand(quote! {
            pub Lengths {
                input   edge(src: u32, dst: u32, w: u32);
                table   link(src: u32, dst: u32, w: u32);
                lattice dist(src: u32, dst: u32) -> blossom::Min<u32>;
                output  distance(src: u32, dst: u32, d: u32);
                output  sources(src: u32);
                output  copied(src: u32, dst: u32, w: u32);
                link(a, b, w) <= edge(a, b, w);
                dist(a, b, blossom::Min::new(w)) <= link(a, b, w);
                distance(a, b, *x.get()) <= dist(a, b, x);
                sources(a) <= dist(a, _, _);
                copied(a, b, w) <= edge(a, b, w);
            }
        })
        .unwrap();
        let text = tokens.to_string();
        // `distance` alone is a concatenation; `link`, `sources` and `copied` fold repeats.
        assert!(text.contains("let rel_distance = :: blossom :: rt :: concat"));
        for folded in ["link", "sources", "copied"] {
            // Folded on the worker of its partition (`rt::place`).
            assert!(text.contains(&format!(
                "let rel_{folded} = :: blossom :: rt :: union_by ("
            )));
        }
        // `dist` is not recursive here: the transition carries it to the next tick.
        assert!(text.contains("prev_dist"));
        let tokens = super::expand(quote! {
            pub Recursive {
                input   edge(src: u32, dst: u32, w: u32);
                table   link(src: u32, dst: u32, w: u32);
                lattice dist(src: u32, dst: u32) -> blossom::Min<u32>;
                link(a, b, w) <= edge(a, b, w);
                dist(a, b, blossom::Min::new(w)) <= link(a, b, w);
                dist(a, c, Plus(w).apply(&x)) <= dist(a, b, x), link(b, c, w);
            }
        })
        .unwrap();
        // Semi-naive rounds keep `dist` from tick to tick themselves.
        let text = tokens.to_string();
        assert!(text.contains("rt :: fixpoint :: Fixpoint :: new"));
        assert!(!text.contains("prev_dist"));
        assert!(text.contains("prev_link"));
    }

    /// A positive recursion over a relation that loses rows runs as rounds that also delete,
    /// each rule with a support; one that defines a table (whose rows stay without a
    /// derivation) stays a differential iteration.
    #[test]
    fn a_recursion_over_a_shrinking_relation_deletes_or_stays_differential() {
        let tokens = super::expand(quote! {
            pub Cut {
                input edge(src: u32, dst: u32);
                input cut(src: u32, dst: u32);
                table link(src: u32, dst: u32);
                output path(src: u32, dst: u32);
                link(a, b) <= edge(a, b);
                link(a, b) <- cut(a, b);
                path(a, b) <= link(a, b);
                path(a, c) <= path(a, b), link(b, c);
            }
        })
        .unwrap();
        let text = tokens.to_string();
        assert!(text.contains("rt :: retract :: Fixpoint :: new"));
        assert!(!text.contains("iterative"));
        assert_eq!(text.matches(". support (").count(), 2);
        // The recursive rule looks `link` up by its second column, then tests `path`.
        assert!(text.contains("rt :: retract :: lookup (& rel_link"));
        assert!(text.contains("rt :: retract :: member (& var_path"));
        let tokens = super::expand(quote! {
            pub Kept {
                input edge(src: u32, dst: u32);
                input cut(src: u32, dst: u32);
                table link(src: u32, dst: u32);
                table path(src: u32, dst: u32);
                link(a, b) <= edge(a, b);
                link(a, b) <- cut(a, b);
                path(a, b) <= link(a, b);
                path(a, c) <= path(a, b), link(b, c);
            }
        })
        .unwrap();
        let text = tokens.to_string();
        assert!(text.contains("iterative"));
        assert!(!text.contains("Fixpoint :: new"));
    }
}
