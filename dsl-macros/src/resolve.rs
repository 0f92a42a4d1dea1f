//! Stage 2: names, arities, collection kinds, variable binding and column types.
//!
//! A body is read left to right: an atom binds the variables it names for the first time and
//! compares the ones bound before; `if` and `let` may use only variables bound to their left.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Ident, Pat, Type};

use crate::diag::{Diagnostics, did_you_mean};
use crate::parse::{Atom, BodyItem, ColumnDecl, Decl, Kind, Merge, Program, Rule, Term, variable};

/// A program whose names and variables are resolved.
pub struct Hir<'p> {
    pub program: &'p Program,
    /// The declared relations, in declaration order; a relation's id is its index here.
    pub relations: Vec<&'p Decl>,
    pub rules: Vec<RuleHir<'p>>,
}

/// The index of a variable in its rule's `vars`.
pub type VarId = usize;

/// A resolved rule.
pub struct RuleHir<'p> {
    pub rule: &'p Rule,
    /// The relation the head derives into.
    pub head: usize,
    /// The aggregate in each head column, `None` for the columns that group.
    pub aggregates: Vec<Option<Aggregate<'p>>>,
    /// The variables the head's expressions use.
    pub head_uses: BTreeSet<VarId>,
    pub items: Vec<Item<'p>>,
    pub vars: Vec<Var>,
    /// Pairs of column types a shared variable requires to be equal, checked by rustc.
    pub type_checks: Vec<TypeCheck<'p>>,
}

/// A rule variable.
pub struct Var {
    pub ident: Ident,
    /// The declared type of the column that binds it (`None` for `let` bindings).
    pub ty: Option<Type>,
}

/// A resolved body item.
pub enum Item<'p> {
    Atom {
        relation: usize,
        slots: Vec<Slot<'p>>,
        /// `!r(..)`: holds when `r` has no row matching the slots; binds nothing.
        negated: bool,
    },
    If {
        expr: &'p Expr,
        uses: BTreeSet<VarId>,
    },
    Let {
        pat: &'p Pat,
        expr: &'p Expr,
        uses: BTreeSet<VarId>,
        binds: Vec<VarId>,
    },
}

/// What an atom does with one column.
pub enum Slot<'p> {
    /// `_`: nothing.
    Wild,
    /// Binds a new variable.
    Bind(VarId),
    /// Must equal a variable bound before.
    Equal(VarId),
    /// Must equal an expression over variables bound before.
    Const {
        expr: &'p Expr,
        uses: BTreeSet<VarId>,
    },
}

/// An aggregate function in a head column: `count()`, `sum(e)`, `argmin(v, w)`, ...
pub struct Aggregate<'p> {
    pub function: Function,
    pub args: Vec<&'p Expr>,
    /// The whole call, for diagnostics.
    pub span: Span,
}

/// The aggregate functions; each ranges over every match of the rule's body in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Count,
    Sum,
    Min,
    Max,
    ArgMin,
    ArgMax,
    Collect,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "count" => Function::Count,
            "sum" => Function::Sum,
            "min" => Function::Min,
            "max" => Function::Max,
            "argmin" => Function::ArgMin,
            "argmax" => Function::ArgMax,
            "collect" => Function::Collect,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Function::Count => "count",
            Function::Sum => "sum",
            Function::Min => "min",
            Function::Max => "max",
            Function::ArgMin => "argmin",
            Function::ArgMax => "argmax",
            Function::Collect => "collect",
        }
    }

    /// The number of arguments it takes.
    fn arity(self) -> usize {
        match self {
            Function::Count => 0,
            Function::ArgMin | Function::ArgMax => 2,
            _ => 1,
        }
    }
}

impl RuleHir<'_> {
    /// Whether the head aggregates (groups by its other columns).
    pub fn aggregates(&self) -> bool {
        self.aggregates.iter().any(Option::is_some)
    }
}

/// A column whose declared type is spelled unlike the type of the variable it meets: generated
/// code converts the column's value with `SameType::same`, which is the identity when the two
/// are one type and a spanned compile error when they are not.
pub struct TypeCheck<'p> {
    /// The body item (an atom) the column belongs to.
    pub item: usize,
    /// The column's position in the atom.
    pub column: usize,
    /// The variable's type, where it is bound.
    pub first: Type,
    /// The column's type, spanned at the variable.
    pub second: SpannedType<'p>,
}

/// A declared type whose tokens are given another span when quoted: a mismatch is reported at
/// the type's tokens, and the user should see it at the variable that joins the columns, not at
/// the column's declaration.
#[derive(Clone, Copy)]
pub struct SpannedType<'p> {
    pub ty: &'p Type,
    pub span: Span,
}

impl ToTokens for SpannedType<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(respan(self.ty.to_token_stream(), self.span));
    }
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// Resolves `program`, reporting every error found.
pub fn resolve(program: &Program) -> syn::Result<Hir<'_>> {
    let mut diags = Diagnostics::default();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut relations = Vec::new();
    for decl in &program.decls {
        let name = decl.name.to_string();
        if let Some(&first) = by_name.get(&name) {
            let first: &Decl = relations[first];
            diags.error_with(
                decl.name.span(),
                format!("relation `{name}` is declared twice"),
                first.name.span(),
                format!("`{name}` is first declared here"),
            );
            continue;
        }
        check_columns(decl, &mut diags);
        check_key(decl, &mut diags);
        by_name.insert(name, relations.len());
        relations.push(decl);
    }
    let scope = Names {
        relations: &relations,
        by_name,
    };
    let rules = program
        .rules
        .iter()
        .filter_map(|rule| RuleResolver::new(&scope, &mut diags).rule(rule))
        .collect();
    diags.finish(Hir {
        program,
        relations,
        rules,
    })
}

/// Key columns (`k: K => v: V`) on relations whose rows the program derives.
fn check_key(decl: &Decl, diags: &mut Diagnostics) {
    let Some((count, arrow)) = decl.key else {
        return;
    };
    if decl.kind == Kind::Input {
        diags.error(
            arrow,
            format!(
                "`{}` is an input: key columns are checked on the rows rules derive, so declare the key on a table that copies it",
                decl.name
            ),
        );
    } else if count == 0 {
        diags.error(
            arrow,
            "no key columns before `=>`: write the key columns first, as in `r(k: K => v: V)`",
        );
    }
}

fn check_columns(decl: &Decl, diags: &mut Diagnostics) {
    let mut seen: HashMap<String, Span> = HashMap::new();
    for column in &decl.columns {
        if let Some(first) = seen.insert(column.name.to_string(), column.name.span()) {
            diags.error_with(
                column.name.span(),
                format!("column `{}` appears twice in `{}`", column.name, decl.name),
                first,
                format!("`{}` is first declared here", column.name),
            );
        }
    }
}

struct Names<'p, 'a> {
    relations: &'a [&'p Decl],
    by_name: HashMap<String, usize>,
}

impl<'p> Names<'p, '_> {
    /// Looks a relation up and checks the number of arguments given to it.
    fn relation(
        &self,
        name: &Ident,
        args: usize,
        args_span: Span,
        diags: &mut Diagnostics,
    ) -> Option<usize> {
        let text = name.to_string();
        let Some(&id) = self.by_name.get(&text) else {
            let known = self
                .relations
                .iter()
                .map(|d| d.name.to_string())
                .collect::<Vec<_>>();
            let message = match did_you_mean(&text, known.iter().map(String::as_str)) {
                Some(close) => format!("unknown relation `{text}`; did you mean `{close}`?"),
                None => format!(
                    "unknown relation `{text}`: declare it with `input`, `table`, `scratch` or `output`"
                ),
            };
            diags.error(name.span(), message);
            return None;
        };
        let decl = self.relations[id];
        if decl.columns.len() != args {
            // A located relation's hidden node column is neither declared nor written.
            let hidden = usize::from(decl.located);
            let args = args - hidden.min(args);
            let columns: Vec<String> = decl.columns[hidden..]
                .iter()
                .map(|c| format!("{}: {}", c.name, c.ty.to_token_stream()))
                .collect();
            diags.error_with(
                args_span,
                format!(
                    "`{text}` has {} column{} ({}) but {args} {} given here",
                    columns.len(),
                    if columns.len() == 1 { "" } else { "s" },
                    columns.join(", "),
                    if args == 1 { "is" } else { "are" },
                ),
                decl.name.span(),
                format!("`{text}` is declared here"),
            );
            return None;
        }
        Some(id)
    }
}

struct RuleResolver<'p, 's, 'a, 'd> {
    names: &'s Names<'p, 'a>,
    diags: &'d mut Diagnostics,
    vars: Vec<Var>,
    bound: HashMap<String, VarId>,
    /// Where each name is first bound in the body, to explain "used before it is bound".
    binding_sites: HashMap<String, Span>,
    type_checks: Vec<TypeCheck<'p>>,
    /// The position in the body of the item being resolved.
    position: usize,
}

impl<'p, 's, 'a, 'd> RuleResolver<'p, 's, 'a, 'd> {
    fn new(names: &'s Names<'p, 'a>, diags: &'d mut Diagnostics) -> Self {
        RuleResolver {
            names,
            diags,
            vars: Vec::new(),
            bound: HashMap::new(),
            binding_sites: HashMap::new(),
            type_checks: Vec::new(),
            position: 0,
        }
    }

    fn rule(mut self, rule: &'p Rule) -> Option<RuleHir<'p>> {
        let head = &rule.head;
        let head_id =
            self.names
                .relation(&head.relation, head.args.len(), head.args_span, self.diags);
        if let Some(id) = head_id {
            self.check_merge(rule, self.names.relations[id]);
        }
        self.note_binding_sites(rule);
        let mut items = Vec::with_capacity(rule.body.len());
        for (position, item) in rule.body.iter().enumerate() {
            self.position = position;
            items.extend(self.item(item));
        }
        defer_leading_negations(&mut items);
        if !rule
            .body
            .iter()
            .any(|item| matches!(item, BodyItem::Atom(atom) if atom.negated.is_none()))
        {
            self.diags.error(
                head.relation.span(),
                "a rule body needs at least one atom over a relation",
            );
        }
        let mut head_uses = BTreeSet::new();
        let mut aggregates = Vec::with_capacity(head.args.len());
        for arg in &head.args {
            if let Expr::Infer(infer) = arg {
                self.diags.error(
                    infer.span(),
                    "`_` is not allowed in a head: every column needs a value",
                );
                aggregates.push(None);
                continue;
            }
            let aggregate = self.aggregate(arg);
            let values = match &aggregate {
                Some(aggregate) => aggregate.args.clone(),
                None => vec![arg],
            };
            for value in values {
                if let Some(ident) = variable(value)
                    && !self.bound.contains_key(&ident.to_string())
                {
                    self.diags.error(
                        ident.span(),
                        format!("variable `{ident}` in the head is not bound by the rule's body"),
                    );
                }
                head_uses.extend(self.uses(value.to_token_stream()));
            }
            aggregates.push(aggregate);
        }
        Some(RuleHir {
            rule,
            head: head_id?,
            aggregates,
            head_uses,
            items,
            vars: self.vars,
            type_checks: self.type_checks,
        })
    }

    /// Which merge may go into which kind of relation.
    fn check_merge(&mut self, rule: &Rule, decl: &Decl) {
        let name = &rule.head.relation;
        let problem = match (rule.merge, decl.kind) {
            (_, Kind::Input) => Some(format!(
                "`{name}` is an input: its rows come from outside, and no rule may derive into it"
            )),
            (_, Kind::Periodic) => Some(format!(
                "`{name}` is a periodic: its rows come from the program's clock, and no rule may derive into it"
            )),
            (Merge::Delete, Kind::Scratch | Kind::Output) => Some(format!(
                "`<-` deletes rows from a table, but `{name}` is {}: its rows last one tick, so there is nothing to delete",
                decl.kind.described()
            )),
            (Merge::Upsert, Kind::Table) if decl.key.is_none() => Some(format!(
                "`<+-` replaces the row with the same key, but `{name}` declares no key: declare one with `=>`, as in `table {name}(k: K => v: V)`"
            )),
            (Merge::Upsert, Kind::Scratch | Kind::Output) => Some(format!(
                "`<+-` replaces a stored row, but `{name}` is {}: its rows last one tick; use `<+`",
                decl.kind.described()
            )),
            (Merge::Delete | Merge::Upsert, Kind::Lattice) => Some(format!(
                "`{name}` is a lattice: its values only grow by merging, so `{}` cannot take a value back or replace it; merge into it with `<=` or `<+`",
                rule.merge.symbol()
            )),
            (Merge::Async, Kind::Channel) => None,
            (Merge::Async, _) => Some(format!(
                "`<~` sends rows to another location through a channel, but `{name}` is {}: use `<=` or `<+`, or declare a `channel`",
                decl.kind.described()
            )),
            (_, Kind::Channel) => Some(format!(
                "`{name}` is a channel: its rows are sent with `<~` to the location in its `@` column"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            let mut error = if decl.kind.external() {
                syn::Error::new(name.span(), message)
            } else {
                syn::Error::new_spanned(&rule.merge_tokens, message)
            };
            let note = format!("declared as {} here", decl.kind.described());
            error.combine(syn::Error::new(decl.kind_span, note));
            self.diags.push(error);
        }
    }

    /// The aggregate a head column calls, if it is one (`count()`, `sum(x)`, ...).
    fn aggregate(&mut self, arg: &'p Expr) -> Option<Aggregate<'p>> {
        let Expr::Call(call) = arg else { return None };
        let Expr::Path(path) = &*call.func else {
            return None;
        };
        let name = path.path.get_ident()?;
        let function = Function::from_name(&name.to_string())?;
        let args: Vec<&Expr> = call.args.iter().collect();
        if args.len() != function.arity() {
            let wanted = match function.arity() {
                0 => "no argument".to_string(),
                1 => "one argument".to_string(),
                n => format!("{n} arguments: the value to order by, then the value to keep"),
            };
            self.diags.error(
                arg.span(),
                format!(
                    "the aggregate `{name}` takes {wanted}, but {} given",
                    args.len()
                ),
            );
        }
        Some(Aggregate {
            function,
            args,
            span: arg.span(),
        })
    }

    fn note_binding_sites(&mut self, rule: &Rule) {
        for item in &rule.body {
            let idents: Vec<&Ident> = match item {
                // A negation binds nothing, so it is no binding site.
                BodyItem::Atom(atom) if atom.negated.is_some() => Vec::new(),
                BodyItem::Atom(atom) => atom
                    .terms
                    .iter()
                    .filter_map(|term| match term {
                        Term::Var(ident) => Some(ident),
                        _ => None,
                    })
                    .collect(),
                BodyItem::Let { pat, .. } => pattern_idents(pat),
                BodyItem::If { .. } => Vec::new(),
            };
            for ident in idents {
                self.binding_sites
                    .entry(ident.to_string())
                    .or_insert(ident.span());
            }
        }
    }

    fn item(&mut self, item: &'p BodyItem) -> Option<Item<'p>> {
        match item {
            BodyItem::Atom(atom) => self.atom(atom),
            BodyItem::If { expr, .. } => {
                let uses = self.uses_checked(expr.to_token_stream());
                Some(Item::If { expr, uses })
            }
            BodyItem::Let { pat, expr, .. } => {
                let uses = self.uses_checked(expr.to_token_stream());
                let mut binds = Vec::new();
                for ident in pattern_idents(pat) {
                    if let Some(&var) = self.bound.get(&ident.to_string()) {
                        self.diags.error_with(
                            ident.span(),
                            format!("variable `{ident}` is already bound; `let` cannot rebind it"),
                            self.vars[var].ident.span(),
                            format!("`{ident}` is first bound here"),
                        );
                    } else {
                        binds.push(self.bind(ident, None));
                    }
                }
                Some(Item::Let {
                    pat,
                    expr,
                    uses,
                    binds,
                })
            }
        }
    }

    fn atom(&mut self, atom: &'p Atom) -> Option<Item<'p>> {
        let Some(relation) = self.names.relation(
            &atom.relation,
            atom.terms.len(),
            atom.terms_span,
            self.diags,
        ) else {
            // Its variables are bound all the same (with no type), so that an unknown relation
            // or a wrong arity is one error, not one more for every later use of its variables.
            for term in &atom.terms {
                if let Term::Var(ident) = term
                    && !self.bound.contains_key(&ident.to_string())
                {
                    self.bind(ident, None);
                }
            }
            return None;
        };
        let decl = self.names.relations[relation];
        let mut slots = Vec::with_capacity(atom.terms.len());
        for (position, (term, column)) in atom.terms.iter().zip(&decl.columns).enumerate() {
            slots.push(match term {
                Term::Wildcard => Slot::Wild,
                Term::Const(expr) => Slot::Const {
                    expr,
                    uses: self.uses_checked(expr.to_token_stream()),
                },
                Term::Var(ident) => match self.bound.get(&ident.to_string()) {
                    Some(&var) => {
                        self.check_type(var, ident, position, column, atom);
                        Slot::Equal(var)
                    }
                    None if atom.negated.is_some() => {
                        self.unbound_in_negation(ident, atom);
                        Slot::Wild
                    }
                    None => Slot::Bind(self.bind(ident, Some(column.ty.clone()))),
                },
            });
        }
        Some(Item::Atom {
            relation,
            slots,
            negated: atom.negated.is_some(),
        })
    }

    /// A negation binds nothing: its variables must be bound to its left.
    fn unbound_in_negation(&mut self, ident: &Ident, atom: &Atom) {
        let message = format!(
            "variable `{ident}` in `!{}(..)` is not bound before it: a negation binds nothing, it only tests values bound to its left (use `_` for any value)",
            atom.relation
        );
        match self.binding_sites.get(&ident.to_string()) {
            Some(&site) => self.diags.error_with(
                ident.span(),
                message,
                site,
                format!("`{ident}` is bound here, later in the body; move the negation after it"),
            ),
            None => self.diags.error(ident.span(), message),
        }
    }

    fn bind(&mut self, ident: &Ident, ty: Option<Type>) -> VarId {
        let id = self.vars.len();
        self.vars.push(Var {
            ident: ident.clone(),
            ty,
        });
        self.bound.insert(ident.to_string(), id);
        id
    }

    /// A variable met again must have the same type as where it was bound.
    fn check_type(
        &mut self,
        var: VarId,
        ident: &Ident,
        position: usize,
        column: &'p ColumnDecl,
        atom: &Atom,
    ) {
        let ty = &column.ty;
        let Some(first) = self.vars[var].ty.clone() else {
            return;
        };
        let (a, b) = (
            first.to_token_stream().to_string(),
            ty.to_token_stream().to_string(),
        );
        if a == b {
            return;
        }
        if is_primitive(&a) && is_primitive(&b) {
            self.diags.error_with(
                ident.span(),
                format!(
                    "variable `{ident}` is a `{a}` where it is bound, but column `{}` of `{}` is a `{b}`",
                    column.name, atom.relation
                ),
                self.vars[var].ident.span(),
                format!("`{ident}` is bound here, as a `{a}`"),
            );
        } else {
            self.type_checks.push(TypeCheck {
                item: self.position,
                column: position,
                first,
                second: SpannedType {
                    ty,
                    span: ident.span(),
                },
            });
        }
    }

    /// The bound variables that `tokens` mention; a mention of one bound later is an error.
    fn uses_checked(&mut self, tokens: TokenStream) -> BTreeSet<VarId> {
        let mut idents = Vec::new();
        collect_idents(tokens, &mut idents);
        let mut uses = BTreeSet::new();
        for ident in idents {
            let name = ident.to_string();
            if let Some(&var) = self.bound.get(&name) {
                uses.insert(var);
            } else if let Some(&site) = self.binding_sites.get(&name) {
                self.diags.error_with(
                    ident.span(),
                    format!("variable `{name}` is used before it is bound"),
                    site,
                    format!("`{name}` is bound here, later in the body; move this after it"),
                );
            }
        }
        uses
    }

    fn uses(&self, tokens: TokenStream) -> BTreeSet<VarId> {
        let mut idents = Vec::new();
        collect_idents(tokens, &mut idents);
        idents
            .iter()
            .filter_map(|ident| self.bound.get(&ident.to_string()).copied())
            .collect()
    }
}

/// Moves the negations written before a body's first positive atom to just after it.
///
/// A negation only tests rows the body has found, so it cannot start a rule; `let x = 3,
/// !s(x), r(x)` means `let x = 3, r(x), !s(x)`. A negation binds nothing and its variables are
/// bound before it, so they still are at its new place.
fn defer_leading_negations(items: &mut Vec<Item<'_>>) {
    let positive = |item: &Item<'_>| matches!(item, Item::Atom { negated: false, .. });
    let Some(first) = items.iter().position(positive) else {
        return;
    };
    let (mut leading, mut rest) = (Vec::new(), Vec::new());
    for (i, item) in items.drain(..).enumerate() {
        match i < first && matches!(item, Item::Atom { negated: true, .. }) {
            true => leading.push(item),
            false => rest.push(item),
        }
    }
    let at = rest.iter().position(positive).map_or(rest.len(), |p| p + 1);
    rest.splice(at..at, leading);
    *items = rest;
}

/// Every identifier in `tokens`, including inside macro calls, whose arguments syn cannot see
/// into: a variable mentioned anywhere must stay available to the expression.
fn collect_idents(tokens: TokenStream, out: &mut Vec<Ident>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => out.push(ident),
            TokenTree::Group(group) => collect_idents(group.stream(), out),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// The identifiers a `let` pattern binds.
pub fn pattern_idents(pat: &Pat) -> Vec<&Ident> {
    struct Binders<'a>(Vec<&'a Ident>);
    impl<'a> Visit<'a> for Binders<'a> {
        fn visit_pat_ident(&mut self, pat: &'a syn::PatIdent) {
            self.0.push(&pat.ident);
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut binders = Binders(Vec::new());
    binders.visit_pat(pat);
    binders.0
}

fn is_primitive(ty: &str) -> bool {
    matches!(
        ty,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "bool"
            | "char"
            | "String"
            | "f32"
            | "f64"
            | "()"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(tokens: TokenStream) -> Vec<String> {
        let program: Program = syn::parse2(tokens).unwrap();
        match resolve(&program) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_correct_program_resolves() {
        let program: Program = syn::parse2(quote! {
            P {
                input e(a: u32, b: u32);
                output p(a: u32, b: u32);
                p(x, z) <= e(x, y), e(y, z), if x != z, let w = z + 1, e(w, _);
            }
        })
        .unwrap();
        let hir = resolve(&program).unwrap();
        let rule = &hir.rules[0];
        assert_eq!(rule.vars.len(), 4);
        assert_eq!(rule.head_uses, BTreeSet::from([0, 2]));
        let Item::Atom { slots, .. } = &rule.items[1] else {
            panic!()
        };
        assert!(matches!(slots[..], [Slot::Equal(1), Slot::Bind(2)]));
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let found = errors(quote! {
            P {
                input e(a: u32, b: u32);
                table e(a: u32);
                output p(a: u32, b: String);
                e(x, y) <= p(x, y);
                p(x, y) <= edge(x, y);
                p(x) <= e(x, _);
                p(x, q) <= e(x, _);
                p(x, y) <= e(x, y), if z > 0, e(z, _);
                p(x, y) <= e(x, y), p(y, x);
            }
        });
        let expected = [
            "declared twice",
            "is an input",
            "unknown relation `edge`",
            "has 2 columns",
            "`q` in the head is not bound",
            "`z` is used before it is bound",
            "variable `x` is a `u32`",
        ];
        for fragment in expected {
            assert!(
                found.iter().any(|e| e.contains(fragment)),
                "missing {fragment:?} in {found:#?}"
            );
        }
    }

    #[test]
    fn an_unknown_relation_is_one_error_not_one_per_variable() {
        let found = errors(quote! {
            P {
                input e(a: u32, b: u32);
                output p(a: u32, b: u32);
                p(x, y) <= edge(x, y);
                p(x, y) <= e(x, y, _);
            }
        });
        // The unknown name; the arity, with its note at the declaration.
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().all(|e| !e.contains("not bound")), "{found:#?}");
    }
}
