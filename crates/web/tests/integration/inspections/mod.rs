//! Inspections through the API under the seed 000 preset: the seeds' templates, a project's copy
//! edited into a new version while executions keep theirs, an execution answered item by item
//! (a replayed older answer changes nothing), thresholds, signatures, abnormal items turned into
//! incidents linked both ways, and the report due 3 working days after completion in the
//! contract's calendar — computed here by hand across 清明 and 国庆 with its make-up Saturday.

mod daily_log;
mod execution;
mod photos;
mod plans;
mod templates;
mod write_back;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

/// An instant given in Beijing time.
fn bj(local: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time").with_timezone(&chrono::Utc)
}

/// As the API writes it.
fn api_time(local: &str) -> String {
    bj(local).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

struct Site {
    t: TestApp,
    eng: String,
    it: String,
    reporter: String,
    manager: String,
    /// An engineer of another project.
    outsider: String,
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .members(&[("e1", Engineer), ("it1", HospitalIt), ("r1", Reporter), ("m1", Manager)])
        .other("other", &[("e2", Engineer)])
        .tokens()
        .build()
        .await;
    let (eng, it, reporter, manager, outsider) =
        (s.token("e1"), s.token("it1"), s.token("r1"), s.token("m1"), s.token("e2"));
    Site { t: s.t, eng, it, reporter, manager, outsider }
}

impl Site {
    async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.t.api(method, path, Some(token), body).await
    }

    async fn ok(&self, token: &str, method: Method, path: &str, body: Option<Value>, want: StatusCode) -> Value {
        let r = self.call(token, method.clone(), path, body).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        r.json()
    }

    async fn ci(&self, name: &str, kind: &str) -> i64 {
        let body = json!({"name": name, "type": kind});
        let v = self.ok(&self.eng, Method::POST, "/api/v1/projects/xj/cis", Some(body), StatusCode::CREATED).await;
        v["id"].as_i64().expect("id")
    }

    async fn plan(&self, template: &str, ci: Option<i64>) -> Value {
        let body = json!({"template": template, "ci_id": ci, "planned_for": "2026-04-02"});
        self.ok(&self.eng, Method::POST, "/api/v1/projects/xj/inspections", Some(body), StatusCode::CREATED).await
    }

    async fn answer(&self, id: i64, key: &str, body: Value) -> Resp {
        self.call(&self.eng, Method::PUT, &format!("/api/v1/inspections/{id}/results/{key}"), Some(body)).await
    }

    async fn get(&self, id: i64) -> Value {
        self.ok(&self.it, Method::GET, &format!("/api/v1/inspections/{id}"), None, StatusCode::OK).await
    }
}

fn field(r: &Resp) -> String {
    r.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

fn item<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["items"].as_array().and_then(|a| a.iter().find(|i| i["key"] == key)).expect("item")
}
