use blossom::F32;

blossom::program! {
    Refused {
        input  r(id: u32, x: F32);
        output o(id: u32, y: F32);
        #[device]
        o(id, y) <= r(id, x), let y = x.powi(2);
    }
}

fn main() {}
