//! A small HTTP/1.1 server: one thread per connection, keep-alive, `Content-Length` and chunked
//! request bodies, `Expect: 100-continue`, TCP_NODELAY, and each response written in one piece.
//!
//! It replaced tiny_http 0.12, whose task pool counted woken-but-not-yet-running threads as idle:
//! connections opened in a burst were queued behind keep-alive connections and could wait
//! forever (8 SDK calls at once left 4 unanswered), and its 1 KiB write buffer split headers from
//! bodies, so with Nagle's algorithm every response over ~1 KB waited ~40 ms for a delayed ACK.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    thread,
    time::Duration,
};

/// A parsed request.
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the handler answers.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A body produced over time instead of `body` (an event stream): sent with chunked
    /// transfer encoding, each [`Chunks::send`] one chunk, the last chunk when it returns.
    pub stream: Option<Streamer>,
}

/// Writes a streamed body; returns when the body is over (or the peer went away).
pub type Streamer = Box<dyn FnOnce(&mut Chunks) -> std::io::Result<()> + Send>;

/// The connection a streamed body is written to.
pub struct Chunks<'a> {
    stream: &'a mut TcpStream,
}

impl Chunks<'_> {
    /// Sends one chunk at once (an empty `bytes` sends nothing: it would end the body).
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut out = Vec::with_capacity(bytes.len() + 12);
        out.extend_from_slice(format!("{:x}\r\n", bytes.len()).as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
        self.stream.write_all(&out)?;
        self.stream.flush()
    }

    /// Whether the peer has closed the connection (checked without blocking or consuming).
    pub fn peer_closed(&mut self) -> bool {
        if self.stream.set_nonblocking(true).is_err() {
            return true;
        }
        let mut b = [0u8; 1];
        let closed = match self.stream.peek(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
        };
        closed | self.stream.set_nonblocking(false).is_err()
    }
}

/// Limits of one request.
pub struct Limits {
    pub max_body: usize,
    pub max_connections: usize,
    /// An idle keep-alive connection is closed after this long.
    pub idle: Duration,
}

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Serves forever: every connection gets its own thread running `handler` per request.
pub fn serve<H>(listener: TcpListener, limits: Limits, handler: H)
where
    H: Fn(Request) -> Response + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let limits = Arc::new(limits);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if open.load(Ordering::Acquire) >= limits.max_connections {
            let _ = write_response(&mut stream, &plain(503, "too many connections"), false);
            continue;
        }
        open.fetch_add(1, Ordering::AcqRel);
        let (handler, limits, slot) = (handler.clone(), limits.clone(), open.clone());
        let spawned = thread::Builder::new().name("http-conn".into()).spawn(move || {
            connection(stream, &limits, &*handler);
            slot.fetch_sub(1, Ordering::AcqRel);
        });
        if spawned.is_err() {
            // The closure (and its stream) was dropped, so the client sees the connection close;
            // it never ran, so release its slot here.
            open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn plain(status: u16, text: &str) -> Response {
    Response { status, headers: vec![("Content-Type".into(), "text/plain".into())], body: text.as_bytes().to_vec(), stream: None }
}

enum ReadError {
    /// The peer closed (or went idle) between requests: nothing to answer.
    Closed,
    /// A malformed or oversized request: answer with this status and close.
    Bad(u16, &'static str),
}

fn connection(stream: TcpStream, limits: &Limits, handler: &dyn Fn(Request) -> Response) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(limits.idle));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        match read_request(&mut reader, &mut writer, limits) {
            Ok((req, keep_alive)) => {
                let mut resp = handler(req);
                let written = match resp.stream.take() {
                    Some(streamer) => write_streamed(&mut writer, &resp, streamer, keep_alive),
                    None => write_response(&mut writer, &resp, keep_alive),
                };
                if written.is_err() || !keep_alive {
                    return;
                }
            }
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status, why)) => {
                let _ = write_response(&mut writer, &plain(status, why), false);
                return;
            }
        }
    }
}

fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let n = reader.by_ref().take(*budget as u64 + 1).read_until(b'\n', &mut line).map_err(|_| ReadError::Closed)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(ReadError::Bad(431, "request header too large"));
    }
    *budget -= n;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    String::from_utf8(line).map(Some).map_err(|_| ReadError::Bad(400, "request header is not UTF-8"))
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream, limits: &Limits) -> Result<(Request, bool), ReadError> {
    let mut budget = MAX_HEADER_BYTES;
    // Tolerate empty lines before a request (RFC 9112 §2.2).
    let start = loop {
        match read_line(reader, &mut budget)? {
            None => return Err(ReadError::Closed),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = start.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return Err(ReadError::Bad(400, "unsupported request line"));
    }
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget)? else { return Err(ReadError::Closed) };
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else { return Err(ReadError::Bad(400, "malformed header")) };
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(431, "too many headers"));
        }
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let connection = header("Connection").map(str::to_ascii_lowercase);
    let keep_alive = match version {
        "HTTP/1.0" => connection.as_deref().is_some_and(|c| c.contains("keep-alive")),
        _ => !connection.as_deref().is_some_and(|c| c.contains("close")),
    };
    let chunked = header("Transfer-Encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let length = match header("Content-Length") {
        Some(l) => Some(l.parse::<usize>().map_err(|_| ReadError::Bad(400, "bad Content-Length"))?),
        None => None,
    };
    if length.is_some_and(|l| l > limits.max_body) {
        return Err(ReadError::Bad(413, "request body too large"));
    }
    if header("Expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) && (chunked || length.is_some_and(|l| l > 0)) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Closed)?;
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let Some(size_line) = read_line(reader, &mut budget)? else { return Err(ReadError::Closed) };
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16).map_err(|_| ReadError::Bad(400, "bad chunk size"))?;
            if size == 0 {
                // Trailers, then the empty line.
                while read_line(reader, &mut budget)?.is_some_and(|l| !l.is_empty()) {}
                break;
            }
            if body.len() + size > limits.max_body {
                return Err(ReadError::Bad(413, "request body too large"));
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..]).map_err(|_| ReadError::Closed)?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).map_err(|_| ReadError::Closed)?;
        }
    } else if let Some(len) = length {
        body.resize(len, 0);
        reader.read_exact(&mut body).map_err(|_| ReadError::Closed)?;
    }
    Ok((Request { method: method.to_string(), target: target.to_string(), headers, body }, keep_alive))
}

fn write_response(w: &mut TcpStream, resp: &Response, keep_alive: bool) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(256 + resp.body.len());
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes());
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("Content-Length") || k.eq_ignore_ascii_case("Connection") {
            continue;
        }
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // A response with no body may name the length of the body it stands for (the answer to a
    // HEAD request: S3's HeadObject says the object's size).
    let length = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        .filter(|_| resp.body.is_empty())
        .map_or_else(|| resp.body.len().to_string(), |(_, v)| v.clone());
    out.extend_from_slice(format!("Content-Length: {length}\r\nConnection: {}\r\n\r\n", if keep_alive { "keep-alive" } else { "close" }).as_bytes());
    out.extend_from_slice(&resp.body);
    w.write_all(&out)?;
    w.flush()
}

/// Writes the head with `Transfer-Encoding: chunked`, lets `streamer` send the chunks, then ends
/// the body. An error (the peer closed) closes the connection.
fn write_streamed(w: &mut TcpStream, resp: &Response, streamer: Streamer, keep_alive: bool) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes());
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("Content-Length") || k.eq_ignore_ascii_case("Connection") || k.eq_ignore_ascii_case("Transfer-Encoding") {
            continue;
        }
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Transfer-Encoding: chunked\r\nConnection: {}\r\n\r\n", if keep_alive { "keep-alive" } else { "close" }).as_bytes());
    w.write_all(&out)?;
    w.flush()?;
    streamer(&mut Chunks { stream: w })?;
    w.write_all(b"0\r\n\r\n")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn start() -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            serve(listener, Limits { max_body: 1024, max_connections: 64, idle: Duration::from_secs(5) }, |req| Response {
                status: 200,
                headers: vec![("X-Method".into(), req.method.clone())],
                stream: (req.target == "/stream").then(|| -> Streamer {
                    Box::new(|c: &mut Chunks| {
                        c.send(b"ab")?;
                        c.send(b"")?;
                        c.send(b"cde")
                    })
                }),
                body: req.body,
            })
        });
        addr
    }

    fn exchange(s: &mut TcpStream, raw: &[u8]) -> String {
        s.write_all(raw).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    }

    #[test]
    fn a_burst_of_keep_alive_connections_is_all_answered() {
        let addr = start();
        let mut conns: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(addr).unwrap()).collect();
        for c in &mut conns {
            c.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").unwrap();
        }
        for c in &mut conns {
            c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            let mut buf = [0u8; 256];
            let n = c.read(&mut buf).unwrap();
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\nhi"), "{text}");
        }
    }

    #[test]
    fn keep_alive_chunked_expect_and_limits() {
        let addr = start();
        let mut s = TcpStream::connect(addr).unwrap();
        let r = exchange(&mut s, b"PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assert!(r.contains("X-Method: PUT") && r.contains("Connection: keep-alive") && r.ends_with("abcde"), "{r}");
        let r = exchange(&mut s, b"POST /b HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(r, "HTTP/1.1 100 Continue\r\n\r\n");
        let r = exchange(&mut s, b"xyz");
        assert!(r.ends_with("xyz"), "{r}");
        let r = exchange(&mut s, b"POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 413 "), "{r}");
        let mut s = TcpStream::connect(addr).unwrap();
        let r = exchange(&mut s, b"NONSENSE\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
        let mut s = TcpStream::connect(addr).unwrap();
        let r = exchange(&mut s, b"GET / HTTP/1.0\r\n\r\n");
        assert!(r.contains("Connection: close"), "{r}");
    }

    #[test]
    fn a_streamed_body_is_chunked_and_the_connection_lives_on() {
        let addr = start();
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"POST /stream HTTP/1.1\r\nContent-Length: 0\r\n\r\n").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.ends_with(b"0\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        let r = String::from_utf8_lossy(&got).to_string();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.contains("Transfer-Encoding: chunked\r\n") && !r.contains("Content-Length"), "{r}");
        assert!(r.ends_with("\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"), "{r}");
        let r = exchange(&mut s, b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
        assert!(r.ends_with("ok"), "{r}");
    }
}
