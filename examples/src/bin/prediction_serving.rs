//! `prediction_serving`: requests scored by three models and labelled, on the CPU and on an
//! OpenCL device, with each path's latency and throughput per batch size.
//!
//! For each batch size (`--batch-sizes 1,64,1024`, the defaults) and each path (`cpu`, then
//! `device`: an OpenCL device when there is one), it serves `--ticks N` batches (default 20) of
//! that many requests, one batch per tick, after one tick to warm up (the device builds its
//! kernels then). It prints one line per run: the path, the batch size, the median time of a
//! tick (a batch's latency), and requests per second. Last, `labels agree: yes` when every
//! request got the same label on both paths (and exits with an error when not).

use blossom::Config;
use blossom::device::DevicePolicy;
use blossom_examples::serving::{Serving, serve};
use clap::Parser;

/// Prediction serving: preprocess, three models, an average, a label per request.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// The batch sizes to serve, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,64,1024")]
    batch_sizes: Vec<usize>,
    /// Batches served per batch size and path, after one to warm up.
    #[arg(long, default_value_t = 20)]
    ticks: usize,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("prediction_serving", run())
}

fn run() -> anyhow::Result<()> {
    blossom_examples::log_to_stderr();
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args.report.print(&[Serving::explain()])? {
        return Ok(());
    }
    match blossom::device::platform() {
        Ok(device) => println!("device: {device}"),
        Err(why) => println!("device: none ({why}); the device path runs on the CPU"),
    }
    println!("path    batch  latency_ms  requests_per_s  rows_on_device");
    let mut disagree = 0;
    for &batch in &args.batch_sizes {
        let mut labels = Vec::new();
        for (path, policy) in [("cpu", DevicePolicy::Cpu), ("device", DevicePolicy::Auto)] {
            let served = serve(&config.clone().device(policy), batch, args.ticks)?;
            let latency = served.latency;
            let rate = batch as f64 / latency.as_secs_f64().max(1e-9);
            println!(
                "{path:<7} {batch:>5}  {:>10.3}  {rate:>14.0}  {:>14}",
                latency.as_secs_f64() * 1e3,
                served.stats.device_rows
            );
            labels.push(served.labels);
        }
        if labels[0] != labels[1] || labels[0].len() != batch * (args.ticks + 1) {
            disagree += 1;
        }
    }
    if disagree > 0 {
        anyhow::bail!("labels differ between the CPU and the device for {disagree} batch sizes");
    }
    println!("labels agree: yes");
    Ok(())
}
