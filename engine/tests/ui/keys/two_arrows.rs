blossom::program! {
    Store {
        table store(key: u32 => version: u32 => value: String);
    }
}

fn main() {}
