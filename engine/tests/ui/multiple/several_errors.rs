blossom::program! {
    Reach {
        input edge(src: u32, dst: u32);
        table edge(src: u32);
        output reached(src: u32, dst: u32);

        edge(b, a) <= reached(a, b);
        reached(a, b) <= egde(a, b);
        reached(a) <= edge(a, _);
        reached(a, c) <= edge(a, _), if c > a;
        reached(a, b) <+ edge(a, b), !edge(b, a);
    }
}

fn main() {}
