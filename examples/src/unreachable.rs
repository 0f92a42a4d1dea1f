//! Unreachable nodes: the nodes of a graph that no path from a source reaches (negation).

blossom::program! {
    /// Nodes not reachable from any `source`: every node, less those `reached`.
    pub Unreachable {
        input   edge(src: u32, dst: u32);
        input   source(node: u32);
        scratch node(n: u32);
        scratch reached(n: u32);
        output  unreachable(n: u32);

        node(a) <= edge(a, _);
        node(b) <= edge(_, b);
        reached(s) <= source(s);
        reached(b) <= reached(a), edge(a, b);
        unreachable(n) <= node(n), !reached(n);
    }
}

/// The nodes of `edges` that no path from `sources` reaches, computed on `config`.
pub fn unreachable(
    edges: impl IntoIterator<Item = (u32, u32)>,
    sources: impl IntoIterator<Item = u32>,
    config: &blossom::Config,
) -> Result<Vec<u32>, blossom::Error> {
    let mut program = Unreachable::with_config(config)?;
    program.edge.extend(edges);
    program.source.extend(sources);
    program.tick()?;
    program.unreachable.snapshot()
}
