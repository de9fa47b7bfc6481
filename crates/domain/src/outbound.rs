//! Where the server may send a request of its own (webhooks, group robots): the defence against
//! server-side request forgery (OWASP ASVS 5.0 V1.3.6). A project administrator enters a
//! channel's URL, so without a check the server could be turned against the hospital's own
//! network — its loopback services, the cloud metadata address, the private ranges behind the
//! firewall. Addresses of those kinds are refused unless the installation's administrator
//! allowed their network ([`OutboundPolicy::allow`], the `notify_allow_networks` setting).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A network in CIDR notation (`10.20.0.0/16`, `fd00::/8`), or one address (`10.20.1.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` lies in this network (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("“{s}”不是 IP 地址或网段（如 10.20.0.0/16）"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("“{s}”的前缀长度须为 0–{max}"))?
            }
            None => max,
        };
        Ok(Self { addr: canonical(addr), prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it stands for.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Why an address is internal, or `None` for a public one: loopback, private (RFC 1918, IPv6
/// unique local), link-local (the cloud metadata address 169.254.169.254 included), shared
/// address space (RFC 6598), unspecified, broadcast, multicast, and the ranges reserved for
/// documentation, benchmarking and future use.
pub fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(a) => v4_kind(a),
        IpAddr::V6(a) => v6_kind(a),
    }
}

fn v4_kind(a: Ipv4Addr) -> Option<&'static str> {
    let [o1, o2, ..] = a.octets();
    if a.is_loopback() {
        Some("本机回环地址")
    } else if a.is_private() {
        Some("内网私有地址")
    } else if a.is_link_local() {
        Some("链路本地地址")
    } else if a.is_unspecified() || o1 == 0 {
        Some("未指定地址")
    } else if o1 == 100 && (64..128).contains(&o2) {
        Some("运营商共享地址")
    } else if a.is_broadcast() || a.is_multicast() || o1 >= 240 {
        Some("广播、组播或保留地址")
    } else if a.is_documentation() || (o1 == 198 && (18..20).contains(&o2)) || (o1 == 192 && o2 == 0) {
        Some("保留地址")
    } else {
        None
    }
}

fn v6_kind(a: Ipv6Addr) -> Option<&'static str> {
    let first = a.segments()[0];
    if a.is_loopback() {
        Some("本机回环地址")
    } else if a.is_unspecified() {
        Some("未指定地址")
    } else if first & 0xfe00 == 0xfc00 {
        Some("内网私有地址")
    } else if first & 0xffc0 == 0xfe80 {
        Some("链路本地地址")
    } else if a.is_multicast() {
        Some("广播、组播或保留地址")
    } else if first == 0x2001 && a.segments()[1] == 0x0db8 {
        Some("保留地址")
    } else if first == 0x0064 && a.segments()[1] == 0xff9b {
        // NAT64 embeds an IPv4 address: judge that one.
        let [.., c, d] = a.segments();
        v4_kind(Ipv4Addr::from((u32::from(c) << 16) | u32::from(d)))
    } else if first == 0x2002 {
        // 6to4 embeds an IPv4 address too.
        let [_, b, c, ..] = a.segments();
        v4_kind(Ipv4Addr::from((u32::from(b) << 16) | u32::from(c)))
    } else {
        None
    }
}

/// Which addresses outbound requests may reach: every public address, and internal ones only
/// in an allowed network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Internal networks the administrator allows (an intranet SMS gateway, say).
    pub allow: Vec<Network>,
}

impl OutboundPolicy {
    /// `Ok` when a request may go to `ip`; otherwise the reason, in Chinese, naming the address.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        match internal_kind(ip) {
            Some(kind) if !self.allow.iter().any(|n| n.contains(ip)) => Err(format!(
                "{} 是{kind}，不在允许的网络（notify_allow_networks）中：为防止服务器被用来访问内部网络，已拒绝",
                canonical(ip)
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn internal_addresses_of_every_kind_are_refused_and_public_ones_pass() {
        let p = OutboundPolicy::default();
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
        ] {
            assert!(p.check(ip(bad)).is_err(), "{bad} passed");
        }
        for good in ["8.8.8.8", "114.114.114.114", "172.32.0.1", "2400:3200::1"] {
            assert_eq!(p.check(ip(good)), Ok(()), "{good}");
        }
        let e = p.check(ip("::ffff:169.254.169.254")).expect_err("metadata");
        assert!(e.starts_with("169.254.169.254 是链路本地地址"), "{e}");
    }

    #[test]
    fn an_allowed_network_opens_only_itself() {
        let p = OutboundPolicy { allow: vec!["10.20.0.0/16".parse().expect("net"), "127.0.0.1".parse().expect("one")] };
        assert_eq!(p.check(ip("10.20.3.4")), Ok(()));
        assert_eq!(p.check(ip("::ffff:10.20.3.4")), Ok(()));
        assert_eq!(p.check(ip("127.0.0.1")), Ok(()));
        assert!(p.check(ip("10.21.0.1")).is_err());
        assert!(p.check(ip("127.0.0.2")).is_err());
        assert!(p.check(ip("::1")).is_err());
    }

    #[test]
    fn networks_parse_with_or_without_a_prefix_and_bad_ones_are_named() {
        assert_eq!("10.0.0.0/8".parse::<Network>().map(|n| n.to_string()), Ok("10.0.0.0/8".into()));
        assert_eq!("fd00::/8".parse::<Network>().map(|n| n.to_string()), Ok("fd00::/8".into()));
        assert!("0.0.0.0/0".parse::<Network>().expect("all").contains(ip("10.1.1.1")));
        assert!("10.0.0.0/33".parse::<Network>().expect_err("prefix").contains("0–32"));
        assert!("intranet".parse::<Network>().expect_err("name").contains("intranet"));
    }
}
