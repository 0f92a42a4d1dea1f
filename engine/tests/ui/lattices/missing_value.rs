blossom::program! {
    Votes {
        input vote(id: u32, n: u32);
        lattice best(id: u32);
    }
}

fn main() {}
