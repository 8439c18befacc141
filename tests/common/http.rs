//! A scriptable HTTP/1.1 server on 127.0.0.1 for tests: each path answers
//! with a closure, and every request is logged for assertions.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Req {
    pub path: String,
    pub headers: HashMap<String, String>,
}

pub enum Reply {
    /// Status, headers, body.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Accept and never answer.
    Hang,
    /// Send the head, then the body one byte per `interval`.
    Trickle(Vec<u8>, Duration),
    /// Send the head and part of the body, then drop the connection.
    Cut(Vec<u8>, usize),
}

pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full(200, vec![("Content-Type".into(), content_type.into())], body.into())
}

pub fn status(code: u16, headers: &[(&str, &str)]) -> Reply {
    Reply::Full(code, headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), Vec::new())
}

pub type Handler = Box<dyn Fn(&Req, usize) -> Reply + Send + Sync>;

pub struct TestServer {
    pub port: u16,
    log: Arc<Mutex<Vec<Req>>>,
}

impl TestServer {
    /// `routes`: path → handler(request, how many times this path was asked before).
    pub fn start(routes: Vec<(&str, Handler)>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<HashMap<String, Handler>> =
            Arc::new(routes.into_iter().map(|(p, h)| (p.to_string(), h)).collect());
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = routes.clone();
                let log = log2.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &routes, &log);
                });
            }
        });
        TestServer { port, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self, path: &str) -> Vec<Req> {
        self.log.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }
}

pub fn handler(f: impl Fn(&Req, usize) -> Reply + Send + Sync + 'static) -> Handler {
    Box::new(f)
}

fn handle(mut stream: TcpStream, routes: &HashMap<String, Handler>, log: &Mutex<Vec<Req>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let req = Req { path: path.clone(), headers };
    let seen = {
        let mut log = log.lock().unwrap();
        let seen = log.iter().filter(|r| r.path == path).count();
        log.push(req.clone());
        seen
    };
    let reply = match routes.get(&path) {
        Some(h) => h(&req, seen),
        None => status(404, &[]),
    };
    match reply {
        Reply::Full(code, headers, body) => {
            write!(stream, "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len())?;
            for (k, v) in headers {
                write!(stream, "{k}: {v}\r\n")?;
            }
            stream.write_all(b"\r\n")?;
            stream.write_all(&body)?;
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(3600)),
        Reply::Trickle(body, interval) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/rss+xml\r\n\r\n",
                body.len()
            )?;
            for b in body {
                stream.write_all(&[b])?;
                stream.flush()?;
                std::thread::sleep(interval);
            }
        }
        Reply::Cut(body, keep) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/rss+xml\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body[..keep.min(body.len())])?;
        }
    }
    stream.flush()
}

/// A TCP server on 127.0.0.1 that answers every connection with `reply`
/// bytes and closes it (for a TLS client: a handshake failure).
pub fn raw_server(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(reply);
        }
    });
    port
}

/// A server whose every response is an endless chunked body.
pub fn endless_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let chunk = format!("{:x}\r\n{}\r\n", 65536, "<".repeat(65536));
                while stream.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    port
}
