blossom::program! {
    Store {
        input put(key: u32 => value: String);
        table store(key: u32 => value: String);

        store(k, v) <+- put(k, v);
    }
}

fn main() {}
