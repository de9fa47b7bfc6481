//! API consistency: what `GET` returns, `PUT`/`PATCH` accepts. A client that reads a resource,
//! edits one field and writes the whole representation back succeeds; a read-only field that
//! would change is refused by name; a typo stays an error.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use yunwei_domain::identity::Role;

use crate::support::{Resp, TestApp};

struct Site {
    t: TestApp,
    it: String,
    eng: String,
}

async fn site() -> Site {
    let members = [("it", Role::HospitalIt), ("eng", Role::Engineer)];
    let s = TestApp::site().preset("example").members(&members).tokens().build().await;
    let (it, eng) = (s.token("it"), s.token("eng"));
    Site { t: s.t, it, eng }
}

impl Site {
    async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>, etag: Option<&str>) -> Resp {
        let headers: Vec<(&str, &str)> = etag.map(|e| ("if-match", e)).into_iter().collect();
        self.t.api_with(method, path, Some(token), body, &headers).await
    }

    /// GET `path`, change `edit` in it, send it all back with `method`: the edit is stored. Then
    /// the same with a read-only field changed (refused, naming it) and with a typo (refused).
    async fn round_trip(&self, token: &str, method: Method, path: &str, read_only: &str, edit: (&str, Value)) {
        let got = self.call(token, Method::GET, path, None, None).await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.body);
        let etag = got.header("etag").expect("etag").to_owned();
        let mut body = got.json();
        assert!(body.get(read_only).is_some(), "{path} shows `{read_only}`: {body}");
        body[edit.0] = edit.1.clone();

        let mut changed = body.clone();
        changed[read_only] = json!("changed");
        let r = self.call(token, method.clone(), path, Some(changed), Some(&etag)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], read_only, "{path}: {}", r.body);

        let mut typo = body.clone();
        typo["nmae"] = json!("x");
        let r = self.call(token, method.clone(), path, Some(typo), Some(&etag)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "nmae", "{path}: {}", r.body);

        let r = self.call(token, method, path, Some(body), Some(&etag)).await;
        assert_eq!(r.status, StatusCode::OK, "{path} takes back what GET gave: {}", r.body);
        let again = self.call(token, Method::GET, path, None, None).await.json();
        assert_eq!(again[edit.0], edit.1, "{path}: {again}");
    }
}

#[tokio::test]
async fn a_ci_read_edited_and_written_back_is_saved() {
    let s = site().await;
    let body = json!({"name": "核心交换机", "type": "core_switch", "ips": ["10.1.0.1"]});
    let r = s.call(&s.eng, Method::POST, "/api/v1/projects/demo/cis", Some(body), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    s.round_trip(&s.eng, Method::PUT, &format!("/api/v1/cis/{id}"), "created_at", ("name", json!("核心交换机 A")))
        .await;
}

#[tokio::test]
async fn a_project_read_edited_and_written_back_is_saved() {
    let s = site().await;
    s.round_trip(&s.it, Method::PATCH, "/api/v1/projects/demo", "code", ("name", json!("示例医院运维服务（续签）")))
        .await;
}

#[tokio::test]
async fn an_inspection_template_read_edited_and_written_back_is_saved() {
    let s = site().await;
    let copy = json!({"copy_of": "minicomputer", "code": "his-mc", "name": "HIS 小型机巡检"});
    let r = s.call(&s.it, Method::POST, "/api/v1/projects/demo/inspection-templates", Some(copy), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = "/api/v1/projects/demo/inspection-templates/his-mc";
    s.round_trip(&s.it, Method::PUT, path, "version", ("name", json!("HIS 小型机季度巡检"))).await;
}
