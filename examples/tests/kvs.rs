//! The key-value store served over RESP, spoken to by a real client (the `redis` crate): every
//! command, pipelines, many clients at once, the connection's own commands.

use std::collections::BTreeSet;

use redis::Value;

mod kvs_support;
use kvs_support::{run, serve_default};

fn code(error: &redis::RedisError) -> String {
    format!(
        "{} {}",
        error.code().unwrap_or("?"),
        error.detail().unwrap_or("")
    )
}

#[test]
fn every_command_answers_as_redis_does() {
    let served = serve_default(2);
    let mut c = served.connect();
    let ok = |result: redis::RedisResult<Value>| result.expect("the command succeeds");
    assert_eq!(
        ok(run(&mut c, &["PING"])),
        Value::SimpleString("PONG".into())
    );
    assert_eq!(
        ok(run(&mut c, &["ECHO", "hi"])),
        Value::BulkString(b"hi".to_vec())
    );
    assert_eq!(ok(run(&mut c, &["GET", "s"])), Value::Nil);
    assert_eq!(ok(run(&mut c, &["SET", "s", "hello"])), Value::Okay);
    assert_eq!(
        ok(run(&mut c, &["GET", "s"])),
        Value::BulkString(b"hello".to_vec())
    );
    assert_eq!(ok(run(&mut c, &["SET", "s", "x", "NX"])), Value::Nil);
    assert_eq!(
        ok(run(&mut c, &["SET", "s", "x", "XX", "GET"])),
        Value::BulkString(b"hello".to_vec())
    );
    assert_eq!(ok(run(&mut c, &["SET", "new", "x", "XX"])), Value::Nil);
    assert_eq!(ok(run(&mut c, &["SETNX", "s", "y"])), Value::Int(0));
    assert_eq!(ok(run(&mut c, &["SETNX", "t", "y"])), Value::Int(1));
    assert_eq!(
        ok(run(&mut c, &["GETSET", "t", "z"])),
        Value::BulkString(b"y".to_vec())
    );
    assert_eq!(ok(run(&mut c, &["MSET", "a", "1", "b", "2"])), Value::Okay);
    assert_eq!(
        ok(run(&mut c, &["MGET", "a", "b", "nope"])),
        Value::Array(vec![
            Value::BulkString(b"1".to_vec()),
            Value::BulkString(b"2".to_vec()),
            Value::Nil
        ])
    );
    assert_eq!(
        ok(run(&mut c, &["EXISTS", "a", "a", "nope"])),
        Value::Int(2)
    );
    assert_eq!(ok(run(&mut c, &["INCR", "a"])), Value::Int(2));
    assert_eq!(ok(run(&mut c, &["INCRBY", "a", "40"])), Value::Int(42));
    assert_eq!(ok(run(&mut c, &["DECR", "a"])), Value::Int(41));
    assert_eq!(ok(run(&mut c, &["DECRBY", "a", "-1"])), Value::Int(42));
    assert_eq!(
        ok(run(&mut c, &["GET", "a"])),
        Value::BulkString(b"42".to_vec())
    );
    assert_eq!(ok(run(&mut c, &["INCR", "counter"])), Value::Int(1));
    let not_integer = run(&mut c, &["INCR", "s"]).expect_err("a string that is no integer");
    assert_eq!(
        code(&not_integer),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        ok(run(&mut c, &["SADD", "set", "m", "n", "m"])),
        Value::Int(2)
    );
    assert_eq!(ok(run(&mut c, &["SADD", "set", "n", "o"])), Value::Int(1));
    assert_eq!(ok(run(&mut c, &["SREM", "set", "o", "zz"])), Value::Int(1));
    assert_eq!(ok(run(&mut c, &["SCARD", "set"])), Value::Int(2));
    assert_eq!(ok(run(&mut c, &["SISMEMBER", "set", "m"])), Value::Int(1));
    let members: BTreeSet<String> = redis::cmd("SMEMBERS")
        .arg("set")
        .query(&mut c)
        .expect("members");
    assert_eq!(members, BTreeSet::from(["m".to_string(), "n".to_string()]));
    assert_eq!(
        ok(run(&mut c, &["TYPE", "set"])),
        Value::SimpleString("set".into())
    );
    assert_eq!(
        ok(run(&mut c, &["TYPE", "a"])),
        Value::SimpleString("string".into())
    );
    assert_eq!(
        ok(run(&mut c, &["TYPE", "nope"])),
        Value::SimpleString("none".into())
    );
    for wrong in [
        &["GET", "set"][..],
        &["INCR", "set"],
        &["SADD", "a", "m"],
        &["SMEMBERS", "s"],
    ] {
        let error = run(&mut c, wrong).expect_err("wrong type");
        assert_eq!(error.code(), Some("WRONGTYPE"), "{wrong:?}: {error}");
    }
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).expect("keys");
    keys.sort();
    assert_eq!(keys, ["a", "b", "counter", "s", "set", "t"]);
    let matching: Vec<String> = redis::cmd("KEYS").arg("[ab]").query(&mut c).expect("keys");
    assert_eq!(matching, ["a", "b"]);
    let (cursor, sets): (String, Vec<String>) = redis::cmd("SCAN")
        .arg(0)
        .arg("TYPE")
        .arg("set")
        .query(&mut c)
        .expect("scan");
    assert_eq!((cursor.as_str(), sets), ("0", vec!["set".to_string()]));
    assert_eq!(ok(run(&mut c, &["DBSIZE"])), Value::Int(6));
    assert_eq!(ok(run(&mut c, &["DEL", "a", "b", "nope"])), Value::Int(2));
    assert_eq!(ok(run(&mut c, &["DBSIZE"])), Value::Int(4));
    assert_eq!(ok(run(&mut c, &["FLUSHALL"])), Value::Okay);
    assert_eq!(ok(run(&mut c, &["DBSIZE"])), Value::Int(0));
    assert_eq!(ok(run(&mut c, &["GET", "s"])), Value::Nil);
    let unknown = run(&mut c, &["FROB", "x"]).expect_err("unknown");
    assert_eq!(
        code(&unknown),
        "ERR unknown command 'FROB', with args beginning with: 'x' "
    );
    let arity = run(&mut c, &["GET"]).expect_err("no key");
    assert_eq!(
        code(&arity),
        "ERR wrong number of arguments for 'get' command"
    );
    let expiry = run(&mut c, &["SET", "k", "v", "EX", "10"]).expect_err("no expiry");
    assert!(
        code(&expiry).starts_with("ERR keys do not expire"),
        "{expiry}"
    );
    served.stop().expect("the server stops cleanly");
}

#[test]
fn a_pipeline_is_answered_in_order_with_the_connections_own_replies_among_the_stores() {
    let served = serve_default(2);
    let mut c = served.connect();
    let mut pipe = redis::pipe();
    for i in 0..500 {
        pipe.cmd("INCR").arg("n");
        pipe.cmd("PING");
        pipe.cmd("SET").arg(format!("k{i}")).arg(i);
        pipe.cmd("GET").arg(format!("k{i}"));
    }
    let replies: Vec<Value> = pipe.query(&mut c).expect("the pipeline is answered");
    assert_eq!(replies.len(), 2000);
    for (i, four) in replies.chunks(4).enumerate() {
        assert_eq!(four[0], Value::Int(i as i64 + 1), "INCR {i}");
        assert_eq!(four[1], Value::SimpleString("PONG".into()));
        assert_eq!(four[2], Value::Okay);
        assert_eq!(four[3], Value::BulkString(i.to_string().into_bytes()));
    }
}

/// Each client's rounds of four commands.
const ROUNDS: i64 = 25;

#[test]
fn fifty_clients_at_once_lose_no_increment_and_read_their_own_writes() {
    let served = serve_default(2);
    let url = served.url();
    let clients: Vec<_> = (0..50)
        .map(|client| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut c = redis::Client::open(url)
                    .and_then(|c| c.get_connection())
                    .expect("connects");
                for i in 0..ROUNDS {
                    let _: i64 = redis::cmd("INCR")
                        .arg("shared")
                        .query(&mut c)
                        .expect("incr");
                    let key = format!("own:{client}");
                    let _: () = redis::cmd("SET")
                        .arg(&key)
                        .arg(i)
                        .query(&mut c)
                        .expect("set");
                    let read: i64 = redis::cmd("GET").arg(&key).query(&mut c).expect("get");
                    assert_eq!(read, i, "client {client} reads its own write");
                    let _: i64 = redis::cmd("SADD")
                        .arg("all")
                        .arg(format!("{client}:{i}"))
                        .query(&mut c)
                        .expect("sadd");
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client thread finishes");
    }
    let mut c = served.connect();
    let shared: i64 = redis::cmd("GET").arg("shared").query(&mut c).expect("get");
    assert_eq!(shared, 50 * ROUNDS);
    let members: i64 = redis::cmd("SCARD").arg("all").query(&mut c).expect("scard");
    assert_eq!(members, 50 * ROUNDS);
    let size: i64 = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(size, 50 + 2);
}

#[test]
fn the_connection_answers_what_clients_ask_on_connecting() {
    let served = serve_default(1);
    let mut c = served.connect();
    let hello = run(&mut c, &["HELLO", "2", "SETNAME", "tester"]).expect("HELLO 2");
    let Value::Array(pairs) = hello else {
        panic!("HELLO answers a flat map: {hello:?}")
    };
    assert_eq!(pairs[0], Value::BulkString(b"server".to_vec()));
    assert_eq!(
        run(&mut c, &["CLIENT", "GETNAME"]).expect("name"),
        Value::BulkString(b"tester".to_vec())
    );
    assert_eq!(
        run(&mut c, &["CLIENT", "SETINFO", "lib-name", "x"]).expect("setinfo"),
        Value::Okay
    );
    let resp3 = run(&mut c, &["HELLO", "3"]).expect_err("RESP3 is not spoken");
    assert_eq!(resp3.code(), Some("NOPROTO"));
    let config: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("save")
        .query(&mut c)
        .expect("config");
    assert_eq!(config, ["save", ""]);
    let appendonly: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("appendonly")
        .query(&mut c)
        .expect("config");
    assert_eq!(appendonly, ["appendonly", "no"]);
    let count: i64 = redis::cmd("COMMAND")
        .arg("COUNT")
        .query(&mut c)
        .expect("count");
    let Value::Array(all) = run(&mut c, &["COMMAND"]).expect("COMMAND") else {
        panic!("an array")
    };
    assert_eq!(all.len() as i64, count);
    assert!(count > 30, "{count}");
    let Value::Array(get) = run(&mut c, &["COMMAND", "INFO", "get"]).expect("info") else {
        panic!()
    };
    let Value::Array(get) = &get[0] else {
        panic!("get's entry")
    };
    assert_eq!(
        (&get[0], &get[1]),
        (&Value::BulkString(b"get".to_vec()), &Value::Int(2))
    );
    assert_eq!(
        run(&mut c, &["COMMAND", "DOCS"]).expect("docs"),
        Value::Array(Vec::new())
    );
    assert_eq!(run(&mut c, &["SELECT", "0"]).expect("select"), Value::Okay);
    assert!(run(&mut c, &["SELECT", "1"]).is_err());
    let Value::BulkString(info) = run(&mut c, &["INFO"]).expect("info") else {
        panic!()
    };
    assert!(String::from_utf8_lossy(&info).contains("redis_version:"));
}
