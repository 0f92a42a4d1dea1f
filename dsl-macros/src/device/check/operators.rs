//! Operators, casts, `if` expressions and method calls: the checks that make each one compute
//! in C what it computes in Rust.

use syn::{BinOp, Expr, UnOp};

use super::{Checker, error, text, unsupported};
use crate::device::ir::{Func, Kind, Node, Op};
use crate::device::ty::{Infer, NumTy, Ty};

impl<'a> Checker<'a> {
    /// `e as T`: the cast types an unsuffixed literal it applies to, as rustc's expectation does.
    pub(super) fn cast(&mut self, expr: &'a Expr, e: &'a syn::ExprCast) -> syn::Result<Node<'a>> {
        let Some(to) = NumTy::from_type(&e.ty) else {
            return Err(error(
                &e.ty,
                format!(
                    "`as {}`: a device rule casts only to f32, f64, i32, i64, u32 or u64",
                    text(&e.ty)
                ),
            ));
        };
        let inner = self.check(&e.expr, Some(Ty::Num(to)), false)?;
        if self.types.get(inner.var) == Infer::Known(Ty::Bool) && to.is_float() {
            return Err(error(
                expr,
                "a `bool` casts only to an integer type, as in Rust",
            ));
        }
        let inner = Box::new(inner);
        Ok(self.node(Ty::Num(to), Kind::Cast { inner, to }))
    }

    /// `x.min(y)` and the like: the receiver's type must be known here, as in rustc.
    pub(super) fn method_call(
        &mut self,
        expr: &'a Expr,
        e: &'a syn::ExprMethodCall,
    ) -> syn::Result<Node<'a>> {
        if e.turbofish.is_some() {
            return Err(unsupported(expr, "the method call"));
        }
        let Some(func) = Func::from_ident(&e.method) else {
            return Err(unsupported(expr, "the method call"));
        };
        let receiver = self.check(&e.receiver, None, false)?;
        let ty = match self.types.get(receiver.var) {
            Infer::Known(Ty::Num(ty)) => ty,
            Infer::Any => return Ok(self.poisoned()),
            found @ (Infer::Int | Infer::Float) => {
                return Err(error(
                    &e.receiver,
                    format!(
                        "cannot call `{}` on `{}`, whose type `{found}` is ambiguous \
                         (as in Rust): give the literal a suffix, like `2.0f32`",
                        func.name(),
                        text(&e.receiver)
                    ),
                ));
            }
            Infer::Known(Ty::Bool) => {
                return Err(error(
                    &e.receiver,
                    format!(
                        "`{}` needs a number, but `{}` is `bool`",
                        func.name(),
                        text(&e.receiver)
                    ),
                ));
            }
        };
        self.call(expr, func, ty, receiver, e.args.iter(), e.args.len())
    }

    /// `f32::min(x, y)` and the like.
    pub(super) fn path_call(
        &mut self,
        expr: &'a Expr,
        e: &'a syn::ExprCall,
    ) -> syn::Result<Node<'a>> {
        let Some((ty, func)) = associated(&e.func) else {
            return Err(unsupported(expr, "the function call"));
        };
        let mut args = e.args.iter();
        let Some(first) = args.next() else {
            return Err(error(
                expr,
                format!("`{}` needs an argument", text(&e.func)),
            ));
        };
        let receiver = self.check(first, Some(Ty::Num(ty)), false)?;
        self.same(first, &receiver, ty, func)?;
        let count = e.args.len() - 1;
        self.call(expr, func, ty, receiver, args, count)
    }

    pub(super) fn unary(
        &mut self,
        expr: &'a Expr,
        e: &'a syn::ExprUnary,
        expect: Option<Ty>,
    ) -> syn::Result<Node<'a>> {
        match e.op {
            UnOp::Neg(_) => {
                let inner = self.check(&e.expr, expect, true)?;
                match self.types.get(inner.var) {
                    Infer::Known(Ty::Num(ty)) if ty.is_unsigned() => {
                        Err(negative_unsigned(expr, ty))
                    }
                    Infer::Known(Ty::Bool) => Err(error(
                        expr,
                        format!("`-` needs a number, but `{}` is `bool`", text(&e.expr)),
                    )),
                    _ => Ok(Node {
                        var: inner.var,
                        kind: Kind::Neg {
                            expr,
                            inner: Box::new(inner),
                        },
                    }),
                }
            }
            UnOp::Not(_) => {
                let inner = self.check(&e.expr, None, false)?;
                if matches!(
                    self.types.get(inner.var),
                    Infer::Int | Infer::Known(Ty::Num(_))
                ) {
                    return Err(unsupported(expr, "the bitwise not"));
                }
                self.require_bool(&e.expr, &inner, "`!`")?;
                Ok(self.node(Ty::Bool, Kind::Not(Box::new(inner))))
            }
            _ => Err(unsupported(expr, "the dereference")),
        }
    }

    pub(super) fn binary(
        &mut self,
        expr: &'a Expr,
        e: &'a syn::ExprBinary,
    ) -> syn::Result<Node<'a>> {
        let op = match e.op {
            BinOp::Add(_) => Op::Add,
            BinOp::Sub(_) => Op::Sub,
            BinOp::Mul(_) => Op::Mul,
            BinOp::Div(_) => Op::Div,
            BinOp::Rem(_) => Op::Rem,
            BinOp::Eq(_) => Op::Eq,
            BinOp::Ne(_) => Op::Ne,
            BinOp::Lt(_) => Op::Lt,
            BinOp::Le(_) => Op::Le,
            BinOp::Gt(_) => Op::Gt,
            BinOp::Ge(_) => Op::Ge,
            BinOp::And(_) => Op::And,
            BinOp::Or(_) => Op::Or,
            _ => {
                let what = format!("the operator `{}` in", text(&e.op));
                return Err(unsupported(expr, &what));
            }
        };
        let lhs = self.check(&e.left, None, false)?;
        let rhs = if matches!(op, Op::And | Op::Or) {
            self.require_bool(&e.left, &lhs, &format!("`{}`", op.c()))?;
            let rhs = self.check(&e.right, None, false)?;
            self.require_bool(&e.right, &rhs, &format!("`{}`", op.c()))?;
            rhs
        } else {
            let rhs = self.check(&e.right, None, false)?;
            self.types
                .unify(lhs.var, rhs.var)
                .map_err(|(a, b)| mismatch(&e.left, a, &e.right, b))?;
            rhs
        };
        let var = match op {
            Op::And | Op::Or | Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                self.types.known(Ty::Bool)
            }
            _ => match self.types.get(lhs.var) {
                Infer::Known(Ty::Bool) => {
                    return Err(error(
                        expr,
                        format!(
                            "`{}` needs numbers, but `{}` is `bool`",
                            op.c(),
                            text(&e.left)
                        ),
                    ));
                }
                Infer::Int
                | Infer::Known(Ty::Num(NumTy::I32 | NumTy::I64 | NumTy::U32 | NumTy::U64))
                    if matches!(op, Op::Div | Op::Rem) =>
                {
                    let what = if op == Op::Div {
                        "integer division"
                    } else {
                        "integer remainder"
                    };
                    return Err(error(
                        expr,
                        format!(
                            "{what} `{}` cannot run on a device: dividing by zero panics in Rust \
                             but is undefined in OpenCL C; convert to a float with `as`, or \
                             compute it in a rule that is not `#[device]`",
                            text(expr)
                        ),
                    ));
                }
                _ => lhs.var,
            },
        };
        let (lhs, rhs) = (Box::new(lhs), Box::new(rhs));
        Ok(Node {
            var,
            kind: Kind::Binary { op, lhs, rhs },
        })
    }

    pub(super) fn conditional(
        &mut self,
        expr: &'a Expr,
        e: &'a syn::ExprIf,
        expect: Option<Ty>,
    ) -> syn::Result<Node<'a>> {
        let cond = self.check(&e.cond, None, false)?;
        self.require_bool(&e.cond, &cond, "an `if`")?;
        let then_expr = single(&e.then_branch)?;
        let then = self.check(then_expr, expect, false)?;
        let Some((_, other_expr)) = &e.else_branch else {
            return Err(error(
                expr,
                "an `if` without `else` has no value: a device rule's `if` expression needs both branches",
            ));
        };
        let other_expr = match &**other_expr {
            Expr::Block(block) if block.label.is_none() => single(&block.block)?,
            other => other,
        };
        let other = self.check(other_expr, expect, false)?;
        self.types
            .unify(then.var, other.var)
            .map_err(|(a, b)| mismatch(then_expr, a, other_expr, b))?;
        Ok(Node {
            var: then.var,
            kind: Kind::Cond {
                cond: Box::new(cond),
                then: Box::new(then),
                other: Box::new(other),
            },
        })
    }

    /// `receiver.func(args)` once the receiver's type `ty` is known.
    fn call(
        &mut self,
        expr: &'a Expr,
        func: Func,
        ty: NumTy,
        receiver: Node<'a>,
        args: impl Iterator<Item = &'a Expr>,
        count: usize,
    ) -> syn::Result<Node<'a>> {
        let name = func.name();
        let wanted = usize::from(matches!(func, Func::Min | Func::Max));
        if count != wanted {
            let arguments = if wanted == 1 {
                "one argument"
            } else {
                "no arguments"
            };
            return Err(error(
                expr,
                format!("`{name}` takes {arguments} besides the number it applies to"),
            ));
        }
        match func {
            Func::Sqrt | Func::Exp if !ty.is_float() => {
                return Err(error(
                    expr,
                    format!("`{name}` needs a float, but this is `{}`", ty.rust_name()),
                ));
            }
            Func::Abs if ty.is_unsigned() => {
                return Err(error(
                    expr,
                    format!("`{}` has no `abs`: it is never negative", ty.rust_name()),
                ));
            }
            _ => {}
        }
        let mut nodes = vec![receiver];
        for arg in args {
            let node = self.check(arg, Some(Ty::Num(ty)), false)?;
            self.same(arg, &node, ty, func)?;
            nodes.push(node);
        }
        Ok(self.node(
            Ty::Num(ty),
            Kind::Call {
                func,
                ty,
                args: nodes,
            },
        ))
    }

    /// Requires an argument of `ty::func` to be a `ty`.
    fn same(&mut self, arg: &Expr, node: &Node, ty: NumTy, func: Func) -> syn::Result<()> {
        let want = self.types.known(Ty::Num(ty));
        self.types.unify(want, node.var).map_err(|(_, found)| {
            error(
                arg,
                format!(
                    "mismatched types: `{}::{}` takes `{}`, but `{}` is `{found}`; convert it with `as`",
                    ty.rust_name(),
                    func.name(),
                    ty.rust_name(),
                    text(arg)
                ),
            )
        })
    }
}

/// `ty::func`, as in `f32::sqrt(x)`.
fn associated(func: &Expr) -> Option<(NumTy, Func)> {
    let Expr::Path(path) = func else { return None };
    let segments: Vec<_> = path.path.segments.iter().collect();
    if path.qself.is_some() || path.path.leading_colon.is_some() || segments.len() != 2 {
        return None;
    }
    if segments.iter().any(|segment| !segment.arguments.is_none()) {
        return None;
    }
    let ty = NumTy::from_name(&segments[0].ident.to_string())?;
    Some((ty, Func::from_ident(&segments[1].ident)?))
}

/// The only expression of an `if` branch.
fn single(block: &syn::Block) -> syn::Result<&Expr> {
    match &block.stmts[..] {
        [syn::Stmt::Expr(expr, None)] => Ok(expr),
        _ => Err(unsupported(block, "the block")),
    }
}

pub fn negative_unsigned(expr: &Expr, ty: NumTy) -> syn::Error {
    error(
        expr,
        format!(
            "`{}` negates a `{}`: unsigned values cannot be negated, as in Rust",
            text(expr),
            ty.rust_name()
        ),
    )
}

/// Two sides that must have one type but do not: reported at the second.
fn mismatch(left: &Expr, a: Infer, right: &Expr, b: Infer) -> syn::Error {
    let int = |i| {
        matches!(
            i,
            Infer::Int | Infer::Known(Ty::Num(NumTy::I32 | NumTy::I64 | NumTy::U32 | NumTy::U64))
        )
    };
    let float = |i| {
        matches!(
            i,
            Infer::Float | Infer::Known(Ty::Num(NumTy::F32 | NumTy::F64))
        )
    };
    let hint = if (a == Infer::Float && int(b)) || (b == Infer::Float && int(a)) {
        "; a float literal cannot be an integer"
    } else if (a == Infer::Int && float(b)) || (b == Infer::Int && float(a)) {
        "; write an integer literal as `2.0` to make it a float"
    } else {
        ""
    };
    error(
        right,
        format!(
            "mismatched types: `{}` is `{a}` but `{}` is `{b}`; a device rule, like Rust, converts \
             between numeric types only with `as`{hint}",
            text(left),
            text(right)
        ),
    )
}
