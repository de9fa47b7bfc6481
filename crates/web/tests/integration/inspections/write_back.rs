//! An answer and a report go back as `GET /inspections/{id}` showed them, with one field edited:
//! read-only fields equal to the stored ones pass, changed ones and typos are refused by name.

use super::*;

#[tokio::test]
async fn an_answer_and_the_report_take_back_what_get_gave() {
    let s = site().await;
    let ci = s.ci("体检系统服务器", "server").await;
    let id = s.plan("health_checkup_server", Some(ci)).await["id"].as_i64().expect("id");
    s.t.clock.set(bj("2026-04-02T15:00:00"));
    let r = s.answer(id, "1.1", json!({"verdict": "ok", "note": "补丁为最新"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    s.t.clock.set(bj("2026-04-02T15:05:00"));
    let mut answer = item(&s.get(id).await, "1.1")["answer"].clone();
    answer["note"] = json!("补丁为最新，已复核");
    let mut forged = answer.clone();
    forged["by"] = json!("someone-else");
    let r = s.answer(id, "1.1", forged).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "by".to_owned()), "{}", r.body);
    let mut typo = answer.clone();
    typo["nte"] = json!("x");
    let r = s.answer(id, "1.1", typo).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "nte".to_owned()), "{}", r.body);
    assert_eq!(item(&s.get(id).await, "1.1")["answer"]["note"], "补丁为最新", "nothing written");
    let r = s.answer(id, "1.1", answer).await;
    assert_eq!(r.status, StatusCode::OK, "takes back what GET gave: {}", r.body);
    assert_eq!(item(&r.json(), "1.1")["answer"]["note"], "补丁为最新，已复核");

    for key in ["1.2", "1.3"] {
        let r = s.answer(id, key, json!({"verdict": "ok", "text": "正常"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    let report_path = format!("/api/v1/inspections/{id}/report");
    let mut report = s.get(id).await["report"].clone();
    report["findings"] = json!("各项正常");
    let mut forged = report.clone();
    forged["met"] = json!(true);
    let r = s.call(&s.eng, Method::PUT, &report_path, Some(forged)).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "met".to_owned()), "{}", r.body);
    let r = s.call(&s.eng, Method::PUT, &report_path, Some(report)).await;
    assert_eq!(r.status, StatusCode::OK, "takes back what GET gave: {}", r.body);
    assert_eq!(
        (r.json()["report"]["findings"].as_str(), r.json()["report"]["issued_at"].clone()),
        (Some("各项正常"), Value::Null)
    );
}
