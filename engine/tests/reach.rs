//! The reachability program of the design document, through the macro, on 1, 2 and 4 workers.

blossom::program! {
    /// Reachability over a growing graph.
    pub Reach {
        input   edge(src: u32, dst: u32);
        table   link(src: u32, dst: u32);
        scratch path(src: u32, dst: u32);
        output  reached(src: u32, dst: u32);

        link(a, b)    <= edge(a, b);
        path(a, b)    <= link(a, b);
        path(a, c)    <= path(a, b), link(b, c);
        reached(a, b) <= path(a, b), if a != b;
    }
}

#[test]
fn reaches_across_ticks() {
    for workers in [1, 2, 4] {
        let mut reach = Reach::with_workers(workers).unwrap();
        reach.edge.extend([(1, 2), (2, 3)]);
        reach.tick().unwrap();
        assert_eq!(reach.reached.snapshot().unwrap(), [(1, 2), (1, 3), (2, 3)]);
        reach.edge.insert((3, 1));
        reach.tick().unwrap();
        let all: Vec<(u32, u32)> = (1..=3)
            .flat_map(|a| (1..=3).map(move |b| (a, b)))
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(reach.reached.snapshot().unwrap(), all);
        assert_eq!(reach.reached.len(), 6);
    }
    println!("{}", Reach::explain());
}
