blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        output reached(src: u32, dst: u32);

        /// Rules take no attributes.
        reached(a, b) <= edge(a, b);
    }
}

fn main() {}
