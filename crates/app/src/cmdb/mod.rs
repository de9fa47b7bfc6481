//! CMDB use cases: keep the configuration records (seed 000 §2.1 信息资产统计, seed 003
//! 1.1.6.2.8 配置档案) — configuration items with their addresses, relations, revisions and the
//! impact of a failure. Spreadsheet import and export are in [`sheet`], the topology drawing in
//! [`topology`].

mod cis;
mod history;
mod ips;
mod record;
mod relations;
mod sheet;
mod topology;

pub use cis::{CiView, counts, create, get, incidents, list, update};
pub use history::{as_of, history, history_page};
pub use ips::{IpLookup, conflicts, lookup};
pub use relations::{RelationView, add_relation, delete_relation, impact, relations};
pub use sheet::{ExportFile, ImportOptions, ImportReport, export, import, sheet_cells, template};
pub use topology::{DEFAULT_DEPTH, MAX_DEPTH, Topology, TopologyScope, ci_topology, project_topology};
/// The stored records, typed (JSON columns decoded by the store).
pub use yunwei_store::cmdb::{CiFilter, CiRow, IpRow, LinkedIncident, RelationRow, RevisionRow};
