//! The daily operation log (维护项目运行表, seed 004 附件1): each day the resident engineer signs
//! in and records how the servers and the systems ran; the hospital's IT department signs it off.
//! A month is viewed and exported as the seed's form (日期 / 维护工程师签到 / 服务器运行情况 /
//! 系统运行情况 / 医院信息科签字 / 备注).

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde_json::json;
use yunwei_domain::ValidationErrors;
use yunwei_domain::identity::Permission;
use yunwei_domain::text::BoundedText;
use yunwei_store::daily_log as store;
pub use yunwei_store::daily_log::DailyLogRow;

use yunwei_domain::inspection::audit;

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError};

/// What the engineer records for a day.
#[derive(Debug, Clone, Default)]
pub struct DayInput {
    pub server_state: String,
    pub system_state: String,
    pub notes: Option<String>,
}

/// A field of the day's entry: at most 500 characters, line breaks allowed (the notes are a text
/// area); blank when refused (the refusal is in `v`) or, if not `required`, left out.
fn field(v: &mut ValidationErrors, name: &str, s: &str, required: bool) -> String {
    let t = if required {
        BoundedText::<500>::required_multiline(v, name, s)
    } else {
        BoundedText::<500>::optional_multiline(v, name, Some(s))
    };
    t.map(String::from).unwrap_or_default()
}

/// The project's time zone and hospital name from its current contract.
async fn project_terms(app: &App, project_id: i64) -> Result<(chrono_tz::Tz, String), AppError> {
    let t = crate::terms::current(app, project_id).await?;
    Ok((t.contract.project.timezone, t.contract.project.hospital.clone()))
}

/// The engineer signs in for `day` (the first entry of the day) or updates what was recorded;
/// a day the hospital has signed off is closed.
pub async fn write(
    app: &App,
    actor: &Actor,
    code: &str,
    day: NaiveDate,
    input: DayInput,
) -> Result<DailyLogRow, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionWork).await?;
    let pid = access.project.id;
    let (tz, _) = project_terms(app, pid).await?;
    let now = app.now();
    let mut v = ValidationErrors::default();
    if day > now.with_timezone(&tz).date_naive() {
        v.push("day", "不能填写未来的日期");
    }
    let server_state = field(&mut v, "server_state", &input.server_state, true);
    let system_state = field(&mut v, "system_state", &input.system_state, true);
    let notes = field(&mut v, "notes", input.notes.as_deref().unwrap_or(""), false);
    v.into_result()?;
    let mut tx = app.db.begin().await?;
    let key = day.to_string();
    let row = match store::day_tx(&mut tx, pid, &key).await? {
        Some(cur) if cur.hospital_signed_at.is_some() => {
            return Err(AppError::Conflict {
                field: "day".into(),
                reason: format!("{key} 医院信息科已签字，不能再修改"),
            });
        }
        Some(cur) => {
            let next = DailyLogRow { server_state, system_state, notes, updated_at: now, ..cur.clone() };
            if !store::update(&mut tx, &next, cur.version).await? {
                return Err(AppError::Stale { current: cur.version + 1 });
            }
            DailyLogRow { version: cur.version + 1, ..next }
        }
        None => {
            let mut r = DailyLogRow {
                id: 0,
                project_id: pid,
                day: key.clone(),
                engineer_id: actor.user_id.get(),
                engineer_name: actor.display_name.clone(),
                signed_in_at: now,
                server_state,
                system_state,
                notes,
                hospital_id: None,
                hospital_name: None,
                hospital_signed_at: None,
                updated_at: now,
                version: 1,
            };
            r.id = store::insert(&mut tx, &r).await.map_err(|e| match e {
                yunwei_store::StoreError::Unique(_) => AppError::Conflict {
                    field: "day".into(),
                    reason: format!("{key} 已有签到，请刷新后修改"),
                },
                e => e.into(),
            })?;
            r
        }
    };
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: if row.version == 1 { audit::DAILY_LOG_SIGN_IN } else { audit::DAILY_LOG_UPDATE },
            entity_id: row.id.to_string(),
            summary: json!({ "day": key, "version": row.version }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The hospital's IT department signs a day off.
pub async fn sign(app: &App, actor: &Actor, code: &str, day: NaiveDate) -> Result<DailyLogRow, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionConfirm).await?;
    let pid = access.project.id;
    let now = app.now();
    let key = day.to_string();
    let mut tx = app.db.begin().await?;
    let cur = store::day_tx(&mut tx, pid, &key)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{key} 还没有工程师签到")))?;
    if cur.hospital_signed_at.is_some() {
        return Err(AppError::Conflict { field: "day".into(), reason: format!("{key} 已签字") });
    }
    let next = DailyLogRow {
        hospital_id: Some(actor.user_id.get()),
        hospital_name: Some(actor.display_name.clone()),
        hospital_signed_at: Some(now),
        updated_at: now,
        ..cur.clone()
    };
    if !store::update(&mut tx, &next, cur.version).await? {
        return Err(AppError::Stale { current: cur.version + 1 });
    }
    record(
        &mut tx,
        Some(actor),
        now,
        Record {
            project_id: Some(pid),
            code: audit::DAILY_LOG_SIGN_OFF,
            entity_id: cur.id.to_string(),
            summary: json!({ "day": key }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(DailyLogRow { version: cur.version + 1, ..next })
}

/// A month of the log.
#[derive(Debug, Clone)]
pub struct Month {
    /// The first day of the month.
    pub first: NaiveDate,
    /// The hospital's name (the form's title).
    pub hospital: String,
    pub timezone: chrono_tz::Tz,
    /// Every day of the month with its entry.
    pub days: Vec<(NaiveDate, Option<DailyLogRow>)>,
}

/// The month that contains `any_day` (today in the project's time zone when `None`).
pub async fn month(app: &App, actor: &Actor, code: &str, any_day: Option<NaiveDate>) -> Result<Month, AppError> {
    let access = authorize(app, actor, code, Permission::InspectionRead).await?;
    let pid = access.project.id;
    let (timezone, hospital) = project_terms(app, pid).await?;
    let any_day = any_day.unwrap_or_else(|| app.now().with_timezone(&timezone).date_naive());
    let first = any_day.with_day(1).unwrap_or(any_day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let last = next.checked_sub_days(Days::new(1)).unwrap_or(first);
    let rows = store::range(&app.db, pid, &first.to_string(), &last.to_string()).await?;
    let days = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| {
            let key = d.to_string();
            (d, rows.iter().find(|r| r.day == key).cloned())
        })
        .collect();
    Ok(Month { first, hospital, timezone, days })
}

fn hm(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

impl Month {
    /// The rows of the seed's form: 日期, 维护工程师签到, 服务器运行情况, 系统运行情况,
    /// 医院信息科签字, 备注.
    pub fn form_rows(&self) -> Vec<[String; 6]> {
        self.days
            .iter()
            .map(|(d, r)| {
                let date = format!("{}月{}日", d.month(), d.day());
                match r {
                    None => [date, String::new(), String::new(), String::new(), String::new(), String::new()],
                    Some(r) => [
                        date,
                        format!("{} {}", r.engineer_name, hm(r.signed_in_at, self.timezone)),
                        r.server_state.clone(),
                        r.system_state.clone(),
                        match (&r.hospital_name, r.hospital_signed_at) {
                            (Some(n), Some(at)) => format!("{n} {}", hm(at, self.timezone)),
                            _ => String::new(),
                        },
                        r.notes.clone(),
                    ],
                }
            })
            .collect()
    }

    /// The form's title (`某医院维护项目运行表`).
    pub fn title(&self) -> String {
        format!("{}维护项目运行表", self.hospital)
    }

    /// The month as the seed's form in an XLSX workbook: the title across the six columns, the
    /// header, one bordered row per day, set up to print on one page width.
    pub fn xlsx(&self) -> Result<Vec<u8>, AppError> {
        let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(format!("{}年{}月", self.first.year(), self.first.month())).map_err(err)?;
        let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::VerticalCenter);
        let caption = format!("{}（{}年{}月）", self.title(), self.first.year(), self.first.month());
        sheet.merge_range(0, 0, 0, 5, &caption, &title).map_err(err)?;
        for (c, (name, width)) in [
            ("日期", 10.0),
            ("维护工程师签到", 18.0),
            ("服务器运行情况", 24.0),
            ("系统运行情况", 24.0),
            ("医院信息科签字", 18.0),
            ("备注", 24.0),
        ]
        .into_iter()
        .enumerate()
        {
            let c = u16::try_from(c).unwrap_or_default();
            sheet.set_column_width(c, width).map_err(err)?;
            sheet.write_string_with_format(1, c, name, &head).map_err(err)?;
        }
        for (r, row) in self.form_rows().iter().enumerate() {
            let r = u32::try_from(r + 2).unwrap_or(u32::MAX);
            for (c, value) in row.iter().enumerate() {
                sheet.write_string_with_format(r, u16::try_from(c).unwrap_or_default(), value, &cell).map_err(err)?;
            }
        }
        sheet.set_landscape().set_print_fit_to_pages(1, 0).set_repeat_rows(0, 1).map_err(err)?;
        book.save_to_buffer().map_err(err)
    }
}
