//! Device operators: batches, kernels on the CPU and (with the `opencl` feature) on an OpenCL
//! device compared with their CPU functions, the fallbacks, and `device::map` in a dataflow.

use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blossom::device::{
    self, Batch, DeviceError, DevicePolicy, Devices, Kernel, NumType, SharedStats,
};
use differential_dataflow::consolidation::consolidate;
use differential_dataflow::input::Input;

/// Integer arithmetic over an `int` and a `ulong` column, into an `int` and a `ulong` column.
const INTS: &str = r"
__kernel void ints(const uint n, __global const int* a, __global const ulong* b,
                   __global int* c, __global ulong* d) {
    uint i = get_global_id(0);
    if (i >= n) return;
    c[i] = a[i] * 3 - 7 + (int)(b[i] % 1000);
    d[i] = b[i] * b[i] + (ulong)(a[i] & 0xff);
}
";

/// What `INTS` computes for one row.
fn ints_row(a: i32, b: u64) -> (i32, u64) {
    (a * 3 - 7 + (b % 1000) as i32, b * b + (a & 0xff) as u64)
}

/// `INTS` with `source` in its place (the same entry and columns).
fn ints_with(source: &str) -> Kernel {
    Kernel {
        name: "test: ints".to_string(),
        source: source.to_string(),
        entry: "ints".to_string(),
        inputs: vec![NumType::I32, NumType::U64],
        outputs: vec![NumType::I32, NumType::U64],
        cpu: Arc::new(|inputs: &Batch, outputs: &mut Batch| {
            for i in 0..inputs.len() {
                let (c, d) = ints_row(inputs.get(0, i), inputs.get(1, i));
                outputs.set(0, i, c);
                outputs.set(1, i, d);
            }
        }),
    }
}

fn ints() -> Kernel {
    ints_with(INTS)
}

fn ints_batch(rows: &[(i32, u64)]) -> Batch {
    let mut batch = Batch::new(&[NumType::I32, NumType::U64]);
    for &(a, b) in rows {
        batch.push(0, a);
        batch.push(1, b);
    }
    batch
}

/// What the CPU function of `kernel` gives for `inputs`.
fn on_cpu(kernel: &Kernel, inputs: &Batch) -> Batch {
    let mut outputs = Batch::zeroed(&kernel.outputs, inputs.len());
    (kernel.cpu)(inputs, &mut outputs);
    outputs
}

#[test]
fn batch_push_get_set_zeroed() {
    let types = [NumType::F32, NumType::I64, NumType::U32];
    let mut batch = Batch::new(&types);
    assert!(batch.is_empty());
    for i in 0..5u32 {
        batch.push(0, i as f32 / 2.0);
        batch.push(1, -(i as i64));
        batch.push(2, i * 10);
    }
    assert_eq!((batch.len(), batch.types()), (5, types.to_vec()));
    assert_eq!(batch.get::<f32>(0, 3), 1.5);
    assert_eq!(batch.get::<i64>(1, 4), -4);
    batch.set(2, 1, 99u32);
    assert_eq!(batch.column::<u32>(2), &[0, 99, 20, 30, 40]);

    let zeroed = Batch::zeroed(&[NumType::F64, NumType::U64], 3);
    assert_eq!(zeroed.len(), 3);
    assert_eq!(zeroed.column::<f64>(0), &[0.0; 3]);
    assert_eq!(zeroed.column::<u64>(1), &[0; 3]);
    assert_eq!(Batch::new(&[]).len(), 0);
    assert_eq!(
        NumType::U64.c_name(),
        "ulong",
        "the OpenCL name of a column type"
    );
}

#[test]
#[should_panic(expected = "column 0 holds I32, not F32")]
fn batch_of_the_wrong_type_is_a_clear_panic() {
    ints_batch(&[(1, 2)]).get::<f32>(0, 0);
}

#[test]
fn cpu_policy_runs_the_cpu_function() {
    let stats = Arc::new(SharedStats::default());
    let mut devices = Devices::new(DevicePolicy::Cpu, stats.clone());
    let kernel = ints();
    let rows = [(1, 2), (-5, 1_000_003), (0, 0)];
    let outputs = devices.run(&kernel, &ints_batch(&rows));
    for (i, &(a, b)) in rows.iter().enumerate() {
        assert_eq!((outputs.get(0, i), outputs.get(1, i)), ints_row(a, b));
    }
    let empty = devices.run(&kernel, &ints_batch(&[]));
    assert_eq!(empty, Batch::new(&kernel.outputs));
    let stats = stats.snapshot();
    assert_eq!(
        (stats.cpu_batches, stats.cpu_rows),
        (1, 3),
        "the empty batch ran nowhere"
    );
    assert_eq!((stats.device_batches, stats.fallbacks), (0, 0));
}

/// The name of the test that `no_platform_runs_on_the_cpu` runs in a child process.
const NO_PLATFORM: &str = "no_platform_inner";

#[test]
fn no_platform_runs_on_the_cpu() {
    let exe = std::env::current_exe().expect("the path of this test binary");
    let child = Command::new(exe)
        .args(["--exact", NO_PLATFORM, "--ignored", "--nocapture"])
        .env("OCL_ICD_VENDORS", "/nonexistent")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the inner test ran: {stdout}");
}

#[test]
#[ignore = "run by no_platform_runs_on_the_cpu in a process with no OpenCL platform"]
fn no_platform_inner() {
    let start = Instant::now();
    let error = device::platform().expect_err("no platform");
    if cfg!(feature = "opencl") {
        assert!(matches!(error, DeviceError::NoPlatform(_)), "{error}");
    } else {
        assert_eq!(error, DeviceError::Disabled);
        assert_eq!(error.to_string(), "built without the `opencl` feature");
    }
    let stats = Arc::new(SharedStats::default());
    let mut devices = Devices::new(DevicePolicy::Auto, stats.clone());
    let (kernel, inputs) = (ints(), ints_batch(&[(3, 4), (-2, 7)]));
    assert_eq!(devices.run(&kernel, &inputs), on_cpu(&kernel, &inputs));
    let stats = stats.snapshot();
    assert_eq!(
        (stats.device_rows, stats.cpu_rows, stats.fallbacks),
        (0, 2, 0)
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

/// `kernel` run by `devices`, one map per worker: rows `(a, b)` become `(a, b, c, d)`.
fn ints_map<'s>(
    rows: &blossom::rt::Rel<'s, u64, (i32, u64)>,
    devices: Rc<RefCell<Devices>>,
) -> blossom::rt::Rel<'s, u64, (i32, u64, i32, u64)> {
    device::map(
        rows,
        devices,
        ints(),
        |&(a, b), batch| {
            batch.push(0, a);
            batch.push(1, b);
        },
        // Rows whose `a` is divisible by 5 are dropped, as a rule's condition would.
        |&(a, b), outputs, i| (a % 5 != 0).then(|| (a, b, outputs.get(0, i), outputs.get(1, i))),
    )
}

type Updates = Arc<Mutex<Vec<((i32, u64, i32, u64), u64, isize)>>>;

#[test]
fn map_in_a_dataflow_equals_a_plain_map() {
    let (device_out, plain_out) = (Updates::default(), Updates::default());
    let stats = Arc::new(SharedStats::default());
    let (outs, worker_stats) = ((device_out.clone(), plain_out.clone()), stats.clone());
    timely::execute(timely::Config::process(2), move |worker| {
        let (index, (device_out, plain_out)) = (worker.index() as i32, outs.clone());
        let devices = Devices::new(DevicePolicy::Auto, worker_stats.clone());
        let devices = Rc::new(RefCell::new(devices));
        let (mut input, probe) = worker.dataflow::<u64, _, _>(|scope| {
            let (input, rows) = scope.new_collection::<(i32, u64), isize>();
            let plain = rows.clone().flat_map(|(a, b)| {
                let (c, d) = ints_row(a, b);
                (a % 5 != 0).then_some((a, b, c, d))
            });
            let collect =
                |into: Updates| move |u: &(_, u64, isize)| into.lock().expect("lock").push(*u);
            plain.inspect(collect(plain_out));
            let (probe, _) = ints_map(&rows, devices)
                .inspect(collect(device_out))
                .probe();
            (input, probe)
        });
        // Times 0 to 2 go in before the worker steps, so that several are ready at once;
        // times 3 and 4 run one by one. Each time inserts rows and retracts some of before.
        let row = |k: i32| (k * 7 - 300 + index, (k as u64) * 1_000_003 + index as u64);
        for time in 0..5u64 {
            let k0 = time as i32 * 40;
            for k in k0..k0 + 40 {
                input.insert(row(k));
            }
            for k in ((k0 - 40).max(0)..k0).step_by(3) {
                input.remove(row(k));
            }
            input.insert(row(k0));
            input.advance_to(time + 1);
            input.flush();
            if time >= 2 {
                worker.step_while(|| probe.less_than(input.time()));
            }
        }
    })
    .expect("timely runs");
    let consolidated = |updates: &Updates| {
        let mut updates: Vec<_> = (updates.lock().expect("lock").iter())
            .map(|(row, time, diff)| ((*row, *time), *diff))
            .collect();
        consolidate(&mut updates);
        updates
    };
    let (device, plain) = (consolidated(&device_out), consolidated(&plain_out));
    assert!(
        plain.iter().any(|&(_, diff)| diff < 0),
        "rows were retracted"
    );
    assert_eq!(device, plain);
    let stats = stats.snapshot();
    assert!(stats.device_rows + stats.cpu_rows > 0);
    assert_eq!(stats.fallbacks, 0);
    if blossom::testing::opencl("map_in_a_dataflow_equals_a_plain_map") {
        assert!(
            stats.device_rows > 0,
            "the rows ran on the device: {stats:?}"
        );
    }
}

/// Kernels on an OpenCL device (PoCL in CI) against their CPU functions.
#[cfg(feature = "opencl")]
mod opencl {
    use std::cell::RefCell;
    use std::sync::Arc;

    use blossom::device::{Batch, DevicePolicy, Devices, Kernel, NumType, SharedStats};
    use proptest::collection::vec;
    use proptest::test_runner::{Config, TestRunner};

    use super::{INTS, ints, ints_batch, ints_with, on_cpu};

    /// Float math over `x` (at least 0) and `y`, in `float` or `double` (`T`).
    fn floats(ty: NumType) -> Kernel {
        let t = ty.c_name();
        let source = format!(
            r"
            #pragma OPENCL EXTENSION cl_khr_fp64 : enable
            __kernel void floats(const uint n, __global const {t}* x, __global const {t}* y,
                                 __global {t}* out) {{
                uint i = get_global_id(0);
                if (i >= n) return;
                out[i] = sqrt(x[i]) * exp(y[i]) + fmin(x[i], y[i]);
            }}"
        );
        let cpu: super::device::CpuKernel = match ty {
            NumType::F32 => Arc::new(|inputs: &Batch, outputs: &mut Batch| {
                for i in 0..inputs.len() {
                    let (x, y) = (inputs.get::<f32>(0, i), inputs.get::<f32>(1, i));
                    outputs.set(0, i, x.sqrt() * y.exp() + x.min(y));
                }
            }),
            _ => Arc::new(|inputs: &Batch, outputs: &mut Batch| {
                for i in 0..inputs.len() {
                    let (x, y) = (inputs.get::<f64>(0, i), inputs.get::<f64>(1, i));
                    outputs.set(0, i, x.sqrt() * y.exp() + x.min(y));
                }
            }),
        };
        Kernel {
            name: format!("test: floats of {t}"),
            source,
            entry: "floats".to_string(),
            inputs: vec![ty, ty],
            outputs: vec![ty],
            cpu,
        }
    }

    /// Runs `kernel` on the device over random batches of up to 300 rows (`batch` makes one
    /// from random values), checking each output column against the CPU function's with
    /// `check`; fails if any batch ran elsewhere.
    fn against_cpu<S: proptest::strategy::Strategy>(
        kernel: Kernel,
        values: S,
        batch: impl Fn(&[S::Value]) -> Batch,
        check: impl Fn(&Batch, &Batch) -> Result<(), String>,
    ) {
        let stats = Arc::new(SharedStats::default());
        let devices = RefCell::new(Devices::new(DevicePolicy::Auto, stats.clone()));
        let mut runner = TestRunner::new(Config::with_cases(24));
        let ran = runner.run(&vec(values, 1..300), |rows| {
            let inputs = batch(&rows);
            let on_device = devices.borrow_mut().run(&kernel, &inputs);
            let expected = on_cpu(&kernel, &inputs);
            check(&on_device, &expected).map_err(proptest::test_runner::TestCaseError::fail)
        });
        if let Err(failure) = ran {
            panic!("{}: {failure}", kernel.name);
        }
        let stats = stats.snapshot();
        assert!(
            stats.device_rows > 0,
            "{}: no row ran on the device",
            kernel.name
        );
        assert_eq!((stats.cpu_rows, stats.fallbacks), (0, 0), "{}", kernel.name);
    }

    #[test]
    fn integer_kernel_equals_the_cpu() {
        if !blossom::testing::opencl("integer_kernel_equals_the_cpu") {
            return;
        }
        let values = (-(1 << 20)..(1 << 20), 0..(1u64 << 31));
        against_cpu(ints(), values, ints_batch, |device, cpu| {
            match device == cpu {
                true => Ok(()),
                false => Err(format!("device {device:?}\ncpu {cpu:?}")),
            }
        });
    }

    /// Relative error up to `rel`, plus `abs` near zero.
    fn close(device: &[f64], cpu: &[f64], rel: f64, abs: f64) -> Result<(), String> {
        let far = (device.iter().zip(cpu).enumerate())
            .find(|&(_, (d, c))| (d - c).abs() > rel * c.abs() + abs || d.is_nan() != c.is_nan());
        match (device.len() == cpu.len(), far) {
            (true, None) => Ok(()),
            (_, far) => Err(format!("row {far:?} of {} is off", cpu.len())),
        }
    }

    #[test]
    fn f32_math_is_close_to_the_cpu() {
        if !blossom::testing::opencl("f32_math_is_close_to_the_cpu") {
            return;
        }
        let values = (0.0f32..1e6, -10.0f32..10.0);
        let batch = |rows: &[(f32, f32)]| {
            let mut batch = Batch::new(&[NumType::F32, NumType::F32]);
            for &(x, y) in rows {
                batch.push(0, x);
                batch.push(1, y);
            }
            batch
        };
        let widen = |b: &Batch| {
            b.column::<f32>(0)
                .iter()
                .map(|&v| v as f64)
                .collect::<Vec<_>>()
        };
        against_cpu(floats(NumType::F32), values, batch, |device, cpu| {
            close(&widen(device), &widen(cpu), 1e-5, 1e-6)
        });
    }

    #[test]
    fn f64_math_is_close_to_the_cpu() {
        if !blossom::testing::opencl("f64_math_is_close_to_the_cpu") {
            return;
        }
        let values = (0.0f64..1e12, -30.0f64..30.0);
        let batch = |rows: &[(f64, f64)]| {
            let mut batch = Batch::new(&[NumType::F64, NumType::F64]);
            for &(x, y) in rows {
                batch.push(0, x);
                batch.push(1, y);
            }
            batch
        };
        against_cpu(floats(NumType::F64), values, batch, |device, cpu| {
            close(device.column(0), cpu.column(0), 1e-12, 1e-12)
        });
    }

    #[test]
    fn many_rows_past_a_multiple_of_the_launch_size() {
        if !blossom::testing::opencl("many_rows_past_a_multiple_of_the_launch_size") {
            return;
        }
        let stats = Arc::new(SharedStats::default());
        let mut devices = Devices::new(DevicePolicy::Auto, stats.clone());
        let rows: Vec<(i32, u64)> = (0..100_003).map(|i| (i - 50_000, i as u64 * 31)).collect();
        let inputs = ints_batch(&rows);
        assert_eq!(devices.run(&ints(), &inputs), on_cpu(&ints(), &inputs));
        assert_eq!(stats.snapshot().device_rows, 100_003);
    }

    /// A kernel the device cannot run: the batch and every later one run on the CPU.
    fn falls_back(kernel: Kernel) {
        let stats = Arc::new(SharedStats::default());
        let mut devices = Devices::new(DevicePolicy::Auto, stats.clone());
        for rows in [&[(1, 2), (3, 4)][..], &[(5, 6)]] {
            let inputs = ints_batch(rows);
            assert_eq!(devices.run(&kernel, &inputs), on_cpu(&kernel, &inputs));
        }
        let stats = stats.snapshot();
        assert_eq!(
            (stats.fallbacks, stats.cpu_batches, stats.cpu_rows),
            (1, 2, 3)
        );
        assert_eq!(stats.device_rows, 0);
    }

    #[test]
    fn a_kernel_with_a_syntax_error_runs_on_the_cpu() {
        if !blossom::testing::opencl("a_kernel_with_a_syntax_error_runs_on_the_cpu") {
            return;
        }
        falls_back(ints_with(&format!("{INTS} }}")));
    }

    #[test]
    fn a_kernel_whose_arguments_do_not_match_its_columns_runs_on_the_cpu() {
        if !blossom::testing::opencl(
            "a_kernel_whose_arguments_do_not_match_its_columns_runs_on_the_cpu",
        ) {
            return;
        }
        falls_back(ints_with(
            &INTS.replace("__global ulong* d", "__global long* d"),
        ));
    }

    #[test]
    fn the_platform_is_found() {
        if !blossom::testing::opencl("the_platform_is_found") {
            return;
        }
        let platform = blossom::device::platform().expect("PoCL or another OpenCL platform");
        assert!(platform.contains(" / "), "{platform}");
    }
}
