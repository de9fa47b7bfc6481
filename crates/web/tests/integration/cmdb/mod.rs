//! The CMDB through the API: records with revisions and their diffs, the IP register with
//! conflicts and lookups by monitoring instance, relations and the impact query, and bad input
//! refused without a change.

mod addresses;
mod impact;
mod lists;
mod pages;
mod revisions;
mod topology;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Cmdb {
    t: TestApp,
    /// An engineer of `h1` (writes).
    eng: String,
    /// An auditor of `h1` (reads only).
    auditor: String,
    /// An engineer of `h2` only.
    other: String,
}

async fn cmdb() -> Cmdb {
    let s = TestApp::site()
        .project("h1")
        .members(&[("eng", Engineer), ("aud", Auditor)])
        .other("h2", &[("eng2", Engineer)])
        .tokens()
        .build()
        .await;
    let (eng, auditor, other) = (s.token("eng"), s.token("aud"), s.token("eng2"));
    Cmdb { t: s.t, eng, auditor, other }
}

impl Cmdb {
    async fn create(&self, project: &str, body: Value) -> Resp {
        self.t.api(Method::POST, &format!("/api/v1/projects/{project}/cis"), Some(&self.eng), Some(body)).await
    }

    async fn ci(&self, body: Value) -> i64 {
        let r = self.create("h1", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.t.api(Method::GET, path, Some(&self.auditor), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.json()
    }

    async fn relate(&self, source: i64, kind: &str, target: i64) -> Resp {
        let body = json!({"kind": kind, "target": target});
        self.t.api(Method::POST, &format!("/api/v1/cis/{source}/relations"), Some(&self.eng), Some(body)).await
    }
}

fn field(r: &Resp) -> String {
    r.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}
