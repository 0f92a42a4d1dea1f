//! A rule that panics stops the program with an error value: no hang, no lost host.

fn explode(x: u32) -> bool {
    assert!(x != 13, "thirteen is unlucky");
    true
}

blossom::program! {
    /// Sees numbers, unless one is thirteen.
    pub Fragile {
        input  number(n: u32);
        output seen(n: u32);
        seen(n) <= number(n), if explode(n);
    }
}

#[test]
fn a_panicking_rule_is_an_error_and_later_ticks_are_refused() {
    for workers in [1, 2, 4] {
        let mut program = Fragile::with_workers(workers).unwrap();
        program.number.extend([1, 2, 3]);
        program.tick().unwrap();
        assert_eq!(program.seen.snapshot().unwrap(), [1, 2, 3]);

        program.number.extend([12, 13, 14]);
        match program.tick() {
            Err(blossom::Error::WorkerFailed { message, .. }) => {
                assert!(message.contains("thirteen is unlucky"), "{message}");
            }
            other => panic!("expected a worker failure, got {other:?}"),
        }
        assert!(matches!(program.tick(), Err(blossom::Error::Stopped)));
        // Dropping the program must not wait for the failed worker.
        drop(program);
    }
}

#[test]
fn zero_workers_is_a_configuration_error() {
    assert!(matches!(
        Fragile::with_workers(0),
        Err(blossom::Error::Config(_))
    ));
}
