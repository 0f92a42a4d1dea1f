//! Type-checks a device rule's `let`/`if` items into typed expression trees, rejecting anything
//! outside the subset that OpenCL C computes exactly as Rust does.

use std::collections::{BTreeMap, HashSet};

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Expr, Ident, Lit, Pat};

use super::DeviceVar;
use super::ir::{Kind, Node};
use super::ty::{Infer, NumTy, Ty, Types, Var};
use crate::parse::tidy;

mod operators;

pub use operators::negative_unsigned;

/// What every "cannot run on a device" error says the subset is.
const SUBSET: &str = "a device rule may use arithmetic, comparisons, min/max/abs/sqrt/exp, \
                      literals, `as` casts and tuple fields over numeric columns";

/// A checked `let`.
pub struct LetStep<'a> {
    /// Whether the user wrote the type (`let x: f32 = ..`).
    pub annotated: bool,
    pub c_name: String,
    pub node: Node<'a>,
}

/// A binding in scope: a `let`, innermost last.
pub struct Binding<'a> {
    pub ident: &'a Ident,
    pub c_name: String,
    pub var: Var,
}

/// The type of an input column variable, as declared.
enum Column {
    Num(NumTy),
    /// A tuple's fields; `None` for a field that is not numeric.
    Tuple(Vec<Option<NumTy>>),
    Other,
}

/// The number of fields of a tuple type, 0 for any other.
pub fn tuple_arity(ty: &syn::Type) -> usize {
    match column(ty) {
        Column::Tuple(fields) => fields.len(),
        _ => 0,
    }
}

fn column(ty: &syn::Type) -> Column {
    match ty {
        syn::Type::Tuple(tuple) => {
            Column::Tuple(tuple.elems.iter().map(NumTy::from_type).collect())
        }
        syn::Type::Paren(inner) => column(&inner.elem),
        syn::Type::Group(inner) => column(&inner.elem),
        _ => NumTy::from_type(ty).map_or(Column::Other, Column::Num),
    }
}

/// Reads a rule's steps in order, inferring types across them.
pub struct Checker<'a> {
    pub types: Types,
    inputs: &'a [DeviceVar<'a>],
    pub scope: Vec<Binding<'a>>,
    /// The input columns the steps read, by (variable, field): their C name and type.
    pub columns: BTreeMap<(usize, Option<usize>), (String, NumTy)>,
    names: HashSet<String>,
}

impl<'a> Checker<'a> {
    pub fn new(inputs: &'a [DeviceVar<'a>]) -> Self {
        Checker {
            types: Types::default(),
            inputs,
            scope: Vec::new(),
            columns: BTreeMap::new(),
            names: HashSet::new(),
        }
    }

    /// `let pat = expr`: binds the pattern's variable even when `expr` is wrong, so that one
    /// mistake gives one error.
    pub fn let_step(&mut self, pat: &'a Pat, expr: &'a Expr) -> syn::Result<LetStep<'a>> {
        let (ident, annotation) = let_binding(pat)?;
        let node = self.check(expr, annotation, false);
        let var = match &node {
            Ok(node) => node.var,
            Err(_) => self.types.fresh(Infer::Any),
        };
        let c_name = self.c_name("v", &ident.unraw().to_string());
        self.scope.push(Binding {
            ident,
            c_name: c_name.clone(),
            var,
        });
        let node = node?;
        if let Some(ty) = annotation {
            let want = self.types.known(ty);
            self.types.unify(want, node.var).map_err(|(_, found)| {
                error(
                    expr,
                    format!("`{}` is `{found}`, but the `let` says `{ty}`", text(expr)),
                )
            })?;
        }
        Ok(LetStep {
            annotated: annotation.is_some(),
            c_name,
            node,
        })
    }

    /// `if expr`: a condition.
    pub fn if_step(&mut self, expr: &'a Expr) -> syn::Result<Node<'a>> {
        let node = self.check(expr, None, false)?;
        self.require_bool(expr, &node, "a rule's `if`")?;
        Ok(node)
    }

    /// The innermost binding of `ident`.
    pub fn binding(&self, ident: &Ident) -> Option<&Binding<'a>> {
        let name = ident.unraw();
        self.scope.iter().rev().find(|b| b.ident.unraw() == name)
    }

    /// A fresh C name for a Rust name: distinct from every other, and a valid C identifier.
    fn c_name(&mut self, prefix: &str, name: &str) -> String {
        let name: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let base = format!("{prefix}_{name}");
        let mut candidate = base.clone();
        let mut n = 1;
        while !self.names.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{base}_{n}");
        }
        candidate
    }

    fn node(&mut self, ty: Ty, kind: Kind<'a>) -> Node<'a> {
        Node {
            var: self.types.known(ty),
            kind,
        }
    }

    fn require_bool(&mut self, expr: &Expr, node: &Node, what: &str) -> syn::Result<()> {
        let want = self.types.known(Ty::Bool);
        self.types.unify(want, node.var).map_err(|(_, found)| {
            let text = text(expr);
            error(
                expr,
                format!("{what} needs a condition (`bool`), but `{text}` is `{found}`"),
            )
        })
    }

    /// `expect` is the type a cast or a `let` annotation asks of a literal, as in rustc.
    fn check(
        &mut self,
        expr: &'a Expr,
        expect: Option<Ty>,
        negated: bool,
    ) -> syn::Result<Node<'a>> {
        match expr {
            Expr::Paren(e) => self.check(&e.expr, expect, negated),
            Expr::Group(e) => self.check(&e.expr, expect, negated),
            Expr::Lit(e) => self.literal(expr, &e.lit, expect, negated),
            Expr::Path(_) => self.path(expr),
            Expr::Field(e) => self.field(expr, &e.base, &e.member),
            Expr::Unary(e) => self.unary(expr, e, expect),
            Expr::Binary(e) => self.binary(expr, e),
            Expr::Cast(e) => self.cast(expr, e),
            Expr::If(e) => self.conditional(expr, e, expect),
            Expr::MethodCall(e) => self.method_call(expr, e),
            Expr::Call(e) => self.path_call(expr, e),
            Expr::Macro(e) => {
                let name = text(&e.mac.path);
                Err(error(
                    expr,
                    format!("the macro `{name}!` cannot run on a device: {SUBSET}"),
                ))
            }
            Expr::Closure(_) => Err(unsupported(expr, "the closure")),
            Expr::Reference(_) | Expr::RawAddr(_) => Err(unsupported(expr, "the reference")),
            Expr::Index(_) => Err(unsupported(expr, "the indexing")),
            Expr::Block(_) | Expr::Unsafe(_) | Expr::Const(_) => {
                Err(unsupported(expr, "the block"))
            }
            Expr::Tuple(_) => Err(unsupported(expr, "the tuple")),
            Expr::Array(_) | Expr::Repeat(_) => Err(unsupported(expr, "the array")),
            Expr::Struct(_) => Err(unsupported(expr, "the struct")),
            Expr::Match(_) => Err(unsupported(expr, "the `match`")),
            Expr::Assign(_) => Err(unsupported(expr, "the assignment")),
            Expr::Range(_) => Err(unsupported(expr, "the range")),
            _ => Err(unsupported(expr, "the expression")),
        }
    }

    /// A value whose error was already reported.
    fn poisoned(&mut self) -> Node<'a> {
        Node {
            var: self.types.fresh(Infer::Any),
            kind: Kind::Local(String::new()),
        }
    }

    fn literal(
        &mut self,
        expr: &'a Expr,
        lit: &Lit,
        expect: Option<Ty>,
        negated: bool,
    ) -> syn::Result<Node<'a>> {
        let (suffix, digits, float) = match lit {
            Lit::Int(lit) => (lit.suffix(), lit.base10_digits(), false),
            Lit::Float(lit) => (lit.suffix(), lit.base10_digits(), true),
            Lit::Bool(lit) => return Ok(self.node(Ty::Bool, Kind::Bool(lit.value))),
            _ => return Err(unsupported(expr, "the literal")),
        };
        let ty = match suffix {
            "" => None,
            suffix => Some(NumTy::from_name(suffix).ok_or_else(|| {
                error(
                    expr,
                    format!(
                        "`{}`: a device rule's numbers are f32, f64, i32, i64, u32 or u64",
                        text(expr)
                    ),
                )
            })?),
        };
        // `1f32` is a float literal; `1.5i32` is no literal at all.
        let float = float || ty.is_some_and(NumTy::is_float);
        if float && ty.is_some_and(|ty| !ty.is_float()) {
            return Err(error(
                expr,
                format!("`{}` is not a valid literal", text(expr)),
            ));
        }
        let var = match (ty, expect) {
            (Some(ty), _) => self.types.known(Ty::Num(ty)),
            (None, Some(Ty::Num(want))) if want.is_float() == float => {
                self.types.known(Ty::Num(want))
            }
            (None, _) if float => self.types.fresh(Infer::Float),
            (None, _) => self.types.fresh(Infer::Int),
        };
        let kind = if float {
            let digits = if digits.contains(['.', 'e', 'E']) {
                digits.to_owned()
            } else {
                format!("{digits}.0")
            };
            Kind::Float { expr, digits }
        } else {
            let value = digits.parse::<u128>().map_err(|_| {
                error(
                    expr,
                    format!("`{}` is too large for any device type", text(expr)),
                )
            })?;
            Kind::Int {
                expr,
                value,
                negated,
            }
        };
        Ok(Node { var, kind })
    }

    fn path(&mut self, expr: &'a Expr) -> syn::Result<Node<'a>> {
        let ident = match expr {
            Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
            _ => None,
        };
        let Some(ident) = ident else {
            return Err(unsupported(expr, "the path"));
        };
        if let Some(binding) = self.binding(ident) {
            return Ok(Node {
                var: binding.var,
                kind: Kind::Local(binding.c_name.clone()),
            });
        }
        let Some(index) = self.input(ident) else {
            if ident.to_string().starts_with(|c: char| c.is_uppercase()) {
                return Err(unsupported(expr, "the constant"));
            }
            return Err(error(
                expr,
                format!("`{ident}` is not a variable of this rule"),
            ));
        };
        let var = &self.inputs[index];
        match column(var.ty) {
            Column::Num(ty) => Ok(self.column(index, None, ty)),
            Column::Tuple(fields) => Err(error(
                expr,
                format!(
                    "`{ident}` is a tuple `{}`: a device rule uses a tuple column only through its \
                     fields (`{ident}.0`{})",
                    text(var.ty),
                    if fields.len() > 1 {
                        format!(", `{ident}.1`")
                    } else {
                        String::new()
                    }
                ),
            )),
            Column::Other => Err(not_numeric(expr, ident, var.ty)),
        }
    }

    fn input(&self, ident: &Ident) -> Option<usize> {
        let name = ident.unraw();
        self.inputs.iter().position(|var| var.ident.unraw() == name)
    }

    /// The local that holds an input column, declared on first use.
    fn column(&mut self, index: usize, field: Option<usize>, ty: NumTy) -> Node<'a> {
        let name = match self.columns.get(&(index, field)) {
            Some((name, _)) => name.clone(),
            None => {
                let mut rust = self.inputs[index].ident.unraw().to_string();
                if let Some(field) = field {
                    rust = format!("{rust}_{field}");
                }
                let name = self.c_name("a", &rust);
                self.columns.insert((index, field), (name.clone(), ty));
                name
            }
        };
        self.node(Ty::Num(ty), Kind::Local(name))
    }

    fn field(
        &mut self,
        expr: &'a Expr,
        base: &'a Expr,
        member: &syn::Member,
    ) -> syn::Result<Node<'a>> {
        let ident = match base {
            Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
            _ => None,
        };
        let Some(ident) = ident else {
            return Err(unsupported(expr, "the field access"));
        };
        let index = match self.binding(ident) {
            Some(_) => None,
            None => self.input(ident),
        };
        let Some(index) = index else {
            // A number has no fields; `path` says why the base is wrong, or what it is.
            self.path(base)?;
            return Err(error(
                expr,
                format!("`{ident}` is a number: it has no fields"),
            ));
        };
        let var = &self.inputs[index];
        let fields = match column(var.ty) {
            Column::Tuple(fields) => fields,
            Column::Num(_) => {
                return Err(error(
                    expr,
                    format!("`{ident}` is a number: it has no fields"),
                ));
            }
            Column::Other => return Err(not_numeric(expr, ident, var.ty)),
        };
        let field = match member {
            syn::Member::Unnamed(index) => index.index as usize,
            syn::Member::Named(_) => usize::MAX,
        };
        match fields.get(field) {
            Some(Some(ty)) => Ok(self.column(index, Some(field), *ty)),
            Some(None) => Err(not_numeric(expr, ident, var.ty)),
            None => Err(error(
                expr,
                format!(
                    "`{ident}` is a tuple `{}`: it has no field `{}`",
                    text(var.ty),
                    text(member)
                ),
            )),
        }
    }
}

/// The variable a `let` binds, and its annotated type.
fn let_binding(pat: &Pat) -> syn::Result<(&Ident, Option<Ty>)> {
    let bad = || {
        error(
            pat,
            format!(
                "the pattern `{}` cannot run on a device: a device rule's `let` binds one variable \
                 (`let x = ..` or `let x: f32 = ..`)",
                text(pat)
            ),
        )
    };
    let (pat, annotation) = match pat {
        Pat::Type(typed) => {
            let ty = Ty::from_type(&typed.ty).ok_or_else(|| {
                error(
                    &typed.ty,
                    format!(
                        "`{}`: a device rule's values are f32, f64, i32, i64, u32, u64 or bool",
                        text(&typed.ty)
                    ),
                )
            })?;
            (&*typed.pat, Some(ty))
        }
        pat => (pat, None),
    };
    match pat {
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
            Ok((&ident.ident, annotation))
        }
        _ => Err(bad()),
    }
}

fn text(tokens: &impl ToTokens) -> String {
    tidy(&tokens.to_token_stream())
}

fn error(tokens: &impl ToTokens, message: impl std::fmt::Display) -> syn::Error {
    syn::Error::new_spanned(tokens, message)
}

fn unsupported(tokens: &impl ToTokens, what: &str) -> syn::Error {
    error(
        tokens,
        format!("{what} `{}` cannot run on a device: {SUBSET}", text(tokens)),
    )
}

fn not_numeric(expr: &Expr, ident: &Ident, ty: &syn::Type) -> syn::Error {
    error(
        expr,
        format!(
            "`{ident}` is a column of type `{}`: a device rule reads only columns of type f32, \
             f64, i32, i64, u32 or u64, or tuples of them",
            text(ty)
        ),
    )
}
