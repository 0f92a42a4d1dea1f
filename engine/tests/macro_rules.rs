//! `program!` works when another macro writes the invocation (a regression: `self` in the
//! generated `tick` once took the hygiene of the caller's tokens).

macro_rules! wrapped {
    ($name:ident, $input:ident) => {
        blossom::program! {
            /// Copies its input to its output.
            pub $name {
                input $input(x: u32);
                output out(x: u32);

                out(x) <= $input(x);
            }
        }
    };
}

wrapped!(Wrapped, numbers);

#[test]
fn a_program_written_by_a_macro_rules_macro_runs() {
    let mut program = Wrapped::with_workers(1).unwrap();
    program.numbers.insert(7);
    program.tick().unwrap();
    assert_eq!(program.out.snapshot().unwrap(), [7]);
}
