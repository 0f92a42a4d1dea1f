//! The ring: N logical nodes pass a counter around with `<~` until it reaches a bound; each
//! keeps the last value it saw with the `<+`/`<-` update pattern.

use blossom::Addr;

blossom::program! {
    /// A token travelling around a ring of nodes, one hop per tick.
    pub Ring {
        input   start(n: u32);
        input   next(peer: Addr);
        input   bound(max: u32);
        table   neighbour(peer: Addr);
        table   limit(max: u32);
        table   last(n: u32);
        channel token(@to: Addr, n: u32);
        output  value(n: u32);

        neighbour(p) <= next(p);
        limit(m) <= bound(m);
        token(@p, n) <~ start(n), neighbour(p);
        token(@p, m) <~ token(_, n), neighbour(p), limit(max), let m = n + 1, if m <= max;
        last(n) <+ token(_, n);
        last(n) <- last(n), token(_, _);
        value(n) <= last(n);
    }
}

/// Runs a ring of `nodes` nodes (node `i` passes to `i + 1`, the last to node 0): node 0
/// starts the token at 0, and it travels until `max`. Returns each node's last value, in node
/// order (`None` for a node the token never reached), and the number of ticks run.
pub fn run_ring(
    nodes: u32,
    max: u32,
    config: &blossom::Config,
) -> Result<(Vec<Option<u32>>, u64), blossom::Error> {
    let mut ring = Ring::with_config(config)?;
    ring.next
        .extend((0..nodes).map(|i| (Addr(i), Addr((i + 1) % nodes.max(1)))));
    ring.bound.extend((0..nodes).map(|i| (Addr(i), max)));
    ring.start.insert((Addr(0), 0));
    // The token needs one tick to leave and one per hop; two more ticks store the last value.
    let ticks = u64::from(max) + 3;
    for _ in 0..ticks {
        ring.tick()?;
    }
    Ok((by_node(nodes, ring.value.snapshot()?), ticks))
}

/// Each node's value among `rows` (`(node, value)`), in node order; `None` where it has none.
pub fn by_node(nodes: u32, rows: Vec<(Addr, u32)>) -> Vec<Option<u32>> {
    let mut last = vec![None; usize::try_from(nodes).unwrap_or(0)];
    for (Addr(node), n) in rows {
        if let Some(slot) = usize::try_from(node).ok().and_then(|i| last.get_mut(i)) {
            *slot = Some(n);
        }
    }
    last
}
