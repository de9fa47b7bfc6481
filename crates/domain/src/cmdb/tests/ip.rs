//! IP register entries and monitoring `instance` labels.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use serde_json::json;

use crate::cmdb::*;

fn norm(s: &str) -> String {
    CiIp::parse(s).map(|ip| ip.to_string()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn reason(s: &str) -> String {
    CiIp::parse(s).err().unwrap_or_else(|| panic!("{s} accepted"))
}

#[test]
fn addresses_are_kept_in_one_normalised_form() {
    assert_eq!(norm(" 10.1.2.3 "), "10.1.2.3");
    assert_eq!(norm("FE80:0:0:0::0001"), "fe80::1");
    assert_eq!(norm("::ffff:10.1.2.3"), "10.1.2.3", "IPv4-mapped IPv6 is the IPv4 address");
    assert_eq!(norm("10.1.2.3/32"), "10.1.2.3", "a /32 is one address");
    assert_eq!(norm("2001:db8::1/128"), "2001:db8::1");
    assert_eq!(CiIp::parse("10.1.2.3/32"), CiIp::parse("10.1.2.3"));
}

#[test]
fn subnets_are_kept_with_their_prefix() {
    assert_eq!(norm("10.1.0.0/16"), "10.1.0.0/16");
    assert_eq!(norm("0.0.0.0/0"), "0.0.0.0/0");
    assert_eq!(norm("2001:DB8::/32"), "2001:db8::/32");
    assert_eq!(
        CiIp::parse("192.168.10.0/24"),
        Ok(CiIp::Net { addr: IpAddr::V4(Ipv4Addr::new(192, 168, 10, 0)), prefix: 24 })
    );
}

#[test]
fn a_subnet_with_host_bits_is_refused_suggesting_both_readings() {
    assert_eq!(reason("10.1.2.3/16"), "“10.1.2.3/16”的主机位不为零：子网请写 10.1.0.0/16，单个地址请写 10.1.2.3");
    assert!(reason("2001:db8::1/64").contains("2001:db8::/64"));
}

#[test]
fn malformed_addresses_and_prefixes_are_refused() {
    for bad in [
        "",
        "10.1.2",
        "10.1.2.256",
        "010.1.2.3",
        "host01",
        "10.1.0.0/33",
        "10.1.0.0/",
        "10.1.0.0/+8",
        "::1/129",
        "10.1.0.0/16/2",
    ] {
        assert!(CiIp::parse(bad).is_err(), "{bad} accepted");
    }
    assert_eq!(reason("  "), "IP 地址不能为空");
    assert_eq!(reason("10.1.0.0/33"), "“10.1.0.0/33”的前缀长度须为 0–32 的整数");
}

#[test]
fn a_subnet_contains_its_addresses_and_an_address_only_itself() {
    let net = CiIp::parse("10.1.0.0/16").expect("subnet");
    assert!(net.contains("10.1.255.7".parse().expect("ip")));
    assert!(!net.contains("10.2.0.1".parse().expect("ip")));
    assert!(!net.contains("::1".parse().expect("ip")), "another family");
    let one = CiIp::parse("10.1.2.3").expect("address");
    assert!(one.contains("::ffff:10.1.2.3".parse().expect("ip")));
    assert!(!one.contains("10.1.2.4".parse().expect("ip")));
    assert_eq!(net.addr(), IpAddr::V4(Ipv4Addr::new(10, 1, 0, 0)));
}

#[test]
fn an_ip_entry_is_a_string_in_json() {
    let ip = CiIp::parse("10.1.0.0/16").expect("subnet");
    assert_eq!(serde_json::to_value(ip).ok(), Some(json!("10.1.0.0/16")));
    assert_eq!(serde_json::from_value::<CiIp>(json!("10.1.0.0/16")).ok(), Some(ip));
    assert!(serde_json::from_value::<CiIp>(json!("10.1.0.1/16")).is_err());
}

fn host(s: &str) -> Option<InstanceHost> {
    parse_instance(s)
}

fn ip(s: &str) -> Option<InstanceHost> {
    Some(InstanceHost::Ip(s.parse().expect("ip")))
}

fn name(s: &str) -> Option<InstanceHost> {
    Some(InstanceHost::Hostname(s.into()))
}

#[test]
fn a_monitoring_instance_label_names_an_address_or_a_host() {
    assert_eq!(host("10.1.2.3:9100"), ip("10.1.2.3"));
    assert_eq!(host("[fe80::1]:9100"), ip("fe80::1"));
    assert_eq!(host("db01.hospital.local:9100"), name("db01.hospital.local"));
    assert_eq!(host("10.1.2.3"), ip("10.1.2.3"));
    assert_eq!(host("fe80::1"), ip("fe80::1"), "a bare IPv6 address has no port");
    assert_eq!(host("[2001:db8::5]"), ip("2001:db8::5"));
    assert_eq!(host("[fe80::1%eth0]:9100"), ip("fe80::1"), "the scraper's zone is dropped");
    assert_eq!(host(" DB01.Hospital.Local.:9100 "), name("db01.hospital.local"));
    assert_eq!(host("his-app_02"), name("his-app_02"));
}

#[test]
fn a_blackbox_exporter_url_names_its_host() {
    assert_eq!(host("https://his.hospital.local/health?x=1"), name("his.hospital.local"));
    assert_eq!(host("http://10.1.2.3:8080/"), ip("10.1.2.3"));
    assert_eq!(host("http://[2001:db8::1]:443/path"), ip("2001:db8::1"));
    assert_eq!(host("tcp://monitor@10.9.9.9:22"), ip("10.9.9.9"));
}

#[test]
fn an_instance_with_nothing_usable_gives_nothing() {
    for bad in [
        "",
        "   ",
        ":9100",
        "10.1.2:9100",
        "host:port",
        "host:99999",
        "a:b:c",
        "[fe80::1",
        "[zz]:1",
        "bad host",
        "-x.local",
        "a..b",
    ] {
        assert_eq!(host(bad), None, "{bad:?}");
    }
}

proptest! {
    #[test]
    fn an_entry_reads_back_from_its_own_text(v4 in any::<u32>(), v6 in any::<u128>(), p4 in 0u8..=32, p6 in 0u8..=128) {
        for (addr, prefix) in [(IpAddr::V4(Ipv4Addr::from(v4)), p4), (IpAddr::V6(Ipv6Addr::from(v6)), p6)] {
            let plain = CiIp::parse(&addr.to_string()).expect("address");
            prop_assert_eq!(CiIp::parse(&plain.to_string()), Ok(plain));
            prop_assert!(plain.contains(addr));
            let net = match CiIp::parse(&format!("{addr}/{prefix}")) {
                Ok(net) => net,
                // Host bits set: the suggested subnet is accepted.
                Err(_) => {
                    let bits = if addr.is_ipv4() { 32 } else { 128 };
                    let keep = |x: u128| if prefix == 0 { 0 } else { x >> (bits - u32::from(prefix)) << (bits - u32::from(prefix)) };
                    let masked = match addr {
                        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(keep(u128::from(u32::from(a))) as u32)),
                        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(keep(u128::from(a)))),
                    };
                    CiIp::parse(&format!("{masked}/{prefix}")).expect("masked subnet")
                }
            };
            prop_assert_eq!(CiIp::parse(&net.to_string()), Ok(net));
            prop_assert!(net.contains(addr), "{} in {}", addr, net);
        }
    }

    #[test]
    fn an_instance_with_a_port_names_its_address(v4 in any::<u32>(), v6 in any::<u128>(), port in any::<u16>()) {
        let a4 = Ipv4Addr::from(v4);
        prop_assert_eq!(parse_instance(&format!("{a4}:{port}")), Some(InstanceHost::Ip(IpAddr::V4(a4))));
        let a6 = IpAddr::V6(Ipv6Addr::from(v6));
        prop_assert_eq!(parse_instance(&format!("[{a6}]:{port}")), Some(InstanceHost::Ip(a6.to_canonical())));
    }
}
