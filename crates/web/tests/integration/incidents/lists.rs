//! The list's filters, keyset pages and text search.

use super::*;

/// Every list filter, alone and together, and keyset pages that neither skip nor repeat.
#[tokio::test]
async fn the_list_filters_and_pages_newest_first() {
    let d = desk(&seed_003()).await;
    let mut made = Vec::new();
    // Reported over four days, severities P1..P4 in turn; every third mentions the storage array.
    for i in 0..12i64 {
        let title = if i % 3 == 0 { format!("存储阵列告警 {i}") } else { format!("门诊打印机故障 {i}") };
        let body = json!({"title": title, "severity": format!("P{}", i % 4 + 1), "channel": "phone",
                          "reported_at": format!("2026-02-{:02}T10:00:00+08:00", 20 + i / 3)});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        made.push((v["id"].as_i64().expect("id"), v["number"].as_str().expect("number").to_owned()));
    }
    let ids = |q: &str| {
        let d = &d;
        let q = q.to_owned();
        async move {
            let r = d.t.api(Method::GET, &format!("/api/v1/projects/sd/incidents?{q}"), Some(&d.it), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            let v = r.json();
            let ids: Vec<i64> = v["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
            (ids, v["next_cursor"].as_str().map(str::to_owned))
        }
    };
    let want = |pick: &dyn Fn(usize) -> bool| -> Vec<i64> {
        made.iter().enumerate().rev().filter(|(i, _)| pick(*i)).map(|(_, (id, _))| *id).collect()
    };
    assert_eq!(ids("").await.0, want(&|_| true), "newest first");
    assert_eq!(ids("severity=P1").await.0, want(&|i| i % 4 == 0));
    assert_eq!(ids("severity=P2&status=reported").await.0, want(&|i| i % 4 == 1));
    assert_eq!(ids("severity=P2&status=closed").await.0, Vec::<i64>::new());
    assert_eq!(ids("text=%E5%AD%98%E5%82%A8").await.0, want(&|i| i % 3 == 0), "text=存储");
    // A number typed with the wrong case and spaces finds that incident (by the number's index).
    let (id5, number5) = &made[5];
    let q = format!("text=%20{}%20", number5.to_ascii_lowercase());
    assert_eq!(ids(&q).await.0, vec![*id5]);
    // Reported range: 21 and 22 Feb (Beijing), the end exclusive.
    let range = "reported_from=2026-02-21T00:00:00%2B08:00&reported_to=2026-02-23T00:00:00%2B08:00";
    assert_eq!(ids(range).await.0, want(&|i| (3..9).contains(&i)));
    assert_eq!(ids(&format!("{range}&severity=P4")).await.0, want(&|i| (3..9).contains(&i) && i % 4 == 3));

    // A phone report typed in late: newest by id, oldest by report. A range lists by report time.
    let late = json!({"title": "补录：门诊打印机故障", "severity": "P3", "channel": "phone",
                      "reported_at": "2026-02-21T08:00:00+08:00"});
    let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(late)).await;
    let late_id = r.json()["id"].as_i64().expect("id");
    assert_eq!(ids("").await.0.first(), Some(&late_id), "newest by id first");
    let mut in_range = want(&|i| (3..9).contains(&i));
    in_range.push(late_id);
    assert_eq!(ids(range).await.0, in_range, "by report time, the late one last");
    let (mut paged, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = match &cursor {
            Some(c) => format!("{range}&limit=2&cursor={c}"),
            None => format!("{range}&limit=2"),
        };
        let (page, next) = ids(&q).await;
        paged.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(paged, in_range, "range pages neither skip nor repeat");
    let mut all = vec![late_id];
    all.extend(want(&|_| true));

    // Pages of 5 follow the cursor through all 13, newest first, nothing twice.
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=5&cursor={c}"),
            None => "limit=5".to_owned(),
        };
        let (page, next) = ids(&q).await;
        assert!(page.len() <= 5);
        seen.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, all);
}

/// Text search through the bigram index: two-character Chinese words, any case, a description,
/// words joined by punctuation, a single character (scanned), pages, and incidents stored before
/// the index existed.
#[tokio::test]
async fn text_search_finds_every_substring_and_only_substrings() {
    let d = desk(&seed_003()).await;
    let texts = [
        ("PACS 影像调阅缓慢", "放射科 3 号机 Oracle 报 ORA-01555，快照过旧"),
        ("HIS 挂号收费无法登录", "门诊 5 个窗口同时出现"),
        ("存储阵列硬盘故障", "阵列 2 号盘亮黄灯"),
        ("网络中断", "住院部三楼交换机断电，100% 丢包"),
        ("ab ba", "两个词各自出现，但 aba 没有"),
        ("门诊打印机故障", "打印机卡纸"),
    ];
    let mut ids = Vec::new();
    for (title, description) in texts {
        let body = json!({"title": title, "description": description, "severity": "P3", "channel": "phone"});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().expect("id"));
    }
    let found = |q: &'static str| {
        let d = &d;
        async move {
            let url = format!(
                "/api/v1/projects/sd/incidents?text={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            );
            let r = d.t.api(Method::GET, &url, Some(&d.it), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
            r.json()["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect::<Vec<_>>()
        }
    };
    let cases: [(&str, Vec<i64>); 14] = [
        ("影像", vec![ids[0]]),
        ("oracle", vec![ids[0]]),
        ("ora-01555", vec![ids[0]]),
        ("RA-0", vec![ids[0]]),
        ("01555，快照", vec![ids[0]]),
        ("窗口", vec![ids[1]]),
        ("故障", vec![ids[5], ids[2]]),
        ("阵列硬", vec![ids[2]]),
        ("网", vec![ids[3]]),
        ("100%", vec![ids[3]]),
        ("aba", vec![ids[4]]),
        ("ab ba", vec![ids[4]]),
        ("储阵", vec![ids[2]]),
        ("阵列故障", vec![]),
    ];
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "text={q}");
    }
    // "ab ba" holds both bigrams of "aba" but not the word: only its description has it.
    assert_eq!(found("bab").await, Vec::<i64>::new());

    // Pages of one through a search that matches two.
    let r =
        d.t.api(Method::GET, "/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&limit=1", Some(&d.it), None).await;
    let first = r.json();
    assert_eq!(first["items"][0]["id"].as_i64(), Some(ids[5]));
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let url = format!("/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&limit=1&cursor={cursor}");
    let second = d.t.api(Method::GET, &url, Some(&d.it), None).await.json();
    assert_eq!(second["items"][0]["id"].as_i64(), Some(ids[2]));

    // 2,100 newer incidents without these words: the searches must now reach past the newest
    // ones that PostgreSQL checks directly, into the index.
    let filler: Vec<(String, String)> =
        (0..2_100).map(|i| (format!("INC-2026-9{i:05}"), format!("例行记录 {i}"))).collect();
    yunwei_app::testing::copy_incident(&d.t.app, yunwei_domain::id::IncidentId::new(ids[0]), &filler)
        .await
        .expect("filler");
    // Not yet indexed (on SQLite the background indexer fills the index behind the writes; no
    // indexer runs here), then indexed: the same answers either way.
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "behind newer incidents, unindexed, text={q}");
    }
    let tape = |n: i64| {
        let d = &d;
        async move {
            let body = json!({"title": format!("磁带机离线 {n}"), "severity": "P3", "channel": "phone"});
            let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
            r.json()["id"].as_i64().expect("id")
        }
    };
    let older_tape = tape(1).await;
    yunwei_app::incident::index_text(&d.t.app).await.expect("index");
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "behind newer incidents, indexed, text={q}");
    }
    // One more match after indexing: pages run from the unindexed tail into the index.
    let newer_tape = tape(2).await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/projects/sd/incidents?text=%E7%A3%81%E5%B8%A6%E6%9C%BA&limit=1".to_owned();
    loop {
        let page = d.t.api(Method::GET, &url, Some(&d.it), None).await.json();
        seen.extend(page["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()));
        let Some(c) = page["next_cursor"].as_str() else { break };
        url = format!("/api/v1/projects/sd/incidents?text=%E7%A3%81%E5%B8%A6%E6%9C%BA&limit=1&cursor={c}");
    }
    assert_eq!(seen, vec![newer_tape, older_tape], "磁带机: the unindexed one, then the indexed one");

    // Incidents stored before the index existed are indexed after migrating, oldest first.
    match d.t.app.db.backend() {
        yunwei_app::Backend::Sqlite => {
            d.t.tdb.raw("INSERT INTO incident_text (incident_text) VALUES ('delete-all')").await;
        }
        yunwei_app::Backend::Postgres => d.t.tdb.raw("UPDATE incidents SET search_grams = NULL").await,
    }
    match d.t.app.db.backend() {
        // What the index does not hold yet is read directly: still exact.
        yunwei_app::Backend::Sqlite => assert_eq!(found("影像").await, vec![ids[0]]),
        yunwei_app::Backend::Postgres => {
            assert_eq!(found("影像").await, Vec::<i64>::new(), "the index is gone");
        }
    }
    d.t.app.db.migrate().await.expect("migrate");
    let left = yunwei_app::incident::index_text(&d.t.app).await.expect("index");
    assert_eq!(left, 0, "migrating indexed every incident");
    for (q, want) in &cases {
        assert_eq!(&found(q).await, want, "after reindexing, text={q}");
    }

    // Seventy newer matches of another severity: the two older ones are still found, past the
    // index's first batch of candidates.
    for i in 0..70 {
        let body = json!({"title": format!("打印机故障 {i}"), "severity": "P4", "channel": "phone"});
        let r = d.t.api(Method::POST, "/api/v1/projects/sd/incidents", Some(&d.dispatcher), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r =
        d.t.api(Method::GET, "/api/v1/projects/sd/incidents?text=%E6%95%85%E9%9A%9C&severity=P3", Some(&d.it), None)
            .await;
    let got: Vec<i64> = r.json()["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(got, vec![ids[5], ids[2]]);
}
