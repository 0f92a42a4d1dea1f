//! `kvs`: the key-value store of `blossom_examples::kvs`, served in Redis's protocol.
//!
//! ```text
//! kvs                                   # 127.0.0.1:7379, one worker, no password
//! kvs --port 7380 -w 2                  # another port, two workers
//! kvs --requirepass secret              # every client must AUTH first
//! kvs --bind 0.0.0.0 --requirepass-file pw.txt --tls-cert-file c.pem --tls-key-file k.pem
//! redis-cli -p 7379 set greeting hello  # any Redis client
//! blossom launch -n 3 -- kvs --replicas 2   # a cluster: ports 7379, 7380, 7381
//! ```
//!
//! Under `blossom launch` (or given `--process I --addresses A0,A1,...` itself), process I of
//! N serves on `--port` + I and finds process J at the host of address J, port `--port` + J;
//! each runs its own program over its own keys (`blossom_examples::kvs::Cluster`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use blossom::Config;
use blossom_examples::kvs::Cluster;
use blossom_examples::kvs::router::Router;
use blossom_net::resp::{DEFAULT_PORT, RespServer, RespSettings, TlsFiles};
use clap::Parser;

const CLUSTER_HELP: &str = "\
Where it runs (timely's own options, read before the others):
  -w, --workers N             worker threads [default: 1]
  -p, --process I             this process's index in a cluster [default: 0]
  --addresses A0,A1,...       every process's host:port (as blossom launch passes them); process
                              J serves clients on --port + J at A_J's host";

/// A key-value store written as a Blossom program, served in Redis's protocol (RESP2).
#[derive(Parser)]
#[command(after_help = CLUSTER_HELP, disable_help_flag = true)]
struct Args {
    #[command(flatten)]
    report: blossom_examples::report::ExplainArgs,
    /// The port to listen on (not Redis's 6379, so that both can run).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// The address to listen on; anything but loopback lets other machines in.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// The password clients must give (`AUTH`), as Redis's `requirepass`.
    #[arg(long, value_name = "PASSWORD", conflicts_with = "requirepass_file")]
    requirepass: Option<String>,
    /// A file whose first line is the password (keeps it out of the process list).
    #[arg(long, value_name = "FILE")]
    requirepass_file: Option<PathBuf>,
    /// With no password on a non-loopback address, refuse other machines' clients.
    #[arg(long, default_value = "yes", value_parser = ["yes", "no"])]
    protected_mode: String,
    /// Serve TLS: the certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_key_file")]
    tls_cert_file: Option<PathBuf>,
    /// Serve TLS: the private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert_file")]
    tls_key_file: Option<PathBuf>,
    /// This node's number, which stamps its writes (distinct for every replica) [default: the
    /// process's index].
    #[arg(long)]
    node: Option<u32>,
    /// In a cluster: how many processes hold each key (its primary and the next ones).
    #[arg(long, default_value_t = 1)]
    replicas: u32,
    /// In a cluster: every SECS seconds each process sends the others every value they hold
    /// (anti-entropy), besides when a link (re)connects; 0: only then.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    sweep_interval: f64,
    /// Clients served at once.
    #[arg(long, default_value_t = 10_000)]
    maxclients: usize,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
}

fn main() -> std::process::ExitCode {
    blossom_examples::exit("kvs", run())
}

fn run() -> anyhow::Result<()> {
    blossom_examples::log_to_stderr();
    let (config, rest) = Config::from_args(std::env::args())?;
    let args = Args::parse_from(rest);
    if args
        .report
        .print(&[blossom_examples::kvs::Kvs::explain()])?
    {
        return Ok(());
    }
    let password = match (&args.requirepass, &args.requirepass_file) {
        (Some(password), _) => Some(password.clone()),
        (None, Some(file)) => Some(read_password(file)?),
        (None, None) => None,
    };
    let (process, hosts) = match &config.cluster {
        Some(cluster) => (cluster.process, cluster.addresses.clone()),
        None => (0, Vec::new()),
    };
    let port = |process: usize| {
        u16::try_from(usize::from(args.port) + process)
            .with_context(|| format!("--port {} + process {process} is not a port", args.port))
    };
    let addresses = (hosts.iter().enumerate())
        .map(|(j, address)| {
            let host = address
                .rsplit_once(':')
                .map_or(address.as_str(), |(host, _)| host);
            Ok(format!("{host}:{}", port(j)?))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    anyhow::ensure!(
        addresses.len() <= 1 || args.tls_cert_file.is_none(),
        "a cluster's processes link to each other in plain RESP: TLS is for one process only"
    );
    anyhow::ensure!(
        args.sweep_interval.is_finite() && args.sweep_interval >= 0.0,
        "--sweep-interval takes seconds, 0 or more"
    );
    let mut settings = RespSettings {
        address: SocketAddr::new(args.bind, port(process)?),
        password: password.clone(),
        protected: args.protected_mode == "yes",
        ..RespSettings::default()
    };
    settings.limits.clients = args.maxclients;
    if let (Some(cert), Some(key)) = (args.tls_cert_file, args.tls_key_file) {
        settings.tls = Some(TlsFiles { cert, key });
    }
    let server = RespServer::bind(settings.clone())
        .with_context(|| format!("cannot listen on {}", settings.address))?;
    // The program is this process's alone: its keys are its own, its ticks wait on no other.
    let local = Config {
        cluster: None,
        ..config.clone()
    };
    let cluster = Cluster {
        process: process as u32,
        addresses,
        replicas: args.replicas.max(1),
        password,
        sweep_every: Some(Duration::from_secs_f64(args.sweep_interval)),
        value_limit: settings.limits.bulk as u64,
    };
    let node = args.node.unwrap_or(cluster.process);
    let mut router = Router::clustered(&local, node, &cluster, server.submitter())?;
    let address = server.local_addr()?;
    let processes = cluster.addresses.len().max(1);
    eprintln!(
        "kvs: serving on {address} ({} worker(s), process {process} of {processes}, {} replica(s))",
        config.workers,
        cluster.ring().replicas,
    );
    if std::env::var_os(blossom::LAUNCH).is_some() {
        // The program said it was ready (as process 0 of 1, its own cluster); this is the
        // store's word for the launcher, once it listens.
        eprintln!("{} {process} of {processes}", blossom::READY);
    }
    server.serve(&mut router)?;
    Ok(())
}

fn read_password(file: &PathBuf) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the password file {}", file.display()))?;
    let password = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string();
    anyhow::ensure!(
        !password.is_empty(),
        "the password file {} is empty",
        file.display()
    );
    Ok(password)
}
