//! The classifier over a table of addresses, literal spellings as the `url`
//! crate normalises them, and the guarded resolver's per-lookup check.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use reqwest::dns::Resolve;
use url::Url;

use super::*;

#[test]
fn the_classifier_knows_every_special_range() {
    let table: &[(&str, Option<&str>)] = &[
        // IPv4
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("93.184.215.14", None),
        ("100.63.255.255", None),
        ("100.128.0.0", None),
        ("172.15.255.255", None),
        ("172.32.0.0", None),
        ("192.169.0.1", None),
        ("198.17.255.255", None),
        ("198.20.0.0", None),
        ("223.255.255.255", None),
        ("0.0.0.0", Some(UNSPECIFIED)),
        ("0.1.2.3", Some(UNSPECIFIED)),
        ("10.0.0.1", Some(PRIVATE)),
        ("10.255.255.255", Some(PRIVATE)),
        ("100.64.0.1", Some("a shared (CGNAT) address")),
        ("100.127.255.254", Some("a shared (CGNAT) address")),
        ("127.0.0.1", Some(LOOPBACK)),
        ("127.255.255.254", Some(LOOPBACK)),
        ("169.254.169.254", Some(LINK_LOCAL)),
        ("172.16.0.1", Some(PRIVATE)),
        ("172.31.255.255", Some(PRIVATE)),
        ("192.0.0.170", Some(RESERVED)),
        ("192.0.2.1", Some(DOCUMENTATION)),
        ("198.51.100.7", Some(DOCUMENTATION)),
        ("203.0.113.9", Some(DOCUMENTATION)),
        ("192.88.99.1", Some(RESERVED)),
        ("192.168.1.1", Some(PRIVATE)),
        ("198.18.0.1", Some(BENCHMARKING)),
        ("198.19.255.255", Some(BENCHMARKING)),
        ("224.0.0.1", Some(MULTICAST)),
        ("239.255.255.250", Some(MULTICAST)),
        ("240.0.0.1", Some(RESERVED)),
        ("255.255.255.255", Some("a broadcast address")),
        // IPv6
        ("2606:4700:4700::1111", None),
        ("2a00:1450:4001:80b::200e", None),
        ("::", Some(UNSPECIFIED)),
        ("::1", Some(LOOPBACK)),
        ("::ffff:8.8.8.8", None),
        ("::ffff:127.0.0.1", Some(LOOPBACK)),
        ("::ffff:10.1.2.3", Some(PRIVATE)),
        ("::ffff:169.254.169.254", Some(LINK_LOCAL)),
        ("::127.0.0.1", Some(LOOPBACK)),
        ("::192.168.0.1", Some(PRIVATE)),
        ("64:ff9b::8.8.8.8", None),
        ("64:ff9b::127.0.0.1", Some(LOOPBACK)),
        ("64:ff9b::a9fe:a9fe", Some(LINK_LOCAL)),
        ("64:ff9b:1::1", Some(PRIVATE)),
        ("2002:0808:0808::1", None),
        ("2002:7f00:0001::1", Some(LOOPBACK)),
        ("2002:c0a8:0101::1", Some(PRIVATE)),
        ("2001:db8::1", Some(DOCUMENTATION)),
        ("3fff::1", Some(DOCUMENTATION)),
        ("2001:2::1", Some(BENCHMARKING)),
        ("2001::1", Some(RESERVED)),
        ("fc00::1", Some("a unique local (private) address")),
        ("fd12:3456::1", Some("a unique local (private) address")),
        ("fe80::1", Some(LINK_LOCAL)),
        ("febf::1", Some(LINK_LOCAL)),
        ("fec0::1", Some("a site-local address")),
        ("ff02::1", Some(MULTICAST)),
        ("100::1", Some(RESERVED)),
        ("5f00::1", Some(RESERVED)),
    ];
    for (addr, want) in table {
        let ip: IpAddr = addr.parse().unwrap();
        assert_eq!(non_public(ip).map(|n| n.kind), *want, "{addr}");
    }
    let mapped = non_public("::ffff:127.0.0.1".parse().unwrap()).unwrap();
    assert_eq!(mapped.embedded, Some("127.0.0.1".parse().unwrap()));
}

#[test]
fn every_spelling_of_a_literal_is_checked() {
    let classify = default_classifier();
    for (url, shown) in [
        ("http://127.0.0.1:8/secret", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
        ("http://017700000001/", "127.0.0.1 is a loopback address"),
        ("http://127.1/", "127.0.0.1 is a loopback address"),
        ("http://0/", "0.0.0.0 is an unspecified address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address (IPv4 127.0.0.1 in IPv6 form)"),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "169.254.169.254 in IPv6 form"),
        ("https://169.254.169.254/", "169.254.169.254 is a link-local address"),
    ] {
        let refusal = check_literal(&Url::parse(url).unwrap(), &classify).expect_err(url);
        let text = refusal.to_string();
        assert!(text.contains(shown), "{url}: {text}");
        assert!(text.ends_with("(set allow_private = true to fetch it)"), "{text}");
    }
    for url in ["http://8.8.8.8/", "https://[2606:4700:4700::1111]/", "https://news.example/a", "file:///etc/passwd"] {
        assert!(check_literal(&Url::parse(url).unwrap(), &classify).is_ok(), "{url}");
    }
}

#[test]
fn same_site_is_the_typed_server_or_its_https_upgrade() {
    let u = |s: &str| Url::parse(s).unwrap();
    assert!(same_site(&u("http://intranet/feed"), &u("http://intranet/feed/")));
    assert!(same_site(&u("http://intranet/feed"), &u("https://intranet/feed")));
    assert!(same_site(&u("http://127.0.0.1:8080/f"), &u("http://127.0.0.1:8080/g")));
    assert!(!same_site(&u("http://127.0.0.1:8080/f"), &u("http://127.0.0.1:2375/containers/json")));
    assert!(!same_site(&u("https://news.example/f"), &u("http://news.example/f")));
    assert!(!same_site(&u("https://news.example/f"), &u("https://localhost/f")));
    assert!(!same_site(&u("file:///tmp/page.html"), &u("file:///etc/passwd")));
}

/// Answers each lookup with the next list of addresses.
struct Sequence(Mutex<VecDeque<Vec<SocketAddr>>>);

impl Resolve for Sequence {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let next = self.0.lock().unwrap().pop_front().unwrap_or_default();
        Box::pin(async move { Ok(Box::new(next.into_iter()) as reqwest::dns::Addrs) })
    }
}

fn lookup(guard: &Guard, name: &str) -> Result<Vec<SocketAddr>, String> {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(guard.resolve(name.parse().unwrap())).map(|a| a.collect()).map_err(|e| e.to_string())
}

#[test]
fn every_lookup_is_checked_so_a_rebinding_name_is_refused() {
    let answers = [vec![([8, 8, 8, 8], 0).into()], vec![([127, 0, 0, 1], 0).into()]];
    let guard =
        Guard { inner: Arc::new(Sequence(Mutex::new(answers.into()))), classify: default_classifier(), exempt: vec![] };
    assert_eq!(lookup(&guard, "rebind.example").unwrap(), vec![SocketAddr::from(([8, 8, 8, 8], 0))]);
    let err = lookup(&guard, "rebind.example").unwrap_err();
    assert_eq!(err, "rebind.example resolves to 127.0.0.1, a loopback address (set allow_private = true to fetch it)");
}

#[test]
fn one_private_address_in_an_answer_refuses_the_host() {
    let answers = [vec![([8, 8, 8, 8], 0).into(), ([10, 0, 0, 1], 0).into()]];
    let guard =
        Guard { inner: Arc::new(Sequence(Mutex::new(answers.into()))), classify: default_classifier(), exempt: vec![] };
    assert!(lookup(&guard, "split.example").unwrap_err().contains("10.0.0.1, a private address"));
}

#[test]
fn the_proxy_name_resolves_unchecked() {
    let answers = [vec![([127, 0, 0, 1], 0).into()]];
    let guard = Guard {
        inner: Arc::new(Sequence(Mutex::new(answers.into()))),
        classify: default_classifier(),
        exempt: vec![proxy_host("http://Proxy.Internal:3128").unwrap()],
    };
    assert_eq!(lookup(&guard, "proxy.internal").unwrap().len(), 1);
    assert_eq!(proxy_host("proxy.corp:8080").as_deref(), Some("proxy.corp"));
}
