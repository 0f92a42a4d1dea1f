blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        table link(src: u32, dst: u32);

        link(a, b) <~ edge(a, b);
    }
}

fn main() {}
