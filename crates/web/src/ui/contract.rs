//! The contract page: the terms in force, in plain Chinese, with the document itself below.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use yunwei_app::contract as uc;
use yunwei_app::project::authorize;
use yunwei_domain::calendar::CalendarKind;
use yunwei_domain::contract::{ClockKind, Contract};
use yunwei_domain::identity::Permission;

use super::{Shell, app_error_page, error_page, render};
use crate::AppState;
use crate::auth::UiAuth;

#[derive(Template)]
#[template(path = "contract.html")]
struct ContractPage {
    shell: Shell,
    version: i64,
    applied: String,
    c: View,
    document: String,
}

struct View {
    hospital: String,
    vendor: String,
    period: String,
    fee: String,
    timezone: String,
    calendars: Vec<(String, String)>,
    severities: Vec<SeverityView>,
    pause_while: String,
}

struct SeverityView {
    code: String,
    name: String,
    clocks: Vec<String>,
    escalate: String,
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn pause_label(s: &str) -> &str {
    match s {
        "awaiting_approval" => "等待院方批准",
        "awaiting_reporter" => "等待报障人",
        "awaiting_parts" => "等待备件",
        "awaiting_third_party" => "等待第三方",
        other => other,
    }
}

fn view(c: &Contract) -> View {
    let calendars = c
        .calendars
        .iter()
        .map(|(name, spec)| {
            let text = match &spec.kind {
                CalendarKind::TwentyFourSeven => "7×24 小时".to_owned(),
                CalendarKind::Business { weekdays, hours, holidays, .. } => {
                    let days: Vec<&str> =
                        WEEKDAYS.iter().zip(weekdays).filter(|(_, on)| **on).map(|(d, _)| *d).collect();
                    let hrs: Vec<String> = hours
                        .intervals()
                        .iter()
                        .map(|(a, b)| {
                            format!("{:02}:{:02}–{:02}:{:02}", a / 3600, a % 3600 / 60, b / 3600, b % 3600 / 60)
                        })
                        .collect();
                    let hol = if holidays.is_some() { "，法定节假日休息、调休日上班" } else { "" };
                    format!("{} {}{hol}", days.join("、"), hrs.join("、"))
                }
            };
            (name.clone(), format!("{text}（{}）", spec.tz.name()))
        })
        .collect();
    let severities = c
        .severities
        .iter()
        .map(|(code, s)| SeverityView {
            code: code.clone(),
            name: s.name.clone(),
            clocks: ClockKind::ALL
                .iter()
                .map(|k| {
                    s.clocks.get(k).map(|t| format!("{}（{}）", t.within, t.calendar)).unwrap_or_else(|| "—".into())
                })
                .collect(),
            escalate: s.escalate.iter().map(|e| format!("{} 后 → {}", e.after, e.to)).collect::<Vec<_>>().join("；"),
        })
        .collect();
    View {
        hospital: c.project.hospital.clone(),
        vendor: c.project.vendor.clone(),
        period: format!("{} 至 {}", c.project.start, c.project.end),
        fee: c
            .project
            .annual_fee_fen
            .map(|f| format!("{}.{:02} 元", f / 100, f % 100))
            .unwrap_or_else(|| "未约定".into()),
        timezone: c.project.timezone.name().to_owned(),
        calendars,
        severities,
        pause_while: c.pause_while.iter().map(|s| pause_label(s)).collect::<Vec<_>>().join("、"),
    }
}

/// `GET /p/{code}/contract`.
pub async fn page(State(st): State<AppState>, UiAuth(auth): UiAuth, Path(code): Path<String>) -> Response {
    let access = match authorize(&st.app, &auth.actor, &code, Permission::ContractRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let row = match uc::current(&st.app, Some(&auth.actor), &code).await {
        Ok(r) => r,
        Err(yunwei_app::AppError::NotFound(_)) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "还没有服务合同",
                "本项目还没有生效的服务合同。请用 yunwei contract apply 或接口上传合同文件。",
            );
        }
        Err(e) => return app_error_page(e),
    };
    let contract = match uc::validate(&row.document) {
        Ok(c) => c,
        Err(e) => return app_error_page(e),
    };
    let applied = format!(
        "{}，{}",
        row.created_at.with_timezone(&contract.project.timezone).format("%Y-%m-%d %H:%M"),
        row.created_by
    );
    match Shell::build(&st, &auth, "服务合同", Some(&access), "contract").await {
        Ok(shell) => {
            render(&ContractPage { shell, version: row.version, applied, c: view(&contract), document: row.document })
        }
        Err(e) => app_error_page(e),
    }
}
