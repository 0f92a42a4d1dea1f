//! Device rules on the CPU path and on the OpenCL device, side by side in one run: the
//! `prediction_serving` pipeline (a translated preprocessing rule, three dense models, an
//! average) per batch size.
//!
//! `cargo bench -p blossom-examples --features blossom/opencl --bench device -- --batches
//! 1,256,4096,65536 --ticks 10` serves `--ticks` batches of each size, one per tick, after one
//! tick to warm up (the device builds its kernels then), on each path, and prints the median
//! latency of a batch, requests per second, and the device's over the CPU's time. It says which
//! OpenCL device ran (on PoCL, the same cores as the CPU path). Labels are checked equal across
//! the paths. `cargo test` runs it small.

use blossom::Config;
use blossom::device::DevicePolicy;
use blossom_examples::serving::serve;

#[path = "common/args.rs"]
mod args;

fn main() -> anyhow::Result<()> {
    let args = args::Args::from_env();
    let bench = args.bench();
    let value = |flag: &str| args.value(flag);
    let batches: Vec<usize> = match value("--batches") {
        Some(list) => (list.split(','))
            .map(str::parse)
            .collect::<Result<_, _>>()?,
        None if bench => vec![1, 256, 4096, 65536],
        None => vec![1, 64],
    };
    let ticks: usize = value("--ticks").map_or(Ok(if bench { 10 } else { 2 }), |n| n.parse())?;
    let workers: usize = value("--workers").map_or(Ok(1), |n| n.parse())?;
    match blossom::device::platform() {
        Ok(device) => println!("device: {device}"),
        Err(why) => println!("device: none ({why}): both paths run on the CPU"),
    }
    println!("batch  path    latency_ms  requests_per_s  device/cpu  rows_on_device");
    for &batch in &batches {
        let config = Config::with_workers(workers);
        let cpu = serve(&config.clone().device(DevicePolicy::Cpu), batch, ticks)?;
        let device = serve(&config.device(DevicePolicy::Auto), batch, ticks)?;
        anyhow::ensure!(
            cpu.labels == device.labels,
            "batch {batch}: the paths' labels differ"
        );
        let ratio = device.latency.as_secs_f64() / cpu.latency.as_secs_f64().max(1e-9);
        for (path, served) in [("cpu", &cpu), ("device", &device)] {
            let latency = served.latency;
            let rate = batch as f64 / latency.as_secs_f64().max(1e-9);
            let ratio = if path == "device" {
                format!("{ratio:.2}")
            } else {
                String::new()
            };
            println!(
                "{batch:>5}  {path:<6}  {:>10.3}  {rate:>14.0}  {ratio:>10}  {:>14}",
                latency.as_secs_f64() * 1e3,
                served.stats.device_rows
            );
        }
    }
    Ok(())
}
