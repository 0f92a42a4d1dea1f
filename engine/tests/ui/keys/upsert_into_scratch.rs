blossom::program! {
    Store {
        input put(key: u32, value: String);
        scratch latest(key: u32 => value: String);

        latest(k, v) <+- put(k, v);
    }
}

fn main() {}
