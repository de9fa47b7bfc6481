//! The CMDB: configuration items, their relations, imports and exports, addresses, topology.

use axum::http::Method;
use serde_json::json;

use super::harness::{Cx, Row, api, page};
use super::{CMDB_READ, CMDB_WRITE, Who};
use crate::support::Resp;

/// A GET of the row's route on a fresh CI.
async fn on_fresh_ci(cx: &Cx<'_>) -> Resp {
    let id = cx.fx.ci().await;
    cx.api(Method::GET, &cx.row.route.replace("{id}", &id.to_string()), None).await
}

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/cmdb/types", Who::AnyUser, 200),
        api(Method::GET, "/api/v1/cmdb/template.xlsx", Who::AnyUser, 200),
        api(Method::POST, "/api/v1/projects/{code}/cis/import", Who::Project(CMDB_WRITE), 200).call(async |cx| {
            let n = cx.n;
            let csv = format!("名称,类型,资产编号\r\n导入的交换机 {n},access_switch,ZC-M-{n}\r\n");
            cx.upload("/api/v1/projects/alpha/cis/import?name=cis.csv", "text/csv", csv.into_bytes()).await
        }),
        api(Method::GET, "/api/v1/projects/{code}/cis/export", Who::Project(CMDB_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/cis/export?format=csv", None).await),
        api(Method::GET, "/api/v1/projects/{code}/cis", Who::Project(CMDB_READ), 200).call(async |cx| {
            cx.api(Method::GET, "/api/v1/projects/alpha/cis?type=server&status=in_service", None).await
        }),
        api(Method::POST, "/api/v1/projects/{code}/cis", Who::Project(CMDB_WRITE), 201).call(async |cx| {
            let body = json!({"name": format!("核心交换机 {}", cx.n), "type": "core_switch"});
            cx.api(Method::POST, "/api/v1/projects/alpha/cis", Some(body)).await
        }),
        api(Method::GET, "/api/v1/cis/{id}", Who::Project(CMDB_READ), 200).call(on_fresh_ci),
        api(Method::PUT, "/api/v1/cis/{id}", Who::Project(CMDB_WRITE), 200).call(async |cx| {
            let id = cx.fx.ci().await;
            let body = json!({"name": format!("HIS 数据库服务器 改 {}", cx.n), "type": "server"});
            cx.api_with(Method::PUT, &format!("/api/v1/cis/{id}"), Some(body), &[("if-match", "\"1\"")]).await
        }),
        api(Method::GET, "/api/v1/cis/{id}/relations", Who::Project(CMDB_READ), 200).call(on_fresh_ci),
        api(Method::POST, "/api/v1/cis/{id}/relations", Who::Project(CMDB_WRITE), 201).call(async |cx| {
            let (a, b) = (cx.fx.ci().await, cx.fx.ci().await);
            let body = json!({"kind": "runs_on", "target": b});
            cx.api(Method::POST, &format!("/api/v1/cis/{a}/relations"), Some(body)).await
        }),
        api(Method::DELETE, "/api/v1/cis/{id}/relations/{relation}", Who::Project(CMDB_WRITE), 204).call(async |cx| {
            let (a, rel) = cx.fx.relation().await;
            cx.api(Method::DELETE, &format!("/api/v1/cis/{a}/relations/{rel}"), None).await
        }),
        api(Method::GET, "/api/v1/cis/{id}/impact", Who::Project(CMDB_READ), 200).call(on_fresh_ci),
        api(Method::GET, "/api/v1/cis/{id}/history", Who::Project(CMDB_READ), 200).call(on_fresh_ci),
        api(Method::GET, "/api/v1/projects/{code}/ips", Who::Project(CMDB_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/ips?ip=10.9.0.1:9100", None).await),
        api(Method::GET, "/api/v1/projects/{code}/topology", Who::Project(CMDB_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/topology?scope=all", None).await),
        api(Method::GET, "/api/v1/cis/{id}/topology", Who::Project(CMDB_READ), 200).call(on_fresh_ci),
        // pages
        page(Method::GET, "/p/{code}/cis", Who::Project(CMDB_READ), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/cis?type=server").await),
        page(Method::POST, "/p/{code}/cis", Who::Project(CMDB_WRITE), 303).call(async |cx| {
            let name = format!("界面登记的服务器 {}", cx.n);
            cx.form("/p/alpha/cis", &[("name", name.as_str()), ("type", "server"), ("ips", "")]).await
        }),
        page(Method::POST, "/p/{code}/cis/import", Who::Project(CMDB_WRITE), 200).call(async |cx| {
            let csv = format!("名称,类型\r\n界面导入的交换机 {},access_switch\r\n", cx.n);
            cx.multipart("/p/alpha/cis/import", ("cis.csv", "text/csv", csv.as_bytes())).await
        }),
        page(Method::GET, "/p/{code}/cis/{id}", Who::Project(CMDB_READ), 200).call(async |cx| {
            let id = cx.fx.ci().await;
            cx.page(Method::GET, &format!("/p/alpha/cis/{id}")).await
        }),
        page(Method::POST, "/p/{code}/cis/{id}/relations", Who::Project(CMDB_WRITE), 303).call(async |cx| {
            let (a, b) = (cx.fx.ci().await, cx.fx.ci().await);
            let target = b.to_string();
            cx.form(&format!("/p/alpha/cis/{a}/relations"), &[("kind", "runs_on"), ("target", target.as_str())]).await
        }),
        page(Method::GET, "/p/{code}/cis/{id}/edit", Who::Project(CMDB_WRITE), 200).call(async |cx| {
            let id = cx.fx.ci().await;
            cx.page(Method::GET, &format!("/p/alpha/cis/{id}/edit")).await
        }),
        page(Method::POST, "/p/{code}/cis/{id}", Who::Project(CMDB_WRITE), 303).call(async |cx| {
            let id = cx.fx.ci().await;
            let name = format!("界面改名的服务器 {}", cx.n);
            cx.form(&format!("/p/alpha/cis/{id}"), &[("version", "1"), ("c0", name.as_str()), ("c1", "服务器")]).await
        }),
        page(Method::POST, "/p/{code}/cis/{id}/relations/{relation}/delete", Who::Project(CMDB_WRITE), 303).call(
            async |cx| {
                let (a, rel) = cx.fx.relation().await;
                cx.form(&format!("/p/alpha/cis/{a}/relations/{rel}/delete"), &[]).await
            },
        ),
        page(Method::GET, "/p/{code}/topology", Who::Project(CMDB_READ), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/topology?scope=network").await),
        page(Method::GET, "/p/{code}/topology.svg", Who::Project(CMDB_READ), 200).call(async |cx| {
            let id = cx.fx.ci().await;
            cx.page(Method::GET, &format!("/p/alpha/topology.svg?ci={id}&depth=1")).await
        }),
    ]
}
