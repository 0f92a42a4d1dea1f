blossom::program! {
    Paradox {
        input node(n: u32);
        scratch odd(n: u32);

        odd(n) <= node(n), !odd(n);
    }
}

fn main() {}
