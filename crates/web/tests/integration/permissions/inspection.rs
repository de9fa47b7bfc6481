//! Inspections: templates, plans and their reports, inspections and their results, photos and
//! reports, and the daily operation log.

use axum::http::Method;
use chrono::{Days, NaiveDate};
use serde_json::json;

use super::harness::{Cx, Row, api, page};
use super::{INSPECTION_CONFIRM, INSPECTION_READ, INSPECTION_TEMPLATES, INSPECTION_WORK, PNG, Who};

/// A fresh plan of `alpha` added by its administrator; its id.
async fn plan(cx: &Cx<'_>) -> i64 {
    let body = json!({"name": format!("报告用计划 {}", cx.n), "template": "oracle"});
    let admin = Some(cx.fx.token_of("admin"));
    let r = cx.t.api(Method::POST, "/api/v1/projects/alpha/inspection-plans", admin, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_i64().expect("plan")
}

/// A day of the log no other call uses, counted back from `from`.
fn fresh_day(cx: &Cx<'_>, from: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(from, 6, 1).expect("day") - Days::new(cx.n)
}

/// A fresh day of the log filled in by `alpha`'s engineer, to be signed; its API path.
async fn filled_day(cx: &Cx<'_>, from: i32) -> (NaiveDate, String) {
    let day = fresh_day(cx, from);
    let path = format!("/api/v1/projects/alpha/daily-log/{day}");
    let body = json!({"server_state": "正常", "system_state": "正常"});
    let r = cx.t.api(Method::PUT, &path, Some(cx.fx.token_of("engineer")), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (day, path)
}

pub fn rows() -> Vec<Row> {
    let mut rows = api_rows();
    rows.extend(page_rows());
    rows
}

fn api_rows() -> Vec<Row> {
    vec![
        // templates
        api(Method::GET, "/api/v1/projects/{code}/inspection-templates", Who::Project(INSPECTION_READ), 200),
        api(Method::POST, "/api/v1/projects/{code}/inspection-templates", Who::Project(INSPECTION_TEMPLATES), 201)
            .call(async |cx| {
                let n = cx.n;
                let body =
                    json!({"copy_of": "oracle", "code": format!("oracle-{n}"), "name": format!("数据库巡检 {n}")});
                cx.api(Method::POST, "/api/v1/projects/alpha/inspection-templates", Some(body)).await
            }),
        api(Method::GET, "/api/v1/projects/{code}/inspection-templates/{template}", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/inspection-templates/oracle", None).await),
        api(
            Method::PUT,
            "/api/v1/projects/{code}/inspection-templates/{template}",
            Who::Project(INSPECTION_TEMPLATES),
            200,
        )
        .call(async |cx| {
            let code = cx.fx.own_template().await;
            let body =
                json!({"code": code, "name": "中间件巡检（改）", "items": [{"section": "中间件", "name": "JVM内存"}]});
            let path = format!("/api/v1/projects/alpha/inspection-templates/{code}");
            cx.api_with(Method::PUT, &path, Some(body), &[("if-match", "\"1\"")]).await
        }),
        // plans
        api(Method::GET, "/api/v1/projects/{code}/inspection-plans", Who::Project(INSPECTION_READ), 200),
        api(Method::POST, "/api/v1/projects/{code}/inspection-plans", Who::Project(INSPECTION_TEMPLATES), 201).call(
            async |cx| {
                let body = json!({"name": format!("季度巡检 {}", cx.n), "template": "oracle"});
                cx.api(Method::POST, "/api/v1/projects/alpha/inspection-plans", Some(body)).await
            },
        ),
        api(Method::GET, "/api/v1/inspection-plans/{id}/report", Who::Project(INSPECTION_READ), 200).call(async |cx| {
            let id = plan(cx).await;
            cx.api(Method::GET, &format!("/api/v1/inspection-plans/{id}/report"), None).await
        }),
        // inspections
        api(Method::GET, "/api/v1/projects/{code}/inspections", Who::Project(INSPECTION_READ), 200),
        api(Method::POST, "/api/v1/projects/{code}/inspections", Who::Project(INSPECTION_WORK), 201).call(async |cx| {
            let body = json!({"template": "core_switch", "planned_for": "2026-03-10"});
            cx.api(Method::POST, "/api/v1/projects/alpha/inspections", Some(body)).await
        }),
        api(Method::GET, "/api/v1/inspections/{id}", Who::Project(INSPECTION_READ), 200).call(async |cx| {
            let id = cx.fx.inspection(0, false).await;
            cx.api(Method::GET, &format!("/api/v1/inspections/{id}"), None).await
        }),
        api(Method::PUT, "/api/v1/inspections/{id}/results/{key}", Who::Project(INSPECTION_WORK), 200).call(
            async |cx| {
                let id = cx.fx.inspection(0, false).await;
                let path = format!("/api/v1/inspections/{id}/results/1.1");
                cx.api(Method::PUT, &path, Some(json!({"verdict": "ok"}))).await
            },
        ),
        api(Method::POST, "/api/v1/inspections/{id}/complete", Who::Project(INSPECTION_WORK), 200).call(async |cx| {
            let id = cx.fx.inspection(3, false).await;
            cx.api(Method::POST, &format!("/api/v1/inspections/{id}/complete"), None).await
        }),
        api(Method::POST, "/api/v1/inspections/{id}/confirm", Who::Project(INSPECTION_CONFIRM), 200).call(async |cx| {
            let id = cx.fx.inspection(3, true).await;
            cx.api(Method::POST, &format!("/api/v1/inspections/{id}/confirm"), Some(json!({"note": "同意"}))).await
        }),
        api(Method::POST, "/api/v1/inspections/{id}/results/{key}/incident", Who::Project(INSPECTION_WORK), 201).call(
            async |cx| {
                let id = cx.fx.inspection(1, false).await;
                let path = format!("/api/v1/inspections/{id}/results/1.1/incident");
                cx.api(Method::POST, &path, Some(json!({"severity": "P3"}))).await
            },
        ),
        api(Method::PUT, "/api/v1/inspections/{id}/report", Who::Project(INSPECTION_WORK), 200).call(async |cx| {
            let id = cx.fx.inspection(3, true).await;
            let body = json!({"findings": "无异常", "issue": true});
            cx.api(Method::PUT, &format!("/api/v1/inspections/{id}/report"), Some(body)).await
        }),
        // photos
        api(Method::POST, "/api/v1/inspections/{id}/results/{key}/photos", Who::Project(INSPECTION_WORK), 201).call(
            async |cx| {
                let id = cx.fx.inspection(0, false).await;
                let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=p.png");
                cx.upload(&path, "image/png", PNG.to_vec()).await
            },
        ),
        api(Method::GET, "/api/v1/inspections/{id}/photos", Who::Project(INSPECTION_READ), 200).call(async |cx| {
            let id = cx.fx.inspection(0, false).await;
            cx.api(Method::GET, &format!("/api/v1/inspections/{id}/photos"), None).await
        }),
        api(Method::GET, "/api/v1/inspections/{id}/photos/{photo}", Who::Project(INSPECTION_READ), 200).call(
            async |cx| {
                let id = cx.fx.inspection(0, false).await;
                let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=p.png");
                let r = cx.t.upload(&path, Some(cx.fx.token_of("engineer")), "image/png", PNG.to_vec()).await;
                assert_eq!(r.status, 201, "{}", r.body);
                let photo = r.json()["id"].as_i64().expect("photo");
                cx.api(Method::GET, &format!("/api/v1/inspections/{id}/photos/{photo}"), None).await
            },
        ),
        // the daily operation log
        api(Method::GET, "/api/v1/projects/{code}/daily-log", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/daily-log?month=2026-03", None).await),
        api(Method::GET, "/api/v1/projects/{code}/daily-log.xlsx", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.api(Method::GET, "/api/v1/projects/alpha/daily-log.xlsx?month=2026-03", None).await),
        api(Method::PUT, "/api/v1/projects/{code}/daily-log/{day}", Who::Project(INSPECTION_WORK), 200).call(
            async |cx| {
                let day = fresh_day(cx, 2025);
                let body = json!({"server_state": "正常", "system_state": "正常"});
                cx.api(Method::PUT, &format!("/api/v1/projects/alpha/daily-log/{day}"), Some(body)).await
            },
        ),
        api(Method::POST, "/api/v1/projects/{code}/daily-log/{day}/sign", Who::Project(INSPECTION_CONFIRM), 200).call(
            async |cx| {
                let (_, path) = filled_day(cx, 2024).await;
                cx.api(Method::POST, &format!("{path}/sign"), None).await
            },
        ),
    ]
}

fn page_rows() -> Vec<Row> {
    vec![
        // templates and plans
        page(Method::POST, "/p/{code}/inspection-templates", Who::Project(INSPECTION_TEMPLATES), 303).call(
            async |cx| {
                let code = format!("ui-oracle-{}", cx.n);
                let form = [("copy_of", "oracle"), ("code", code.as_str()), ("name", "数据库巡检")];
                cx.form("/p/alpha/inspection-templates", &form).await
            },
        ),
        page(Method::GET, "/p/{code}/inspection-templates/{template}", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/inspection-templates/oracle").await),
        page(Method::POST, "/p/{code}/inspection-templates/{template}", Who::Project(INSPECTION_TEMPLATES), 303).call(
            async |cx| {
                let code = cx.fx.own_template().await;
                let form = [
                    ("version", "1"),
                    ("name", "中间件巡检（改）"),
                    ("items[0].section", "中间件"),
                    ("items[0].name", "JVM内存"),
                ];
                cx.form(&format!("/p/alpha/inspection-templates/{code}"), &form).await
            },
        ),
        page(Method::GET, "/p/{code}/inspection-templates/{template}/edit", Who::Project(INSPECTION_TEMPLATES), 200)
            .call(async |cx| {
                let code = cx.fx.own_template().await;
                cx.page(Method::GET, &format!("/p/alpha/inspection-templates/{code}/edit")).await
            }),
        page(Method::POST, "/p/{code}/inspection-plans", Who::Project(INSPECTION_TEMPLATES), 303).call(async |cx| {
            let name = format!("季度巡检 {}", cx.n);
            let form = [("name", name.as_str()), ("template", "oracle"), ("cycle", "quarter")];
            cx.form("/p/alpha/inspection-plans", &form).await
        }),
        page(Method::GET, "/p/{code}/inspection-plans/{id}/report", Who::Project(INSPECTION_READ), 200).call(
            async |cx| {
                let id = plan(cx).await;
                cx.page(Method::GET, &format!("/p/alpha/inspection-plans/{id}/report")).await
            },
        ),
        page(Method::GET, "/p/{code}/inspection-plans/{id}/report.docx", Who::Project(INSPECTION_READ), 200).call(
            async |cx| {
                let id = plan(cx).await;
                cx.page(Method::GET, &format!("/p/alpha/inspection-plans/{id}/report.docx")).await
            },
        ),
        // inspections
        page(Method::GET, "/p/{code}/inspections", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/inspections?status=in_progress").await),
        page(Method::POST, "/p/{code}/inspections", Who::Project(INSPECTION_WORK), 303).call(async |cx| {
            cx.form("/p/alpha/inspections", &[("template", "health_checkup_server"), ("kind", "routine")]).await
        }),
        page(Method::GET, "/p/{code}/inspections/{id}", Who::Project(INSPECTION_READ), 200).call(async |cx| {
            let id = cx.fx.inspection(1, false).await;
            cx.page(Method::GET, &format!("/p/alpha/inspections/{id}")).await
        }),
        page(Method::POST, "/p/{code}/inspections/{id}/results/{key}", Who::Project(INSPECTION_WORK), 303).call(
            async |cx| {
                let id = cx.fx.inspection(0, false).await;
                cx.form(&format!("/p/alpha/inspections/{id}/results/1.1"), &[("verdict", "ok"), ("note", "")]).await
            },
        ),
        page(Method::POST, "/p/{code}/inspections/{id}/results/{key}/incident", Who::Project(INSPECTION_WORK), 303)
            .call(async |cx| {
                let id = cx.fx.inspection(1, false).await;
                cx.form(&format!("/p/alpha/inspections/{id}/results/1.1/incident"), &[("severity", "")]).await
            }),
        page(Method::POST, "/p/{code}/inspections/{id}/complete", Who::Project(INSPECTION_WORK), 303).call(
            async |cx| {
                let id = cx.fx.inspection(3, false).await;
                cx.form(&format!("/p/alpha/inspections/{id}/complete"), &[]).await
            },
        ),
        page(Method::POST, "/p/{code}/inspections/{id}/confirm", Who::Project(INSPECTION_CONFIRM), 303).call(
            async |cx| {
                let id = cx.fx.inspection(3, true).await;
                cx.form(&format!("/p/alpha/inspections/{id}/confirm"), &[("note", "同意")]).await
            },
        ),
        page(Method::GET, "/p/{code}/inspections/{id}/report", Who::Project(INSPECTION_READ), 200).call(async |cx| {
            let id = cx.fx.inspection(3, true).await;
            cx.page(Method::GET, &format!("/p/alpha/inspections/{id}/report")).await
        }),
        page(Method::POST, "/p/{code}/inspections/{id}/report", Who::Project(INSPECTION_WORK), 303).call(async |cx| {
            let id = cx.fx.inspection(3, true).await;
            cx.form(&format!("/p/alpha/inspections/{id}/report"), &[("findings", "无异常"), ("issue", "1")]).await
        }),
        page(Method::GET, "/p/{code}/inspections/{id}/report.docx", Who::Project(INSPECTION_READ), 200).call(
            async |cx| {
                let id = cx.fx.inspection(1, false).await;
                cx.page(Method::GET, &format!("/p/alpha/inspections/{id}/report.docx")).await
            },
        ),
        // the daily operation log
        page(Method::GET, "/p/{code}/daily-log", Who::Project(INSPECTION_READ), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/daily-log?month=2026-03").await),
        page(Method::POST, "/p/{code}/daily-log/{day}", Who::Project(INSPECTION_WORK), 303).call(async |cx| {
            let day = fresh_day(cx, 2023);
            let form = [("server_state", "正常"), ("system_state", "正常"), ("notes", "")];
            cx.form(&format!("/p/alpha/daily-log/{day}"), &form).await
        }),
        page(Method::POST, "/p/{code}/daily-log/{day}/sign", Who::Project(INSPECTION_CONFIRM), 303).call(async |cx| {
            let (day, _) = filled_day(cx, 2022).await;
            cx.form(&format!("/p/alpha/daily-log/{day}/sign"), &[]).await
        }),
    ]
}
