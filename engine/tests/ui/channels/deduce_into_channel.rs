blossom::program! {
    Gossip {
        input rumour(to: blossom::Addr, n: u32);
        channel spread(@to: blossom::Addr, n: u32);

        spread(@p, n) <= rumour(p, n);
    }
}

fn main() {}
