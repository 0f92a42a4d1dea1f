use blossom::{F32, F64};

blossom::program! {
    Refused {
        input  r(id: u32, x: F32, z: F64);
        output o(id: u32, y: F32);
        #[device]
        o(id, y) <= r(id, x, z), let y = x + z;
    }
}

fn main() {}
