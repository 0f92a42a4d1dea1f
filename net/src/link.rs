//! Links between programs: what a served program's channels send to nodes that live in other
//! programs (`blossom::Config::remote`) travels to those programs' servers, into the input
//! with the channel's name.
//!
//! One link per remote server, a task of its own, with a bounded queue of batches (one batch
//! per channel, node and tick). A link connects when it has something to send, keeps the
//! connection, and on losing it reconnects and sends the batch again (so a batch may arrive
//! twice: delivery is at least once, as a Dedalus message may be). If it cannot connect
//! within [`LinkLimits::retry`], it drops what it holds, logs how many rows, and tries again
//! with the next batch: it never retries forever, and a server that is down costs a bounded
//! buffer, not memory without end. A full queue drops the new batch, logged. A link sends its
//! server's [`Token`], which the programs it links share; a server that refuses it counts as
//! one that cannot be reached.

use std::collections::HashMap;

use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::client::{Client, ClientError, Retry};
use crate::token::Token;

/// What links may hold and how hard they try.
#[derive(Clone, Copy, Debug)]
pub struct LinkLimits {
    /// Batches queued per remote server; one more is dropped (logged). Default 1024.
    pub queue: usize,
    /// How a link connects (and reconnects). Default: [`Retry::default`].
    pub retry: Retry,
}

impl Default for LinkLimits {
    fn default() -> Self {
        LinkLimits {
            queue: 1024,
            retry: Retry::default(),
        }
    }
}

/// Rows for one input of one remote program.
pub(crate) struct Batch {
    pub(crate) relation: String,
    pub(crate) rows_type: String,
    pub(crate) rows: Vec<u8>,
    pub(crate) count: usize,
}

/// The links of one served program, by remote server.
pub(crate) struct Links {
    runtime: Handle,
    limits: LinkLimits,
    token: Option<Token>,
    queues: HashMap<String, mpsc::Sender<Batch>>,
}

impl Links {
    /// Links that connect as `limits` says and send `token`.
    pub(crate) fn new(runtime: Handle, limits: LinkLimits, token: Option<Token>) -> Self {
        Links {
            runtime,
            limits,
            token,
            queues: HashMap::new(),
        }
    }

    /// Queues `batch` for the program served at `endpoint`, starting its link if need be;
    /// `false` if it was dropped (logged).
    pub(crate) fn send(&mut self, endpoint: &str, batch: Batch) -> bool {
        let queue = self.queues.entry(endpoint.to_string()).or_insert_with(|| {
            let (queue, batches) = mpsc::channel(self.limits.queue.max(1));
            let link = link(
                endpoint.to_string(),
                batches,
                self.limits.retry,
                self.token.clone(),
            );
            self.runtime.spawn(link);
            queue
        });
        let Err(error) = queue.try_send(batch) else {
            return true;
        };
        {
            let (reason, batch) = match error {
                mpsc::error::TrySendError::Full(batch) => ("its queue is full", batch),
                mpsc::error::TrySendError::Closed(batch) => ("it has stopped", batch),
            };
            tracing::warn!(
                "link to {endpoint}: {reason}; dropped {} row(s) for `{}`",
                batch.count,
                batch.relation
            );
        }
        false
    }
}

/// One remote server's link: sends each batch, in order, reconnecting as needed.
async fn link(
    endpoint: String,
    mut batches: mpsc::Receiver<Batch>,
    retry: Retry,
    token: Option<Token>,
) {
    let mut client: Option<Client> = None;
    // A batch to send again, and how many times it was sent.
    let mut again: Option<(Batch, u32)> = None;
    loop {
        let (batch, tries) = match again.take() {
            Some(again) => again,
            None => match batches.recv().await {
                Some(batch) => (batch, 0),
                None => return,
            },
        };
        let connected = match &client {
            Some(connected) => connected,
            None => match Client::connect_with(endpoint.as_str(), retry, token.as_ref()).await {
                Ok(connected) => client.insert(connected),
                Err(error) => {
                    let mut dropped = batch.count;
                    while let Ok(batch) = batches.try_recv() {
                        dropped += batch.count;
                    }
                    tracing::error!("link to {endpoint}: {error}; dropped {dropped} row(s)");
                    continue;
                }
            },
        };
        let sent = connected.insert_encoded(&batch.relation, &batch.rows_type, batch.rows.clone());
        match sent.await {
            Ok(_) => {}
            Err(error @ (ClientError::Relation(_) | ClientError::Server(_))) => {
                // The remote program refused these rows: sending them again would not help.
                tracing::error!(
                    "link to {endpoint}: dropped {} row(s) for `{}`: {error}",
                    batch.count,
                    batch.relation
                );
            }
            Err(error) if tries + 1 < retry.attempts => {
                tracing::warn!("link to {endpoint}: {error}; reconnecting");
                client = None;
                again = Some((batch, tries + 1));
            }
            Err(error) => {
                tracing::error!(
                    "link to {endpoint}: {error}; dropped {} row(s) for `{}` after {} tries",
                    batch.count,
                    batch.relation,
                    tries + 1
                );
                client = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(count: usize) -> Batch {
        Batch {
            relation: "ping".into(),
            rows_type: "u32".into(),
            rows: Vec::new(),
            count,
        }
    }

    #[test]
    fn a_link_holds_a_bounded_queue() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        // A server that accepts and never answers: the link waits on its first batch.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = silent.local_addr().unwrap().to_string();
        let limits = LinkLimits {
            queue: 2,
            retry: Retry::default(),
        };
        let mut links = Links::new(runtime.handle().clone(), limits, None);
        assert!(
            links.send(&endpoint, batch(1)),
            "the first batch is taken by the link"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(links.send(&endpoint, batch(2)));
        assert!(links.send(&endpoint, batch(3)));
        assert!(
            !links.send(&endpoint, batch(4)),
            "a full queue drops the batch"
        );
        drop(silent);
    }
}
