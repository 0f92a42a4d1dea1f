blossom::program! {
    Both {
        input item(n: u32);
        scratch a(n: u32);
        scratch b(n: u32);
        scratch c(n: u32);

        a(n) <= item(n), !b(n);
        b(n) <= a(n);
        c(n) <= item(n), !c(n);
    }
}

fn main() {}
