//! The daily operation log (维护项目运行表, seed 004 附件1): `/api/v1/projects/{code}/daily-log`
//! (a month), `/daily-log/{day}` (the engineer's entry), `/daily-log/{day}/sign` (the hospital's
//! sign-off) and `/daily-log.xlsx` (the month as the seed's form).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yunwei_app::daily_log::{self as uc, DailyLogRow, DayInput, Month};
use yunwei_domain::FieldError;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::time::rfc3339;
use crate::openapi::problems::{Conflict, Forbidden, Invalid, NotFound};

/// One day's entry.
#[derive(Serialize, ToSchema)]
pub struct DayJson {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub engineer: String,
    /// When the engineer signed in.
    pub signed_in_at: String,
    pub server_state: String,
    pub system_state: String,
    pub notes: String,
    /// Who signed it off for the hospital's IT department.
    pub hospital: Option<String>,
    pub hospital_signed_at: Option<String>,
    pub version: i64,
}

fn day_json(r: DailyLogRow) -> DayJson {
    DayJson {
        day: r.day,
        engineer: r.engineer_name,
        signed_in_at: rfc3339(r.signed_in_at),
        server_state: r.server_state,
        system_state: r.system_state,
        notes: r.notes,
        hospital: r.hospital_name,
        hospital_signed_at: r.hospital_signed_at.map(rfc3339),
        version: r.version,
    }
}

/// A day of the month with its entry (`null`: nobody signed in).
#[derive(Serialize, ToSchema)]
pub struct MonthDayJson {
    pub day: String,
    pub entry: Option<DayJson>,
}

/// A month of the log.
#[derive(Serialize, ToSchema)]
pub struct MonthJson {
    /// `YYYY-MM`.
    pub month: String,
    /// The form's title.
    pub title: String,
    /// Days with an engineer's sign-in.
    pub signed_in: usize,
    /// Days signed off by the hospital.
    pub signed_off: usize,
    pub days: Vec<MonthDayJson>,
}

/// Which month.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM`; the current month when absent.
    pub month: Option<String>,
}

fn month_of(q: &MonthQuery) -> Result<Option<NaiveDate>, ApiError> {
    q.month
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| {
            NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(vec![FieldError::new("month", "须为年月，例如 2026-03")]))
        })
        .transpose()
}

fn day_of(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(vec![FieldError::new("day", "须为日期，例如 2026-03-02")]))
}

fn month_json(m: Month) -> MonthJson {
    let title = m.title();
    let month = m.first.format("%Y-%m").to_string();
    let signed_in = m.days.iter().filter(|(_, e)| e.is_some()).count();
    let signed_off = m.days.iter().filter(|(_, e)| e.as_ref().is_some_and(|e| e.hospital_signed_at.is_some())).count();
    let days = m.days.into_iter().map(|(d, e)| MonthDayJson { day: d.to_string(), entry: e.map(day_json) }).collect();
    MonthJson { month, title, signed_in, signed_off, days }
}

/// A month of the log, every day listed.
#[utoipa::path(get, path = "/api/v1/projects/{code}/daily-log", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), MonthQuery),
    responses(
        (status = 200, body = MonthJson),
        Forbidden, NotFound,
        Invalid,
    ))]
pub async fn get_month(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<MonthJson>, ApiError> {
    let m = uc::month(&st.app, &auth.actor, &code, month_of(&q)?).await?;
    Ok(Json(month_json(m)))
}

/// The month as the seed's form (XLSX).
#[utoipa::path(get, path = "/api/v1/projects/{code}/daily-log.xlsx", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), MonthQuery),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        Forbidden,
        NotFound,
        Invalid,
    ))]
pub async fn get_xlsx(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Response, ApiError> {
    let m = uc::month(&st.app, &auth.actor, &code, month_of(&q)?).await?;
    let name = format!("{}-{}.xlsx", m.title(), m.first.format("%Y-%m"));
    let bytes = m.xlsx()?;
    Ok(crate::http::files::download_file(
        &name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// What the engineer records.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteDay {
    /// 服务器运行情况 (e.g. `正常`).
    pub server_state: String,
    /// 系统运行情况.
    pub system_state: String,
    /// 备注.
    pub notes: Option<String>,
}

/// The engineer signs in for a day (first entry) or updates it until the hospital signs it off.
///
/// Takes back the day's entry as the month gave it (who signed and when are read-only).
#[utoipa::path(put, path = "/api/v1/projects/{code}/daily-log/{day}", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("day" = String, Path, description = "日期 YYYY-MM-DD")),
    request_body = WriteDay,
    responses(
        (status = 200, body = DayJson),
        Forbidden,
        NotFound,
        Conflict,
        Invalid,
    ))]
pub async fn put_day(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, day)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<DayJson>, ApiError> {
    let day = day_of(&day)?;
    // The entry as the month shows it; a day nobody signed in has none to compare with.
    let current = uc::month(&st.app, &auth.actor, &code, Some(day))
        .await?
        .days
        .into_iter()
        .find(|(d, _)| *d == day)
        .and_then(|(_, e)| e)
        .map(day_json);
    let req: WriteDay = crate::http::update::parse_update(body, &current)?;
    let input = DayInput { server_state: req.server_state, system_state: req.system_state, notes: req.notes };
    Ok(Json(day_json(uc::write(&st.app, &auth.actor, &code, day, input).await?)))
}

/// The hospital's IT department signs a day off.
#[utoipa::path(post, path = "/api/v1/projects/{code}/daily-log/{day}/sign", tag = "inspection",
    params(("code" = String, Path, description = "项目代码"), ("day" = String, Path, description = "日期 YYYY-MM-DD")),
    responses(
        (status = 200, body = DayJson),
        Forbidden,
        NotFound,
        Conflict,
    ))]
pub async fn sign_day(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath((code, day)): ApiPath<(String, String)>,
) -> Result<Json<DayJson>, ApiError> {
    Ok(Json(day_json(uc::sign(&st.app, &auth.actor, &code, day_of(&day)?).await?)))
}
