//! Prints a generated program twice: as the source of a `blossom::program!`, and as Rust code
//! rebuilding the reference's value of it; and wraps both, with a driver, in a module.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::ast::{Cond, Expr, HeadArg, Kind, Literal, MODULUS, Merge, Program, Rule, Term, Var};

// ---- Blossom source ----

fn blossom(program: &Program, doc: &str) -> String {
    let mut text = format!("/// {doc}\npub(crate) P {{\n");
    for r in &program.relations {
        let kind = match r.kind {
            Kind::Input => "input",
            Kind::Table => "table",
            Kind::Scratch => "scratch",
            Kind::Output => "output",
            Kind::Channel | Kind::Periodic { .. } | Kind::Lattice(_) => {
                unreachable!("not generated")
            }
        };
        let column = |c: usize| format!("c{c}: u32");
        let columns = match r.key {
            Some(key) => {
                let keys: Vec<String> = (0..key).map(column).collect();
                let values: Vec<String> = (key..r.arity).map(column).collect();
                format!("{} => {}", keys.join(", "), values.join(", "))
            }
            None => (0..r.arity).map(column).collect::<Vec<_>>().join(", "),
        };
        let _ = writeln!(text, "    {kind:<7} {}({columns});", r.name);
    }
    text.push('\n');
    for rule in &program.rules {
        let args: Vec<String> = rule.args.iter().map(show_arg).collect();
        let unused = unused_lets(rule);
        let body: Vec<String> = rule
            .body
            .iter()
            .map(|literal| show_literal(program, literal, &unused))
            .collect();
        let head = &program.relations[rule.head].name;
        let merge = match rule.merge {
            Merge::Now => "<=",
            Merge::Next => "<+",
            Merge::Delete => "<-",
            Merge::Upsert => "<+-",
            Merge::Async => unreachable!("not generated"),
        };
        let _ = writeln!(
            text,
            "    {head}({}) {merge} {};",
            args.join(", "),
            body.join(", ")
        );
    }
    text.push('}');
    text
}

fn show_expr(expr: &Expr) -> String {
    match expr {
        Expr::Var(v) => format!("x{v}"),
        Expr::Const(c) => c.to_string(),
        Expr::Add(a, b) => format!("({} + {}) % {MODULUS}", operand(a), operand(b)),
        Expr::Mul(a, b) => format!("({} * {}) % {MODULUS}", operand(a), operand(b)),
        Expr::Min(a, b) => format!("u32::min({}, {})", show_expr(a), show_expr(b)),
        Expr::Max(a, b) => format!("u32::max({}, {})", show_expr(a), show_expr(b)),
        Expr::Plus(a, b) => format!("({} + {})", show_expr(a), show_expr(b)),
    }
}

fn show_arg(arg: &HeadArg) -> String {
    match arg {
        HeadArg::Value(e) => show_expr(e),
        HeadArg::Count => "count()".to_string(),
        HeadArg::Sum(e) => format!("sum({})", show_expr(e)),
        HeadArg::Min(e) => format!("min({})", show_expr(e)),
        HeadArg::Max(e) => format!("max({})", show_expr(e)),
        HeadArg::ArgMin(v, w) => format!("argmin({}, {})", show_expr(v), show_expr(w)),
        HeadArg::ArgMax(v, w) => format!("argmax({}, {})", show_expr(v), show_expr(w)),
    }
}

/// An operand of `+` or `*`: parenthesized if it is itself a `(.. + ..) % M`, so that the
/// source computes exactly what the tree says.
fn operand(expr: &Expr) -> String {
    match expr {
        Expr::Add(..) | Expr::Mul(..) => format!("({})", show_expr(expr)),
        _ => show_expr(expr),
    }
}

fn show_cond(cond: &Cond) -> String {
    let binary = |a: &Expr, op: &str, b: &Expr| format!("{} {op} {}", show_expr(a), show_expr(b));
    match cond {
        Cond::Lt(a, b) => binary(a, "<", b),
        Cond::Le(a, b) => binary(a, "<=", b),
        Cond::Eq(a, b) => binary(a, "==", b),
        Cond::Ne(a, b) => binary(a, "!=", b),
        Cond::Even(a) => format!("{} % 2 == 0", show_expr(a)),
    }
}

/// The variables a `let` binds that nothing uses: they are printed `_x3`, as Rust would want.
fn unused_lets(rule: &Rule) -> BTreeSet<Var> {
    fn uses(expr: &Expr, used: &mut BTreeSet<Var>) {
        match expr {
            Expr::Var(v) => {
                used.insert(*v);
            }
            Expr::Const(_) => {}
            Expr::Add(a, b)
            | Expr::Mul(a, b)
            | Expr::Min(a, b)
            | Expr::Max(a, b)
            | Expr::Plus(a, b) => {
                uses(a, used);
                uses(b, used);
            }
        }
    }
    let mut used = BTreeSet::new();
    let mut lets = BTreeSet::new();
    for arg in &rule.args {
        match arg {
            HeadArg::Count => {}
            HeadArg::Value(e) | HeadArg::Sum(e) | HeadArg::Min(e) | HeadArg::Max(e) => {
                uses(e, &mut used)
            }
            HeadArg::ArgMin(v, w) | HeadArg::ArgMax(v, w) => {
                uses(v, &mut used);
                uses(w, &mut used);
            }
        }
    }
    for literal in &rule.body {
        match literal {
            Literal::Atom(_, terms) | Literal::Not(_, terms) => {
                for term in terms {
                    match term {
                        Term::Var(v) => {
                            used.insert(*v);
                        }
                        Term::Expr(e) => uses(e, &mut used),
                        _ => {}
                    }
                }
            }
            Literal::If(Cond::Even(a)) => uses(a, &mut used),
            Literal::If(Cond::Lt(a, b) | Cond::Le(a, b) | Cond::Eq(a, b) | Cond::Ne(a, b)) => {
                uses(a, &mut used);
                uses(b, &mut used);
            }
            Literal::Let(vars, exprs) => {
                lets.extend(vars);
                exprs.iter().for_each(|e| uses(e, &mut used));
            }
        }
    }
    lets.difference(&used).copied().collect()
}

fn show_literal(program: &Program, literal: &Literal, unused: &BTreeSet<Var>) -> String {
    match literal {
        Literal::Atom(relation, terms) => show_atom(program, *relation, terms),
        Literal::Not(relation, terms) => format!("!{}", show_atom(program, *relation, terms)),
        Literal::If(cond) => format!("if {}", show_cond(cond)),
        Literal::Let(vars, exprs) => {
            let vars: Vec<String> = (vars.iter())
                .map(|v| match unused.contains(v) {
                    true => format!("_x{v}"),
                    false => format!("x{v}"),
                })
                .collect();
            let exprs: Vec<String> = exprs.iter().map(show_expr).collect();
            match vars.len() {
                1 => format!("let {} = {}", vars[0], exprs[0]),
                _ => format!("let ({}) = ({})", vars.join(", "), exprs.join(", ")),
            }
        }
    }
}

fn show_atom(program: &Program, relation: usize, terms: &[Term]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|term| match term {
            Term::Var(v) => format!("x{v}"),
            Term::Const(c) => c.to_string(),
            Term::Named(c) => format!("K{c}"),
            Term::Wild => "_".to_string(),
            Term::Expr(e) => show_expr(e),
        })
        .collect();
    format!("{}({})", program.relations[relation].name, terms.join(", "))
}

// ---- Rust code that rebuilds the program for the reference ----

fn rust_expr(expr: &Expr) -> String {
    let pair = |name: &str, a: &Expr, b: &Expr| {
        format!(
            "Expr::{name}(Box::new({}), Box::new({}))",
            rust_expr(a),
            rust_expr(b)
        )
    };
    match expr {
        Expr::Var(v) => format!("Expr::Var({v})"),
        Expr::Const(c) => format!("Expr::Const({c})"),
        Expr::Add(a, b) => pair("Add", a, b),
        Expr::Mul(a, b) => pair("Mul", a, b),
        Expr::Min(a, b) => pair("Min", a, b),
        Expr::Max(a, b) => pair("Max", a, b),
        Expr::Plus(a, b) => pair("Plus", a, b),
    }
}

fn rust_arg(arg: &HeadArg) -> String {
    match arg {
        HeadArg::Value(e) => format!("HeadArg::Value({})", rust_expr(e)),
        HeadArg::Count => "HeadArg::Count".to_string(),
        HeadArg::Sum(e) => format!("HeadArg::Sum({})", rust_expr(e)),
        HeadArg::Min(e) => format!("HeadArg::Min({})", rust_expr(e)),
        HeadArg::Max(e) => format!("HeadArg::Max({})", rust_expr(e)),
        HeadArg::ArgMin(v, w) => format!("HeadArg::ArgMin({}, {})", rust_expr(v), rust_expr(w)),
        HeadArg::ArgMax(v, w) => format!("HeadArg::ArgMax({}, {})", rust_expr(v), rust_expr(w)),
    }
}

fn rust_cond(cond: &Cond) -> String {
    let pair = |name: &str, a: &Expr, b: &Expr| {
        format!("Cond::{name}({}, {})", rust_expr(a), rust_expr(b))
    };
    match cond {
        Cond::Lt(a, b) => pair("Lt", a, b),
        Cond::Le(a, b) => pair("Le", a, b),
        Cond::Eq(a, b) => pair("Eq", a, b),
        Cond::Ne(a, b) => pair("Ne", a, b),
        Cond::Even(a) => format!("Cond::Even({})", rust_expr(a)),
    }
}

fn rust_literal(literal: &Literal) -> String {
    match literal {
        Literal::Atom(relation, terms) => {
            format!("Literal::Atom({relation}, vec![{}])", rust_terms(terms))
        }
        Literal::Not(relation, terms) => {
            format!("Literal::Not({relation}, vec![{}])", rust_terms(terms))
        }
        Literal::If(cond) => format!("Literal::If({})", rust_cond(cond)),
        Literal::Let(vars, exprs) => {
            let vars: Vec<String> = vars.iter().map(ToString::to_string).collect();
            let exprs: Vec<String> = exprs.iter().map(rust_expr).collect();
            format!(
                "Literal::Let(vec![{}], vec![{}])",
                vars.join(", "),
                exprs.join(", ")
            )
        }
    }
}

fn rust_terms(terms: &[Term]) -> String {
    let terms: Vec<String> = terms
        .iter()
        .map(|term| match term {
            Term::Var(v) => format!("Term::Var({v})"),
            Term::Const(c) => format!("Term::Const({c})"),
            Term::Named(c) => format!("Term::Named({c})"),
            Term::Wild => "Term::Wild".to_string(),
            Term::Expr(e) => format!("Term::Expr({})", rust_expr(e)),
        })
        .collect();
    terms.join(", ")
}

fn rust_spec(program: &Program) -> String {
    let mut code = String::from(
        "    pub(crate) fn spec() -> crate::reference::Program {\n        use crate::reference::*;\n        Program {\n            relations: vec![\n",
    );
    for r in &program.relations {
        let relation = format!(
            "Relation::new({:?}, Kind::{:?}, {})",
            r.name, r.kind, r.arity
        );
        let _ = match r.key {
            Some(key) => writeln!(
                code,
                "                Relation {{ key: Some({key}), ..{relation} }},"
            ),
            None => writeln!(code, "                {relation},"),
        };
    }
    code += "            ],\n            rules: vec![\n";
    for rule in &program.rules {
        let args: Vec<String> = rule.args.iter().map(rust_arg).collect();
        let body: Vec<String> = rule.body.iter().map(rust_literal).collect();
        let _ = writeln!(
            code,
            "                Rule {{ head: {}, merge: Merge::{:?}, args: vec![{}], body: vec![{}] }},",
            rule.head,
            rule.merge,
            args.join(", "),
            body.join(", ")
        );
    }
    code += "            ],\n        }\n    }\n";
    code
}

// ---- The module of one program ----

pub fn module(name: &str, index: usize, seed: u64, program: &Program) -> String {
    let text = blossom(
        program,
        &format!("Random program {index} of seed {seed:#x}."),
    );
    let mut named: Vec<u32> = program
        .rules
        .iter()
        .flat_map(|rule| &rule.body)
        .flat_map(|literal| match literal {
            Literal::Atom(_, terms) | Literal::Not(_, terms) => terms.as_slice(),
            _ => &[],
        })
        .filter_map(|term| match term {
            Term::Named(c) => Some(*c),
            _ => None,
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    // Random expressions are what they are (`x * 1`, `x != x`, `x < 0`): no lints on them.
    let mut code = format!(
        "#[allow(clippy::all, unused_comparisons)]\nmod {name} {{\n    use crate::reference::{{Columns, Driver, Row}};\n\n"
    );
    for c in named {
        let _ = writeln!(code, "    const K{c}: u32 = {c};");
    }
    let indented = text.replace('\n', "\n    ");
    let _ = writeln!(code, "\n    blossom::program! {{\n    {indented}\n    }}\n");
    let _ = writeln!(
        code,
        "    /// The source of `P`.\n    pub(crate) const TEXT: &str = {text:?};\n"
    );
    code += &rust_spec(program);
    let (mut inserts, mut snapshots, mut lens) = (String::new(), String::new(), String::new());
    let mut subscriptions = String::new();
    for r in &program.relations {
        let field = &r.name;
        match r.kind {
            Kind::Input => {
                let _ = write!(
                    inserts,
                    "\"{field}\" => self.{field}.insert(Columns::from_row(row)),\n            "
                );
            }
            Kind::Output => {
                let _ = write!(
                    snapshots,
                    "\"{field}\" => self.{field}.snapshot()?.iter().map(Columns::to_row).collect(),\n            "
                );
                let _ = write!(lens, "\"{field}\" => self.{field}.len(),\n            ");
                let _ = write!(
                    subscriptions,
                    "\"{field}\" => crate::reference::subscribe(&self.{field}),\n            "
                );
            }
            _ => {}
        }
    }
    let _ = write!(
        code,
        r#"
    impl Driver for P {{
        fn insert(&mut self, relation: &str, row: &[u32]) {{
            match relation {{
            {inserts}other => panic!("no input `{{other}}`"),
            }}
        }}
        fn tick(&mut self) -> Result<(), blossom::Error> {{
            P::tick(self)
        }}
        fn snapshot(&self, relation: &str) -> Result<Vec<Row>, blossom::Error> {{
            Ok(match relation {{
            {snapshots}other => panic!("no output `{{other}}`"),
            }})
        }}
        fn len(&self, relation: &str) -> usize {{
            match relation {{
            {lens}other => panic!("no output `{{other}}`"),
            }}
        }}
        fn subscribe(&self, relation: &str) -> Result<Box<dyn crate::reference::Watch>, blossom::Error> {{
            match relation {{
            {subscriptions}other => panic!("no output `{{other}}`"),
            }}
        }}
    }}

    pub(crate) fn start(config: &blossom::Config) -> Result<Box<dyn Driver>, blossom::Error> {{
        Ok(Box::new(P::with_config(config)?))
    }}
}}

"#
    );
    code
}
