//! How often the generated programs use each feature, to see that the generator reaches them
//! all (and to choose the default seed).

use std::collections::BTreeSet;

use super::ast::{HeadArg, Kind, Literal, Merge, Program, Term, Var};

/// Every feature counted, in the order of the summary: the older ones, then time and change.
const FEATURES: &[&str] = &[
    "tables",
    "scratches",
    "outputs",
    "relations without rules",
    "rules",
    "joins",
    "cross products",
    "variables repeated in an atom",
    "constants",
    "named constants",
    "wildcards",
    "expression terms",
    "ifs",
    "lets",
    "tuple lets",
    "lets before any atom",
    "self-recursive `<=` rules",
    "relations in mutual recursion",
    "rules reading an output",
    "rules reading a table",
    "`<+` rules into tables",
    "`<+` rules into scratches or outputs",
    "`<-` rules",
    "keyed tables",
    "`<+-` rules",
    "tables with `<+` and `<-` rules",
    "negated atoms",
    "negated atoms in `<=` rules",
    "negated atoms before any atom",
    "negated atoms of a recursive relation",
    "negated atoms of an aggregated relation",
    "aggregating rules",
    "aggregating `<+` or `<-` rules",
    "aggregations of a recursive relation",
    "rules reading an aggregated relation",
    "heads of several aggregates",
    "heads of aggregates only",
    "counts",
    "sums",
    "mins",
    "maxes",
    "argmins",
    "argmaxes",
];

/// Counts by feature, in the order of [`FEATURES`].
struct Counts(Vec<(&'static str, usize)>);

impl Counts {
    fn add(&mut self, name: &'static str, n: usize) {
        let count = (self.0.iter_mut().find(|c| c.0 == name))
            .unwrap_or_else(|| panic!("`{name}` is not in FEATURES"));
        count.1 += n;
    }
}

/// `N feature, M feature, ..` over every program.
pub fn summary(programs: &[Program]) -> String {
    let mut counts = Counts(FEATURES.iter().map(|&name| (name, 0)).collect());
    for program in programs {
        count(program, &mut counts);
    }
    let parts: Vec<String> = (counts.0.iter())
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    parts.join(", ")
}

fn count(program: &Program, counts: &mut Counts) {
    let kind = |r: usize| program.relations[r].kind;
    let n = program.relations.len();
    for (k, name) in [
        (Kind::Table, "tables"),
        (Kind::Scratch, "scratches"),
        (Kind::Output, "outputs"),
    ] {
        counts.add(name, (0..n).filter(|&r| kind(r) == k).count());
    }
    let ruleless = (0..n)
        .filter(|&r| kind(r) != Kind::Input && !program.rules.iter().any(|rule| rule.head == r));
    counts.add("relations without rules", ruleless.count());
    let keyed = (program.relations.iter()).filter(|r| r.key.is_some());
    counts.add("keyed tables", keyed.count());
    counts.add("rules", program.rules.len());
    // reach[a][b]: a path of `<=` edges leads from a to b.
    let mut reach = vec![vec![false; n]; n];
    for rule in program.rules.iter().filter(|r| r.merge == Merge::Now) {
        for literal in &rule.body {
            if let Literal::Atom(r, _) | Literal::Not(r, _) = literal {
                reach[*r][rule.head] = true;
            }
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                reach[i][j] |= reach[i][k] && reach[k][j];
            }
        }
    }
    let recursive = |r: usize| reach[r][r];
    let aggregated: BTreeSet<usize> = (program.rules.iter())
        .filter(|r| r.aggregates())
        .map(|r| r.head)
        .collect();
    for rule in &program.rules {
        let now = rule.merge == Merge::Now;
        match (rule.merge, kind(rule.head)) {
            (Merge::Next, Kind::Table) => counts.add("`<+` rules into tables", 1),
            (Merge::Next, _) => counts.add("`<+` rules into scratches or outputs", 1),
            (Merge::Delete, _) => counts.add("`<-` rules", 1),
            (Merge::Upsert, _) => counts.add("`<+-` rules", 1),
            (Merge::Now | Merge::Async, _) => {}
        }
        let mut bound: BTreeSet<Var> = BTreeSet::new();
        let mut atoms = 0;
        let mut reads = BTreeSet::new();
        for (position, literal) in rule.body.iter().enumerate() {
            match literal {
                Literal::Atom(r, terms) => {
                    atoms += 1;
                    reads.insert(*r);
                    let before = bound.clone();
                    let joins = terms
                        .iter()
                        .any(|t| matches!(t, Term::Var(v) if before.contains(v)));
                    counts.add("joins", usize::from(atoms > 1 && joins));
                    counts.add("cross products", usize::from(atoms > 1 && !joins));
                    for term in terms {
                        match term {
                            Term::Var(v) if !before.contains(v) && !bound.insert(*v) => {
                                counts.add("variables repeated in an atom", 1)
                            }
                            Term::Const(_) => counts.add("constants", 1),
                            Term::Named(_) => counts.add("named constants", 1),
                            Term::Wild => counts.add("wildcards", 1),
                            Term::Expr(_) => counts.add("expression terms", 1),
                            _ => {}
                        }
                    }
                    if rule.aggregates() && now && recursive(*r) {
                        counts.add("aggregations of a recursive relation", 1);
                    }
                }
                Literal::Not(r, _) => {
                    counts.add("negated atoms", 1);
                    counts.add("negated atoms in `<=` rules", usize::from(now));
                    counts.add("negated atoms before any atom", usize::from(atoms == 0));
                    counts.add(
                        "negated atoms of a recursive relation",
                        usize::from(now && recursive(*r)),
                    );
                    counts.add(
                        "negated atoms of an aggregated relation",
                        usize::from(aggregated.contains(r)),
                    );
                }
                Literal::If(_) => counts.add("ifs", 1),
                Literal::Let(vars, _) => {
                    counts.add("lets", 1);
                    counts.add("tuple lets", usize::from(vars.len() > 1));
                    counts.add("lets before any atom", usize::from(position == 0));
                    bound.extend(vars);
                }
            }
        }
        if rule.aggregates() {
            counts.add("aggregating rules", 1);
            counts.add("aggregating `<+` or `<-` rules", usize::from(!now));
            let aggregates = rule.args.iter().filter(|a| a.is_aggregate()).count();
            counts.add("heads of several aggregates", usize::from(aggregates > 1));
            counts.add(
                "heads of aggregates only",
                usize::from(aggregates == rule.args.len()),
            );
        }
        for arg in &rule.args {
            let name = match arg {
                HeadArg::Value(_) => continue,
                HeadArg::Count => "counts",
                HeadArg::Sum(_) => "sums",
                HeadArg::Min(_) => "mins",
                HeadArg::Max(_) => "maxes",
                HeadArg::ArgMin(..) => "argmins",
                HeadArg::ArgMax(..) => "argmaxes",
            };
            counts.add(name, 1);
        }
        counts.add(
            "self-recursive `<=` rules",
            usize::from(now && reads.contains(&rule.head)),
        );
        counts.add(
            "rules reading an aggregated relation",
            usize::from(reads.iter().any(|r| aggregated.contains(r))),
        );
        for (k, name) in [
            (Kind::Output, "rules reading an output"),
            (Kind::Table, "rules reading a table"),
        ] {
            counts.add(name, usize::from(reads.iter().any(|&r| kind(r) == k)));
        }
    }
    let changed = (0..n).filter(|&t| {
        let has = |m: Merge| (program.rules.iter()).any(|r| r.head == t && r.merge == m);
        has(Merge::Next) && has(Merge::Delete)
    });
    counts.add("tables with `<+` and `<-` rules", changed.count());
    // Relations on a cycle through at least two relations (mutual recursion).
    let mutual = (0..n).filter(|&i| (0..n).any(|j| i != j && reach[i][j] && reach[j][i]));
    counts.add("relations in mutual recursion", mutual.count());
}
