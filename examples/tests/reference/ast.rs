//! A program in the subset the reference evaluator understands: relations of `u32` columns and
//! rules (`<=`, `<+`, `<-`) whose conditions and expressions come from a small closed set, with
//! negated atoms and aggregates in heads.
//!
//! Shared, through `#[path]`, by `build.rs` (which generates random programs as these values and
//! prints each both as Blossom source and as Rust code rebuilding it) and by the reference
//! evaluator (which runs them). Within a tick every value is in a finite domain: arithmetic is
//! modulo [`MODULUS`], and an aggregate only reads relations completed before it, so every
//! fixpoint is finite.
//!
//! `collect(e)` is left out: its column is a `BTreeSet`, and this subset is `u32` columns only.

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
    /// Rows persist across ticks (until a `<-` rule deletes them).
    Table,
    /// Rows are derived afresh each tick (or inserted by last tick's `<+` rules).
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
    /// `a + b`, no modulus: only hand-written programs use it, where values stay small.
    Plus(Box<Expr>, Box<Expr>),
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
    /// Binds the variable if it is not bound yet, else must equal it. In a negated atom the
    /// variable must be bound already.
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
    /// `!r(..)`: relation `.0` has no row fitting the terms; binds nothing.
    Not(usize, Vec<Term>),
    If(Cond),
    /// `let v = e` (one variable) or `let (v, w) = (e, f)`: binds new variables.
    Let(Vec<Var>, Vec<Expr>),
}

/// When a rule's rows take effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// `<=`: in this tick, to the fixpoint.
    Now,
    /// `<+`: inserted at the next tick.
    Next,
    /// `<-`: deleted at the next tick (tables only).
    Delete,
}

/// One argument of a rule head: a value, or an aggregate over the matches of the body for
/// the group the value arguments make.
#[derive(Clone, Debug)]
pub enum HeadArg {
    Value(Expr),
    /// `count()`: the number of matches.
    Count,
    /// `sum(e)`.
    Sum(Expr),
    /// `min(e)`.
    Min(Expr),
    /// `max(e)`.
    Max(Expr),
    /// `argmin(v, w)`: the `w` of the match with the smallest `v`, the smallest `w` on ties.
    ArgMin(Expr, Expr),
    /// `argmax(v, w)`: the `w` of the match with the largest `v`, the smallest `w` on ties.
    ArgMax(Expr, Expr),
}

impl HeadArg {
    /// Whether the argument is an aggregate.
    pub fn is_aggregate(&self) -> bool {
        !matches!(self, HeadArg::Value(_))
    }
}

/// `head(args) merge body`.
#[derive(Clone, Debug)]
pub struct Rule {
    pub head: usize,
    pub merge: Merge,
    pub args: Vec<HeadArg>,
    pub body: Vec<Literal>,
}

impl Rule {
    /// Whether the head holds an aggregate.
    pub fn aggregates(&self) -> bool {
        self.args.iter().any(HeadArg::is_aggregate)
    }
}

/// A whole program.
#[derive(Clone, Debug)]
pub struct Program {
    pub relations: Vec<Relation>,
    pub rules: Vec<Rule>,
}
