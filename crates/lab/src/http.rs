//! HTTP for the monitoring tests (feature `monitor`): where a server
//! listens ([`Listen`]: a namespace, or this one, and an address), how the
//! test reaches it ([`Endpoint`]: a minimal HTTP/1.1 client), and a
//! receiver that records every request sent to it ([`HttpReceiver`]: the
//! webhook and Alertmanager end of alert tests).
//!
//! The client is a few dozen lines over `std::net::TcpStream` rather than a
//! crate: the workspace's only HTTP client is hyper (async, it would bring
//! tokio into every test of this crate), and the servers here are all on
//! loopback or inside a lab namespace, one request per connection
//! (`Connection: close`), so all it needs is `Content-Length` and chunked
//! bodies. A connection into a namespace is opened on a thread that entered
//! it ([`icmpkit_net::netns::run_in`]); the socket stays there.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest one request may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a server listens: inside namespace `ns` (its full name,
/// [`Lab::ns`](crate::netns::Lab::ns)) or this process's own when `None`,
/// on address `ip`; the port is picked free when it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// The namespace's full name; `None`: this process's.
    pub ns: Option<String>,
    /// The address to listen on.
    pub ip: IpAddr,
}

impl Listen {
    /// 127.0.0.1 here.
    pub fn loopback() -> Listen {
        Listen {
            ns: None,
            ip: Ipv4Addr::LOCALHOST.into(),
        }
    }

    /// 127.0.0.1 inside namespace `ns` (full name).
    pub fn netns(ns: impl Into<String>) -> Listen {
        Listen {
            ns: Some(ns.into()),
            ip: Ipv4Addr::LOCALHOST.into(),
        }
    }

    /// `ip` inside namespace `ns` (full name): reachable from the other
    /// namespaces of its lab.
    pub fn at(ns: impl Into<String>, ip: IpAddr) -> Listen {
        Listen {
            ns: Some(ns.into()),
            ip,
        }
    }

    /// A listening socket on a free port of `ip`, inside the namespace.
    pub fn bind(&self) -> TcpListener {
        let addr = SocketAddr::new(self.ip, 0);
        in_netns(self.ns.as_deref(), || TcpListener::bind(addr))
            .unwrap_or_else(|e| panic!("listen on {addr} in {:?}: {e}", self.ns))
    }

    /// An endpoint with a port that was free a moment ago (bound, read,
    /// closed), for a server about to be started on it.
    pub fn free_endpoint(&self) -> Endpoint {
        let addr = self.bind().local_addr().expect("local address");
        Endpoint {
            ns: self.ns.clone(),
            addr,
        }
    }
}

/// Runs `f` inside namespace `ns`, or here when `None`.
fn in_netns<T: Send>(
    ns: Option<&str>,
    f: impl FnOnce() -> std::io::Result<T> + Send,
) -> std::io::Result<T> {
    match ns {
        None => f(),
        Some(ns) => icmpkit_net::netns::run_in(ns, f).map_err(std::io::Error::other)?,
    }
}

/// A server's address, and the namespace it is reached in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The namespace's full name; `None`: this process's.
    pub ns: Option<String>,
    /// Address and port.
    pub addr: SocketAddr,
}

/// An HTTP response.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text.
    pub fn text(&self) -> String {
        crate::text(&self.body)
    }

    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl Endpoint {
    /// `http://ADDR{path}` (IPv6 addresses in brackets).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `METHOD path` with `body` (and its `Content-Type`, when given); an
    /// error when the server cannot be reached or answers no HTTP.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Response> {
        let addr = self.addr;
        let mut stream = in_netns(self.ns.as_deref(), move || {
            TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)
        })?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: icmpkit-lab\r\n\
             Accept: */*\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(content_type) = content_type {
            let _ = write!(head, "Content-Type: {content_type}\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut reader = BufReader::new(stream);
        let (status_line, headers) = read_head(&mut reader)?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("no status in {status_line:?}")))?;
        let body = read_body(&mut reader, &headers, true)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// `GET path`; panics when the server cannot be reached.
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, None, &[])
            .unwrap_or_else(|e| panic!("GET {}: {e}", self.url(path)))
    }

    /// `GET path`, which must answer 200; its body as text.
    pub fn get_ok(&self, path: &str) -> String {
        let response = self.get(path);
        assert_eq!(
            response.status,
            200,
            "GET {}: {}",
            self.url(path),
            response.text()
        );
        response.text()
    }

    /// `POST path` with `body` of `content_type`; panics when the server
    /// cannot be reached.
    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Response {
        self.request("POST", path, Some(content_type), body)
            .unwrap_or_else(|e| panic!("POST {}: {e}", self.url(path)))
    }
}

fn bad(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what)
}

/// The first line and the headers (names as sent) of a request or
/// response.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<(String, Vec<(String, String)>)> {
    let mut first = String::new();
    reader.read_line(&mut first)?;
    if first.is_empty() {
        return Err(bad("connection closed before a status line".to_owned()));
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(bad("connection closed in the headers".to_owned()));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("bad header {line:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok((first.trim_end().to_owned(), headers))
}

/// A body: chunked, or of `Content-Length`, or (a response only,
/// `to_eof`) all until the connection closes.
fn read_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
    to_eof: bool,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if header(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let hex = size.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(hex, 16)
                .map_err(|e| bad(format!("chunk size {hex:?}: {e}")))?;
            if size == 0 {
                // Trailers, then the final empty line.
                let mut line = String::new();
                while reader.read_line(&mut line)? > 0 && !line.trim().is_empty() {
                    line.clear();
                }
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    }
    if let Some(length) = header(headers, "content-length") {
        let length: usize = length
            .parse()
            .map_err(|e| bad(format!("content-length {length:?}: {e}")))?;
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if to_eof {
        reader.read_to_end(&mut body)?;
    }
    Ok(body)
}

/// `text` percent-encoded for a query string (RFC 3986 unreserved
/// characters kept).
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// One request an [`HttpReceiver`] got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query.
    pub path: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Request {
    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", crate::text(&self.body)))
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A server that records every request it gets and answers each with an
/// empty body and a status (200 unless [`HttpReceiver::respond_with`]
/// says otherwise): the webhook or Alertmanager of an alert test. Stopped
/// when dropped.
pub struct HttpReceiver {
    endpoint: Endpoint,
    requests: Arc<Mutex<Vec<Request>>>,
    status: Arc<AtomicU16>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpReceiver {
    /// Starts one on a free port of `listen` (a lab namespace's address,
    /// for a daemon in that lab; or [`Listen::loopback`]).
    pub fn start(listen: &Listen) -> HttpReceiver {
        let listener = listen.bind();
        let endpoint = Endpoint {
            ns: listen.ns.clone(),
            addr: listener.local_addr().expect("local address"),
        };
        listener.set_nonblocking(true).expect("non-blocking accept");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, status, stop) = (requests.clone(), status.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if let Ok(request) = serve(stream, status.load(Ordering::Relaxed)) {
                                requests.lock().expect("requests").push(request);
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        HttpReceiver {
            endpoint,
            requests,
            status,
            stop,
            thread: Some(thread),
        }
    }

    /// Where it listens.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `http://ADDR{path}`: the URL to give the program under test.
    pub fn url(&self, path: &str) -> String {
        self.endpoint.url(path)
    }

    /// Answers the requests to come with `status` (500: a receiver that
    /// fails).
    pub fn respond_with(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
    }

    /// Every request so far, in the order they came.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests").clone()
    }

    /// Waits (`within` at most) until `count` requests have come; all of
    /// them. Panics, listing those that came, when they do not.
    pub fn wait_for(&self, count: usize, within: Duration) -> Vec<Request> {
        let deadline = Instant::now() + within;
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            assert!(
                Instant::now() < deadline,
                "{count} requests expected at {} within {within:?}, {} came: {requests:#?}",
                self.url("/"),
                requests.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Reads one request from `stream` and answers it with `status`.
fn serve(stream: TcpStream, status: u16) -> std::io::Result<Request> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    let mut reader = BufReader::new(stream);
    let (line, headers) = read_head(&mut reader)?;
    let mut words = line.split(' ');
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or_default().to_owned();
    let body = read_body(&mut reader, &headers, false)?;
    let mut stream = reader.into_inner();
    write!(
        stream,
        "HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

impl Drop for HttpReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
