//! A rule as a chain of closures: a scan, then one join per further atom, then the head.
//!
//! Each closure binds the variables its stage needs, filters, evaluates the `if`s and `let`s
//! written after its atom, and yields either the next join's `(key, value)` or the head's row.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::place::{Placement, Site};
use super::{internal, relation_local, row_type};
use crate::parse::variable;
use crate::plan::{Coercions, Filter, IndexPlan, KeyPart, RulePlan, Stage, Use};
use crate::resolve::{Function, Hir, Item, RuleHir, Slot, SpannedType, VarId};

/// The local holding rule `rule`'s derived rows.
pub fn local(rule: usize) -> Ident {
    internal(&format!("rule_{rule}"))
}

fn index_local(index: usize) -> Ident {
    internal(&format!("index_{index}"))
}

fn none() -> TokenStream {
    quote!(return ::core::option::Option::None)
}

/// A column of the row `__row` of a relation with `arity` columns, as a place expression.
fn place(arity: usize, column: usize) -> TokenStream {
    let row = internal("row");
    if arity == 1 {
        quote!((*#row))
    } else {
        let column = syn::Index::from(column);
        quote!(#row.#column)
    }
}

/// `move |row: &Row| (key columns...)`: the key of a relation declared with `=>`.
pub fn key_function(decl: &crate::parse::Decl) -> TokenStream {
    let arity = decl.columns.len();
    let count = decl.key.map_or(arity, |(count, _)| count);
    let (row, row_ty) = (internal("row"), row_type(decl));
    let columns: Vec<TokenStream> = (0..count)
        .map(|c| {
            let place = place(arity, c);
            quote!(::core::clone::Clone::clone(&#place))
        })
        .collect();
    match columns.as_slice() {
        [only] => quote!(move |#row: &#row_ty| #only),
        _ => quote!(move |#row: &#row_ty| (#(#columns,)*)),
    }
}

/// A column's value converted to the type of the variable it meets, when its declared type is
/// spelled differently: the identity if they are one type, a spanned error if they are not.
fn converted(coerce: &Coercions, column: usize, place: &TokenStream) -> Option<TokenStream> {
    let (_, first, second) = coerce.iter().find(|(c, ..)| *c == column)?;
    Some(quote_spanned!(second.span=>
        <#second as ::blossom::rt::SameType<#first>>::same(::core::clone::Clone::clone(&#place))
    ))
}

/// A column's value as an owned copy, converted if need be.
fn copied(coerce: &Coercions, column: usize, place: TokenStream) -> TokenStream {
    converted(coerce, column, &place)
        .unwrap_or_else(|| quote!(::core::clone::Clone::clone(&#place)))
}

/// A column's value to compare: the place itself, or its converted copy.
fn compared(coerce: &Coercions, column: usize, place: TokenStream) -> TokenStream {
    converted(coerce, column, &place).unwrap_or(place)
}

fn tuple(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let items = items.into_iter();
    quote!((#(#items,)*))
}

/// `let index_N = rt::index(&rel, |row| (key, vals))`: a relation arranged for joins; when
/// `stored` (its inverse: see `fixpoint::Stores`), the index that holds the relation's rows.
pub fn index(
    hir: &Hir,
    position: usize,
    plan: &IndexPlan,
    rt: &TokenStream,
    stored: Option<&TokenStream>,
    exchange: Option<usize>,
) -> TokenStream {
    let decl = hir.relations[plan.relation];
    // Differential's indexes take the number of their exchange; a semi-naive stratum's none.
    let exchange = exchange.map(|id| quote!(#id,));
    let arity = decl.columns.len();
    let (row, rel, local) = (internal("row"), relation_local(decl), index_local(position));
    let row_ty = row_type(decl);
    let filters = plan
        .filters
        .iter()
        .map(|filter| row_filter(arity, filter, &plan.coerce));
    let copy = |column: &usize| copied(&plan.coerce, *column, place(arity, *column));
    let key = tuple(plan.key.iter().map(copy));
    if plan.keys_only {
        return quote! {
            let #local = #rt::key_set(&#rel, #exchange move |#row: &#row_ty| {
                #(#filters)*
                ::core::option::Option::Some(#key)
            });
        };
    }
    let vals = tuple(plan.vals.iter().map(copy));
    let forward = quote! {
        move |#row: &#row_ty| {
            #(#filters)*
            ::core::option::Option::Some((#key, #vals))
        }
    };
    match stored {
        Some(inverse) => {
            let var = super::stratum::variable_local(decl);
            quote!(let #local = #var.index_by(#forward, #inverse);)
        }
        None => quote!(let #local = #rt::index(&#rel, #exchange #forward);),
    }
}

/// `|key, vals| row` undoing an index that keeps every column of its relation's rows: its key
/// and values are the columns in some order, and it filters nothing. `None` for another.
pub fn index_inverse(hir: &Hir, plan: &IndexPlan) -> Option<TokenStream> {
    if plan.keys_only || !plan.filters.is_empty() || !plan.coerce.is_empty() {
        return None;
    }
    let order: Vec<usize> = plan.key.iter().chain(&plan.vals).copied().collect();
    let arity = hir.relations[plan.relation].columns.len();
    let sources = (0..arity)
        .map(|column| source_of(&order, plan.key.len(), &column))
        .collect::<Option<Vec<_>>>()?;
    (order.len() == arity).then(|| inverse(arity, &sources))
}

/// The same for a rule's first stage that indexes its relation: it binds a distinct variable
/// to every column, checks and filters nothing, and its key and values are those variables.
pub fn stage_inverse(hir: &Hir, stage: &Stage) -> Option<TokenStream> {
    let (key, vals) = stage.next.as_ref()?;
    let plain = stage.index.is_none()
        && stage.filters.is_empty()
        && stage.leading.is_empty()
        && stage.trailing.is_empty()
        && stage.coerce.is_empty();
    let arity = hir.relations[stage.relation].columns.len();
    if !plain || stage.columns.len() != arity {
        return None;
    }
    let mut order: Vec<VarId> = key.iter().map(KeyPart::var).collect::<Option<_>>()?;
    order.extend(vals);
    let sources = (0..arity)
        .map(|column| {
            let (_, usage) = stage.columns.iter().find(|(c, _)| *c == column)?;
            let Use::Bind(var) = usage else { return None };
            source_of(&order, key.len(), var)
        })
        .collect::<Option<Vec<_>>>()?;
    (order.len() == arity).then(|| inverse(arity, &sources))
}

/// Where `item` is in `order` (a key of `keys` items, then values): `(true, i)` for the key's
/// `i`th, `(false, j)` for the values' `j`th; `None` unless it is there exactly once.
fn source_of<T: PartialEq>(order: &[T], keys: usize, item: &T) -> Option<(bool, usize)> {
    let mut at = order.iter().enumerate().filter(|(_, o)| *o == item);
    let (position, _) = at.next()?;
    if at.next().is_some() {
        return None;
    }
    Some(match position.checked_sub(keys) {
        Some(j) => (false, j),
        None => (true, position),
    })
}

/// `move |key, vals| row`, each column copied from the key or the values.
fn inverse(arity: usize, sources: &[(bool, usize)]) -> TokenStream {
    let (key, vals) = (internal("key"), internal("vals"));
    let columns = sources.iter().map(|&(in_key, i)| {
        let (tuple, i) = (if in_key { &key } else { &vals }, syn::Index::from(i));
        quote!(::core::clone::Clone::clone(&#tuple.#i))
    });
    let row = if arity == 1 {
        quote!(#(#columns)*)
    } else {
        quote!((#(#columns,)*))
    };
    quote!(move |#key: &_, #vals: &_| #row)
}

fn row_filter(arity: usize, filter: &Filter, coerce: &Coercions) -> TokenStream {
    let none = none();
    match filter {
        Filter::Same(a, b) => {
            let (a, b) = (
                compared(coerce, *a, place(arity, *a)),
                compared(coerce, *b, place(arity, *b)),
            );
            quote!(if #a != #b { #none; })
        }
        Filter::Const(column, expr) => {
            let place = place(arity, *column);
            quote_spanned!(expr.span()=> if #place != (#expr) { #none; })
        }
    }
}

/// `let rule_N = { stages... }`: the rows rule N derives; when `stored` (its inverse), its first
/// stage is the index that holds its relation's rows (see `fixpoint::Stores`).
pub fn generate(
    hir: &Hir,
    plan: &RulePlan,
    rt: &TokenStream,
    stored: Option<&TokenStream>,
    place: Option<(&Placement, Option<usize>)>,
) -> TokenStream {
    let rule = &hir.rules[plan.rule];
    let stage_local = internal("stage");
    if let Some(device) = &plan.device {
        let local = local(plan.rule);
        let text = super::explain::rule_text(rule.rule);
        return quote! {
            #[doc = #text]
            let #local = { #device #stage_local };
        };
    }
    // The number of the exchange at `site`, as an argument (differential strata only).
    let exchange = |site: &dyn Fn(Option<usize>) -> Site| {
        let id = place.and_then(|(place, scope)| place.id(site(scope)));
        id.map(|id| quote!(#id,))
    };
    let scan = exchange(&|scope| Site::Scan(scope, plan.rule));
    let steps = plan.stages.iter().enumerate().map(|(k, stage)| {
        let body = closure_body(hir, rule, stage);
        let last = stage.next.is_none();
        if k == 0 {
            let decl = hir.relations[stage.relation];
            let (rel, row, row_ty) = (relation_local(decl), internal("row"), row_type(decl));
            let forward = quote!(move |#row: &#row_ty| #body);
            match stored {
                Some(inverse) => {
                    let var = super::stratum::variable_local(decl);
                    quote!(let #stage_local = #var.index_by(#forward, #inverse);)
                }
                None if last => quote!(let #stage_local = #rt::scan(&#rel, #forward);),
                None => quote!(let #stage_local = #rt::index(&#rel, #scan #forward);),
            }
        } else {
            let index = index_local(stage.index.unwrap_or_default());
            let arrange = exchange(&|scope| Site::Arrange(scope, plan.rule, k));
            let (k, l, r) = (internal("key"), internal("left"), internal("right"));
            let join = if stage.negated {
                quote!(#rt::antijoin(&#stage_local, &#index, move |#k, #l| #body))
            } else {
                quote!(#rt::join(&#stage_local, &#index, move |#k, #l, #r| #body))
            };
            if last {
                quote!(let #stage_local = #join;)
            } else {
                quote!(let #stage_local = #rt::arrange(#join, #arrange);)
            }
        }
    });
    let local = local(plan.rule);
    let text = super::explain::rule_text(rule.rule);
    let result = if rule.aggregates() {
        aggregate(hir, rule, &stage_local)
    } else {
        quote!(#stage_local)
    };
    quote! {
        #[doc = #text]
        let #local = { #(#steps)* #result };
    }
}

fn var_ident<'a>(rule: &'a RuleHir, var: VarId) -> &'a Ident {
    &rule.vars[var].ident
}

/// `let x: T = clone(source);` for a variable read from a key, a value tuple or a row.
pub(super) fn bind(rule: &RuleHir, var: VarId, source: TokenStream) -> TokenStream {
    let ident = var_ident(rule, var);
    match &rule.vars[var].ty {
        Some(ty) => quote!(let #ident: #ty = ::core::clone::Clone::clone(&#source);),
        None => quote!(let #ident = ::core::clone::Clone::clone(&#source);),
    }
}

fn closure_body(hir: &Hir, rule: &RuleHir, stage: &Stage) -> TokenStream {
    let Item::Atom { slots, .. } = &rule.items[stage.item] else {
        return quote!({ ::core::option::Option::None });
    };
    let arity = hir.relations[stage.relation].columns.len();
    let scan = stage.index.is_none();
    let mut code = Vec::new();
    // Bind what this stage needs from the key and the carried values (joins)...
    let (k, l, r) = (internal("key"), internal("left"), internal("right"));
    for (i, part) in stage.key.iter().enumerate() {
        let Some(var) = part.var() else { continue };
        let first = stage.key.iter().position(|p| p.var() == Some(var)) == Some(i);
        if first && stage.wanted.contains(&var) {
            let i = syn::Index::from(i);
            code.push(bind(rule, var, quote!(#k.#i)));
        }
    }
    for (i, &var) in stage.left.iter().enumerate() {
        if stage.wanted.contains(&var) {
            let i = syn::Index::from(i);
            code.push(bind(rule, var, quote!(#l.#i)));
        }
    }
    // ... and from the atom's row (a scan) or its index's values (a join).
    let source = |position: usize, column: usize| {
        if scan {
            place(arity, column)
        } else {
            let i = syn::Index::from(position);
            quote!(#r.#i)
        }
    };
    for (position, (column, usage)) in stage.columns.iter().enumerate() {
        if let Use::Bind(var) = usage {
            code.push(bind(rule, *var, source(position, *column)));
        }
    }
    code.extend(
        stage
            .filters
            .iter()
            .map(|filter| row_filter(arity, filter, &stage.coerce)),
    );
    code.extend(stage.leading.iter().map(|&i| item(rule, i)));
    for (position, (column, usage)) in stage.columns.iter().enumerate() {
        if let Use::Check = usage {
            let place = source(position, *column);
            let none = none();
            code.push(match &slots[*column] {
                Slot::Equal(var) => {
                    let ident = var_ident(rule, *var);
                    let value = compared(&stage.coerce, *column, place);
                    quote!(if #value != #ident { #none; })
                }
                Slot::Const { expr, .. } => {
                    quote_spanned!(expr.span()=> if #place != (#expr) { #none; })
                }
                Slot::Wild | Slot::Bind(_) => quote!(),
            });
        }
    }
    code.extend(stage.trailing.iter().map(|&i| item(rule, i)));
    code.push(match &stage.next {
        Some((key, vals)) => {
            // A key with expressions, or with a variable twice, copies its variables: the
            // expressions may read the same variables as the values do.
            let copy = key.iter().enumerate().any(|(i, part)| match part {
                KeyPart::Expr(_) => true,
                KeyPart::Var(v) => key[..i].iter().any(|p| p.var() == Some(*v)),
            });
            let key = tuple(key.iter().map(|part| match part {
                KeyPart::Var(v) if copy => {
                    let ident = var_ident(rule, *v);
                    quote!(::core::clone::Clone::clone(&#ident))
                }
                KeyPart::Var(v) => var_ident(rule, *v).to_token_stream_owned(),
                KeyPart::Expr(expr) => quote_spanned!(expr.span()=> (#expr)),
            }));
            let vals = tuple(
                vals.iter()
                    .map(|&v| var_ident(rule, v).to_token_stream_owned()),
            );
            quote!(::core::option::Option::Some((#key, #vals)))
        }
        None if rule.aggregates() => grouped(hir, rule),
        None => head(hir, rule),
    });
    quote!({ #(#code)* })
}

/// An `if` (a filter) or a `let` (a binding, or a filter when its pattern is refutable).
pub(super) fn item(rule: &RuleHir, index: usize) -> TokenStream {
    let none = none();
    match &rule.items[index] {
        Item::If { expr, .. } => {
            let holds = internal("holds");
            quote_spanned!(expr.span()=> let #holds: bool = #expr; if !#holds { #none; })
        }
        Item::Let { pat, expr, .. } => quote! {
            #[allow(irrefutable_let_patterns)]
            let #pat = #expr else { #none; };
        },
        Item::Atom { .. } => quote!(),
    }
}

/// The head's row, each column checked against its declared type at the user's expression.
pub(super) fn head(hir: &Hir, rule: &RuleHir) -> TokenStream {
    let decl = hir.relations[rule.head];
    let names: Vec<Ident> = (0..decl.columns.len())
        .map(|i| format_ident!("__h{}", i, span = proc_macro2::Span::mixed_site()))
        .collect();
    let columns = rule
        .rule
        .head
        .args
        .iter()
        .zip(&decl.columns)
        .zip(&names)
        .map(|((arg, column), name)| {
            let ty = &column.ty;
            let value = owned(arg);
            quote_spanned!(arg.span()=> let #name: #ty = #value;)
        });
    let row = match names.as_slice() {
        [only] => quote!(#only),
        _ => quote!((#(#names),*)),
    };
    quote! {
        #(#columns)*
        ::core::option::Option::Some(#row)
    }
}

/// `ToTokens` for an owned copy of an identifier.
trait OwnedTokens {
    fn to_token_stream_owned(&self) -> TokenStream;
}

impl OwnedTokens for Ident {
    fn to_token_stream_owned(&self) -> TokenStream {
        quote!(#self)
    }
}

/// The last stage of an aggregating rule: `Some(((group...), (arguments...)))`, each group
/// column checked against its declared type, as in [`head`].
fn grouped(hir: &Hir, rule: &RuleHir) -> TokenStream {
    let decl = hir.relations[rule.head];
    let mut code = Vec::new();
    let (mut group, mut args) = (Vec::new(), Vec::new());
    for (i, (arg, aggregate)) in rule.rule.head.args.iter().zip(&rule.aggregates).enumerate() {
        let ty = &decl.columns[i].ty;
        match aggregate {
            None => {
                let name = internal(&format!("__h{i}"));
                let value = owned(arg);
                code.push(quote_spanned!(arg.span()=> let #name: #ty = #value;));
                group.push(quote!(#name));
            }
            Some(aggregate) => {
                for (j, value) in aggregate.args.iter().enumerate() {
                    let name = internal(&format!("__a{i}_{j}"));
                    let typed = match aggregate.function {
                        Function::Sum | Function::Min | Function::Max => true,
                        Function::ArgMin | Function::ArgMax => j == 1,
                        Function::Count | Function::Collect => false,
                    };
                    let value = owned(value);
                    code.push(if typed {
                        quote_spanned!(value.span()=> let #name: #ty = #value;)
                    } else {
                        quote_spanned!(value.span()=> let #name = #value;)
                    });
                    args.push(quote!(#name));
                }
            }
        }
    }
    quote! {
        #(#code)*
        ::core::option::Option::Some(((#(#group,)*), (#(#args,)*)))
    }
}

/// `rt::aggregate(stage, |group, matches| row)`: one row per group, its aggregates computed
/// over the group's matches (each with its multiplicity: the number of ways the body matched).
fn aggregate(hir: &Hir, rule: &RuleHir, stage: &Ident) -> TokenStream {
    let decl = hir.relations[rule.head];
    let (group_local, input) = (internal("group"), internal("matches"));
    let (v, n) = (internal("v"), internal("n"));
    let mut code = Vec::new();
    let mut names = Vec::new();
    let (mut group_position, mut arg_position) = (0, 0);
    for (i, (aggregate, column)) in rule.aggregates.iter().zip(&decl.columns).enumerate() {
        let name = internal(&format!("__h{i}"));
        let ty = &column.ty;
        match aggregate {
            None => {
                let p = syn::Index::from(group_position);
                group_position += 1;
                code.push(quote!(let #name: #ty = ::core::clone::Clone::clone(&#group_local.#p);));
            }
            Some(aggregate) => {
                let mut field = || {
                    let p = syn::Index::from(arg_position);
                    arg_position += 1;
                    quote!(&#v.#p)
                };
                // Spanned at the call, so that a column type the aggregate cannot produce is
                // reported there.
                let agg = quote_spanned!(aggregate.span=> ::blossom::rt::agg);
                let value = match aggregate.function {
                    Function::Count => {
                        // The column type, named at the call, so that a column `count()` cannot
                        // produce is reported at `count()`.
                        let ty = SpannedType {
                            ty,
                            span: aggregate.span,
                        };
                        quote_spanned!(aggregate.span=> #agg::count::<_, #ty>(#input))
                    }
                    Function::Sum => {
                        let a = field();
                        quote!(#agg::sum(#input.iter().map(|(#v, #n)| (#a, *#n)))?)
                    }
                    Function::Min | Function::Max => {
                        let a = field();
                        let function = format_ident!("{}", aggregate.function.name());
                        quote!(#agg::#function(#input.iter().map(|(#v, _)| #a))?)
                    }
                    Function::ArgMin | Function::ArgMax => {
                        let (a, b) = (field(), field());
                        let function = format_ident!("{}", aggregate.function.name());
                        quote!(#agg::#function(#input.iter().map(|(#v, _)| (#a, #b)))?)
                    }
                    Function::Collect => {
                        let a = field();
                        quote!(#agg::collect(#input.iter().map(|(#v, _)| #a)))
                    }
                };
                code.push(quote_spanned!(aggregate.span=> let #name: #ty = #value;));
            }
        }
        names.push(name);
    }
    let row = match names.as_slice() {
        [only] => quote!(#only),
        _ => quote!((#(#names),*)),
    };
    quote! {
        ::blossom::rt::aggregate(&#stage, move |#group_local, #input| {
            #(#code)*
            ::core::option::Option::Some(#row)
        })
    }
}

/// A head argument's value, owned: a variable may appear in several columns, and each gets its
/// own copy.
fn owned(arg: &syn::Expr) -> TokenStream {
    match variable(arg) {
        Some(_) => quote_spanned!(arg.span()=> ::core::clone::Clone::clone(&#arg)),
        None => quote!(#arg),
    }
}
