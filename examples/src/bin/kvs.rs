//! `kvs`: the key-value store of `blossom_examples::kvs`, served in Redis's protocol.
//!
//! ```text
//! kvs                                   # 127.0.0.1:7379, one worker, no password
//! kvs --port 7380 -w 2                  # another port, two workers
//! kvs --requirepass secret              # every client must AUTH first
//! kvs --bind 0.0.0.0 --requirepass-file pw.txt --tls-cert-file c.pem --tls-key-file k.pem
//! redis-cli -p 7379 set greeting hello  # any Redis client
//! ```

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use blossom::Config;
use blossom_examples::kvs::router::Router;
use blossom_net::resp::{DEFAULT_PORT, RespServer, RespSettings, TlsFiles};
use clap::Parser;

const CLUSTER_HELP: &str = "\
Where it runs (timely's own options, read before the others):
  -w, --workers N     worker threads [default: 1]";

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
    /// This node's number, which stamps its writes (distinct for every replica).
    #[arg(long, default_value_t = 0)]
    node: u32,
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
    let mut settings = RespSettings {
        address: SocketAddr::new(args.bind, args.port),
        password,
        protected: args.protected_mode == "yes",
        ..RespSettings::default()
    };
    settings.limits.clients = args.maxclients;
    if let (Some(cert), Some(key)) = (args.tls_cert_file, args.tls_key_file) {
        settings.tls = Some(TlsFiles { cert, key });
    }
    let mut router = Router::new(&config, args.node)?;
    let server = RespServer::bind(settings)
        .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
    let address = server.local_addr()?;
    eprintln!("kvs: serving on {address} ({} worker(s))", config.workers);
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
