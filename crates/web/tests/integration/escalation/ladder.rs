//! The ladder: steps fire once and in order, across instances and restarts, pauses and quiet hours.

use super::*;

#[tokio::test]
async fn a_backdated_incident_fires_its_overdue_steps_at_once_in_order() {
    // Now is 09:00; the call came in at 04:30 and is typed in only now: 30 min, 2 h and 4 h are
    // all past.
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T04:30:00").await;
    let later = d.report(&d.t.app, "P3", "2026-03-02T08:50:00").await;
    let fired = notify::fire_due(&d.t.app).await.expect("fire");
    assert_eq!(steps(&fired), [(id, 0, "manager1"), (id, 1, "manager2"), (id, 2, "manager3")]);
    assert_eq!(d.in_app(id).await, d.managers.iter().map(|m| Some(*m)).collect::<Vec<_>>(), "Manager1 → 2 → 3");
    assert!(notify::fire_due(&d.t.app).await.expect("again").is_empty(), "each step once");
    assert!(d.in_app(later).await.is_empty(), "the P3's first step is 12 h away");

    // The P3's first step comes due at 20:50.
    d.t.clock.set(bj("2026-03-02T20:49:59"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty());
    d.t.clock.set(bj("2026-03-02T20:50:00"));
    assert_eq!(steps(&notify::fire_due(&d.t.app).await.expect("fire")), [(later, 0, "manager1")]);
    let inbox = notify::my_inbox(&d.t.app, &d.manager1, None, 10).await.expect("inbox");
    assert_eq!(inbox.len(), 2);
    let newest = &inbox[0].message;
    assert!(newest.subject.contains("三级故障") && newest.body.contains("第 1 级"), "{newest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_fire_each_step_exactly_once() {
    let d = desk().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(d.report(&d.t.app, "P1", "2026-03-02T04:00:00").await);
    }
    let a = d.t.app.clone().with_notify(NotifySettings { instance: "a".into(), ..Default::default() });
    let b = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default())
        .with_notify(NotifySettings { instance: "b".into(), ..Default::default() });
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { notify::fire_due(&a).await }),
        tokio::spawn(async move { notify::fire_due(&b).await })
    );
    let (fa, fb) = (ra.expect("join").expect("fire a"), rb.expect("join").expect("fire b"));
    let all: Vec<(i64, i64)> = fa.iter().chain(fb.iter()).map(|f| (f.incident_id, f.step)).collect();
    let unique: BTreeSet<(i64, i64)> = all.iter().copied().collect();
    assert_eq!(all.len(), 60, "20 incidents × 3 steps, none twice: a {} + b {}", fa.len(), fb.len());
    assert_eq!(unique.len(), 60);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM notifications WHERE channel = 'in_app'").await, 60);
    // Each incident's ladder went out in order, whichever instance sent which step.
    for id in ids {
        assert_eq!(d.in_app(id).await, d.managers.iter().map(|m| Some(*m)).collect::<Vec<_>>(), "incident {id}");
    }
}

#[tokio::test]
async fn after_a_restart_nothing_fires_twice_and_what_came_due_meanwhile_fires() {
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T08:25:00").await;
    let first = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default());
    assert_eq!(steps(&notify::fire_due(&first).await.expect("fire")), [(id, 0, "manager1")]);
    first.db.close().await;
    drop(first);

    // The instance is down from 09:00 to 10:30; Manager2's step came due at 10:25.
    d.t.clock.set(bj("2026-03-02T10:30:00"));
    let restarted = App::new(d.t.tdb.second().await, d.t.clock.clone(), AuthSettings::default());
    assert_eq!(steps(&notify::fire_due(&restarted).await.expect("fire")), [(id, 1, "manager2")]);
    assert!(notify::fire_due(&restarted).await.expect("again").is_empty());
    assert_eq!(d.in_app(id).await, [Some(d.managers[0]), Some(d.managers[1])]);
}

#[tokio::test]
async fn the_ladder_stands_still_while_the_hospital_decides_and_stops_with_the_fix() {
    let d = desk().await;
    let id = d.report(&d.t.app, "P1", "2026-03-02T09:00:00").await;
    d.t.clock.set(bj("2026-03-02T09:10:00"));
    d.event(id, "respond", "2026-03-02T09:05:00").await;
    d.event(id, "request_approval", "2026-03-02T09:10:00").await;
    d.t.clock.set(bj("2026-03-02T11:10:00"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty(), "paused: nothing is due");
    let it = {
        d.t.user("it1", false).await;
        d.t.grant("sd", "it1", "hospital_it").await;
        actor(&d.t, "it1").await
    };
    let approve = NewEvent { kind: "approve".into(), ..Default::default() };
    uc::add_event(&d.t.app, &it, yunwei_domain::id::IncidentId::new(id), approve, None).await.expect("approve");
    // 30 min of running time: 09:00–09:10 and 11:10–11:30.
    d.t.clock.set(bj("2026-03-02T11:29:59"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty());
    d.t.clock.set(bj("2026-03-02T11:30:00"));
    assert_eq!(steps(&notify::fire_due(&d.t.app).await.expect("fire")), [(id, 0, "manager1")]);

    d.t.clock.set(bj("2026-03-02T11:40:00"));
    d.event(id, "resolve", "2026-03-02T11:40:00").await;
    d.t.clock.set(bj("2026-03-03T09:00:00"));
    assert!(notify::fire_due(&d.t.app).await.expect("fire").is_empty(), "fixed: the rest of the ladder is off");
}

#[tokio::test]
async fn quiet_hours_hold_personal_messages_except_for_the_most_severe_level() {
    let d = desk().await;
    d.reach_manager1(notify::ContactInput {
        email: Some("m1@hospital.example".into()),
        phone: None,
        quiet_start: Some("22:00".into()),
        quiet_end: Some("07:00".into()),
    })
    .await;
    d.t.clock.set(bj("2026-03-03T00:30:00"));
    let p2 = d.report(&d.t.app, "P2", "2026-03-02T23:00:00").await;
    let p1 = d.report(&d.t.app, "P1", "2026-03-02T23:55:00").await;
    notify::fire_due(&d.t.app).await.expect("fire");
    let email = |id: i64| {
        let d = &d;
        async move {
            let all = d.outbox(id).await;
            all.into_iter().find(|n| n.channel == "email").expect("an e-mail").next_attempt_at
        }
    };
    assert_eq!(email(p2).await, bj("2026-03-03T07:00:00"), "a P2 at midnight waits for the morning");
    assert_eq!(email(p1).await, bj("2026-03-03T00:30:00"), "a P1 goes out at once");
    assert_eq!(d.in_app(p2).await, [Some(d.managers[0])], "in-app is silent and immediate");
}
