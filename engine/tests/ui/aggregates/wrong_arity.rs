blossom::program! {
    Stats {
        input score(player: u32, points: u32);
        output best(player: u32, points: u32);
        output games(player: u32, n: u64);

        best(p, argmax(x)) <= score(p, x);
        games(p, count(x)) <= score(p, x);
    }
}

fn main() {}
