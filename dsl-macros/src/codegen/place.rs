//! Placement: where each relation's rows live, and which exchanges move rows between workers.
//!
//! A row of a relation partitioned by columns `c, ..` lives on the worker its hash picks
//! (`rt::place`). The planner partitions each input and each relation whose rows a union folds
//! by the key that most of the joins reading it use (an index's key columns, or the columns of
//! a rule's first atom that the next atom joins on), unless the program declares one with
//! `#[partition(col, ..)]` on an input. A join's index whose relation is partitioned by the
//! index's key is local: its exchange moves nothing. Every exchange gets a number, which the
//! generated code passes to the runtime's counters and `explain` shows.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::{internal, row_type};
use crate::parse::{Decl, Kind};
use crate::plan::{KeyPart, Plan, RulePlan, Stage, Use};
use crate::resolve::Hir;

/// Where a relation's rows live.
#[derive(Clone, PartialEq, Eq)]
pub enum Home {
    /// Partitioned by these columns, in this order: declared, or read by `joins` joins by them.
    Key {
        columns: Vec<usize>,
        declared: bool,
        joins: usize,
    },
    /// Spread by the whole row: its union folds rows, and no join reads it.
    Row,
    /// Where the host put its rows: an input that no join reads.
    Host,
    /// Where rule `.0` derives it: one rule whose rows need no folding, so nothing moves them.
    Derived(usize),
    /// By its key columns, where each key's values merge.
    Lattice(Vec<usize>),
    /// As a semi-naive stratum places it (its own partition, or worker 0).
    SemiNaive,
    /// Where the program's hub keeps it (`super::hub`): an input by the lattice key it is
    /// sent to, a derived relation where the hub derives it.
    Hub(Location),
}

impl Home {
    /// The columns whose hash places a row, when the plan knows them.
    fn columns(&self, arity: usize) -> Option<Vec<usize>> {
        match self {
            Home::Key { columns, .. } | Home::Lattice(columns) => Some(columns.clone()),
            Home::Row => Some((0..arity).collect()),
            Home::Host | Home::Derived(_) | Home::SemiNaive | Home::Hub(_) => None,
        }
    }
}

/// A place where rows are sent to the worker that owns their key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
    /// An input's rows, as the host spread them, sent to their partition.
    Input(usize),
    /// A relation's rows, folded by the union of what its rules derive.
    Union(usize),
    /// Index `.1` of a stratum (`Some`) or of the transition (`None`).
    Index(Option<usize>, usize),
    /// A rule's first atom, arranged by the key of its second.
    Scan(Option<usize>, usize),
    /// What stage `.2` of a rule matched, arranged by the next stage's key.
    Arrange(Option<usize>, usize, usize),
}

/// One exchange of the plan.
pub struct Exchange {
    pub site: Site,
    /// The relation whose rows it moves (none for a rule's intermediate matches).
    pub relation: Option<usize>,
    /// What it is, in words.
    pub what: String,
    /// What it routes rows by: column or variable names.
    pub by: Vec<String>,
    /// Whether the rows are on their worker already, so that it moves none.
    pub local: bool,
    /// The rules that read what it arranges.
    pub rules: Vec<usize>,
}

/// The placement of a whole program.
pub struct Placement {
    pub homes: Vec<Home>,
    pub exchanges: Vec<Exchange>,
}

impl Placement {
    /// The number of the exchange at `site`, if the plan has one there.
    pub fn id(&self, site: Site) -> Option<usize> {
        self.exchanges.iter().position(|e| e.site == site)
    }

    /// `Some(|row| hash(key columns))`, or `None` to place rows by their whole row: the
    /// partition function of relation `r`, as `rt::place` takes it.
    pub fn key_function(&self, hir: &Hir, r: usize) -> TokenStream {
        let decl = hir.relations[r];
        let Home::Key { columns, .. } = &self.homes[r] else {
            return quote!(::core::option::Option::None);
        };
        let (row, row_ty) = (internal("row"), row_type(decl));
        let columns = columns.iter().map(|&c| match decl.columns.len() {
            1 => quote!(#row),
            _ => {
                let c = syn::Index::from(c);
                quote!(&#row.#c)
            }
        });
        quote! {
            ::core::option::Option::Some(|#row: &#row_ty| ::blossom::rt::place::hash(&(#(#columns,)*)))
        }
    }
}

/// The columns of `decl` that `#[partition(a, b)]` names, if it has the attribute.
pub fn declared(decl: &Decl) -> syn::Result<Option<Vec<usize>>> {
    let Some(attr) = decl.attrs.iter().find(|a| a.path().is_ident("partition")) else {
        return Ok(None);
    };
    if decl.kind != Kind::Input {
        return Err(syn::Error::new(
            attr.span(),
            "`#[partition(..)]` is for inputs: the planner places derived relations by the joins that read them",
        ));
    }
    let names = attr.parse_args_with(
        syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_separated_nonempty,
    )?;
    names
        .iter()
        .map(|name| {
            (decl.columns.iter().position(|c| c.name == *name)).ok_or_else(|| {
                syn::Error::new(
                    name.span(),
                    format!("`{}` has no column `{name}`", decl.name),
                )
            })
        })
        .collect::<syn::Result<Vec<usize>>>()
        .map(Some)
}

/// The columns of a rule's first atom that the second atom's key reads, in the key's order.
fn scan_key(stage: &Stage) -> Option<Vec<usize>> {
    let (key, _) = stage.next.as_ref()?;
    key.iter()
        .map(|part| {
            let var = part.var()?;
            let (column, _) = (stage.columns.iter())
                .find(|(_, usage)| matches!(usage, Use::Bind(v) if *v == var))?;
            Some(*column)
        })
        .collect()
}

/// The rule plans and index plans of every scope that runs on differential dataflow: the
/// strata that are not semi-naive (`Some(stratum)`) and the transition (`None`).
fn scopes<'a, 'p>(
    plan: &'a Plan<'p>,
    semi_naive: &'a [bool],
) -> Vec<(
    Option<usize>,
    &'a [crate::plan::IndexPlan<'p>],
    &'a [RulePlan<'p>],
)> {
    let mut scopes: Vec<_> = (plan.strata.iter().enumerate())
        .filter(|(s, _)| !semi_naive[*s])
        .map(|(s, stratum)| (Some(s), &stratum.indexes[..], &stratum.rules[..]))
        .collect();
    scopes.push((
        None,
        &plan.transition.indexes[..],
        &plan.transition.rules[..],
    ));
    scopes
}

/// Places every relation of `plan` and numbers its exchanges. `semi_naive[s]`: whether
/// stratum `s` runs as a semi-naive fixpoint; `folds(r)`: whether relation `r`'s rows are
/// made by a union that folds them (else one rule derives them, `derived_by(r)`).
pub fn place(
    hir: &Hir,
    plan: &Plan,
    semi_naive: &[bool],
    folds: impl Fn(usize) -> Option<Result<(), usize>>,
) -> syn::Result<Placement> {
    let scopes = scopes(plan, semi_naive);
    // How many rule stages read each relation by each key, in the order first met.
    let mut wanted: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    let mut want = |relation: usize, key: Vec<usize>, count: usize| match (wanted.iter_mut())
        .find(|(r, k, _)| *r == relation && *k == key)
    {
        Some((_, _, n)) => *n += count,
        None => wanted.push((relation, key, count)),
    };
    for (_, indexes, rules) in &scopes {
        for (i, index) in indexes.iter().enumerate() {
            let uses = (rules.iter().flat_map(|r| &r.stages))
                .filter(|s| s.index == Some(i))
                .count();
            want(index.relation, index.key.clone(), uses.max(1));
        }
        for rule in rules.iter() {
            if let Some(key) = rule.stages.first().and_then(scan_key) {
                want(rule.stages[0].relation, key, 1);
            }
        }
    }
    let best = |r: usize| -> Option<(Vec<usize>, usize)> {
        let mut best: Option<(Vec<usize>, usize)> = None;
        for (relation, key, count) in &wanted {
            if *relation == r && !key.is_empty() && best.as_ref().is_none_or(|b| *count > b.1) {
                best = Some((key.clone(), *count));
            }
        }
        best
    };
    let mut homes = Vec::with_capacity(hir.relations.len());
    for (r, decl) in hir.relations.iter().enumerate() {
        let in_semi_naive = (plan.strata.iter().enumerate())
            .any(|(s, stratum)| semi_naive[s] && stratum.relations.contains(&r));
        let declared = declared(decl)?;
        let home = if let Some(columns) = declared {
            Home::Key {
                columns,
                declared: true,
                joins: 0,
            }
        } else if decl.kind == Kind::Lattice {
            Home::Lattice((0..decl.columns.len() - 1).collect())
        } else if in_semi_naive {
            Home::SemiNaive
        } else if decl.kind.external() {
            best(r).map_or(Home::Host, |(columns, joins)| Home::Key {
                columns,
                declared: false,
                joins,
            })
        } else {
            match folds(r) {
                Some(Err(rule)) => Home::Derived(rule),
                _ => best(r).map_or(Home::Row, |(columns, joins)| Home::Key {
                    columns,
                    declared: false,
                    joins,
                }),
            }
        };
        homes.push(home);
    }
    let names = |r: usize, columns: &[usize]| -> Vec<String> {
        let decl = hir.relations[r];
        (columns.iter())
            .map(|&c| decl.columns[c].name.to_string())
            .collect()
    };
    let local = |r: usize, key: &[usize]| {
        let arity = hir.relations[r].columns.len();
        homes[r].columns(arity).is_some_and(|c| c == key)
    };
    let mut exchanges = Vec::new();
    for (r, home) in homes.iter().enumerate() {
        let Home::Key { columns, .. } = home else {
            continue;
        };
        let site = match hir.relations[r].kind.external() {
            true => Site::Input(r),
            false => Site::Union(r),
        };
        let what = match site {
            Site::Input(_) => "input rows sent to the worker of their partition",
            _ => "derived rows folded on the worker of their partition",
        };
        let local = site == Site::Union(r) && derived_in_place(hir, plan, semi_naive, r, columns);
        exchanges.push(Exchange {
            site,
            relation: Some(r),
            what: what.into(),
            by: names(r, columns),
            local,
            rules: Vec::new(),
        });
    }
    for (r, home) in homes.iter().enumerate() {
        if *home == Home::Row {
            exchanges.push(Exchange {
                site: Site::Union(r),
                relation: Some(r),
                what: "derived rows folded on the worker of their whole row".into(),
                by: names(r, &(0..hir.relations[r].columns.len()).collect::<Vec<_>>()),
                local: false,
                rules: Vec::new(),
            });
        }
    }
    for (scope, indexes, rules) in &scopes {
        for (i, index) in indexes.iter().enumerate() {
            let readers: Vec<usize> = (rules.iter())
                .filter(|r| r.stages.iter().any(|s| s.index == Some(i)))
                .map(|r| r.rule)
                .collect();
            let what = match index.keys_only {
                true => "keys a negation tests",
                false => "index a join reads",
            };
            exchanges.push(Exchange {
                site: Site::Index(*scope, i),
                relation: Some(index.relation),
                what: what.into(),
                by: names(index.relation, &index.key),
                local: local(index.relation, &index.key),
                rules: readers,
            });
        }
        for rule in rules.iter() {
            let vars = |key: &[KeyPart]| -> Vec<String> {
                (key.iter())
                    .map(|p| match p.var() {
                        Some(v) => hir.rules[rule.rule].vars[v].ident.to_string(),
                        None => "(expression)".into(),
                    })
                    .collect()
            };
            for (k, stage) in rule.stages.iter().enumerate() {
                let Some((next, _)) = &stage.next else {
                    continue;
                };
                if k == 0 {
                    let key = scan_key(stage);
                    exchanges.push(Exchange {
                        site: Site::Scan(*scope, rule.rule),
                        relation: Some(stage.relation),
                        what: "first atom arranged by the next atom's key".into(),
                        by: vars(next),
                        local: key.is_some_and(|key| local(stage.relation, &key)),
                        rules: vec![rule.rule],
                    });
                } else {
                    let same = (stage.key.iter().map(KeyPart::var))
                        .eq(next.iter().map(KeyPart::var))
                        && next.iter().all(|p| p.var().is_some());
                    exchanges.push(Exchange {
                        site: Site::Arrange(*scope, rule.rule, k),
                        relation: None,
                        what: format!("matches of atom {} arranged by the next key", k + 1),
                        by: vars(next),
                        local: same,
                        rules: vec![rule.rule],
                    });
                }
            }
        }
    }
    Ok(Placement { homes, exchanges })
}

/// Whether every row of relation `r` is derived on the worker that owns it by `columns`: it
/// carries no rows from the last tick, and each rule deriving it ends with a join on a key
/// whose variables are the head's expressions at `columns`, in order (a join's matches are
/// made on the worker of its key).
fn derived_in_place(
    hir: &Hir,
    plan: &Plan,
    semi_naive: &[bool],
    r: usize,
    columns: &[usize],
) -> bool {
    let Some((_, stratum)) = (plan.strata.iter().enumerate())
        .find(|(s, stratum)| !semi_naive[*s] && stratum.relations.contains(&r))
    else {
        return false;
    };
    let rules: Vec<&RulePlan> = (stratum.rules.iter())
        .filter(|rule| hir.rules[rule.rule].head == r)
        .collect();
    !plan.carried.contains(&r)
        && !rules.is_empty()
        && rules.iter().all(|rule| {
            let hir_rule = &hir.rules[rule.rule];
            let Some(last) = rule.stages.last().filter(|_| rule.stages.len() > 1) else {
                return false;
            };
            let head = &hir_rule.rule.head.args;
            !hir_rule.aggregates()
                && last.key.len() == columns.len()
                && (last.key.iter().zip(columns)).all(|(part, &c)| {
                    let var = part.var().map(|v| &hir_rule.vars[v].ident);
                    let column = head.get(c).and_then(crate::parse::variable);
                    var.is_some() && var == column
                })
        })
}

/// Where a relation that holds for one tick has its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// Each row on the worker that owns the lattice key made of these columns, in order.
    At(Vec<usize>),
    /// Every row on every worker.
    Everywhere,
    /// Somewhere: no rule may need it anywhere in particular.
    Unknown,
}
