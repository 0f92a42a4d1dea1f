blossom::program! {
    Gossip {
        input rumour(n: u32);
        table known(@at: blossom::Addr, n: u32);
        channel spread(@to: blossom::Addr, n: u32);
    }
}

fn main() {}
