//! The preview's HTTP/1.1 server: `std::net` sockets, `httparse` for the request head, one
//! thread per open connection. Everything a client can make it hold is bounded: the
//! connections open at once ([`MAX_CONNECTIONS`], and [`MAX_STREAMS`] event streams apart),
//! so the threads; the bytes of a request head ([`MAX_HEAD`], 431 beyond); the time a
//! connection may sit idle ([`IDLE_TIMEOUT`]) or take to send its head ([`HEAD_TIMEOUT`]).
//! When every slot is taken, the connection that has waited longest for a request gives way
//! to the new one, so a flood of idle sockets cannot lock out a browser. Only GET and HEAD
//! are answered; the handler sees a GET's target and never a body.

use std::collections::BTreeMap;
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Connections open at once, not counting event streams.
pub const MAX_CONNECTIONS: usize = 256;
/// Event streams open at once (one per open preview page).
pub const MAX_STREAMS: usize = 32;
/// Bytes of a request line and headers; a longer head gets 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// Headers of one request; more get 431.
const MAX_HEADERS: usize = 64;
/// How long a connection may wait for the first byte of a request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request head may take once its first byte came.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write may wait for a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a refused request's remaining bytes are read and dropped before closing, so the
/// client reads the answer instead of a reset.
const LINGER: Duration = Duration::from_secs(2);
/// How long to wait for a slot to free up before answering 503, and to back off after a
/// failed accept.
const SLOT_WAIT: Duration = Duration::from_secs(2);
const BACKOFF: Duration = Duration::from_millis(50);
/// A failed accept is logged at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// A response: status, headers and a body, or an event stream.
pub struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
    /// Bytes sent inside the body at an offset, so that a shared body is never copied.
    insert: Option<(usize, &'static [u8])>,
}

/// What writes a streamed body.
type StreamWriter = Box<dyn FnOnce(&mut EventStream) -> io::Result<()> + Send>;

enum Body {
    Bytes(Arc<Vec<u8>>),
    Stream(StreamWriter),
}

impl Response {
    /// A response with a body of the given content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Arc<Vec<u8>>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: Body::Bytes(body.into()),
            insert: None,
        }
    }

    /// A plain-text response saying the status, e.g. `400 Bad Request`.
    pub fn plain(status: u16) -> Response {
        let text = format!("{status} {}\n", reason(status));
        Response::new(status, "text/plain; charset=utf-8", text.into_bytes())
    }

    /// A permanent redirect to `location`.
    pub fn redirect(location: String) -> Response {
        Response {
            status: 301,
            headers: vec![("Location", location)],
            body: Body::Bytes(Arc::default()),
            insert: None,
        }
    }

    /// An open-ended body of the given content type, written by `write` until it returns; the
    /// connection closes after it.
    pub fn stream(
        content_type: &str,
        write: impl FnOnce(&mut EventStream) -> io::Result<()> + Send + 'static,
    ) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type", content_type.to_string())],
            body: Body::Stream(Box::new(write)),
            insert: None,
        }
    }

    /// The response with `bytes` sent inside the body before byte `at` (at its end when `at`
    /// is past it).
    pub fn with_insert(mut self, at: usize, bytes: &'static [u8]) -> Response {
        self.insert = Some((at, bytes));
        self
    }

    /// The response with one more header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Response {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// The socket of a streamed response, closed by the server when more streams are opened than
/// [`MAX_STREAMS`].
pub struct EventStream {
    socket: Arc<TcpStream>,
    closing: Arc<AtomicBool>,
}

impl EventStream {
    /// Write `text` to the client at once.
    pub fn send(&mut self, text: &str) -> io::Result<()> {
        (&*self.socket).write_all(text.as_bytes())
    }

    /// False once the server has closed the stream to make room for a newer one.
    pub fn is_open(&self) -> bool {
        !self.closing.load(Ordering::Relaxed)
    }
}

/// Serve `listener` forever: every GET's target goes to `handler`, every response gets
/// `common` headers.
pub fn run(
    listener: TcpListener,
    common: &'static [(&'static str, &'static str)],
    handler: impl Fn(&str) -> Response + Send + Sync + 'static,
) -> ! {
    let registry = Arc::new(Registry::default());
    let handler = Arc::new(handler);
    let mut last_logged: Option<Instant> = None;
    loop {
        match listener.accept() {
            Ok((socket, _)) => {
                let socket = Arc::new(socket);
                let Some(slot) = registry.admit(&socket) else {
                    refuse(&socket, common);
                    continue;
                };
                let handler = Arc::clone(&handler);
                let spawned = std::thread::Builder::new()
                    .name("preview-connection".into())
                    .spawn(move || connection(&socket, &slot, common, &*handler));
                if let Err(e) = spawned {
                    log_now(&mut last_logged, &format!("cannot start a thread: {e}"));
                }
            }
            Err(e) if is_per_connection(&e) => {}
            Err(e) => {
                // Out of file descriptors, memory or buffers: make room and try again.
                log_now(
                    &mut last_logged,
                    &format!("cannot accept a connection ({e}); closing an idle one and retrying"),
                );
                registry.make_room();
            }
        }
    }
}

/// Errors of one incoming connection, not of the server.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
    )
}

/// Log `message` unless a message was logged less than [`LOG_EVERY`] ago.
fn log_now(last: &mut Option<Instant>, message: &str) {
    if last.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
        eprintln!("preview: {message}");
        *last = Some(Instant::now());
    }
}

/// Where a connection is: waiting for a request head since then, answering one, or streaming
/// since then.
#[derive(Clone, Copy)]
enum Phase {
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
struct Registry {
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
    fn admit(self: &Arc<Self>, socket: &Arc<TcpStream>) -> Option<Slot> {
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
    fn make_room(&self) {
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
struct Slot {
    id: u64,
    registry: Arc<Registry>,
}

impl Slot {
    fn set(&self, phase: Phase) {
        if let Some(entry) = self.registry.lock().entries.get_mut(&self.id) {
            entry.phase = phase;
        }
    }

    /// Turn this connection into an event stream, closing the oldest stream when all are
    /// open; `None` when no stream ended in time or this connection is being closed.
    fn start_stream(&self) -> Option<Arc<AtomicBool>> {
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

/// What the server needs of a request head.
struct Head {
    method: String,
    target: String,
    keep_alive: bool,
    has_body: bool,
}

/// Serve one connection until it closes, times out, or a response ends it.
fn connection(
    socket: &Arc<TcpStream>,
    slot: &Slot,
    common: &[(&str, &str)],
    handler: &dyn Fn(&str) -> Response,
) {
    let _ = socket.set_nodelay(true);
    let _ = socket.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut reader = HeadReader::default();
    loop {
        slot.set(Phase::Waiting(Instant::now()));
        let head = match reader.next(socket) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(status) => {
                let _ = write_response(socket, Response::plain(status), common, false, false);
                return linger(socket);
            }
        };
        slot.set(Phase::Busy);
        let keep_alive = head.keep_alive && !head.has_body;
        let head_only = head.method == "HEAD";
        let response = match head.method.as_str() {
            "GET" | "HEAD" => handler(&head.target),
            _ => Response::plain(405).with_header("Allow", "GET, HEAD"),
        };
        if let Body::Stream(_) = response.body
            && !head_only
        {
            return stream(socket, slot, response, common);
        }
        let written = write_response(socket, response, common, keep_alive, head_only);
        if written.is_err() {
            return;
        }
        if !keep_alive {
            return linger(socket);
        }
    }
}

/// Write a response head (with `common` headers and the length) and, unless `head_only`, the
/// body; a stream's body is left out.
fn write_response(
    socket: &TcpStream,
    response: Response,
    common: &[(&str, &str)],
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let Body::Bytes(body) = response.body else {
        let head = head_text(response.status, &response.headers, common, None, keep_alive);
        return write_all(socket, &mut [IoSlice::new(&head)]);
    };
    let (at, insert) = response.insert.unwrap_or((body.len(), b""));
    let (before, after) = body.split_at(at.min(body.len()));
    let length = body.len() + insert.len();
    let head = head_text(
        response.status,
        &response.headers,
        common,
        Some(length),
        keep_alive,
    );
    match head_only {
        true => write_all(socket, &mut [IoSlice::new(&head)]),
        false => write_all(
            socket,
            &mut [
                IoSlice::new(&head),
                IoSlice::new(before),
                IoSlice::new(insert),
                IoSlice::new(after),
            ],
        ),
    }
}

/// Write every slice, in as few system calls as the socket takes.
fn write_all(mut socket: &TcpStream, slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    let mut rest = slices;
    IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match socket.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn head_text(
    status: u16,
    headers: &[(&str, String)],
    common: &[(&str, &str)],
    length: Option<usize>,
    keep_alive: bool,
) -> Vec<u8> {
    use std::fmt::Write as _;
    // One allocation of a size every head fits in, whatever the thread.
    let mut out = String::with_capacity(1024);
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    for (name, value) in common {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if let Some(length) = length {
        let _ = write!(out, "Content-Length: {length}\r\n");
    }
    out.push_str(match keep_alive {
        true => "Connection: keep-alive\r\n",
        false => "Connection: close\r\n",
    });
    out.push_str("\r\n");
    out.into_bytes()
}

/// Hand the connection to a stream's writer, within the cap on streams.
fn stream(socket: &Arc<TcpStream>, slot: &Slot, response: Response, common: &[(&str, &str)]) {
    let Body::Stream(write) = response.body else {
        return;
    };
    let Some(closing) = slot.start_stream() else {
        let _ = write_response(socket, Response::plain(503), common, false, false);
        return linger(socket);
    };
    let head = head_text(response.status, &response.headers, common, None, false);
    if (&**socket).write_all(&head).is_ok() {
        let mut events = EventStream {
            socket: Arc::clone(socket),
            closing,
        };
        let _ = write(&mut events);
    }
}

/// Answer 503 on the accepting thread, without waiting for the client.
fn refuse(socket: &TcpStream, common: &[(&str, &str)]) {
    let _ = socket.set_nonblocking(true);
    let response = Response::plain(503).with_header("Retry-After", "1");
    let _ = write_response(socket, response, common, false, false);
}

/// Close after a refused or final response: stop writing, then read and drop what the client
/// still sends, for a moment, so that it reads the response rather than a reset.
fn linger(socket: &TcpStream) {
    let _ = socket.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    let mut sink = [0; 8192];
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if left.is_zero() || socket.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&*socket).read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Reads request heads from a connection into a buffer of [`MAX_HEAD`] bytes (on the
/// connection thread's stack, so that no thread grows the heap), keeping what follows a head
/// (a pipelined request) for the next one.
struct HeadReader {
    buf: [u8; MAX_HEAD],
    filled: usize,
}

impl Default for HeadReader {
    fn default() -> HeadReader {
        HeadReader {
            buf: [0; MAX_HEAD],
            filled: 0,
        }
    }
}

impl HeadReader {
    /// The next request head; `Ok(None)` when the client closed or sent nothing in time, or
    /// the status to refuse it with.
    fn next(&mut self, socket: &TcpStream) -> Result<Option<Head>, u16> {
        let mut deadline = Instant::now()
            + match self.filled {
                0 => IDLE_TIMEOUT,
                _ => HEAD_TIMEOUT,
            };
        let mut scanned = 0;
        loop {
            if has_head_end(&self.buf[..self.filled], scanned) {
                let (head, length) = parse(&self.buf[..self.filled])?;
                self.buf.copy_within(length..self.filled, 0);
                self.filled -= length;
                return Ok(Some(head));
            }
            scanned = self.filled;
            if self.filled == MAX_HEAD {
                return Err(431);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || socket.set_read_timeout(Some(left)).is_err() {
                return Ok(None);
            }
            match (&*socket).read(&mut self.buf[self.filled..]) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    if self.filled == 0 {
                        deadline = Instant::now() + HEAD_TIMEOUT;
                    }
                    self.filled += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Ok(None),
            }
        }
    }
}

/// Whether `bytes` hold the blank line that ends a head, looking from a little before `from`
/// (what was scanned already).
fn has_head_end(bytes: &[u8], from: usize) -> bool {
    let start = from.saturating_sub(3);
    let rest = &bytes[start.min(bytes.len())..];
    rest.windows(4).any(|w| w == b"\r\n\r\n") || rest.windows(2).any(|w| w == b"\n\n")
}

/// Parse a complete head; the status to refuse it with when it is malformed or too large.
fn parse(bytes: &[u8]) -> Result<(Head, usize), u16> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Err(400),
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(_) => return Err(400),
    };
    let (Some(method), Some(target), Some(version)) =
        (request.method, request.path, request.version)
    else {
        return Err(400);
    };
    let header = |name: &'static str| {
        request
            .headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim_ascii())
    };
    let connection = |token: &str| {
        header("connection").any(|v| {
            v.split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    };
    let has_body =
        header("transfer-encoding").next().is_some() || header("content-length").any(|v| v != b"0");
    let head = Head {
        method: method.to_string(),
        target: target.to_string(),
        keep_alive: match version {
            1 => !connection("close"),
            _ => connection("keep-alive"),
        },
        has_body,
    };
    Ok((head, length))
}

/// The reason phrase of the statuses this server sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_parsed_and_refused_as_http_says() {
        let pipelined = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b";
        let (head, length) = parse(pipelined).unwrap();
        assert_eq!((head.method.as_str(), head.target.as_str()), ("GET", "/a"));
        assert!(head.keep_alive && !head.has_body);
        assert_eq!(&pipelined[length..], b"GET /b", "the next request is left");
        let (head, _) = parse(b"GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n").unwrap();
        assert!(!head.keep_alive);
        let (head, _) = parse(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!head.keep_alive);
        let (head, _) = parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert!(head.keep_alive);
        let (head, _) = parse(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n").unwrap();
        assert!(head.has_body);
        assert_eq!(parse(b"G\0T / HTTP/1.1\r\n\r\n").err(), Some(400));
        assert_eq!(parse(b"GET / HTTP/2.0\r\n\r\n").err(), Some(400));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(parse(many.as_bytes()).err(), Some(431));
    }

    #[test]
    fn the_end_of_a_head_is_found_across_reads() {
        let bytes = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert!(has_head_end(bytes, 0));
        assert!(
            has_head_end(bytes, bytes.len() - 2),
            "the blank line began earlier"
        );
        assert!(!has_head_end(&bytes[..bytes.len() - 1], 0));
        assert!(has_head_end(b"GET / HTTP/1.1\n\n", 10));
    }
}
