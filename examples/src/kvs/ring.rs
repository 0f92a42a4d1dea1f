//! Where a key lives in a cluster of store processes: its homes, a primary and the next
//! `replicas - 1` processes after it (Anna's placement, on a ring of processes).
//!
//! The primary is a hash of the key's bytes modulo the number of processes. The hash is
//! 64-bit FNV-1a: the same on every machine and build (processes of one cluster agree on a
//! key's home, whatever they run on), and unrelated to the hash that spreads a process's keys
//! over its workers (the engine's), so that the keys one process holds are still spread
//! evenly over its workers.

use serde::{Deserialize, Serialize};

/// A cluster's shape: how many processes, and how many hold each key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ring {
    /// Processes in the cluster (at least 1).
    pub processes: u32,
    /// Processes holding each key (at least 1, at most `processes`).
    pub replicas: u32,
}

impl Ring {
    /// `processes` processes, each key on `replicas` of them (capped at `processes`).
    pub fn new(processes: u32, replicas: u32) -> Ring {
        let processes = processes.max(1);
        Ring {
            processes,
            replicas: replicas.clamp(1, processes),
        }
    }

    /// The process that takes `key`'s commands first.
    pub fn primary(&self, key: &[u8]) -> u32 {
        (fnv1a(key) % u64::from(self.processes)) as u32
    }

    /// `key`'s homes: its primary, then its replicas, in the order commands fail over.
    pub fn homes(&self, key: &[u8]) -> impl Iterator<Item = u32> + use<> {
        let (primary, processes) = (self.primary(key), self.processes);
        (0..self.replicas).map(move |step| (primary + step) % processes)
    }

    /// Whether `process` is one of `key`'s homes.
    pub fn holds(&self, process: u32, key: &[u8]) -> bool {
        let after = (process + self.processes - self.primary(key)) % self.processes;
        after < self.replicas
    }
}

/// What an anti-entropy sweep sends a process: the keys it is a home of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Share {
    /// The cluster.
    pub ring: Ring,
    /// The process.
    pub process: u32,
}

impl Share {
    /// Whether `key` is in the share.
    pub fn holds(&self, key: &[u8]) -> bool {
        self.ring.holds(self.process, key)
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
