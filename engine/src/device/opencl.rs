//! The OpenCL side of device operators: one platform and device per process, probed once; a
//! queue, compiled programs and failed kernels per worker.
//!
//! Every OpenCL call returns its error as a value: a driver that fails costs a batch its
//! device, never the process.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Once, OnceLock};

use ocl::core::{DeviceId, DeviceType, PlatformId};
use ocl::{Buffer, Context, OclPrm, Program, Queue};

use super::{Batch, Column, DeviceError, Kernel, Num};

/// What `clGetPlatformIDs` answers when the loader finds no platform.
const PLATFORM_NOT_FOUND: i32 = -1001;

/// Work items are launched in multiples of this (kernels return past `n`), so that the driver
/// can pick a work-group size for any number of rows.
const ROUND_ROWS_TO: usize = 64;

/// The process's OpenCL device.
struct Shared {
    context: Context,
    device: ocl::Device,
    /// `"platform / device"`, for logs.
    name: String,
}

/// The device, probed by the first caller in the process; the probe logs what it found.
fn shared() -> &'static Result<Shared, DeviceError> {
    static SHARED: OnceLock<Result<Shared, DeviceError>> = OnceLock::new();
    SHARED.get_or_init(|| {
        let probed = probe();
        match &probed {
            Ok(shared) => tracing::info!("device operators run on OpenCL {}", shared.name),
            Err(error) => tracing::warn!("{error}: device operators run on the CPU"),
        }
        probed
    })
}

/// See [`super::platform`].
pub(super) fn platform() -> Result<String, DeviceError> {
    match shared() {
        Ok(shared) => Ok(shared.name.clone()),
        Err(error) => Err(error.clone()),
    }
}

/// Finds a GPU on any platform, else the first device of any platform, and makes its context.
fn probe() -> Result<Shared, DeviceError> {
    let platforms = platform_ids()?;
    let first_of = |ty: DeviceType| -> Option<(PlatformId, DeviceId)> {
        platforms.iter().find_map(|&platform| {
            let devices = ocl::core::get_device_ids(platform, Some(ty), None).ok()?;
            devices.first().map(|&device| (platform, device))
        })
    };
    let Some((platform, device)) = first_of(DeviceType::GPU).or_else(|| first_of(DeviceType::ALL))
    else {
        let names: Vec<String> = (platforms.iter())
            .map(|&p| {
                ocl::Platform::new(p)
                    .name()
                    .unwrap_or_else(|e| e.to_string())
            })
            .collect();
        return Err(DeviceError::NoDevice(names.join(", ")));
    };
    let (platform, device) = (ocl::Platform::new(platform), ocl::Device::from(device));
    let name = format!(
        "{} / {}",
        platform.name().unwrap_or_else(|e| e.to_string()),
        device.name().unwrap_or_else(|e| e.to_string())
    );
    let context = Context::builder()
        .platform(platform)
        .devices(device)
        .build()
        .map_err(|e| DeviceError::Setup {
            device: name.clone(),
            error: e.to_string(),
        })?;
    Ok(Shared {
        context,
        device,
        name,
    })
}

/// The platforms the OpenCL loader knows.
fn platform_ids() -> Result<Vec<PlatformId>, DeviceError> {
    // ocl's `get_platform_ids` sleeps and retries for 10 s when the loader finds no platform,
    // so ask for the count first: that answers at once.
    let mut count: u32 = 0;
    // SAFETY: a count query (no list: a null pointer for 0 entries) with a valid pointer to
    // `count`, which outlives the call; the loader keeps no pointer.
    #[allow(unsafe_code)]
    let status =
        unsafe { ocl::core::ffi::clGetPlatformIDs(0, std::ptr::null_mut(), &raw mut count) };
    match (status, count) {
        (0, 0) | (PLATFORM_NOT_FOUND, _) => Err(DeviceError::NoPlatform(
            "the OpenCL loader found none".to_string(),
        )),
        (0, _) => ocl::core::get_platform_ids().map_err(|e| DeviceError::NoPlatform(e.to_string())),
        (status, _) => Err(DeviceError::NoPlatform(format!(
            "clGetPlatformIDs returned {status}"
        ))),
    }
}

/// A worker's use of the device: its queue, its compiled programs, and the kernels that
/// failed (they run on the CPU from then on).
pub(super) struct Worker {
    queue: Queue,
    /// Programs by source, built for the device.
    programs: HashMap<String, Program>,
    /// Kernels by source and entry.
    failed: HashSet<(String, String)>,
}

impl Worker {
    /// The worker's queue on the process's device, or `None` where there is none (logged).
    pub(super) fn open() -> Option<Worker> {
        let shared = shared().as_ref().ok()?;
        match Queue::new(&shared.context, shared.device, None) {
            Ok(queue) => Some(Worker {
                queue,
                programs: HashMap::new(),
                failed: HashSet::new(),
            }),
            Err(error) => {
                static LOGGED: Once = Once::new();
                LOGGED.call_once(|| {
                    tracing::warn!(
                        "no OpenCL queue on {} ({error}): device operators run on the CPU",
                        shared.name
                    );
                });
                None
            }
        }
    }

    /// Runs `kernel` over `inputs` (not empty) on the device: its outputs, or the error that
    /// made it fail now (logged), or `None` if it failed before.
    pub(super) fn run(
        &mut self,
        kernel: &Kernel,
        inputs: &Batch,
    ) -> Option<Result<Batch, DeviceError>> {
        let key = (kernel.source.clone(), kernel.entry.clone());
        if self.failed.contains(&key) {
            return None;
        }
        let ran = self.enqueue(kernel, inputs);
        if let Err(error) = &ran {
            log_failure(kernel, error);
            self.failed.insert(key);
        }
        Some(ran)
    }

    fn enqueue(&mut self, kernel: &Kernel, inputs: &Batch) -> Result<Batch, DeviceError> {
        let rows = inputs.len();
        let enqueue = |error: ocl::Error| DeviceError::Enqueue {
            kernel: kernel.name.clone(),
            error: error.to_string(),
        };
        let n = u32::try_from(rows).map_err(|_| DeviceError::TooManyRows {
            kernel: kernel.name.clone(),
            rows,
        })?;
        let program = program(&mut self.programs, &self.queue, kernel)?;
        let zeros = Batch::zeroed(&kernel.outputs, rows);
        let to_device = |columns: &[Column]| -> Result<Vec<Box<dyn DeviceColumn>>, DeviceError> {
            (columns.iter())
                .map(|c| upload(&self.queue, c).map_err(enqueue))
                .collect()
        };
        let (ins, outs) = (to_device(inputs.columns())?, to_device(zeros.columns())?);
        let mut builder = ocl::Kernel::builder();
        builder
            .program(program)
            .name(kernel.entry.as_str())
            .queue(self.queue.clone())
            .global_work_size(rows.div_ceil(ROUND_ROWS_TO) * ROUND_ROWS_TO)
            .arg(n);
        for column in ins.iter().chain(&outs) {
            column.arg(&mut builder);
        }
        let built = builder.build().map_err(enqueue)?;
        // SAFETY: the kernel gets `n` and one buffer of exactly `n` values per column, and
        // `build` checked their number and (where the driver reports them, which
        // `-cl-kernel-arg-info` asks for) their types against its signature. A work item past
        // `n` returns, as the calling convention on `Kernel` says: the macro generates the
        // source from the user's rule and keeps it. A kernel that did not could write out of
        // bounds (on PoCL, in this process's memory).
        #[allow(unsafe_code)]
        unsafe { built.enq() }.map_err(enqueue)?;
        let read = outs.iter().map(|column| {
            column.read(rows).map_err(|e| DeviceError::Read {
                kernel: kernel.name.clone(),
                error: e.to_string(),
            })
        });
        Ok(Batch::from_columns(read.collect::<Result<_, _>>()?))
    }
}

/// `kernel`'s program, built on its first use by this worker.
fn program<'p>(
    programs: &'p mut HashMap<String, Program>,
    queue: &Queue,
    kernel: &Kernel,
) -> Result<&'p Program, DeviceError> {
    if !programs.contains_key(&kernel.source) {
        let built = Program::builder()
            .src(kernel.source.as_str())
            // Argument types, so that `Kernel::build` checks the buffers against them.
            .cmplr_opt("-cl-kernel-arg-info")
            .devices(queue.device())
            .build(&queue.context())
            .map_err(|e| DeviceError::Build {
                kernel: kernel.name.clone(),
                log: e.to_string(),
            })?;
        programs.insert(kernel.source.clone(), built);
    }
    programs
        .get(&kernel.source)
        .ok_or_else(|| DeviceError::Build {
            kernel: kernel.name.clone(),
            log: "the program was not kept".to_string(),
        })
}

/// Logs that `kernel` failed on the device, once per kernel in this process (every worker
/// meets the same failure).
fn log_failure(kernel: &Kernel, error: &DeviceError) {
    static LOGGED: Mutex<Option<HashSet<(String, String)>>> = Mutex::new(None);
    let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    let key = (kernel.source.clone(), kernel.entry.clone());
    if logged.get_or_insert_default().insert(key) {
        tracing::warn!(
            "device kernel `{}` runs on the CPU from now on: {error}",
            kernel.name
        );
    }
}

/// A column in device memory.
trait DeviceColumn {
    /// Passes the column as the kernel's next argument.
    fn arg<'b>(&'b self, builder: &mut ocl::builders::KernelBuilder<'b>);
    /// Reads the column's `rows` values back.
    fn read(&self, rows: usize) -> ocl::Result<Column>;
}

impl<T: Num + OclPrm> DeviceColumn for Buffer<T> {
    fn arg<'b>(&'b self, builder: &mut ocl::builders::KernelBuilder<'b>) {
        builder.arg(self);
    }

    fn read(&self, rows: usize) -> ocl::Result<Column> {
        let mut values = vec![T::default(); rows];
        Buffer::read(self, &mut values).enq()?;
        Ok(T::wrap(values))
    }
}

/// Copies `column` (not empty) into device memory.
fn upload(queue: &Queue, column: &Column) -> ocl::Result<Box<dyn DeviceColumn>> {
    fn copy<T: Num + OclPrm>(queue: &Queue, values: &[T]) -> ocl::Result<Box<dyn DeviceColumn>> {
        // Copied from the host rather than filled: PoCL mishandles `clEnqueueFillBuffer`.
        let buffer = Buffer::<T>::builder()
            .queue(queue.clone())
            .len(values.len())
            .copy_host_slice(values)
            .build()?;
        Ok(Box::new(buffer))
    }
    match column {
        Column::F32(values) => copy(queue, values),
        Column::F64(values) => copy(queue, values),
        Column::I32(values) => copy(queue, values),
        Column::I64(values) => copy(queue, values),
        Column::U32(values) => copy(queue, values),
        Column::U64(values) => copy(queue, values),
    }
}
