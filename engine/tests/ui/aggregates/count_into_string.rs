blossom::program! {
    Stats {
        input score(player: u32, points: u32);
        output games(player: u32, n: String);

        games(p, count()) <= score(p, _);
    }
}

fn main() {}
