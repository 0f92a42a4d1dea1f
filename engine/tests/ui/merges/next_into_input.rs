blossom::program! {
    Loop {
        input tick(n: u32);

        tick(m) <+ tick(n), let m = n + 1;
    }
}

fn main() {}
