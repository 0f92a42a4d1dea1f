blossom::program! {
    Refused {
        #[partition(dst)]
        input  edge(src: u32, to: u32);
        output out(src: u32, to: u32);
        out(a, b) <= edge(a, b);
    }
}

fn main() {}
