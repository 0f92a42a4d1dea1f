//! Rules marked `#[device]`: a map stage run as an OpenCL kernel over columnar batches.
//!
//! Such a rule reads one relation and computes `let`s and `if`s over its numeric columns. Its
//! rows go through `blossom::device::map`: `gather` copies each row's inputs into a batch's
//! columns, the kernel (on the device, or its CPU twin) computes the outputs' columns, and
//! `scatter` builds each head row from its row and its outputs. With `#[device]` the macro
//! writes the kernel from the rule's own expressions (`crate::device`); with
//! `#[device(kernel = expr)]` the program supplies it, and the rule's one `let` says which
//! columns go in and which come out: `let (a, b) = kernel(x, y)`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Pat};

use super::{internal, relation_local, row_type};
use crate::device::{DeviceKernel, DeviceVar, Step, translate};
use crate::parse::DeviceMark;
use crate::plan::Plan;
use crate::resolve::{Hir, Item, RuleHir, Slot};

/// Checks every device rule and writes the code of its stage into its plan.
pub fn generate(hir: &Hir, plan: &mut Plan) -> syn::Result<()> {
    let name = hir.program.name.to_string();
    for stratum in &mut plan.strata {
        let recursive = stratum.recursive;
        for rule_plan in &mut stratum.rules {
            let rule = &hir.rules[rule_plan.rule];
            let Some(mark) = &rule.rule.device else {
                continue;
            };
            if recursive {
                return Err(syn::Error::new(
                    mark.span,
                    "a device rule cannot be recursive: it maps the rows of a relation computed before it",
                ));
            }
            rule_plan.device = Some(stage(hir, rule, rule_plan.rule, mark, &name)?);
        }
    }
    for rule_plan in &mut plan.transition.rules {
        let rule = &hir.rules[rule_plan.rule];
        if let Some(mark) = &rule.rule.device {
            rule_plan.device = Some(stage(hir, rule, rule_plan.rule, mark, &name)?);
        }
    }
    Ok(())
}

/// A device rule's atom: its relation, and for each column the variable it binds (`None`
/// for `_`).
fn atom(rule: &RuleHir, mark: &DeviceMark) -> syn::Result<(usize, Vec<Option<usize>>)> {
    const SHAPE: &str = "a device rule reads one relation: its body is one atom binding distinct variables (or `_`), then `let`s and `if`s";
    let mut atoms = rule
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Atom {
                relation,
                slots,
                negated,
            } => Some((i, *relation, slots, *negated)),
            _ => None,
        });
    let Some((position, relation, slots, negated)) = atoms.next() else {
        return Err(syn::Error::new(mark.span, SHAPE));
    };
    if position != 0 || negated || atoms.next().is_some() || rule.aggregates() {
        return Err(syn::Error::new(mark.span, SHAPE));
    }
    let vars = slots
        .iter()
        .map(|slot| match slot {
            Slot::Bind(var) => Ok(Some(*var)),
            Slot::Wild => Ok(None),
            Slot::Equal(_) | Slot::Const { .. } => Err(syn::Error::new(
                rule.rule.body.first().map_or(mark.span, body_span),
                "a device rule's atom binds distinct variables: test a column with an `if` instead",
            )),
        })
        .collect::<syn::Result<Vec<_>>>()?;
    Ok((relation, vars))
}

fn body_span(item: &crate::parse::BodyItem) -> Span {
    match item {
        crate::parse::BodyItem::Atom(atom) => atom.terms_span,
        crate::parse::BodyItem::If { expr } | crate::parse::BodyItem::Let { expr, .. } => {
            expr.span()
        }
    }
}

/// `let __stage = ::blossom::device::map(...)`: rule `index`'s rows.
fn stage(
    hir: &Hir,
    rule: &RuleHir,
    index: usize,
    mark: &DeviceMark,
    program: &str,
) -> syn::Result<TokenStream> {
    let (relation, vars) = atom(rule, mark)?;
    let decl = hir.relations[relation];
    let (row, row_ty, rel) = (internal("row"), row_type(decl), relation_local(decl));
    let place = |column: usize| match decl.columns.len() {
        1 => quote!((*#row)),
        _ => {
            let column = syn::Index::from(column);
            quote!(#row.#column)
        }
    };
    let column_of = |ident: &Ident| {
        (vars.iter().enumerate())
            .find(|(_, v)| v.is_some_and(|v| rule.vars[v].ident == *ident))
            .map(|(c, _)| c)
    };
    let kernel = match &mark.kernel {
        None => translated(hir, rule, &vars, decl, index, program)?,
        Some(expr) => supplied(hir, rule, decl, expr, mark, &column_of)?,
    };
    let (batch, out, i) = (internal("batch"), internal("out"), internal("i"));
    let value = quote!(::blossom::device::DeviceValue);
    let pushes = kernel.inputs.iter().enumerate().map(|(k, (ident, field))| {
        let column = column_of(ident).unwrap_or_default();
        let place = place(column);
        let place = match field {
            Some(f) => {
                let f = syn::Index::from(*f);
                quote!(#place.#f)
            }
            None => place,
        };
        quote!(#batch.push(#k, #value::raw(::core::clone::Clone::clone(&#place)));)
    });
    // The head's variables: the atom's from the row, the outputs from the batch.
    let from_row = (rule.head_uses.iter())
        .filter(|v| {
            !kernel
                .outputs
                .iter()
                .any(|(o, _)| *o == rule.vars[**v].ident)
        })
        .filter_map(|&v| {
            let ident = &rule.vars[v].ident;
            let column = column_of(ident)?;
            let place = place(column);
            Some(quote!(let #ident = ::core::clone::Clone::clone(&#place);))
        });
    // An output that fills a head column is read as that column's type (`F32` for `f32`).
    let head_decl = hir.relations[rule.head];
    let from_out = kernel.outputs.iter().enumerate().map(|(j, (ident, raw))| {
        let column =
            (rule.rule.head.args.iter()).position(|arg| crate::parse::variable(arg) == Some(ident));
        match column.map(|c| &head_decl.columns[c].ty) {
            Some(ty) => quote!(let #ident: #ty = #value::from_raw(#out.get::<#raw>(#j, #i));),
            None => quote!(let #ident: #raw = #out.get(#j, #i);),
        }
    });
    let keep = kernel.filters.then(|| {
        let keep = kernel.outputs.len();
        quote!(if #out.get::<u32>(#keep, #i) == 0 { return ::core::option::Option::None; })
    });
    let head = super::rule::head(hir, rule);
    let construct = &kernel.construct;
    let stage = internal("stage");
    Ok(quote! {
        #[allow(unused_variables, clippy::clone_on_copy)]
        let #stage = ::blossom::device::map(
            &#rel,
            ::blossom::rt::devices(),
            #construct,
            move |#row: &#row_ty, #batch: &mut ::blossom::device::Batch| { #(#pushes)* },
            move |#row: &#row_ty, #out: &::blossom::device::Batch, #i: usize| {
                #keep
                #(#from_row)*
                #(#from_out)*
                #head
            },
        );
    })
}

/// What `stage` needs of a kernel: its inputs (a variable, and a tuple field), its outputs
/// (a variable and the Rust type it is read as), whether its last output says which rows
/// pass the rule's `if`s, and an expression building the `blossom::device::Kernel`.
struct Planned {
    inputs: Vec<(Ident, Option<usize>)>,
    outputs: Vec<(Ident, TokenStream)>,
    filters: bool,
    construct: TokenStream,
}

/// `#[device]`: the kernel translated from the rule's `let`s and `if`s.
fn translated(
    hir: &Hir,
    rule: &RuleHir,
    vars: &[Option<usize>],
    decl: &crate::parse::Decl,
    index: usize,
    program: &str,
) -> syn::Result<Planned> {
    let inputs: Vec<DeviceVar> = (vars.iter().zip(&decl.columns))
        .filter_map(|(v, column)| {
            let var = (*v)?;
            Some(DeviceVar {
                ident: &rule.vars[var].ident,
                ty: &column.ty,
            })
        })
        .collect();
    let steps: Vec<Step> = (rule.rule.body.iter())
        .filter_map(|item| match item {
            crate::parse::BodyItem::Let { pat, expr } => Some(Step::Let { pat, expr }),
            crate::parse::BodyItem::If { expr } => Some(Step::If { expr }),
            crate::parse::BodyItem::Atom(_) => None,
        })
        .collect();
    // What the head reads of the `let`s (a `let` may shadow a column's variable).
    let bound_by_let = |v: usize| {
        (rule.items.iter())
            .any(|item| matches!(item, Item::Let { binds, .. } if binds.contains(&v)))
    };
    let wanted: Vec<Ident> = (rule.head_uses.iter())
        .filter(|&&v| bound_by_let(v))
        .map(|&v| rule.vars[v].ident.clone())
        .collect();
    let entry = format!("blossom_{}_rule_{index}", program.to_lowercase());
    let DeviceKernel {
        entry,
        source,
        inputs,
        outputs,
        filters,
        cpu,
    } = translate(&entry, &inputs, &steps, &wanted)?;
    let types = |tys: Vec<TokenStream>| quote!(::std::vec![#(#tys),*]);
    let input_types = types(inputs.iter().map(|(_, _, ty)| ty.num_type()).collect());
    // The outputs end with the `keep` column when the rule has `if`s.
    let output_types = types(outputs.iter().map(|(_, ty)| ty.num_type()).collect());
    let outputs = &outputs[..outputs.len() - usize::from(filters)];
    if inputs.is_empty() {
        return Err(syn::Error::new(
            rule.rule.head.relation.span(),
            "a device rule computes from at least one numeric column of its atom",
        ));
    }
    let name = format!("{program}: rule {index} ({})", rule.rule.text);
    let _ = hir;
    Ok(Planned {
        inputs: inputs.iter().map(|(i, f, _)| (i.clone(), *f)).collect(),
        outputs: (outputs.iter())
            .map(|(ident, ty)| (ident.clone(), ty.rust_type()))
            .collect(),
        filters,
        construct: quote! {
            ::blossom::device::Kernel {
                name: ::std::string::String::from(#name),
                source: ::std::string::String::from(#source),
                entry: ::std::string::String::from(#entry),
                inputs: #input_types,
                outputs: #output_types,
                cpu: ::std::sync::Arc::new(#cpu),
            }
        },
    })
}

/// `#[device(kernel = expr)]`: the program's kernel, called by the rule's one `let`.
fn supplied(
    hir: &Hir,
    rule: &RuleHir,
    atom_decl: &crate::parse::Decl,
    kernel: &Expr,
    mark: &DeviceMark,
    column_of: &dyn Fn(&Ident) -> Option<usize>,
) -> syn::Result<Planned> {
    const SHAPE: &str = "a rule with `#[device(kernel = ..)]` has one `let` after its atom: `let out = kernel(column, ..)` or `let (a, b) = kernel(..)`";
    let lets: Vec<(&Pat, &Expr)> = (rule.rule.body.iter().skip(1))
        .map(|item| match item {
            crate::parse::BodyItem::Let { pat, expr } => Ok((pat, expr)),
            other => Err(syn::Error::new(body_span(other), SHAPE)),
        })
        .collect::<syn::Result<_>>()?;
    let [(pat, expr)] = lets.as_slice() else {
        return Err(syn::Error::new(mark.span, SHAPE));
    };
    let Expr::Call(call) = expr else {
        return Err(syn::Error::new(expr.span(), SHAPE));
    };
    if !matches!(&*call.func, Expr::Path(p) if p.path.is_ident("kernel")) {
        return Err(syn::Error::new(call.func.span(), SHAPE));
    }
    let inputs = (call.args.iter())
        .map(|arg| {
            let ident = crate::parse::variable(arg).filter(|i| column_of(i).is_some());
            ident.cloned().map(|i| (i, None)).ok_or_else(|| {
                syn::Error::new(
                    arg.span(),
                    "a kernel's argument is a variable of the rule's atom",
                )
            })
        })
        .collect::<syn::Result<Vec<_>>>()?;
    let idents: Vec<&Ident> = match pat {
        Pat::Ident(p) => vec![&p.ident],
        Pat::Tuple(t) => (t.elems.iter())
            .map(|p| match p {
                Pat::Ident(p) => Ok(&p.ident),
                other => Err(syn::Error::new(other.span(), SHAPE)),
            })
            .collect::<syn::Result<_>>()?,
        other => return Err(syn::Error::new(other.span(), SHAPE)),
    };
    // Each output is read as the type of the head column it fills.
    let head_decl = hir.relations[rule.head];
    let outputs = idents
        .iter()
        .map(|ident| {
            let column = (rule.rule.head.args.iter())
                .position(|arg| crate::parse::variable(arg) == Some(*ident));
            let ty = column.map(|c| &head_decl.columns[c].ty).ok_or_else(|| {
                syn::Error::new(
                    ident.span(),
                    "a kernel's output is a column of the rule's head",
                )
            })?;
            Ok((
                (*ident).clone(),
                quote!(<#ty as ::blossom::device::DeviceValue>::Raw),
            ))
        })
        .collect::<syn::Result<Vec<_>>>()?;
    let num = |ty: &syn::Type| quote!(<<#ty as ::blossom::device::DeviceValue>::Raw as ::blossom::device::Num>::TYPE);
    let input_types = inputs.iter().map(|(ident, _)| {
        let column = column_of(ident).unwrap_or_default();
        num(&atom_decl.columns[column].ty)
    });
    let output_types = outputs
        .iter()
        .map(|(_, raw)| quote!(<#raw as ::blossom::device::Num>::TYPE));
    let checked = format_ident!("__checked", span = Span::mixed_site());
    let construct = quote_spanned! {kernel.span()=> {
        let #checked: ::blossom::device::Kernel = #kernel;
        #checked.expect_types(&[#(#input_types),*], &[#(#output_types),*])
    }};
    Ok(Planned {
        inputs,
        outputs,
        filters: false,
        construct,
    })
}
