blossom::program! {
    Numbers {
        output answer(n: u32);

        answer(n) <= let n = 42;
    }
}

fn main() {}
