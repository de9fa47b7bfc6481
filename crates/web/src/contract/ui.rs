//! The contract page: the terms in force, in plain Chinese, with the document itself below.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use yunwei_app::access::authorize;
use yunwei_app::contract as uc;
use yunwei_domain::calendar::CalendarKind;
use yunwei_domain::contract::{BelowPass, ClockKind, ClockTarget, Contract, Fixed, ItemRule, ReportKind};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::Auth;
use crate::auth::UiAuth;
use crate::ui::page::{app_error_page, error_page, render};
use crate::ui::shell::Shell;

#[derive(Template)]
#[template(path = "contract/contract.html")]
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
    sections: Vec<Section>,
}

/// A titled list of terms, each a label and a sentence.
struct Section {
    title: &'static str,
    rows: Vec<(String, String)>,
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
            clocks: ClockKind::ALL.iter().map(|k| s.clocks.get(k).map(target).unwrap_or_else(|| "—".into())).collect(),
            escalate: s
                .escalate
                .iter()
                .map(|e| format!("{}后 → {}", e.after.to_chinese(), e.to))
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect();
    View {
        hospital: c.project.hospital.clone(),
        vendor: c.project.vendor.clone(),
        period: format!("{} 至 {}", c.project.start, c.project.end),
        fee: c
            .project
            .annual_fee_fen
            .map(|f| format!("{}.{:02} 元", thousands(f / 100), f % 100))
            .unwrap_or_else(|| "未约定".into()),
        timezone: c.project.timezone.name().to_owned(),
        calendars,
        severities,
        pause_while: c.pause_while.iter().map(|s| pause_label(s)).collect::<Vec<_>>().join("、"),
        sections: sections(c),
    }
}

/// `1,500,000`: yuan with thousands separators, as fees are written in contracts.
fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `30 分钟（always）`: the time and the calendar it is counted in.
fn target(t: &ClockTarget) -> String {
    format!("{}（{}）", t.within.to_chinese(), t.calendar)
}

fn within(t: &ClockTarget) -> String {
    format!("{}内（按 {} 日历）", t.within.to_chinese(), t.calendar)
}

fn sections(c: &Contract) -> Vec<Section> {
    let tm = &c.terms;
    let mut out = Vec::new();
    let mut push = |title, rows: Vec<(String, String)>| {
        if !rows.is_empty() {
            out.push(Section { title, rows });
        }
    };
    let opt = |label: &str, t: &Option<ClockTarget>| t.as_ref().map(|t| (label.to_owned(), within(t)));

    let mut rows: Vec<(String, String)> = Vec::new();
    rows.extend(opt("传真、电子邮件报障的回复", &tm.written_reply));
    push("其他服务时限", rows);

    push(
        "报告期限",
        ReportKind::ALL
            .iter()
            .filter_map(|k| tm.reports.get(k).map(|t| (k.label().to_owned(), format!("{} {}", k.trigger(), within(t)))))
            .collect(),
    );

    let mut rows = Vec::new();
    if let Some(i) = &tm.inspection {
        rows.push(("巡检周期".into(), format!("{}至少一次", i.cycle.label())));
        rows.extend(i.first.as_ref().map(|t| ("首次巡检".into(), format!("服务期开始后 {}", within(t)))));
        if let Some(p) = &i.pre_holiday {
            rows.push((
                "节前巡检".into(),
                format!(
                    "{}前 {}（按 {} 日历）完成",
                    p.holidays.join("、"),
                    p.lead.within.to_chinese(),
                    p.lead.calendar
                ),
            ));
        }
    }
    push("巡检", rows);

    let mut rows = Vec::new();
    if let Some(cp) = &tm.complaint {
        rows.push(("受理时间".into(), format!("{} 日历的工作时间", cp.hours)));
        rows.extend(opt("初次回复处理意见", &cp.first_reply));
        rows.extend(opt("处理完毕", &cp.resolve));
        if !cp.escalate.is_empty() {
            let l: Vec<String> = cp.escalate.iter().map(|e| format!("{}后 → {}", e.after.to_chinese(), e.to)).collect();
            rows.push(("未及时回复时升级".into(), l.join("；")));
        }
    }
    push("投诉", rows);

    let sp = &tm.spares;
    let mut rows = Vec::new();
    rows.extend(sp.coverage_percent.map(|p| ("备件覆盖率".to_owned(), format!("不低于 {p}%"))));
    rows.extend(opt("备件库建立", &sp.initial_stock));
    rows.extend(opt("备件补库", &sp.restock));
    rows.extend(opt("硬件更换送达", &sp.replace));
    rows.extend(opt("紧急硬件更换", &sp.urgent_replace));
    rows.extend(opt("提供备用机", &sp.standby));
    rows.extend(
        sp.repair_warranty_months.map(|m| ("返修保修期".to_owned(), format!("{m} 个月内同一故障再次送修算二次返修"))),
    );
    push("备品备件", rows);

    let rq = &tm.requirements;
    let mut rows = Vec::new();
    rows.extend(opt("给出解决方案", &rq.plan));
    rows.extend(opt("开发完成", &rq.develop));
    rows.extend(opt("实施上线", &rq.deliver));
    rows.extend(rq.customization_days_per_year.map(|d| ("每年二次开发工作量".to_owned(), format!("{d} 个工作日"))));
    push("需求（二次功能性修改）", rows);

    let em = &tm.emergency;
    let mut rows: Vec<(String, String)> = em
        .manual_fallback
        .iter()
        .map(|f| {
            (format!("系统中断超过{}", f.after.within.to_chinese()), format!("{} 转入手工操作", f.units.join("、")))
        })
        .collect();
    rows.extend(em.drill_every.map(|c| ("应急演练".to_owned(), format!("{}至少一次", c.label()))));
    rows.extend(opt("重大紧急情况资深人员到场", &em.senior_onsite));
    rows.extend(tm.training_every.map(|c| ("培训".to_owned(), format!("{}至少一次", c.label()))));
    push("应急与培训", rows);

    let mut rows = Vec::new();
    if let Some(a) = &tm.assessment {
        let pay = a.pay_percent_per_period.map(|p| format!("，每期支付年度服务费的 {p}%")).unwrap_or_default();
        rows.push(("考核周期".into(), format!("{}一次{pay}", a.period.label())));
    }
    if let Some(s) = &tm.scoring {
        for i in &s.items {
            let scope = i.scope.as_ref().map(|x| format!("（{x}）")).unwrap_or_default();
            let rule = match i.rule {
                ItemRule::Proportional => "按达标比例计分".to_owned(),
                ItemRule::DeductPerMiss(p) => format!("每发生一次扣 {p} 分"),
                ItemRule::Threshold { free_above_percent, per_percent } => {
                    format!("{free_above_percent}% 以上不扣分，每低 1% 扣 {per_percent} 分")
                }
            };
            let scale = if i.max == i.share {
                format!("{} 分", i.share)
            } else {
                format!("权重 {}%（百分制）", Fixed(i.share.0 * 100 * Fixed::ONE / s.full.0))
            };
            rows.push((format!("{}{scope}", i.name), format!("{scale}，{rule}")));
        }
        for a in &s.adjust {
            let sign = if a.points.0 >= 0 { "加" } else { "扣" };
            rows.push((a.event.label().to_owned(), format!("每次{sign} {} 分", Fixed(a.points.0.abs()))));
        }
        let below = match s.below_pass {
            BelowPass::DeductFee { percent_per_point, cap_percent } => format!(
                "低于 {} 分时，每低 1 分扣减年度服务费的 {percent_per_point}%{}",
                s.pass,
                cap_percent.map(|c| format!("，最多扣 {c}%")).unwrap_or_default()
            ),
            BelowPass::PayScorePercent => format!("低于 {} 分时，按得分占满分的比例支付", s.pass),
        };
        rows.push(("付款".into(), format!("满分 {}，{} 分及以上全额支付；{below}", s.full, s.pass)));
    }
    for p in &tm.penalties {
        let warn = match p.deduct_after_warnings {
            0 => "不经警告".to_owned(),
            1 => "警告同时".to_owned(),
            n => format!("同一问题第 {n} 次警告时"),
        };
        let severe = p.severe_percent.map(|s| format!("；造成严重后果扣 {s}%")).unwrap_or_default();
        let end = if p.may_terminate { "；医院可终止合同" } else { "" };
        rows.push((p.name.clone(), format!("{warn}扣除年度服务费 {}%{severe}{end}", p.deduct_percent)));
    }
    push("考核与付款", rows);
    out
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

/// The hospital and the vendor as the project's current contract names them (empty without one).
pub(crate) async fn parties(st: &AppState, code: &str) -> (String, String) {
    yunwei_app::contract::current(&st.app, None, code)
        .await
        .ok()
        .and_then(|c| yunwei_app::contract::validate(&c.document).ok())
        .map(|c| (c.project.hospital, c.project.vendor))
        .unwrap_or_default()
}

/// The severities of the project's current contract as form options (code, "P1 名称").
pub(crate) async fn severities(st: &AppState, auth: &Auth, code: &str) -> Vec<(String, String)> {
    match yunwei_app::contract::current(&st.app, None, code).await {
        Ok(row) => yunwei_app::contract::validate(&row.document)
            .map(|c| c.severities.into_iter().map(|(k, s)| (k.clone(), format!("{k} {}", s.name))).collect())
            .unwrap_or_default(),
        Err(_) => {
            let _ = auth;
            Vec::new()
        }
    }
}
