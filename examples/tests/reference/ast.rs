//! A program in the subset the reference evaluator understands: relations of `u32`, `u64` and
//! `Addr` columns (all held as `u32`s), keyed or not, channels and timers, and rules (`<=`, `<+`,
//! `<-`, `<+-`, `<~`) whose conditions and expressions come from a small closed set, with
//! negated atoms and aggregates in heads.
//!
//! A program with a channel runs on nodes. Here the node is explicit: every relation but a
//! channel has the node as its first column (a channel's first column, its `@` column, is the
//! node its rows are at), and every atom of a rule reads it with one variable, so a rule joins
//! rows of one node only. The builder makes these columns from the text a user writes.
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
    /// Rows sent with `<~`: each arrives at its node (its first column) in a later tick, as
    /// the network says, and lasts one tick.
    Channel,
    /// One row `n` per firing of a timer (`(node, n)` in a program with channels): firing `n`
    /// is due once `(n + 1) * every_ms` milliseconds have passed since the timer started.
    Periodic {
        /// The period, in milliseconds.
        every_ms: u64,
    },
    /// `lattice r(k..) -> L<u32>`: one row per key (every column but the last), its last column
    /// the merge of every value derived for the key; it persists across ticks, like a table,
    /// and only grows in the lattice's order.
    Lattice(Lattice),
}

/// The lattices a lattice relation's value may be, each over `u32`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lattice {
    /// `Max<u32>`: the larger value wins.
    Max,
    /// `Min<u32>`: the smaller value wins.
    Min,
}

impl Lattice {
    /// The merge of two values.
    pub fn merge(self, a: u32, b: u32) -> u32 {
        match self {
            Lattice::Max => a.max(b),
            Lattice::Min => a.min(b),
        }
    }

    /// Whether `a` is at most `b` in the lattice's order (`Min`'s order is `u32`'s reversed).
    pub fn leq(self, a: u32, b: u32) -> bool {
        self.merge(a, b) == b
    }
}

/// The type of a column; the reference holds every value as a `u32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    U32,
    U64,
    /// `blossom::Addr`: a node.
    Addr,
}

/// A declared relation.
#[derive(Clone, Debug)]
pub struct Relation {
    pub name: String,
    pub kind: Kind,
    pub arity: usize,
    /// `r(k: K => v: V)`: the number of leading columns that are the key (the node's column
    /// counts, in a program with channels); `None` for a relation without a key.
    pub key: Option<usize>,
    /// One type per column.
    pub types: Vec<Type>,
}

impl Relation {
    /// A relation of `arity` `u32` columns, without a key.
    pub fn new(name: &str, kind: Kind, arity: usize) -> Self {
        Relation {
            name: name.to_string(),
            kind,
            arity,
            key: None,
            types: vec![Type::U32; arity],
        }
    }
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
    /// `<+-`: at the next tick, replaces the row with its key (keyed tables only).
    Upsert,
    /// `<~`: sent through a channel, to arrive at the node in its first column.
    Async,
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

impl Program {
    /// Whether the program declares a channel, and so runs on nodes.
    pub fn has_channels(&self) -> bool {
        self.relations.iter().any(|r| r.kind == Kind::Channel)
    }

    /// The number of the relation named `name`.
    pub fn id(&self, name: &str) -> usize {
        (self.relations.iter().position(|r| r.name == name))
            .unwrap_or_else(|| panic!("no relation `{name}`"))
    }
}
