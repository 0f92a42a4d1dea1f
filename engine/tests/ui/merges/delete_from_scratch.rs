blossom::program! {
    Session {
        input logout(user: u32);
        scratch active(user: u32);

        active(u) <- logout(u);
    }
}

fn main() {}
