//! The types of device values, and their inference: unification as rustc does it for numbers.
//!
//! An unsuffixed literal gets a variable that only an integer (or only a float) type can fill;
//! meeting another value's type fixes it, and one never fixed falls back to `i32` (`f64`) at the
//! end, as in Rust.

use std::fmt;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

/// A numeric type on the device: the type of every column, and of every value but conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumTy {
    F32,
    F64,
    I32,
    I64,
    U32,
    U64,
}

impl NumTy {
    /// Every numeric type, in the order error messages list them.
    pub const ALL: [NumTy; 6] = [
        NumTy::F32,
        NumTy::F64,
        NumTy::I32,
        NumTy::I64,
        NumTy::U32,
        NumTy::U64,
    ];

    /// Its name in OpenCL C.
    pub fn c_name(self) -> &'static str {
        match self {
            NumTy::F32 => "float",
            NumTy::F64 => "double",
            NumTy::I32 => "int",
            NumTy::I64 => "long",
            NumTy::U32 => "uint",
            NumTy::U64 => "ulong",
        }
    }

    /// Its name in Rust.
    pub fn rust_name(self) -> &'static str {
        match self {
            NumTy::F32 => "f32",
            NumTy::F64 => "f64",
            NumTy::I32 => "i32",
            NumTy::I64 => "i64",
            NumTy::U32 => "u32",
            NumTy::U64 => "u64",
        }
    }

    /// The Rust type, as tokens.
    pub fn rust_type(self) -> TokenStream {
        match self {
            NumTy::F32 => quote!(f32),
            NumTy::F64 => quote!(f64),
            NumTy::I32 => quote!(i32),
            NumTy::I64 => quote!(i64),
            NumTy::U32 => quote!(u32),
            NumTy::U64 => quote!(u64),
        }
    }

    /// The runtime's `::blossom::device::NumType` for it.
    pub fn num_type(self) -> TokenStream {
        match self {
            NumTy::F32 => quote!(::blossom::device::NumType::F32),
            NumTy::F64 => quote!(::blossom::device::NumType::F64),
            NumTy::I32 => quote!(::blossom::device::NumType::I32),
            NumTy::I64 => quote!(::blossom::device::NumType::I64),
            NumTy::U32 => quote!(::blossom::device::NumType::U32),
            NumTy::U64 => quote!(::blossom::device::NumType::U64),
        }
    }

    /// The type a Rust name (`f32`, ...) denotes.
    pub fn from_name(name: &str) -> Option<NumTy> {
        NumTy::ALL.into_iter().find(|ty| ty.rust_name() == name)
    }

    /// The type a Rust type denotes, if it is a lone primitive name (`f32`, not an alias), or
    /// one of the float columns `F32` and `F64` (`blossom::F32`), which hold an `f32` (`f64`).
    pub fn from_type(ty: &Type) -> Option<NumTy> {
        match ty {
            Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?;
                match last.ident.to_string().as_str() {
                    "F32" if last.arguments.is_none() => Some(NumTy::F32),
                    "F64" if last.arguments.is_none() => Some(NumTy::F64),
                    _ => NumTy::from_name(&path.path.get_ident()?.to_string()),
                }
            }
            Type::Paren(inner) => NumTy::from_type(&inner.elem),
            Type::Group(inner) => NumTy::from_type(&inner.elem),
            _ => None,
        }
    }

    /// The type a device value of a column of type `ty` has in Rust: the number it holds
    /// (`f32` for `F32`), field by field for a tuple; a field no device value is read from
    /// keeps its declared type.
    pub fn raw_type(ty: &Type) -> TokenStream {
        match ty {
            Type::Tuple(tuple) => {
                let fields = tuple.elems.iter().map(NumTy::raw_type);
                quote!((#(#fields,)*))
            }
            Type::Paren(inner) => NumTy::raw_type(&inner.elem),
            _ => match NumTy::from_type(ty) {
                Some(num) => num.rust_type(),
                None => quote!(#ty),
            },
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, NumTy::F32 | NumTy::F64)
    }

    /// Whether it is `i32` or `i64`.
    pub fn is_signed_int(self) -> bool {
        matches!(self, NumTy::I32 | NumTy::I64)
    }

    pub fn is_unsigned(self) -> bool {
        matches!(self, NumTy::U32 | NumTy::U64)
    }

    pub fn bits(self) -> u32 {
        match self {
            NumTy::F32 | NumTy::I32 | NumTy::U32 => 32,
            NumTy::F64 | NumTy::I64 | NumTy::U64 => 64,
        }
    }

    /// The unsigned integer type of its width, which wraps where the signed one may not in C.
    pub fn unsigned(self) -> NumTy {
        if self.bits() == 32 {
            NumTy::U32
        } else {
            NumTy::U64
        }
    }

    /// The largest value of an integer type.
    pub fn int_max(self) -> u128 {
        match self {
            NumTy::I32 => i32::MAX as u128,
            NumTy::I64 => i64::MAX as u128,
            NumTy::U32 => u32::MAX as u128,
            NumTy::U64 => u64::MAX as u128,
            NumTy::F32 | NumTy::F64 => 0,
        }
    }
}

/// The type of a device value: a number, or a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Num(NumTy),
    Bool,
}

impl Ty {
    /// The type a Rust type denotes: a numeric primitive or `bool`.
    pub fn from_type(ty: &Type) -> Option<Ty> {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.is_ident("bool")
        {
            return Some(Ty::Bool);
        }
        NumTy::from_type(ty).map(Ty::Num)
    }

    /// Its name in OpenCL C: a condition is an `int`, as C's comparisons give.
    pub fn c_name(self) -> &'static str {
        match self {
            Ty::Num(ty) => ty.c_name(),
            Ty::Bool => "int",
        }
    }

    pub fn rust_type(self) -> TokenStream {
        match self {
            Ty::Num(ty) => ty.rust_type(),
            Ty::Bool => quote!(bool),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Num(ty) => f.write_str(ty.rust_name()),
            Ty::Bool => f.write_str("bool"),
        }
    }
}

/// A type variable.
pub type Var = usize;

/// What is known of a type variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Infer {
    Known(Ty),
    /// An unsuffixed integer literal's: some integer type, `i32` if nothing says which.
    Int,
    /// An unsuffixed float literal's: some float type, `f64` if nothing says which.
    Float,
    /// A value whose expression was already reported wrong: agrees with anything, so that one
    /// mistake gives one error.
    Any,
}

impl fmt::Display for Infer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Infer::Known(ty) => ty.fmt(f),
            Infer::Int => f.write_str("{integer}"),
            Infer::Float => f.write_str("{float}"),
            Infer::Any => f.write_str("_"),
        }
    }
}

enum Slot {
    Root(Infer),
    Link(Var),
}

/// The type variables of one rule, joined as the rule's expressions require.
#[derive(Default)]
pub struct Types {
    slots: Vec<Slot>,
}

impl Types {
    pub fn fresh(&mut self, infer: Infer) -> Var {
        self.slots.push(Slot::Root(infer));
        self.slots.len() - 1
    }

    pub fn known(&mut self, ty: Ty) -> Var {
        self.fresh(Infer::Known(ty))
    }

    fn root(&self, mut var: Var) -> Var {
        while let Slot::Link(next) = self.slots[var] {
            var = next;
        }
        var
    }

    /// What is known of `var` so far.
    pub fn get(&self, var: Var) -> Infer {
        match self.slots[self.root(var)] {
            Slot::Root(infer) => infer,
            Slot::Link(_) => unreachable!("a root is never a link"),
        }
    }

    /// Requires `a` and `b` to be one type; on failure, what each was.
    pub fn unify(&mut self, a: Var, b: Var) -> Result<(), (Infer, Infer)> {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return Ok(());
        }
        let (ia, ib) = (self.get(ra), self.get(rb));
        // Which root survives: the one that says more.
        let keep_a = match (ia, ib) {
            (_, Infer::Any) => true,
            (Infer::Any, _) => false,
            (Infer::Known(x), Infer::Known(y)) if x == y => true,
            (Infer::Known(Ty::Num(x)), Infer::Int) if !x.is_float() => true,
            (Infer::Known(Ty::Num(x)), Infer::Float) if x.is_float() => true,
            (Infer::Int, Infer::Known(Ty::Num(y))) if !y.is_float() => false,
            (Infer::Float, Infer::Known(Ty::Num(y))) if y.is_float() => false,
            (Infer::Int, Infer::Int) | (Infer::Float, Infer::Float) => true,
            _ => return Err((ia, ib)),
        };
        if keep_a {
            self.slots[rb] = Slot::Link(ra);
        } else {
            self.slots[ra] = Slot::Link(rb);
        }
        Ok(())
    }

    /// The type `var` ends with, after Rust's fallback; `None` for a value already reported.
    pub fn resolve(&self, var: Var) -> Option<Ty> {
        match self.get(var) {
            Infer::Known(ty) => Some(ty),
            Infer::Int => Some(Ty::Num(NumTy::I32)),
            Infer::Float => Some(Ty::Num(NumTy::F64)),
            Infer::Any => None,
        }
    }
}
