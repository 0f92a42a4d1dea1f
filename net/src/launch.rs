//! `blossom launch`: starts every process of a cluster, relays their output, and stops them
//! together.
//!
//! Each process is the same program binary, given the cluster's shape as the options
//! [`blossom::Config::from_args`] reads: `--workers W --process I --addresses A0,A1,...`. On
//! one machine the launcher picks free loopback ports; with a hosts file it starts each process
//! on its host through a command template (`ssh {host} {command}` by default). Each line a
//! process writes is relayed prefixed with `[pI]`. A process says it is connected (the engine
//! writes [`blossom::READY`] on stderr when [`blossom::LAUNCH`] is set); if some have not
//! within the connect timeout the launcher names them and stops all. When one process fails,
//! or on Ctrl-C, the others are stopped. [`Outcome::code`] is the launcher's exit code.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

/// What to launch.
#[derive(Clone, Debug)]
pub struct Launch {
    /// Processes in the cluster.
    pub processes: usize,
    /// Worker threads in each process.
    pub workers: usize,
    /// `host:port` of each process, in order; `None`: this machine, on ports picked here.
    pub hosts: Option<Vec<String>>,
    /// How a process is started on its host: `{host}` is replaced by the host, `{command}` by
    /// the process's command line quoted for a shell; the result runs under `sh -c`.
    pub remote: String,
    /// How long the processes have to connect to each other.
    pub connect_timeout: Duration,
    /// The program binary and its own arguments.
    pub program: Vec<String>,
}

/// The template `blossom launch` starts remote processes with.
pub const SSH: &str = "ssh -o BatchMode=yes {host} {command}";

/// How a launch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every process exited successfully.
    Succeeded,
    /// A process exited unsuccessfully (the others were stopped).
    Failed {
        /// Which one.
        process: usize,
        /// Its exit status, as the system reports it.
        status: String,
        /// Whether it had connected to the others.
        connected: bool,
    },
    /// A process could not be started (the others were stopped).
    NotStarted {
        /// Which one.
        process: usize,
        /// Why.
        error: String,
    },
    /// Some processes did not connect within the timeout (all were stopped).
    NotConnected {
        /// Those that did not, with their addresses.
        missing: Vec<(usize, String)>,
    },
    /// Interrupted (Ctrl-C); every process was stopped.
    Interrupted,
}

impl Outcome {
    /// The launcher's exit code: 0 success, 1 a process failed, 3 not connected in time, 4 a
    /// process could not be started, 130 interrupted (2 is a usage error, from the parser).
    pub fn code(&self) -> u8 {
        match self {
            Outcome::Succeeded => 0,
            Outcome::Failed { .. } => 1,
            Outcome::NotConnected { .. } => 3,
            Outcome::NotStarted { .. } => 4,
            Outcome::Interrupted => 130,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Succeeded => write!(f, "every process exited successfully"),
            Outcome::Failed {
                process,
                status,
                connected,
            } => {
                let when = if *connected { "" } else { " before connecting" };
                write!(f, "process {process} {status}{when}; stopped the others")
            }
            Outcome::NotStarted { process, error } => {
                write!(f, "process {process} could not be started: {error}")
            }
            Outcome::NotConnected { missing } => {
                let names: Vec<String> = (missing.iter())
                    .map(|(process, address)| format!("process {process} ({address})"))
                    .collect();
                write!(
                    f,
                    "not connected in time: {}; stopped all",
                    names.join(", ")
                )
            }
            Outcome::Interrupted => write!(f, "interrupted; stopped every process"),
        }
    }
}

/// A line a process wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The process's index.
    pub process: usize,
    /// Whether it came on stderr (else stdout).
    pub stderr: bool,
    /// The line, without its newline.
    pub text: String,
}

/// What the processes tell the launcher.
enum Event {
    Line(Line),
    Exited(usize, Option<ExitStatus>),
}

/// How long the launcher still relays lines once every process has exited (a process's own
/// children may hold its output open).
const LAST_LINES: Duration = Duration::from_secs(2);

impl Launch {
    /// Runs the cluster to its end, relaying each process's lines prefixed with `[pI]`, to
    /// this process's stdout or stderr as they came.
    pub fn run(&self) -> std::io::Result<Outcome> {
        self.run_with(|line| match line.stderr {
            true => eprintln!("[p{}] {}", line.process, line.text),
            false => println!("[p{}] {}", line.process, line.text),
        })
    }

    /// Runs the cluster to its end, handing `each` every line a process writes.
    pub fn run_with(&self, each: impl FnMut(Line)) -> std::io::Result<Outcome> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(self.launch(each, std::future::pending()))
    }

    /// As [`Launch::run_with`], and stops every process (an [`Outcome::Interrupted`]) when
    /// `stop` receives (or its sender is dropped): for a cluster that serves until told.
    pub fn run_until(
        &self,
        each: impl FnMut(Line),
        stop: std::sync::mpsc::Receiver<()>,
    ) -> std::io::Result<Outcome> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let stop = runtime.spawn_blocking(move || {
            let _ = stop.recv();
        });
        runtime.block_on(self.launch(each, async move { drop(stop.await) }))
    }

    async fn launch(
        &self,
        mut each: impl FnMut(Line),
        stop: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<Outcome> {
        let n = self.processes.max(1);
        let addresses = match &self.hosts {
            Some(hosts) if hosts.len() < n => {
                return Err(std::io::Error::other(format!(
                    "{n} processes but the hosts file lists {}",
                    hosts.len()
                )));
            }
            Some(hosts) => hosts[..n].to_vec(),
            None => loopback_ports(n)?,
        };
        let (events, mut told) = mpsc::unbounded_channel();
        let mut stops = Vec::new();
        for process in 0..n {
            match self.start(process, &addresses, &events) {
                Ok(stop) => stops.push(stop),
                Err(error) => {
                    stop_all(&mut stops);
                    let error = error.to_string();
                    drop(events);
                    drain(&mut told, &mut each).await;
                    return Ok(Outcome::NotStarted { process, error });
                }
            }
        }
        drop(events);
        let mut ready = vec![false; n];
        let mut exited = 0;
        let mut outcome = None;
        let deadline = tokio::time::sleep(self.connect_timeout);
        tokio::pin!(deadline);
        let interrupt = tokio::signal::ctrl_c();
        tokio::pin!(interrupt);
        tokio::pin!(stop);
        // Stopped by a supervisor (`kill`, `timeout`): the processes are stopped too.
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        while exited < n {
            let connected = ready.iter().all(|r| *r);
            tokio::select! {
                event = told.recv() => match event {
                    Some(Event::Line(line)) => {
                        if line.stderr && line.text.starts_with(blossom::READY) {
                            ready[line.process] = true;
                            if ready.iter().all(|r| *r) {
                                eprintln!("blossom launch: all {n} processes connected");
                            }
                        }
                        each(line);
                    }
                    Some(Event::Exited(process, status)) => {
                        exited += 1;
                        let failed = !status.is_some_and(|s| s.success());
                        if failed && outcome.is_none() {
                            outcome = Some(Outcome::Failed {
                                process,
                                status: describe(status),
                                connected: ready[process],
                            });
                            stop_all(&mut stops);
                        }
                    }
                    None => break,
                },
                _ = &mut deadline, if !connected && outcome.is_none() => {
                    let missing = (0..n)
                        .filter(|&p| !ready[p])
                        .map(|p| (p, addresses[p].clone()))
                        .collect();
                    outcome = Some(Outcome::NotConnected { missing });
                    stop_all(&mut stops);
                }
                _ = &mut interrupt, if outcome.is_none() => {
                    outcome = Some(Outcome::Interrupted);
                    stop_all(&mut stops);
                }
                _ = terminate.recv(), if outcome.is_none() => {
                    outcome = Some(Outcome::Interrupted);
                    stop_all(&mut stops);
                }
                _ = &mut stop, if outcome.is_none() => {
                    outcome = Some(Outcome::Interrupted);
                    stop_all(&mut stops);
                }
            }
        }
        drain(&mut told, &mut each).await;
        Ok(outcome.unwrap_or(Outcome::Succeeded))
    }

    /// Starts process `process`, its relays and its watcher; returns what stops it.
    fn start(
        &self,
        process: usize,
        addresses: &[String],
        events: &mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<oneshot::Sender<()>> {
        let mut argv = self.program.clone();
        argv.extend([
            "--workers".to_string(),
            self.workers.to_string(),
            "--process".to_string(),
            process.to_string(),
            "--addresses".to_string(),
            addresses.join(","),
        ]);
        let mut command = match &self.hosts {
            None => {
                let (program, args) = argv
                    .split_first()
                    .ok_or_else(|| std::io::Error::other("no program to launch"))?;
                let mut command = Command::new(program);
                command.args(args);
                command
            }
            Some(_) => {
                let host = addresses[process].rsplit_once(':').map_or("", |(h, _)| h);
                let environment = [
                    format!("{}=1", blossom::LAUNCH),
                    format!("BLOSSOM_PROCESS={process}"),
                ];
                let line: Vec<String> = (["env".to_string()].iter())
                    .chain(&environment)
                    .chain(&argv)
                    .map(|arg| quote(arg))
                    .collect();
                let script = (self.remote.replace("{host}", &quote(host)))
                    .replace("{command}", &quote(&line.join(" ")));
                let mut command = Command::new("sh");
                command.arg("-c").arg(script);
                command
            }
        };
        command
            .env(blossom::LAUNCH, "1")
            .env("BLOSSOM_PROCESS", process.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(relay(stdout, process, false, events.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(relay(stderr, process, true, events.clone()));
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let events = events.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status.ok(),
                _ = stopped => {
                    let _ = child.kill().await;
                    child.wait().await.ok()
                }
            };
            let _ = events.send(Event::Exited(process, status));
        });
        Ok(stop)
    }
}

/// Hands on a process's lines.
async fn relay(
    stream: impl AsyncRead + Unpin,
    process: usize,
    stderr: bool,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(text)) = lines.next_line().await {
        let line = Line {
            process,
            stderr,
            text,
        };
        if events.send(Event::Line(line)).is_err() {
            return;
        }
    }
}

fn stop_all(stops: &mut Vec<oneshot::Sender<()>>) {
    for stop in stops.drain(..) {
        let _ = stop.send(());
    }
}

/// Hands on the lines still coming, until every relay and watcher is done, for at most
/// [`LAST_LINES`].
async fn drain(told: &mut mpsc::UnboundedReceiver<Event>, each: &mut impl FnMut(Line)) {
    let rest = async {
        while let Some(event) = told.recv().await {
            if let Event::Line(line) = event {
                each(line);
            }
        }
    };
    let _ = tokio::time::timeout(LAST_LINES, rest).await;
}

fn describe(status: Option<ExitStatus>) -> String {
    match status {
        Some(status) => format!("exited with {status}"),
        None => "could not be waited for".to_string(),
    }
}

/// `count` loopback addresses on ports free right now (held together, so all differ).
fn loopback_ports(count: usize) -> std::io::Result<Vec<String>> {
    let listeners = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.to_string()))
        .collect()
}

/// `text` as one word for `sh`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_word_survives_the_shell() {
        let word = "it's a \"test\" $HOME `x`";
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote(word)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(output.stdout).unwrap(), word);
    }

    #[test]
    fn picked_ports_differ() {
        let ports = loopback_ports(5).unwrap();
        let distinct: std::collections::BTreeSet<_> = ports.iter().collect();
        assert_eq!(distinct.len(), 5);
    }
}
