//! The daily operation log: filled in, signed off and exported as the seed form.

use super::*;

#[tokio::test]
async fn the_daily_log_is_signed_in_signed_off_and_exported_as_the_seed_form() {
    let s = site().await;
    let put = |day: &str| format!("/api/v1/projects/xj/daily-log/{day}");
    let entry = json!({"server_state": "正常", "system_state": "正常", "notes": "HIS 全库备份成功"});
    // 09:00 on Monday 2 March: the engineer signs in.
    let v = s.ok(&s.eng, Method::PUT, &put("2026-03-02"), Some(entry), StatusCode::OK).await;
    assert_eq!((v["engineer"].as_str(), v["version"].as_i64()), (Some("e1"), Some(1)));
    assert_eq!(v["signed_in_at"], api_time("2026-03-02T09:00:00"));
    let r = s
        .call(&s.eng, Method::PUT, &put("2026-03-03"), Some(json!({"server_state": "正常", "system_state": "正常"})))
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "day".to_owned()), "not ahead of today");
    let r = s
        .call(&s.eng, Method::PUT, &put("2026-03-02"), Some(json!({"server_state": " ", "system_state": "正常"})))
        .await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "server_state".to_owned()));
    // At 16:00 the system state changes; the sign-in time stays.
    s.t.clock.set(bj("2026-03-02T16:00:00"));
    let later =
        json!({"server_state": "正常", "system_state": "LIS 14:10–14:25 中断，已恢复", "notes": "HIS 全库备份成功"});
    let v = s.ok(&s.eng, Method::PUT, &put("2026-03-02"), Some(later.clone()), StatusCode::OK).await;
    assert_eq!(
        (v["signed_in_at"].as_str(), v["version"].as_i64()),
        (Some(api_time("2026-03-02T09:00:00").as_str()), Some(2))
    );
    // The entry as the month gave it goes back with one field edited; who signed in and when are
    // read-only, and a typo stays an error.
    let m = s.ok(&s.eng, Method::GET, "/api/v1/projects/xj/daily-log?month=2026-03", None, StatusCode::OK).await;
    let mut read = m["days"][1]["entry"].clone();
    assert_eq!(read["day"], "2026-03-02", "{m}");
    let mut forged = read.clone();
    forged["engineer"] = json!("someone else");
    let r = s.call(&s.eng, Method::PUT, &put("2026-03-02"), Some(forged)).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "engineer".to_owned()), "{}", r.body);
    let mut typo = read.clone();
    typo["note"] = json!("x");
    let r = s.call(&s.eng, Method::PUT, &put("2026-03-02"), Some(typo)).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "note".to_owned()), "{}", r.body);
    read["notes"] = json!("HIS 全库备份成功；LIS 已恢复");
    let v = s.ok(&s.eng, Method::PUT, &put("2026-03-02"), Some(read), StatusCode::OK).await;
    assert_eq!((v["notes"].as_str(), v["version"].as_i64()), (Some("HIS 全库备份成功；LIS 已恢复"), Some(3)));
    let r = s.call(&s.eng, Method::POST, &format!("{}/sign", put("2026-03-02")), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the hospital signs off, not the engineer");
    s.t.clock.set(bj("2026-03-02T17:20:00"));
    let v = s.ok(&s.it, Method::POST, &format!("{}/sign", put("2026-03-02")), None, StatusCode::OK).await;
    assert_eq!(
        (v["hospital"].as_str(), v["hospital_signed_at"].as_str()),
        (Some("it1"), Some(api_time("2026-03-02T17:20:00").as_str()))
    );
    let r = s.call(&s.eng, Method::PUT, &put("2026-03-02"), Some(later)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a signed-off day is closed: {}", r.body);
    let r = s.call(&s.it, Method::POST, &format!("{}/sign", put("2026-03-01")), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nobody signed in on Sunday");

    let m = s.ok(&s.manager, Method::GET, "/api/v1/projects/xj/daily-log?month=2026-03", None, StatusCode::OK).await;
    assert_eq!(
        (m["month"].as_str(), m["signed_in"].as_u64(), m["signed_off"].as_u64()),
        (Some("2026-03"), Some(1), Some(1))
    );
    assert_eq!(m["days"].as_array().map(Vec::len), Some(31));
    assert_eq!(m["days"][0]["entry"], Value::Null);
    assert_eq!(m["days"][1]["entry"]["system_state"], "LIS 14:10–14:25 中断，已恢复");
    let r = s.call(&s.manager, Method::GET, "/api/v1/projects/xj/daily-log?month=March", None).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "month".to_owned()));
    assert_eq!(
        s.call(&s.reporter, Method::GET, "/api/v1/projects/xj/daily-log", None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(&s.outsider, Method::GET, "/api/v1/projects/xj/daily-log", None).await.status,
        StatusCode::NOT_FOUND
    );

    // The export is the seed's form: title, the six columns, a row per day.
    let r = s.call(&s.it, Method::GET, "/api/v1/projects/xj/daily-log.xlsx?month=2026-03", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = yunwei_app::tabular::read_table("log.xlsx", &r.bytes).expect("xlsx");
    assert_eq!(rows[0][0], "（医院名称）维护项目运行表（2026年3月）");
    assert_eq!(rows[1], ["日期", "维护工程师签到", "服务器运行情况", "系统运行情况", "医院信息科签字", "备注"]);
    assert_eq!(rows.len(), 2 + 31);
    assert_eq!(
        rows[3],
        ["3月2日", "e1 09:00", "正常", "LIS 14:10–14:25 中断，已恢复", "it1 17:20", "HIS 全库备份成功；LIS 已恢复"]
    );
    assert_eq!(rows[2][0], "3月1日");
}
