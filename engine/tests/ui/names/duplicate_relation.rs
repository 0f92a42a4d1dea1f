blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        table edge(src: u32, dst: u32);
    }
}

fn main() {}
