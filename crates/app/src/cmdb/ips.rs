//! The IP register: which CIs hold an address, a monitoring `instance` or a host name, and the
//! addresses held twice.

use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb::{self as domain, CiIp};
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, IpRow};

use super::cis::{CiView, with_ips};
use crate::access::authorize;
use crate::actor::Actor;
use crate::{App, AppError};

/// What a lookup by address or host name found.
#[derive(Debug, Clone)]
pub struct IpLookup {
    /// CIs holding the address itself (or named so), live ones first.
    pub holders: Vec<CiView>,
    /// Subnets registered in the project that contain the address, narrowest first, with the
    /// CI each is registered on.
    pub subnets: Vec<(String, CiView)>,
}

/// Finds the CIs behind an address, a monitoring `instance` (`10.1.2.3:9100`) or a host name.
pub async fn lookup(app: &App, actor: &Actor, code: &str, query: &str) -> Result<IpLookup, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    let pid = access.project.id;
    let Some(host) = domain::parse_instance(query) else {
        return Err(
            ValidationErrors::single("ip", "请填写 IP 地址、主机名或监控的 instance（如 10.1.2.3:9100）").into()
        );
    };
    match host {
        domain::InstanceHost::Hostname(h) => {
            let rows = store::by_hostname(&app.db, pid, &h).await?;
            Ok(IpLookup { holders: with_ips(app, rows).await?, subnets: Vec::new() })
        }
        domain::InstanceHost::Ip(addr) => {
            let text = CiIp::Addr(addr).to_string();
            let held = store::by_address(&app.db, pid, &text).await?;
            let mut ids: Vec<i64> = held.iter().map(|r| r.ci_id).collect();
            ids.dedup();
            let mut holders = with_ips(app, store::by_ids(&app.db, pid, &ids).await?).await?;
            holders.sort_by_key(|v| (!v.ips.iter().any(|i| i.address == text && i.live), v.row.id));
            let mut nets: Vec<(u8, String, i64)> = store::subnets(&app.db, pid)
                .await?
                .into_iter()
                .filter_map(|r| match CiIp::parse(&r.address) {
                    Ok(n @ CiIp::Net { prefix, .. }) if n.contains(addr) => Some((prefix, r.address, r.ci_id)),
                    _ => None,
                })
                .collect();
            nets.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
            let net_cis =
                with_ips(app, store::by_ids(&app.db, pid, &nets.iter().map(|n| n.2).collect::<Vec<_>>()).await?)
                    .await?;
            let subnets = nets
                .into_iter()
                .filter_map(|(_, net, ci)| net_cis.iter().find(|v| v.row.id == ci).map(|v| (net, v.clone())))
                .collect();
            Ok(IpLookup { holders, subnets })
        }
    }
}

/// Live addresses held by more than one live CI (what an import with checks off let through).
pub async fn conflicts(app: &App, actor: &Actor, code: &str) -> Result<Vec<IpRow>, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    Ok(store::address_conflicts(&app.db, access.project.id).await?)
}
