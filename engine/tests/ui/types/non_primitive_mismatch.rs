blossom::program! {
    Names {
        input edge(src: Option<u32>, dst: Option<u32>);
        input label(node: Vec<u32>, text: String);
        output named(node: Option<u32>);

        named(a) <= edge(a, _), label(a, _);
    }
}

fn main() {}
