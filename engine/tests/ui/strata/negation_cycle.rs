blossom::program! {
    /// Win-move: a position is won if some move leads to a position that is not won.
    Game {
        input moves(from: u32, to: u32);
        scratch won(at: u32);
        scratch lost(at: u32);

        won(a) <= moves(a, b), !lost(b);
        lost(b) <= moves(_, b), won(b);
    }
}

fn main() {}
