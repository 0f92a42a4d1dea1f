//! What a device rule rejects: each error on the offending tokens, saying what is wrong.

use super::{assert_error, translate_str};

const SUBSET: &str = "cannot run on a device: a device rule may use arithmetic, comparisons";

#[test]
fn constructs_outside_the_subset_are_errors_on_their_tokens() {
    let v = "x: f32, n: i32, v: u32";
    for (body, at, message) in [
        (
            "let y = 1.0 + x.powi(2);",
            "x.powi",
            "the method call `x.powi(2)`",
        ),
        ("let y = foo(x);", "foo", "the function call `foo(x)`"),
        (
            "let y = f32::powf(x, 2.0);",
            "f32::powf",
            "the function call `f32::powf(x, 2.0)`",
        ),
        ("let y = x + m!(x);", "m!", "the macro `m!`"),
        ("let y = (|a: f32| a)(x);", "(|a", "the function call"),
        ("let y = x * *(&x);", "*(&x)", "the dereference"),
        ("let y = [x][0];", "[x][0]", "the indexing"),
        ("let y = { x };", "{ x }", "the block `{ x }`"),
        ("let y = \"s\";", "\"s\"", "the literal `\"s\"`"),
        ("let y = x.min::<f32>(x);", "x.min", "the method call"),
        ("let y = n & 1;", "n & 1", "the operator `&`"),
        ("let y = !n;", "!n", "the bitwise not `!n`"),
        ("let y = LIMIT * x;", "LIMIT", "the constant `LIMIT`"),
        ("let y = f32::MAX;", "f32::MAX", "the path `f32::MAX`"),
        ("let y = (x, x);", "(x, x)", "the tuple"),
        (
            "if x > 0.0 && match n { _ => true };",
            "match",
            "the `match`",
        ),
    ] {
        assert_error(v, body, &[], at, message);
        assert_error(v, body, &[], at, SUBSET);
    }
}

#[test]
fn what_rust_and_c_disagree_on_is_rejected_with_the_reason() {
    let v = "x: f32, d: f64, n: i32, v: u32, p: (f32, f32), s: String, b: bool";
    for (body, at, message) in [
        (
            "let y = n / 2;",
            "n / 2",
            "integer division `n / 2` cannot run on a device: dividing by zero panics in Rust \
             but is undefined in OpenCL C",
        ),
        ("let y = 7 % n;", "7 % n", "integer remainder"),
        (
            "let y = p * 2.0;",
            "p *",
            "`p` is a tuple `(f32, f32)`: a device rule uses a tuple column only through its \
             fields (`p.0`, `p.1`)",
        ),
        ("let y = p.2;", "p.2", "it has no field `2`"),
        ("let y = x.0;", "x.0", "`x` is a number: it has no fields"),
        ("let y = s;", "s;", "`s` is a column of type `String`"),
        ("if b;", "b;", "`b` is a column of type `bool`"),
        ("let (a, c) = (x, x);", "(a, c)", "the pattern `(a, c)`"),
        ("let y: u8 = 1;", "u8", "`u8`: a device rule's values are"),
        (
            "let y = x as u8;",
            "u8",
            "`as u8`: a device rule casts only to",
        ),
        ("let y = 1u8;", "1u8", "`1u8`: a device rule's numbers are"),
        ("let y = v.abs();", "v.abs", "`u32` has no `abs`"),
        (
            "let y = n.sqrt();",
            "n.sqrt",
            "`sqrt` needs a float, but this is `i32`",
        ),
        (
            "let y = (2.0).sqrt();",
            "(2.0)",
            "whose type `{float}` is ambiguous",
        ),
        ("let y = x.min();", "x.min", "`min` takes one argument"),
        ("let y = -v;", "-v", "unsigned values cannot be negated"),
        // Found only once `a` meets `v`, after the negation was checked.
        (
            "let a = 1; let y = -a + v;",
            "-a",
            "unsigned values cannot be negated",
        ),
        (
            "let y = if x > 0.0 { x };",
            "if x",
            "an `if` without `else` has no value",
        ),
        (
            "let y = 1e40f32;",
            "1e40f32",
            "literal out of range for `f32`",
        ),
        (
            "let y = 2147483648;",
            "2147483648",
            "literal out of range for `i32`",
        ),
        (
            "let y = (x > 0.0) as f32;",
            "(x > 0.0) as",
            "a `bool` casts only to an integer type",
        ),
        (
            "let y = z + 1.0;",
            "z",
            "`z` is not a variable of this rule",
        ),
    ] {
        assert_error(v, body, &[], at, message);
    }
}

#[test]
fn types_mix_only_through_as() {
    let v = "x: f32, d: f64, n: i32, m: i64";
    let only_as = "a device rule, like Rust, converts between numeric types only with `as`";
    for (body, at, message) in [
        (
            "let y = x * d;",
            "d;",
            &*format!("`x` is `f32` but `d` is `f64`; {only_as}"),
        ),
        (
            "let y = x * 2;",
            "2;",
            &format!("`2` is `{{integer}}`; {only_as}; write an integer literal as `2.0`"),
        ),
        (
            "let y = n + 2.5;",
            "2.5",
            &format!("`n` is `i32` but `2.5` is `{{float}}`; {only_as}; a float literal cannot"),
        ),
        ("let y = n + m;", "m;", "`n` is `i32` but `m` is `i64`"),
        (
            "let a = 2.0; let y = n * a;",
            "a;",
            "a float literal cannot be an integer",
        ),
        (
            "let y: f32 = d;",
            "d;",
            "`d` is `f64`, but the `let` says `f32`",
        ),
        (
            "let y = if x > 1.0 { x } else { d };",
            "d }",
            "`x` is `f32` but `d` is `f64`",
        ),
        (
            "let y = x.max(d);",
            "d)",
            "`f32::max` takes `f32`, but `d` is `f64`",
        ),
        (
            "let y = f32::sqrt(d);",
            "d)",
            "`f32::sqrt` takes `f32`, but `d` is `f64`",
        ),
        ("let y = x > 1.0 + n;", "n;", "mismatched types"),
        (
            "if x;",
            "x;",
            "a rule's `if` needs a condition (`bool`), but `x` is `f32`",
        ),
        (
            "if (x > 1.0) && n;",
            "n;",
            "`&&` needs a condition (`bool`), but `n` is `i32`",
        ),
        (
            "let c = x > 1.0; let y = c + c;",
            "c + c",
            "`+` needs numbers, but `c` is `bool`",
        ),
    ] {
        assert_error(v, body, &[], at, message);
    }
    // Comparisons give a bool, which a head may not use ...
    let bool_head = "`c` is a condition (`bool`): a device rule's head may use only numbers";
    assert_error(v, "let c = x > 1.0;", &["c"], "", bool_head);
    let error = translate_str(v, "let c = x > 1.0;", &["c"]).err().unwrap();
    assert_eq!(
        error.into_iter().count(),
        2,
        "the head's use, and where `c` is bound"
    );
    // ... nor a name the steps do not bind.
    let unbound = "`x` is not bound by a `let` of this device rule";
    assert_error(v, "let c = x;", &["x"], "", unbound);
}

#[test]
fn every_error_is_reported_once() {
    let v = "x: f32, n: i32";
    let body = "let y = x.powi(2); let z = y * 2.0; let w = n / 2;";
    let error = translate_str(v, body, &["z"]).err().unwrap();
    let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("x.powi(2)") && messages[1].contains("integer division"));
}
