//! The demo hospital's preventive work: a quarterly plan for the core switches (with the first
//! and, near a holiday, the pre-holiday inspections it generates), a minicomputer inspection done,
//! signed, with an abnormal item turned into an incident and its report issued, the resident
//! engineer's daily log for the past week, a backup job with its report, and a monitoring alert
//! that opened an incident — so every inspection and monitoring page shows something real.

use chrono::{Datelike, Duration, Weekday};
use yunwei_domain::monitoring::{Alert, BackupReport, Source};

use super::DEMO_PROJECT;
use crate::actor::Actor;
use crate::inspection::{AnswerInput, NewExecution};
use crate::{App, AppError};

/// Fills in the demo project's inspections, daily log and monitoring.
pub(crate) async fn demo_inspections(
    app: &App,
    engineer: &Actor,
    it: &Actor,
    manager: &Actor,
    admin: &Actor,
) -> Result<(), AppError> {
    let code = DEMO_PROJECT;
    let pid = yunwei_store::project::by_code(&app.db, code)
        .await?
        .ok_or_else(|| AppError::Internal("demo project missing".into()))?
        .id;
    let cis = yunwei_store::cmdb::all(&app.db, pid).await?;
    let ci = |name: &str| cis.iter().find(|c| c.name == name).map(|c| c.id);

    // A quarterly plan for the two core switches (generates this quarter's, the first, and a
    // pre-holiday inspection when a holiday is near).
    let switches: Vec<i64> = ["CORE-SW-01", "CORE-SW-02"].iter().filter_map(|n| ci(n)).collect();
    crate::inspection_plan::create(
        app,
        manager,
        code,
        crate::inspection_plan::NewPlan {
            name: "核心交换机季度巡检".into(),
            template: "core_switch".into(),
            ci_ids: switches,
            cycle: None,
        },
    )
    .await?;

    // The HIS minicomputer, inspected yesterday: the swap space is short, which became a P3.
    let now = app.now();
    let done = crate::inspection::create_execution(
        app,
        engineer,
        code,
        NewExecution { template: "minicomputer".into(), ci_id: ci("HIS-DB-SRV-01"), planned_for: None, kind: None },
    )
    .await?;
    let id = done.execution.id;
    let started = now - Duration::hours(26);
    for (i, item) in done.template.items.iter().enumerate() {
        let abnormal = item.name == "交换分区";
        let answer = AnswerInput {
            verdict: Some(if abnormal { "abnormal" } else { "ok" }.into()),
            value: None,
            text: None,
            note: abnormal.then(|| "交换分区使用率 92%，paging space 偏小".to_owned()),
            recorded_at: Some(started + Duration::minutes(i as i64 * 2)),
        };
        crate::inspection::answer(app, engineer, id, &item.key, answer).await?;
    }
    if let Some(item) = done.template.items.iter().find(|i| i.name == "交换分区") {
        crate::inspection::raise_incident(app, engineer, id, &item.key, Some("P3".into())).await?;
    }
    crate::inspection::complete(app, engineer, id).await?;
    crate::inspection::confirm(app, it, id, Some("情况属实".into())).await?;
    let report = vec![
        ("findings".to_owned(), "HIS 数据库小型机交换分区使用率 92%，其余 29 项正常。".to_owned()),
        ("causes".to_owned(), "业务量增长，paging space 仍为上线时的 8 GB。".to_owned()),
        ("impact".to_owned(), "高峰期可能出现换页，挂号与收费响应变慢。".to_owned()),
        ("recommendations".to_owned(), "扩大 paging space 至 32 GB，纳入下次变更窗口。".to_owned()),
        ("risks".to_owned(), "调整需在业务低峰进行，约 10 分钟。".to_owned()),
    ];
    crate::inspection::write_report(app, engineer, id, report, true).await?;

    // The daily log of the past week's working days, signed off by the hospital except today.
    let tz = yunwei_domain::time::DEFAULT_TZ;
    let today = now.with_timezone(&tz).date_naive();
    for back in (0..7).rev() {
        let day = today - chrono::Days::new(back);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let input = crate::daily_log::DayInput {
            server_state: "正常".into(),
            system_state: if back == 2 { "LIS 14:10–14:25 中断，已恢复".into() } else { "正常".into() },
            notes: Some("HIS 全库备份成功".into()),
        };
        crate::daily_log::write(app, engineer, code, day, input).await?;
        if back > 0 {
            crate::daily_log::sign(app, it, code, day).await?;
        }
    }

    // Monitoring: the nightly HIS backup reported, and a PACS server alert that opened a P3.
    crate::monitoring::set_backup_job(app, admin, code, "HIS 全库备份", "06:00", Some("10.1.0.21".into())).await?;
    let night = now - Duration::hours(8);
    let backup = BackupReport {
        job: "HIS 全库备份".into(),
        success: true,
        started_at: night,
        ended_at: night + Duration::minutes(42),
        size_bytes: Some(187 << 30),
        error: None,
        host: Some("10.1.0.21".into()),
    };
    crate::monitoring::backup(app, engineer, code, backup).await?;
    let alert = Alert {
        source: Source::Alertmanager,
        fingerprint: "demo-pacs-disk".into(),
        firing: true,
        starts_at: now - Duration::minutes(20),
        ends_at: None,
        labels: [
            ("alertname", "NodeFilesystemAlmostFull"),
            ("instance", "10.1.0.31:9100"),
            ("mountpoint", "/data"),
            ("severity", "warning"),
            ("source", "alertmanager"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        annotations: [("summary".to_owned(), "PACS 影像存储 /data 使用率 91%".to_owned())].into_iter().collect(),
        title: "PACS 影像存储 /data 使用率 91%".into(),
        description: "node_filesystem_avail_bytes / size < 10%，持续 15 分钟".into(),
        host: Some("10.1.0.31:9100".into()),
        link: None,
    };
    crate::monitoring::receive(app, engineer, code, vec![alert]).await?;
    Ok(())
}
