//! The topology drawing (issue 5 item 6): which CIs and relations go into a project's drawing
//! or the drawing around one CI, laid out by [`yunwei_domain::cmdb::topology`].

use std::collections::{HashMap, HashSet, VecDeque};

use yunwei_domain::cmdb::topology::{Layout, TopoNode, layout};
use yunwei_domain::cmdb::{self as domain, CiClass, CiStatus};
use yunwei_domain::id::CiId;
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, CiRow, RelationRow};

use super::cis::ci_access;
use super::relations::edges;
use crate::access::authorize;
use crate::actor::Actor;
use crate::{App, AppError};

/// Which CIs a project's drawing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TopologyScope {
    /// Network and security devices: the network structure (网络结构).
    Network,
    /// Those plus hosts and storage: what is cabled and racked.
    #[default]
    Physical,
    /// Every CI, with systems, databases, middleware and applications.
    All,
}

impl TopologyScope {
    /// Every scope, in the order the page offers them.
    pub const ALL: [TopologyScope; 3] = [TopologyScope::Network, TopologyScope::Physical, TopologyScope::All];

    /// Code in the query string.
    pub fn code(self) -> &'static str {
        match self {
            TopologyScope::Network => "network",
            TopologyScope::Physical => "physical",
            TopologyScope::All => "all",
        }
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            TopologyScope::Network => "网络结构",
            TopologyScope::Physical => "网络与主机、存储",
            TopologyScope::All => "全部配置项",
        }
    }

    /// Parses a code; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }

    fn includes(self, class: CiClass) -> bool {
        match self {
            TopologyScope::Network => matches!(class, CiClass::Network | CiClass::Security),
            TopologyScope::Physical => {
                matches!(class, CiClass::Network | CiClass::Security | CiClass::Host | CiClass::Storage)
            }
            TopologyScope::All => true,
        }
    }
}

/// Deepest neighbourhood drawn around one CI.
pub const MAX_DEPTH: u32 = 4;
/// Neighbourhood drawn around one CI when none is asked for.
pub const DEFAULT_DEPTH: u32 = 2;

/// A laid-out drawing with what the page writes in it.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Project code (for links to the CI pages).
    pub project_code: String,
    /// The layout.
    pub layout: Layout,
    /// The CIs drawn, by id.
    pub cis: HashMap<i64, CiRow>,
    /// The first address of each CI that has one.
    pub first_ip: HashMap<i64, String>,
    /// The relations drawn, by (source, target), for the ports and tooltips.
    pub relations: HashMap<(i64, i64), RelationRow>,
    /// The CI the drawing is centred on.
    pub focus: Option<i64>,
}

fn class_of(r: &CiRow) -> CiClass {
    domain::ci_type(&r.kind).map_or(CiClass::Other, |t| t.class)
}

/// Display order of CIs: by type in catalog order (core switches first), then by name.
fn sort_key(r: &CiRow) -> (usize, String, i64) {
    let pos = domain::CI_TYPES.iter().position(|t| t.code == r.kind).unwrap_or(usize::MAX);
    (pos, r.name.clone(), r.id)
}

async fn draw(
    app: &App,
    code: String,
    mut cis: Vec<CiRow>,
    rels: Vec<RelationRow>,
    focus: Option<i64>,
) -> Result<Topology, AppError> {
    cis.sort_by_cached_key(sort_key);
    let nodes: Vec<TopoNode> = cis
        .iter()
        .map(|c| TopoNode {
            id: c.id,
            boxed: Some(c.id) == focus || matches!(class_of(c), CiClass::Network | CiClass::Security),
        })
        .collect();
    let ids: HashSet<i64> = cis.iter().map(|c| c.id).collect();
    let rels: Vec<RelationRow> =
        rels.into_iter().filter(|r| ids.contains(&r.source_id) && ids.contains(&r.target_id)).collect();
    let layout = layout(&nodes, &edges(&rels));
    let id_list: Vec<i64> = cis.iter().map(|c| c.id).collect();
    let mut first_ip = HashMap::new();
    for ip in store::ips_of(&app.db, &id_list).await? {
        first_ip.entry(ip.ci_id).or_insert(ip.address);
    }
    Ok(Topology {
        project_code: code,
        layout,
        cis: cis.into_iter().map(|c| (c.id, c)).collect(),
        first_ip,
        relations: rels.into_iter().map(|r| ((r.source_id, r.target_id), r)).collect(),
        focus,
    })
}

/// The drawing of a project's CIs in `scope`; retired CIs only when asked for.
pub async fn project_topology(
    app: &App,
    actor: &Actor,
    code: &str,
    scope: TopologyScope,
    retired: bool,
) -> Result<Topology, AppError> {
    let access = authorize(app, actor, code, Permission::CmdbRead).await?;
    let cis: Vec<CiRow> = store::all(&app.db, access.project.id)
        .await?
        .into_iter()
        .filter(|c| scope.includes(class_of(c)) && (retired || c.status != CiStatus::Retired.code()))
        .collect();
    let rels = store::relations(&app.db, access.project.id).await?;
    draw(app, access.project.code, cis, rels, None).await
}

/// The drawing of the CIs within `depth` relations (1 to [`MAX_DEPTH`]) of CI `id`, whatever
/// their kind, class or status.
pub async fn ci_topology(app: &App, actor: &Actor, id: CiId, depth: u32) -> Result<Topology, AppError> {
    let id = id.get();
    let (ci, access) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let depth = depth.clamp(1, MAX_DEPTH);
    let rels = store::relations(&app.db, ci.project_id).await?;
    let mut near: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in &rels {
        near.entry(r.source_id).or_default().push(r.target_id);
        near.entry(r.target_id).or_default().push(r.source_id);
    }
    let mut reached: HashSet<i64> = HashSet::from([id]);
    let mut queue = VecDeque::from([(id, 0u32)]);
    while let Some((at, d)) = queue.pop_front() {
        if d == depth {
            continue;
        }
        for &next in near.get(&at).map(Vec::as_slice).unwrap_or_default() {
            if reached.insert(next) {
                queue.push_back((next, d + 1));
            }
        }
    }
    let ids: Vec<i64> = reached.into_iter().collect();
    let cis = store::by_ids(&app.db, ci.project_id, &ids).await?;
    draw(app, access.project.code, cis, rels, Some(id)).await
}
