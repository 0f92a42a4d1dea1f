//! Rules marked `#[device]`: translated to OpenCL C by the macro, or with a kernel the program
//! supplies. On random rows they give what the CPU path gives (integers exactly, floats within
//! a relative 1e-5) and what the same expressions give in plain Rust; with the `opencl` feature
//! (CI installs PoCL) the rows really ran on the device, without it on the CPU.

use std::collections::BTreeMap;
use std::sync::Arc;

use blossom::device::{Batch, DevicePolicy, Kernel, NumType};
use blossom::{Config, F32};

blossom::program! {
    /// A map stage over float and integer columns, a tuple column, and a filter.
    pub Scores {
        input  point(id: u32, x: F32, y: F32, n: i64, pair: (u32, F32));
        output scored(id: u32, s: F32, m: i64, k: u64, n: i64);
        #[device]
        scored(id, s, m, k, n) <= point(id, x, y, n, pair),
            let s = (x * x + y * y).sqrt() * 0.5 + x.max(y).abs() - (-x).exp() / 4.0,
            let m = n * 3 - 7,
            let k: u64 = (pair.0 as u64) * 2 + (pair.1 * 10.0) as u64,
            if x > -0.5 && m != 2;
    }
}

/// A dot product of three columns with fixed weights, as a program supplies it: OpenCL C and
/// the same on the CPU.
fn weighted() -> Kernel {
    let source = r#"
        __kernel void weighted(const uint n, __global const float* a, __global const float* b,
                               __global const uint* c, __global float* out, __global uint* twice) {
            uint i = get_global_id(0);
            if (i >= n) return;
            out[i] = 0.25f * a[i] + 0.75f * b[i];
            twice[i] = c[i] * 2u;
        }
    "#;
    let cpu = |inputs: &Batch, outputs: &mut Batch| {
        for i in 0..inputs.len() {
            let (a, b, c) = (
                inputs.get::<f32>(0, i),
                inputs.get::<f32>(1, i),
                inputs.get::<u32>(2, i),
            );
            outputs.set(0, i, 0.25f32 * a + 0.75f32 * b);
            outputs.set(1, i, c * 2);
        }
    };
    Kernel {
        name: "weighted".into(),
        source: source.into(),
        entry: "weighted".into(),
        inputs: vec![NumType::F32, NumType::F32, NumType::U32],
        outputs: vec![NumType::F32, NumType::U32],
        cpu: Arc::new(cpu),
    }
}

blossom::program! {
    /// A kernel the program supplies: the `let` says what goes in and what comes out.
    pub Weighted {
        input  row(id: u32, a: F32, b: F32, c: u32);
        output out(id: u32, w: F32, twice: u32);
        #[device(kernel = weighted())]
        out(id, w, twice) <= row(id, a, b, c), let (w, twice) = kernel(a, b, c);
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A float in [-1, 1).
    fn float(&mut self) -> f32 {
        (self.next() % 2_000_000) as f32 / 1_000_000.0 - 1.0
    }
}

type Point = (u32, F32, F32, i64, (u32, F32));
type Scored = (u32, F32, i64, u64, i64);

/// The rule in plain Rust.
fn expected(points: &[Point]) -> BTreeMap<u32, Scored> {
    let mut out = BTreeMap::new();
    for &(id, F32(x), F32(y), n, (p, F32(q))) in points {
        let s = (x * x + y * y).sqrt() * 0.5 + x.max(y).abs() - (-x).exp() / 4.0;
        let m = n * 3 - 7;
        let k = (p as u64) * 2 + (q * 10.0) as u64;
        if x > -0.5 && m != 2 {
            out.insert(id, (id, F32(s), m, k, n));
        }
    }
    out
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * a.abs().max(b.abs()) + 1e-6
}

fn by_id(rows: Vec<Scored>) -> BTreeMap<u32, Scored> {
    rows.into_iter().map(|row| (row.0, row)).collect()
}

/// Equal rows, floats within tolerance.
fn agree(got: &BTreeMap<u32, Scored>, want: &BTreeMap<u32, Scored>) -> Result<(), String> {
    if got.keys().ne(want.keys()) {
        return Err(format!("{} rows, {} expected", got.len(), want.len()));
    }
    for (id, g) in got {
        let w = &want[id];
        if (g.0, g.2, g.3, g.4) != (w.0, w.2, w.3, w.4) || !close(g.1.0, w.1.0) {
            return Err(format!("row {id}: {g:?}, expected {w:?}"));
        }
    }
    Ok(())
}

#[test]
fn a_translated_rule_gives_the_same_rows_on_the_device_and_the_cpu() {
    let mut rng = Rng(0x5eed);
    for workers in [1, 2] {
        let auto = Config::with_workers(workers);
        let cpu = Config::with_workers(workers).device(DevicePolicy::Cpu);
        let mut on_device = Scores::with_config(&auto).unwrap();
        let mut on_cpu = Scores::with_config(&cpu).unwrap();
        for tick in 0..3 {
            let points: Vec<Point> = (0..500u32)
                .map(|id| {
                    let (x, y, q) = (rng.float(), rng.float(), rng.float().abs());
                    let n = (rng.next() % 2001) as i64 - 1000;
                    (id, F32(x), F32(y), n, ((rng.next() % 1000) as u32, F32(q)))
                })
                .collect();
            on_device.point.extend(points.iter().copied());
            on_cpu.point.extend(points.iter().copied());
            on_device.tick().unwrap();
            on_cpu.tick().unwrap();
            let want = expected(&points);
            assert!(want.len() > 100, "the filter keeps some rows");
            let device = by_id(on_device.scored.snapshot().unwrap());
            let cpu = by_id(on_cpu.scored.snapshot().unwrap());
            let at = format!("{workers} workers, tick {tick}");
            agree(&device, &want).unwrap_or_else(|e| panic!("device path, {at}: {e}"));
            agree(&cpu, &want).unwrap_or_else(|e| panic!("cpu path, {at}: {e}"));
        }
        // The rule maps updates: each tick's 500 rows arrive, and the last tick's leave (an
        // input's rows hold for one tick), so 500 + 1000 + 1000 updates went through it.
        let updates = 500 + 1000 + 1000;
        let (device, cpu) = (on_device.device_stats(), on_cpu.device_stats());
        assert_eq!((cpu.device_rows, cpu.cpu_rows), (0, updates), "{cpu:?}");
        if blossom::testing::opencl("a_translated_rule") {
            // CI installs PoCL: the rows must really have run there.
            assert_eq!(device.device_rows, updates, "{device:?}");
            assert_eq!(device.fallbacks, 0, "{device:?}");
        } else {
            assert_eq!(device.cpu_rows, updates, "{device:?}");
        }
    }
}

#[test]
fn a_supplied_kernel_runs_where_the_program_runs() {
    let mut rng = Rng(0xbeef);
    let rows: Vec<(u32, F32, F32, u32)> = (0..300u32)
        .map(|id| {
            (
                id,
                F32(rng.float()),
                F32(rng.float()),
                (rng.next() % 1000) as u32,
            )
        })
        .collect();
    for policy in [DevicePolicy::Auto, DevicePolicy::Cpu] {
        let mut program = Weighted::with_config(&Config::with_workers(2).device(policy)).unwrap();
        program.row.extend(rows.iter().copied());
        program.tick().unwrap();
        let got: BTreeMap<u32, (F32, u32)> = (program.out.snapshot().unwrap().into_iter())
            .map(|(id, w, t)| (id, (w, t)))
            .collect();
        assert_eq!(got.len(), rows.len(), "{policy:?}");
        for &(id, F32(a), F32(b), c) in &rows {
            let (F32(w), twice) = got[&id];
            assert!(close(w, 0.25 * a + 0.75 * b), "{policy:?}, row {id}: {w}");
            assert_eq!(twice, c * 2, "{policy:?}, row {id}");
        }
        let stats = program.device_stats();
        let on_device =
            blossom::testing::opencl("a_supplied_kernel") && policy == DevicePolicy::Auto;
        assert_eq!(stats.device_rows > 0, on_device, "{policy:?}: {stats:?}");
    }
}

#[test]
fn explain_names_the_device_rule() {
    let text = Scores::explain().to_string();
    assert!(text.contains("map point on an OpenCL device"), "{text}");
}
