//! Builds a [`Program`] from the tokens of a hand-written one, as `stringify!` spells them: a
//! term is `_`, a number (a constant) or a name (a variable).

use std::collections::HashMap;

use super::{Expr, Kind, Literal, Program, Relation, Rule, Term};

#[derive(Default)]
pub struct Builder {
    relations: Vec<Relation>,
    rules: Vec<Rule>,
}

impl Builder {
    /// Declares a relation: `kind` is `input`, `table`, `scratch` or `output`.
    pub fn relation(&mut self, kind: &str, name: &str, arity: usize) {
        let kind = match kind {
            "input" => Kind::Input,
            "table" => Kind::Table,
            "scratch" => Kind::Scratch,
            "output" => Kind::Output,
            other => panic!("unknown kind `{other}`"),
        };
        let name = name.to_string();
        self.relations.push(Relation { name, kind, arity });
    }

    fn id(&self, name: &str) -> usize {
        (self.relations.iter().position(|r| r.name == name))
            .unwrap_or_else(|| panic!("unknown relation `{name}`"))
    }

    /// Adds `head(args) <= atoms`, each atom a relation name and its terms.
    pub fn rule(&mut self, head: &str, args: &[&str], atoms: &[(&str, Vec<&str>)]) {
        let mut vars: HashMap<String, usize> = HashMap::new();
        let mut body = Vec::new();
        for (relation, terms) in atoms {
            let terms = terms.iter().map(|t| match *t {
                "_" => Term::Wild,
                t if t.starts_with(|c: char| c.is_ascii_digit()) => {
                    Term::Const(t.parse().expect("a u32"))
                }
                t => {
                    let next = vars.len();
                    Term::Var(*vars.entry(t.to_string()).or_insert(next))
                }
            });
            body.push(Literal::Atom(self.id(relation), terms.collect()));
        }
        let args = args.iter().map(|t| match t.parse() {
            Ok(c) => Expr::Const(c),
            Err(_) => Expr::Var(*vars.get(*t).expect("a head variable bound by the body")),
        });
        let head = self.id(head);
        let args = args.collect();
        self.rules.push(Rule { head, args, body });
    }

    pub fn build(self) -> Program {
        Program {
            relations: self.relations,
            rules: self.rules,
        }
    }
}
