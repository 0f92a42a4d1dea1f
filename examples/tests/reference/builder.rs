//! Builds a [`Program`] from the text of a hand-written one, as `stringify!` spells its items.
//!
//! The subset: declarations of `u32` columns; rules with `<=`, `<+` or `<-`; heads of variables,
//! numbers, `a + b` and the aggregates `count()`, `sum(e)`, `min(e)`, `max(e)`, `argmin(v, w)`,
//! `argmax(v, w)`; bodies of atoms and negated atoms whose terms are `_`, numbers, variables or
//! `a + b`, of `if a OP b` (`<`, `<=`, `==`, `!=`, `>`, `>=`) and of `let v = e`. `a + b` is
//! plain addition ([`Expr::Plus`]), without the modulus of the random programs.

use std::collections::HashMap;

use super::{Cond, Expr, HeadArg, Kind, Literal, Merge, Program, Relation, Rule, Term};

/// The program that `text` (a `program!`'s items) declares.
pub fn parse(text: &str) -> Program {
    let mut parser = Parser {
        tokens: lex(text),
        at: 0,
        relations: Vec::new(),
        vars: HashMap::new(),
    };
    let mut rules = Vec::new();
    while parser.at < parser.tokens.len() {
        let kind = match parser.peek(0) {
            "input" => Some(Kind::Input),
            "table" => Some(Kind::Table),
            "scratch" => Some(Kind::Scratch),
            "output" => Some(Kind::Output),
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

    /// `KIND name(col: Type, ..);`
    fn declaration(&mut self, kind: Kind) {
        self.next();
        let name = self.next();
        self.expect("(");
        let mut arity = 0;
        while self.peek(0) != ")" {
            arity += usize::from(self.next() == ":");
        }
        self.expect(")");
        self.expect(";");
        self.relations.push(Relation { name, kind, arity });
    }

    fn relation(&mut self) -> usize {
        let name = self.next();
        (self.relations.iter().position(|r| r.name == name))
            .unwrap_or_else(|| panic!("unknown relation `{name}`"))
    }

    /// `head(args) MERGE body;`: the body is read first, as it binds the head's variables.
    fn rule(&mut self) -> Rule {
        self.vars.clear();
        let head = self.relation();
        let start = self.at;
        self.skip_group();
        self.expect("<");
        let merge = match self.next().as_str() {
            "=" => Merge::Now,
            "+" => Merge::Next,
            "-" => Merge::Delete,
            other => panic!("`<{other}` is not a merge"),
        };
        let mut body = vec![self.literal()];
        while self.peek(0) == "," {
            self.next();
            body.push(self.literal());
        }
        self.expect(";");
        let end = self.at;
        self.at = start;
        self.expect("(");
        let mut args = Vec::new();
        while self.peek(0) != ")" {
            args.push(self.arg());
            if self.peek(0) == "," {
                self.next();
            }
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
        let aggregate = self.peek(1) == "(";
        let name = if aggregate {
            self.next()
        } else {
            String::new()
        };
        if !aggregate {
            return HeadArg::Value(self.expr());
        }
        self.expect("(");
        let arg = match name.as_str() {
            "count" => HeadArg::Count,
            "sum" => HeadArg::Sum(self.expr()),
            "min" => HeadArg::Min(self.expr()),
            "max" => HeadArg::Max(self.expr()),
            "argmin" | "argmax" => {
                let v = self.expr();
                self.expect(",");
                let w = self.expr();
                match name.as_str() {
                    "argmin" => HeadArg::ArgMin(v, w),
                    _ => HeadArg::ArgMax(v, w),
                }
            }
            other => panic!("unknown aggregate `{other}`"),
        };
        self.expect(")");
        arg
    }

    fn literal(&mut self) -> Literal {
        match self.peek(0) {
            "if" => {
                self.next();
                let a = self.expr();
                let mut op = self.next();
                if self.peek(0) == "=" {
                    op += &self.next();
                }
                let b = self.expr();
                Literal::If(match op.as_str() {
                    "<" => Cond::Lt(a, b),
                    "<=" => Cond::Le(a, b),
                    ">" => Cond::Lt(b, a),
                    ">=" => Cond::Le(b, a),
                    "==" => Cond::Eq(a, b),
                    "!=" => Cond::Ne(a, b),
                    other => panic!("unknown comparison `{other}`"),
                })
            }
            "let" => {
                self.next();
                let name = self.next();
                self.expect("=");
                let value = self.expr();
                let var = self.vars.len();
                assert!(self.vars.insert(name, var).is_none(), "`let` rebinds");
                Literal::Let(vec![var], vec![value])
            }
            "!" => {
                self.next();
                let relation = self.relation();
                Literal::Not(relation, self.terms(false))
            }
            _ => {
                let relation = self.relation();
                Literal::Atom(relation, self.terms(true))
            }
        }
    }

    /// An atom's terms; only a positive atom binds variables.
    fn terms(&mut self, binds: bool) -> Vec<Term> {
        self.expect("(");
        let mut terms = Vec::new();
        while self.peek(0) != ")" {
            let lone = matches!(self.peek(1), "," | ")");
            let first = self.peek(0).to_string();
            let term = if first == "_" && lone {
                self.next();
                Term::Wild
            } else if lone && !first.starts_with(|c: char| c.is_ascii_digit()) {
                self.next();
                let next = self.vars.len();
                match self.vars.get(&first) {
                    Some(&var) => Term::Var(var),
                    None if binds => Term::Var(*self.vars.entry(first).or_insert(next)),
                    None => panic!("`{first}` in a negated atom is not bound"),
                }
            } else {
                match self.expr() {
                    Expr::Const(c) => Term::Const(c),
                    e => Term::Expr(e),
                }
            };
            terms.push(term);
            if self.peek(0) == "," {
                self.next();
            }
        }
        self.expect(")");
        terms
    }

    /// `primary (+ primary)*`, a primary a number, a bound variable or `(expr)`.
    fn expr(&mut self) -> Expr {
        let mut expr = self.primary();
        while self.peek(0) == "+" {
            self.next();
            expr = Expr::Plus(Box::new(expr), Box::new(self.primary()));
        }
        expr
    }

    fn primary(&mut self) -> Expr {
        let token = self.next();
        if token == "(" {
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
