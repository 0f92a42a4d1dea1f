//! A server with a shared token against clients with it, without it and with a wrong one: the
//! right token is served, the others change nothing and learn nothing, and the clients that
//! belong are served meanwhile. Links between programs carry the token too.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use blossom::{Addr, Config};
use blossom_net::wire::{self, Reply, Request};
use blossom_net::{Client, ClientError, Limits, Retry, Server, Stop, Token, TokenError};

blossom::program! {
    /// Pairs put in and kept: its state is what every client has put.
    Kept {
        input  put(k: u32, v: u32);
        table  kept(k: u32, v: u32);
        output all(k: u32, v: u32);

        kept(k, v) <= put(k, v);
        all(k, v) <= kept(k, v);
    }
}

/// A program served on a loopback port of its own, on a thread of its own.
struct Running {
    address: SocketAddr,
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start<P: blossom::Served + 'static>(
        limits: Limits,
        token: Option<Token>,
        program: impl FnOnce() -> P + Send + 'static,
    ) -> Running {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let (stop_tx, stop_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let server = Server::with_limits(program(), limits).token(token);
            stop_tx.send(server.stopper()).expect("the test waits");
            server.serve(listener).expect("the server runs");
        });
        Running {
            address,
            stop: stop_rx.recv().expect("the server starts"),
            thread: Some(thread),
        }
    }

    fn kept(token: &str) -> Running {
        let token = Token::new(token).expect("a token");
        Running::start(Limits::default(), Some(token), Kept::new)
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

fn token(text: &str) -> Token {
    Token::new(text).expect("a token")
}

async fn connect(address: SocketAddr, token: Option<&Token>) -> Result<Client, ClientError> {
    Client::connect_with(address, Retry::default(), token).await
}

/// Every row of `all`, as a new client with `token` reads it.
async fn everything(address: SocketAddr, token: &Token) -> BTreeSet<(u32, u32)> {
    let client = connect(address, Some(token))
        .await
        .expect("the token is right");
    let mut all = client.subscribe(Kept::ALL).await.expect("`all` is served");
    let now = all.next().await.expect("a first message").expect("rows");
    now.added.into_iter().collect()
}

fn frame(request: &Request) -> Vec<u8> {
    wire::frame(request).expect("a request encodes")
}

fn put(id: u64, rows: &[(u32, u32)]) -> Vec<u8> {
    frame(&Request::Insert {
        id,
        relation: "put".into(),
        rows: wire::encode_rows(rows).expect("rows encode"),
    })
}

fn subscribe(id: u64) -> Vec<u8> {
    frame(&Request::Subscribe {
        id,
        relation: "all".into(),
    })
}

fn hello() -> Vec<u8> {
    frame(&Request::Hello {
        client: "test".into(),
    })
}

fn authenticate(token: &str) -> Vec<u8> {
    frame(&Request::Authenticate {
        client: "test".into(),
        token: token.into(),
    })
}

/// Writes `bytes` to a fresh connection and reads until the server closes it; the replies.
fn throw(address: SocketAddr, bytes: &[u8]) -> Vec<Reply> {
    let mut stream = TcpStream::connect(address).expect("the server accepts");
    (stream.set_read_timeout(Some(Duration::from_secs(20)))).expect("a read timeout");
    // The server may close before reading everything: a failed write is part of the test.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let runtime = (tokio::runtime::Builder::new_current_thread().build()).expect("a runtime");
    let mut reader = &answer[..];
    let mut replies = Vec::new();
    while let Ok(Some(payload)) = runtime.block_on(wire::read_frame(&mut reader, 1 << 20)) {
        replies.push(wire::decode(&payload).expect("the server sends well-formed replies"));
    }
    replies
}

/// Sends up to `times` inserts without the token, each after the reply to the one before, until
/// the server closes the connection; the replies.
fn knock(address: SocketAddr, times: usize) -> Vec<Reply> {
    let mut stream = TcpStream::connect(address).expect("the server accepts");
    (stream.set_read_timeout(Some(Duration::from_secs(20)))).expect("a read timeout");
    let mut replies = Vec::new();
    for _ in 0..times {
        if stream.write_all(&put(1, &[(7, 7)])).is_err() {
            break;
        }
        let Some(reply) = read_reply(&mut stream) else {
            break;
        };
        let fatal = matches!(reply, Reply::Error { fatal: true, .. });
        replies.push(reply);
        if fatal {
            break;
        }
    }
    replies
}

/// The next reply on `stream`, if it has one.
fn read_reply(stream: &mut TcpStream) -> Option<Reply> {
    let mut length = [0u8; 4];
    stream.read_exact(&mut length).ok()?;
    let mut frame = vec![0; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut frame).ok()?;
    assert_eq!(frame.first(), Some(&wire::VERSION));
    Some(wire::decode(&frame[1..]).expect("a well-formed reply"))
}

/// Whether `reply` is an error (of the request `id`) whose message starts `code`, and whether
/// it closes the connection.
fn is_error(reply: &Reply, code: &str, id: Option<u64>, fatal: bool) -> bool {
    matches!(reply, Reply::Error { id: i, message, fatal: f }
        if message.starts_with(code) && *i == id && *f == fatal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_token_is_served_and_no_token_or_a_wrong_one_changes_and_learns_nothing() {
    let server = Running::kept("s3cret");
    let right = token("s3cret");
    let owner = connect(server.address, Some(&right)).await.unwrap();
    assert_eq!(owner.program(), "Kept");
    let first = owner.insert(Kept::PUT, &[(1, 1)]).await.unwrap();
    let mut all = owner.subscribe(Kept::ALL).await.unwrap();
    let now = all.next().await.unwrap().unwrap();
    assert_eq!((now.tick, now.added), (Some(first), vec![(1, 1)]));

    // A client without the token, or with another, is refused at once, with an error value.
    match connect(server.address, None).await {
        Err(ClientError::Auth(message)) => assert!(message.starts_with(wire::NOAUTH), "{message}"),
        Err(other) => panic!("expected a refusal for no token, got {other}"),
        Ok(_) => panic!("a client without the token was let in"),
    }
    match connect(server.address, Some(&token("guess"))).await {
        Err(ClientError::Auth(message)) => {
            assert!(message.starts_with(wire::WRONGTOKEN), "{message}")
        }
        Err(other) => panic!("expected a refusal for a wrong token, got {other}"),
        Ok(_) => panic!("a client with a wrong token was let in"),
    }

    // At the frame level: every request before the token gets NOAUTH and nothing else, and a
    // wrong token closes the connection.
    let replies = tokio::task::spawn_blocking({
        let address = server.address;
        move || {
            let bytes = [
                hello(),
                put(5, &[(9, 9)]),
                subscribe(6),
                authenticate("s3cret!"),
            ];
            throw(address, &bytes.concat())
        }
    })
    .await
    .unwrap();
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert!(is_error(&replies[0], wire::NOAUTH, None, false));
    assert!(is_error(&replies[1], wire::NOAUTH, Some(5), false));
    assert!(is_error(&replies[2], wire::NOAUTH, Some(6), false));
    assert!(is_error(&replies[3], wire::WRONGTOKEN, None, true));
    // Learns nothing: neither the program's name nor its relations' are in what it was told.
    let told = format!("{replies:?}");
    for secret in ["Kept", "put", "all", "kept", "u32"] {
        assert!(!told.contains(secret), "`{secret}` leaked: {told}");
    }

    // A client that never sends the token is closed after a few requests.
    let replies = tokio::task::spawn_blocking({
        let address = server.address;
        move || knock(address, 50)
    })
    .await
    .unwrap();
    let (last, refused) = replies.split_last().unwrap();
    assert!(is_error(last, wire::NOAUTH, None, true), "{last:?}");
    assert!(
        refused.len() < 50,
        "closed after a few, not {}",
        refused.len()
    );
    assert!(
        refused
            .iter()
            .all(|r| is_error(r, wire::NOAUTH, Some(1), false))
    );

    // Changes nothing: no tick ran for the refused rows, so the owner's next insert holds in
    // the tick after its first, and the program holds exactly what the owner put.
    let second = owner.insert(Kept::PUT, &[(2, 2)]).await.unwrap();
    assert_eq!(second, first + 1, "a tick ran for rows without the token");
    let change = all.next().await.unwrap().unwrap();
    assert_eq!((change.tick, change.added), (Some(second), vec![(2, 2)]));
    let expected: BTreeSet<_> = [(1, 1), (2, 2)].into();
    assert_eq!(everything(server.address, &right).await, expected);

    // The token works at the frame level too, and the connection then serves requests.
    let replies = tokio::task::spawn_blocking({
        let address = server.address;
        move || {
            let mut stream = TcpStream::connect(address).expect("the server accepts");
            (stream.set_read_timeout(Some(Duration::from_secs(20)))).expect("a read timeout");
            let request = [authenticate("s3cret"), subscribe(3)].concat();
            stream.write_all(&request).expect("the server reads");
            [read_reply(&mut stream), read_reply(&mut stream)]
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(
            &replies,
            [
                Some(Reply::Welcome { .. }),
                Some(Reply::Changes { id: 3, .. })
            ]
        ),
        "{replies:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_is_read_trimmed_and_a_missing_or_empty_one_is_an_error() {
    let dir = std::env::temp_dir().join(format!("blossom-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "  from-a-file\n").unwrap();
    let server = Running::start(
        Limits::default(),
        Some(Token::from_file(&file).unwrap()),
        Kept::new,
    );
    let client = connect(server.address, Some(&token("from-a-file")))
        .await
        .unwrap();
    client.insert(Kept::PUT, &[(3, 4)]).await.unwrap();
    let same = Token::from_file(&file).unwrap();
    assert_eq!(
        everything(server.address, &same).await,
        [(3, 4)].into(),
        "a client reads the same file"
    );

    let missing = dir.join("missing");
    match Token::from_file(&missing) {
        Err(error @ TokenError::Unreadable { .. }) => {
            assert!(error.to_string().contains("missing"), "{error}")
        }
        other => panic!("expected an unreadable file, got {other:?}"),
    }
    let empty = dir.join("empty");
    std::fs::write(&empty, " \n\n").unwrap();
    assert!(matches!(
        Token::from_file(&empty),
        Err(TokenError::EmptyFile { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_a_token_lets_in_clients_with_one_or_without() {
    let server = Running::start(Limits::default(), None, Kept::new);
    let with = connect(server.address, Some(&token("any"))).await.unwrap();
    let without = connect(server.address, None).await.unwrap();
    with.insert(Kept::PUT, &[(1, 2)]).await.unwrap();
    without.insert(Kept::PUT, &[(3, 4)]).await.unwrap();
    assert_eq!(
        everything(server.address, &token("other")).await,
        [(1, 2), (3, 4)].into()
    );
}

#[test]
fn clients_with_the_token_are_served_while_others_are_refused() {
    let limits = Limits {
        handshake: Duration::from_secs(2),
        ..Limits::default()
    };
    let server = Running::start(limits, Some(token("s3cret")), Kept::new);
    let address = server.address;
    // A connection that says nothing holds no one up, and is closed at the handshake limit.
    let mut silent = TcpStream::connect(address).unwrap();
    // Bad clients, over and over, on threads of their own, while the good ones work.
    let bad = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let mut refused = 0;
        while started.elapsed() < Duration::from_secs(2) {
            let cases = [
                [hello(), put(1, &[(0, 0)])].concat(),
                authenticate("wrong"),
                [subscribe(2), authenticate("")].concat(),
                vec![1, 2, 3],
            ];
            for bytes in cases {
                let replies = throw(address, &bytes);
                assert!(
                    replies
                        .iter()
                        .all(|r| matches!(r, Reply::Error { message, .. }
                            if !message.contains("Kept"))),
                    "{replies:?}"
                );
                refused += 1;
            }
        }
        refused
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let right = token("s3cret");
        let writer = connect(address, Some(&right)).await.unwrap();
        let reader = connect(address, Some(&right)).await.unwrap();
        let mut all = reader.subscribe(Kept::ALL).await.unwrap();
        all.next().await.unwrap().unwrap();
        let mut last = None;
        for n in 0..40u32 {
            let tick = writer.insert(Kept::PUT, &[(n, n)]).await.unwrap();
            assert!(last < Some(tick));
            last = Some(tick);
            let change = tokio::time::timeout(Duration::from_secs(30), all.next())
                .await
                .expect("the subscriber is served while bad clients knock")
                .unwrap()
                .unwrap();
            assert_eq!((change.tick, change.added), (Some(tick), vec![(n, n)]));
        }
        let expected: BTreeSet<_> = (0..40).map(|n| (n, n)).collect();
        assert_eq!(everything(address, &right).await, expected);
    });
    assert!(bad.join().unwrap() > 0);
    silent
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    match read_reply(&mut silent) {
        Some(Reply::Error {
            message,
            fatal: true,
            ..
        }) => assert!(message.contains("no token within"), "{message}"),
        other => panic!("expected the handshake's timeout, got {other:?}"),
    }
}

blossom::program! {
    /// Sends each number to the node it names, in another program.
    Sender {
        input   send(to: Addr, n: u32);
        channel got(@to: Addr, n: u32);

        got(@t, n) <~ send(t, n);
    }
}

blossom::program! {
    /// Keeps every number its links bring (its channel makes its rows live on nodes, as the
    /// sender's do: a row of `got` is its node and its number).
    Receiver {
        input   got(n: u32);
        input   ask(to: Addr);
        table   kept(n: u32);
        channel back(@to: Addr, n: u32);
        output  all(n: u32);

        kept(n) <= got(n);
        all(n) <= kept(n);
        back(@t, n) <~ ask(t), kept(n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_sends_its_token_and_a_link_without_it_gets_nothing_in() {
    let right = token("linked");
    let receiver = Running::start(Limits::default(), Some(right.clone()), Receiver::new);
    let config = Config::embedded().remote(Addr(1), receiver.address.to_string());
    let sender = {
        let config = config.clone();
        let sender = move || Sender::with_config(&config).expect("a sender");
        Running::start(Limits::default(), Some(right.clone()), sender)
    };
    let stranger = Running::start(Limits::default(), None, move || {
        Sender::with_config(&config).expect("a sender")
    });

    let watcher = connect(receiver.address, Some(&right)).await.unwrap();
    let mut all = watcher.subscribe(Receiver::ALL).await.unwrap();
    all.next().await.unwrap().unwrap();
    // The stranger's link has no token: the receiver refuses it, and its rows are dropped.
    let outsider = connect(stranger.address, None).await.unwrap();
    let (here, there) = (Addr(0), Addr(1));
    outsider
        .insert(Sender::SEND, &[(here, there, 7)])
        .await
        .unwrap();
    let member = connect(sender.address, Some(&right)).await.unwrap();
    member
        .insert(Sender::SEND, &[(here, there, 42)])
        .await
        .unwrap();
    let change = tokio::time::timeout(Duration::from_secs(60), all.next())
        .await
        .expect("the linked rows arrive")
        .unwrap()
        .unwrap();
    assert_eq!(change.added, [(there, 42)]);
    // However long the stranger's link took to be refused, nothing of it got in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let now: Vec<(Addr, u32)> = {
        let reader = connect(receiver.address, Some(&right)).await.unwrap();
        let mut all = reader.subscribe(Receiver::ALL).await.unwrap();
        all.next().await.unwrap().unwrap().added
    };
    assert_eq!(now, [(there, 42)]);
}
