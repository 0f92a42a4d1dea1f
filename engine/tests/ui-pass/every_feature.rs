//! Every feature `program!` accepts, in one program: the macro must not reject any of it.

const LIMIT: u32 = 100;

fn half(x: u32) -> Option<u32> {
    (x % 2 == 0).then_some(x / 2)
}

blossom::program! {
    /// One rule per accepted feature.
    pub Everything {
        /// Documented input.
        input edge(src: u32, dst: u32);
        input input(x: u8);
        table link(src: u32, dst: u32);
        scratch path(src: u32, dst: u32);
        output reached(src: u32, dst: u32);
        output loops(node: u32);
        output halves(node: u32, half: u32);
        output sinks(node: u32, next: u32);
        output output(x: u8);
        input tag(x: Option<u8>);
        input mark(x: std::option::Option<u8>);
        output marked(x: Option<u8>);

        // A constant `LIMIT` and an `if`.
        link(a, b) <= edge(a, b), if a < LIMIT && b < LIMIT;
        path(a, b) <= link(a, b);
        // Recursion.
        path(a, c) <= path(a, b), link(b, c);
        reached(a, b) <= path(a, b), if a != b;
        // A variable repeated in one atom.
        loops(a) <= edge(a, a);
        // A wildcard and a refutable `let`.
        halves(a, h) <= edge(a, _), let Some(h) = half(a);
        // A literal constant, a `let` and a head expression.
        sinks(a, next) <= edge(a, 0), let next = a + 1;
        // A path constant, in the body and in the head.
        sinks(a, u32::MAX) <= edge(a, u32::MAX), if a > 0;
        // Relations named like kinds.
        output(x) <= input(x);
        // One type spelled two ways: a join the macro leaves to rustc, which accepts it.
        marked(t) <= tag(t), mark(t);
    }
}

fn main() {
    let mut program = Everything::new();
    program
        .edge
        .extend([(1, 2), (2, 3), (4, 4), (5, 0), (6, u32::MAX), (200, 1)]);
    program.input.insert(7);
    program.tag.extend([Some(1), Some(2), None]);
    program.mark.extend([Some(2), None]);
    program.tick().unwrap();
    assert_eq!(
        program.reached.snapshot().unwrap(),
        [(1, 2), (1, 3), (2, 3), (5, 0)]
    );
    assert_eq!(program.loops.snapshot().unwrap(), [4]);
    assert_eq!(
        program.halves.snapshot().unwrap(),
        [(2, 1), (4, 2), (6, 3), (200, 100)]
    );
    assert_eq!(program.sinks.snapshot().unwrap(), [(5, 6), (6, u32::MAX)]);
    assert_eq!(program.output.snapshot().unwrap(), [7]);
    assert_eq!(program.marked.snapshot().unwrap(), [None, Some(2)]);
}
