blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        output reached(src: u32, dst: u32);

        reached(a, b) <= edge(a, _), if a < b, edge(_, b);
    }
}

fn main() {}
