//! A small static HTTP server on 127.0.0.1 for the demo (and tests), with
//! ETag validation so reruns see `304 Not Modified`.

use std::sync::Arc;
use std::thread::JoinHandle;

/// One file the server answers with.
#[derive(Clone)]
pub struct Served {
    pub path: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

pub struct SampleServer {
    server: Arc<tiny_http::Server>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl SampleServer {
    pub fn start(files: Vec<Served>) -> std::io::Result<SampleServer> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?;
        let port =
            server.server_addr().to_ip().map(|a| a.port()).ok_or_else(|| std::io::Error::other("no IP address"))?;
        let server = Arc::new(server);
        let serving = server.clone();
        let thread = std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                let _ = answer(request, &files);
            }
        });
        Ok(SampleServer { server, port, thread: Some(thread) })
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn answer(request: tiny_http::Request, files: &[Served]) -> std::io::Result<()> {
    let Some(file) = files.iter().find(|f| f.path == request.url()) else {
        return request.respond(tiny_http::Response::from_string("not found").with_status_code(404));
    };
    let etag = format!("\"{:x}\"", fxhash(&file.body));
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
    let matches = request.headers().iter().any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == etag);
    if matches {
        let mut response = tiny_http::Response::empty(304);
        if let Some(h) = header("ETag", &etag) {
            response.add_header(h);
        }
        return request.respond(response);
    }
    let mut response = tiny_http::Response::from_data(file.body.clone());
    for h in [header("Content-Type", &file.content_type), header("ETag", &etag)].into_iter().flatten() {
        response.add_header(h);
    }
    request.respond(response)
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

impl Drop for SampleServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
