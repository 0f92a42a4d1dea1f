//! Device operators: a rule's per-row function run as an OpenCL kernel over a batch of rows,
//! or on the CPU when there is no device.
//!
//! A rule marked for a device becomes a call of [`map`]: per time, the rows are gathered into
//! columns ([`Batch`]), a [`Kernel`] computes output columns from them, and each output row is
//! scattered back into a relation's row. Every kernel comes with the same function for the
//! CPU, so that a program gives the same rows wherever it runs:
//!
//! - The OpenCL platform and device are found once per process ([`platform`]); a GPU is
//!   preferred. With none (or built without the `opencl` feature, or with
//!   [`DevicePolicy::Cpu`]) every kernel runs on the CPU, and the log says so once.
//! - A kernel that fails on the device (it does not build, or enqueuing or reading it fails)
//!   is logged once, counted in [`DeviceStats::fallbacks`], and runs on the CPU from then on.
//!   A device error is never a panic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

mod batch;
mod map;
#[cfg(feature = "opencl")]
mod opencl;

pub use crate::float::DeviceValue;
pub use batch::{Batch, Column, Num, NumType};
pub use map::map;

/// Whether this build of Blossom can run kernels on OpenCL devices (its `opencl` feature).
pub const OPENCL: bool = cfg!(feature = "opencl");

/// The same function on the CPU: reads `inputs`, writes `outputs` (already
/// [zeroed](Batch::zeroed) to the inputs' length, with the kernel's output types).
pub type CpuKernel = Arc<dyn Fn(&Batch, &mut Batch) + Send + Sync>;

/// A kernel: OpenCL C source and the CPU function that computes the same.
///
/// The calling convention, with `T` each column's [`NumType::c_name`]:
///
/// ```c
/// __kernel void ENTRY(const uint n,
///                     __global const T* in0, ...,   // one per input column, in order
///                     __global T* out0, ...)        // one per output column, in order
/// {
///     uint i = get_global_id(0);
///     if (i >= n) return;   // the global size may be rounded up past the rows
///     out0[i] = ...;        // work item i reads and writes row i
/// }
/// ```
///
/// A kernel has at least one input column: a batch's rows are its first column's values.
#[derive(Clone)]
pub struct Kernel {
    /// What logs call it, e.g. `"Program: rule 3"`.
    pub name: String,
    /// The OpenCL C source of a program that defines `entry`.
    pub source: String,
    /// The name of the `__kernel` function in `source`.
    pub entry: String,
    /// The types of the input columns.
    pub inputs: Vec<NumType>,
    /// The types of the output columns.
    pub outputs: Vec<NumType>,
    /// The same function on the CPU.
    pub cpu: CpuKernel,
}

impl Kernel {
    /// The kernel, once its columns are checked against what the rule that calls it reads and
    /// writes (`#[device(kernel = ..)]`).
    ///
    /// # Panics
    /// If they differ: the program and its kernel disagree, which the worker reports as it
    /// starts (`Error::WorkerFailed`), before any row is computed.
    pub fn expect_types(self, inputs: &[NumType], outputs: &[NumType]) -> Kernel {
        assert!(
            self.inputs == inputs && self.outputs == outputs,
            "kernel {} takes {:?} and gives {:?}, but its rule passes {:?} and reads {:?}",
            self.name,
            self.inputs,
            self.outputs,
            inputs,
            outputs
        );
        self
    }
}

impl fmt::Debug for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kernel")
            .field("name", &self.name)
            .field("entry", &self.entry)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .finish_non_exhaustive()
    }
}

/// Where device operators run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DevicePolicy {
    /// On an OpenCL device if there is one, else on the CPU.
    #[default]
    Auto,
    /// Always on the CPU.
    Cpu,
}

/// What device operators did, counted across a program's workers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Batches that ran on the device.
    pub device_batches: u64,
    /// Rows of the batches that ran on the device.
    pub device_rows: u64,
    /// Batches that ran on the CPU, fallbacks included.
    pub cpu_batches: u64,
    /// Rows of the batches that ran on the CPU.
    pub cpu_rows: u64,
    /// Batches that failed on the device and ran on the CPU.
    pub fallbacks: u64,
}

/// The counters behind [`DeviceStats`], shared by a program's workers.
#[derive(Debug, Default)]
pub struct SharedStats {
    device_batches: AtomicU64,
    device_rows: AtomicU64,
    cpu_batches: AtomicU64,
    cpu_rows: AtomicU64,
    fallbacks: AtomicU64,
}

impl SharedStats {
    /// The counts so far.
    pub fn snapshot(&self) -> DeviceStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        DeviceStats {
            device_batches: load(&self.device_batches),
            device_rows: load(&self.device_rows),
            cpu_batches: load(&self.cpu_batches),
            cpu_rows: load(&self.cpu_rows),
            fallbacks: load(&self.fallbacks),
        }
    }

    fn ran(&self, on_device: bool, rows: usize) {
        let (batches, counted) = match on_device {
            true => (&self.device_batches, &self.device_rows),
            false => (&self.cpu_batches, &self.cpu_rows),
        };
        batches.fetch_add(1, Ordering::Relaxed);
        counted.fetch_add(rows as u64, Ordering::Relaxed);
    }
}

/// Why device operators run on the CPU, or why a kernel failed on the device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The OpenCL loader found no platform.
    #[error("no OpenCL platform ({0})")]
    NoPlatform(String),
    /// No platform has a device.
    #[error("no OpenCL device on {0}")]
    NoDevice(String),
    /// The device was found but could not be set up (a context or a queue).
    #[error("setting up OpenCL device {device} failed: {error}")]
    Setup {
        /// The platform and device.
        device: String,
        /// What OpenCL said.
        error: String,
    },
    /// The kernel's source did not build.
    #[error("kernel `{kernel}` did not build: {log}")]
    Build {
        /// The kernel's name.
        kernel: String,
        /// The compiler's error and build log.
        log: String,
    },
    /// Creating the kernel, moving its columns to the device or enqueuing it failed.
    #[error("enqueuing kernel `{kernel}` failed: {error}")]
    Enqueue {
        /// The kernel's name.
        kernel: String,
        /// What OpenCL said.
        error: String,
    },
    /// Reading the kernel's output columns back failed.
    #[error("reading the outputs of kernel `{kernel}` failed: {error}")]
    Read {
        /// The kernel's name.
        kernel: String,
        /// What OpenCL said.
        error: String,
    },
    /// The batch has more rows than the kernel's `uint n` counts.
    #[error("kernel `{kernel}`: {rows} rows are more than a `uint` counts")]
    TooManyRows {
        /// The kernel's name.
        kernel: String,
        /// The batch's rows.
        rows: usize,
    },
    /// Blossom was built without the `opencl` feature.
    #[error("built without the `opencl` feature")]
    Disabled,
}

/// The OpenCL platform and device that device operators use in this process (`"platform /
/// device"`), or why there is none. The first call probes, once per process.
pub fn platform() -> Result<String, DeviceError> {
    #[cfg(feature = "opencl")]
    return opencl::platform();
    #[cfg(not(feature = "opencl"))]
    Err(DeviceError::Disabled)
}

/// A worker's way to run kernels: one per worker thread, with its own queue and compiled
/// programs.
pub struct Devices {
    stats: Arc<SharedStats>,
    #[cfg(feature = "opencl")]
    device: Device,
}

/// A worker's device, opened at its first batch.
#[cfg(feature = "opencl")]
enum Device {
    /// Not yet looked for.
    Unopened,
    /// None, or [`DevicePolicy::Cpu`]: every batch runs on the CPU.
    Absent,
    /// The worker's queue and programs.
    Open(opencl::Worker),
}

impl Devices {
    /// A worker's device operators, run as `policy` says and counted in `stats`.
    pub fn new(policy: DevicePolicy, stats: Arc<SharedStats>) -> Devices {
        // Where there is a device to look for, the probe logs what it found.
        static CPU: Once = Once::new();
        if policy == DevicePolicy::Cpu {
            CPU.call_once(|| tracing::info!("device policy Cpu: device operators run on the CPU"));
        } else if cfg!(not(feature = "opencl")) {
            static DISABLED: Once = Once::new();
            DISABLED.call_once(|| {
                tracing::info!(
                    "built without the `opencl` feature: device operators run on the CPU"
                );
            });
        }
        Devices {
            stats,
            #[cfg(feature = "opencl")]
            device: match policy {
                DevicePolicy::Auto => Device::Unopened,
                DevicePolicy::Cpu => Device::Absent,
            },
        }
    }

    /// Runs `kernel` over `inputs`: on the device when there is one, else (or if the device
    /// fails) on the CPU. Never fails; an empty batch gives an empty batch without either.
    ///
    /// # Panics
    ///
    /// If `inputs`' column types are not `kernel.inputs` (a bug of the generated code), or if
    /// `kernel.cpu` panics.
    pub fn run(&mut self, kernel: &Kernel, inputs: &Batch) -> Batch {
        assert_eq!(
            inputs.types(),
            kernel.inputs,
            "the columns of a batch for kernel `{}`",
            kernel.name
        );
        let rows = inputs.len();
        if rows == 0 {
            return Batch::new(&kernel.outputs);
        }
        if let Some(outputs) = self.on_device(kernel, inputs) {
            self.stats.ran(true, rows);
            return outputs;
        }
        let mut outputs = Batch::zeroed(&kernel.outputs, rows);
        (kernel.cpu)(inputs, &mut outputs);
        self.stats.ran(false, rows);
        outputs
    }

    /// The kernel's outputs from the device, or `None` if it is to run on the CPU.
    #[cfg(feature = "opencl")]
    fn on_device(&mut self, kernel: &Kernel, inputs: &Batch) -> Option<Batch> {
        if let Device::Unopened = self.device {
            self.device = opencl::Worker::open().map_or(Device::Absent, Device::Open);
        }
        let Device::Open(worker) = &mut self.device else {
            return None;
        };
        match worker.run(kernel, inputs)? {
            Ok(outputs) => Some(outputs),
            Err(_) => {
                self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    #[cfg(not(feature = "opencl"))]
    fn on_device(&mut self, _: &Kernel, _: &Batch) -> Option<Batch> {
        None
    }
}
