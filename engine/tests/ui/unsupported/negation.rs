blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        output one_way(src: u32, dst: u32);

        one_way(a, b) <= edge(a, b), !edge(b, a);
    }
}

fn main() {}
