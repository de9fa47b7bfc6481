//! Relations between CIs and what a failure of one impacts.

use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb::{self as domain, Edge, ImpactGraph, Impacted, RelationInput, audit};
use yunwei_domain::id::{CiId, RelationId};
use yunwei_domain::identity::Permission;
use yunwei_store::cmdb::{self as store, CiRow, RelationRow};

use super::cis::ci_access;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// A relation seen from one of its CIs, with the other end.
#[derive(Debug, Clone)]
pub struct RelationView {
    pub row: RelationRow,
    /// The CI at the other end.
    pub other: CiRow,
    /// Whether the CI asked about is the relation's source.
    pub outgoing: bool,
}

/// Relates a CI to another of the same project.
pub async fn add_relation(app: &App, actor: &Actor, id: CiId, input: &RelationInput) -> Result<RelationView, AppError> {
    let id = id.get();
    let (source, _) = ci_access(app, actor, id, Permission::CmdbWrite).await?;
    let v = input.validate(id)?;
    let target = match store::get(&app.db, v.target).await? {
        Some(t) if t.project_id == source.project_id => t,
        _ => return Err(ValidationErrors::single("target", format!("本项目没有配置项 {}", v.target)).into()),
    };
    let now = app.now();
    let row = RelationRow {
        id: 0,
        project_id: source.project_id,
        source_id: id,
        target_id: target.id,
        kind: v.kind.code().to_owned(),
        source_port: v.local_port.clone().unwrap_or_default(),
        target_port: v.remote_port.clone().unwrap_or_default(),
        created_at: now,
        created_by: actor.username.clone(),
    };
    let mut tx = app.db.begin().await?;
    let rid = match store::insert_relation(&mut tx, &row).await {
        Ok(rid) => rid,
        Err(yunwei_store::StoreError::Unique(_)) => {
            return Err(AppError::Conflict {
                field: "target".into(), reason: "这两个配置项之间已有这种关系".into()
            });
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(source.project_id),
            code: audit::RELATION_CREATE,
            entity_id: rid.to_string(),
            summary: json!({ "after": { "source": id, "kind": row.kind, "target": target.id,
                                        "source_port": row.source_port, "target_port": row.target_port } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RelationView { row: RelationRow { id: rid, ..row }, other: target, outgoing: true })
}

/// Removes a relation of a CI.
pub async fn delete_relation(app: &App, actor: &Actor, id: CiId, relation: RelationId) -> Result<(), AppError> {
    let id = id.get();
    let relation = relation.get();
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbWrite).await?;
    let mut tx = app.db.begin().await?;
    let Some(r) = store::relation_tx(&mut tx, relation).await?.filter(|r| r.source_id == id || r.target_id == id)
    else {
        return Err(AppError::NotFound(format!("配置项 {id} 没有关系 {relation}")));
    };
    store::delete_relation(&mut tx, relation).await?;
    record(
        &mut tx,
        Some(actor),
        app.now(),
        Record {
            project_id: Some(ci.project_id),
            code: audit::RELATION_DELETE,
            entity_id: relation.to_string(),
            summary: json!({ "before": { "source": r.source_id, "kind": r.kind, "target": r.target_id } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The relations of a CI, from either end.
pub async fn relations(app: &App, actor: &Actor, id: CiId) -> Result<Vec<RelationView>, AppError> {
    let id = id.get();
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let rels = store::relations_of(&app.db, id).await?;
    let others: Vec<i64> = rels.iter().map(|r| if r.source_id == id { r.target_id } else { r.source_id }).collect();
    let cis = store::by_ids(&app.db, ci.project_id, &others).await?;
    Ok(rels
        .into_iter()
        .filter_map(|row| {
            let outgoing = row.source_id == id;
            let other_id = if outgoing { row.target_id } else { row.source_id };
            let other = cis.iter().find(|c| c.id == other_id)?.clone();
            Some(RelationView { row, other, outgoing })
        })
        .collect())
}

pub(super) fn edges(rels: &[RelationRow]) -> Vec<Edge> {
    rels.iter()
        .filter_map(|r| {
            let kind = domain::RelationKind::parse(&r.kind)?;
            Some(Edge { source: r.source_id, target: r.target_id, kind })
        })
        .collect()
}

/// Everything a failure of the CI impacts, directly or transitively, nearest first.
pub async fn impact(app: &App, actor: &Actor, id: CiId) -> Result<Vec<(Impacted, CiRow)>, AppError> {
    let id = id.get();
    let (ci, _) = ci_access(app, actor, id, Permission::CmdbRead).await?;
    let rels = store::relations(&app.db, ci.project_id).await?;
    let hit = ImpactGraph::new(&edges(&rels)).impact(id);
    let rows = store::by_ids(&app.db, ci.project_id, &hit.iter().map(|i| i.id).collect::<Vec<_>>()).await?;
    let by_id: std::collections::HashMap<i64, CiRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(hit.into_iter().filter_map(|i| by_id.get(&i.id).cloned().map(|r| (i, r))).collect())
}
