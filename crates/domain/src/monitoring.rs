//! Monitoring intake (seed 000 §2.3: the resident engineers watch monitoring and backups every
//! day): the payloads of Prometheus Alertmanager (webhook version 4), of our Zabbix media type
//! (`contrib/zabbix/`) and of backup-job reports, turned into one alert shape; the host an alert is
//! about (for matching CIs); and the contract's rule that decides what an alert opens.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::contract::MonitoringTerms;
use crate::error::ValidationErrors;

code_enum! {
    /// Where an alert came from.
    Source {
        /// Prometheus Alertmanager.
        Alertmanager = ("alertmanager", "Prometheus 告警"),
        /// Zabbix, through the media type in `contrib/zabbix/`.
        Zabbix = ("zabbix", "Zabbix 告警"),
        /// A backup job's report.
        Backup = ("backup", "备份作业"),
    }
}

/// One alert, whatever sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub source: Source,
    /// What identifies the same alert across resends (Alertmanager's fingerprint, the Zabbix
    /// problem event, the backup job).
    pub fingerprint: String,
    /// Firing (a problem) or resolved (its recovery).
    pub firing: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Labels, with `source` added (what the contract's rules match on).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// One line for the incident title.
    pub title: String,
    /// What the sender said about it.
    pub description: String,
    /// The host it is about (`10.1.2.3:9100`, `his-db01`), for matching CIs.
    pub host: Option<String>,
    /// A link back to the sender.
    pub link: Option<String>,
}

/// The Alertmanager webhook body (version 4), as Alertmanager sends it. Unknown fields are
/// accepted: newer Alertmanagers add some.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    pub version: String,
    #[serde(default)]
    pub group_key: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub external_url: String,
    pub alerts: Vec<AlertmanagerAlert>,
}

/// One alert of an Alertmanager notification.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    pub status: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// `0001-01-01T00:00:00Z` while firing.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    #[serde(default)]
    pub fingerprint: String,
}

/// Alerts a single notification may carry at most.
pub const MAX_ALERTS: usize = 1000;

fn trimmed(map: BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.into_iter().map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect()
}

/// A fingerprint from the labels when the sender gave none (older Alertmanagers).
fn label_fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update([0xff]);
        h.update(v.as_bytes());
        h.update([0xfe]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Checks an Alertmanager notification and turns it into alerts; every problem names its field.
pub fn from_alertmanager(p: AlertmanagerPayload) -> Result<Vec<Alert>, ValidationErrors> {
    let mut v = ValidationErrors::default();
    if p.version != "4" {
        v.push("version", format!("只支持 Alertmanager webhook 第 4 版，收到“{}”", p.version));
    }
    if p.alerts.len() > MAX_ALERTS {
        v.push("alerts", format!("一次最多 {MAX_ALERTS} 条告警"));
    }
    let mut out = Vec::with_capacity(p.alerts.len());
    for (i, a) in p.alerts.into_iter().enumerate() {
        let firing = match a.status.as_str() {
            "firing" => true,
            "resolved" => false,
            other => {
                v.push(format!("alerts[{i}].status"), format!("须为 firing 或 resolved，收到“{other}”"));
                true
            }
        };
        let mut labels = trimmed(a.labels);
        if labels.get("alertname").is_none_or(|n| n.is_empty()) {
            v.push(format!("alerts[{i}].labels.alertname"), "告警须有 alertname 标签");
        }
        let fingerprint = match a.fingerprint.trim() {
            "" => label_fingerprint(&labels),
            f => f.to_owned(),
        };
        let annotations = trimmed(a.annotations);
        let name = labels.get("alertname").cloned().unwrap_or_default();
        let host = ["instance", "host", "hostname", "nodename"].iter().find_map(|k| labels.get(*k).cloned());
        let title = annotations.get("summary").filter(|s| !s.is_empty()).cloned().unwrap_or_else(|| match &host {
            Some(h) => format!("{name}（{h}）"),
            None => name.clone(),
        });
        let description = annotations.get("description").cloned().unwrap_or_default();
        // Alertmanager writes the zero time while an alert fires.
        let ends_at = a.ends_at.filter(|t| t.timestamp() > 0);
        labels.insert("source".into(), Source::Alertmanager.code().into());
        out.push(Alert {
            source: Source::Alertmanager,
            fingerprint,
            firing,
            starts_at: a.starts_at,
            ends_at: if firing { None } else { ends_at },
            labels,
            annotations,
            title,
            description,
            host,
            link: Some(a.generator_url).filter(|u| !u.is_empty()),
        });
    }
    v.into_result()?;
    Ok(out)
}

/// What the Zabbix media type sends (`contrib/zabbix/yunwei_media_type.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZabbixPayload {
    /// `{EVENT.ID}`: the problem event (a recovery message carries the same id).
    pub event_id: String,
    /// `{EVENT.VALUE}`: 1 problem, 0 recovery.
    pub value: String,
    /// `{EVENT.NSEVERITY}`: 0 not classified … 5 disaster.
    pub severity: String,
    /// `{HOST.NAME}`.
    pub host: String,
    /// `{HOST.IP}`.
    #[serde(default)]
    pub host_ip: Option<String>,
    /// `{EVENT.NAME}` (the trigger's name).
    pub trigger: String,
    /// `{EVENT.DATE} {EVENT.TIME}` (`2026.03.02 09:00:00`, the Zabbix server's time zone, taken
    /// as the project's) or RFC 3339.
    pub started_at: String,
    /// `{EVENT.RECOVERY.DATE} {EVENT.RECOVERY.TIME}` on recovery.
    #[serde(default)]
    pub recovered_at: Option<String>,
    /// `{TRIGGER.DESCRIPTION}` or the message text.
    #[serde(default)]
    pub message: Option<String>,
    /// Link to the event in the Zabbix front end.
    #[serde(default)]
    pub url: Option<String>,
}

/// Zabbix severities by number.
pub const ZABBIX_SEVERITIES: [&str; 6] = ["not_classified", "information", "warning", "average", "high", "disaster"];

/// A time as Zabbix macros write it (in `tz`) or RFC 3339.
pub fn parse_time(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y.%m.%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    local.and_local_timezone(tz).earliest().map(|t| t.with_timezone(&Utc))
}

/// Checks a Zabbix event and turns it into an alert.
pub fn from_zabbix(p: ZabbixPayload, tz: Tz) -> Result<Alert, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let event_id = p.event_id.trim();
    if event_id.is_empty() || event_id.starts_with('{') {
        v.push("event_id", "须为 Zabbix 事件编号（{EVENT.ID}）");
    }
    let firing = match p.value.trim() {
        "1" | "PROBLEM" | "problem" => true,
        "0" | "OK" | "RESOLVED" | "recovery" | "resolved" => false,
        other => {
            v.push("value", format!("须为 1（故障）或 0（恢复），收到“{other}”"));
            true
        }
    };
    let severity = match p.severity.trim().parse::<usize>() {
        Ok(n) if n < ZABBIX_SEVERITIES.len() => ZABBIX_SEVERITIES[n],
        _ => {
            v.push("severity", format!("须为 0–5（{{EVENT.NSEVERITY}}），收到“{}”", p.severity));
            ZABBIX_SEVERITIES[0]
        }
    };
    if p.host.trim().is_empty() {
        v.push("host", "不能为空");
    }
    if p.trigger.trim().is_empty() {
        v.push("trigger", "不能为空");
    }
    let starts_at = parse_time(&p.started_at, tz);
    if starts_at.is_none() {
        v.push("started_at", "须为“2026.03.02 09:00:00”或 RFC 3339 时间");
    }
    let ends_at = match p.recovered_at.as_deref().map(str::trim).filter(|s| !s.is_empty() && !s.starts_with('{')) {
        None => None,
        Some(s) => {
            let t = parse_time(s, tz);
            if t.is_none() {
                v.push("recovered_at", "须为“2026.03.02 09:00:00”或 RFC 3339 时间");
            }
            t
        }
    };
    v.into_result()?;
    let host = p.host.trim().to_owned();
    let labels = BTreeMap::from([
        ("source".to_owned(), Source::Zabbix.code().to_owned()),
        ("severity".to_owned(), severity.to_owned()),
        ("host".to_owned(), host.clone()),
        ("trigger".to_owned(), p.trigger.trim().to_owned()),
    ]);
    let ip = p.host_ip.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty() && !s.starts_with('{'));
    Ok(Alert {
        source: Source::Zabbix,
        fingerprint: format!("zabbix:{event_id}"),
        firing,
        starts_at: starts_at.unwrap_or_default(),
        ends_at: if firing { None } else { ends_at },
        labels,
        annotations: BTreeMap::new(),
        title: format!("{}（{host}）", p.trigger.trim()),
        description: p.message.unwrap_or_default().trim().to_owned(),
        host: Some(ip.unwrap_or(host)),
        link: p.url.filter(|u| !u.trim().is_empty()),
    })
}

/// A backup job's report (seed 000 §2.3: 起止时间、是否成功、出错告警).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupPayload {
    /// The job's name (one name per job: a failure and the next success pair up by it).
    pub job: String,
    pub success: bool,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub ended_at: String,
    #[serde(default)]
    pub size_bytes: Option<i64>,
    #[serde(default)]
    pub error: Option<String>,
    /// The host that was backed up (for matching the CI).
    #[serde(default)]
    pub host: Option<String>,
}

/// A checked backup report: the times, and the alert it raises (a failure fires, a success
/// resolves the job's earlier failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub job: String,
    pub success: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub host: Option<String>,
}

/// Checks a backup report.
pub fn backup_report(p: BackupPayload) -> Result<BackupReport, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let job = p.job.trim().to_owned();
    if job.is_empty() || job.chars().count() > 200 {
        v.push("job", "须为 1–200 个字符的作业名");
    }
    let time = |v: &mut ValidationErrors, f: &str, s: &str| {
        DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            v.push(f, "须为带时区的 RFC 3339 时间，例如 2026-03-01T02:00:00+08:00");
        })
    };
    let started_at = time(&mut v, "started_at", &p.started_at).ok();
    let ended_at = time(&mut v, "ended_at", &p.ended_at).ok();
    if let (Some(s), Some(e)) = (started_at, ended_at)
        && e < s
    {
        v.push("ended_at", "结束时间早于开始时间");
    }
    if p.size_bytes.is_some_and(|n| n < 0) {
        v.push("size_bytes", "不能为负数");
    }
    let error = p.error.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if !p.success && error.is_none() {
        v.push("error", "备份失败须说明错误");
    }
    v.into_result()?;
    Ok(BackupReport {
        job,
        success: p.success,
        started_at: started_at.unwrap_or_default(),
        ended_at: ended_at.unwrap_or_default(),
        size_bytes: p.size_bytes,
        error,
        host: p.host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()),
    })
}

impl BackupReport {
    /// The alert of this report: a failure fires, a success resolves the job's failure.
    pub fn alert(&self) -> Alert {
        let labels = BTreeMap::from([
            ("source".to_owned(), Source::Backup.code().to_owned()),
            ("job".to_owned(), self.job.clone()),
        ]);
        Alert {
            source: Source::Backup,
            fingerprint: format!("backup:{}", self.job),
            firing: !self.success,
            starts_at: if self.success { self.started_at } else { self.ended_at },
            ends_at: self.success.then_some(self.ended_at),
            labels,
            annotations: BTreeMap::new(),
            title: format!("备份作业失败：{}", self.job),
            description: self.error.clone().unwrap_or_default(),
            host: self.host.clone(),
            link: None,
        }
    }
}

/// What an alert does under the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Severity of the incident it opens; `None`: stored only.
    pub severity: Option<String>,
    /// Its recovery resolves the incident (the hospital still confirms).
    pub resolve_on_recovery: bool,
}

/// The first rule whose labels all match decides; without one, the contract's default severity,
/// else `lowest` (the contract's least severe level).
pub fn decide(terms: &MonitoringTerms, labels: &BTreeMap<String, String>, lowest: &str) -> Decision {
    let rule = terms.rules.iter().find(|r| r.when.iter().all(|(k, v)| labels.get(k) == Some(v)));
    match rule {
        Some(r) if r.ignore => Decision { severity: None, resolve_on_recovery: false },
        Some(r) => Decision {
            severity: r.severity.clone().or_else(|| terms.severity.clone()).or_else(|| Some(lowest.to_owned())),
            resolve_on_recovery: r.resolve_on_recovery,
        },
        None => Decision {
            severity: terms.severity.clone().or_else(|| Some(lowest.to_owned())),
            resolve_on_recovery: false,
        },
    }
}

/// Audit codes of monitoring intake: the entity and action of each audit entry it writes.
pub mod audit {
    use crate::audit::AuditCode;

    /// A notification with something new received from a monitoring system.
    pub const ALERT_RECEIVE: AuditCode = AuditCode::new("alert", "receive");
    /// A backup job's expected time set.
    pub const BACKUP_JOB_SET: AuditCode = AuditCode::new("backup_job", "set");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::AlertRule;

    /// A notification in the shape Alertmanager 0.25 sends (webhook version 4, its fields in its order).
    const AM: &str = r#"{"receiver":"yunwei","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"HostDown","instance":"10.1.2.3:9100","job":"node","severity":"critical"},"annotations":{"summary":"HIS 数据库服务器不可达"},"startsAt":"2026-03-02T01:00:00.123Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=up","fingerprint":"4a8d3c0f1b2e5d67"}],"groupLabels":{"alertname":"HostDown"},"commonLabels":{"alertname":"HostDown"},"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{alertname=\"HostDown\"}","truncatedAlerts":0}"#;

    #[test]
    fn an_alertmanager_notification_becomes_alerts() {
        let p: AlertmanagerPayload = serde_json::from_str(AM).expect("payload");
        let a = from_alertmanager(p).expect("valid");
        assert_eq!(a.len(), 1);
        let a = &a[0];
        assert_eq!((a.fingerprint.as_str(), a.firing, a.ends_at), ("4a8d3c0f1b2e5d67", true, None));
        assert_eq!(a.title, "HIS 数据库服务器不可达");
        assert_eq!(a.host.as_deref(), Some("10.1.2.3:9100"));
        assert_eq!(a.labels.get("source").map(String::as_str), Some("alertmanager"));
        assert_eq!(a.link.as_deref(), Some("http://prometheus:9090/graph?g0.expr=up"));
    }

    #[test]
    fn bad_alertmanager_notifications_name_the_field() {
        let p: AlertmanagerPayload = serde_json::from_str(
            &AM.replace(r#""version":"4""#, r#""version":"3""#).replace("\"firing\",\"labels", "\"burning\",\"labels"),
        )
        .expect("payload");
        let e = from_alertmanager(p).expect_err("invalid");
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["version", "alerts[0].status"]);
    }

    #[test]
    fn without_a_fingerprint_the_labels_give_one() {
        let p: AlertmanagerPayload = serde_json::from_str(&AM.replace("4a8d3c0f1b2e5d67", "")).expect("payload");
        let a = from_alertmanager(p).expect("valid");
        let q: AlertmanagerPayload = serde_json::from_str(&AM.replace("4a8d3c0f1b2e5d67", "")).expect("payload");
        assert_eq!(a[0].fingerprint, from_alertmanager(q).expect("valid")[0].fingerprint);
        assert_eq!(a[0].fingerprint.len(), 16);
    }

    #[test]
    fn zabbix_times_are_in_the_project_zone_and_recovery_pairs_by_event() {
        let tz: Tz = "Asia/Shanghai".parse().expect("tz");
        let p = ZabbixPayload {
            event_id: "3141".into(),
            value: "0".into(),
            severity: "4".into(),
            host: "his-db01".into(),
            host_ip: Some("10.1.2.3".into()),
            trigger: "Oracle 监听不可用".into(),
            started_at: "2026.03.02 09:00:00".into(),
            recovered_at: Some("2026.03.02 09:20:00".into()),
            message: None,
            url: None,
        };
        let a = from_zabbix(p, tz).expect("valid");
        assert_eq!(a.fingerprint, "zabbix:3141");
        assert!(!a.firing);
        assert_eq!(a.starts_at.to_rfc3339(), "2026-03-02T01:00:00+00:00");
        assert_eq!(a.ends_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-03-02T01:20:00+00:00"));
        assert_eq!(a.labels.get("severity").map(String::as_str), Some("high"));
        assert_eq!(a.host.as_deref(), Some("10.1.2.3"));
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let rule = |k: &str, v: &str, sev: Option<&str>, ignore: bool| AlertRule {
            when: BTreeMap::from([(k.to_owned(), v.to_owned())]),
            severity: sev.map(str::to_owned),
            ignore,
            resolve_on_recovery: sev == Some("P1"),
        };
        let t = MonitoringTerms {
            severity: Some("P3".into()),
            rules: vec![rule("severity", "critical", Some("P1"), false), rule("severity", "info", None, true)],
        };
        let labels =
            |v: &str| BTreeMap::from([("severity".to_owned(), v.to_owned()), ("job".to_owned(), "node".to_owned())]);
        assert_eq!(
            decide(&t, &labels("critical"), "P4"),
            Decision { severity: Some("P1".into()), resolve_on_recovery: true }
        );
        assert_eq!(decide(&t, &labels("info"), "P4").severity, None);
        assert_eq!(decide(&t, &labels("warning"), "P4").severity.as_deref(), Some("P3"));
        assert_eq!(decide(&MonitoringTerms::default(), &labels("warning"), "P4").severity.as_deref(), Some("P4"));
    }

    #[test]
    fn a_failed_backup_fires_and_a_success_resolves_it() {
        let p = |success: bool, error: Option<&str>| BackupPayload {
            job: "HIS 全库备份".into(),
            success,
            started_at: "2026-03-02T02:00:00+08:00".into(),
            ended_at: "2026-03-02T02:40:00+08:00".into(),
            size_bytes: Some(1 << 30),
            error: error.map(str::to_owned),
            host: Some("his-db01".into()),
        };
        let failed = backup_report(p(false, Some("ORA-19502: write error on file"))).expect("valid").alert();
        assert!(failed.firing);
        assert_eq!(failed.fingerprint, "backup:HIS 全库备份");
        let ok = backup_report(p(true, None)).expect("valid").alert();
        assert_eq!((ok.firing, ok.fingerprint), (false, failed.fingerprint));
        let e = backup_report(p(false, None)).expect_err("a failure says why");
        assert_eq!(e.0[0].field, "error");
    }
}
