//! Pictures of a program's dependency graph, from its [`Explain`]: relations as nodes, grouped
//! by stratum; an edge per rule reading one relation to derive another. Monotone edges are
//! plain, points of order (non-monotone edges) bold and red with their reason, sealed ones
//! green, channel sends dashed, and next-tick edges (`<+`, `<-`, `<+-`) dotted. Each output
//! carries its label, each relation placed by a key that key, and each edge whose join moves
//! the rows it reads to other workers the key it moves them by.

use std::fmt::Write;

use crate::explain::{EdgeInfo, Explain};

/// How an edge is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Monotone,
    Sealed,
    PointOfOrder,
    Channel,
    NextTick,
}

impl Explain {
    fn style(&self, edge: &EdgeInfo) -> Style {
        if !edge.monotone() {
            Style::PointOfOrder
        } else if edge.sealed_by.is_some() {
            Style::Sealed
        } else if edge.asynchronous {
            Style::Channel
        } else if self.transition.contains(&edge.rule) {
            Style::NextTick
        } else {
            Style::Monotone
        }
    }

    /// A node's text: its name and kind, and for an output its label.
    fn node_text(&self, name: &str) -> String {
        let kind = (self.relations.iter())
            .find(|r| r.name == name)
            .map_or("", |r| r.kind);
        let text = match self.output(name) {
            Some(output) => format!("{name}: {kind} ({})", output.label.letter()),
            None => format!("{name}: {kind}"),
        };
        // Where its rows live, when a key places them.
        let home = (self.placement.relations.iter()).find(|h| h.relation == name);
        match home.map(|h| h.by) {
            Some(by) if !by.is_empty() => format!("{text}, by {}", by.join(", ")),
            _ => text,
        }
    }

    /// An edge's text: its rule, and for a point of order its reasons.
    fn edge_text(&self, edge: &EdgeInfo) -> String {
        let merge = if edge.asynchronous { " <~" } else { "" };
        let mut text = format!("rule {}{merge}", edge.rule);
        if let Some(guard) = edge.sealed_by {
            text.push_str(&format!(": sealed by {guard}"));
        }
        for reason in edge.reasons {
            // The reason's first words say what it is: "negates `r`", "aggregates `r` ...".
            let short: String = reason.split(" (").next().unwrap_or(reason).into();
            text.push_str(": ");
            text.push_str(&short);
        }
        // Whether the rule's join moves the rows it reads here to other workers.
        let moved = (self.placement.exchanges.iter())
            .find(|x| x.relation == Some(edge.from) && x.rules.contains(&edge.rule) && !x.local);
        if let Some(exchange) = moved {
            text.push_str(&format!("; moves by {}", exchange.by.join(", ")));
        }
        text
    }

    /// The relations outside every stratum: inputs and periodics.
    fn sources(&self) -> impl Iterator<Item = &'static str> + '_ {
        (self.relations.iter())
            .map(|r| r.name)
            .filter(|name| !self.strata.iter().any(|s| s.relations.contains(name)))
    }

    /// The dependency graph as a Mermaid flowchart.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        let quote = |text: &str| {
            (text.replace('"', "#quot;").replace('<', "#lt;"))
                .replace('>', "#gt;")
                .replace('`', "")
        };
        for name in self.sources() {
            let _ = writeln!(out, "  {name}[/\"{}\"/]", quote(&self.node_text(name)));
        }
        for (index, stratum) in self.strata.iter().enumerate() {
            let recursive = if stratum.recursive { ", recursive" } else { "" };
            let _ = writeln!(
                out,
                "  subgraph stratum{index} [\"stratum {index}{recursive}\"]"
            );
            for name in stratum.relations {
                let _ = writeln!(out, "    {name}[\"{}\"]", quote(&self.node_text(name)));
            }
            let _ = writeln!(out, "  end");
        }
        let (mut points_of_order, mut sealed) = (Vec::new(), Vec::new());
        for (index, edge) in self.edges.iter().enumerate() {
            let text = quote(&self.edge_text(edge));
            let arrow = match self.style(edge) {
                Style::Monotone => "-->",
                Style::Sealed => {
                    sealed.push(index.to_string());
                    "-->"
                }
                Style::PointOfOrder => {
                    points_of_order.push(index.to_string());
                    "==>"
                }
                Style::Channel => "-.->",
                Style::NextTick => "-.->",
            };
            let _ = writeln!(out, "  {} {arrow}|\"{text}\"| {}", edge.from, edge.to);
        }
        for (links, style) in [
            (points_of_order, "stroke:#d00,stroke-width:3px"),
            (sealed, "stroke:#080,stroke-width:2px"),
        ] {
            if !links.is_empty() {
                let _ = writeln!(out, "  linkStyle {} {style}", links.join(","));
            }
        }
        out
    }

    /// The dependency graph in Graphviz's `dot` language (`dot -Tsvg` draws it).
    pub fn dot(&self) -> String {
        let mut out = format!(
            "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
            self.program
        );
        let quote = |text: &str| (text.replace('\\', "\\\\").replace('"', "\\\"")).replace('`', "");
        for name in self.sources() {
            let _ = writeln!(
                out,
                "  \"{name}\" [label=\"{}\", shape=parallelogram];",
                quote(&self.node_text(name))
            );
        }
        for (index, stratum) in self.strata.iter().enumerate() {
            let recursive = if stratum.recursive { ", recursive" } else { "" };
            let _ = writeln!(
                out,
                "  subgraph cluster_{index} {{\n    label=\"stratum {index}{recursive}\";\n    style=rounded;"
            );
            for name in stratum.relations {
                let shape = if self.output(name).is_some() {
                    ", peripheries=2"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "    \"{name}\" [label=\"{}\"{shape}];",
                    quote(&self.node_text(name))
                );
            }
            let _ = writeln!(out, "  }}");
        }
        for edge in self.edges {
            let style = match self.style(edge) {
                Style::Monotone => "",
                Style::Sealed => ", color=darkgreen, fontcolor=darkgreen",
                Style::PointOfOrder => ", color=red, fontcolor=red, penwidth=2.5",
                Style::Channel => ", style=dashed, color=blue",
                Style::NextTick => ", style=dotted",
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
                edge.from,
                edge.to,
                quote(&self.edge_text(edge))
            );
        }
        out.push_str("}\n");
        out
    }
}

/// A JSON string literal.
fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of already written values.
fn array(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// A JSON object of already written values.
fn object(fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = (fields.iter())
        .map(|(name, value)| format!("{}: {value}", string(name)))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// [`Explain::to_json`].
pub(crate) fn json(explain: &Explain) -> String {
    let strings = |items: &[&str]| array(items.iter().map(|s| string(s)));
    let numbers = |items: &[usize]| array(items.iter().map(usize::to_string));
    let relations = explain.relations.iter().map(|r| {
        let columns = r.columns.iter().map(|(n, t)| array([string(n), string(t)]));
        object(&[
            ("name", string(r.name)),
            ("kind", string(r.kind)),
            ("columns", array(columns)),
        ])
    });
    let rules = explain.rules.iter().map(|r| {
        object(&[
            ("text", string(r.text)),
            ("line", r.line.to_string()),
            ("plan", strings(r.plan)),
        ])
    });
    let strata = explain.strata.iter().map(|s| {
        object(&[
            ("relations", strings(s.relations)),
            ("rules", numbers(s.rules)),
            ("recursive", s.recursive.to_string()),
        ])
    });
    let edges = explain.edges.iter().map(|e| {
        object(&[
            ("from", string(e.from)),
            ("to", string(e.to)),
            ("rule", e.rule.to_string()),
            ("asynchronous", e.asynchronous.to_string()),
            ("reasons", strings(e.reasons)),
            ("view", e.view.to_string()),
            ("sealed_by", e.sealed_by.map_or("null".into(), string)),
        ])
    });
    let label = |l: crate::explain::Label| string(&format!("{l:?}"));
    let outputs = explain.outputs.iter().map(|o| {
        let paths = o.paths.iter().map(|p| {
            object(&[
                ("source", string(p.source)),
                ("label", label(p.label)),
                ("edges", numbers(p.edges)),
                (
                    "diverges_at",
                    p.diverges_at.map_or("null".into(), |e| e.to_string()),
                ),
                ("fix", string(p.fix)),
            ])
        });
        object(&[
            ("name", string(o.name)),
            ("label", label(o.label)),
            ("eager", o.eager.to_string()),
            ("paths", array(paths)),
        ])
    });
    let homes = explain.placement.relations.iter().map(|h| {
        object(&[
            ("relation", string(h.relation)),
            ("by", strings(h.by)),
            ("how", string(h.how)),
        ])
    });
    let exchanges = explain.placement.exchanges.iter().map(|x| {
        object(&[
            ("what", string(x.what)),
            ("relation", x.relation.map_or("null".into(), string)),
            ("by", strings(x.by)),
            ("local", x.local.to_string()),
            ("rules", numbers(x.rules)),
        ])
    });
    let placement = object(&[("relations", array(homes)), ("exchanges", array(exchanges))]);
    object(&[
        ("program", string(explain.program)),
        ("relations", array(relations)),
        ("rules", array(rules)),
        ("strata", array(strata)),
        ("transition", numbers(explain.transition)),
        ("carried", strings(explain.carried)),
        ("edges", array(edges)),
        ("outputs", array(outputs)),
        ("placement", placement),
    ])
}
