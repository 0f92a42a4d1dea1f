blossom::program! {
    Refused {
        input  r(id: u32, x: u64);
        output o(id: u32, y: u64);
        #[gpu]
        o(id, y) <= r(id, x), let y = x + 1;
    }
}

fn main() {}
