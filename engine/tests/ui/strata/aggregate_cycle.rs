blossom::program! {
    /// A node's size counts its reachable nodes, but reachability is bounded by sizes: circular.
    Sizes {
        input edge(src: u32, dst: u32);
        scratch reach(src: u32, dst: u32);
        scratch size(node: u32, n: u64);
        scratch small(node: u32);

        reach(a, b) <= edge(a, b), small(a);
        size(a, count()) <= reach(a, _);
        small(a) <= size(a, n), if n < 10;
    }
}

fn main() {}
