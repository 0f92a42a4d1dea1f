//! Serving the key-value store inside a test, and talking to it with the `redis` crate.

// Each test crate that includes this module uses part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::thread::JoinHandle;

use blossom::Config;
use blossom_examples::kvs::router::Router;
use blossom_net::resp::{RespServer, RespSettings};
use blossom_net::{ServeError, Stop};

/// A store served on a free loopback port, stopped when dropped.
pub struct Served {
    pub address: SocketAddr,
    stop: Stop,
    thread: Option<JoinHandle<Result<(), ServeError>>>,
}

/// Serves a store on `workers` workers with `settings` (its address's port replaced by a free one).
pub fn serve(workers: usize, mut settings: RespSettings) -> Served {
    settings.address.set_port(0);
    let server = RespServer::bind(settings).expect("a free port");
    let address = server.local_addr().expect("bound");
    let stop = server.stopper();
    let thread = std::thread::spawn(move || {
        let mut router =
            Router::new(&Config::with_workers(workers), 0).map_err(ServeError::Program)?;
        server.serve(&mut router)
    });
    Served {
        address,
        stop,
        thread: Some(thread),
    }
}

/// A store on `workers` workers with the default settings.
pub fn serve_default(workers: usize) -> Served {
    serve(workers, RespSettings::default())
}

impl Served {
    /// The `redis://` URL of the store.
    pub fn url(&self) -> String {
        format!("redis://{}/", self.address)
    }

    /// A new connection of the `redis` crate.
    pub fn connect(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("a valid URL")
            .get_connection()
            .expect("the store accepts a client")
    }

    /// Stops the server and returns how its serving ended.
    pub fn stop(mut self) -> Result<(), ServeError> {
        self.stop.stop();
        self.thread
            .take()
            .expect("not stopped yet")
            .join()
            .expect("the server thread does not panic")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.stop();
            let _ = thread.join();
        }
    }
}

/// Runs `command` (words) on `connection`, as a `redis::Value`.
pub fn run(connection: &mut redis::Connection, words: &[&str]) -> redis::RedisResult<redis::Value> {
    let mut command = redis::cmd(words[0]);
    for word in &words[1..] {
        command.arg(*word);
    }
    command.query(connection)
}
