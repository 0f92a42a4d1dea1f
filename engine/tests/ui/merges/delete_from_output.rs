blossom::program! {
    Session {
        input logout(user: u32);
        output active(user: u32);

        active(u) <- logout(u);
    }
}

fn main() {}
