//! The chat example's three programs (a room, two members), each served on a loopback port,
//! talking through `<~` between programs.

use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use blossom::{Addr, Config};
use blossom_examples::chat::{ChatMember, ChatRoom, ROOM};
use blossom_net::{Change, Client, Limits, LinkLimits, Retry, Server, Stop};

/// A program served on a thread of its own.
struct Serving {
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the server thread ends cleanly");
        }
    }
}

fn serve<P: blossom::Served + 'static>(
    listener: TcpListener,
    start: impl FnOnce() -> P + Send + 'static,
) -> Serving {
    serve_within(listener, Limits::default(), start)
}

fn serve_within<P: blossom::Served + 'static>(
    listener: TcpListener,
    limits: Limits,
    start: impl FnOnce() -> P + Send + 'static,
) -> Serving {
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let server = Server::with_limits(start(), limits);
        stop_tx.send(server.stopper()).expect("the test waits");
        server.serve(listener).expect("the server runs");
    });
    Serving {
        stop: stop_rx.recv().expect("the server starts"),
        thread: Some(thread),
    }
}

/// The next change that adds rows, within a minute.
async fn next_added(
    changes: &mut blossom_net::Changes<(Addr, String, String)>,
) -> Vec<(Addr, String, String)> {
    loop {
        let change: Change<_> = tokio::time::timeout(Duration::from_secs(60), changes.next())
            .await
            .expect("a change within a minute")
            .expect("the subscription is open")
            .expect("a well-formed change");
        if !change.added.is_empty() {
            return change.added;
        }
    }
}

#[test]
fn a_post_reaches_every_member_through_the_room() {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let addresses: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    let endpoint = |i: usize| addresses[i].to_string();
    let mut listeners = listeners.into_iter();
    let room_config = Config::embedded()
        .remote(Addr(1), endpoint(1))
        .remote(Addr(2), endpoint(2));
    let _room = serve(listeners.next().unwrap(), move || {
        ChatRoom::with_config(&room_config).unwrap()
    });
    let member_config = Config::embedded().remote(ROOM, endpoint(0));
    let config = member_config.clone();
    let _ann = serve(listeners.next().unwrap(), move || {
        ChatMember::with_config(&config).unwrap()
    });
    let _bob = serve(listeners.next().unwrap(), move || {
        ChatMember::with_config(&member_config).unwrap()
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ann = Client::connect(addresses[1], Retry::default())
            .await
            .unwrap();
        let bob = Client::connect(addresses[2], Retry::default())
            .await
            .unwrap();
        let mut ann_hears = ann.subscribe(ChatMember::HEARD).await.unwrap();
        let mut bob_hears = bob.subscribe(ChatMember::HEARD).await.unwrap();
        // A member's rows are at its own node.
        let hello = |me: u32, name: &str| (Addr(me), ROOM, Addr(me), name.to_string());
        ann.insert(ChatMember::HELLO, &[hello(1, "ann")])
            .await
            .unwrap();
        bob.insert(ChatMember::HELLO, &[hello(2, "bob")])
            .await
            .unwrap();
        // Joins travel to the room in the background: post until the room knows both.
        let said = |text: &str| (Addr(1), text.to_string());
        let mut heard = Vec::new();
        for attempt in 0..50 {
            ann.insert(ChatMember::SAY, &[said(&format!("hello {attempt}"))])
                .await
                .unwrap();
            let got =
                tokio::time::timeout(Duration::from_millis(500), next_added(&mut bob_hears)).await;
            if let Ok(rows) = got {
                heard = rows;
                break;
            }
        }
        assert_eq!(heard.len(), 1, "bob heard {heard:?}");
        let (node, name, text) = &heard[0];
        assert_eq!((node, name.as_str()), (&Addr(2), "ann"));
        assert!(text.starts_with("hello "), "{text}");
        // Ann hears her own post too, at her node.
        let own = next_added(&mut ann_hears).await;
        assert!(
            own.iter()
                .all(|(node, name, _)| *node == Addr(1) && name == "ann"),
            "{own:?}"
        );
    });
}

/// The `chat` binary in three processes, as the README runs it in three terminals.
#[test]
fn the_chat_binary_in_three_processes() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    const CHAT: &str = env!("CARGO_BIN_EXE_chat");
    let ports: Vec<String> = (0..3)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .to_string()
        })
        .collect();
    let room_remotes = format!("--remote=1={} --remote=2={}", ports[1], ports[2]);
    let mut room = Command::new(CHAT)
        .args(["room", "--listen", &ports[0]])
        .args(room_remotes.split(' '))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let member = |node: usize, name: &str| {
        Command::new(CHAT)
            .args([
                "member",
                "--listen",
                &ports[node],
                "--node",
                &node.to_string(),
            ])
            .args(["--name", name, "--remote", &format!("0={}", ports[0])])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (mut ann, mut bob) = (member(1, "ann"), member(2, "bob"));
    // Bob's lines, as they come.
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let bob_out = BufReader::new(bob.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in bob_out.lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    // Ann posts until Bob hears her (the joins travel in the background).
    let mut ann_in = ann.stdin.take().unwrap();
    let mut heard = None;
    for attempt in 0..100 {
        writeln!(ann_in, "hello {attempt}").unwrap();
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(300)) {
            heard = Some(line);
            break;
        }
    }
    let heard = heard.expect("bob heard ann within 30 s");
    assert!(heard.starts_with("ann: hello "), "{heard}");
    drop(ann_in);
    drop(bob.stdin.take());
    assert!(
        ann.wait().unwrap().success(),
        "ann leaves when her stdin ends"
    );
    assert!(
        bob.wait().unwrap().success(),
        "bob leaves when his stdin ends"
    );
    room.kill().unwrap();
    let room_out = room.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&room_out.stdout).contains("ann: hello "),
        "the room printed what it relayed"
    );
}

/// A free loopback port, released for a server to take later.
fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .expect("a loopback port")
        .local_addr()
        .expect("its address")
}

/// Ann posts (joining again first: a room that was down never heard her join) until she hears
/// herself through the room; `false` if she does not within `tries` posts.
async fn round_trip(
    ann: &Client,
    hears: &mut blossom_net::Changes<(Addr, String, String)>,
    tries: usize,
) -> bool {
    for attempt in 0..tries {
        let hello = (Addr(1), ROOM, Addr(1), "ann".to_string());
        ann.insert(ChatMember::HELLO, &[hello])
            .await
            .expect("ann joins");
        let post = (Addr(1), format!("try {attempt}"));
        ann.insert(ChatMember::SAY, &[post])
            .await
            .expect("ann posts");
        let heard = tokio::time::timeout(Duration::from_millis(300), next_added(hears)).await;
        if heard.is_ok() {
            return true;
        }
    }
    false
}

#[test]
fn a_link_gives_up_on_a_room_that_is_down_and_reconnects_to_one_restarted() {
    let room_address = free_port();
    let ann_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ann_address = ann_listener.local_addr().unwrap();
    // Ann's link tries a few times only, 20 ms apart.
    let limits = Limits {
        links: LinkLimits {
            queue: 16,
            retry: Retry {
                attempts: 3,
                delay: Duration::from_millis(20),
            },
        },
        ..Limits::default()
    };
    let ann_config = Config::embedded().remote(ROOM, room_address.to_string());
    let _ann = serve_within(ann_listener, limits, move || {
        ChatMember::with_config(&ann_config).unwrap()
    });
    let room_config = Config::embedded().remote(Addr(1), ann_address.to_string());
    let start_room = || {
        let config = room_config.clone();
        let listener = TcpListener::bind(room_address).expect("the room's port is free again");
        serve(listener, move || ChatRoom::with_config(&config).unwrap())
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ann = Client::connect(ann_address, Retry::default())
            .await
            .unwrap();
        let mut hears = ann.subscribe(ChatMember::HEARD).await.unwrap();
        // No room: the link gives up (its rows are dropped, logged) and ann serves on.
        assert!(!round_trip(&ann, &mut hears, 3).await, "no room, no echo");
        // The room comes up: the link connects on its next batch.
        let room = start_room();
        assert!(
            round_trip(&ann, &mut hears, 50).await,
            "the link connects to the room"
        );
        // The room restarts: the link's connection is gone; it reconnects to the new one.
        drop(room);
        let _room = start_room();
        assert!(
            round_trip(&ann, &mut hears, 50).await,
            "the link reconnects"
        );
    });
}
