blossom::program! {
    Names {
        input edge(src: u32, dst: u32);
        output named(node: u32, name: String);

        named(a, a + 1) <= edge(a, _);
    }
}

fn main() {}
