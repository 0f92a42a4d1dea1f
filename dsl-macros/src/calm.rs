//! Stage 3b: the CALM analysis. Which dependency edges are monotone, and for each output and
//! each source that reaches it, whether it is safe without coordination (Bud's labels).
//!
//! An edge (a relation read by a rule, to the relation the rule derives) is *non-monotone* when
//! a new row read could take back a row derived before: a negated atom, a head that aggregates,
//! a deletion (`<-`) or an upsert (`<+-`), a lattice value used other than through a declared
//! `Monotone` function (`F.apply(&v)`), a `when` threshold or a merge into a lattice column
//! (Bloom^L's *reveal*), and a join of two relations that channels feed in the same tick, which
//! matches only messages that happen to arrive together (Bud's unguarded asynchrony: a *race*).
//! An edge is *asynchronous* when it is a `<~` rule: its rows arrive when the network says.
//!
//! Along each path from a source (an input, or a periodic, whose firings follow the clock) to
//! an output, the labels combine as in Bud: no asynchrony and no non-monotone edge is
//! coordination-free and deterministic (M); asynchrony alone is confluent (A); non-monotone
//! edges with no asynchrony before them are deterministic given the inputs' ticks (N); a
//! non-monotone edge after asynchrony, or a race, diverges without coordination (D). An output
//! that no rule reads and that shows a lattice's value (`out(k, *v.get()) <= lat(k, v)`) is a
//! *view*: a row is replaced by one for a larger value, and every replica converges to the same
//! rows, so that reveal does not count against it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use syn::visit::Visit;
use syn::{Expr, Type};

use crate::parse::{Kind, Merge};
use crate::resolve::{Hir, Item, RuleHir, Slot, VarId};
use crate::seal::SealHir;

/// The standard lattices of `blossom::lattices`, by name: a column of one of these types (or of
/// a type a `lattice` relation of the program holds) holds lattice values.
const LATTICES: [&str; 15] = [
    "Max",
    "Min",
    "Bool",
    "SetUnion",
    "MapUnion",
    "Pair",
    "DomPair",
    "Lww",
    "GCounter",
    "PNCounter",
    "VectorClock",
    "CausalRegister",
    "OrSet",
    "WithBot",
    "WithTop",
];

/// Why an edge is not monotone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `!r(..)`: a row of `r` arriving later takes back what was derived.
    Negation,
    /// The head aggregates with this function.
    Aggregate(&'static str),
    /// `<-`.
    Deletion,
    /// `<+-`.
    Upsert,
    /// The lattice value bound to this variable is used outside a declared monotone function,
    /// a threshold or a merge.
    Reveal(String),
    /// Joined with this relation, both fed by channels in the same tick.
    Race(usize),
}

impl Reason {
    /// The reason in a sentence's words, naming relations by `name`.
    pub fn describe(&self, from: &str, name: impl Fn(usize) -> String) -> String {
        match self {
            Reason::Negation => format!("negates `{from}`"),
            Reason::Aggregate(function) => format!("aggregates `{from}` with `{function}`"),
            Reason::Deletion => format!("deletes rows, as `{from}` says"),
            Reason::Upsert => format!("overwrites rows by key, as `{from}` says"),
            Reason::Reveal(var) => format!(
                "reveals the lattice value `{var}` of `{from}` (used outside a declared monotone function, a `when` threshold or a merge)"
            ),
            Reason::Race(other) => format!(
                "joins `{from}` with `{}`, both fed by channels in this tick: a message matches only one that arrived in the same tick (a race)",
                name(*other)
            ),
        }
    }

    /// What to do about it when it comes after asynchrony; `seal` is a seal declaration that
    /// would apply, if the rule reads a candidate guard.
    pub fn fix(&self, from: &str, name: impl Fn(usize) -> String, seal: Option<&str>) -> String {
        let sealed = match seal {
            Some(seal) => format!(
                "declare `{seal}` if a key is complete once that holds, so that this rule reads `{from}` only where it is complete"
            ),
            None => format!(
                "negate or aggregate `{from}` only where it is sealed (`seal {from}(key..) when done;`, and read `done` on the key in this rule)"
            ),
        };
        match self {
            Reason::Negation => format!(
                "rows of `{from}` may still be in flight when it is negated: make the fact a lattice and test a threshold with `when` instead of negating, or {sealed}"
            ),
            Reason::Aggregate(_) => format!(
                "the aggregate counts whichever rows of `{from}` have arrived: merge them into a lattice instead (`SetUnion` and `Len`, `Max`, `Min`, `GCounter`) and test a threshold with `when`, or {sealed}"
            ),
            Reason::Deletion | Reason::Upsert => format!(
                "messages reorder, so what is deleted or overwritten depends on timing: keep a log of the actions in `{from}` (a table or a lattice) and compute the state from it where the log is complete"
            ),
            Reason::Reveal(var) => format!(
                "`{var}` still grows as messages arrive: read it through a declared `Monotone` function (`F.apply(&{var})`) or test it with `when`"
            ),
            Reason::Race(other) => format!(
                "keep `{from}` or `{}` in a table (or a lattice) so that a message arriving later still joins",
                name(*other)
            ),
        }
    }
}

/// One dependency edge: `rule` reads `from` to derive `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeReport {
    pub from: usize,
    pub to: usize,
    pub rule: usize,
    pub merge: Merge,
    /// Empty when the edge is monotone.
    pub reasons: Vec<Reason>,
    /// The rule shows a lattice value in an output (a view, not counted as non-monotone).
    pub view: bool,
    /// The guard of the seal that makes a negation or an aggregate of this edge safe.
    pub sealed_by: Option<usize>,
    /// A seal declaration that would make this edge's negation or aggregate safe.
    pub seal_hint: Option<String>,
}

impl EdgeReport {
    pub fn monotone(&self) -> bool {
        self.reasons.is_empty()
    }

    fn asynchronous(&self) -> bool {
        self.merge == Merge::Async
    }
}

/// Bud's labels, from safest to least safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    /// Monotone and synchronous: coordination-free and deterministic.
    Monotone,
    /// Monotone after asynchrony: confluent.
    Async,
    /// Non-monotone, with no asynchrony before it: deterministic given the inputs' ticks.
    Local,
    /// Non-monotone after asynchrony, or a race: diverges without coordination.
    Divergent,
}

/// The worst path from one source to an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathReport {
    pub source: usize,
    pub label: Label,
    /// The path's edges, indexes into [`Calm::edges`], from the source on.
    pub edges: Vec<usize>,
    /// For a divergent path, the edge where it diverges.
    pub diverges_at: Option<usize>,
}

/// An output's label, and the worst path from each source that reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputReport {
    pub output: usize,
    pub label: Label,
    pub paths: Vec<PathReport>,
}

/// The analysis of a whole program.
pub struct Calm {
    pub edges: Vec<EdgeReport>,
    pub outputs: Vec<OutputReport>,
}

/// Where a path stands: what it has met so far, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Clean,
    Async,
    Local,
    /// Non-monotone, then asynchronous: a later non-monotone edge diverges.
    LocalThenAsync,
    Divergent,
}

impl State {
    fn label(self) -> Label {
        match self {
            State::Clean => Label::Monotone,
            State::Async => Label::Async,
            State::Local | State::LocalThenAsync => Label::Local,
            State::Divergent => Label::Divergent,
        }
    }

    /// The state after `edge`: its non-monotone step happens where the rule runs, before a
    /// `<~` sends what it derived.
    fn after(self, edge: &EdgeReport) -> State {
        let mut state = self;
        if edge.reasons.iter().any(|r| matches!(r, Reason::Race(_))) {
            return State::Divergent;
        }
        if !edge.monotone() {
            state = match state {
                State::Clean | State::Local => State::Local,
                _ => State::Divergent,
            };
        }
        if edge.asynchronous() {
            state = match state {
                State::Clean | State::Async => State::Async,
                State::Local | State::LocalThenAsync => State::LocalThenAsync,
                State::Divergent => State::Divergent,
            };
        }
        state
    }
}

/// Classifies every edge of `hir` and labels every output, trusting `seals`.
pub fn calm(hir: &Hir, seals: &[SealHir]) -> Calm {
    let lattice_types = lattice_types(hir);
    let fed = channel_fed(hir);
    // An output that no rule reads ends its paths: it may show a lattice's value (a view).
    let mut read = vec![false; hir.relations.len()];
    for item in hir.rules.iter().flat_map(|rule| &rule.items) {
        if let Item::Atom { relation, .. } = item {
            read[*relation] = true;
        }
    }
    let sink = |r: usize| hir.relations[r].kind == Kind::Output && !read[r];
    let mut edges: Vec<EdgeReport> = Vec::new();
    for (index, rule) in hir.rules.iter().enumerate() {
        let context = Context {
            lattice_types: &lattice_types,
            fed: &fed,
            seals,
            view: sink(rule.head),
        };
        for edge in rule_edges(hir, index, rule, &context) {
            match edges
                .iter_mut()
                .find(|e| (e.from, e.to, e.rule) == (edge.from, edge.to, edge.rule))
            {
                Some(same) => {
                    for reason in edge.reasons {
                        if !same.reasons.contains(&reason) {
                            same.reasons.push(reason);
                        }
                    }
                    same.view |= edge.view;
                    same.sealed_by = same.sealed_by.or(edge.sealed_by);
                    same.seal_hint = same.seal_hint.take().or(edge.seal_hint);
                }
                None => edges.push(edge),
            }
        }
    }
    let outputs = (0..hir.relations.len())
        .filter(|&r| hir.relations[r].kind == Kind::Output)
        .map(|output| label_output(hir, &edges, output))
        .collect();
    Calm { edges, outputs }
}

/// The names of the types that hold lattice values: the standard lattices, and the value type
/// of every `lattice` relation.
fn lattice_types(hir: &Hir) -> BTreeSet<String> {
    let declared = hir
        .relations
        .iter()
        .filter(|decl| decl.kind == Kind::Lattice)
        .filter_map(|decl| decl.columns.last().and_then(|c| type_name(&c.ty)));
    LATTICES
        .iter()
        .map(|s| s.to_string())
        .chain(declared)
        .collect()
}

/// The last segment of a path type: `SetUnion` for `blossom::SetUnion<u32>`.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The relations whose rows this tick come from channels: channels, and what `<=` rules derive
/// from them into relations that do not persist (a table or a lattice keeps a message, so a
/// later one still meets it).
fn channel_fed(hir: &Hir) -> Vec<bool> {
    let mut fed: Vec<bool> = hir
        .relations
        .iter()
        .map(|d| d.kind == Kind::Channel)
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for rule in &hir.rules {
            let head = rule.head;
            if fed[head] || rule.rule.merge != Merge::Now || hir.relations[head].kind.persists() {
                continue;
            }
            let reads_fed = rule.items.iter().any(
                |item| matches!(item, Item::Atom { relation, negated: false, .. } if fed[*relation]),
            );
            if reads_fed {
                fed[head] = true;
                changed = true;
            }
        }
    }
    fed
}

/// What classifying one rule's edges needs to know of the whole program.
struct Context<'a> {
    lattice_types: &'a BTreeSet<String>,
    fed: &'a [bool],
    seals: &'a [SealHir],
    /// The rule derives into an output no rule reads.
    view: bool,
}

/// The edges of one rule, each with the reasons it is not monotone.
fn rule_edges(hir: &Hir, index: usize, rule: &RuleHir, context: &Context) -> Vec<EdgeReport> {
    let (lattice_types, fed, view) = (context.lattice_types, context.fed, context.view);
    // Atoms a seal guards, and the guards themselves, read all there is for their key.
    let guarded = crate::seal::guarded(rule, context.seals);
    let sealed_by = |at: usize| {
        (guarded.iter())
            .find(|&&(atom, guard_at, _)| atom == at || guard_at == at)
            .map(|&(_, _, guard)| guard)
    };
    let mut common = Vec::new();
    if let Some(function) = rule.aggregates.iter().flatten().next() {
        common.push(Reason::Aggregate(function.function.name()));
    }
    match rule.rule.merge {
        Merge::Delete => common.push(Reason::Deletion),
        Merge::Upsert => common.push(Reason::Upsert),
        _ => {}
    }
    let revealed = reveals(hir, rule, lattice_types);
    let atoms: Vec<(usize, usize, bool)> = (rule.items.iter().enumerate())
        .filter_map(|(at, item)| match item {
            Item::Atom {
                relation, negated, ..
            } => Some((at, *relation, *negated)),
            _ => None,
        })
        .collect();
    let fed_atoms: Vec<(usize, usize)> = (atoms.iter())
        .filter(|&&(_, relation, negated)| !negated && fed[relation])
        .map(|&(at, relation, _)| (at, relation))
        .collect();
    let mut edges = Vec::new();
    for &(at, relation, negated) in &atoms {
        let mut reasons = common.clone();
        if negated {
            reasons.push(Reason::Negation);
        }
        let sealed = sealed_by(at);
        if sealed.is_some() {
            reasons.retain(|r| !matches!(r, Reason::Negation | Reason::Aggregate(_)));
        }
        let order_sensitive =
            (reasons.iter()).any(|r| matches!(r, Reason::Negation | Reason::Aggregate(_)));
        let seal_hint = order_sensitive
            .then(|| crate::seal::suggest(hir, rule, at))
            .flatten();
        let mut shows = false;
        for reveal in revealed.iter().filter(|r| r.at == at) {
            if view && reveal.in_head {
                shows = true;
            } else {
                let reason = Reason::Reveal(rule.vars[reveal.var].ident.to_string());
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
        let partner = fed_atoms.iter().find(|&&(other, _)| other != at);
        if let (false, true, Some(&(_, other))) = (negated, fed[relation], partner) {
            reasons.push(Reason::Race(other));
        }
        edges.push(EdgeReport {
            from: relation,
            to: rule.head,
            rule: index,
            merge: rule.rule.merge,
            reasons,
            view: shows,
            sealed_by: sealed,
            seal_hint,
        });
    }
    edges
}

/// The lattice variables of `rule` that it reveals.
fn reveals(hir: &Hir, rule: &RuleHir, lattice_types: &BTreeSet<String>) -> Vec<Revealing> {
    // Where each lattice variable comes from: the atom binding it, or for a `let` binding a
    // lattice value (another lattice variable, or a declared monotone function's result), the
    // atoms of the lattice values it is computed from.
    let mut origins: BTreeMap<VarId, BTreeSet<usize>> = BTreeMap::new();
    for (at, item) in rule.items.iter().enumerate() {
        match item {
            Item::Atom { slots, .. } => {
                for slot in slots {
                    if let Slot::Bind(var) = slot {
                        let lattice = (rule.vars[*var].ty.as_ref())
                            .and_then(type_name)
                            .is_some_and(|name| lattice_types.contains(&name));
                        if lattice {
                            origins.entry(*var).or_default().insert(at);
                        }
                    }
                }
            }
            Item::Let {
                expr, uses, binds, ..
            } if is_apply(expr) || variable(expr).is_some() => {
                let from: BTreeSet<usize> = (uses.iter())
                    .filter_map(|v| origins.get(v))
                    .flatten()
                    .copied()
                    .collect();
                if !from.is_empty() {
                    for var in binds {
                        origins.insert(*var, from.clone());
                    }
                }
            }
            _ => {}
        }
    }
    if origins.is_empty() {
        return Vec::new();
    }
    let names: BTreeMap<String, VarId> = (origins.keys())
        .map(|&v| (rule.vars[v].ident.to_string(), v))
        .collect();
    let mut body = Revealed {
        names: &names,
        found: BTreeSet::new(),
    };
    for item in &rule.items {
        match item {
            Item::If { expr, .. } => body.condition(expr),
            // A lattice value bound as it is, or through a monotone function, stays one.
            Item::Let { expr, .. } => body.check(expr, true),
            Item::Atom { slots, .. } => {
                for slot in slots {
                    if let Slot::Const { expr, .. } = slot {
                        body.check(expr, false);
                    }
                }
            }
        }
    }
    let mut head = Revealed {
        names: &names,
        found: BTreeSet::new(),
    };
    let head_types = &hir.relations[rule.head].columns;
    for (arg, column) in rule.rule.head.args.iter().zip(head_types) {
        // A lattice value merged into a lattice column stays a lattice value.
        let lattice_column = type_name(&column.ty).is_some_and(|n| lattice_types.contains(&n));
        head.check(arg, lattice_column);
    }
    let found = (body.found.into_iter().map(|var| (var, false)))
        .chain(head.found.into_iter().map(|var| (var, true)));
    found
        .flat_map(|(var, in_head)| {
            origins[&var]
                .iter()
                .map(move |&at| Revealing { var, at, in_head })
        })
        .collect()
}

/// A lattice variable used as a plain value: where it was read, and whether only the head
/// uses it so (then, into an output, it is a view).
struct Revealing {
    var: VarId,
    /// The body item (an atom) it was read from.
    at: usize,
    in_head: bool,
}

/// `F.apply(..)`: a declared monotone function.
fn is_apply(expr: &Expr) -> bool {
    matches!(expr, Expr::MethodCall(call) if call.method == "apply" && call.args.len() == 1)
}

/// The variable an expression is, if it is one (through `&` and parentheses).
fn variable(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => variable(&r.expr),
        Expr::Paren(p) => variable(&p.expr),
        _ => None,
    }
}

/// Finds the lattice variables an expression uses as plain values. A lattice value may be used
/// as it is where a lattice is expected, or passed to a declared monotone function (`F.apply(&x)`)
/// whose result is then itself a lattice value, used under the same rule; a threshold (`when`,
/// which becomes `::blossom::Lattice::leq(&(a), &(b))`) compares lattice values. Anything else
/// (a method such as `.get()`, arithmetic, a comparison, a negated threshold) reveals them.
struct Revealed<'a> {
    names: &'a BTreeMap<String, VarId>,
    found: BTreeSet<VarId>,
}

impl Revealed<'_> {
    /// Checks `expr`, where a lattice value is `allowed` or not.
    fn check(&mut self, expr: &Expr, allowed: bool) {
        match expr {
            Expr::Paren(inner) => self.check(&inner.expr, allowed),
            Expr::Group(inner) => self.check(&inner.expr, allowed),
            Expr::Reference(inner) => self.check(&inner.expr, allowed),
            Expr::MethodCall(call) if is_apply(expr) => {
                self.visit_expr(&call.receiver);
                for arg in &call.args {
                    self.check(arg, allowed);
                }
            }
            Expr::Path(_) if allowed => {}
            _ => self.visit_expr(expr),
        }
    }

    /// Checks an `if` or `when` condition: a threshold compares lattice values.
    fn condition(&mut self, expr: &Expr) {
        match expr {
            Expr::Call(call) if is_threshold(&call.func) => {
                for arg in &call.args {
                    self.check(arg, true);
                }
            }
            _ => self.check(expr, false),
        }
    }
}

/// `::blossom::Lattice::leq`, which a `when` threshold becomes.
fn is_threshold(func: &Expr) -> bool {
    let Expr::Path(path) = func else {
        return false;
    };
    let names: Vec<String> = (path.path.segments.iter())
        .map(|s| s.ident.to_string())
        .collect();
    names.ends_with(&["Lattice".to_string(), "leq".to_string()])
}

/// Everything under an expression that is not a place for a lattice value reveals the lattice
/// variables it uses.
impl<'ast> Visit<'ast> for Revealed<'_> {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(&var) = (path.path.get_ident()).and_then(|i| self.names.get(&i.to_string())) {
            self.found.insert(var);
        }
    }
}

/// The worst path from each source to `output`.
fn label_output(hir: &Hir, edges: &[EdgeReport], output: usize) -> OutputReport {
    let sources = (0..hir.relations.len()).filter(|&r| hir.relations[r].kind.external());
    let mut paths = Vec::new();
    for source in sources {
        let start = match hir.relations[source].kind {
            Kind::Periodic => State::Async,
            _ => State::Clean,
        };
        if let Some(path) = worst_path(edges, source, start, output) {
            paths.push(path);
        }
    }
    let label = paths
        .iter()
        .map(|p| p.label)
        .max()
        .unwrap_or(Label::Monotone);
    OutputReport {
        output,
        label,
        paths,
    }
}

/// The path from `source` to `output` that ends in the worst state, found breadth-first over
/// (relation, state) pairs, so it is also a shortest one.
fn worst_path(
    edges: &[EdgeReport],
    source: usize,
    start: State,
    output: usize,
) -> Option<PathReport> {
    let mut came_by: BTreeMap<(usize, State), Option<(usize, State)>> = BTreeMap::new();
    came_by.insert((source, start), None);
    let mut queue = VecDeque::from([(source, start)]);
    while let Some((relation, state)) = queue.pop_front() {
        for (index, edge) in edges.iter().enumerate() {
            if edge.from != relation {
                continue;
            }
            let next = (edge.to, state.after(edge));
            if let std::collections::btree_map::Entry::Vacant(entry) = came_by.entry(next) {
                entry.insert(Some((index, state)));
                queue.push_back(next);
            }
        }
    }
    let (&(_, end), _) = (came_by.iter())
        .filter(|((relation, _), _)| *relation == output)
        .max_by_key(|((_, state), _)| state.label())?;
    let mut path = Vec::new();
    let mut diverges_at = None;
    let mut at = (output, end);
    while let Some(&Some((edge, before))) = came_by.get(&at) {
        path.push(edge);
        if at.1 == State::Divergent && before != State::Divergent {
            diverges_at = Some(edge);
        }
        at = (edges[edge].from, before);
    }
    path.reverse();
    Some(PathReport {
        source,
        label: end.label(),
        edges: path,
        diverges_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Program;
    use quote::quote;

    /// What the analysis says of a program: its non-monotone edges as `from -> to: reasons`,
    /// and each output's label with the label of each source's worst path.
    struct Seen {
        non_monotone: Vec<String>,
        outputs: BTreeMap<String, (Label, Vec<(String, Label)>)>,
        fixes: Vec<String>,
        views: usize,
    }

    fn seen(tokens: proc_macro2::TokenStream) -> Seen {
        let mut program: Program = syn::parse2(tokens).expect("parses");
        crate::locate::locate(&mut program).expect("locates");
        let hir = crate::resolve::resolve(&program).expect("resolves");
        let seals = crate::seal::resolve(&hir).expect("seals resolve");
        let calm = calm(&hir, &seals);
        let name = |r: usize| hir.relations[r].name.to_string();
        let non_monotone = (calm.edges.iter())
            .filter(|e| !e.monotone())
            .map(|e| {
                let reasons: Vec<String> = e.reasons.iter().map(|r| format!("{r:?}")).collect();
                format!("{} -> {}: {}", name(e.from), name(e.to), reasons.join(", "))
            })
            .collect();
        let outputs = (calm.outputs.iter())
            .map(|o| {
                let paths = o.paths.iter().map(|p| (name(p.source), p.label)).collect();
                (name(o.output), (o.label, paths))
            })
            .collect();
        let fixes = (calm.outputs.iter())
            .flat_map(|o| &o.paths)
            .filter_map(|p| p.diverges_at)
            .map(|e| {
                let edge = &calm.edges[e];
                edge.reasons[0].fix(&name(edge.from), name, edge.seal_hint.as_deref())
            })
            .collect();
        let views = calm.edges.iter().filter(|e| e.view).count();
        Seen {
            non_monotone,
            outputs,
            fixes,
            views,
        }
    }

    fn label_of(seen: &Seen, output: &str) -> Label {
        seen.outputs[output].0
    }

    #[test]
    fn reachability_is_monotone_and_unreachable_is_not() {
        let seen = seen(quote! {
            P {
                input edge(a: u32, b: u32);
                input node(n: u32);
                input source(n: u32);
                table link(a: u32, b: u32);
                scratch reached(n: u32);
                output path(a: u32, b: u32);
                output unreachable(n: u32);
                link(a, b) <= edge(a, b);
                path(a, b) <= link(a, b);
                path(a, c) <= path(a, b), link(b, c);
                reached(n) <= source(n);
                reached(b) <= reached(a), link(a, b);
                unreachable(n) <= node(n), !reached(n);
            }
        });
        assert_eq!(seen.non_monotone, ["reached -> unreachable: Negation"]);
        assert_eq!(label_of(&seen, "path"), Label::Monotone);
        assert_eq!(label_of(&seen, "unreachable"), Label::Local);
        // `node` reaches it monotonically; `source` and `edge` through the negation.
        let paths = &seen.outputs["unreachable"].1;
        assert!(
            paths.contains(&("node".to_string(), Label::Monotone)),
            "{paths:?}"
        );
        assert!(
            paths.contains(&("source".to_string(), Label::Local)),
            "{paths:?}"
        );
        assert!(
            paths.contains(&("edge".to_string(), Label::Local)),
            "{paths:?}"
        );
    }

    #[test]
    fn local_shortest_paths_has_exactly_the_expected_points_of_order() {
        // Bud's LocalShortestPaths: paths, the shortest by argmin, statistics per pair, and a
        // deletion that the shortest paths drive.
        let seen = seen(quote! {
            P {
                input new_link(a: u32, b: u32, cost: u32);
                table link(a: u32, b: u32, cost: u32);
                scratch path(a: u32, b: u32, next: u32, cost: u32);
                output shortest(a: u32, b: u32, next: u32);
                output stats(a: u32, b: u32, n: u64, low: u32, high: u32);
                link(a, b, c) <= new_link(a, b, c);
                path(a, b, b, c) <= link(a, b, c);
                path(a, c, b, k) <= link(a, b, x), path(b, c, _, y), let k = x + y, if k < 100;
                shortest(a, b, argmin(c, n)) <= path(a, b, n, c);
                stats(a, b, count(), min(c), max(c)) <= path(a, b, _, c);
                link(a, b, c) <- link(a, b, c), shortest(a, b, n), if n != b;
            }
        });
        assert_eq!(
            seen.non_monotone,
            [
                "path -> shortest: Aggregate(\"argmin\")",
                "path -> stats: Aggregate(\"count\")",
                "link -> link: Deletion",
                "shortest -> link: Deletion",
            ]
        );
        assert_eq!(label_of(&seen, "shortest"), Label::Local);
        assert_eq!(label_of(&seen, "stats"), Label::Local);
    }

    #[test]
    fn a_join_with_a_comparison_is_monotone() {
        let seen = seen(quote! {
            P {
                input p(a: u32, x: u32);
                input q(b: u32, y: u32);
                output close(a: u32, b: u32);
                close(a, b) <= p(a, x), q(b, y), if x < y && y - x < 3;
            }
        });
        assert!(seen.non_monotone.is_empty(), "{:?}", seen.non_monotone);
        assert_eq!(label_of(&seen, "close"), Label::Monotone);
    }

    #[test]
    fn lattices_read_through_declared_functions_and_thresholds_are_monotone() {
        let seen = seen(quote! {
            P {
                input source(n: u32);
                input edge(a: u32, b: u32, w: u32);
                table link(a: u32, b: u32, w: u32);
                lattice dist(n: u32) -> Min<u32>;
                lattice voters(p: u32) -> SetUnion<u32>;
                output distance(n: u32, d: u32);
                output near(n: u32);
                output passed(p: u32);
                link(a, b, w) <= edge(a, b, w);
                dist(n, Min::new(0)) <= source(n);
                dist(b, Plus(w).apply(&d)) <= dist(a, d), link(a, b, w);
                voters(p, SetUnion::singleton(v)) <= edge(p, v, _);
                distance(n, *d.get()) <= dist(n, d);
                near(n) <= dist(n, d), when d >= Min::new(10);
                passed(p) <= voters(p, s), let n = Len.apply(&s), when n >= Max::new(3);
            }
        });
        assert!(seen.non_monotone.is_empty(), "{:?}", seen.non_monotone);
        assert!(
            seen.outputs
                .values()
                .all(|(label, _)| *label == Label::Monotone)
        );
        // `distance` shows the lattice's value: a view.
        assert_eq!(seen.views, 1);
    }

    #[test]
    fn a_revealed_lattice_value_is_not_monotone() {
        let seen = seen(quote! {
            P {
                input source(n: u32);
                input edge(a: u32, b: u32, w: u32);
                lattice dist(n: u32) -> Min<u32>;
                output far(n: u32);
                output count(n: u32, c: usize);
                scratch big(n: u32);
                scratch small(n: u32);
                dist(n, Min::new(0)) <= source(n);
                dist(b, Min::new(*d.get() + w)) <= dist(a, d), edge(a, b, w);
                far(n) <= dist(n, d), if *d.get() > 10;
                count(n, Len.apply(&s).into_reveal()) <= dist(n, s);
            }
        });
        assert_eq!(
            seen.non_monotone,
            ["dist -> dist: Reveal(\"d\")", "dist -> far: Reveal(\"d\")",]
        );
        assert_eq!(label_of(&seen, "far"), Label::Local);
    }

    #[test]
    fn a_lattice_shown_in_an_output_that_rules_read_is_not_a_view() {
        let seen = seen(quote! {
            P {
                input source(n: u32);
                lattice dist(n: u32) -> Min<u32>;
                output distance(n: u32, d: u32);
                output total(d: u32);
                dist(n, Min::new(n)) <= source(n);
                distance(n, *d.get()) <= dist(n, d);
                total(max(d)) <= distance(_, d);
            }
        });
        assert_eq!(seen.views, 0);
        assert_eq!(
            seen.non_monotone,
            [
                "dist -> distance: Reveal(\"d\")",
                "distance -> total: Aggregate(\"max\")"
            ]
        );
    }

    #[test]
    fn negation_after_a_channel_diverges_and_says_how_to_fix_it() {
        let seen = seen(quote! {
            P {
                input ask(to: Addr, k: u32);
                input have(k: u32);
                channel request(@to: Addr, k: u32);
                table asked(k: u32);
                output missing(k: u32);
                output seen(k: u32);
                request(@t, k) <~ ask(t, k);
                asked(k) <= request(_, k);
                seen(k) <= asked(k);
                missing(k) <= have(k), !asked(k);
            }
        });
        assert_eq!(label_of(&seen, "seen"), Label::Async);
        assert_eq!(label_of(&seen, "missing"), Label::Divergent);
        let paths = &seen.outputs["missing"].1;
        assert!(
            paths.contains(&("have".to_string(), Label::Monotone)),
            "{paths:?}"
        );
        assert!(
            paths.contains(&("ask".to_string(), Label::Divergent)),
            "{paths:?}"
        );
        assert_eq!(seen.fixes.len(), 1);
        assert!(seen.fixes[0].contains("`asked`"), "{:?}", seen.fixes);
        assert!(seen.fixes[0].contains("threshold"), "{:?}", seen.fixes);
    }

    #[test]
    fn two_channels_joined_in_a_tick_race_unless_one_is_kept() {
        let seen = seen(quote! {
            P {
                input a(to: Addr, k: u32);
                input b(to: Addr, k: u32);
                channel left(@to: Addr, k: u32);
                channel right(@to: Addr, k: u32);
                table kept(k: u32);
                output raced(k: u32);
                output joined(k: u32);
                left(@t, k) <~ a(t, k);
                right(@t, k) <~ b(t, k);
                kept(k) <= right(_, k);
                raced(k) <= left(_, k), right(_, k);
                joined(k) <= left(_, k), kept(k);
            }
        });
        assert_eq!(
            seen.non_monotone,
            ["left -> raced: Race(3)", "right -> raced: Race(2)"],
        );
        assert_eq!(label_of(&seen, "raced"), Label::Divergent);
        assert_eq!(label_of(&seen, "joined"), Label::Async);
        assert!(
            seen.fixes.iter().all(|f| f.contains("table")),
            "{:?}",
            seen.fixes
        );
    }

    /// The cart of Bloom's example, with `seals` declared.
    fn cart(seals: proc_macro2::TokenStream) -> Seen {
        seen(quote! {
            P {
                input action(s: u32, q: u32, item: u32, d: i32);
                input checkout(s: u32, last: u32);
                channel op(@to: Addr, s: u32, q: u32, item: u32, d: i32);
                channel done(@to: Addr, s: u32, last: u32);
                table ops(s: u32, q: u32, item: u32, d: i32);
                table closing(s: u32, last: u32);
                lattice seen(s: u32) -> SetUnion<u32>;
                scratch complete(s: u32);
                output cart(s: u32, item: u32, qty: i32);
                #seals
                op(@Addr(0), s, q, i, d) <~ action(s, q, i, d);
                done(@Addr(0), s, n) <~ checkout(s, n);
                ops(s, q, i, d) <= op(_, s, q, i, d);
                seen(s, SetUnion::singleton(q)) <= op(_, s, q, _, _);
                closing(s, n) <= done(_, s, n);
                complete(s) <= seen(s, x), closing(s, n), let k = Prefix.apply(&x), when k >= Max::new(n);
                cart(s, i, sum(d)) <= complete(s), closing(s, n), ops(s, q, i, d), if q <= n;
            }
        })
    }

    #[test]
    fn seals_make_an_aggregate_after_channels_safe_and_the_fix_names_them() {
        let open = cart(quote!());
        assert_eq!(label_of(&open, "cart"), Label::Divergent);
        // The fix proposes the seal to declare, with the guard the rule already reads.
        assert!(
            open.fixes
                .iter()
                .any(|f| f.contains("`seal closing(s) when complete;`")
                    || f.contains("`seal ops(s) when complete;`")),
            "{:?}",
            open.fixes
        );
        let half = cart(quote!(seal ops(s) when complete;));
        assert_eq!(label_of(&half, "cart"), Label::Divergent);
        assert_eq!(
            half.non_monotone,
            ["closing -> cart: Aggregate(\"sum\")"],
            "the guard and the sealed relation are safe, `closing` is not yet"
        );
        assert!(
            half.fixes[0].contains("`seal closing(s) when complete;`"),
            "{:?}",
            half.fixes
        );
        let sealed = cart(quote!(seal ops(s) when complete; seal closing(s) when complete;));
        assert!(sealed.non_monotone.is_empty(), "{:?}", sealed.non_monotone);
        assert_eq!(label_of(&sealed, "cart"), Label::Async);
    }

    #[test]
    fn a_seal_guards_only_a_rule_that_reads_its_guard_on_the_same_key() {
        let seen = seen(quote! {
            P {
                input a(k: u32, v: u32);
                input done(k: u32);
                channel m(@to: Addr, k: u32, v: u32);
                table got(k: u32, v: u32);
                output total(k: u32, n: u64);
                output other(k: u32, n: u64);
                seal got(k) when done;
                m(@Addr(0), k, v) <~ a(k, v);
                got(k, v) <= m(_, k, v);
                total(k, count()) <= done(k), got(k, _);
                other(k, count()) <= done(j), got(k, _), if j == k;
            }
        });
        assert_eq!(label_of(&seen, "total"), Label::Async);
        assert_eq!(label_of(&seen, "other"), Label::Divergent);
    }

    fn seal_errors(tokens: proc_macro2::TokenStream) -> Vec<String> {
        let program: Program = syn::parse2(tokens).expect("parses");
        let hir = crate::resolve::resolve(&program).expect("resolves");
        match crate::seal::resolve(&hir) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_seal_must_name_a_relation_its_columns_and_a_guard_of_the_key_s_width() {
        let errors = seal_errors(quote! {
            P {
                input a(k: u32, v: u32);
                input done(k: u32);
                seal a(k, w) when done;
                seal b(k) when done;
                seal a(k, v) when done;
                seal a(k) when a;
            }
        });
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].contains("`a` has no column `w`"), "{errors:#?}");
        assert!(errors[1].contains("no relation `b`"), "{errors:#?}");
        assert!(
            errors[2].contains("`done` has 1 column(s) and the seal's key 2"),
            "{errors:#?}"
        );
        assert!(errors[3].contains("cannot seal itself"), "{errors:#?}");
    }
}
