//! The daily operation log (维护项目运行表, seed 004 附件1) as a page: a month laid out as the
//! seed's form (one card per day on a phone), the resident engineer's 今日签到 on top with its
//! states prefilled 正常, a day's entry edited until the hospital signs it, the hospital's IT
//! department's 签字 per day, and the month's XLSX through the API (a browser's session cookie
//! is enough for a GET there).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::authorize;
use yunwei_app::daily_log::{self as uc, DayInput};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::csrf::CheckedForm;
use crate::ui::form_errors::FormErrors;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;

/// What the form says when the engineer has nothing to report.
const NORMAL: &str = "正常";

fn field_label(f: &str) -> &str {
    match f {
        "server_state" => "服务器运行情况",
        "system_state" => "系统运行情况",
        "notes" => "备注",
        "day" => "日期",
        other => other,
    }
}

/// The field names of this page's forms, in Chinese.
fn label(f: &str) -> String {
    field_label(f).to_owned()
}

/// How this page words a refused form.
const FORM: FormErrors = FormErrors::new(label).stale("这一天的记录刚被他人更新，请刷新后重试").not_found_on_form();

/// The words of a refusal the page can show; other errors become error pages.
fn reasons(e: AppError) -> Result<String, AppError> {
    FORM.reasons(e)
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// One day of the month as the form shows it.
struct DayLine {
    /// `YYYY-MM-DD`.
    day: String,
    /// The seed's cells: 日期, 维护工程师签到, 服务器运行情况, 系统运行情况, 医院信息科签字, 备注.
    cells: [String; 6],
    weekday: &'static str,
    weekend: bool,
    today: bool,
    future: bool,
    signed_in: bool,
    signed_off: bool,
    /// The engineer may still change it.
    editable: bool,
    /// The hospital may sign it now.
    signable: bool,
}

/// The entry form: today's sign-in, or another unsigned day being edited.
struct EntryForm {
    day: String,
    /// `3月2日 周一`.
    label: String,
    today: bool,
    /// The day has an entry (the form saves a change rather than signing in).
    existing: bool,
    /// `e1 09:00` of an existing entry.
    signed_in: String,
    server_state: String,
    system_state: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "inspection/daily_log.html")]
struct Page {
    shell: Shell,
    code: String,
    title: String,
    /// `2026年3月`.
    caption: String,
    month: String,
    prev: String,
    /// Empty when the next month has not begun.
    next: String,
    /// The current month, when another is shown.
    this_month: String,
    days: Vec<DayLine>,
    signed_in: usize,
    signed_off: usize,
    can_work: bool,
    can_confirm: bool,
    /// The form on top, for an engineer; `None` when today is signed off and nothing is edited.
    form: Option<EntryForm>,
    /// Today is signed off by the hospital (`it1 17:30`), shown instead of a form.
    today_closed: String,
    error: String,
    xlsx: String,
}

/// `?month=YYYY-MM&edit=YYYY-MM-DD`.
#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    edit: String,
}

/// What an engineer typed, shown again with the reason it was refused.
#[derive(Default)]
struct Typed {
    day: Option<NaiveDate>,
    input: DayInput,
    error: String,
}

fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

fn day_label(d: NaiveDate) -> String {
    format!("{}月{}日 {}", d.month(), d.day(), WEEKDAYS[d.weekday().num_days_from_monday() as usize])
}

async fn page(
    st: &AppState,
    auth: &Auth,
    code: &str,
    month: Option<NaiveDate>,
    edit: Option<NaiveDate>,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let access = match authorize(&st.app, &auth.actor, code, Permission::InspectionRead).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let m = match uc::month(&st.app, &auth.actor, code, month.or(typed.day)).await {
        Ok(m) => m,
        Err(e) => return app_error_page(e),
    };
    let today = st.app.now().with_timezone(&m.timezone).date_naive();
    let can_work = access.roles.grants(Permission::InspectionWork);
    let can_confirm = access.roles.grants(Permission::InspectionConfirm);
    let rows = m.form_rows();
    let days: Vec<DayLine> = m
        .days
        .iter()
        .zip(rows)
        .map(|((d, entry), cells)| {
            let signed_in = entry.is_some();
            let signed_off = entry.as_ref().is_some_and(|e| e.hospital_signed_at.is_some());
            DayLine {
                day: d.to_string(),
                cells,
                weekday: WEEKDAYS[d.weekday().num_days_from_monday() as usize],
                weekend: d.weekday().num_days_from_monday() >= 5,
                today: *d == today,
                future: *d > today,
                signed_in,
                signed_off,
                editable: can_work && signed_in && !signed_off,
                signable: can_confirm && signed_in && !signed_off,
            }
        })
        .collect();
    let entry_of = |d: NaiveDate| m.days.iter().find(|(x, _)| *x == d).and_then(|(_, e)| e.clone());
    // Today's entry, from another month's rows when another month is shown.
    let today_entry = if m.days.iter().any(|(d, _)| *d == today) {
        entry_of(today)
    } else {
        match uc::month(&st.app, &auth.actor, code, Some(today)).await {
            Ok(cur) => cur.days.into_iter().find(|(d, _)| *d == today).and_then(|(_, e)| e),
            Err(e) => return app_error_page(e),
        }
    };
    // The form: the day typed into (refused), else the day asked to edit while it is open (the
    // form never signs in for a past day), else today.
    let open = |d: &NaiveDate| entry_of(*d).is_some_and(|e| e.hospital_signed_at.is_none());
    let form_day = typed.day.or(edit.filter(open)).unwrap_or(today);
    let form_entry = if form_day == today { today_entry.clone() } else { entry_of(form_day) };
    let hm = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&m.timezone).format("%H:%M").to_string();
    let today_closed = today_entry
        .as_ref()
        .filter(|e| e.hospital_signed_at.is_some())
        .map(|e| {
            format!(
                "{} {}",
                e.hospital_name.clone().unwrap_or_default(),
                e.hospital_signed_at.map(hm).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let closed = form_entry.as_ref().is_some_and(|e| e.hospital_signed_at.is_some());
    let usable = form_day == today || form_entry.is_some();
    let form = (can_work && !closed && usable && form_day <= today).then(|| {
        let (server_state, system_state, notes) = match (&typed.day, &form_entry) {
            (Some(_), _) => (
                typed.input.server_state.clone(),
                typed.input.system_state.clone(),
                typed.input.notes.clone().unwrap_or_default(),
            ),
            (None, Some(e)) => (e.server_state.clone(), e.system_state.clone(), e.notes.clone()),
            (None, None) => (NORMAL.to_owned(), NORMAL.to_owned(), String::new()),
        };
        EntryForm {
            day: form_day.to_string(),
            label: day_label(form_day),
            today: form_day == today,
            existing: form_entry.is_some(),
            signed_in: form_entry
                .as_ref()
                .map(|e| format!("{} {}", e.engineer_name, hm(e.signed_in_at)))
                .unwrap_or_default(),
            server_state,
            system_state,
            notes,
        }
    });
    let ym = |d: NaiveDate| d.format("%Y-%m").to_string();
    let prev = m.first.checked_sub_months(Months::new(1)).map(ym).unwrap_or_default();
    let next = m.first.checked_add_months(Months::new(1)).filter(|n| *n <= today).map(ym).unwrap_or_default();
    let this_month = if ym(today) == ym(m.first) { String::new() } else { ym(today) };
    let shell = match Shell::build(st, auth, "维护项目运行表", Some(&access), "inspection").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let month = ym(m.first);
    let p = Page {
        shell,
        code: code.to_owned(),
        title: m.title(),
        caption: format!("{}年{}月", m.first.year(), m.first.month()),
        xlsx: format!("/api/v1/projects/{code}/daily-log.xlsx?month={month}"),
        month,
        prev,
        next,
        this_month,
        signed_in: days.iter().filter(|d| d.signed_in).count(),
        signed_off: days.iter().filter(|d| d.signed_off).count(),
        days,
        can_work,
        can_confirm,
        form,
        today_closed,
        error: typed.error,
    };
    (status, render(&p)).into_response()
}

/// `GET /p/{code}/daily-log?month=YYYY-MM`: the month (the current one without `month`).
pub async fn month(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let month = match q.month.trim() {
        "" => None,
        s => match parse_month(s) {
            Some(m) => Some(m),
            None => return error_page(StatusCode::BAD_REQUEST, "月份不对", "月份须为年月，例如 2026-03。"),
        },
    };
    let edit = NaiveDate::parse_from_str(q.edit.trim(), "%Y-%m-%d").ok();
    page(&st, &auth, &code, month, edit, Typed::default(), StatusCode::OK).await
}

/// A day in a path (`YYYY-MM-DD`).
fn day_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The page for a path whose day is not a date.
fn no_such_day() -> Response {
    error_page(StatusCode::NOT_FOUND, "页面不存在", "日期须为 YYYY-MM-DD。")
}

fn back_to(code: &str, day: NaiveDate) -> Response {
    Redirect::to(&format!("/p/{code}/daily-log?month={}#d-{day}", day.format("%Y-%m"))).into_response()
}

/// The entry form as posted.
#[derive(Deserialize, Default)]
pub struct EntryPost {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    server_state: String,
    #[serde(default)]
    system_state: String,
    #[serde(default)]
    notes: String,
}

/// `POST /p/{code}/daily-log/{day}`: the engineer signs in for the day, or changes its entry.
pub async fn write(
    State(st): State<AppState>,
    Path((code, day)): Path<(String, String)>,
    CheckedForm(auth, f): CheckedForm<EntryPost>,
) -> Response {
    let Some(day) = day_of(&day) else { return no_such_day() };
    let input = DayInput { server_state: f.server_state, system_state: f.system_state, notes: Some(f.notes) };
    match uc::write(&st.app, &auth.actor, &code, day, input.clone()).await {
        Ok(_) => back_to(&code, day),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                let typed = Typed { day: Some(day), input, error: format!("{} 未保存：{msg}", day_label(day)) };
                page(&st, &auth, &code, None, None, typed, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}

/// A form that carries nothing but its token.
#[derive(Deserialize, Default)]
pub struct SignPost {
    #[serde(default)]
    _csrf: String,
}

/// `POST /p/{code}/daily-log/{day}/sign`: the hospital's IT department signs the day off.
pub async fn sign(
    State(st): State<AppState>,
    Path((code, day)): Path<(String, String)>,
    CheckedForm(auth, _f): CheckedForm<SignPost>,
) -> Response {
    let Some(day) = day_of(&day) else { return no_such_day() };
    match uc::sign(&st.app, &auth.actor, &code, day).await {
        Ok(_) => back_to(&code, day),
        Err(e) => match reasons(e) {
            Ok(msg) => {
                let typed = Typed {
                    day: None,
                    input: DayInput::default(),
                    error: format!("{} 未能签字：{msg}", day_label(day)),
                };
                page(&st, &auth, &code, Some(day), None, typed, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => app_error_page(e),
        },
    }
}
