//! Monitoring: alert webhooks (Alertmanager, Zabbix, backups), alerts, backup jobs.

use axum::http::Method;
use serde_json::json;

use super::harness::{Row, api, page};
use super::{ALL, INSPECTION_TEMPLATES, REPORTERS, Who};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::POST, "/api/v1/projects/{code}/alerts/alertmanager", Who::Project(REPORTERS), 200).call(
            async |cx| {
                let n = cx.n;
                let body = json!({"version": "4", "status": "firing", "receiver": "yunwei", "alerts": [{"status": "firing",
                    "labels": {"alertname": "HostDown", "instance": format!("10.8.0.{}:9100", n % 250)},
                    "startsAt": "2026-03-02T00:58:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": format!("fp{n}")}]});
                cx.api(Method::POST, "/api/v1/projects/alpha/alerts/alertmanager", Some(body)).await
            },
        ),
        api(Method::POST, "/api/v1/projects/{code}/alerts/zabbix", Who::Project(REPORTERS), 200).call(async |cx| {
            let body = json!({"event_id": format!("{}", cx.n), "value": "1", "severity": "3", "host": "his-app01",
                              "trigger": "CPU 过高", "started_at": "2026.03.02 08:55:00"});
            cx.api(Method::POST, "/api/v1/projects/alpha/alerts/zabbix", Some(body)).await
        }),
        api(Method::POST, "/api/v1/projects/{code}/alerts/backup", Who::Project(REPORTERS), 200)
            .call(async |cx| {
                let body = json!({"job": format!("备份{}", cx.n), "success": true,
                                  "started_at": "2026-03-02T02:00:00+08:00", "ended_at": "2026-03-02T02:30:00+08:00"});
                cx.api(Method::POST, "/api/v1/projects/alpha/alerts/backup", Some(body)).await
            })
            .not_audited("a backup success with no failure to clear: the stored report is the record (app::monitoring)"),
        api(Method::GET, "/api/v1/projects/{code}/alerts", Who::Project(ALL), 200),
        api(Method::GET, "/api/v1/projects/{code}/backup-jobs", Who::Project(ALL), 200),
        api(Method::PUT, "/api/v1/projects/{code}/backup-jobs/{job}", Who::Project(INSPECTION_TEMPLATES), 200).call(
            async |cx| {
                let path = format!("/api/v1/projects/alpha/backup-jobs/job-{}", cx.n);
                cx.api(Method::PUT, &path, Some(json!({"expected_by": "06:00"}))).await
            },
        ),
        // pages
        page(Method::GET, "/p/{code}/alerts", Who::Project(ALL), 200)
            .call(async |cx| cx.page(Method::GET, "/p/alpha/alerts?before=1000").await),
        page(Method::POST, "/p/{code}/backup-jobs", Who::Project(INSPECTION_TEMPLATES), 303).call(async |cx| {
            let job = format!("ui-job-{}", cx.n);
            cx.form("/p/alpha/backup-jobs", &[("job", job.as_str()), ("expected_by", "06:00"), ("host", "")]).await
        }),
    ]
}
