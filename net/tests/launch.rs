//! `blossom launch` with stand-in programs (`sh` scripts): prefixes, exit codes, a process that
//! fails, one that cannot start, one that never connects, and the remote template.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BLOSSOM: &str = env!("CARGO_BIN_EXE_blossom");

/// `blossom launch` with `args`, then `-- sh -c SCRIPT sh`.
fn launch(args: &[&str], script: &str) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(BLOSSOM)
        .arg("launch")
        .args(args)
        .args(["--", "sh", "-c", script, "sh"])
        .output()
        .expect("the launcher runs");
    (output, started.elapsed())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a stand-in writes to say it is connected, as the engine does under the launcher.
fn ready() -> String {
    format!("echo \"{} $BLOSSOM_PROCESS of 3\" >&2", blossom::READY)
}

#[test]
fn every_line_is_prefixed_and_success_is_zero() {
    let script = format!("{}; echo \"hello from $BLOSSOM_PROCESS: $*\"", ready());
    let (output, _) = launch(&["--processes", "3", "--workers", "2"], &script);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for process in 0..3 {
        let line = (stdout.lines())
            .find(|l| l.starts_with(&format!("[p{process}] hello from {process}: ")))
            .unwrap_or_else(|| panic!("no line from process {process} in {stdout}"));
        // The cluster's shape comes after the program's own arguments.
        assert!(
            line.contains(&format!(
                "--workers 2 --process {process} --addresses 127.0.0.1:"
            )),
            "{line}"
        );
        assert_eq!(line.matches("127.0.0.1:").count(), 3, "{line}");
    }
    assert!(stderr.contains("all 3 processes connected"), "{stderr}");
}

#[test]
fn one_failing_process_stops_the_others() {
    let script = format!(
        "{}; if [ \"$BLOSSOM_PROCESS\" = 1 ]; then exit 7; fi; exec sleep 60",
        ready()
    );
    let (output, took) = launch(&["-n", "3"], &script);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("process 1 exited with exit status: 7"),
        "{stderr}"
    );
    assert!(
        took < Duration::from_secs(30),
        "the others were not stopped: {took:?}"
    );
}

#[test]
fn a_process_that_cannot_start_is_named() {
    let output = Command::new(BLOSSOM)
        .args(["launch", "-n", "2", "--", "/nonexistent/program"])
        .output()
        .expect("the launcher runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("process 0 could not be started"),
        "{stderr}"
    );
}

#[test]
fn a_process_that_never_connects_is_named_after_the_timeout() {
    // Process 0 says it is connected; process 1 never does.
    let script = format!(
        "if [ \"$BLOSSOM_PROCESS\" = 0 ]; then {}; fi; exec sleep 60",
        ready()
    );
    let (output, took) = launch(&["-n", "2", "--connect-timeout", "1"], &script);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("not connected in time: process 1 (127.0.0.1:"),
        "{stderr}"
    );
    assert!(!stderr.contains("process 0 (127.0.0.1:"), "{stderr}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn remote_processes_start_through_the_template() {
    let hosts = std::env::temp_dir().join(format!("blossom-launch-hosts-{}", std::process::id()));
    std::fs::write(&hosts, "# two hosts\nalpha:7001\n\nbeta:7002\n").unwrap();
    // A stand-in for ssh: runs the command here, telling it which host it was meant for.
    let template = "env STAND_IN_HOST={host} sh -c {command}";
    let script = format!(
        "{}; echo \"on $STAND_IN_HOST as $BLOSSOM_PROCESS with $BLOSSOM_LAUNCH: $*\"",
        ready()
    );
    let hosts_arg = hosts.to_str().unwrap();
    let (output, _) = launch(
        &["-n", "2", "--hosts", hosts_arg, "--remote", template],
        &script,
    );
    std::fs::remove_file(&hosts).unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for (process, host) in [(0, "alpha"), (1, "beta")] {
        let want = format!(
            "[p{process}] on {host} as {process} with 1: --workers 1 --process {process} --addresses alpha:7001,beta:7002"
        );
        assert!(stdout.lines().any(|l| l == want), "no {want:?} in {stdout}");
    }
}

#[test]
fn usage_errors_exit_with_two() {
    let output = Command::new(BLOSSOM)
        .args(["launch", "--processes", "0", "--", "true"])
        .output()
        .expect("the launcher runs");
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(BLOSSOM)
        .args(["launch", "-n", "2"])
        .output()
        .expect("the launcher runs");
    assert_eq!(output.status.code(), Some(2), "a program is required");
}

#[test]
fn a_terminated_launcher_stops_its_processes() {
    let script = format!("{}; exec sleep 60", ready());
    let launcher = Command::new(BLOSSOM)
        .args(["launch", "-n", "2", "--", "sh", "-c", &script, "sh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let terminated = Command::new("kill")
        .arg(launcher.id().to_string())
        .status()
        .unwrap();
    assert!(terminated.success());
    let started = Instant::now();
    let output = launcher.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("stopped every process"));
    // The launcher waited for its processes (killed, not left sleeping for 60 s).
    assert!(started.elapsed() < Duration::from_secs(30));
}
