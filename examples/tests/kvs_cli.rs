//! The `kvs` binary with Redis's own tools: redis-cli scripted, redis-benchmark briefly. Each
//! test skips with one line where the tool is missing (`apt-get install redis-tools`), and
//! fails instead under `BLOSSOM_REQUIRE_SYSTEM_TESTS=1`.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "apt-get install redis-tools";

/// A server on a free port (the `kvs` binary, or Redis's own), killed when dropped.
struct Kvs {
    child: Child,
    port: u16,
}

impl Kvs {
    fn start(args: &[&str]) -> Kvs {
        Kvs::run(std::path::Path::new(env!("CARGO_BIN_EXE_kvs")), args)
    }

    /// Debian's redis-server, keeping nothing on disk.
    fn redis(server: &std::path::Path) -> Kvs {
        Kvs::run(server, &["--save", "", "--appendonly", "no"])
    }

    fn run(binary: &std::path::Path, args: &[&str]) -> Kvs {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "kvs did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Kvs { child, port }
    }
}

impl Drop for Kvs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `redis-cli` with `args`, feeding it `input`; its stdout.
fn cli(redis_cli: &std::path::Path, port: u16, args: &[&str], input: &str) -> String {
    let mut child = Command::new(redis_cli)
        .args(["-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("writes the script");
    let output = child.wait_with_output().expect("redis-cli finishes");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn redis_cli_runs_a_script_against_the_binary() {
    let Some(redis_cli) =
        blossom::testing::program("redis_cli_runs_a_script", "redis-cli", INSTALL)
    else {
        return;
    };
    let kvs = Kvs::start(&["-w", "2"]);
    let script = "SET greeting hello\nGET greeting\nINCR visits\nINCRBY visits 9\nSADD tags a b a\n\
                  SCARD tags\nSISMEMBER tags b\nMSET x 1 y 2\nMGET x y z\nDEL x y\nEXISTS x greeting\nDBSIZE\n\
                  TYPE tags\nINCR greeting\nNOSUCH thing\n";
    let out = cli(&redis_cli, kvs.port, &[], script);
    // redis-cli prints an empty line after each error.
    let want = "OK\nhello\n1\n10\n2\n2\n1\nOK\n1\n2\n\n2\n1\n3\nset\n\
                ERR value is not an integer or out of range\n\n\
                ERR unknown command 'NOSUCH', with args beginning with: 'thing' \n\n";
    assert_eq!(out, want);
    // And Redis itself answers the script alike, where it is installed.
    if let Some(server) = blossom::testing::program(
        "redis_cli_runs_a_script",
        "redis-server",
        "apt-get install redis-server",
    ) {
        let redis = Kvs::redis(&server);
        assert_eq!(
            cli(&redis_cli, redis.port, &[], script),
            want,
            "redis-server's answers"
        );
    }
    // --pipe sends its input (RESP) at once and counts the replies.
    let incr = "*2\r\n$4\r\nINCR\r\n$5\r\npiped\r\n";
    let piped = cli(&redis_cli, kvs.port, &["--pipe"], &incr.repeat(1000));
    assert!(piped.contains("errors: 0, replies: 1000"), "{piped}");
    assert_eq!(cli(&redis_cli, kvs.port, &[], "GET piped\n"), "1000\n");
}

#[test]
fn redis_cli_needs_the_password_when_one_is_set() {
    let Some(redis_cli) =
        blossom::testing::program("redis_cli_needs_the_password", "redis-cli", INSTALL)
    else {
        return;
    };
    let kvs = Kvs::start(&["--requirepass", "pw"]);
    let refused = cli(&redis_cli, kvs.port, &[], "SET k v\nGET k\n");
    assert_eq!(
        refused,
        "NOAUTH Authentication required.\n\nNOAUTH Authentication required.\n\n"
    );
    let allowed = cli(
        &redis_cli,
        kvs.port,
        &["--no-auth-warning", "-a", "pw"],
        "SET k v\nGET k\n",
    );
    assert_eq!(allowed, "OK\nv\n");
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let Some(benchmark) =
        blossom::testing::program("redis_benchmark_runs", "redis-benchmark", INSTALL)
    else {
        return;
    };
    let kvs = Kvs::start(&["-w", "2"]);
    let output = Command::new(benchmark)
        .args([
            "-p",
            &kvs.port.to_string(),
            "-t",
            "set,get,incr",
            "-n",
            "2000",
            "-c",
            "10",
            "-P",
            "4",
            "-q",
        ])
        .output()
        .expect("redis-benchmark runs");
    // Progress goes to the same stream, each update after a carriage return.
    let text = String::from_utf8_lossy(&output.stdout).replace('\r', "\n");
    assert!(output.status.success(), "{text}");
    for test in ["SET", "GET", "INCR"] {
        let summary =
            |l: &&str| l.trim_start().starts_with(&format!("{test}: ")) && !l.contains("rps=");
        let line = text
            .lines()
            .find(summary)
            .unwrap_or_else(|| panic!("{test} in {text}"));
        assert!(line.contains("requests per second"), "{line}");
    }
    assert!(!text.contains("rror"), "{text}");
}
