blossom::program! {
    Timer {
        periodic beat(n: u64);
    }
}

fn main() {}
