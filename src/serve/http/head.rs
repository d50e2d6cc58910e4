//! Request heads: read into a buffer of [`MAX_HEAD`] bytes within the timeouts, parsed by
//! `httparse`.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

use super::{HEAD_TIMEOUT, IDLE_TIMEOUT, MAX_HEAD};

/// Headers of one request; more get 431.
const MAX_HEADERS: usize = 64;

/// What the server needs of a request head.
pub(super) struct Head {
    /// `GET`, `HEAD` or any other well-formed method.
    pub method: String,
    /// The request target as sent, e.g. `/ueda/?q=1`.
    pub target: String,
    /// The client keeps the connection for another request.
    pub keep_alive: bool,
    /// A body follows (which the server does not read).
    pub has_body: bool,
    /// The `Range` header, e.g. `bytes=0-7`, when there is one.
    pub range: Option<String>,
}

/// Reads request heads from a connection into a buffer of [`MAX_HEAD`] bytes (on the
/// connection thread's stack, so that no thread grows the heap), keeping what follows a head
/// (a pipelined request) for the next one.
pub(super) struct HeadReader {
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
    pub(super) fn next(&mut self, socket: &TcpStream) -> Result<Option<Head>, u16> {
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
        range: header("range")
            .next()
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_string),
    };
    Ok((head, length))
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
