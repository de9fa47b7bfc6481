//! Two instances behind one PostgreSQL under load: both serve, background work (acting on
//! alerts) happens once, killing one mid-load costs only its in-flight requests and the other
//! carries on. PostgreSQL only: SQLite is one process's database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Ledger, Server, Target, check, client, load, text};

/// Distinct alerts sent, each to both instances (a resend through the other one).
const ALERTS: usize = 24;

fn alert(i: usize) -> Value {
    json!({"version": "4", "status": "firing", "receiver": "yunwei", "groupKey": "{}:{alertname=\"HostDown\"}",
           "alerts": [{"status": "firing",
                       "labels": {"alertname": "HostDown", "instance": format!("10.9.0.{i}:9100"), "severity": "warning"},
                       "annotations": {"summary": "主机不可达"}, "startsAt": "2026-03-02T01:00:00Z",
                       "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph",
                       "fingerprint": format!("two-instances-{i}")}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_work_and_one_survives_the_other() {
    let t = Target::new().await;
    if !t.is_pg() {
        eprintln!("two instances: PostgreSQL only (set YUNWEI_TEST_DATABASE_URL); not run on SQLite");
        return;
    }
    let token = t.demo_token();
    let out = t.run(&["user", "token", "reporter", "--name", "monitoring"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let monitor = format!("Bearer {}", text(&out.stdout).trim());
    const MONITORING: &str = "SELECT COUNT(*) FROM incidents WHERE channel = 'monitoring'";
    let sql = t.db().await;
    let before = sql.count(MONITORING).await;
    sql.close().await;
    let a = Server::start(&t, &[("YUNWEI_INSTANCE_NAME", "a")]);
    let b = Server::start(&t, &[("YUNWEI_INSTANCE_NAME", "b")]);

    // Every alert arrives at both; whichever instance's runner claims its job acts on it.
    let http = client(4);
    for i in 0..ALERTS {
        for base in [&a.base, &b.base] {
            let r = http
                .post(format!("{base}/api/v1/projects/demo/alerts/alertmanager"))
                .header("authorization", &monitor)
                .json(&alert(i))
                .send()
                .await
                .expect("alert");
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        }
    }

    let (on_a, on_b) = (Arc::new(Ledger::default()), Arc::new(Ledger::default()));
    let (stop_a, stop_b) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let mut load_a = tokio::spawn(load(a.base.clone(), token.clone(), 32, on_a.clone(), stop_a.clone()));
    let mut load_b = tokio::spawn(load(b.base.clone(), token.clone(), 32, on_b.clone(), stop_b.clone()));
    tokio::select! {
        () = async { tokio::join!(on_a.until(150), on_b.until(150)); } => {}
        _ = &mut load_a => panic!("the load on a ended early:\n{}", a.log()),
        _ = &mut load_b => panic!("the load on b ended early:\n{}", b.log()),
    }

    // a dies mid-load; b carries on without a single failed request.
    a.kill();
    stop_a.store(true, Ordering::Relaxed);
    load_a.await.expect("load a");
    let cut_off = on_a.failed.load(Ordering::Relaxed);
    assert!(cut_off <= 32, "only a's in-flight requests fail: {cut_off}");
    let at_kill = on_b.acked_writes();
    tokio::select! {
        () = on_b.until(at_kill + 300) => {}
        _ = &mut load_b => panic!("the load on b ended after a died:\n{}", b.log()),
    }
    stop_b.store(true, Ordering::Relaxed);
    load_b.await.expect("load b");
    assert_eq!(on_b.failed.load(Ordering::Relaxed), 0, "b failed requests after a died:\n{}", b.log());

    // Each alert was acted on once: one incident each, whichever instance did it. b's runner
    // takes over what a had claimed once a's lease passes; wait for the last of them.
    let mut alerts = Vec::new();
    let waited = std::time::Instant::now();
    for _ in 0..1200 {
        let r: Value = http
            .get(format!("{}/api/v1/projects/demo/alerts?limit=100", b.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("alerts")
            .json()
            .await
            .expect("json");
        alerts = r["items"].as_array().cloned().unwrap_or_default();
        let ours = alerts.iter().filter(|x| x["fingerprint"].as_str().is_some_and(|f| f.starts_with("two-instances-")));
        if ours.clone().count() == ALERTS && ours.clone().all(|x| x["state"] != "pending") {
            break;
        }
        // Real processes on the real clock: the runner passes every second.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("alerts settled {:?} after the load", waited.elapsed());
    let ours: Vec<&Value> =
        alerts.iter().filter(|x| x["fingerprint"].as_str().is_some_and(|f| f.starts_with("two-instances-"))).collect();
    assert_eq!(ours.len(), ALERTS, "each alert stored once");
    let mut incidents: Vec<i64> = ours.iter().filter_map(|x| x["incident_id"].as_i64()).collect();
    assert_eq!(incidents.len(), ALERTS, "each alert opened an incident: {ours:?}");
    incidents.sort_unstable();
    incidents.dedup();
    assert_eq!(incidents.len(), ALERTS, "no two alerts share an incident");
    for x in &ours {
        assert_eq!(x["receive_count"], 2, "the resend through the other instance was counted: {x}");
    }
    let sql = t.db().await;
    let opened = sql.count(MONITORING).await - before;
    sql.close().await;
    assert_eq!(opened, ALERTS as i64, "background work ran once: one incident per alert");

    // Everything either instance acknowledged is stored, and whole.
    let both = Ledger::default();
    {
        let mut all = both.incidents.lock().expect("ledger");
        all.extend(on_a.incidents.lock().expect("a").clone());
        all.extend(on_b.incidents.lock().expect("b").clone());
    }
    let checked = check(&t, &both).await;
    eprintln!(
        "two instances: {} writes acknowledged by a before it was killed ({cut_off} cut off), {} by b; {checked} checked; {ALERTS} alerts acted on once",
        on_a.acked_writes(),
        on_b.acked_writes()
    );
    drop(b);
}
