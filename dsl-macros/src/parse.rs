//! Stage 1: the syntax tree of a program, parsed from the macro's tokens.
//!
//! ```text
//! program  := attrs vis NAME '{' (decl | seal | rule)* '}'
//! seal     := 'seal' NAME '(' col,* ')' 'when' NAME ';'          once the guard holds a key, it is complete
//! decl     := attrs KIND NAME '(' columns ')' ';'               KIND: input table scratch output channel
//!           | attrs 'periodic' NAME '(' 'every' '=' expr ')' ';'  one row `(n: u64)` per firing
//!           | attrs 'lattice' NAME '(' (col ':' Type),* ')' '->' Type ';'   a value per key
//! columns  := (col ':' Type),* [ '=>' (col ':' Type),* ]       key columns before `=>`
//! rule     := ['#[device]' | '#[device(kernel = expr)]'] head MERGE body ';'   MERGE: <=  <+  <-  <+-  <~
//! head     := NAME '(' expr,* ')'
//! body     := item (',' item)*
//! item     := ['!'] NAME '(' term,* ')' | 'if' expr | 'when' expr | 'let' pat [':' Type] '=' expr
//! term     := '_' | variable | literal | other expression (a constant)
//! ```
//! Nothing is checked here beyond syntax; names and types are the business of `resolve`.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Pat, Token, Type, Visibility, braced, parenthesized};

/// A whole `program!` invocation.
pub struct Program {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub decls: Vec<Decl>,
    pub rules: Vec<Rule>,
    /// `seal r(k, ..) when g;` declarations.
    pub seals: Vec<Seal>,
}

/// `seal r(k, ..) when g;`: once `g` holds a row, `r` has every row it will ever have whose
/// columns `k, ..` equal that row's columns. A claim, like a declared monotone function: the
/// CALM analysis trusts it to make a negation or an aggregate of `r` that is guarded by `g` on
/// the same key safe after asynchrony.
pub struct Seal {
    pub relation: Ident,
    /// The sealed relation's key columns, by name.
    pub columns: Vec<Ident>,
    pub guard: Ident,
}

/// A relation declaration.
pub struct Decl {
    pub attrs: Vec<Attribute>,
    pub kind: Kind,
    pub kind_span: Span,
    pub name: Ident,
    pub columns: Vec<ColumnDecl>,
    /// `table r(k: K => v: V)`: the number of leading columns that are the key, and the `=>`.
    pub key: Option<(usize, Span)>,
    /// Whether `locate` gave it a hidden first column: the node it lives on.
    pub located: bool,
    /// A periodic's period: `periodic r(every = <Duration expression>)`.
    pub every: Option<Expr>,
}

/// One named, typed column of a declaration.
pub struct ColumnDecl {
    /// `@col: Addr`: the column of a channel that says where a row goes.
    pub at: Option<Span>,
    pub name: Ident,
    pub ty: Type,
}

/// Bloom's collection kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Filled from outside for the current tick.
    Input,
    /// Persists across ticks.
    Table,
    /// Holds for one tick.
    Scratch,
    /// Read from outside.
    Output,
    /// Messages to the location in its `@` column, sent with `<~`; they last one tick there.
    Channel,
    /// A timer: one row `(n: u64)` per firing, every `every`, by the program's clock.
    Periodic,
    /// One lattice value per key: rows with one key merge; it persists and only grows.
    Lattice,
}

impl Kind {
    /// Whether rows come from outside the rules (the host, or the clock).
    pub fn external(self) -> bool {
        matches!(self, Kind::Input | Kind::Periodic)
    }

    /// Whether its rows carry into the next tick by themselves.
    pub fn persists(self) -> bool {
        matches!(self, Kind::Table | Kind::Lattice)
    }
}

impl Kind {
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Input => "input",
            Kind::Table => "table",
            Kind::Scratch => "scratch",
            Kind::Output => "output",
            Kind::Channel => "channel",
            Kind::Periodic => "periodic",
            Kind::Lattice => "lattice",
        }
    }

    /// The keyword with its article: "a table", "an input".
    pub fn described(self) -> &'static str {
        match self {
            Kind::Input => "an input",
            Kind::Table => "a table",
            Kind::Scratch => "a scratch",
            Kind::Output => "an output",
            Kind::Channel => "a channel",
            Kind::Periodic => "a periodic",
            Kind::Lattice => "a lattice",
        }
    }

    fn from_ident(ident: &Ident) -> Option<Kind> {
        Some(match ident.to_string().as_str() {
            "input" => Kind::Input,
            "table" => Kind::Table,
            "scratch" => Kind::Scratch,
            "output" => Kind::Output,
            "channel" => Kind::Channel,
            "periodic" => Kind::Periodic,
            "lattice" => Kind::Lattice,
            _ => return None,
        })
    }
}

/// A rule: a head, a merge operator, a body.
pub struct Rule {
    pub head: Head,
    pub merge: Merge,
    /// The operator's tokens, for diagnostics about it.
    pub merge_tokens: TokenStream,
    pub body: Vec<BodyItem>,
    /// The rule as written, spacing normalised: for reports and diagnostics.
    pub text: String,
    /// `#[device]`: its map stage runs as an OpenCL kernel.
    pub device: Option<DeviceMark>,
}

/// `#[device]` on a rule: the macro translates its `let`s and `if`s into an OpenCL kernel;
/// `#[device(kernel = expr)]`: `expr` (a `blossom::device::Kernel`) is the kernel, and the
/// rule's one `let` calls it as `kernel(args..)`.
pub struct DeviceMark {
    /// The attribute, for diagnostics about the rule's shape.
    pub span: Span,
    pub kernel: Option<Expr>,
}

impl DeviceMark {
    /// The mark among a rule's attributes, the only attribute a rule may carry.
    fn from_attrs(attrs: &[Attribute]) -> syn::Result<Option<DeviceMark>> {
        let mut mark = None;
        for attr in attrs {
            if !attr.path().is_ident("device") || mark.is_some() {
                return Err(syn::Error::new(
                    attr.span(),
                    "a rule takes one attribute, `#[device]` or `#[device(kernel = expr)]`; other attributes are for declarations",
                ));
            }
            let kernel = match &attr.meta {
                syn::Meta::Path(_) => None,
                syn::Meta::List(list) => {
                    let parsed = list.parse_args_with(|input: ParseStream| {
                        let key: Ident = input.parse()?;
                        if key != "kernel" {
                            return Err(syn::Error::new(key.span(), "expected `kernel = expr`"));
                        }
                        input.parse::<Token![=]>()?;
                        input.parse::<Expr>()
                    })?;
                    Some(parsed)
                }
                syn::Meta::NameValue(_) => {
                    return Err(syn::Error::new(
                        attr.span(),
                        "expected `#[device]` or `#[device(kernel = expr)]`",
                    ));
                }
            };
            mark = Some(DeviceMark {
                span: attr.span(),
                kernel,
            });
        }
        Ok(mark)
    }
}

/// When a rule's head facts take effect (Bloom's four merges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// `<=`: in this tick.
    Now,
    /// `<+`: in the next tick.
    Next,
    /// `<-`: deleted at the next tick.
    Delete,
    /// `<+-`: replaces the row with the same key at the next tick.
    Upsert,
    /// `<~`: sent asynchronously.
    Async,
}

impl Merge {
    pub fn symbol(self) -> &'static str {
        match self {
            Merge::Now => "<=",
            Merge::Next => "<+",
            Merge::Delete => "<-",
            Merge::Upsert => "<+-",
            Merge::Async => "<~",
        }
    }
}

/// A rule's head: the relation it derives into and one expression per column (a channel's `@`
/// column may be written `@expr`).
pub struct Head {
    pub relation: Ident,
    pub args: Vec<Expr>,
    pub args_span: Span,
}

/// One conjunct of a rule body.
// syn's expressions and patterns are large, and larger with proc-macro2's `span-locations`
// (on in this crate's tests); a program has few items, so they are not boxed.
#[allow(clippy::large_enum_variant)]
pub enum BodyItem {
    Atom(Atom),
    If { expr: Expr },
    Let { pat: Pat, expr: Expr },
}

/// A (possibly negated) reference to a relation.
pub struct Atom {
    pub negated: Option<Span>,
    /// `r(@x, ..)`: the first term names the row's node (programs with channels only).
    pub at: Option<Span>,
    pub relation: Ident,
    pub terms: Vec<Term>,
    pub terms_span: Span,
}

/// An argument of a body atom.
#[allow(clippy::large_enum_variant)]
pub enum Term {
    /// `_`: any value.
    Wildcard,
    /// A variable: bound here, or compared with its earlier binding.
    Var(Ident),
    /// A constant the column must equal.
    Const(Expr),
}

impl Parse for Program {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let name = input.parse()?;
        let content;
        braced!(content in input);
        let mut decls = Vec::new();
        let mut rules = Vec::new();
        let mut seals = Vec::new();
        while !content.is_empty() {
            let attrs = content.call(Attribute::parse_outer)?;
            let fork = content.fork();
            let first: Ident = fork.parse()?;
            if first == "seal" && fork.peek(Ident) {
                content.parse::<Ident>()?;
                seals.push(content.parse()?);
                continue;
            }
            match Kind::from_ident(&first).filter(|_| fork.peek(Ident)) {
                Some(kind) => {
                    content.parse::<Ident>()?;
                    decls.push(parse_decl(&content, attrs, kind, first.span())?);
                }
                None => {
                    let device = DeviceMark::from_attrs(&attrs)?;
                    let mut rule: Rule = content.parse()?;
                    rule.device = device;
                    rules.push(rule);
                }
            }
        }
        Ok(Program {
            attrs,
            vis,
            name,
            decls,
            rules,
            seals,
        })
    }
}

impl Parse for Seal {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let relation = input.parse()?;
        let content;
        parenthesized!(content in input);
        let columns = content.parse_terminated(Ident::parse, Token![,])?;
        let when: Ident = input.parse()?;
        if when != "when" {
            return Err(syn::Error::new(
                when.span(),
                "a seal names the relation that completes a key after `when`: `seal r(k) when done;`",
            ));
        }
        let guard = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Seal {
            relation,
            columns: columns.into_iter().collect(),
            guard,
        })
    }
}

fn parse_decl(
    input: ParseStream,
    attrs: Vec<Attribute>,
    kind: Kind,
    kind_span: Span,
) -> syn::Result<Decl> {
    let name: Ident = input.parse()?;
    let content;
    parenthesized!(content in input);
    if kind == Kind::Periodic {
        let every: Ident = content.parse()?;
        if every != "every" {
            return Err(syn::Error::new(
                every.span(),
                "a periodic is declared with its period: `periodic r(every = Duration::from_secs(1))`",
            ));
        }
        content.parse::<Token![=]>()?;
        let period: Expr = content.parse()?;
        input.parse::<Token![;]>()?;
        let n = Ident::new("n", name.span());
        return Ok(Decl {
            attrs,
            kind,
            kind_span,
            name,
            columns: vec![ColumnDecl {
                at: None,
                name: n,
                ty: syn::parse_quote!(u64),
            }],
            key: None,
            located: false,
            every: Some(period),
        });
    }
    let mut columns = Vec::new();
    let mut key = None;
    while !content.is_empty() {
        if content.peek(Token![=>]) {
            let arrow: Token![=>] = content.parse()?;
            if key.is_some() {
                return Err(syn::Error::new_spanned(
                    arrow,
                    "a declaration has one `=>`: the key columns before it, the others after",
                ));
            }
            key = Some((columns.len(), arrow.spans[0]));
            continue;
        }
        columns.push(content.parse::<ColumnDecl>()?);
        if content.is_empty() {
            break;
        }
        if !content.peek(Token![=>]) {
            content.parse::<Token![,]>()?;
        }
    }
    // `lattice r(k: K) -> L`: the value is the last column, named `value`; the others are the key.
    if kind == Kind::Lattice {
        if let Some((_, arrow)) = key {
            return Err(syn::Error::new(
                arrow,
                "a lattice's columns are all its key, and its value follows `->`: `lattice r(k: K) -> L`",
            ));
        }
        let arrow: Token![->] = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("a lattice declares its value's type after `->`: `lattice {name}(k: K) -> Max<u32>`"),
            )
        })?;
        columns.push(ColumnDecl {
            at: None,
            name: Ident::new("value", arrow.spans[0]),
            ty: input.parse()?,
        });
    }
    input.parse::<Token![;]>()?;
    Ok(Decl {
        attrs,
        kind,
        kind_span,
        name,
        columns,
        key,
        located: false,
        every: None,
    })
}

impl Parse for ColumnDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let at = input.parse::<Option<Token![@]>>()?.map(|at| at.span);
        let name = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty = input.parse()?;
        Ok(ColumnDecl { at, name, ty })
    }
}

impl Parse for Rule {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let start = input.cursor();
        let head = input.parse()?;
        let (merge, merge_tokens) = parse_merge(input)?;
        let mut body = Vec::new();
        loop {
            body.push(input.parse()?);
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
                break;
            }
            input.parse::<Token![,]>()?;
        }
        let mut tokens = TokenStream::new();
        let mut cursor = start;
        while cursor != input.cursor() {
            let Some((tree, next)) = cursor.token_tree() else {
                break;
            };
            tokens.extend([tree]);
            cursor = next;
        }
        Ok(Rule {
            head,
            merge,
            merge_tokens,
            body,
            text: tidy(&tokens),
            device: None,
        })
    }
}

/// A merge operator, with its tokens so that a diagnostic underlines all of `<+`, not just `<`.
fn parse_merge(input: ParseStream) -> syn::Result<(Merge, TokenStream)> {
    const EXPECTED: &str = "expected a merge operator after the head: `<=`, `<+`, `<-` or `<~`";
    if input.peek(Token![<=]) {
        let le: Token![<=] = input.parse()?;
        return Ok((Merge::Now, le.to_token_stream()));
    }
    if input.peek(Token![<-]) {
        let arrow: Token![<-] = input.parse()?;
        if let Some(plus) = input.parse::<Option<Token![+]>>()? {
            return Ok((Merge::Upsert, quote::quote!(#arrow #plus)));
        }
        return Ok((Merge::Delete, arrow.to_token_stream()));
    }
    if !input.peek(Token![<]) {
        return Err(input.error(EXPECTED));
    }
    let lt: Token![<] = input.parse()?;
    if let Some(plus) = input.parse::<Option<Token![+]>>()? {
        if let Some(minus) = input.parse::<Option<Token![-]>>()? {
            return Ok((Merge::Upsert, quote::quote!(#lt #plus #minus)));
        }
        return Ok((Merge::Next, quote::quote!(#lt #plus)));
    }
    if let Some(tilde) = input.parse::<Option<Token![~]>>()? {
        return Ok((Merge::Async, quote::quote!(#lt #tilde)));
    }
    if let Some(minus) = input.parse::<Option<Token![-]>>()? {
        return Ok((Merge::Delete, quote::quote!(#lt #minus)));
    }
    Err(syn::Error::new(lt.span, EXPECTED))
}

impl Parse for Head {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let relation = input.parse()?;
        let content;
        let parens = parenthesized!(content in input);
        let args = Punctuated::<HeadArg, Token![,]>::parse_terminated(&content)?;
        let args = args.into_iter().map(|arg| arg.0).collect::<Vec<_>>();
        Ok(Head {
            relation,
            args,
            args_span: parens.span.join(),
        })
    }
}

/// A head argument, with an optional leading `@` (which only marks a channel's location).
struct HeadArg(Expr);

impl Parse for HeadArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.parse::<Option<Token![@]>>()?;
        Ok(HeadArg(input.parse()?))
    }
}

/// `when v >= c`: a threshold in the lattice's own order (`c ⊑ v`), not in Rust's `>=` (which,
/// for `Min`, runs the other way). Once a growing value passes it, it stays passed.
fn threshold(expr: Expr) -> syn::Result<Expr> {
    let Expr::Binary(binary) = &expr else {
        return Err(syn::Error::new(
            expr.span(),
            "`when` tests a threshold in the lattice's order: `when v >= Max::new(10)`",
        ));
    };
    let (small, large) = match binary.op {
        syn::BinOp::Ge(_) => (&binary.right, &binary.left),
        syn::BinOp::Le(_) => (&binary.left, &binary.right),
        _ => {
            return Err(syn::Error::new(
                binary.op.span(),
                "`when` compares in the lattice's order with `>=` or `<=`: `when v >= Max::new(10)`",
            ));
        }
    };
    let op = binary.op.span();
    Ok(syn::parse_quote_spanned! {op=> ::blossom::Lattice::leq(&(#small), &(#large)) })
}

impl Parse for BodyItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![if]) {
            input.parse::<Token![if]>()?;
            return Ok(BodyItem::If {
                expr: input.parse()?,
            });
        }
        if input.peek(Ident) && !input.peek2(syn::token::Paren) {
            let fork = input.fork();
            if fork.parse::<Ident>()? == "when" {
                input.parse::<Ident>()?;
                return Ok(BodyItem::If {
                    expr: threshold(input.parse()?)?,
                });
            }
        }
        if input.peek(Token![let]) {
            input.parse::<Token![let]>()?;
            let mut pat = Pat::parse_single(input)?;
            if input.peek(Token![:]) {
                // `let x: f32 = ..`: a pattern with its type, as in Rust.
                pat = Pat::Type(syn::PatType {
                    attrs: Vec::new(),
                    pat: Box::new(pat),
                    colon_token: input.parse()?,
                    ty: Box::new(input.parse()?),
                });
            }
            input.parse::<Token![=]>()?;
            return Ok(BodyItem::Let {
                pat,
                expr: input.parse()?,
            });
        }
        let negated = input.parse::<Option<Token![!]>>()?.map(|bang| bang.span);
        let relation = input.parse()?;
        let content;
        let parens = parenthesized!(content in input);
        let at = content
            .fork()
            .parse::<Option<Token![@]>>()?
            .map(|at| at.span);
        let terms = Punctuated::<Term, Token![,]>::parse_terminated(&content)?;
        Ok(BodyItem::Atom(Atom {
            negated,
            at,
            relation,
            terms: terms.into_iter().collect(),
            terms_span: parens.span.join(),
        }))
    }
}

impl Parse for Term {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `@x` in a channel atom marks its location column; the `@` itself means nothing more.
        input.parse::<Option<Token![@]>>()?;
        if input.peek(Token![_]) && (input.peek2(Token![,]) || input.peek2(syn::parse::End)) {
            input.parse::<Token![_]>()?;
            return Ok(Term::Wildcard);
        }
        let expr: Expr = input.parse()?;
        match variable(&expr) {
            Some(ident) => Ok(Term::Var(ident.clone())),
            None => Ok(Term::Const(expr)),
        }
    }
}

/// The variable an expression names, if it is a lone identifier that is not a constant.
///
/// Variables are lower-case (`x`, `node_id`, `_tmp`); a lone identifier that starts with an
/// upper-case letter is a Rust constant (`MAX`, `Color::Red` is a path and also a constant).
pub fn variable(expr: &Expr) -> Option<&Ident> {
    let Expr::Path(path) = expr else { return None };
    let ident = path
        .path
        .get_ident()
        .filter(|_| path.qself.is_none() && path.attrs.is_empty())?;
    let first = ident.to_string().chars().next()?;
    (first.is_lowercase() || first == '_').then_some(ident)
}

/// Token text with the spacing a person would use.
pub fn tidy(tokens: &TokenStream) -> String {
    let mut text = tokens
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for (from, to) in [
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        (" .", "."),
        (". ", "."),
        (" :: ", "::"),
        ("& ", "&"),
        ("! ", "!"),
        (" (", "("),
        (" ;", ";"),
        ("@ ", "@"),
    ] {
        text = text.replace(from, to);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_declarations_rules_and_every_body_item() {
        let program: Program = syn::parse2(quote! {
            /// Docs.
            pub Reach {
                input edge(src: u32, dst: u32);
                /// A table.
                table link(src: u32, dst: u32);
                link(a, b) <= edge(a, b), if a != b, let c = a + 1, !link(c, _), edge(1, MAX);
                link(a, b) <+ edge(a, b);
                link(a, b) <- edge(a, b);
                link(a, b) <~ edge(a, b);
            }
        })
        .unwrap();
        assert_eq!(program.name, "Reach");
        assert_eq!(program.decls.len(), 2);
        assert_eq!(program.decls[1].kind, Kind::Table);
        let merges: Vec<_> = program.rules.iter().map(|r| r.merge).collect();
        assert_eq!(
            merges,
            [Merge::Now, Merge::Next, Merge::Delete, Merge::Async]
        );
        let body = &program.rules[0].body;
        assert!(matches!(body[1], BodyItem::If { .. }));
        assert!(matches!(body[2], BodyItem::Let { .. }));
        let BodyItem::Atom(negated) = &body[3] else {
            panic!("expected an atom")
        };
        assert!(negated.negated.is_some());
        assert!(matches!(negated.terms[1], Term::Wildcard));
        let BodyItem::Atom(constants) = &body[4] else {
            panic!("expected an atom")
        };
        assert!(constants.terms.iter().all(|t| matches!(t, Term::Const(_))));
    }

    #[test]
    fn a_relation_may_be_named_like_a_kind() {
        let program: Program = syn::parse2(quote! {
            P { input input(x: u8); output output(x: u8); output(x) <= input(x); }
        })
        .unwrap();
        assert_eq!(program.decls.len(), 2);
        assert_eq!(program.rules.len(), 1);
    }

    #[test]
    fn a_missing_merge_operator_is_an_error() {
        let result: syn::Result<Program> = syn::parse2(quote! { P { a(x) = b(x); } });
        assert!(result.is_err());
    }
}
