//! The typed expressions a device rule's steps check into, and that `emit` writes as C.

use syn::{Expr, Ident};

use super::ty::{NumTy, Var};

/// A typed expression; `var` is its type.
pub struct Node<'a> {
    pub var: Var,
    pub kind: Kind<'a>,
}

pub enum Kind<'a> {
    /// `negated`: the operand of `-`, so it may be one past the type's maximum (`-2147483648`).
    Int {
        expr: &'a Expr,
        value: u128,
        negated: bool,
    },
    Float {
        expr: &'a Expr,
        digits: String,
    },
    Bool(bool),
    /// An input column or a `let` binding, by its C name.
    Local(String),
    Neg {
        expr: &'a Expr,
        inner: Box<Node<'a>>,
    },
    Not(Box<Node<'a>>),
    Binary {
        op: Op,
        lhs: Box<Node<'a>>,
        rhs: Box<Node<'a>>,
    },
    Cast {
        inner: Box<Node<'a>>,
        to: NumTy,
    },
    Cond {
        cond: Box<Node<'a>>,
        then: Box<Node<'a>>,
        other: Box<Node<'a>>,
    },
    /// `args[0]` is the receiver.
    Call {
        func: Func,
        ty: NumTy,
        args: Vec<Node<'a>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl Op {
    pub fn c(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Rem => "%",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::And => "&&",
            Op::Or => "||",
        }
    }

    pub fn is_arithmetic(self) -> bool {
        matches!(self, Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem)
    }
}

/// The methods a device rule may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Min,
    Max,
    Abs,
    Sqrt,
    Exp,
}

impl Func {
    pub fn from_ident(ident: &Ident) -> Option<Func> {
        Some(match ident.to_string().as_str() {
            "min" => Func::Min,
            "max" => Func::Max,
            "abs" => Func::Abs,
            "sqrt" => Func::Sqrt,
            "exp" => Func::Exp,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::Abs => "abs",
            Func::Sqrt => "sqrt",
            Func::Exp => "exp",
        }
    }
}
