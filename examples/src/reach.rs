//! Reachability: the transitive closure of a directed graph, written as three Blossom rules.

blossom::program! {
    /// The transitive closure of a graph that grows tick by tick.
    ///
    /// `edge` takes this tick's new edges, `link` remembers every edge seen so far, and `path`
    /// holds every pair `(src, dst)` such that `dst` can be reached from `src`.
    pub Reach {
        input  edge(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);

        link(a, b) <= edge(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c);
    }
}

/// The number of pairs in the transitive closure of `edges`, computed by [`Reach`] on `config`.
///
/// In a cluster each process passes its share of the edges, and every process returns the
/// whole count: the pairs stay where they were derived ([`blossom::Outputs::Local`]), as they
/// are counted, not read.
pub fn closure_size(
    edges: impl IntoIterator<Item = (u32, u32)>,
    config: &blossom::Config,
) -> Result<usize, blossom::Error> {
    let config = config.clone().outputs(blossom::Outputs::Local);
    let mut reach = Reach::with_config(&config)?;
    reach.edge.extend(edges);
    reach.tick()?;
    Ok(reach.path.len())
}

blossom::program! {
    /// Reachability over edges that come and go: `cut` deletes an edge from the next tick on.
    ///
    /// Deleting makes `link` a relation that can lose rows, so `path`'s rounds also delete: a
    /// cut removes only the pairs left without another derivation, and the closure is updated
    /// incrementally ([`Reach`]'s rounds only insert: its relations only grow).
    pub Links {
        input  edge(src: u32, dst: u32);
        input  cut(src: u32, dst: u32);
        table  link(src: u32, dst: u32);
        output path(src: u32, dst: u32);

        link(a, b) <= edge(a, b);
        link(a, b) <- cut(a, b);
        path(a, b) <= link(a, b);
        path(a, c) <= path(a, b), link(b, c);
    }
}
