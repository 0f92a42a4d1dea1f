//! Builds a [`Program`] from the text of a hand-written one, as `stringify!` spells its items.
//!
//! The subset: declarations of `u32`, `u64` and `Addr` columns, with key columns before a
//! `=>`, of channels (`channel c(@to: Addr, ..)`) and of periodics
//! (`periodic p(every = Duration::from_millis(n))`, or `from_secs`); rules with `<=`, `<+`,
//! `<-`, `<+-` or `<~`; heads of variables, numbers, `Addr(e)`, `a + b` and the aggregates
//! `count()`, `sum(e)`, `min(e)`, `max(e)`, `argmin(v, w)`, `argmax(v, w)`, a channel's `@`
//! column marked or not; bodies of atoms and negated atoms whose terms are `_`, numbers,
//! variables, `Addr(e)` or `a + b` (the first one perhaps written `@x`), of `if a OP b` (`<`,
//! `<=`, `==`, `!=`, `>`, `>=`) and of `let v = e`. `a + b` is plain addition
//! ([`Expr::Plus`]), without the modulus of the random programs, and `Addr(e)` is `e`.
//!
//! A program with a channel gets its nodes made explicit, as Blossom's `locate` pass makes them:
//! every relation but a channel gets a first column, the node (and its key that column more);
//! each rule a variable for its node, first in every atom and in a head that is not a
//! channel's. What is written in a channel atom's first column, or first with `@` in any atom,
//! is compared with the node: a new variable becomes the node's variable, anything else is
//! checked by an `if` after the atom.
//!
//! Lattice relations (`lattice r(k: u32) -> Max<u32>;`, or `Min<u32>`) hold their value as a
//! `u32` in their last column: `Max::new(e)` and `Min::new(e)` are `e`, `*x.get()` is `x`,
//! `a.min(b)` and `a.max(b)` are [`Expr::Min`] and [`Expr::Max`], a column of type `Max<u32>`
//! is a `u32` column, and `when a >= Max::new(e)` (or `<=`, either side the constructor) is an
//! `if` comparing in the lattice's order, which the constructor names.

use std::collections::HashMap;

use super::{
    Cond, Expr, HeadArg, Kind, Lattice, Literal, Merge, Program, Relation, Rule, Term, Type,
};

/// The program that `text` (a `program!`'s items) declares.
pub fn parse(text: &str) -> Program {
    let tokens = lex(text);
    let located = (tokens.windows(3)).any(|w| w[0] == "channel" && w[2] == "(");
    let mut parser = Parser {
        tokens,
        at: 0,
        located,
        relations: Vec::new(),
        vars: HashMap::new(),
        fresh: 0,
        node: 0,
        constructed: None,
    };
    let mut rules = Vec::new();
    while parser.at < parser.tokens.len() {
        let kind = match parser.peek(0) {
            "input" => Some(Kind::Input),
            "table" => Some(Kind::Table),
            "scratch" => Some(Kind::Scratch),
            "output" => Some(Kind::Output),
            "channel" => Some(Kind::Channel),
            "periodic" => Some(Kind::Periodic { every_ms: 0 }),
            // Which lattice, the declaration says after its columns.
            "lattice" => Some(Kind::Lattice(Lattice::Max)),
            _ => None,
        };
        match kind.filter(|_| parser.peek(2) == "(") {
            Some(kind) => parser.declaration(kind),
            None => rules.push(parser.rule()),
        }
    }
    Program {
        relations: parser.relations,
        rules,
    }
}

/// Identifiers, numbers, and every other character on its own.
fn lex(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut token = c.to_string();
        if c.is_alphanumeric() || c == '_' {
            while let Some(&next) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                token.push(next);
                chars.next();
            }
        }
        tokens.push(token);
    }
    tokens
}

struct Parser {
    tokens: Vec<String>,
    at: usize,
    relations: Vec<Relation>,
    /// The current rule's variables, by name.
    vars: HashMap<String, usize>,
    /// The number of the current rule's next new variable.
    fresh: usize,
    /// Whether the program has channels, and so nodes.
    located: bool,
    /// The current rule's node variable, in a program with channels.
    node: usize,
    /// The lattice of the last `Max::new(..)` or `Min::new(..)` read.
    constructed: Option<Lattice>,
}

impl Parser {
    fn peek(&self, ahead: usize) -> &str {
        self.tokens.get(self.at + ahead).map_or("", String::as_str)
    }

    fn next(&mut self) -> String {
        let token = self.peek(0).to_string();
        assert!(!token.is_empty(), "the program ends early");
        self.at += 1;
        token
    }

    fn expect(&mut self, token: &str) {
        let found = self.next();
        assert_eq!(found, token, "expected `{token}` at token {}", self.at - 1);
    }

    fn skip(&mut self, token: &str) -> bool {
        let found = self.peek(0) == token;
        self.at += usize::from(found);
        found
    }

    /// `KIND name(col: Type, ..);`, key columns before a `=>`, or
    /// `periodic name(every = Duration::from_millis(n));`; with the node first if located.
    fn declaration(&mut self, kind: Kind) {
        self.next();
        let name = self.next();
        self.expect("(");
        let (mut types, mut key) = (Vec::new(), None);
        if let Kind::Periodic { .. } = kind {
            let every_ms = self.period();
            types.push(Type::U64);
            self.push(&name, Kind::Periodic { every_ms }, types, key);
            return;
        }
        while !self.skip(")") {
            self.skip("@");
            self.next();
            self.expect(":");
            // The type's last identifier: `u32`, `u64`, `Addr` or `blossom::Addr`; `u32` in
            // `Max<u32>` or `Min<u32>`, a lattice value held as its `u32`.
            let mut ty = String::new();
            while !matches!(self.peek(0), "," | ")") && !self.arrow() {
                let token = self.next();
                if token.starts_with(|c: char| c.is_alphanumeric()) && lattice(&token).is_none() {
                    ty = token;
                }
            }
            types.push(match ty.as_str() {
                "u32" => Type::U32,
                "u64" => Type::U64,
                "Addr" => Type::Addr,
                other => panic!("the reference has no columns of type `{other}`"),
            });
            self.skip(",");
            if self.arrow() {
                self.at += 2;
                key = Some(types.len());
            }
        }
        let kind = match kind {
            Kind::Lattice(_) => {
                // `-> Max<u32>`: the value, a last column.
                self.expect("-");
                self.expect(">");
                let which = self.next();
                let lattice = lattice(&which)
                    .unwrap_or_else(|| panic!("the reference has no lattice `{which}`"));
                self.expect("<");
                let value = self.next();
                assert_eq!(value, "u32", "the reference's lattices are over `u32`s");
                self.expect(">");
                assert!(
                    key.is_none(),
                    "a lattice's key is every column but its value"
                );
                types.push(Type::U32);
                Kind::Lattice(lattice)
            }
            kind => kind,
        };
        self.expect(";");
        self.push(&name, kind, types, key);
    }

    /// Declares a relation, with its node first if the program has channels.
    fn push(&mut self, name: &str, kind: Kind, mut types: Vec<Type>, mut key: Option<usize>) {
        if self.located && kind != Kind::Channel {
            types.insert(0, Type::Addr);
            key = key.map(|k| k + 1);
        }
        let relation = Relation::new(name, kind, types.len());
        self.relations.push(Relation {
            key,
            types,
            ..relation
        });
    }

    fn arrow(&self) -> bool {
        self.peek(0) == "=" && self.peek(1) == ">"
    }

    /// `every = Duration::from_millis(n));` (or `from_secs`, or a path to `Duration`): the
    /// period in milliseconds.
    fn period(&mut self) -> u64 {
        self.expect("every");
        self.expect("=");
        while !matches!(self.peek(0), "from_millis" | "from_secs") {
            self.next();
        }
        let unit = self.next();
        self.expect("(");
        let n: u64 = self.next().parse().expect("a period in whole units");
        self.expect(")");
        self.expect(")");
        self.expect(";");
        match unit.as_str() {
            "from_secs" => n * 1000,
            _ => n,
        }
    }

    fn relation(&mut self) -> usize {
        let name = self.next();
        (self.relations.iter().position(|r| r.name == name))
            .unwrap_or_else(|| panic!("unknown relation `{name}`"))
    }

    /// A new variable.
    fn fresh(&mut self) -> usize {
        self.fresh += 1;
        self.fresh - 1
    }

    /// `head(args) MERGE body;`: the body is read first, as it binds the head's variables.
    fn rule(&mut self) -> Rule {
        self.vars.clear();
        self.fresh = 0;
        if self.located {
            self.node = self.fresh();
        }
        let head = self.relation();
        let start = self.at;
        self.skip_group();
        self.expect("<");
        let merge = match self.next().as_str() {
            "=" => Merge::Now,
            "+" if self.skip("-") => Merge::Upsert,
            "+" => Merge::Next,
            "-" => Merge::Delete,
            "~" => Merge::Async,
            other => panic!("`<{other}` is not a merge"),
        };
        let mut body = self.literal();
        while self.skip(",") {
            body.extend(self.literal());
        }
        self.expect(";");
        let end = self.at;
        self.at = start;
        self.expect("(");
        let mut args = Vec::new();
        if self.located && self.relations[head].kind != Kind::Channel {
            args.push(HeadArg::Value(Expr::Var(self.node)));
        }
        while !self.skip(")") {
            self.skip("@");
            args.push(self.arg());
            self.skip(",");
        }
        self.at = end;
        Rule {
            head,
            merge,
            args,
            body,
        }
    }

    fn skip_group(&mut self) {
        self.expect("(");
        let mut depth = 1;
        while depth > 0 {
            match self.next().as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
        }
    }

    fn arg(&mut self) -> HeadArg {
        let name = self.peek(0).to_string();
        let aggregate = ["count", "sum", "min", "max", "argmin", "argmax"].contains(&name.as_str());
        if !(aggregate && self.peek(1) == "(") {
            return HeadArg::Value(self.expr());
        }
        self.next();
        self.expect("(");
        let arg = match name.as_str() {
            "count" => HeadArg::Count,
            "sum" => HeadArg::Sum(self.expr()),
            "min" => HeadArg::Min(self.expr()),
            "max" => HeadArg::Max(self.expr()),
            _ => {
                let v = self.expr();
                self.expect(",");
                let w = self.expr();
                match name.as_str() {
                    "argmin" => HeadArg::ArgMin(v, w),
                    _ => HeadArg::ArgMax(v, w),
                }
            }
        };
        self.expect(")");
        arg
    }

    /// One body item; a located atom may come with an `if` comparing its node.
    fn literal(&mut self) -> Vec<Literal> {
        match self.peek(0) {
            "if" => {
                self.next();
                let a = self.expr();
                let mut op = self.next();
                if self.peek(0) == "=" {
                    op += &self.next();
                }
                let b = self.expr();
                vec![Literal::If(match op.as_str() {
                    "<" => Cond::Lt(a, b),
                    "<=" => Cond::Le(a, b),
                    ">" => Cond::Lt(b, a),
                    ">=" => Cond::Le(b, a),
                    "==" => Cond::Eq(a, b),
                    "!=" => Cond::Ne(a, b),
                    other => panic!("unknown comparison `{other}`"),
                })]
            }
            "when" => {
                // `when a >= b`: `b ⊑ a`; `when a <= b`: `a ⊑ b`, in the constructor's order.
                self.next();
                self.constructed = None;
                let a = self.expr();
                let op = self.next() + &self.next();
                let b = self.expr();
                let lattice = (self.constructed.take())
                    .expect("`when` compares with `Max::new(..)` or `Min::new(..)`");
                let (small, large) = match op.as_str() {
                    ">=" => (b, a),
                    "<=" => (a, b),
                    other => panic!("`when` compares with `>=` or `<=`, not `{other}`"),
                };
                vec![Literal::If(match lattice {
                    Lattice::Max => Cond::Le(small, large),
                    Lattice::Min => Cond::Le(large, small),
                })]
            }
            "let" => {
                self.next();
                let name = self.next();
                self.expect("=");
                let value = self.expr();
                let var = self.fresh();
                assert!(self.vars.insert(name, var).is_none(), "`let` rebinds");
                vec![Literal::Let(vec![var], vec![value])]
            }
            _ => {
                let negated = self.skip("!");
                let relation = self.relation();
                let (terms, check) = self.terms(relation, !negated);
                let atom = match negated {
                    true => Literal::Not(relation, terms),
                    false => Literal::Atom(relation, terms),
                };
                [atom].into_iter().chain(check).collect()
            }
        }
    }

    /// An atom's terms, and in a program with channels the `if` that compares what is written
    /// in its node's column with the node. Only a positive atom binds variables.
    fn terms(&mut self, relation: usize, binds: bool) -> (Vec<Term>, Option<Literal>) {
        self.expect("(");
        let mut terms = Vec::new();
        let mut check = None;
        if self.located {
            let channel = self.relations[relation].kind == Kind::Channel;
            if self.skip("@") || channel {
                let first = self.peek(0).to_string();
                let named = matches!(self.peek(1), "," | ")")
                    && first.starts_with(|c: char| c.is_lowercase())
                    && !self.vars.contains_key(&first);
                let written = if named {
                    // A new variable: the node's own.
                    self.next();
                    self.vars.insert(first, self.node);
                    Term::Wild
                } else {
                    self.term(binds)
                };
                let node = Expr::Var(self.node);
                check = match written {
                    Term::Wild => None,
                    Term::Var(v) if v == self.node => None,
                    Term::Var(v) => Some(Cond::Eq(Expr::Var(v), node)),
                    Term::Const(c) | Term::Named(c) => Some(Cond::Eq(Expr::Const(c), node)),
                    Term::Expr(e) => Some(Cond::Eq(e, node)),
                }
                .map(Literal::If);
                self.skip(",");
            }
            terms.push(Term::Var(self.node));
        }
        while !self.skip(")") {
            terms.push(self.term(binds));
            self.skip(",");
        }
        (terms, check)
    }

    /// One term: `_`, a variable (bound here if `binds` and new), or an expression.
    fn term(&mut self, binds: bool) -> Term {
        let lone = matches!(self.peek(1), "," | ")");
        let first = self.peek(0).to_string();
        if first == "_" && lone {
            self.next();
            return Term::Wild;
        }
        if !lone || first.starts_with(|c: char| c.is_ascii_digit()) {
            return match self.expr() {
                Expr::Const(c) => Term::Const(c),
                e => Term::Expr(e),
            };
        }
        self.next();
        if let Some(&var) = self.vars.get(&first) {
            return Term::Var(var);
        }
        assert!(binds, "`{first}` in a negated atom is not bound");
        let var = self.fresh();
        self.vars.insert(first, var);
        Term::Var(var)
    }

    /// `primary (+ primary)*`, a primary a number, a bound variable, `Addr(expr)`, `(expr)`,
    /// `Max::new(expr)`, `Min::new(expr)` or `*x.get()`, perhaps followed by `.min(expr)` or
    /// `.max(expr)`.
    fn expr(&mut self) -> Expr {
        let mut expr = self.primary();
        while self.skip("+") {
            expr = Expr::Plus(Box::new(expr), Box::new(self.primary()));
        }
        expr
    }

    /// An [`atom`](Self::atom), perhaps followed by `.min(expr)` or `.max(expr)`.
    fn primary(&mut self) -> Expr {
        let mut expr = self.atom();
        while self.peek(0) == "." && matches!(self.peek(1), "min" | "max") {
            self.next();
            let method = self.next();
            self.expect("(");
            let other = Box::new(self.expr());
            self.expect(")");
            expr = match method.as_str() {
                "min" => Expr::Min(Box::new(expr), other),
                _ => Expr::Max(Box::new(expr), other),
            };
        }
        expr
    }

    /// A number, a bound variable, `Addr(expr)`, `(expr)`, `Max::new(expr)`, `Min::new(expr)`
    /// (noting the lattice, for `when`) or `*x.get()`.
    fn atom(&mut self) -> Expr {
        let token = self.next();
        if let Some(which) = lattice(&token) {
            self.constructed = Some(which);
            for token in [":", ":", "new", "("] {
                self.expect(token);
            }
            let expr = self.expr();
            self.expect(")");
            return expr;
        }
        if token == "*" {
            // `*x.get()`: the value of a lattice, held as itself.
            let name = self.next();
            for token in [".", "get", "(", ")"] {
                self.expect(token);
            }
            return match self.vars.get(&name) {
                Some(&var) => Expr::Var(var),
                None => panic!("`{name}` is not bound"),
            };
        }
        if token == "Addr" || token == "(" {
            if token == "Addr" {
                self.expect("(");
            }
            let expr = self.expr();
            self.expect(")");
            return expr;
        }
        if let Ok(c) = token.parse() {
            return Expr::Const(c);
        }
        match self.vars.get(&token) {
            Some(&var) => Expr::Var(var),
            None => panic!("`{token}` is not bound"),
        }
    }
}

/// The lattice a type's name names: `Max` or `Min`.
fn lattice(name: &str) -> Option<Lattice> {
    match name {
        "Max" => Some(Lattice::Max),
        "Min" => Some(Lattice::Min),
        _ => None,
    }
}
