//! The IP register's address rules (issue 5 item 3): one address or subnet of a CI in a single
//! normalised textual form, so that equal addresses compare equal whatever was typed; and the
//! host of a monitoring alert's `instance` label, so that an alert finds its CI.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One entry of a CI's IP list: a single address or a subnet.
///
/// The textual form is normalised: IPv6 in the RFC 5952 compressed lower-case form, IPv4-mapped
/// IPv6 addresses as plain IPv4, and a `/32` (`/128`) prefix dropped. A subnet with host bits set
/// (`10.1.2.3/16`) is refused rather than silently widened: it is either a typo for the subnet
/// `10.1.0.0/16` or an interface address with its mask, and the register keeps those apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CiIp {
    /// A single address.
    Addr(IpAddr),
    /// A subnet: network address (host bits zero) and prefix length.
    Net {
        /// Network address.
        addr: IpAddr,
        /// Prefix length, below 32 (IPv4) or 128 (IPv6).
        prefix: u8,
    },
}

const HINT: &str = "如 10.1.2.3、10.1.0.0/16、fe80::1";

impl CiIp {
    /// Parses an address or a CIDR subnet (surrounding spaces ignored); the error is the Chinese
    /// reason.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("IP 地址不能为空".to_string());
        }
        let Some((a, p)) = s.split_once('/') else {
            return IpAddr::from_str(s)
                .map(|a| CiIp::Addr(a.to_canonical()))
                .map_err(|_| format!("“{s}”不是有效的 IP 地址或子网（{HINT}）"));
        };
        let addr = IpAddr::from_str(a).map_err(|_| format!("“{s}”不是有效的子网：“{a}”不是 IP 地址（{HINT}）"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p.parse::<u8>() {
            Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(format!("“{s}”的前缀长度须为 0–{max} 的整数")),
        };
        if prefix == max {
            return Ok(CiIp::Addr(addr.to_canonical()));
        }
        let net = mask(addr, prefix);
        if net != addr {
            return Err(format!("“{s}”的主机位不为零：子网请写 {net}/{prefix}，单个地址请写 {addr}"));
        }
        Ok(CiIp::Net { addr, prefix })
    }

    /// The address, or the subnet's network address.
    pub fn addr(&self) -> IpAddr {
        match *self {
            CiIp::Addr(a) | CiIp::Net { addr: a, .. } => a,
        }
    }

    /// Whether `ip` is this address or lies in this subnet (for lookup by IP).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match *self {
            CiIp::Addr(a) => a == ip.to_canonical(),
            CiIp::Net { addr, prefix } => {
                let ip = if addr.is_ipv4() { ip.to_canonical() } else { ip };
                addr.is_ipv4() == ip.is_ipv4() && mask(ip, prefix) == addr
            }
        }
    }
}

/// `addr` with everything after the first `prefix` bits cleared.
fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

impl fmt::Display for CiIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CiIp::Addr(a) => write!(f, "{a}"),
            CiIp::Net { addr, prefix } => write!(f, "{addr}/{prefix}"),
        }
    }
}

impl FromStr for CiIp {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CiIp::parse(s)
    }
}

impl Serialize for CiIp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CiIp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CiIp::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The host named by a monitoring `instance` label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InstanceHost {
    /// An address (IPv4-mapped IPv6 given as IPv4).
    Ip(IpAddr),
    /// A host name, lower-cased, without a trailing dot.
    Hostname(String),
}

/// The host of a monitoring `instance` label: `10.1.2.3:9100`, `[fe80::1]:9100`,
/// `db01.hospital.local:9100`, a bare address or name, or a blackbox-exporter URL
/// (`https://his.hospital.local/health`). `None` when nothing usable is there.
pub fn parse_instance(instance: &str) -> Option<InstanceHost> {
    let mut s = instance.trim();
    if let Some((_, rest)) = s.split_once("://") {
        s = rest;
    }
    s = s.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((_, rest)) = s.rsplit_once('@') {
        s = rest;
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        // A zone (`fe80::1%eth0`) says which interface of the scraper, not which host.
        let inside = inside.split('%').next().unwrap_or_default();
        return Ipv6Addr::from_str(inside).ok().map(|a| InstanceHost::Ip(IpAddr::V6(a).to_canonical()));
    }
    if let Ok(a) = IpAddr::from_str(s.split('%').next().unwrap_or_default()) {
        return Some(InstanceHost::Ip(a.to_canonical()));
    }
    let host = match s.split_once(':') {
        Some((h, port)) if is_port(port) => h,
        Some(_) => return None,
        None => s,
    };
    if let Ok(a) = Ipv4Addr::from_str(host) {
        return Some(InstanceHost::Ip(IpAddr::V4(a)));
    }
    hostname(host).map(InstanceHost::Hostname)
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u16>().is_ok()
}

/// `s` as a DNS name, lower-cased and without a trailing dot, if it is one. Underscores are
/// allowed because Windows host names carry them.
fn hostname(s: &str) -> Option<String> {
    let s = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let last = s.rsplit('.').next().unwrap_or_default();
    // A numeric last label is a mistyped address (`10.1.2`), never a name.
    let ok = !s.is_empty() && s.len() <= 253 && s.split('.').all(label_ok) && !last.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(s)
}
