//! CMDB: configuration items, their addresses, relations and revisions. Every query filters on
//! `project_id` or reaches a row by id and returns its project for the caller to authorise.

mod cis;
mod incidents;
mod ips;
mod relations;
mod revisions;

pub use cis::{
    CiFilter, CiRow, all, by_hostname, by_ids, by_tag_or_serial, count_by_type, get, get_tx, insert, list, update,
};
pub use incidents::{LinkedIncident, cis_of_incident, incidents_of, link_incident, resolve_refs};
pub use ips::{IpRow, address_conflicts, by_address, ip_holders, ips_of, ips_of_tx, set_ips, subnets};
pub use relations::{RelationRow, delete_relation, insert_relation, relation_tx, relations, relations_of};
pub use revisions::{RevisionRow, insert_revision, revision_at, revisions, revisions_page, revisions_tx};
