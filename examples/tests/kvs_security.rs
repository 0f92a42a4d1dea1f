//! Who gets in, and what bad input does: a password keeps an unauthenticated client from
//! changing or learning anything; malformed and oversized frames get an error and a closed
//! connection while other clients are served; limits hold; TLS serves the same commands.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use blossom_net::resp::{RespSettings, TlsFiles};
use redis::Value;

mod kvs_support;
use kvs_support::{Served, run, serve, serve_default};

/// Sends raw bytes, then reads until the server closes the connection (or 5 s pass).
fn exchange(served: &Served, bytes: &[u8]) -> (String, bool) {
    let mut stream = TcpStream::connect(served.address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream.write_all(bytes).expect("sends");
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            // A close with our bytes unread arrives as a reset.
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

fn still_serves(served: &Served) {
    let mut c = served.connect();
    assert_eq!(
        run(&mut c, &["SET", "alive", "yes"]).expect("set"),
        Value::Okay
    );
    assert_eq!(
        run(&mut c, &["GET", "alive"]).expect("get"),
        Value::BulkString(b"yes".to_vec())
    );
}

#[test]
fn an_unauthenticated_client_changes_nothing_and_learns_nothing() {
    let settings = RespSettings {
        password: Some("s3cret".into()),
        ..RespSettings::default()
    };
    let served = serve(2, settings);
    let open = |password: Option<&str>| {
        let url = match password {
            Some(password) => format!("redis://:{password}@{}/", served.address),
            None => served.url(),
        };
        redis::Client::open(url).expect("a URL").get_connection()
    };
    let mut owner = open(Some("s3cret")).expect("the right password is accepted");
    assert_eq!(
        run(&mut owner, &["SET", "secret", "gold"]).expect("set"),
        Value::Okay
    );
    let mut stranger = open(None).expect("connects without a password");
    for words in [
        &["GET", "secret"][..],
        &["SET", "secret", "lead"],
        &["KEYS", "*"],
        &["DBSIZE"],
        &["FLUSHALL"],
        &["DEL", "secret"],
        &["CONFIG", "GET", "*"],
        &["COMMAND"],
        &["PING"],
    ] {
        let error = run(&mut stranger, words).expect_err("refused");
        assert_eq!(error.code(), Some("NOAUTH"), "{words:?}: {error}");
    }
    let wrong = run(&mut stranger, &["AUTH", "guess"]).expect_err("a wrong password");
    assert_eq!(wrong.code(), Some("WRONGPASS"));
    let hello = run(&mut stranger, &["HELLO", "2"]).expect_err("HELLO without AUTH");
    assert_eq!(hello.code(), Some("NOAUTH"));
    assert!(
        open(Some("guess")).is_err(),
        "the crate's AUTH with a wrong password fails"
    );
    // Nothing the stranger sent changed anything.
    assert_eq!(
        run(&mut owner, &["GET", "secret"]).expect("get"),
        Value::BulkString(b"gold".to_vec())
    );
    assert_eq!(run(&mut owner, &["DBSIZE"]).expect("dbsize"), Value::Int(1));
    assert_eq!(
        run(&mut stranger, &["AUTH", "default", "s3cret"]).expect("auth"),
        Value::Okay
    );
    assert_eq!(
        run(&mut stranger, &["GET", "secret"]).expect("get"),
        Value::BulkString(b"gold".to_vec())
    );
    let mut hello = open(None).expect("connects");
    let greeted =
        run(&mut hello, &["HELLO", "2", "AUTH", "default", "s3cret"]).expect("HELLO AUTH");
    assert!(matches!(greeted, Value::Array(_)));
    assert_eq!(run(&mut hello, &["DBSIZE"]).expect("dbsize"), Value::Int(1));
}

#[test]
fn auth_without_a_password_set_is_an_error() {
    let served = serve_default(1);
    let mut c = served.connect();
    let error = run(&mut c, &["AUTH", "x"]).expect_err("no password is set");
    assert!(
        error
            .to_string()
            .contains("without any password configured"),
        "{error}"
    );
}

#[test]
fn malformed_frames_get_an_error_and_a_close_while_others_are_served() {
    let served = serve_default(2);
    // A frame that starts as RESP and breaks it: an error, and the connection closes.
    let broken: [&[u8]; 4] = [
        b"*2\r\n$3\r\nGET\r\n:1\r\n",
        b"*1\r\n$-7\r\nGET\r\n",
        b"*x\r\n",
        b"*2\r\n*1\r\n$1\r\na\r\n$1\r\nb\r\n",
    ];
    for bytes in broken {
        let (got, closed) = exchange(&served, bytes);
        assert!(
            got.starts_with("-ERR Protocol error"),
            "{:?} got {got:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(
            closed,
            "{:?}: the connection is closed",
            String::from_utf8_lossy(bytes)
        );
        still_serves(&served);
    }
    // Anything else is an inline command, as in Redis: unknown words get an error, and the
    // connection stays (here closed by the QUIT after them).
    for bytes in [
        &b"+OK\r\nQUIT\r\n"[..],
        b"\x00\x01\x02\xff garbage\r\nQUIT\r\n",
    ] {
        let (got, closed) = exchange(&served, bytes);
        assert!(
            got.starts_with("-ERR unknown command"),
            "{:?} got {got:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(got.ends_with("+OK\r\n") && closed, "{got:?}");
    }
    let (got, _) = exchange(&served, b"\r\n\r\nPING\r\nSET k  v\nGET k\r\nQUIT\r\n");
    assert_eq!(got, "+PONG\r\n+OK\r\n$1\r\nv\r\n+OK\r\n");
    let (got, closed) = exchange(&served, &[b'x'; 70_000]);
    assert!(
        got.starts_with("-ERR Protocol error: too big inline request") && closed,
        "{got:?}"
    );
    // Commands before the bad frame in the same read are answered first.
    let (got, closed) = exchange(&served, b"*1\r\n$4\r\nPING\r\n*1\r\n:5\r\n");
    assert!(got.starts_with("+PONG\r\n-ERR Protocol error"), "{got:?}");
    assert!(closed);
    // Random bytes never take the server down.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..200 {
        let len = (seed % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 7;
                seed ^= seed >> 9;
                let alphabet = b"*$:+-\r\n0123456789abcGETSET";
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .chain(*b"\r\n*1\r\n:0\r\n")
            .collect();
        let _ = exchange(&served, &bytes);
    }
    still_serves(&served);
}

#[test]
fn requests_over_the_limits_are_refused_and_others_are_served() {
    let mut settings = RespSettings::default();
    settings.limits.bulk = 1000;
    settings.limits.args = 10;
    settings.limits.request = 4096;
    let served = serve(1, settings);
    let big = format!(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000\r\n{}\r\n",
        "x".repeat(2000)
    );
    let (got, closed) = exchange(&served, big.as_bytes());
    assert!(
        got.starts_with("-ERR Protocol error: invalid bulk length"),
        "{got:?}"
    );
    assert!(closed);
    let many = format!("*11\r\n$4\r\nMGET\r\n{}", "$1\r\nk\r\n".repeat(10));
    let (got, closed) = exchange(&served, many.as_bytes());
    assert!(
        got.starts_with("-ERR Protocol error: invalid multibulk length"),
        "{got:?}"
    );
    assert!(closed);
    // A frame that never completes, larger than a request may be: refused before it ends.
    let endless = format!(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999\r\n{}",
        "x".repeat(5000)
    );
    let (got, closed) = exchange(&served, endless.as_bytes());
    assert!(
        got.starts_with("-ERR Protocol error: too big request"),
        "{got:?}"
    );
    assert!(closed);
    still_serves(&served);
    let mut c = served.connect();
    assert_eq!(
        run(&mut c, &["GET", "k"]).expect("get"),
        Value::Nil,
        "nothing was written"
    );
}

#[test]
fn clients_over_the_limit_are_told_so() {
    let mut settings = RespSettings::default();
    settings.limits.clients = 2;
    let served = serve(1, settings);
    let mut first = served.connect();
    let _second = served.connect();
    assert_eq!(
        run(&mut first, &["PING"]).expect("ping"),
        Value::SimpleString("PONG".into())
    );
    let (got, closed) = exchange(&served, b"*1\r\n$4\r\nPING\r\n");
    assert!(
        got.starts_with("-ERR max number of clients reached"),
        "{got:?}"
    );
    assert!(closed);
    drop(first);
    // The count goes down when a client leaves.
    std::thread::sleep(Duration::from_millis(200));
    let mut third = served.connect();
    assert_eq!(
        run(&mut third, &["PING"]).expect("ping"),
        Value::SimpleString("PONG".into())
    );
}

#[test]
fn tls_clients_are_served_and_plain_ones_are_not() {
    let dir = std::env::temp_dir().join(format!("blossom-kvs-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("a certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("writes the certificate");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("writes the key");
    let settings = RespSettings {
        tls: Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        ..RespSettings::default()
    };
    let served = serve(1, settings);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let reply = runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio_rustls::rustls::{ClientConfig, RootCertStore};
        let mut roots = RootCertStore::empty();
        roots
            .add(certified.cert.der().clone())
            .expect("the certificate is trusted");
        #[allow(deprecated)]
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(served.address)
            .await
            .expect("connects");
        let name = rustls_pki_types::ServerName::try_from("localhost").expect("a name");
        let mut tls = connector
            .connect(name, tcp)
            .await
            .expect("the TLS handshake");
        tls.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
            .await
            .expect("sends");
        let mut got = [0u8; 64];
        let mut read = 0;
        while read < 12 {
            let n = tls.read(&mut got[read..]).await.expect("reads");
            assert!(n > 0, "the server answered: {:?}", &got[..read]);
            read += n;
        }
        String::from_utf8_lossy(&got[..read]).into_owned()
    });
    assert_eq!(reply, "+OK\r\n$1\r\nv\r\n");
    // A plain client's bytes are not a TLS handshake: no reply, a closed connection.
    let (got, closed) = exchange(&served, b"*1\r\n$4\r\nPING\r\n");
    assert!(!got.contains("PONG") && closed, "{got:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_tls_files_are_an_error_naming_the_file() {
    let settings = RespSettings {
        tls: Some(TlsFiles {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
        }),
        ..RespSettings::default()
    };
    let server = blossom_net::resp::RespServer::bind(RespSettings {
        address: "127.0.0.1:0".parse().expect("an address"),
        ..settings
    })
    .expect("binds");
    let mut router =
        blossom_examples::kvs::router::Router::new(&blossom::Config::default(), 0).expect("starts");
    let error = server.serve(&mut router).expect_err("no certificate");
    assert!(
        error.to_string().contains("/nonexistent/cert.pem"),
        "{error}"
    );
}
