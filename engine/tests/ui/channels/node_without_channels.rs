blossom::program! {
    Gossip {
        input rumour(n: u32);
        output heard(n: u32);

        heard(n) <= rumour(@me, n);
    }
}

fn main() {}
