blossom::program! {
    Stats {
        input score(player: u32, points: u32);
        output total(player: u32, points: u32);

        total(p, sum(y)) <= score(p, _);
    }
}

fn main() {}
