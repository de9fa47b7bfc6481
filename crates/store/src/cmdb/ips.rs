//! The addresses and subnets of CIs (`ci_ips`): the register behind "one in-service CI per
//! address".

use sea_query::{Expr, ExprTrait, Order, Query};

use crate::{Db, StoreError, Tx};

/// One address or subnet of a CI.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IpRow {
    pub ci_id: i64,
    pub address: String,
    pub is_subnet: bool,
    pub live: bool,
}

/// Replaces the addresses of a CI. `live` is false for a retired CI, whose addresses may be
/// reused.
pub async fn set_ips(
    tx: &mut Tx,
    project_id: i64,
    ci_id: i64,
    ips: &[(String, bool)],
    live: bool,
) -> Result<(), StoreError> {
    tx.execute(&Query::delete().from_table("ci_ips").and_where(Expr::col("ci_id").eq(ci_id)).to_owned()).await?;
    if ips.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("ci_ips").columns(["project_id", "ci_id", "address", "is_subnet", "live"]);
    for (address, is_subnet) in ips {
        q.values_panic([project_id.into(), ci_id.into(), address.as_str().into(), (*is_subnet).into(), live.into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

/// The addresses of the given CIs, in id order.
pub async fn ips_of(db: &Db, ci_ids: &[i64]) -> Result<Vec<IpRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in ci_ids.chunks(500) {
        let q = Query::select()
            .columns(["ci_id", "address", "is_subnet", "live"])
            .from("ci_ips")
            .and_where(Expr::col("ci_id").is_in(chunk.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        out.extend(db.fetch_all::<IpRow, _>(&q).await?);
    }
    Ok(out)
}

/// The addresses of one CI inside a transaction.
pub async fn ips_of_tx(tx: &mut Tx, ci_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("ci_id").eq(ci_id))
        .order_by("id", Order::Asc)
        .to_owned();
    tx.fetch_all(&q).await
}

/// Live CIs of a project other than `except` that hold one of `addresses`: (address, id, name).
pub async fn ip_holders(
    tx: &mut Tx,
    project_id: i64,
    addresses: &[String],
    except: Option<i64>,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::select()
        .column(("i", "address"))
        .column(("c", "id"))
        .column(("c", "name"))
        .from_as("ci_ips", "i")
        .join_as(sea_query::JoinType::InnerJoin, "cis", "c", Expr::col(("c", "id")).equals(("i", "ci_id")))
        .and_where(Expr::col(("i", "project_id")).eq(project_id))
        .and_where(Expr::col(("i", "address")).is_in(addresses.iter().map(String::as_str)))
        .and_where(Expr::col(("i", "live")).eq(true))
        .and_where(Expr::col(("i", "is_subnet")).eq(false))
        .order_by(("i", "address"), Order::Asc)
        .to_owned();
    if let Some(e) = except {
        q.and_where(Expr::col(("c", "id")).ne(e));
    }
    tx.fetch_all(&q).await
}

/// CIs of a project holding an address or subnet: the rows of `ci_ips` equal to `address`.
pub async fn by_address(db: &Db, project_id: i64, address: &str) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("address").eq(address))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every subnet registered in a project (to find those containing an address).
pub async fn subnets(db: &Db, project_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("is_subnet").eq(true))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every live address of a project held by more than one live CI (the conflict report; the
/// unique index prevents new ones, this finds what an import with checks off let through).
pub async fn address_conflicts(db: &Db, project_id: i64) -> Result<Vec<IpRow>, StoreError> {
    let dup = Query::select()
        .column("address")
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("live").eq(true))
        .and_where(Expr::col("is_subnet").eq(false))
        .group_by_col("address")
        .and_having(Expr::col("id").count().gt(1))
        .to_owned();
    let q = Query::select()
        .columns(["ci_id", "address", "is_subnet", "live"])
        .from("ci_ips")
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("live").eq(true))
        .and_where(Expr::col("address").in_subquery(dup))
        .order_by("address", Order::Asc)
        .order_by("ci_id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
