//! The `blossom` command: `blossom launch` starts a cluster of a program's processes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use blossom_net::launch::{Launch, SSH};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "blossom", version, about = "Run Blossom programs")]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Start a program as a cluster of processes, relay their output, stop them together.
    ///
    /// Each process gets `--workers W --process I --addresses A0,A1,...` after the program's
    /// own arguments. Exit codes: 0 every process succeeded, 1 one failed, 2 usage, 3 not
    /// connected within the timeout, 4 a process could not be started, 130 interrupted.
    Launch(LaunchArgs),
}

#[derive(Args)]
struct LaunchArgs {
    /// Processes in the cluster.
    #[arg(short = 'n', long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    processes: u16,
    /// Worker threads in each process.
    #[arg(short = 'w', long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    workers: u16,
    /// One `host:port` per line, in process order (blank lines and `#` comments skipped):
    /// processes are started on their hosts through `--remote`. Without it, all run here on
    /// loopback ports picked by the launcher.
    #[arg(long, value_name = "FILE")]
    hosts: Option<PathBuf>,
    /// How a process starts on its host, run by `sh -c`: `{host}` becomes the host and
    /// `{command}` the process's command line, quoted.
    #[arg(long, value_name = "TEMPLATE", default_value = SSH)]
    remote: String,
    /// Seconds the processes have to connect to each other.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    connect_timeout: u64,
    /// The program binary and its arguments.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    program: Vec<String>,
}

fn main() -> ExitCode {
    let Commands::Launch(args) = Cli::parse().command;
    let hosts = match &args.hosts {
        Some(path) => match blossom::Config::hostfile(path) {
            Ok(hosts) => Some(hosts),
            Err(error) => {
                eprintln!("blossom launch: {error}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let launch = Launch {
        processes: usize::from(args.processes),
        workers: usize::from(args.workers),
        hosts,
        remote: args.remote,
        connect_timeout: Duration::from_secs(args.connect_timeout),
        program: args.program,
    };
    match launch.run() {
        Ok(outcome) => {
            eprintln!("blossom launch: {outcome}");
            ExitCode::from(outcome.code())
        }
        Err(error) => {
            eprintln!("blossom launch: {error}");
            ExitCode::from(2)
        }
    }
}
