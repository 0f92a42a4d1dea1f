#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
struct Point {
    x: u32,
    y: u32,
}

blossom::program! {
    Points {
        input point(at: Point);
    }
}

fn main() {}
