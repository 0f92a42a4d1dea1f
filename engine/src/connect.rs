//! A cluster's mesh: each process connects to every other, then timely starts on the sockets.
//!
//! What timely's own `create_sockets` does, with its handshake (a connecting process writes its
//! index as a big-endian `u64`), but retrying every few milliseconds where timely sleeps a
//! second between attempts, and giving up after the cluster's connect timeout with an error
//! that names the peer. Process `i` listens on its address, connects to the processes before
//! it and accepts those after it, so every pair is connected once.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::communication::{Hooks, WorkerGuards};
use timely::worker::Worker;

use crate::{Cluster, Error};

/// The first wait between attempts; each wait doubles, up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(1);
const LONGEST_WAIT: Duration = Duration::from_millis(5);

/// How long an accepted connection has to say which process it is (a stranger that says
/// nothing is dropped after this, and the process goes on waiting for its peers).
const HELLO: Duration = Duration::from_secs(1);

/// Connects this process to the others of `cluster` and starts `workers` timely workers in
/// it, each running `logic`.
pub(crate) fn execute<T, F>(
    cluster: &Cluster,
    workers: usize,
    logic: F,
) -> Result<WorkerGuards<T>, Error>
where
    T: Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    let sockets = mesh(cluster)?;
    let hooks = Hooks::default();
    let local =
        ProcessBuilder::new_typed_vector(workers, hooks.refill.clone(), hooks.spill.clone());
    let (builders, guard) =
        initialize_networking_from_sockets(local, sockets, cluster.process, workers, hooks)
            .map_err(|e| Error::Start(format!("cannot start the network threads: {e}")))?;
    let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
    let config = timely::WorkerConfig::default();
    timely::execute::execute_from(builders, Box::new(guard), config, logic).map_err(Error::Start)
}

/// A socket to every other process of `cluster`, in process order (`None` at this process's
/// own index), as timely's `initialize_networking_from_sockets` takes them.
pub(crate) fn mesh(cluster: &Cluster) -> Result<Vec<Option<TcpStream>>, Error> {
    let me = cluster.process;
    let address = cluster.addresses.get(me).ok_or_else(|| {
        let processes = cluster.addresses.len();
        Error::Config(format!(
            "process index {me} is out of range for {processes} addresses"
        ))
    })?;
    let listener = TcpListener::bind(address.as_str())
        .map_err(|e| Error::Start(format!("process {me} cannot listen on {address}: {e}")))?;
    let deadline = Instant::now() + cluster.connect_timeout;
    let (before, after) = std::thread::scope(|scope| {
        let accepting = scope.spawn(|| accept(cluster, &listener, deadline));
        let before = connect(cluster, deadline);
        let after = accepting
            .join()
            .unwrap_or_else(|_| Err(Error::Start("the thread accepting peers panicked".into())));
        (before, after)
    });
    let (before, after) = (before?, after?);
    let mut sockets: Vec<Option<TcpStream>> = before.into_iter().map(Some).collect();
    sockets.push(None);
    sockets.extend(after.into_iter().map(Some));
    for socket in sockets.iter().flatten() {
        // As timely's own sockets: small progress messages go out at once.
        socket.set_nodelay(true).map_err(start)?;
        socket.set_read_timeout(None).map_err(start)?;
    }
    Ok(sockets)
}

/// Connects to each process before this one, retrying until the deadline.
fn connect(cluster: &Cluster, deadline: Instant) -> Result<Vec<TcpStream>, Error> {
    let me = cluster.process;
    let mut sockets = Vec::with_capacity(me);
    for (peer, address) in cluster.addresses.iter().enumerate().take(me) {
        let mut wait = FIRST_WAIT;
        let mut stream = loop {
            let failure = match attempt(address, deadline) {
                Ok(stream) => break stream,
                Err(failure) => failure,
            };
            if Instant::now() + wait >= deadline {
                return Err(missing(
                    cluster,
                    peer,
                    format!("cannot connect to it: {failure}"),
                ));
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(LONGEST_WAIT);
        };
        stream
            .write_all(&(me as u64).to_be_bytes())
            .map_err(|e| missing(cluster, peer, format!("cannot greet it: {e}")))?;
        if cluster.report {
            eprintln!("process {me}: connected to process {peer} at {address}");
        }
        sockets.push(stream);
    }
    Ok(sockets)
}

/// One attempt to connect to `address`, at each address it resolves to, each for no longer
/// than what is left before `deadline`.
fn attempt(address: &str, deadline: Instant) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::other("the address resolves to nothing");
    for resolved in address.to_socket_addrs()? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&resolved, left) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Accepts each process after this one, until the deadline; a connection that does not say
/// which of them it is, in time, is dropped.
fn accept(
    cluster: &Cluster,
    listener: &TcpListener,
    deadline: Instant,
) -> Result<Vec<TcpStream>, Error> {
    let me = cluster.process;
    let mut sockets: Vec<Option<TcpStream>> =
        (me + 1..cluster.addresses.len()).map(|_| None).collect();
    listener.set_nonblocking(true).map_err(start)?;
    let mut wait = FIRST_WAIT;
    while let Some(first) = sockets.iter().position(Option::is_none) {
        match listener.accept() {
            Ok((stream, from)) => {
                wait = FIRST_WAIT;
                let peer = greeting(&stream, deadline);
                // Only a process after this one, not yet connected, is a peer here.
                let slot = (peer.and_then(|peer| peer.checked_sub(me + 1)))
                    .and_then(|slot| sockets.get_mut(slot))
                    .filter(|slot| slot.is_none());
                match (slot, peer) {
                    (Some(slot), Some(peer)) => {
                        if cluster.report {
                            eprintln!("process {me}: connected from process {peer} at {from}");
                        }
                        *slot = Some(stream);
                    }
                    _ => tracing::warn!(
                        "process {me}: dropped a connection from {from} that is no expected peer"
                    ),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() + wait >= deadline {
                    let peer = me + 1 + first;
                    let listening = &cluster.addresses[me];
                    let reason =
                        format!("it did not connect to this process (listening on {listening})");
                    return Err(missing(cluster, peer, reason));
                }
                std::thread::sleep(wait);
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            Err(e) => {
                return Err(Error::Start(format!(
                    "process {me} cannot accept peers: {e}"
                )));
            }
        }
    }
    Ok(sockets.into_iter().flatten().collect())
}

/// The index a connecting process writes first, if it writes one in time and in range.
fn greeting(stream: &TcpStream, deadline: Instant) -> Option<usize> {
    let left = deadline
        .saturating_duration_since(Instant::now())
        .min(HELLO);
    // An accepted socket may inherit the listener's non-blocking mode on some systems.
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .ok()?;
    let mut index = [0u8; 8];
    (&*stream).read_exact(&mut index).ok()?;
    usize::try_from(u64::from_be_bytes(index)).ok()
}

fn missing(cluster: &Cluster, peer: usize, reason: String) -> Error {
    Error::NotConnected {
        process: peer,
        address: cluster.addresses[peer].clone(),
        timeout: cluster.connect_timeout,
        reason,
    }
}

fn start(error: std::io::Error) -> Error {
    Error::Start(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(process: usize, addresses: &[String]) -> Cluster {
        Cluster {
            process,
            addresses: addresses.to_vec(),
            report: false,
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// Strangers on a process's port (one that says nothing, one that claims an index out of
    /// range, one that claims to be the process itself) are dropped, and the peers still meet.
    #[test]
    fn strangers_are_dropped_and_the_peers_still_meet() {
        let free = || TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
        let addresses: Vec<String> = (0..2).map(|_| free().unwrap().to_string()).collect();
        let zero = cluster(0, &addresses);
        let waiting = std::thread::spawn(move || mesh(&zero).map(|s| s.len()));
        let knock = |greeting: Option<u64>| loop {
            if let Ok(mut stream) = TcpStream::connect(addresses[0].as_str()) {
                if let Some(index) = greeting {
                    stream.write_all(&index.to_be_bytes()).unwrap();
                }
                break stream;
            }
            std::thread::sleep(FIRST_WAIT);
        };
        let _silent = knock(None);
        let _strangers = [knock(Some(99)), knock(Some(u64::MAX)), knock(Some(0))];
        let one = mesh(&cluster(1, &addresses)).unwrap();
        assert_eq!(one.len(), 2);
        assert_eq!(waiting.join().unwrap().unwrap(), 2);
    }
}
