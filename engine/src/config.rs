//! Where a program runs: one worker, several threads, or a timely cluster of processes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::device::DevicePolicy;
use crate::rt::Placement;
use crate::{Addr, Error, Network};

/// How many workers run a program, and whether they span several processes.
///
/// The embedded default is one worker in this process, with no configuration.
/// A cluster is timely's: every process runs the same binary with the same `processes` and
/// hostfile and its own `process` index; the engine connects them (see [`Cluster`]) and
/// timely runs on the connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Worker threads in this process.
    pub workers: usize,
    /// The processes of a cluster, when the program spans more than one.
    pub cluster: Option<Cluster>,
    /// Keep a readable copy of every table, scratch and channel (see the generated `state()`),
    /// not only of the outputs. On by default in debug builds (tests), off in release builds:
    /// each copy costs the memory of the relation.
    pub inspect: bool,
    /// How channels deliver rows between logical nodes: in the next tick by default.
    pub network: Network,
    /// Nodes that live in other programs, with where those are served (`host:port`): a row
    /// a channel sends to one of them leaves this program (see `blossom_net::Server`).
    pub remotes: BTreeMap<Addr, String>,
    /// Where rows live: by the partition keys the plan chose (the default), or spread by whole
    /// rows, as differential dataflow does by default (to compare; `--placement naive`).
    pub placement: Placement,
    /// Where device rules run: on an OpenCL device when there is one (the default), or on the
    /// CPU (`--device cpu`).
    pub device: DevicePolicy,
    /// Where the processes of a cluster read the outputs: whole at process 0 (the default), or
    /// each its own rows (`--outputs local`).
    pub outputs: Outputs,
}

/// Where the processes of a cluster read a program's outputs. On one process both are the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outputs {
    /// Every output row is sent to process 0, which reads whole outputs (`snapshot`,
    /// `subscribe`, `len`); the other processes read nothing. What a program served from
    /// process 0 needs, and what a cluster of processes that print outputs needs.
    #[default]
    Gathered,
    /// Each process reads the rows its own workers hold: `snapshot` and `subscribe` give that
    /// process's share (the shares of all processes make the output, each row in one), while
    /// `len` counts the whole output on every process. No row is sent to be read elsewhere,
    /// so a cluster that counts an output, or whose processes each serve their share, does
    /// not funnel through one process.
    Local,
}

/// The processes of a timely cluster, from this process's point of view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// This process's index, from 0 to `addresses.len() - 1`.
    pub process: usize,
    /// `host:port` of every process, in index order.
    pub addresses: Vec<String>,
    /// Report connection progress on stderr.
    pub report: bool,
    /// How long this process waits for the others to be reachable and to connect to it
    /// before it gives up, naming the first one missing ([`Error::NotConnected`]).
    pub connect_timeout: Duration,
}

/// How long a process waits for the rest of its cluster by default.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for Config {
    fn default() -> Self {
        Self::embedded()
    }
}

impl Config {
    /// One worker in this process: the embedded default.
    pub fn embedded() -> Self {
        Config {
            workers: 1,
            cluster: None,
            inspect: cfg!(debug_assertions),
            network: Network::default(),
            remotes: BTreeMap::new(),
            placement: Placement::Planned,
            device: DevicePolicy::Auto,
            outputs: Outputs::Gathered,
        }
    }

    /// The same configuration, with the cluster's processes reading outputs as `outputs` says.
    pub fn outputs(mut self, outputs: Outputs) -> Self {
        self.outputs = outputs;
        self
    }

    /// The same configuration, running device rules as `device` says.
    pub fn device(mut self, device: DevicePolicy) -> Self {
        self.device = device;
        self
    }

    /// The same configuration, placing rows by `placement`.
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// The same configuration, with node `node` living in the program served at `endpoint`
    /// (`host:port`): what this program's channels send to `node` is sent there, to the
    /// input of the same name, by the server serving this program.
    pub fn remote(mut self, node: Addr, endpoint: impl Into<String>) -> Self {
        self.remotes.insert(node, endpoint.into());
        self
    }

    /// The same configuration, with channels delivering as `network` says.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// The same configuration, keeping (or not) a readable copy of every relation.
    pub fn inspect(mut self, inspect: bool) -> Self {
        self.inspect = inspect;
        self
    }

    /// `workers` threads in this process.
    pub fn with_workers(workers: usize) -> Self {
        Config {
            workers,
            ..Self::embedded()
        }
    }

    /// Joins a cluster of `processes` processes as process `process`.
    ///
    /// With no hostfile the processes listen on `localhost:2101`, `localhost:2102`, …, as in timely.
    /// A hostfile has one `host:port` per line, in process order. As in timely, a single process
    /// is not a cluster and then the hostfile is ignored.
    pub fn cluster(
        mut self,
        processes: usize,
        process: usize,
        hostfile: Option<&Path>,
    ) -> Result<Self, Error> {
        // As in timely, one process is not a cluster, whatever the hostfile says.
        if processes <= 1 {
            self.cluster = None;
            return Ok(self);
        }
        let addresses = match hostfile {
            Some(path) => read_hostfile(path, processes)?,
            None => (0..processes)
                .map(|index| format!("localhost:{}", 2101 + index))
                .collect(),
        };
        if process >= addresses.len() {
            return Err(Error::Config(format!(
                "process index {process} is out of range for {} processes",
                addresses.len()
            )));
        }
        self.cluster = Some(Cluster {
            process,
            addresses,
            report: false,
            connect_timeout: CONNECT_TIMEOUT,
        });
        Ok(self)
    }

    /// Joins the cluster of processes at `addresses` (`host:port`, in process order) as
    /// process `process`; one address is one process, not a cluster.
    pub fn addresses(mut self, addresses: Vec<String>, process: usize) -> Result<Self, Error> {
        if process >= addresses.len() {
            return Err(Error::Config(format!(
                "process index {process} is out of range for {} addresses",
                addresses.len()
            )));
        }
        self.cluster = (addresses.len() > 1).then_some(Cluster {
            process,
            addresses,
            report: false,
            connect_timeout: CONNECT_TIMEOUT,
        });
        Ok(self)
    }

    /// Reads timely's own options (`-w`, `-n`, `-p`, `-h`, `-r` and their long forms) from
    /// `args`, and returns the configuration with the arguments it did not recognise.
    ///
    /// `--remote NODE=host:port` (repeated) says that node `NODE` lives in the program served
    /// there ([`Config::remote`]).
    ///
    /// `--device cpu` runs device rules on the CPU even where there is an OpenCL device.
    ///
    /// `--placement naive` spreads every relation by its whole rows instead of the plan's
    /// partition keys ([`Placement::Naive`]), to measure what the plan saves.
    ///
    /// `--addresses host:port,host:port,...` gives the processes' addresses on the command line
    /// instead of a hostfile (what `blossom launch` passes, so that a remote process needs no
    /// file); with it, `-n` may be left out.
    ///
    /// `--outputs local` has each process of a cluster read its own share of every output
    /// ([`Outputs::Local`]) rather than process 0 read them whole.
    ///
    /// `--connect-timeout T` (seconds, or with a unit: `500ms`, `10s`) is how long a process of
    /// a cluster waits for the others ([`Cluster::connect_timeout`], 10 s by default).
    ///
    /// ```
    /// let args = ["--input", "g.tsv", "-w", "2"].map(String::from);
    /// let (config, rest) = blossom::Config::from_args(args).unwrap();
    /// assert_eq!(config.workers, 2);
    /// assert_eq!(rest, ["--input", "g.tsv"]);
    /// ```
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
    ) -> Result<(Config, Vec<String>), Error> {
        let mut workers = 1;
        let mut processes = 1;
        let mut process = 0;
        let mut hostfile = None;
        let mut addresses: Option<Vec<String>> = None;
        let mut report = false;
        let mut connect_timeout = CONNECT_TIMEOUT;
        let mut remotes = BTreeMap::new();
        let mut placement = Placement::Planned;
        let mut device = DevicePolicy::Auto;
        let mut outputs = Outputs::Gathered;
        let mut rest = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value)),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, Error> {
                match inline {
                    Some(value) => Ok(value.to_string()),
                    None => args
                        .next()
                        .ok_or_else(|| Error::Config(format!("{name} needs a value"))),
                }
            };
            match flag.as_str() {
                "-w" | "--threads" | "--workers" => workers = parse_count(&value(&flag)?, &flag)?,
                "-n" | "--processes" => processes = parse_count(&value(&flag)?, &flag)?,
                "-p" | "--process" => process = parse_index(&value(&flag)?, &flag)?,
                "-h" | "--hostfile" => hostfile = Some(value(&flag)?),
                "--addresses" => {
                    let list = value(&flag)?;
                    let list: Vec<String> = list.split(',').map(|a| a.trim().to_string()).collect();
                    if list.iter().any(String::is_empty) {
                        return Err(Error::Config(format!(
                            "--addresses expects host:port,host:port,..., found {list:?}"
                        )));
                    }
                    addresses = Some(list);
                }
                "-r" | "--report" => report = true,
                "--connect-timeout" => connect_timeout = parse_duration(&value(&flag)?, &flag)?,
                "--device" => {
                    device = match value(&flag)?.as_str() {
                        "auto" => DevicePolicy::Auto,
                        "cpu" => DevicePolicy::Cpu,
                        other => {
                            return Err(Error::Config(format!(
                                "--device expects auto or cpu, found {other:?}"
                            )));
                        }
                    }
                }
                "--outputs" => {
                    outputs = match value(&flag)?.as_str() {
                        "gathered" => Outputs::Gathered,
                        "local" => Outputs::Local,
                        other => {
                            return Err(Error::Config(format!(
                                "--outputs expects gathered or local, found {other:?}"
                            )));
                        }
                    }
                }
                "--placement" => {
                    placement = match value(&flag)?.as_str() {
                        "planned" => Placement::Planned,
                        "naive" => Placement::Naive,
                        other => {
                            return Err(Error::Config(format!(
                                "--placement expects planned or naive, found {other:?}"
                            )));
                        }
                    }
                }
                "--remote" => {
                    let text = value(&flag)?;
                    let parsed = text.split_once('=').and_then(|(node, endpoint)| {
                        let node = node.trim().trim_start_matches('@').parse().ok()?;
                        (!endpoint.is_empty()).then(|| (Addr(node), endpoint.to_string()))
                    });
                    let (node, endpoint) = parsed.ok_or_else(|| {
                        Error::Config(format!("--remote expects NODE=host:port, found {text:?}"))
                    })?;
                    remotes.insert(node, endpoint);
                }
                _ => rest.push(arg),
            }
        }
        let mut config = match addresses {
            Some(addresses) => Config::with_workers(workers).addresses(addresses, process)?,
            None => Config::with_workers(workers).cluster(
                processes,
                process,
                hostfile.as_deref().map(Path::new),
            )?,
        };
        if let Some(cluster) = &mut config.cluster {
            cluster.report = report;
            cluster.connect_timeout = connect_timeout;
        }
        config.remotes = remotes;
        config.placement = placement;
        config.device = device;
        config.outputs = outputs;
        Ok((config, rest))
    }

    /// The addresses a hostfile lists: one `host:port` per line, in process order; blank lines
    /// and lines starting with `#` skipped.
    pub fn hostfile(path: &Path) -> Result<Vec<String>, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read hostfile {}: {e}", path.display())))?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(String::from)
            .collect())
    }

    /// The number of processes in the cluster (1 when embedded).
    pub fn processes(&self) -> usize {
        self.cluster.as_ref().map_or(1, |c| c.addresses.len())
    }

    /// The timely configuration of this process's workers, when it is not part of a cluster
    /// (a cluster's processes start on the connections [`crate::connect`] makes).
    pub(crate) fn to_timely(&self) -> timely::Config {
        let communication = match self.workers {
            1 => timely::CommunicationConfig::Thread,
            workers => timely::CommunicationConfig::Process(workers),
        };
        timely::Config {
            communication,
            worker: timely::WorkerConfig::default(),
        }
    }
}

fn parse_count(text: &str, flag: &str) -> Result<usize, Error> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::Config(format!(
            "{flag} expects a positive integer, found {text:?}"
        ))),
    }
}

/// Seconds (`10`, `0.5`), or a number with a unit: `250ms`, `10s`.
fn parse_duration(text: &str, flag: &str) -> Result<Duration, Error> {
    let (number, scale) = match text.strip_suffix("ms") {
        Some(number) => (number, 1e-3),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(Error::Config(format!(
            "{flag} expects a duration (10, 10s or 500ms), found {text:?}"
        ))),
    }
}

fn parse_index(text: &str, flag: &str) -> Result<usize, Error> {
    text.parse::<usize>()
        .map_err(|_| Error::Config(format!("{flag} expects a process index, found {text:?}")))
}

fn read_hostfile(path: &Path, processes: usize) -> Result<Vec<String>, Error> {
    let addresses = Config::hostfile(path)?;
    if addresses.len() < processes {
        return Err(Error::Config(format!(
            "hostfile {} lists {} addresses but {processes} processes were asked for",
            path.display(),
            addresses.len()
        )));
    }
    let wanted = if processes > 1 {
        processes
    } else {
        addresses.len()
    };
    Ok(addresses.into_iter().take(wanted).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn timely_flags_are_taken_and_the_rest_returned() {
        let (config, rest) = Config::from_args(args("prog -w 3 --input x -n 2 -p 1")).unwrap();
        assert_eq!(config.workers, 3);
        assert_eq!(rest, args("prog --input x"));
        let cluster = config.cluster.unwrap();
        assert_eq!(cluster.process, 1);
        assert_eq!(cluster.addresses, ["localhost:2101", "localhost:2102"]);
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        for bad in [
            "-w 0",
            "-w x",
            "-n",
            "-p 5 -n 2",
            "-h /nonexistent/hosts -n 2",
        ] {
            assert!(
                Config::from_args(args(bad)).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn addresses_on_the_command_line_make_a_cluster() {
        let (config, rest) = Config::from_args(args("x --addresses a:1,b:2,c:3 -p 2")).unwrap();
        assert_eq!(rest, ["x"]);
        let cluster = config.cluster.unwrap();
        assert_eq!((cluster.process, cluster.addresses.len()), (2, 3));
        assert!(Config::from_args(args("--addresses a:1,b:2 -p 2")).is_err());
        assert!(Config::from_args(args("--addresses a:1,,b:2")).is_err());
        let (one, _) = Config::from_args(args("--addresses a:1")).unwrap();
        assert_eq!(one.cluster, None);
    }

    #[test]
    fn the_connect_timeout_on_the_command_line() {
        let cluster = |text: &str| Config::from_args(args(text)).map(|(c, _)| c.cluster);
        let timeout = |text: &str| cluster(text).unwrap().unwrap().connect_timeout;
        assert_eq!(timeout("--addresses a:1,b:2"), CONNECT_TIMEOUT);
        assert_eq!(
            timeout("--addresses a:1,b:2 --connect-timeout 3"),
            Duration::from_secs(3)
        );
        assert_eq!(
            timeout("-n 2 --connect-timeout=250ms"),
            Duration::from_millis(250)
        );
        assert_eq!(
            timeout("-n 2 --connect-timeout 1.5s"),
            Duration::from_millis(1500)
        );
        for bad in [
            "--connect-timeout",
            "--connect-timeout 0",
            "--connect-timeout x",
        ] {
            assert!(cluster(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn remote_nodes_on_the_command_line() {
        let (config, rest) = Config::from_args(args("x --remote 3=h:1 --remote=@4=k:2 y")).unwrap();
        assert_eq!(rest, ["x", "y"]);
        let want = [(Addr(3), "h:1".to_string()), (Addr(4), "k:2".to_string())];
        assert_eq!(config.remotes, BTreeMap::from(want));
        for bad in ["--remote 3", "--remote x=h:1", "--remote 3="] {
            assert!(Config::from_args(args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostfile_must_cover_every_process() {
        let dir = std::env::temp_dir().join(format!("blossom-hosts-{}", std::process::id()));
        std::fs::write(&dir, "a:1\n\n# comment\nb:2\n").unwrap();
        let config = Config::embedded().cluster(2, 0, Some(&dir)).unwrap();
        assert_eq!(config.cluster.unwrap().addresses, ["a:1", "b:2"]);
        assert!(Config::embedded().cluster(3, 0, Some(&dir)).is_err());
        std::fs::remove_file(&dir).unwrap();
    }
}
