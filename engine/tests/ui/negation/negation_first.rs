blossom::program! {
    Quiet {
        input alarm(level: u32);
        input node(n: u32);
        output calm(n: u32);

        calm(n) <= !alarm(_), node(n);
    }
}

fn main() {}
