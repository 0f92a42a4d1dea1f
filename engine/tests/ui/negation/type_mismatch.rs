blossom::program! {
    Orphans {
        input node(n: u32);
        input named(name: String);
        output orphan(n: u32);

        orphan(n) <= node(n), !named(n);
    }
}

fn main() {}
