blossom::program! {
    Stats {
        input score(player: u32, points: u32);
        output total(player: u32, points: u64);

        total(p, sum(x)) <= score(p, x);
    }
}

fn main() {}
