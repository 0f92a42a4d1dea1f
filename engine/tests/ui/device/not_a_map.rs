blossom::program! {
    Refused {
        input  r(id: u32, x: u64);
        input  s(id: u32, w: u64);
        output o(id: u32, y: u64);
        #[device]
        o(id, y) <= r(id, x), s(id, w), let y = x + w;
    }
}

fn main() {}
