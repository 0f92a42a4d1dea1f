//! Device rules: the C they become, the Rust they run as on the CPU, and what they reject.

use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Pat, Token, Type};

use super::*;

mod errors;

/// A rule's steps as the tests write them: `let x = e;` and `if e;`.
enum Owned {
    Let(Box<Pat>, Expr),
    If(Expr),
}

impl Parse for Owned {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.parse::<Option<Token![if]>>()?.is_some() {
            let expr = input.parse()?;
            input.parse::<Token![;]>()?;
            return Ok(Owned::If(expr));
        }
        match input.parse::<syn::Stmt>()? {
            syn::Stmt::Local(local) => {
                let init = local.init.expect("a `let` with a value");
                Ok(Owned::Let(Box::new(local.pat), *init.expr))
            }
            _ => Err(input.error("expected `let` or `if`")),
        }
    }
}

fn column(input: ParseStream) -> syn::Result<(Ident, Type)> {
    let ident = input.parse()?;
    input.parse::<Token![:]>()?;
    Ok((ident, input.parse()?))
}

/// Translates the rule whose atom binds `vars` (`x: f32, p: (f32, f32)`) and whose steps are
/// `body` (`let y = x * 2.0; if y > 1.0;`), for a head that needs `wanted`.
fn translate_str(vars: &str, body: &str, wanted: &[&str]) -> syn::Result<DeviceKernel> {
    let vars =
        (|input: ParseStream| Punctuated::<_, Token![,]>::parse_terminated_with(input, column))
            .parse_str(vars)
            .unwrap();
    let steps = (|input: ParseStream| {
        let mut steps = Vec::new();
        while !input.is_empty() {
            steps.push(input.parse::<Owned>()?);
        }
        Ok(steps)
    })
    .parse_str(body)
    .unwrap();
    let inputs: Vec<DeviceVar> = vars
        .iter()
        .map(|(ident, ty)| DeviceVar { ident, ty })
        .collect();
    let steps: Vec<Step> = (steps.iter())
        .map(|step| match step {
            Owned::Let(pat, expr) => Step::Let { pat, expr },
            Owned::If(expr) => Step::If { expr },
        })
        .collect();
    let wanted: Vec<Ident> = wanted
        .iter()
        .map(|name| syn::parse_str(name).unwrap())
        .collect();
    translate("rule_0", &inputs, &steps, &wanted)
}

fn source(vars: &str, body: &str, wanted: &[&str]) -> String {
    match translate_str(vars, body, wanted) {
        Ok(kernel) => kernel.source,
        Err(error) => panic!("{error}"),
    }
}

fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "`{part}` is not in:\n{text}");
    }
}

/// Asserts that the rule fails with an error that starts at the first `at` in `body` and
/// whose message contains `message`.
#[track_caller]
fn assert_error(vars: &str, body: &str, wanted: &[&str], at: &str, message: &str) {
    let error = match translate_str(vars, body, wanted) {
        Ok(kernel) => panic!("expected an error, got:\n{}", kernel.source),
        Err(error) => error,
    };
    let offset = body.find(at).expect("`at` is in the body");
    let line = body[..offset].matches('\n').count() + 1;
    let column = body[..offset]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .count();
    let start = error.span().start();
    assert_eq!(
        (start.line, start.column),
        (line, column),
        "{error} is not at `{at}`"
    );
    assert!(
        error.to_string().contains(message),
        "`{message}` is not in: {error}"
    );
}

#[test]
fn a_filtered_float_rule_becomes_a_kernel_with_a_keep_column() {
    let kernel = translate_str("x: f32, id: u64", "let y = x * 2.0; if y > 1.0;", &["y"]).unwrap();
    assert_eq!(kernel.entry, "rule_0");
    assert!(kernel.filters);
    assert_eq!(
        kernel.inputs,
        vec![(syn::parse_str("x").unwrap(), None, NumTy::F32)]
    );
    let outputs: Vec<_> = kernel
        .outputs
        .iter()
        .map(|(i, t)| (i.to_string(), *t))
        .collect();
    assert_eq!(
        outputs,
        [("y".into(), NumTy::F32), ("keep".into(), NumTy::U32)]
    );
    assert_eq!(
        kernel.source,
        "#pragma OPENCL FP_CONTRACT OFF\n\n\
         __kernel void rule_0(\n    const uint n,\n    __global const float* in0,\n    \
         __global float* out0,\n    __global uint* out1)\n{\n    \
         const size_t i = get_global_id(0);\n    if (i >= n) return;\n    \
         const float a_x = in0[i];\n    uint keep = 1u;\n    \
         const float v_y = (a_x * 2.0f);\n    if (!(v_y > 1.0f)) keep = 0u;\n    \
         out0[i] = v_y;\n    out1[i] = keep;\n}\n"
    );
}

#[test]
fn a_rule_without_if_has_no_keep_column() {
    let kernel = translate_str("x: f32", "let y = x + 1.0;", &["y"]).unwrap();
    assert!(!kernel.filters);
    assert_eq!(kernel.outputs.len(), 1);
    assert!(!kernel.source.contains("keep"));
}

#[test]
fn f64_anywhere_enables_the_extension() {
    let pragma = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n";
    assert!(source("x: f64", "let y = x + 1.0;", &["y"]).starts_with(pragma));
    // Only an intermediate is a double: an unsuffixed float literal that nothing types.
    let s = source("x: f32", "let y = (x as f64 * 0.5) as f32;", &["y"]);
    assert!(s.starts_with(pragma), "{s}");
    assert_contains(&s, &["v_y = ((float)(((double)a_x) * 0.5));"]);
    assert!(!source("x: f32", "let y = x + 1.0;", &["y"]).contains("fp64"));
}

#[test]
fn shadowing_gives_each_binding_a_fresh_c_name() {
    let s = source("x: f32", "let x = x + 1.0; let x = x * x;", &["x"]);
    assert_contains(
        &s,
        &[
            "const float a_x = in0[i];",
            "const float v_x = (a_x + 1.0f);",
            "const float v_x_2 = (v_x * v_x);",
            "out0[i] = v_x_2;",
        ],
    );
    // A user's `x_2` keeps its own name; the second `x` then takes the next free one.
    let s = source(
        "x: f32",
        "let x_2 = x; let x = x_2; let x = x;",
        &["x", "x_2"],
    );
    assert_contains(
        &s,
        &[
            "v_x_2 = a_x;",
            "v_x = v_x_2;",
            "v_x_3 = v_x;",
            "out0[i] = v_x_3;",
            "out1[i] = v_x_2;",
        ],
    );
    // Raw and non-C-keyword names are mangled into the `v_` namespace.
    let s = source("x: f32", "let r#int = x; let double = r#int;", &["double"]);
    assert_contains(
        &s,
        &["const float v_int = a_x;", "const float v_double = v_int;"],
    );
}

#[test]
fn unsuffixed_literals_take_the_type_they_meet() {
    let s = source(
        "x: f32, d: f64, n: i64, u: u32",
        "let a = 2.0 * x; let b = 1.5 + d; let c = 2 * n; let e = u + 7; let f = 3.0; let g = f * x;",
        &["a", "b", "c", "e", "g"],
    );
    assert_contains(
        &s,
        &[
            "(2.0f * a_x)",
            "(1.5 + a_d)",
            "as_long((ulong)2l * (ulong)a_n)",
            "(a_u + 7u)",
            // Typed by a later use, as rustc infers it.
            "const float v_f = 3.0f;",
        ],
    );
    // With nothing to say otherwise, Rust's fallback: i32 and f64.
    let s = source(
        "x: f32",
        "let a = 1; let b = 2.5; let c = 1f32;",
        &["a", "b", "c"],
    );
    assert_contains(
        &s,
        &[
            "const int v_a = 1;",
            "const double v_b = 2.5;",
            "const float v_c = 1.0f;",
        ],
    );
}

#[test]
fn a_cast_types_the_literal_it_casts_as_rustc_does() {
    let s = source(
        "x: f32",
        "let a = 3000000000 as u32; let b = 1.1 as f32; let c = (1 + 2) as u64; let d = -(5) as i64;",
        &["a", "b", "c", "d"],
    );
    assert_contains(
        &s,
        &[
            "v_a = 3000000000u;",
            "v_b = 1.1f;",
            "((ulong)as_int((uint)1 + (uint)2))",
            "v_d = (-5l);",
        ],
    );
    // Without a cast the literal is an `i32`, and too large for one.
    assert_error(
        "x: f32",
        "let a = 3000000000;",
        &["a"],
        "3000000000",
        "out of range for `i32`",
    );
}

#[test]
fn casts_follow_rust_where_c_differs() {
    let s = source(
        "x: f32, d: f64, n: i64, u: u32, m: i32",
        "let a = x as i32; let b = d as u64; let c = n as i32; let e = u as i32; let f = m as i64; \
         let g = u as i64; let h = n as u32; let k = m as f32; let l = d as f32; let o = x as f32; \
         let p = (x > 0.0) as u32;",
        &["a", "b", "c", "e", "f", "g", "h", "k", "l", "o", "p"],
    );
    assert_contains(
        &s,
        &[
            // Rust saturates and sends NaN to 0; C would be undefined.
            "v_a = convert_int_sat_rtz(a_x);",
            "v_b = convert_ulong_sat_rtz(a_d);",
            // Narrowing to a signed type goes through the unsigned one.
            "v_c = as_int((uint)a_n);",
            "v_e = as_int((uint)a_u);",
            "v_f = ((long)a_m);",
            "v_g = ((long)a_u);",
            "v_h = ((uint)a_n);",
            "v_k = ((float)a_m);",
            "v_l = ((float)a_d);",
            "v_o = a_x;",
            "v_p = ((uint)(a_x > 0.0f));",
        ],
    );
}

#[test]
fn if_expressions_and_methods_become_ternaries_and_builtins() {
    let s = source(
        "x: f32, n: i32, u: u64",
        "let y = if x > 0.0 { x.sqrt() } else if x < -1.0 { 0.0 } else { -x }; \
         let z = f32::max(y, 1.0).min(x.abs()); let e = x.exp(); \
         let k = n.abs().max(2); let v = u.min(10); let r = x % 2.5; \
         if !(x != x) && (n >= 0 || u == 3);",
        &["y", "z", "e", "k", "v", "r"],
    );
    assert_contains(
        &s,
        &[
            "v_y = ((a_x > 0.0f) ? sqrt(a_x) : ((a_x < (-1.0f)) ? 0.0f : (-a_x)));",
            "v_z = fmin(fmax(v_y, 1.0f), fabs(a_x));",
            "v_e = exp(a_x);",
            "v_k = max(as_int(abs(a_n)), 2);",
            "v_v = min(a_u, 10ul);",
            "v_r = fmod(a_x, 2.5f);",
            "if (!((!(a_x != a_x)) && ((a_n >= 0) || (a_u == 3ul)))) keep = 0u;",
        ],
    );
}

#[test]
fn signed_integer_arithmetic_wraps_as_in_rust() {
    let s = source(
        "n: i32, m: i64, u: u32",
        "let a = n * 3 - 1; let b = -m; let c = -2147483648; let d = u - 1;",
        &["a", "b", "c", "d"],
    );
    assert_contains(
        &s,
        &[
            "v_a = as_int((uint)as_int((uint)a_n * (uint)3) - (uint)1);",
            "v_b = as_long(-(ulong)a_m);",
            "v_c = (-2147483647 - 1);",
            "v_d = (a_u - 1u);",
        ],
    );
}

#[test]
fn tuple_columns_are_read_field_by_field() {
    let kernel = translate_str(
        "p: (f32, f32), q: (i32, f32, i64), s: String",
        "let y = p.1 + q.1; let z = q.0 * 2;",
        &["y", "z"],
    )
    .unwrap();
    let inputs: Vec<_> = (kernel.inputs.iter())
        .map(|(i, f, t)| (i.to_string(), *f, *t))
        .collect();
    assert_eq!(
        inputs,
        [
            ("p".into(), Some(1), NumTy::F32),
            ("q".into(), Some(0), NumTy::I32),
            ("q".into(), Some(1), NumTy::F32),
        ]
    );
    assert_contains(
        &kernel.source,
        &[
            "const float a_p_1 = in0[i];",
            "const int a_q_0 = in1[i];",
            "const float a_q_1 = in2[i];",
        ],
    );
    // On the CPU the tuple is rebuilt, its unused fields defaulted.
    let cpu = kernel.cpu.to_string();
    assert_contains(
        &cpu,
        &[
            "let p : (f32 , f32 ,) = (:: core :: default :: Default :: default () , __inputs . get :: < f32 > (0usize , __i) ,) ;",
            "let q : (i32 , f32 , i64 ,) = (__inputs . get :: < i32 > (1usize , __i) , __inputs . get :: < f32 > (2usize , __i) , :: core :: default :: Default :: default () ,) ;",
        ],
    );
    assert!(!cpu.contains("let s"), "{cpu}");
}

#[test]
fn the_cpu_closure_runs_the_users_own_steps_in_the_same_layout() {
    let kernel = translate_str(
        "x: f32, unused: String",
        "let y = x * 2.0; if y > 1.0; let z: f64 = y as f64;",
        &["z", "y"],
    )
    .unwrap();
    let cpu = kernel.cpu.to_string();
    let closure: syn::ExprClosure = syn::parse2(kernel.cpu.clone()).expect("a closure");
    assert!(closure.capture.is_some());
    assert_contains(
        &cpu,
        &[
            "move | __inputs : & :: blossom :: device :: Batch , __outputs : & mut :: blossom :: device :: Batch |",
            "for __i in 0 .. __inputs . len ()",
            "let x : f32 = __inputs . get :: < f32 > (0usize , __i) ;",
            // Inferred types are written down, so that rustc cannot infer another.
            "let y : f32 = x * 2.0 ;",
            "let __keep : bool = y > 1.0 ; if ! __keep { __outputs . set :: < u32 > (2usize , __i , 0u32) ; continue ; }",
            "let z : f64 = y as f64 ;",
            "__outputs . set :: < f64 > (0usize , __i , z) ; __outputs . set :: < f32 > (1usize , __i , y) ; __outputs . set :: < u32 > (2usize , __i , 1u32) ;",
        ],
    );
    assert!(!cpu.contains("unused"));
    assert_contains(
        &kernel.source,
        &["out0[i] = v_z;", "out1[i] = v_y;", "out2[i] = keep;"],
    );
}

#[test]
fn a_kernel_name_must_be_a_c_identifier() {
    assert!(translate("rule 0", &[], &[], &[]).is_err());
    assert!(translate("0rule", &[], &[], &[]).is_err());
    assert!(translate("_rule0", &[], &[], &[]).is_ok());
}
