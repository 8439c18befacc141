//! Proxies, global and per source, and the per-host limit. Feeds live on
//! host names that do not resolve: only the proxy can reach them, so these
//! tests also prove that no DNS query is made for proxied requests.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http::{TestServer, handler, ok};
use common::*;

const RSS: &str = "application/rss+xml";

fn feed(title: &str, link: &str) -> String {
    rss(&[It { title, link, body: "<p>x</p>", ..Default::default() }])
}

/// A minimal SOCKS5 proxy (no auth, CONNECT by domain name) that sends every
/// connection to `target`, remembering the host names it was asked for.
fn socks5(target: u16) -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let asked2 = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let asked = asked2.clone();
            std::thread::spawn(move || {
                let _ = socks_session(client, target, &asked);
            });
        }
    });
    (port, asked)
}

fn socks_session(mut c: TcpStream, target: u16, asked: &std::sync::Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    c.read_exact(&mut head)?;
    let mut methods = vec![0u8; head[1] as usize];
    c.read_exact(&mut methods)?;
    c.write_all(&[5, 0])?;
    let mut req = [0u8; 4];
    c.read_exact(&mut req)?;
    assert_eq!(req[3], 3, "socks5h sends the domain name, never an address");
    let mut len = [0u8; 1];
    c.read_exact(&mut len)?;
    let mut host = vec![0u8; len[0] as usize + 2];
    c.read_exact(&mut host)?;
    asked.lock().unwrap().push(String::from_utf8_lossy(&host[..len[0] as usize]).into_owned());
    let upstream = TcpStream::connect(("127.0.0.1", target))?;
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut a, mut b) = (c.try_clone()?, upstream.try_clone()?);
    let t = std::thread::spawn(move || std::io::copy(&mut a, &mut b).map(|_| b.shutdown(std::net::Shutdown::Write)));
    let mut up = upstream;
    std::io::copy(&mut up, &mut c)?;
    let _ = t.join();
    Ok(())
}

#[test]
fn http_and_socks5_proxies_global_and_per_source() {
    // The HTTP proxy sees absolute-form request targets.
    let proxy = TestServer::start(vec![(
        "http://via-http.invalid/f.xml",
        handler(|_, _| ok(RSS, feed("Through the HTTP proxy", "https://e.example/1"))),
    )]);
    let origin =
        TestServer::start(vec![("/f.xml", handler(|_, _| ok(RSS, feed("Through SOCKS", "https://e.example/2"))))]);
    let (socks_port, asked) = socks5(origin.port);
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("newsmirror.toml"),
        format!(
            // Pages would go through the proxies too; this test counts feeds.
            "[defaults]\nproxy = \"http://127.0.0.1:{}\"\nfull_text = false\n\
             [[source]]\nname = \"H\"\nurl = \"http://via-http.invalid/f.xml\"\n\
             [[source]]\nname = \"S\"\nurl = \"http://via-socks.invalid/f.xml\"\nproxy = \"socks5h://127.0.0.1:{socks_port}\"\n",
            proxy.port
        ),
    )
    .unwrap();
    let out = run_site(site.path(), &site.path().join("newsmirror.toml"));
    assert!(out.status.success(), "{}", text(&out));
    let names = posts(site.path());
    assert!(
        names.iter().any(|n| n.contains("Through the HTTP proxy")) && names.iter().any(|n| n.contains("Through SOCKS")),
        "{names:?}"
    );
    assert_eq!(asked.lock().unwrap().as_slice(), ["via-socks.invalid"]);
}

#[test]
fn per_host_limit_bounds_concurrent_requests_to_one_host() {
    let now = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut routes = Vec::new();
    let paths: Vec<String> = (0..6).map(|i| format!("/f{i}.xml")).collect();
    for (i, p) in paths.iter().enumerate() {
        let (now, peak) = (now.clone(), peak.clone());
        routes.push((
            p.as_str(),
            handler(move |_, _| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(150));
                now.fetch_sub(1, Ordering::SeqCst);
                ok(RSS, feed(&format!("Item {i}"), &format!("https://e.example/{i}")))
            }),
        ));
    }
    let server = TestServer::start(routes);
    let site = tempfile::tempdir().unwrap();
    let mut cfg = String::from("[defaults]\nper_host = 2\n");
    for (i, p) in paths.iter().enumerate() {
        cfg.push_str(&format!("[[source]]\nname = \"S{i}\"\nurl = \"{}\"\n", server.url(p)));
    }
    std::fs::write(site.path().join("newsmirror.toml"), cfg).unwrap();
    let out = run_site(site.path(), &site.path().join("newsmirror.toml"));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 6);
    assert_eq!(peak.load(Ordering::SeqCst), 2, "at most two requests to one host at once, and both slots used");
}
