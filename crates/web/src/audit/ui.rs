//! The audit page: a project's trail with filters, for auditors and the hospital's IT staff.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use yunwei_app::access::authorize;
use yunwei_domain::audit::{ACTIONS, ENTITIES, action_label, entity_label};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::audit::api::{AuditQuery, page as audit_page};
use crate::auth::UiAuth;
use crate::http::page::Paging;
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

#[cfg(test)]
mod tests {
    use super::readable;
    use serde_json::json;

    #[test]
    fn summaries_read_as_changes() {
        assert_eq!(readable(&json!({"before": {"name": "甲"}, "after": {"name": "乙"}})), "name：甲 → 乙");
        assert_eq!(readable(&json!({"after": {"code": "demo", "active": true}})), "active：true；code：demo");
        assert_eq!(readable(&json!({"role": "auditor"})), "role：auditor");
        assert_eq!(readable(&json!({})), "");
    }
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPageView {
    shell: Shell,
    entities: &'static [(&'static str, &'static str)],
    actions: &'static [(&'static str, &'static str)],
    f: AuditForm,
    rows: Vec<Row>,
    next_url: String,
    error: String,
}

struct Row {
    at: String,
    actor: String,
    entity: String,
    entity_label: String,
    entity_id: String,
    action: String,
    action_label: String,
    summary: String,
    seq: i64,
    hash_short: String,
}

/// The filter form as typed (dates are calendar days in the project's time zone).
#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

fn sorted(m: &serde_json::Map<String, serde_json::Value>) -> std::collections::BTreeMap<&String, &serde_json::Value> {
    m.iter().collect()
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "（空）".into(),
        other => other.to_string(),
    }
}

/// A summary as a person reads it: `name：旧 → 新；…` for changes, `key：value；…` otherwise.
fn readable(summary: &serde_json::Value) -> String {
    let Some(obj) = summary.as_object() else { return value_text(summary) };
    let before = obj.get("before").and_then(|v| v.as_object());
    let after = obj.get("after").and_then(|v| v.as_object());
    // Keys sorted: the stored JSON's key order depends on serde_json features.
    let parts: Vec<String> = match (before, after) {
        (Some(b), Some(a)) => sorted(a)
            .into_iter()
            .map(|(k, v)| format!("{k}：{} → {}", b.get(k).map(value_text).unwrap_or_default(), value_text(v)))
            .collect(),
        (None, Some(a)) => sorted(a).into_iter().map(|(k, v)| format!("{k}：{}", value_text(v))).collect(),
        _ => sorted(obj).into_iter().map(|(k, v)| format!("{k}：{}", value_text(v))).collect(),
    };
    parts.join("；")
}

fn day_start(tz: Tz, s: &str, plus_days: i64) -> Option<String> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()? + chrono::Duration::days(plus_days);
    let t = tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest()?;
    Some(t.to_rfc3339())
}

fn query_string(f: &AuditForm, cursor: &str) -> String {
    let enc = |s: &str| crate::auth::url_escape(s);
    format!(
        "entity={}&action={}&actor={}&from={}&to={}&cursor={}",
        enc(&f.entity),
        enc(&f.action),
        enc(&f.actor),
        enc(&f.from),
        enc(&f.to),
        enc(cursor)
    )
}

/// `GET /p/{code}/audit`.
pub async fn page(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(f): Query<AuditForm>,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, &code, Permission::AuditRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let tz = crate::ui::time::tz_of(&access);
    let mut error = String::new();
    let from = if f.from.trim().is_empty() { None } else { day_start(tz, &f.from, 0) };
    let to = if f.to.trim().is_empty() { None } else { day_start(tz, &f.to, 1) };
    if (!f.from.trim().is_empty() && from.is_none()) || (!f.to.trim().is_empty() && to.is_none()) {
        error = "日期格式应为 YYYY-MM-DD".into();
    }
    let q = AuditQuery {
        entity: Some(f.entity.clone()),
        action: Some(f.action.clone()),
        actor: Some(f.actor.clone()),
        from,
        to,
    };
    let paging = Paging { limit: Some(50), cursor: Some(f.cursor.clone()) };
    let (rows, next) = match audit_page(&st, &auth, &code, &q, &paging).await {
        Ok(p) => (
            p.items
                .into_iter()
                .map(|i| Row {
                    at: chrono::DateTime::parse_from_rfc3339(&i.at)
                        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or(i.at),
                    actor: i.actor,
                    entity_label: entity_label(&i.entity).to_owned(),
                    entity: i.entity,
                    entity_id: i.entity_id,
                    action_label: action_label(&i.action).to_owned(),
                    action: i.action,
                    summary: readable(&i.summary),
                    seq: i.seq,
                    hash_short: i.hash.chars().take(12).collect(),
                })
                .collect(),
            p.next_cursor,
        ),
        Err(_) => {
            error = "筛选条件无效".into();
            (Vec::new(), None)
        }
    };
    let next_url = next.map(|c| format!("/p/{code}/audit?{}", query_string(&f, &c))).unwrap_or_default();
    match Shell::build(&st, &auth, "审计日志", Some(&access), "audit").await {
        Ok(shell) => render(&AuditPageView { shell, entities: ENTITIES, actions: ACTIONS, f, rows, next_url, error }),
        Err(e) => app_error_page(e),
    }
}
