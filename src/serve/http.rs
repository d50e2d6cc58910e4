//! The preview's HTTP/1.1 server: `std::net` sockets, `httparse` for the request head, one
//! thread per open connection. Everything a client can make it hold is bounded: the
//! connections open at once ([`MAX_CONNECTIONS`], and [`MAX_STREAMS`] event streams apart),
//! so the threads; the bytes of a request head ([`MAX_HEAD`], 431 beyond); the time a
//! connection may sit idle ([`IDLE_TIMEOUT`]) or take to send its head ([`HEAD_TIMEOUT`]).
//! When every slot is taken, the connection that has waited longest for a request gives way
//! to the new one, so a flood of idle sockets cannot lock out a browser. Only GET and HEAD
//! are answered; the handler sees a GET's target and never a body.

mod head;
mod registry;

use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use self::head::HeadReader;
use self::registry::{Phase, Registry, Slot};

/// Connections open at once, not counting event streams.
pub const MAX_CONNECTIONS: usize = 256;
/// Event streams open at once (one per open preview page).
pub const MAX_STREAMS: usize = 32;
/// Bytes of a request line and headers; a longer head gets 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a connection may wait for the first byte of a request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request head may take once its first byte came.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write may wait for a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a refused request's remaining bytes are read and dropped before closing, so the
/// client reads the answer instead of a reset.
const LINGER: Duration = Duration::from_secs(2);
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

    /// The response cut to the byte range a `Range` header asks for (`bytes=a-b`, `bytes=a-`
    /// or `bytes=-n`): 206 with the bytes, or 416 when the range starts past the end. Any
    /// other response, or several ranges or a range it cannot read, stays as it is (a server
    /// may always send the whole file).
    pub fn ranged(self, range: &str) -> Response {
        let Body::Bytes(body) = &self.body else {
            return self;
        };
        if self.status != 200 || self.insert.is_some() {
            return self;
        }
        let len = body.len();
        match byte_range(range, len) {
            None => self,
            Some(None) => Response {
                status: 416,
                body: Body::Bytes(Arc::default()),
                ..self
            }
            .with_header("Content-Range", &format!("bytes */{len}")),
            Some(Some((start, end))) => Response {
                status: 206,
                body: Body::Bytes(Arc::new(body[start..end].to_vec())),
                ..self
            }
            .with_header("Content-Range", &format!("bytes {start}-{}/{len}", end - 1)),
        }
    }

    /// The response with one more header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Response {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// The bytes `[start, end)` of a body of `len` bytes that the `Range` header `range` asks for:
/// `None` when the header is not one range of bytes that can be read (the whole body is sent),
/// `Some(None)` when the range starts past the end.
fn byte_range(range: &str, len: usize) -> Option<Option<(usize, usize)>> {
    let spec = range.trim().strip_prefix("bytes=")?;
    let (from, to) = spec.trim().split_once('-')?;
    let number = |s: &str| -> Option<usize> {
        match s.trim() {
            t if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok(),
            _ => None,
        }
    };
    let (start, end) = match (from.trim().is_empty(), to.trim().is_empty()) {
        // The last n bytes.
        (true, false) => (len.saturating_sub(number(to)?), len),
        (false, true) => (number(from)?, len),
        (false, false) => {
            let (start, last) = (number(from)?, number(to)?);
            if last < start {
                return None;
            }
            (start, last.saturating_add(1).min(len))
        }
        (true, true) => return None,
    };
    if start >= len {
        return Some(None);
    }
    Some(Some((start, end)))
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
        let response = match &head.range {
            Some(range) => response.ranged(range),
            None => response,
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

/// The reason phrase of the statuses this server sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range("bytes=0-7", 100), Some(Some((0, 8))));
        assert_eq!(byte_range("bytes=90-200", 100), Some(Some((90, 100))));
        assert_eq!(byte_range("bytes=95-", 100), Some(Some((95, 100))));
        assert_eq!(byte_range("bytes=-10", 100), Some(Some((90, 100))));
        assert_eq!(byte_range("bytes=-500", 100), Some(Some((0, 100))));
        assert_eq!(byte_range("bytes=100-", 100), Some(None));
        assert_eq!(byte_range("bytes=-0", 100), Some(None));
        // Not one range of bytes: the whole body.
        for whole in [
            "bytes=5-2",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
        ] {
            assert_eq!(byte_range(whole, 100), None, "{whole}");
        }
    }
}
