//! Seals: `seal r(k, ..) when g;` says that once `g` holds a row, `r` has every row it will
//! ever have whose key columns `k, ..` equal it. A negation or an aggregate of `r` in a rule
//! that also reads `g` on the same key then sees all of `r` for that key, whatever the network
//! does, and the CALM analysis counts it as safe. The seal is a claim the programmer makes, as
//! a declared monotone function is.

use crate::diag::Diagnostics;
use crate::resolve::{Hir, Item, RuleHir, Slot, VarId};

/// A resolved seal.
pub struct SealHir {
    /// The sealed relation.
    pub relation: usize,
    /// Its key columns, indexes into its columns (with the hidden node column first, in a
    /// program with locations: a seal holds per node).
    pub key: Vec<usize>,
    /// The relation whose rows say a key is complete; its columns match `key`, in order.
    pub guard: usize,
}

/// Resolves the seals of `hir`'s program, rejecting unknown names and mismatched keys.
pub fn resolve(hir: &Hir) -> syn::Result<Vec<SealHir>> {
    let mut diags = Diagnostics::default();
    let find = |name: &syn::Ident| hir.relations.iter().position(|d| d.name == *name);
    let mut seals = Vec::new();
    for seal in &hir.program.seals {
        let (Some(relation), Some(guard)) = (find(&seal.relation), find(&seal.guard)) else {
            for name in [&seal.relation, &seal.guard] {
                if find(name).is_none() {
                    diags.error(name.span(), format!("no relation `{name}` to seal with"));
                }
            }
            continue;
        };
        let decl = hir.relations[relation];
        let mut key: Vec<usize> = if decl.located { vec![0] } else { Vec::new() };
        for column in &seal.columns {
            match decl.columns.iter().position(|c| c.name == *column) {
                Some(index) => key.push(index),
                None => diags.error(
                    column.span(),
                    format!("`{}` has no column `{column}`", seal.relation),
                ),
            }
        }
        let width = hir.relations[guard].columns.len();
        if guard == relation {
            diags.error(seal.guard.span(), "a relation cannot seal itself");
        } else if width != key.len() {
            diags.error(
                seal.guard.span(),
                format!(
                    "`{}` has {} column(s) and the seal's key {}: a row of `{}` names one key of `{}`",
                    seal.guard,
                    width - usize::from(decl.located),
                    seal.columns.len(),
                    seal.guard,
                    seal.relation
                ),
            );
        }
        seals.push(SealHir {
            relation,
            key,
            guard,
        });
    }
    diags.finish(seals)
}

/// The variable a slot binds or compares with.
fn var(slot: &Slot) -> Option<VarId> {
    match slot {
        Slot::Bind(v) | Slot::Equal(v) => Some(*v),
        _ => None,
    }
}

/// The atoms of `rule` that a seal guards: `(atom, guard atom, guard relation)`, by position in
/// the rule's items. An atom is guarded when the rule also reads the seal's guard, positively,
/// with the same variables as the atom's key columns.
pub fn guarded(rule: &RuleHir, seals: &[SealHir]) -> Vec<(usize, usize, usize)> {
    let atoms: Vec<(usize, usize, bool, &Vec<Slot>)> = (rule.items.iter().enumerate())
        .filter_map(|(at, item)| match item {
            Item::Atom {
                relation,
                slots,
                negated,
            } => Some((at, *relation, *negated, slots)),
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    for &(at, relation, _, slots) in &atoms {
        for seal in seals.iter().filter(|s| s.relation == relation) {
            let key: Vec<Option<VarId>> = seal
                .key
                .iter()
                .map(|&c| slots.get(c).and_then(var))
                .collect();
            let guard = atoms.iter().find(|&&(_, r, negated, guard_slots)| {
                r == seal.guard
                    && !negated
                    && guard_slots.len() == key.len()
                    && guard_slots
                        .iter()
                        .zip(&key)
                        .all(|(s, k)| k.is_some() && var(s) == *k)
            });
            if let Some(&(guard_at, ..)) = guard {
                found.push((at, guard_at, seal.guard));
            }
        }
    }
    found
}

/// A seal that would make reading `atom` in `rule` safe: the first other atom the rule reads
/// positively whose every variable is a column of `atom`, as a declaration to write.
pub fn suggest(hir: &Hir, rule: &RuleHir, atom: usize) -> Option<String> {
    let Some(Item::Atom {
        relation, slots, ..
    }) = rule.items.get(atom)
    else {
        return None;
    };
    let decl = hir.relations[*relation];
    let visible = |column: usize| !decl.columns[column].name.to_string().starts_with("__");
    (rule.items.iter().enumerate()).find_map(|(at, item)| {
        let Item::Atom {
            relation: guard,
            slots: guard_slots,
            negated: false,
        } = item
        else {
            return None;
        };
        if at == atom || guard == relation {
            return None;
        }
        let columns: Option<Vec<usize>> = (guard_slots.iter())
            .map(|s| {
                let v = var(s)?;
                slots.iter().position(|own| var(own) == Some(v))
            })
            .collect();
        let names: Vec<String> = (columns?.into_iter())
            .filter(|&c| visible(c))
            .map(|c| decl.columns[c].name.to_string())
            .collect();
        (!names.is_empty()).then(|| {
            format!(
                "seal {}({}) when {};",
                decl.name,
                names.join(", "),
                hir.relations[*guard].name
            )
        })
    })
}
