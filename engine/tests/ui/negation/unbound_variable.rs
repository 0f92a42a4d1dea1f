blossom::program! {
    Orphans {
        input node(n: u32);
        input edge(src: u32, dst: u32);
        output orphan(n: u32);

        orphan(n) <= node(n), !edge(p, n);
    }
}

fn main() {}
