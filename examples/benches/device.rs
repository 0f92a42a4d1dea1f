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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use blossom::Config;
use blossom::device::DevicePolicy;
use blossom_examples::serving::{Serving, requests};

/// One path at one batch size: the labels, the median latency, the rows run on the device.
fn serve(
    config: &Config,
    batch: usize,
    ticks: usize,
) -> anyhow::Result<(BTreeMap<u64, u32>, Duration, u64)> {
    let mut program = Serving::with_config(config)?;
    let (mut labels, mut times) = (BTreeMap::new(), Vec::new());
    for tick in 0..=ticks {
        program
            .request
            .extend(requests((tick * batch) as u64, batch));
        let start = Instant::now();
        program.tick()?;
        if tick > 0 {
            times.push(start.elapsed());
        }
        labels.extend(
            program
                .label
                .snapshot()?
                .into_iter()
                .map(|(id, l, _)| (id, l)),
        );
    }
    times.sort();
    Ok((
        labels,
        times[times.len() / 2],
        program.device_stats().device_rows,
    ))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        args.get(at + 1).cloned()
    };
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
        anyhow::ensure!(cpu.0 == device.0, "batch {batch}: the paths' labels differ");
        let ratio = device.1.as_secs_f64() / cpu.1.as_secs_f64().max(1e-9);
        for (path, (_, latency, rows)) in [("cpu", &cpu), ("device", &device)] {
            let rate = batch as f64 / latency.as_secs_f64().max(1e-9);
            let ratio = if path == "device" {
                format!("{ratio:.2}")
            } else {
                String::new()
            };
            println!(
                "{batch:>5}  {path:<6}  {:>10.3}  {rate:>14.0}  {ratio:>10}  {rows:>14}",
                latency.as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}
