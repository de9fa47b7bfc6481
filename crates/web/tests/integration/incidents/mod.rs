//! The service desk through the API: a whole case under the seed 003 preset with its clocks,
//! severity changes recomputed from the reported time, and bad input refused without a change.

mod attachments;
mod case;
mod lists;
mod pages;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

use yunwei_domain::identity::Role::*;

use crate::support::{EXAMPLE_CONTRACT, TestApp};

/// `2026-03-02T09:05:00` in Beijing time as the API writes it (UTC, microseconds).
fn bj(local: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(&format!("{local}+08:00")).expect("time");
    t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

struct Desk {
    t: TestApp,
    reporter: String,
    dispatcher: String,
    engineer: String,
    it: String,
}

async fn desk(contract: &str) -> Desk {
    let s = TestApp::site()
        .contract(contract)
        .members(&[("r1", Reporter), ("d1", Dispatcher), ("e1", Engineer), ("it1", HospitalIt)])
        .tokens()
        .build()
        .await;
    let (reporter, dispatcher, engineer, it) = (s.token("r1"), s.token("d1"), s.token("e1"), s.token("it1"));
    Desk { t: s.t, reporter, dispatcher, engineer, it }
}

impl Desk {
    async fn event(&self, token: &str, id: i64, body: Value) -> crate::support::Resp {
        self.t.api(Method::POST, &format!("/api/v1/incidents/{id}/events"), Some(token), Some(body)).await
    }
}

fn seed_003() -> String {
    yunwei_domain::contract::with_project_fields(crate::support::preset("seed-003"), &[("code", "sd")])
}
