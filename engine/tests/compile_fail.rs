//! Every diagnostic of `program!`, and one program using every accepted feature.
//!
//! Each case under `tests/ui/<category>/` is a minimal program with one mistake (or, under
//! `multiple/`, several); its `.stderr` is the message the user sees, checked in. Regenerate
//! with `TRYBUILD=overwrite cargo test -p blossom --test compile_fail` and read every change.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
