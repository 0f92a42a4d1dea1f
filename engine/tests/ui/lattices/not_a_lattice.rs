blossom::program! {
    Votes {
        input vote(id: u32, n: u32);
        lattice best(id: u32) -> u32;

        best(id, n) <= vote(id, n);
    }
}

fn main() {}
