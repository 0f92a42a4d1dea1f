//! A program in the subset the reference evaluator understands: relations of `u32` columns and
//! `<=` rules whose conditions and expressions come from a small closed set.
//!
//! Shared, through `#[path]`, by `build.rs` (which generates random programs as these values and
//! prints each both as Blossom source and as Rust code rebuilding it) and by the reference
//! evaluator (which runs them). Every value is in a finite domain: arithmetic is modulo
//! [`MODULUS`], so every fixpoint is finite.

/// Additions and multiplications are taken modulo this.
pub const MODULUS: u32 = 7;

/// The random tests insert values below this; the generator's constants are mostly below it
/// too, so that constants in atoms match input rows.
pub const INPUT_VALUES: u32 = 5;

/// A relation's collection kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Rows come from the host and hold for one tick.
    Input,
    /// Rows persist across ticks.
    Table,
    /// Rows are derived afresh each tick.
    Scratch,
    /// Like a scratch, and read by the host after each tick.
    Output,
}

/// A declared relation; every column is a `u32`.
#[derive(Clone, Debug)]
pub struct Relation {
    pub name: String,
    pub kind: Kind,
    pub arity: usize,
}

/// A variable of a rule, by number.
pub type Var = usize;

/// An expression over bound variables.
#[derive(Clone, Debug)]
pub enum Expr {
    Var(Var),
    Const(u32),
    /// `(a + b) % MODULUS`.
    Add(Box<Expr>, Box<Expr>),
    /// `(a * b) % MODULUS`.
    Mul(Box<Expr>, Box<Expr>),
    /// `a.min(b)`.
    Min(Box<Expr>, Box<Expr>),
    /// `a.max(b)`.
    Max(Box<Expr>, Box<Expr>),
}

/// A condition over bound variables.
#[derive(Clone, Debug)]
pub enum Cond {
    Lt(Expr, Expr),
    Le(Expr, Expr),
    Eq(Expr, Expr),
    Ne(Expr, Expr),
    /// `a % 2 == 0`.
    Even(Expr),
}

/// One argument of a body atom.
#[derive(Clone, Debug)]
pub enum Term {
    /// Binds the variable if it is not bound yet, else must equal it.
    Var(Var),
    /// Must equal the constant, written as a literal.
    Const(u32),
    /// Must equal the constant, written as a named Rust constant (`K3`).
    Named(u32),
    /// `_`.
    Wild,
    /// Must equal an expression over variables bound before.
    Expr(Expr),
}

/// One item of a rule body.
#[derive(Clone, Debug)]
pub enum Literal {
    /// An atom over relation number `.0`.
    Atom(usize, Vec<Term>),
    If(Cond),
    /// `let v = e` (one variable) or `let (v, w) = (e, f)`: binds new variables.
    Let(Vec<Var>, Vec<Expr>),
}

/// `head(args) <= body`.
#[derive(Clone, Debug)]
pub struct Rule {
    pub head: usize,
    pub args: Vec<Expr>,
    pub body: Vec<Literal>,
}

/// A whole program.
#[derive(Clone, Debug)]
pub struct Program {
    pub relations: Vec<Relation>,
    pub rules: Vec<Rule>,
}
