//! The HTTP benchmark's load driver: benches/http.mjs runs it for the PutItem, GetItem and Query
//! phases, the same way against every server. Each of `--concurrency` threads keeps one
//! keep-alive connection (reconnecting when a server closes after each answer, as moto_server
//! does) and sends one request at a time; every answer is parsed and checked. A node client
//! spends most of a core per 60,000 requests/s, so on a small machine it, not the server, set
//! the figures; this driver needs a fraction of that.
//!
//!   gureum-loadgen --url http://127.0.0.1:PORT --op PutItem|GetItem|Query --amz-date 20260101T000000Z
//!                  [--concurrency 8] [--seconds 5] [--ops N] [--stored N] [--timeout 120]
//!   gureum-loadgen --ceiling [--concurrency 8] [--seconds 3]
//!
//! `--ceiling` drives an in-process server that answers `{}` at once: the most this driver can
//! do on this machine. Prints one JSON line: done, errors, firstError, seconds, latencies (the
//! 0th..100th percentiles in ms) and cpu (this process's CPU time, % of one core).
//!
//! The workload matches benches/http.mjs: item i is partition `p%06d` of i / 50, sort key i % 50,
//! and an 84-byte `data` string; PutItem sends items 0, 1, 2...; GetItem reads random stored
//! items; Query reads a random full partition (50 items, in order).

use std::{
    io::{self, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

const PART: u64 = 50;

#[derive(Clone)]
struct Opts {
    url: String,
    op: String,
    amz_date: String,
    concurrency: usize,
    seconds: f64,
    ops: u64,
    stored: u64,
    timeout: f64,
    ceiling: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!("gureum-loadgen: {msg}\nusage: gureum-loadgen --url URL --op PutItem|GetItem|Query --amz-date DATE [--concurrency N] [--seconds S] [--ops N] [--stored N] [--timeout S] | --ceiling");
    std::process::exit(2)
}

fn parse_args() -> Opts {
    let mut o =
        Opts { url: String::new(), op: String::new(), amz_date: "20260101T000000Z".into(), concurrency: 8, seconds: 5.0, ops: u64::MAX, stored: 0, timeout: 120.0, ceiling: false };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--ceiling" {
            o.ceiling = true;
            i += 1;
            continue;
        }
        let v = args.get(i + 1).unwrap_or_else(|| usage(&format!("{a} needs a value")));
        let num = |v: &str| -> f64 { v.parse::<f64>().ok().filter(|x| *x > 0.0).unwrap_or_else(|| usage(&format!("{a}: '{v}' is not a positive number"))) };
        match a {
            "--url" => o.url = v.clone(),
            "--op" => o.op = v.clone(),
            "--amz-date" => o.amz_date = v.clone(),
            "--concurrency" => o.concurrency = num(v) as usize,
            "--seconds" => o.seconds = num(v),
            "--ops" => o.ops = num(v) as u64,
            "--stored" => o.stored = num(v) as u64,
            "--timeout" => o.timeout = num(v),
            _ => usage(&format!("unknown option {a}")),
        }
        i += 2;
    }
    if !o.ceiling && (o.url.is_empty() || !["PutItem", "GetItem", "Query"].contains(&o.op.as_str())) {
        usage("--url and --op PutItem|GetItem|Query are required");
    }
    if o.op != "PutItem" && !o.ceiling && o.stored < PART {
        usage("--stored (items stored by the PutItem phase, at least 50) is required");
    }
    o
}

// --- the workload ----------------------------------------------------------------------------------

fn bench_key(i: u64) -> String {
    format!(r#"{{"pk":{{"S":"p{:06}"}},"sk":{{"N":"{}"}}}}"#, i / PART, i % PART)
}

fn data(i: u64) -> String {
    format!("{}{:04}", "x".repeat(80), i % 10000)
}

fn bench_item(i: u64) -> String {
    format!(r#"{{"pk":{{"S":"p{:06}"}},"sk":{{"N":"{}"}},"data":{{"S":"{}"}}}}"#, i / PART, i % PART, data(i))
}

/// The request for operation number `i` (PutItem) or a random one (`r`, GetItem and Query).
fn request(op: &str, i: u64, r: u64, stored: u64) -> (String, u64) {
    match op {
        "PutItem" => (format!(r#"{{"TableName":"bench","Item":{}}}"#, bench_item(i)), i),
        "GetItem" => {
            let k = r % stored;
            (format!(r#"{{"TableName":"bench","Key":{}}}"#, bench_key(k)), k)
        }
        _ => {
            let p = r % (stored / PART);
            (format!(r#"{{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"p{p:06}"}}}}}}"#), p)
        }
    }
}

/// Checks an answer; `n` is what `request` returned beside the body.
fn check(op: &str, n: u64, status: u16, body: &[u8]) -> Result<(), String> {
    let text = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    if status != 200 {
        return Err(format!("{op}: HTTP {status}: {}", text()));
    }
    if op == "PutItem" || op == "Null" {
        return if body == b"{}" { Ok(()) } else { Err(format!("{op}: answered {}", text())) };
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("{op}: invalid JSON ({e}): {}", text()))?;
    let s = |v: &Value, a: &str, t: &str| v.get(a).and_then(|x| x.get(t)).and_then(Value::as_str).map(str::to_string);
    if op == "GetItem" {
        let item = v.get("Item").and_then(Value::as_object).ok_or_else(|| format!("GetItem {n}: no Item: {}", text()))?;
        let it = Value::Object(item.clone());
        let ok = item.len() == 3
            && s(&it, "pk", "S").as_deref() == Some(format!("p{:06}", n / PART).as_str())
            && s(&it, "sk", "N").as_deref() == Some((n % PART).to_string().as_str())
            && s(&it, "data", "S").as_deref() == Some(data(n).as_str());
        return if ok { Ok(()) } else { Err(format!("GetItem {n}: got {}", text())) };
    }
    let items = v.get("Items").and_then(Value::as_array).ok_or_else(|| format!("Query p{n}: no Items: {}", text()))?;
    if v.get("Count").and_then(Value::as_u64) != Some(PART) || items.len() as u64 != PART || v.get("LastEvaluatedKey").is_some() {
        return Err(format!("Query p{n}: Count {:?}, {} items, LastEvaluatedKey {:?}", v.get("Count"), items.len(), v.get("LastEvaluatedKey")));
    }
    for (k, it) in items.iter().enumerate() {
        if s(it, "sk", "N").as_deref() != Some(k.to_string().as_str()) || s(it, "pk", "S").as_deref() != Some(format!("p{n:06}").as_str()) {
            return Err(format!("Query p{n}: item {k} is {it}"));
        }
    }
    Ok(())
}

// --- HTTP/1.1 over a kept-alive connection ---------------------------------------------------------

struct Conn {
    host: String,
    head: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    timeout: Duration,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Conn {
    fn new(host: &str, op: &str, amz_date: &str, timeout: f64) -> Conn {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=test/{}/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
            amz_date.get(..8).unwrap_or("20260101"),
            "0".repeat(64)
        );
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.{op}\r\nX-Amz-Date: {amz_date}\r\nAuthorization: {auth}\r\n"
        );
        Conn { host: host.into(), head, stream: None, buf: Vec::with_capacity(64 * 1024), timeout: Duration::from_secs_f64(timeout) }
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.host)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(self.timeout))?;
            self.stream = Some(s);
            self.buf.clear();
        }
        Ok(self.stream.as_mut().expect("just connected"))
    }

    /// Sends one request; a kept-alive connection the server closed while idle is retried once.
    fn call(&mut self, body: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        let fresh = self.stream.is_none();
        match self.try_call(body) {
            Err(e) if !fresh && e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::TimedOut => {
                self.stream = None;
                self.try_call(body)
            }
            other => other,
        }
    }

    fn try_call(&mut self, body: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        let mut req = Vec::with_capacity(self.head.len() + body.len() + 32);
        req.extend_from_slice(self.head.as_bytes());
        req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        req.extend_from_slice(body);
        let result = self.exchange(&req);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 64 * 1024];
        let n = self.stream()?.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    fn exchange(&mut self, req: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        self.stream()?.write_all(req)?;
        let eof = || io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection");
        let end = loop {
            if let Some(e) = find(&self.buf, b"\r\n\r\n") {
                break e;
            }
            if self.fill()? == 0 {
                return Err(eof());
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| io::Error::other(format!("bad status line {status_line:?}")))?;
        let (mut length, mut chunked, mut close) = (None, false, status_line.starts_with("HTTP/1.0"));
        for line in lines {
            let Some((k, v)) = line.split_once(':') else { continue };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
            match k.as_str() {
                "content-length" => length = v.parse::<usize>().ok(),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "connection" => close = v.contains("close") || (close && !v.contains("keep-alive")),
                _ => {}
            }
        }
        self.buf.drain(..end + 4);
        let body = if chunked {
            let mut out = Vec::new();
            loop {
                let eol = loop {
                    if let Some(e) = find(&self.buf, b"\r\n") {
                        break e;
                    }
                    if self.fill()? == 0 {
                        return Err(eof());
                    }
                };
                let size_text = String::from_utf8_lossy(&self.buf[..eol]).split(';').next().unwrap_or("").trim().to_string();
                let size = usize::from_str_radix(&size_text, 16).map_err(|_| io::Error::other("bad chunk size"))?;
                while self.buf.len() < eol + 2 + size + 2 {
                    if self.fill()? == 0 {
                        return Err(eof());
                    }
                }
                out.extend_from_slice(&self.buf[eol + 2..eol + 2 + size]);
                self.buf.drain(..eol + 2 + size + 2);
                if size == 0 {
                    break out;
                }
            }
        } else if let Some(n) = length {
            while self.buf.len() < n {
                if self.fill()? == 0 {
                    return Err(eof());
                }
            }
            self.buf.drain(..n).collect()
        } else {
            close = true;
            while self.fill()? > 0 {}
            std::mem::take(&mut self.buf)
        };
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }
}

// --- the run ---------------------------------------------------------------------------------------

fn cpu_seconds() -> f64 {
    // utime and stime, fields 14 and 15 of /proc/self/stat, in USER_HZ (100 on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = after.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

struct Shared {
    next: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    latencies: Mutex<Vec<f32>>,
}

fn run(o: &Opts, host: &str, op: &str) -> Value {
    let shared = Arc::new(Shared { next: AtomicU64::new(0), errors: AtomicU64::new(0), first_error: Mutex::new(None), latencies: Mutex::new(Vec::new()) });
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(o.seconds);
    let threads: Vec<_> = (0..o.concurrency)
        .map(|t| {
            let (shared, o, host, op) = (shared.clone(), o.clone(), host.to_string(), op.to_string());
            thread::spawn(move || {
                let wire_op = if op == "Null" { "GetItem" } else { op.as_str() };
                let mut conn = Conn::new(&host, wire_op, &o.amz_date, o.timeout);
                let mut lat = Vec::with_capacity(1 << 16);
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ ((t as u64 + 1) * 0x2545_F491_4F6C_DD1D);
                loop {
                    if Instant::now() >= deadline || shared.errors.load(Ordering::Relaxed) >= 100 {
                        break;
                    }
                    let i = shared.next.fetch_add(1, Ordering::Relaxed);
                    if i >= o.ops {
                        break;
                    }
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let (body, n) = if op == "Null" { (format!(r#"{{"TableName":"bench","Key":{}}}"#, bench_key(i)), i) } else { request(&op, i, x, o.stored) };
                    let start = Instant::now();
                    let outcome = conn.call(body.as_bytes()).map_err(|e| format!("{op}: {e}")).and_then(|(status, answer)| check(&op, n, status, &answer));
                    match outcome {
                        Ok(()) => lat.push(start.elapsed().as_secs_f32() * 1000.0),
                        Err(e) => {
                            shared.errors.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut f) = shared.first_error.lock() {
                                f.get_or_insert(e);
                            }
                        }
                    }
                }
                if let Ok(mut all) = shared.latencies.lock() {
                    all.extend(lat);
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = (cpu_seconds() - cpu0) / seconds * 100.0;
    let mut lat = shared.latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pcts: Vec<f64> =
        if lat.is_empty() { Vec::new() } else { (0..=100).map(|p| f64::from(lat[(((p as f64 / 100.0) * lat.len() as f64) as usize).min(lat.len() - 1)])).collect() };
    let pcts: Vec<f64> = pcts.into_iter().map(|v| (v * 1000.0).round() / 1000.0).collect();
    serde_json::json!({
        "done": lat.len(),
        "errors": shared.errors.load(Ordering::Relaxed),
        "firstError": shared.first_error.lock().ok().and_then(|f| f.clone()),
        "seconds": seconds,
        "latencies": pcts,
        "cpu": cpu,
    })
}

/// A server that answers every request with `{}` at once (for `--ceiling`).
fn null_server() -> io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut s = stream;
                let mut buf: Vec<u8> = Vec::new();
                let mut chunk = [0u8; 16 * 1024];
                let reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}";
                loop {
                    while let Some(end) = find(&buf, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head.split("\r\n").find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                        if buf.len() < end + 4 + len {
                            break;
                        }
                        buf.drain(..end + 4 + len);
                        if s.write_all(reply).is_err() {
                            return;
                        }
                    }
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    Ok(addr)
}

fn main() {
    let o = parse_args();
    let out = if o.ceiling {
        match null_server() {
            Ok(addr) => run(&o, &addr, "Null"),
            Err(e) => usage(&format!("cannot start the null server: {e}")),
        }
    } else {
        let host = o.url.trim_start_matches("http://").trim_end_matches('/').to_string();
        run(&o, &host, &o.op)
    };
    println!("{out}");
}
