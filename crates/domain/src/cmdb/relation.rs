//! Relations between CIs and the impact query (issue 5 item 2): everything that depends,
//! directly or transitively, on a CI. Which way a failure travels along each kind of relation
//! is decided once, in [`RelationKind::impact_flow`]; the query only follows it.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

code_enum! {
    /// How two CIs are related, read as a sentence from source to target: `HIS runs_on vm01`.
    RelationKind, "关系类型" {
        /// The source runs on the target (application on VM, VM on host, database on OS): a
        /// failure of the target impacts the source.
        RunsOn = ("runs_on", "运行于"),
        /// A link from a port of the source to a port of the target, recorded from the
        /// downstream end towards its uplink (server → access switch → aggregation → core): a
        /// failure of the target cuts the source off; a failure of the source does not take down
        /// its uplink. (Treating links as symmetric would make every leaf impact the whole
        /// network through the core.)
        ConnectsTo = ("connects_to", "连接"),
        /// The source needs the target to work (PACS depends on the storage array): a failure of
        /// the target impacts the source.
        DependsOn = ("depends_on", "依赖"),
        /// The source holds backups or is the standby of the target (tape library, standby
        /// server): neither failure stops the other's service, so impact does not travel; the
        /// relation is kept for the configuration record (HA and backup settings).
        BacksUp = ("backs_up", "备份"),
        /// The source is a member of the target cluster: a failed member degrades the cluster,
        /// and so everything that runs on or depends on the cluster. A cluster failure is not
        /// carried back to its members, or every member would impact its siblings.
        MemberOf = ("member_of", "属于集群"),
    }
}

/// Which way a failure travels along an edge `source → target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImpactFlow {
    /// A failure of the target impacts the source.
    TargetToSource,
    /// A failure of the source impacts the target.
    SourceToTarget,
    /// Neither impacts the other.
    Neither,
}

impl RelationKind {
    /// Which way a failure travels along a relation of this kind: the one place the impact query
    /// takes its rules from (see each kind's doc for why).
    pub fn impact_flow(self) -> ImpactFlow {
        match self {
            RelationKind::RunsOn | RelationKind::ConnectsTo | RelationKind::DependsOn => ImpactFlow::TargetToSource,
            RelationKind::MemberOf => ImpactFlow::SourceToTarget,
            RelationKind::BacksUp => ImpactFlow::Neither,
        }
    }

    /// Whether a relation of this kind records ports (only links do).
    pub fn has_ports(self) -> bool {
        self == RelationKind::ConnectsTo
    }
}

/// Longest port name kept (`GigabitEthernet1/0/48` and the like fit easily).
const PORT_MAX: usize = 64;

/// A relation as entered: `POST /api/v1/cis/{id}/relations` with `{"kind","target"}`, and for a
/// link the ports at either end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RelationInput {
    /// Kind code (or Chinese name).
    pub kind: String,
    /// Id of the target CI.
    pub target: i64,
    /// Port on the source CI (`Gi1/0/1`), links only.
    pub local_port: Option<String>,
    /// Port on the target CI, links only.
    pub remote_port: Option<String>,
}

/// A checked relation from `source` to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidRelation {
    /// Id of the source CI.
    pub source: i64,
    /// Kind.
    pub kind: RelationKind,
    /// Id of the target CI.
    pub target: i64,
    /// Port on the source, trimmed; only for [`RelationKind::ConnectsTo`].
    pub local_port: Option<String>,
    /// Port on the target, trimmed; only for [`RelationKind::ConnectsTo`].
    pub remote_port: Option<String>,
}

impl RelationInput {
    /// Checks the relation as one from CI `source`: a known kind, not onto itself, ports only on
    /// links, trimmed, at most 64 characters.
    pub fn validate(&self, source: i64) -> Result<ValidRelation, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = RelationKind::parse_lenient(&self.kind).map_err(|e| errors.0.push(e.at("kind"))).ok();
        if self.target == source {
            errors.push("target", "不能与自身建立关系");
        }
        let mut port = |field: &str, value: &Option<String>| {
            let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            if kind.is_some_and(|k| !k.has_ports()) {
                errors.push(field, "只有“连接”关系可以填写端口");
            } else if v.chars().count() > PORT_MAX {
                errors.push(field, format!("不能超过 {PORT_MAX} 个字符"));
            } else if v.chars().any(char::is_control) {
                errors.push(field, "不能包含换行、制表符等控制字符");
            }
            Some(v.to_string())
        };
        let local_port = port("local_port", &self.local_port);
        let remote_port = port("remote_port", &self.remote_port);
        errors.into_result()?;
        let kind = kind.ok_or_else(|| ValidationErrors::single("kind", "关系类型不能为空"))?;
        Ok(ValidRelation { source, kind, target: self.target, local_port, remote_port })
    }
}

impl ValidRelation {
    /// The relation as an edge of the impact graph.
    pub fn edge(&self) -> Edge {
        Edge { source: self.source, target: self.target, kind: self.kind }
    }
}

/// One relation as the impact query sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// Id of the source CI.
    pub source: i64,
    /// Id of the target CI.
    pub target: i64,
    /// Kind of relation.
    pub kind: RelationKind,
}

/// A CI reached by the impact query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Impacted {
    /// Id of the impacted CI.
    pub id: i64,
    /// Number of relations between it and the failed CI (1 = directly).
    pub depth: u32,
    /// The CI it is impacted through: the failed CI itself at depth 1.
    pub via: i64,
    /// The relation between `via` and it.
    pub kind: RelationKind,
}

/// The relations turned into "a failure of this CI impacts those", built once and queried for
/// as many CIs as needed. CIs are numbered densely in id order and each one's neighbours are a
/// slice of one array, so a query touches no hash table.
#[derive(Debug, Clone, Default)]
pub struct ImpactGraph {
    /// The CI ids that occur in an impact-carrying relation, ascending; the position is the index.
    ids: Vec<i64>,
    /// Neighbours of index `i` are `next[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    /// (index impacted, relation), by ascending id within each CI's slice.
    next: Vec<(u32, RelationKind)>,
}

impl ImpactGraph {
    /// Builds the graph from all the relations of a project (or of everything).
    pub fn new(edges: &[Edge]) -> Self {
        let flows: Vec<(i64, i64, RelationKind)> = edges
            .iter()
            .filter_map(|e| match e.kind.impact_flow() {
                ImpactFlow::TargetToSource => Some((e.target, e.source, e.kind)),
                ImpactFlow::SourceToTarget => Some((e.source, e.target, e.kind)),
                ImpactFlow::Neither => None,
            })
            .collect();
        let mut ids: Vec<i64> = flows.iter().flat_map(|&(from, to, _)| [from, to]).collect();
        ids.sort_unstable();
        ids.dedup();
        let index = |id: i64| ids.binary_search(&id).map_or(0, |i| i as u32);
        let mut pairs: Vec<(u32, u32, RelationKind)> =
            flows.iter().map(|&(from, to, kind)| (index(from), index(to), kind)).collect();
        // Sorted by target index too, so the answer does not depend on the order the store
        // returned the edges in; parallel relations count once.
        pairs.sort_unstable();
        pairs.dedup_by_key(|&mut (from, to, _)| (from, to));
        let mut start = vec![0; ids.len() + 1];
        for &(from, _, _) in &pairs {
            start[from as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let next = pairs.into_iter().map(|(_, to, kind)| (to, kind)).collect();
        Self { ids, start, next }
    }

    /// Every CI a failure of `root` impacts, directly or transitively, breadth first: by depth,
    /// and within a depth in order of discovery, neighbours by ascending id. Each CI appears once,
    /// at its smallest depth; `root` never appears, even on a cycle.
    pub fn impact(&self, root: i64) -> Vec<Impacted> {
        let Ok(root_index) = self.ids.binary_search(&root) else {
            return Vec::new();
        };
        let mut seen = vec![false; self.ids.len()];
        seen[root_index] = true;
        let mut out: Vec<Impacted> = Vec::new();
        let mut queue: VecDeque<(usize, u32)> = VecDeque::from([(root_index, 0)]);
        while let Some((from, depth)) = queue.pop_front() {
            for &(to, kind) in &self.next[self.start[from]..self.start[from + 1]] {
                let to = to as usize;
                if !seen[to] {
                    seen[to] = true;
                    out.push(Impacted { id: self.ids[to], depth: depth + 1, via: self.ids[from], kind });
                    queue.push_back((to, depth + 1));
                }
            }
        }
        out
    }
}

/// Everything a failure of `root` impacts, given all relations; see [`ImpactGraph::impact`].
pub fn impact(root: i64, edges: &[Edge]) -> Vec<Impacted> {
    ImpactGraph::new(edges).impact(root)
}

/// The chain of CIs from the failed CI to `id` (both included) in an answer of [`impact`];
/// `None` when `id` is not in it.
pub fn impact_path(impacted: &[Impacted], id: i64) -> Option<Vec<i64>> {
    let via: HashMap<i64, i64> = impacted.iter().map(|i| (i.id, i.via)).collect();
    via.get(&id)?;
    let mut path = vec![id];
    let mut at = id;
    while let Some(&prev) = via.get(&at) {
        path.push(prev);
        at = prev;
        if path.len() > impacted.len() + 1 {
            // Not an answer of `impact` (whose predecessors always lead back to the root).
            return None;
        }
    }
    path.reverse();
    Some(path)
}
