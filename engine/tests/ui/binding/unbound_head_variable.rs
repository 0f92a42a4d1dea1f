blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        output reached(src: u32, dst: u32);

        reached(a, c) <= edge(a, b);
    }
}

fn main() {}
