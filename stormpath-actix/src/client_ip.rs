//! Who is asking, and over what: the client address (for throttling) and whether the request
//! came over HTTPS (for cookies' `Secure` and HSTS).
//!
//! Forwarding headers are believed only from the proxies named in
//! `stormpath.security.trustedProxies`: anyone can send `X-Forwarded-For: 1.2.3.4` or
//! `X-Forwarded-Proto: https`, and believing a stranger would let them pick their throttling
//! bucket or strip `Secure` from cookies.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;
use stormpath_client::throttle::Client;

use crate::{Error, Stormpath};

/// The trusted proxies, parsed once at startup.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`).
    pub(crate) fn parse(list: &[String]) -> Result<Self, Error> {
        list.iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| Error::Config {
                        key: "security.trustedProxies".into(),
                        message: format!("{entry:?} is neither an IP address nor a CIDR range"),
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The peer, when it is one of our trusted proxies.
fn via_trusted_proxy(req: &HttpRequest, sp: &Stormpath) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    sp.settings().trusted_proxies.trusts(peer).then_some(peer)
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the right-most
/// address of `X-Forwarded-For` that is not itself a trusted proxy (entries left of it could
/// have been written by the client).
pub(crate) fn address(req: &HttpRequest, sp: &Stormpath) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| canonical(a.ip()));
    if via_trusted_proxy(req, sp).is_none() {
        return peer;
    }
    let proxies = &sp.settings().trusted_proxies;
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.trusts(ip) => continue,
            Ok(ip) => return Some(canonical(ip)),
            // A hop we cannot read: stop at the last address we could trust.
            Err(_) => break,
        }
    }
    peer
}

/// The client's throttling bucket (IPv6 by /64).
pub(crate) fn client(req: &HttpRequest, sp: &Stormpath) -> Client {
    address(req, sp).map_or_else(Client::unknown, Client::from_ip)
}

/// Whether the request came over HTTPS: the connection's own scheme, or — from a trusted
/// proxy only — what `Forwarded` / `X-Forwarded-Proto` say.
pub(crate) fn is_https(req: &HttpRequest, sp: &Stormpath) -> bool {
    if via_trusted_proxy(req, sp).is_some() {
        req.connection_info().scheme() == "https"
    } else {
        req.app_config().secure()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_and_ranges_and_refuses_the_rest() {
        let p = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into(), "192.0.2.1".into()])
            .expect("valid");
        assert!(p.trusts("10.1.2.3".parse().expect("ip")));
        assert!(p.trusts("::1".parse().expect("ip")));
        assert!(p.trusts("::ffff:192.0.2.1".parse().expect("ip")));
        assert!(!p.trusts("192.0.2.2".parse().expect("ip")));
        assert!(TrustedProxies::parse(&["proxy.example".into()]).is_err());
    }
}
