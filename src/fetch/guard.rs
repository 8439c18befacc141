//! Which addresses a URL taken from feed or page data may reach: public ones.
//!
//! A feed chooses its items' links, their images and every redirect, so
//! without this a hostile feed makes the mirror fetch an intranet page or a
//! cloud metadata document and publish it. The check runs inside the
//! resolver reqwest connects with, so the address checked is the address
//! connected to (a name that answers a public address to a first lookup and
//! a private one to the next cannot slip through), and on IP-literal hosts,
//! which never reach a resolver.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use url::{Host, Url};

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonPublic {
    /// "a loopback address", "a private address", …
    pub kind: &'static str,
    /// The IPv4 address an IPv6 form carries (IPv4-mapped, NAT64, 6to4).
    pub embedded: Option<Ipv4Addr>,
}

/// Decides whether the mirror may connect to `ip`, reached through `host`
/// (the name as the URL has it, or the literal): `None` when it may.
/// Injectable so that tests, which only ever connect to 127.0.0.1, can
/// call a test name "public".
pub type Classifier = Arc<dyn Fn(&str, IpAddr) -> Option<NonPublic> + Send + Sync>;

/// The real rule: every address is judged by itself, whatever the name.
pub fn default_classifier() -> Classifier {
    Arc::new(|_, ip| non_public(ip))
}

/// Why `ip` is not a public unicast address, or `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<NonPublic> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4).map(|kind| NonPublic { kind, embedded: None }),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

const LOOPBACK: &str = "a loopback address";
const PRIVATE: &str = "a private address";
const LINK_LOCAL: &str = "a link-local address";
const UNSPECIFIED: &str = "an unspecified address";
const MULTICAST: &str = "a multicast address";
const DOCUMENTATION: &str = "a documentation address";
const BENCHMARKING: &str = "a benchmarking address";
const RESERVED: &str = "a reserved address";

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = match (a, b, c) {
        (0, _, _) => UNSPECIFIED,
        (10, _, _) => PRIVATE,
        (100, 64..=127, _) => "a shared (CGNAT) address",
        (127, _, _) => LOOPBACK,
        (169, 254, _) => LINK_LOCAL,
        (172, 16..=31, _) => PRIVATE,
        // IETF protocol assignments (NAT64 discovery, DS-Lite, …).
        (192, 0, 0) => RESERVED,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => DOCUMENTATION,
        // The deprecated 6to4 relay anycast.
        (192, 88, 99) => RESERVED,
        (192, 168, _) => PRIVATE,
        (198, 18..=19, _) => BENCHMARKING,
        (224..=239, _, _) => MULTICAST,
        _ if ip.is_broadcast() => "a broadcast address",
        (240..=255, _, _) => RESERVED,
        _ => return None,
    };
    Some(kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<NonPublic> {
    let s = ip.segments();
    let own = |kind| Some(NonPublic { kind, embedded: None });
    let embedded = |v4: Ipv4Addr| v4_kind(v4).map(|kind| NonPublic { kind, embedded: Some(v4) });
    let low32 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => own(UNSPECIFIED),
        [0, 0, 0, 0, 0, 0, 0, 1] => own(LOOPBACK),
        // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible
        // (::a.b.c.d): the IPv4 address is what the socket reaches.
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => embedded(low32),
        // NAT64, well-known prefix: a public IPv4 site seen from an IPv6-only network.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => embedded(low32),
        // NAT64, local-use prefix (RFC 8215).
        [0x64, 0xff9b, 1, ..] => own(PRIVATE),
        // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
        [0x2002, hi, lo, ..] => embedded(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        [0x2001, 0x0db8, ..] => own(DOCUMENTATION),
        [0x3fff, b, ..] if b < 0x1000 => own(DOCUMENTATION),
        [0x2001, 0x0002, 0, ..] => own(BENCHMARKING),
        // 2001::/23, IETF protocol assignments: Teredo, ORCHID, AMT…
        [0x2001, b, ..] if b < 0x0200 => own(RESERVED),
        [a, ..] if a & 0xfe00 == 0xfc00 => own("a unique local (private) address"),
        [a, ..] if a & 0xffc0 == 0xfe80 => own(LINK_LOCAL),
        [a, ..] if a & 0xffc0 == 0xfec0 => own("a site-local address"),
        [a, ..] if a & 0xff00 == 0xff00 => own(MULTICAST),
        // Global unicast is 2000::/3; the rest is unassigned or special
        // (discard-only 100::/64, SRv6 5f00::/16).
        [a, ..] if a & 0xe000 != 0x2000 => own(RESERVED),
        _ => None,
    }
}

/// A fetch refused because an address is not public.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The host as the URL has it; for a literal, the address itself.
    pub host: String,
    pub ip: IpAddr,
    pub why: NonPublic,
    pub literal: bool,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Refusal { host, ip, why, literal } = self;
        if *literal {
            write!(f, "{ip} is {}", why.kind)?;
        } else {
            write!(f, "{host} resolves to {ip}, {}", why.kind)?;
        }
        if let Some(v4) = why.embedded {
            write!(f, " (IPv4 {v4} in IPv6 form)")?;
        }
        write!(f, " (set allow_private = true to fetch it)")
    }
}

impl std::error::Error for Refusal {}

/// Checks a URL whose host is an IP literal (`http://2130706433/`,
/// `http://[::ffff:127.0.0.1]/` once the `url` crate has normalised them):
/// a literal is connected to directly and never reaches a resolver.
pub fn check_literal(url: &Url, classify: &Classifier) -> Result<(), Refusal> {
    let ip: IpAddr = match url.host() {
        Some(Host::Ipv4(v4)) => v4.into(),
        Some(Host::Ipv6(v6)) => v6.into(),
        // The `url` crate turns every IPv4 spelling of a special scheme into
        // `Host::Ipv4`; a domain that still parses as an address is checked
        // as one rather than trusted to be a name.
        Some(Host::Domain(d)) => match d.parse() {
            Ok(ip) => ip,
            Err(_) => return Ok(()),
        },
        None => return Ok(()),
    };
    let host = url.host_str().unwrap_or_default();
    match classify(host, ip) {
        Some(why) => Err(Refusal { host: host.to_string(), ip, why, literal: true }),
        None => Ok(()),
    }
}

/// Whether `next` is on the same server as `typed`: the same host and port,
/// or the `https` upgrade of an `http` URL on default ports. A redirect
/// there is as trusted as the URL the operator typed.
pub fn same_site(typed: &Url, next: &Url) -> bool {
    let http = |u: &Url| matches!(u.scheme(), "http" | "https");
    if !http(typed) || !http(next) || typed.host_str().is_none() || typed.host_str() != next.host_str() {
        return false;
    }
    let (from, to) = (typed.port_or_known_default(), next.port_or_known_default());
    from == to || (typed.scheme() == "http" && from == Some(80) && next.scheme() == "https" && to == Some(443))
}

/// The system resolver (getaddrinfo on a blocking thread), as reqwest's own.
#[derive(Debug, Default)]
pub struct SystemDns;

impl reqwest::dns::Resolve for SystemDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_string();
        Box::pin(async move {
            let addrs = tokio::task::spawn_blocking(move || (name.as_str(), 0).to_socket_addrs())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)??;
            Ok(Box::new(addrs) as reqwest::dns::Addrs)
        })
    }
}

/// A shared resolver as reqwest takes one (a sized type).
pub struct Shared(pub Arc<dyn reqwest::dns::Resolve>);

impl reqwest::dns::Resolve for Shared {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        self.0.resolve(name)
    }
}

/// A resolver that answers only with public addresses: an answer holding
/// any other is refused whole (a host with one private address is an
/// intranet host). Names of the proxies are resolved unchecked: the
/// operator chose them, and the proxy resolves everything else.
pub struct Guard {
    pub inner: Arc<dyn reqwest::dns::Resolve>,
    pub classify: Classifier,
    pub exempt: Vec<String>,
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        if self.exempt.contains(&host) {
            return self.inner.resolve(name);
        }
        let answer = self.inner.resolve(name);
        let classify = self.classify.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = answer.await?.collect();
            for addr in &addrs {
                if let Some(why) = classify(&host, addr.ip()) {
                    let refusal = Refusal { host: host.clone(), ip: addr.ip(), why, literal: false };
                    return Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The hosts of the proxies reqwest takes from the environment
/// (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, any case).
pub fn env_proxy_hosts() -> Vec<String> {
    ["http_proxy", "https_proxy", "all_proxy"]
        .iter()
        .flat_map(|k| [k.to_string(), k.to_ascii_uppercase()])
        .filter_map(|k| std::env::var(k).ok())
        .filter_map(|v| proxy_host(&v))
        .collect()
}

/// The host of a proxy URL (`host:port` alone means `http://host:port`).
pub fn proxy_host(proxy: &str) -> Option<String> {
    let p = proxy.trim();
    let url = if p.contains("://") { Url::parse(p) } else { Url::parse(&format!("http://{p}")) };
    url.ok()?.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests;
