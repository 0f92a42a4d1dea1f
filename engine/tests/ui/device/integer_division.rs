blossom::program! {
    Refused {
        input  r(id: u32, x: u64);
        output o(id: u32, y: u64);
        #[device]
        o(id, y) <= r(id, x), let y = x / 3;
    }
}

fn main() {}
