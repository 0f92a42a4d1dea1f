blossom::program! {
    Loop {
        input job(n: u32);
        input done(n: u32);

        job(n) <- done(n);
    }
}

fn main() {}
