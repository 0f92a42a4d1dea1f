blossom::program! {
    Reach {
        input edge(node: u32, node: u32);
    }
}

fn main() {}
