blossom::program! {
    Store {
        table store(=> value: String);
    }
}

fn main() {}
