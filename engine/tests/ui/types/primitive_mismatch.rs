blossom::program! {
    Names {
        input edge(src: u32, dst: u32);
        input label(node: String, text: String);
        output named(node: u32);

        named(a) <= edge(a, _), label(a, _);
    }
}

fn main() {}
