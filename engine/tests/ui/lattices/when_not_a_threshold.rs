blossom::program! {
    Votes {
        input vote(id: u32, n: u32);
        lattice best(id: u32) -> blossom::Max<u32>;
        output high(id: u32);

        best(id, blossom::Max::new(n)) <= vote(id, n);
        high(id) <= best(id, v), when v > blossom::Max::new(10);
    }
}

fn main() {}
