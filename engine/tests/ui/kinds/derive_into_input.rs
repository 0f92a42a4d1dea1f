blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);

        edge(b, a) <= edge(a, b);
    }
}

fn main() {}
