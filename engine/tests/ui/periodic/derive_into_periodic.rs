blossom::program! {
    Timer {
        periodic beat(every = std::time::Duration::from_secs(1));
        input poke(n: u64);

        beat(n) <= poke(n);
    }
}

fn main() {}
