//! Every open connection of the preview's server, and the caps on them: a new connection
//! waits for a slot, closing the longest-idle connection (or the oldest event stream) when
//! all are taken; a connection gives its slot back when its thread ends.

use std::collections::BTreeMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{MAX_CONNECTIONS, MAX_STREAMS};

/// How long to wait for a slot to free up before giving up.
const SLOT_WAIT: Duration = Duration::from_secs(2);
/// How long to wait for a closed connection to end after a failed accept.
const BACKOFF: Duration = Duration::from_millis(50);

/// Where a connection is: waiting for a request head since then, answering one, or streaming
/// since then.
#[derive(Clone, Copy)]
pub(super) enum Phase {
    Waiting(Instant),
    Busy,
    Streaming(Instant),
}

struct Entry {
    socket: Arc<TcpStream>,
    phase: Phase,
    closing: Arc<AtomicBool>,
}

impl Entry {
    fn close(&self) {
        self.closing.store(true, Ordering::Relaxed);
        let _ = self.socket.shutdown(Shutdown::Both);
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
    }
}

/// Every open connection; an entry goes when its thread ends.
#[derive(Default)]
pub(super) struct Registry {
    open: Mutex<Open>,
    left: Condvar,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    entries: BTreeMap<u64, Entry>,
}

impl Open {
    fn count(&self, streams: bool) -> usize {
        let is_stream = |e: &&Entry| matches!(e.phase, Phase::Streaming(_));
        self.entries
            .values()
            .filter(|e| is_stream(e) == streams)
            .count()
    }

    /// Close the connection that has waited longest for a request, or the oldest stream;
    /// false when there is none to close.
    fn close_oldest(&self, streams: bool) -> bool {
        let since = |e: &Entry| match (e.phase, streams) {
            (Phase::Waiting(t), false) | (Phase::Streaming(t), true) => Some(t),
            _ => None,
        };
        let oldest = self
            .entries
            .values()
            .filter(|e| !e.is_closing())
            .filter_map(|e| Some((since(e)?, e)))
            .min_by_key(|(t, _)| *t);
        oldest.map(|(_, e)| e.close()).is_some()
    }
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait until fewer than `max` connections of the kind are open, closing the oldest idle
    /// one of that kind when all are taken; false when none ended in time.
    fn wait_for_room<'a>(
        &self,
        mut open: MutexGuard<'a, Open>,
        streams: bool,
        max: usize,
    ) -> (MutexGuard<'a, Open>, bool) {
        if open.count(streams) >= max {
            open.close_oldest(streams);
            open = self
                .left
                .wait_timeout_while(open, SLOT_WAIT, |o| o.count(streams) >= max)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let room = open.count(streams) < max;
        (open, room)
    }

    /// A slot for a new connection, or `None` when every one is busy.
    pub(super) fn admit(self: &Arc<Self>, socket: &Arc<TcpStream>) -> Option<Slot> {
        let (mut open, room) = self.wait_for_room(self.lock(), false, MAX_CONNECTIONS);
        if !room {
            return None;
        }
        let id = open.next_id;
        open.next_id += 1;
        open.entries.insert(
            id,
            Entry {
                socket: Arc::clone(socket),
                phase: Phase::Waiting(Instant::now()),
                closing: Arc::default(),
            },
        );
        Some(Slot {
            id,
            registry: Arc::clone(self),
        })
    }

    /// After a failed accept: close the longest-idle connection and wait a moment for it to
    /// end.
    pub(super) fn make_room(&self) {
        let open = self.lock();
        let before = open.entries.len();
        if open.close_oldest(false) {
            let _ = self
                .left
                .wait_timeout_while(open, BACKOFF, |o| o.entries.len() >= before);
        } else {
            drop(open);
            std::thread::sleep(BACKOFF);
        }
    }
}

/// A connection's place in the registry, given back when dropped.
pub(super) struct Slot {
    id: u64,
    registry: Arc<Registry>,
}

impl Slot {
    pub(super) fn set(&self, phase: Phase) {
        if let Some(entry) = self.registry.lock().entries.get_mut(&self.id) {
            entry.phase = phase;
        }
    }

    /// Turn this connection into an event stream, closing the oldest stream when all are
    /// open; `None` when no stream ended in time or this connection is being closed.
    pub(super) fn start_stream(&self) -> Option<Arc<AtomicBool>> {
        let (mut open, room) = self
            .registry
            .wait_for_room(self.registry.lock(), true, MAX_STREAMS);
        let entry = open.entries.get_mut(&self.id)?;
        if !room || entry.is_closing() {
            return None;
        }
        entry.phase = Phase::Streaming(Instant::now());
        let closing = Arc::clone(&entry.closing);
        drop(open);
        // A connection slot is free now.
        self.registry.left.notify_all();
        Some(closing)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.lock().entries.remove(&self.id);
        self.registry.left.notify_all();
    }
}
