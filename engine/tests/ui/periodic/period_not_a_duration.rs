blossom::program! {
    Timer {
        periodic beat(every = 1000);
    }
}

fn main() {}
