//! The store as a cluster: three `kvs` processes, spoken to by the `redis` crate. Any process
//! takes any key and routes it to its home; multi-key commands and scans span every process;
//! with two replicas a process killed and restarted empty gets its keys back by anti-entropy,
//! the writes it missed included.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use blossom::explain::Label;
use blossom_examples::kvs::{Kvs, Ring};
use redis::Connection;

const PROCESSES: usize = 3;

/// Three `kvs` processes on ports `base`, `base + 1`, `base + 2`, killed when dropped.
struct Cluster {
    base: u16,
    replicas: u32,
    children: Vec<Option<Child>>,
}

impl Cluster {
    fn start(replicas: u32) -> Cluster {
        let mut cluster = Cluster {
            base: free_ports(PROCESSES),
            replicas,
            children: (0..PROCESSES).map(|_| None).collect(),
        };
        for process in 0..PROCESSES {
            cluster.start_process(process);
        }
        cluster.wait_linked();
        cluster
    }

    fn port(&self, process: usize) -> u16 {
        self.base + process as u16
    }

    fn start_process(&mut self, process: usize) {
        let addresses = ["127.0.0.1:0"; PROCESSES].join(",");
        let child = Command::new(env!("CARGO_BIN_EXE_kvs"))
            .args(["--port", &self.base.to_string()])
            .args(["--process", &process.to_string(), "--addresses", &addresses])
            .args(["--replicas", &self.replicas.to_string()])
            .args(["--sweep-interval", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kvs starts");
        self.children[process] = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port(process))).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "kvs did not listen"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL: the process keeps nothing.
    fn kill(&mut self, process: usize) {
        if let Some(mut child) = self.children[process].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn connect(&self, process: usize) -> Connection {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port(process)))
            .expect("a valid URL")
            .get_connection()
            .expect("the store accepts a client")
    }

    /// Waits until the running processes have `up` links each (all the others' by default).
    fn wait_links(&self, up: i64) {
        let started = Instant::now();
        for process in (0..PROCESSES).filter(|p| self.children[*p].is_some()) {
            let mut c = self.connect(process);
            loop {
                let links: i64 = redis::cmd("BLOSSOM.LINKS").query(&mut c).expect("links");
                if links == up {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "links not {up}"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    fn wait_linked(&self) {
        self.wait_links(PROCESSES as i64 - 1);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for process in 0..PROCESSES {
            self.kill(process);
        }
    }
}

/// `count` consecutive free loopback ports, the first returned.
fn free_ports(count: usize) -> u16 {
    let seed = std::process::id() as usize * 7919
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos() as usize);
    for attempt in 0..1000 {
        let base = 20_000 + (seed + attempt * 104_729) % 40_000;
        let bound: Vec<_> = (0..count)
            .filter_map(|i| TcpListener::bind(("127.0.0.1", (base + i) as u16)).ok())
            .collect();
        if bound.len() == count {
            return base as u16;
        }
    }
    panic!("no {count} consecutive free ports");
}

fn get(c: &mut Connection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(c).expect("GET")
}

/// What `process` holds for `key` itself, forwarding nothing.
fn local_get(c: &mut Connection, key: &str) -> Option<String> {
    redis::cmd("BLOSSOM.LOCAL")
        .arg("GET")
        .arg(key)
        .query(c)
        .expect("a local GET")
}

#[test]
fn the_store_stays_coordination_free_and_one_operator_per_worker() {
    let explain = Kvs::explain();
    assert_eq!(explain.hub, Some("store"));
    for output in explain.outputs {
        assert!(output.label < Label::Divergent, "{} diverges", output.name);
    }
}

#[test]
fn a_key_lives_on_its_primary_and_the_processes_after_it() {
    let ring = Ring::new(3, 2);
    let mut primaries = [0; 3];
    for key in (0..300).map(|i| format!("key:{i}")) {
        let homes: Vec<u32> = ring.homes(key.as_bytes()).collect();
        let primary = ring.primary(key.as_bytes());
        assert_eq!(homes, [primary, (primary + 1) % 3]);
        for process in 0..3 {
            assert_eq!(
                ring.holds(process, key.as_bytes()),
                homes.contains(&process)
            );
        }
        primaries[primary as usize] += 1;
    }
    // Spread: no process is the primary of fewer than a fifth of the keys.
    assert!(primaries.iter().all(|count| *count > 60), "{primaries:?}");
    assert_eq!(Ring::new(2, 5).replicas, 2);
}

#[test]
fn any_process_takes_any_key_and_scans_span_them_all() {
    let cluster = Cluster::start(1);
    let mut c: Vec<Connection> = (0..PROCESSES).map(|p| cluster.connect(p)).collect();
    let keys: Vec<String> = (0..30).map(|i| format!("key:{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(format!("v{i}"))
            .query(&mut c[i % PROCESSES])
            .expect("SET");
    }
    for (process, c) in c.iter_mut().enumerate() {
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(get(c, key), Some(format!("v{i}")), "{key} via {process}");
        }
    }
    // Each key is on its home alone, and every process has some.
    let ring = Ring::new(PROCESSES as u32, 1);
    for (process, c) in c.iter_mut().enumerate() {
        let here: i64 = redis::cmd("BLOSSOM.LOCAL")
            .arg("DBSIZE")
            .query(c)
            .expect("a local DBSIZE");
        let homed = (keys.iter())
            .filter(|key| ring.primary(key.as_bytes()) == process as u32)
            .count();
        assert_eq!((here, homed > 0), (homed as i64, true), "process {process}");
    }

    // MSET and MGET across every process, pipelined with a local read.
    let pairs: Vec<(String, String)> = (0..30)
        .map(|i| (format!("m:{i}"), format!("{i}")))
        .collect();
    let _: () = redis::cmd("MSET")
        .arg(&pairs)
        .query(&mut c[1])
        .expect("MSET");
    let mut mget = redis::cmd("MGET");
    for (key, _) in &pairs {
        mget.arg(key);
    }
    mget.arg("missing");
    let (values, size): (Vec<Option<String>>, i64) = redis::pipe()
        .add_command(mget)
        .cmd("DBSIZE")
        .query(&mut c[2])
        .expect("MGET and DBSIZE");
    let mut expected: Vec<Option<String>> = pairs.iter().map(|(_, v)| Some(v.clone())).collect();
    expected.push(None);
    assert_eq!((values, size), (expected, 60));

    let mut all: Vec<String> = keys
        .iter()
        .chain(pairs.iter().map(|(k, _)| k))
        .cloned()
        .collect();
    all.sort();
    for (process, c) in c.iter_mut().enumerate() {
        let mut listed: Vec<String> = redis::cmd("KEYS").arg("*").query(c).expect("KEYS");
        listed.sort();
        assert_eq!(listed, all, "KEYS via {process}");
        let size: i64 = redis::cmd("DBSIZE").query(c).expect("DBSIZE");
        assert_eq!(size, 60);
    }

    // Counters incremented through every process count every increment.
    for c in c.iter_mut() {
        for _ in 0..3 {
            let _: i64 = redis::cmd("INCR").arg("visits").query(c).expect("INCR");
        }
    }
    assert_eq!(get(&mut c[0], "visits"), Some("9".into()));

    let deleted: i64 = redis::cmd("DEL")
        .arg(&keys[..10])
        .arg("nope")
        .query(&mut c[0])
        .expect("DEL");
    let exist: i64 = redis::cmd("EXISTS")
        .arg(&keys[..12])
        .query(&mut c[2])
        .expect("EXISTS");
    assert_eq!((deleted, exist), (10, 2));

    // A malformed value from a "peer" is refused, and the process goes on.
    let refused = redis::cmd("BLOSSOM.MERGE")
        .arg("k")
        .arg(&b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"[..])
        .query::<()>(&mut c[0]);
    let error = refused.expect_err("a malformed value is refused");
    assert!(error.to_string().contains("malformed"), "{error}");

    let _: () = redis::cmd("FLUSHALL").query(&mut c[2]).expect("FLUSHALL");
    for (process, c) in c.iter_mut().enumerate() {
        let size: i64 = redis::cmd("DBSIZE").query(c).expect("DBSIZE");
        assert_eq!(size, 0, "after FLUSHALL, via {process}");
    }
}

/// What each key should read, through any process.
fn check_everywhere(cluster: &Cluster, expected: &BTreeMap<String, String>) {
    for process in 0..PROCESSES {
        let mut c = cluster.connect(process);
        for (key, value) in expected {
            assert_eq!(
                get(&mut c, key).as_ref(),
                Some(value),
                "{key} via {process}"
            );
        }
    }
}

#[test]
fn a_process_restarted_empty_converges_with_the_writes_it_missed() {
    let mut cluster = Cluster::start(2);
    let ring = Ring::new(PROCESSES as u32, 2);
    let mut c0 = cluster.connect(0);
    let mut expected = BTreeMap::new();
    for i in 0..40 {
        let (key, value) = (format!("before:{i}"), format!("b{i}"));
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(&value)
            .query(&mut c0)
            .expect("SET");
        expected.insert(key, value);
    }
    let _: i64 = redis::cmd("INCRBY")
        .arg("counter")
        .arg(5)
        .query(&mut c0)
        .expect("INCRBY");
    let _: i64 = redis::cmd("SADD")
        .arg("tags")
        .arg(&["a", "b"])
        .query(&mut c0)
        .expect("SADD");
    expected.insert("counter".into(), "5".into());
    let victim = 1;
    let share = |expected: &BTreeMap<String, String>| -> Vec<(String, String)> {
        (expected.iter())
            .filter(|(key, _)| ring.holds(victim as u32, key.as_bytes()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    };
    // Both homes of a key hold it (the replica by gossip) before anything fails.
    let mut c1 = cluster.connect(victim);
    let started = Instant::now();
    while share(&expected)
        .iter()
        .any(|(k, v)| local_get(&mut c1, k).as_ref() != Some(v))
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "replicas never got the writes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(c1);

    cluster.kill(victim);
    cluster.wait_links(1);
    // Written while the victim is down: a key whose primary it is goes to its replica.
    for i in 0..40 {
        let (key, value) = (format!("during:{i}"), format!("d{i}"));
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(&value)
            .query(&mut c0)
            .expect("SET");
        expected.insert(key, value);
    }
    for i in 0..10 {
        let (key, value) = (format!("before:{i}"), format!("overwritten{i}"));
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(&value)
            .query(&mut c0)
            .expect("SET");
        expected.insert(key, value);
    }
    let _: i64 = redis::cmd("INCRBY")
        .arg("counter")
        .arg(2)
        .query(&mut c0)
        .expect("INCRBY");
    let _: i64 = redis::cmd("SADD")
        .arg("tags")
        .arg("c")
        .query(&mut c0)
        .expect("SADD");
    expected.insert("counter".into(), "7".into());
    let missed = share(&expected);
    assert!(missed.iter().any(|(k, _)| k.starts_with("during:")));

    cluster.start_process(victim);
    cluster.wait_linked();
    let started = Instant::now();
    let mut c1 = cluster.connect(victim);
    loop {
        let behind: Vec<&String> = (missed.iter())
            .filter(|(k, v)| local_get(&mut c1, k).as_ref() != Some(v))
            .map(|(k, _)| k)
            .collect();
        if behind.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the restarted process never converged on {behind:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    if ring.holds(victim as u32, b"tags") {
        let mut members: Vec<String> = redis::cmd("BLOSSOM.LOCAL")
            .arg("SMEMBERS")
            .arg("tags")
            .query(&mut c1)
            .expect("SMEMBERS");
        members.sort();
        assert_eq!(members, ["a", "b", "c"]);
    }
    check_everywhere(&cluster, &expected);
}
