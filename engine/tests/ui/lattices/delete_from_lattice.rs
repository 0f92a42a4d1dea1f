blossom::program! {
    Votes {
        input vote(id: u32, n: u32);
        input undo(id: u32, n: u32);
        lattice best(id: u32) -> blossom::Max<u32>;

        best(id, blossom::Max::new(n)) <= vote(id, n);
        best(id, blossom::Max::new(n)) <- undo(id, n);
    }
}

fn main() {}
