//! Writes checked expressions as OpenCL C that computes what Rust computes.
//!
//! Where C and Rust differ, the C is written to Rust's meaning: signed arithmetic wraps (it is
//! done in the unsigned type, as Rust's release builds do, where C leaves overflow undefined),
//! integer casts truncate or sign-extend in two's complement, float-to-integer casts saturate
//! and send NaN to 0, and nothing lets the compiler fuse a multiply and an add.

use std::fmt::Write;

use super::check::negative_unsigned;
use super::ir::{Func, Kind, Node, Op};
use super::ty::{NumTy, Ty, Types, Var};

/// Emits expressions, noting whether any needs `double`.
pub struct Emitter<'t> {
    types: &'t Types,
    pub f64: bool,
}

impl<'t> Emitter<'t> {
    pub fn new(types: &'t Types) -> Self {
        Emitter { types, f64: false }
    }

    /// The type `var` ends with. Only a value already reported wrong has none, and nothing is
    /// emitted for a rule with errors, so the fallback is never written.
    pub fn ty(&mut self, var: Var) -> Ty {
        let ty = self.types.resolve(var).unwrap_or(Ty::Bool);
        self.f64 |= ty == Ty::Num(NumTy::F64);
        ty
    }

    fn num(&mut self, var: Var) -> NumTy {
        match self.ty(var) {
            Ty::Num(ty) => ty,
            Ty::Bool => NumTy::I32,
        }
    }

    /// The C for `node`: an identifier, a literal, a call, or a parenthesised expression, so
    /// that it may stand anywhere a primary expression may.
    pub fn expr(&mut self, node: &Node) -> syn::Result<String> {
        Ok(match &node.kind {
            Kind::Int {
                expr,
                value,
                negated,
            } => {
                let ty = self.num(node.var);
                check_range(expr, *value, ty, *negated)?;
                int(*value, ty, false)
            }
            Kind::Float { expr, digits } => float(expr, digits, self.num(node.var))?,
            Kind::Bool(value) => if *value { "1" } else { "0" }.to_owned(),
            Kind::Local(name) => name.clone(),
            Kind::Neg { expr, inner } => {
                let ty = self.num(node.var);
                if ty.is_unsigned() {
                    return Err(negative_unsigned(expr, ty));
                }
                if let Kind::Int { value, .. } = inner.kind {
                    // Checks the literal's range; `-5` reads better than a wrapped negation.
                    self.expr(inner)?;
                    return Ok(int(value, ty, true));
                }
                let x = self.expr(inner)?;
                if ty.is_float() {
                    format!("(-{x})")
                } else {
                    format!("as_{}(-({}){x})", ty.c_name(), ty.unsigned().c_name())
                }
            }
            Kind::Not(inner) => format!("(!{})", self.expr(inner)?),
            Kind::Binary { op, lhs, rhs } => {
                let operand = self.ty(lhs.var);
                let (l, r) = (self.expr(lhs)?, self.expr(rhs)?);
                let c = op.c();
                match operand {
                    Ty::Num(ty) if ty.is_signed_int() && op.is_arithmetic() => {
                        let u = ty.unsigned().c_name();
                        format!("as_{}(({u}){l} {c} ({u}){r})", ty.c_name())
                    }
                    // Rust's `%` on floats is C's `fmod`: exact, with the dividend's sign.
                    Ty::Num(ty) if ty.is_float() && *op == Op::Rem => format!("fmod({l}, {r})"),
                    _ => format!("({l} {c} {r})"),
                }
            }
            Kind::Cast { inner, to } => {
                let from = self.ty(inner.var);
                let x = self.expr(inner)?;
                self.f64 |= *to == NumTy::F64;
                cast(from, *to, x)
            }
            Kind::Cond { cond, then, other } => {
                let cond = self.expr(cond)?;
                let (then, other) = (self.expr(then)?, self.expr(other)?);
                format!("({cond} ? {then} : {other})")
            }
            Kind::Call { func, ty, args } => {
                let mut emitted = Vec::new();
                for arg in args {
                    emitted.push(self.expr(arg)?);
                }
                let args = emitted.join(", ");
                let name = match (func, ty.is_float()) {
                    (Func::Min, true) => "fmin",
                    (Func::Max, true) => "fmax",
                    (Func::Abs, true) => "fabs",
                    (Func::Sqrt, _) => "sqrt",
                    (Func::Exp, _) => "exp",
                    (Func::Min, false) => "min",
                    (Func::Max, false) => "max",
                    // OpenCL's `abs` of a signed integer is unsigned; Rust's wraps `MIN` to itself.
                    (Func::Abs, false) => return Ok(format!("as_{}(abs({args}))", ty.c_name())),
                };
                format!("{name}({args})")
            }
        })
    }
}

/// `rustc`'s `overflowing_literals`, an error by default: a literal must fit its type, but for
/// the one past the maximum that `-` makes the minimum.
fn check_range(expr: &syn::Expr, value: u128, ty: NumTy, negated: bool) -> syn::Result<()> {
    let max = ty.int_max() + u128::from(negated && ty.is_signed_int());
    if value <= max || ty.is_float() {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        expr,
        format!(
            "literal out of range for `{}`: its largest value is {}",
            ty.rust_name(),
            ty.int_max()
        ),
    ))
}

/// An integer literal, or its negation, typed as `ty` in C.
fn int(value: u128, ty: NumTy, negative: bool) -> String {
    let suffix = match ty {
        NumTy::I32 => "",
        NumTy::I64 => "l",
        NumTy::U32 => "u",
        NumTy::U64 => "ul",
        NumTy::F32 => return format!("{}{value}.0f", if negative { "-" } else { "" }),
        NumTy::F64 => return format!("{}{value}.0", if negative { "-" } else { "" }),
    };
    match (negative, value) {
        (false, _) | (true, 0) => format!("{value}{suffix}"),
        // C has no negative literals, and the minimum's magnitude is no literal of its type.
        (true, value) if value > ty.int_max() => format!("(-{}{suffix} - 1{suffix})", ty.int_max()),
        (true, value) => format!("(-{value}{suffix})"),
    }
}

fn float(expr: &syn::Expr, digits: &str, ty: NumTy) -> syn::Result<String> {
    let finite = match ty {
        NumTy::F32 => digits.parse::<f32>().is_ok_and(f32::is_finite),
        _ => digits.parse::<f64>().is_ok_and(f64::is_finite),
    };
    if !finite {
        return Err(syn::Error::new_spanned(
            expr,
            format!("literal out of range for `{}`", ty.rust_name()),
        ));
    }
    Ok(match ty {
        NumTy::F32 => format!("{digits}f"),
        _ => digits.to_owned(),
    })
}

/// Rust's `from as to` in C.
fn cast(from: Ty, to: NumTy, x: String) -> String {
    let c = to.c_name();
    let from = match from {
        Ty::Bool => return format!("(({c}){x})"),
        Ty::Num(from) if from == to => return x,
        Ty::Num(from) => from,
    };
    let widens = matches!((from, to), (NumTy::I32 | NumTy::U32, NumTy::I64));
    if from.is_float() && !to.is_float() {
        format!("convert_{c}_sat_rtz({x})")
    } else if to.is_signed_int() && !widens {
        // Through the unsigned type: C leaves an out-of-range signed conversion to the
        // implementation, where Rust wraps.
        format!("as_{c}(({}){x})", to.unsigned().c_name())
    } else {
        format!("(({c}){x})")
    }
}

/// A whole kernel: one work item per row, reading `inputs` (C local, type) from `in0..` and
/// writing `outputs` (C value, type) to `out0..`, then the keep mask if the rule filters.
pub fn source(
    entry: &str,
    inputs: &[(String, NumTy)],
    body: &[String],
    outputs: &[(String, NumTy)],
    filters: bool,
    f64: bool,
) -> String {
    let f64 = f64
        || inputs
            .iter()
            .chain(outputs)
            .any(|(_, ty)| *ty == NumTy::F64);
    let mut c = String::new();
    if f64 {
        c.push_str("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
    }
    // Rust never fuses `a * b + c` into one rounding; C may unless told not to.
    c.push_str("#pragma OPENCL FP_CONTRACT OFF\n\n");
    let mut params = vec!["const uint n".to_owned()];
    for (k, (_, ty)) in inputs.iter().enumerate() {
        params.push(format!("__global const {}* in{k}", ty.c_name()));
    }
    for (k, (_, ty)) in outputs.iter().enumerate() {
        params.push(format!("__global {}* out{k}", ty.c_name()));
    }
    if filters {
        params.push(format!("__global uint* out{}", outputs.len()));
    }
    let _ = writeln!(
        c,
        "__kernel void {entry}(\n    {})\n{{",
        params.join(",\n    ")
    );
    c.push_str("    const size_t i = get_global_id(0);\n    if (i >= n) return;\n");
    for (k, (name, ty)) in inputs.iter().enumerate() {
        let _ = writeln!(c, "    const {} {name} = in{k}[i];", ty.c_name());
    }
    if filters {
        c.push_str("    uint keep = 1u;\n");
    }
    for line in body {
        let _ = writeln!(c, "    {line}");
    }
    for (k, (value, _)) in outputs.iter().enumerate() {
        let _ = writeln!(c, "    out{k}[i] = {value};");
    }
    if filters {
        let _ = writeln!(c, "    out{}[i] = keep;", outputs.len());
    }
    c.push_str("}\n");
    c
}
