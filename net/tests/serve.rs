//! A served program against its clients: rows in, changes out, and bad input that must not
//! stop the server.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::JoinHandle;
use std::time::Duration;

use blossom_net::wire::{self, Reply, Request};
use blossom_net::{Client, ClientError, Limits, Retry, Server, Stop};

blossom::program! {
    /// Reachability: the program served in these tests.
    Reach {
        input  link(from: u32, to: u32);
        output reach(from: u32, to: u32);

        reach(a, b) <= link(a, b);
        reach(a, c) <= reach(a, b), link(b, c);
    }
}

/// A server on a loopback port of its own, on a thread of its own.
struct Running {
    address: std::net::SocketAddr,
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start(limits: Limits) -> Running {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let (stop_tx, stop_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let server = Server::with_limits(Reach::new(), limits);
            stop_tx.send(server.stopper()).expect("the test waits");
            server.serve(listener).expect("the server runs");
        });
        let stop = stop_rx.recv().expect("the server starts");
        Running {
            address,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the server thread ends cleanly");
        }
    }
}

/// The transitive closure, naively.
fn closure(links: &BTreeSet<(u32, u32)>) -> BTreeSet<(u32, u32)> {
    let mut reach = links.clone();
    loop {
        let more: Vec<(u32, u32)> = (reach.iter())
            .flat_map(|&(a, b)| {
                links
                    .iter()
                    .filter(move |l| l.0 == b)
                    .map(move |l| (a, l.1))
            })
            .filter(|pair| !reach.contains(pair))
            .collect();
        if more.is_empty() {
            return reach;
        }
        reach.extend(more);
    }
}

/// A small random graph from `seed`.
fn random_links(seed: u64, count: usize, nodes: u32) -> Vec<(u32, u32)> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    (0..count)
        .map(|_| (next() % nodes, next() % nodes))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_insert_and_subscribers_see_every_tick() {
    let server = Running::start(Limits::default());
    let writer = Client::connect(server.address, Retry::default())
        .await
        .unwrap();
    assert_eq!(writer.program(), "Reach");
    let reader = Client::connect(server.address, Retry::default())
        .await
        .unwrap();
    let mut changes = reader.subscribe(Reach::REACH).await.unwrap();
    let first = changes.next().await.unwrap().unwrap();
    assert_eq!(
        (first.tick, first.added.len()),
        (None, 0),
        "nothing before any tick"
    );

    let mut links = BTreeSet::new();
    let mut seen: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut last_tick = None;
    for batch in 0..4 {
        let rows = random_links(batch, 12, 10);
        let tick = writer.insert(Reach::LINK, &rows).await.unwrap();
        assert!(last_tick < Some(tick), "each insert holds in a later tick");
        last_tick = Some(tick);
        links.extend(rows);
        let change = changes.next().await.unwrap().unwrap();
        assert_eq!(change.tick, Some(tick));
        for row in &change.removed {
            assert!(seen.remove(row), "{row:?} removed but never added");
        }
        seen.extend(change.added);
        // Inputs hold for one tick: the output is the closure of this batch alone.
        let batch_links: BTreeSet<(u32, u32)> = random_links(batch, 12, 10).into_iter().collect();
        assert_eq!(seen, closure(&batch_links), "tick {tick}");
    }

    // A subscriber arriving late starts from the rows there are.
    let mut late = reader.subscribe(Reach::REACH).await.unwrap();
    let now = late.next().await.unwrap().unwrap();
    assert_eq!(now.tick, last_tick);
    assert_eq!(now.added.into_iter().collect::<BTreeSet<_>>(), seen);

    // Every subscriber leaves (the server unsubscribes after its next tick), the program goes
    // on, and a new subscriber starts from the rows there are, then hears the next tick.
    drop((changes, late, reader));
    let rows = random_links(9, 12, 10);
    writer.insert(Reach::LINK, &rows).await.unwrap();
    let again = Client::connect(server.address, Retry::default())
        .await
        .unwrap();
    let mut changes = again.subscribe(Reach::REACH).await.unwrap();
    let now = changes.next().await.unwrap().unwrap();
    let expected = closure(&rows.into_iter().collect());
    assert_eq!(now.added.into_iter().collect::<BTreeSet<_>>(), expected);
    let tick = writer.insert(Reach::LINK, &[]).await.unwrap();
    let change = changes.next().await.unwrap().unwrap();
    assert_eq!(change.tick, Some(tick));
    assert_eq!(
        change.removed.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "inputs hold one tick"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_relation_is_refused_before_anything_is_sent() {
    let server = Running::start(Limits::default());
    let client = Client::connect(server.address, Retry::default())
        .await
        .unwrap();
    let wrong_type: blossom::Relation<(String, u32)> = blossom::Relation::new("link");
    assert!(matches!(
        client.insert(wrong_type, &[]).await,
        Err(ClientError::Relation(_))
    ));
    let missing: blossom::Relation<(u32, u32)> = blossom::Relation::new("links");
    assert!(matches!(
        client.insert(missing, &[]).await,
        Err(ClientError::Relation(_))
    ));
    assert!(matches!(
        client.subscribe(Reach::LINK).await,
        Err(ClientError::Relation(_))
    ));
    // The connection still works.
    assert!(client.insert(Reach::LINK, &[(1, 2)]).await.is_ok());
}

/// Writes `bytes` to a fresh connection and reads until the server closes it; returns what
/// the server answered.
fn throw(address: std::net::SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read timeout");
    // The server may close before reading everything: a failed write is part of the test.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

/// The replies in `bytes`, decoded.
fn replies(bytes: &[u8]) -> Vec<Reply> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut reader = bytes;
    let mut out = Vec::new();
    while let Ok(Some(payload)) = runtime.block_on(wire::read_frame(&mut reader, 1 << 20)) {
        out.push(wire::decode(&payload).expect("the server sends well-formed replies"));
    }
    out
}

fn hello() -> Vec<u8> {
    wire::frame(&Request::Hello {
        client: "test".into(),
    })
    .expect("a hello encodes")
}

#[test]
fn malformed_frames_get_an_error_and_a_disconnect_and_the_server_goes_on() {
    let limits = Limits {
        max_frame: 4096,
        handshake: Duration::from_secs(5),
        ..Limits::default()
    };
    let server = Running::start(limits);
    let insert = |rows: Vec<u8>| {
        let request = Request::Insert {
            id: 1,
            relation: "link".into(),
            rows,
        };
        wire::frame(&request).unwrap()
    };
    let mut wrong_version = hello();
    wrong_version[4] = wire::VERSION + 1;
    let good_rows = wire::encode_rows(&[(1u32, 2u32)]).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("wrong version", wrong_version),
        (
            "oversized",
            [&1_000_000u32.to_be_bytes()[..], &[wire::VERSION]].concat(),
        ),
        ("empty frame", vec![0, 0, 0, 0]),
        (
            "not a request",
            [&5u32.to_be_bytes()[..], &[wire::VERSION, 9, 9, 9, 9]].concat(),
        ),
        ("insert before hello", insert(good_rows.clone())),
        (
            "rows of another type",
            [
                hello(),
                insert(wire::encode_rows(&["not two numbers".to_string()]).unwrap()),
            ]
            .concat(),
        ),
        (
            "truncated rows",
            [hello(), insert(good_rows[..good_rows.len() - 1].to_vec())].concat(),
        ),
        ("hello twice", [hello(), hello()].concat()),
    ];
    for (case, bytes) in cases {
        let answer = replies(&throw(server.address, &bytes));
        let last = answer.last().unwrap_or_else(|| panic!("{case}: no reply"));
        assert!(
            matches!(last, Reply::Error { fatal: true, .. }),
            "{case}: the last reply should be a fatal error, got {answer:?}"
        );
    }
    // Random and truncated bytes, with and without a hello first.
    let mut state = 7u64;
    for round in 0..200 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let length = (state >> 40) as usize % 64;
        let mut bytes: Vec<u8> = (0..length)
            .map(|i| (state.rotate_left(i as u32 * 7) >> 13) as u8)
            .collect();
        if round % 3 == 0 {
            bytes = [hello(), bytes].concat();
        } else if round % 3 == 1 {
            let frame = insert(good_rows.clone());
            bytes = [hello(), frame[..length.min(frame.len())].to_vec()].concat();
        }
        // Whatever the server answers must decode; it must not hang or crash.
        replies(&throw(server.address, &bytes));
    }
    // A silent client is dropped after the handshake limit; meanwhile the others are served.
    let silent = TcpStream::connect(server.address).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = Client::connect(server.address, Retry::default())
            .await
            .unwrap();
        let tick = client.insert(Reach::LINK, &[(1, 2), (2, 3)]).await.unwrap();
        let mut changes = client.subscribe(Reach::REACH).await.unwrap();
        let now = changes.next().await.unwrap().unwrap();
        assert_eq!(now.tick, Some(tick));
        assert_eq!(now.added, [(1, 2), (1, 3), (2, 3)]);
    });
    drop(silent);
}

#[test]
fn one_connection_over_the_limit_is_told_so() {
    let server = Running::start(Limits {
        max_connections: 1,
        ..Limits::default()
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let first = Client::connect(server.address, Retry::default())
            .await
            .unwrap();
        match Client::connect(server.address, Retry::default()).await {
            Err(ClientError::Server(message)) => assert!(message.contains("limit"), "{message}"),
            Err(other) => panic!("expected the server's refusal, got {other}"),
            Ok(_) => panic!("a second connection was accepted over the limit"),
        }
        assert!(first.insert(Reach::LINK, &[(3, 4)]).await.is_ok());
    });
}

blossom::program! {
    /// Rows in, the same rows out: what a subscriber is sent is as large as what is inserted.
    Echo {
        input  said(n: u32, text: String);
        output heard(n: u32, text: String);

        heard(n, t) <= said(n, t);
    }
}

#[test]
fn a_subscriber_that_does_not_read_is_dropped_and_the_others_are_served() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let limits = Limits {
        outgoing: 4,
        write: Duration::from_secs(1),
        ..Limits::default()
    };
    let server = Server::with_limits(Echo::new(), limits);
    let stop = server.stopper();
    let serving = std::thread::spawn(move || server.serve(listener).map(|_| ()));
    // A subscriber that never reads a byte.
    let mut stuck = TcpStream::connect(address).unwrap();
    let subscribe = Request::Subscribe {
        id: 0,
        relation: "heard".into(),
    };
    stuck.write_all(&hello()).unwrap();
    stuck.write_all(&wire::frame(&subscribe).unwrap()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let writer = Client::connect(address, Retry::default()).await.unwrap();
        let reader = Client::connect(address, Retry::default()).await.unwrap();
        let mut heard = reader.subscribe(Echo::HEARD).await.unwrap();
        heard.next().await.unwrap().unwrap();
        // 64 ticks of about 1 MB each: far more than the stuck client's socket holds.
        for tick in 0..64u32 {
            let rows: Vec<(u32, String)> =
                (0..100).map(|n| (n, format!("{tick:>10000}"))).collect();
            let held = writer.insert(Echo::SAID, &rows).await.unwrap();
            let change = tokio::time::timeout(Duration::from_secs(30), heard.next())
                .await
                .expect("the reading subscriber is served while another is stuck")
                .unwrap()
                .unwrap();
            assert_eq!((change.tick, change.added.len()), (Some(held), 100));
        }
    });
    // The stuck client was dropped: it got what its socket held then, not the 128 MB sent to
    // the reading subscriber.
    stuck
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stuck.read_to_end(&mut answer);
    assert!(
        answer.len() < 32 << 20,
        "the stuck client got {} bytes",
        answer.len()
    );
    stop.stop();
    serving.join().unwrap().unwrap();
}
