//! `#[device]` rules: a rule's `let`/`if` items as an OpenCL C kernel, and as the same function
//! in Rust for the CPU, over one columnar layout.
//!
//! The body after the rule's atom is checked against a subset of Rust that OpenCL C computes
//! exactly as Rust does (see `check`); anything else is an error on its tokens. Types are
//! inferred as rustc infers them, unsuffixed literals included (see `ty`), and the CPU closure
//! annotates every `let` with the inferred type, so rustc rejects the rule rather than
//! compute something else if the two ever disagree.

mod check;
mod emit;
mod ir;
mod ty;

#[cfg(test)]
mod tests;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat};

use crate::diag::Diagnostics;
use check::{Checker, LetStep};
use emit::Emitter;
use ir::Node;
pub use ty::NumTy;
use ty::Ty;

/// A column variable bound by the rule's atom: its name and declared Rust type (`f32`, ..., or
/// a tuple of those, e.g. `(f32, f32)`).
pub struct DeviceVar<'a> {
    pub ident: &'a Ident,
    pub ty: &'a syn::Type,
}

/// A body item after the atom, in order.
pub enum Step<'a> {
    Let { pat: &'a Pat, expr: &'a Expr },
    If { expr: &'a Expr },
}

/// A translated rule.
pub struct DeviceKernel {
    pub entry: String,
    /// Complete OpenCL C source.
    pub source: String,
    /// The input columns in buffer order: (the variable, the tuple field if the variable is a
    /// tuple, type).
    pub inputs: Vec<(Ident, Option<usize>, NumTy)>,
    /// The output columns in buffer order: each wanted variable with its inferred type; then,
    /// if the rule has any `if`, a last `U32` column "keep" (1 = row passes, 0 = dropped).
    pub outputs: Vec<(Ident, NumTy)>,
    /// Whether the rule has an `if`, so that `outputs` ends with the keep column.
    pub filters: bool,
    /// `move |__inputs: &::blossom::device::Batch, __outputs: &mut ::blossom::device::Batch|
    /// { .. }`: the same function on the CPU, from the user's own tokens, reading `__inputs` and
    /// writing `__outputs` (pre-sized to the input's length) in the same layout.
    pub cpu: TokenStream,
}

/// A step, checked.
enum Checked<'a> {
    Let(&'a Pat, &'a Expr, LetStep<'a>),
    If(&'a Expr, Node<'a>),
}

/// Translates a `#[device]` rule's steps.
///
/// `inputs`: the atom's variables the steps may use; only those they do use become input
/// columns, one per used field of a tuple. `wanted`: the `let`-bound variables the rule's head
/// needs, which become the output columns in that order.
pub fn translate(
    entry: &str,
    inputs: &[DeviceVar],
    steps: &[Step],
    wanted: &[Ident],
) -> syn::Result<DeviceKernel> {
    if !is_c_identifier(entry) {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`{entry}` is not a valid OpenCL kernel name"),
        ));
    }
    let mut diagnostics = Diagnostics::default();
    let mut checker = Checker::new(inputs);
    let mut checked = Vec::new();
    for step in steps {
        let step = match *step {
            Step::Let { pat, expr } => checker
                .let_step(pat, expr)
                .map(|s| Checked::Let(pat, expr, s)),
            Step::If { expr } => checker.if_step(expr).map(|node| Checked::If(expr, node)),
        };
        match step {
            Ok(step) => checked.push(step),
            Err(error) => diagnostics.push(error),
        }
    }
    let mut outputs = Vec::new();
    let mut values = Vec::new();
    for ident in wanted {
        let Some(binding) = checker.binding(ident) else {
            let message = format!("`{ident}` is not bound by a `let` of this device rule");
            diagnostics.error(ident.span(), message);
            continue;
        };
        match checker.types.resolve(binding.var) {
            Some(Ty::Num(ty)) => {
                outputs.push((ident.clone(), ty));
                values.push((binding.c_name.clone(), ty));
            }
            Some(Ty::Bool) => diagnostics.error_with(
                ident.span(),
                format!(
                    "`{ident}` is a condition (`bool`): a device rule's head may use only \
                     numbers; convert it with `as u32`"
                ),
                binding.ident.span(),
                format!("`{ident}` is bound here"),
            ),
            None => {}
        }
    }

    let mut emitter = Emitter::new(&checker.types);
    let mut body = Vec::new();
    for step in &checked {
        let line = match step {
            Checked::Let(_, _, step) => {
                let ty = emitter.ty(step.node.var);
                emitter
                    .expr(&step.node)
                    .map(|x| format!("const {} {} = {x};", ty.c_name(), step.c_name))
            }
            Checked::If(_, node) => emitter.expr(node).map(|x| format!("if (!{x}) keep = 0u;")),
        };
        match line {
            Ok(line) => body.push(line),
            Err(error) => diagnostics.push(error),
        }
    }
    diagnostics.finish(())?;

    let filters = checked.iter().any(|step| matches!(step, Checked::If(..)));
    let columns: Vec<(String, NumTy)> = checker.columns.values().cloned().collect();
    let source = emit::source(entry, &columns, &body, &values, filters, emitter.f64);
    let cpu = cpu(inputs, &checker, &checked, &outputs, filters);
    let inputs = checker
        .columns
        .iter()
        .map(|(&(index, field), &(_, ty))| (inputs[index].ident.clone(), field, ty))
        .collect();
    if filters {
        outputs.push((Ident::new("keep", Span::call_site()), NumTy::U32));
    }
    Ok(DeviceKernel {
        entry: entry.to_owned(),
        source,
        inputs,
        outputs,
        filters,
        cpu,
    })
}

fn is_c_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The CPU closure: per row, the used input variables from their columns, the user's steps as
/// written, then the outputs.
fn cpu(
    inputs: &[DeviceVar],
    checker: &Checker,
    checked: &[Checked],
    outputs: &[(Ident, NumTy)],
    filters: bool,
) -> TokenStream {
    let column = |index: usize, field: Option<usize>| {
        let (position, (_, ty)) =
            checker
                .columns
                .iter()
                .enumerate()
                .find_map(|(position, (&key, value))| {
                    (key == (index, field)).then_some((position, value))
                })?;
        let rust = ty.rust_type();
        Some(quote!(__inputs.get::<#rust>(#position, __i)))
    };
    let mut binds = Vec::new();
    for (index, var) in inputs.iter().enumerate() {
        if !checker.columns.keys().any(|&(used, _)| used == index) {
            continue;
        }
        let (ident, ty) = (var.ident, var.ty);
        let value = match column(index, None) {
            Some(value) => value,
            None => {
                // A tuple: only its used fields have columns; the rest are never read.
                let fields = (0..check::tuple_arity(ty)).map(|field| {
                    column(index, Some(field))
                        .unwrap_or_else(|| quote!(::core::default::Default::default()))
                });
                quote!((#(#fields,)*))
            }
        };
        // Bound as the numbers it holds: a device rule computes on `f32`, not `F32`.
        let ty = NumTy::raw_type(ty);
        binds.push(quote_spanned!(ident.span()=> let #ident: #ty = #value;));
    }
    let keep = outputs.len();
    let steps = checked.iter().map(|step| match step {
        Checked::Let(pat, expr, step) if step.annotated => quote!(let #pat = #expr;),
        Checked::Let(pat, expr, step) => {
            let ty = checker.types.resolve(step.node.var).map(Ty::rust_type);
            quote_spanned!(pat.span()=> let #pat: #ty = #expr;)
        }
        Checked::If(expr, _) => quote_spanned! {expr.span()=>
            let __keep: bool = #expr;
            if !__keep {
                __outputs.set::<u32>(#keep, __i, 0u32);
                continue;
            }
        },
    });
    let writes = outputs.iter().enumerate().map(|(column, (ident, ty))| {
        let rust = ty.rust_type();
        quote_spanned!(ident.span()=> __outputs.set::<#rust>(#column, __i, #ident);)
    });
    let kept = filters.then(|| quote!(__outputs.set::<u32>(#keep, __i, 1u32);));
    quote! {
        move |__inputs: &::blossom::device::Batch, __outputs: &mut ::blossom::device::Batch| {
            for __i in 0..__inputs.len() {
                #(#binds)*
                #(#steps)*
                #(#writes)*
                #kept
            }
        }
    }
}
