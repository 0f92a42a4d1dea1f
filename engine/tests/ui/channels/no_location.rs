blossom::program! {
    Gossip {
        input rumour(n: u32);
        channel spread(n: u32);
    }
}

fn main() {}
