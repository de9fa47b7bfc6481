//! The daily operation log page (维护项目运行表) without script: the engineer signs in for today
//! with the states prefilled 正常 and changes the entry, the hospital signs it off and it closes,
//! another unsigned day is edited, months are paged, the month downloads as XLSX with the session
//! cookie; refusals name the field; roles and other projects are kept out.

use axum::http::{Method, StatusCode};

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Site {
    t: TestApp,
    eng: (String, String),
    it: (String, String),
    reporter: (String, String),
    outsider: (String, String),
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .field("hospital", "新疆某医院")
        .members(&[("e1", Engineer), ("it1", HospitalIt), ("r1", Reporter)])
        .other("other", &[("e2", Engineer)])
        .sessions()
        .build()
        .await;
    let (eng, it, reporter, outsider) = (s.session("e1"), s.session("it1"), s.session("r1"), s.session("e2"));
    Site { t: s.t, eng, it, reporter, outsider }
}

impl Site {
    async fn get(&self, who: &(String, String), path: &str) -> Resp {
        self.t.page(Method::GET, path, Some(&who.0), None).await
    }

    async fn post(&self, who: &(String, String), path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = vec![("_csrf", who.1.as_str())];
        form.extend_from_slice(fields);
        self.t.page(Method::POST, path, Some(&who.0), Some(&form)).await
    }

    /// A fresh session of `name` (after the clock moved past the old ones' lifetime).
    async fn again(&self, name: &str) -> (String, String) {
        self.t.session_of(name).await
    }
}

fn location(r: &Resp) -> &str {
    r.header("location").unwrap_or_default()
}

const TODAY: &str = "/p/xj/daily-log/2026-03-02";

#[tokio::test]
async fn an_engineer_signs_in_for_today_and_the_hospital_signs_the_day_off() {
    let s = site().await;

    // Reached from the inspections page; today's form comes first, its states prefilled.
    let list = s.get(&s.eng, "/p/xj/inspections").await;
    assert!(list.body.contains("href=\"/p/xj/daily-log\""), "{}", list.body);
    let page = s.get(&s.eng, "/p/xj/daily-log").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "<h2>今日签到</h2>",
        "3月2日 周一",
        &format!("action=\"{TODAY}\""),
        "name=\"server_state\" value=\"正常\"",
        "name=\"system_state\" value=\"正常\"",
        ">签到</button>",
        "<caption>新疆某医院维护项目运行表（2026年3月）</caption>",
        "<th>日期</th><th>维护工程师签到</th><th>服务器运行情况</th><th>系统运行情况</th><th>医院信息科签字</th><th>备注</th>",
        "id=\"d-2026-03-01\"",
        "id=\"d-2026-03-31\"",
        "href=\"/p/xj/daily-log?month=2026-02\" rel=\"prev\"",
        "href=\"/api/v1/projects/xj/daily-log.xlsx?month=2026-03\"",
        "已签到 0 天 · 医院已签字 0 天",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("rel=\"next\""), "April has not begun");
    assert!(!page.body.contains("/sign\""), "engineers do not sign off");

    // An empty state is refused by name, what was typed stays.
    let r = s.post(&s.eng, TODAY, &[("server_state", " "), ("system_state", "HIS 卡顿"), ("notes", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("3月2日 周一 未保存：服务器运行情况：不能为空"), "{}", r.body);
    assert!(r.body.contains("name=\"system_state\" value=\"HIS 卡顿\""), "{}", r.body);

    // Signed in as prefilled; then the entry is changed.
    let r = s.post(&s.eng, TODAY, &[("server_state", "正常"), ("system_state", "正常"), ("notes", "")]).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/p/xj/daily-log?month=2026-03#d-2026-03-02"));
    let page = s.get(&s.eng, "/p/xj/daily-log").await;
    for needle in [
        "<h2>今日已签到 <span class=\"status s-waiting\">待医院签字</span></h2>",
        "<summary>修改今日记录</summary>",
        "签到 e1 09:00",
        ">保存修改</button>",
        "<td data-label=\"签到\">e1 09:00</td>",
        "已签到 1 天",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let r = s
        .post(&s.eng, TODAY, &[("server_state", "正常"), ("system_state", "正常"), ("notes", "HIS 全库备份成功")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        s.get(&s.eng, "/p/xj/daily-log")
            .await
            .body
            .contains("<td data-label=\"备注\" class=\"pre\">HIS 全库备份成功</td>")
    );

    // The hospital sees the day waiting and signs it; it does not sign in.
    let page = s.get(&s.it, "/p/xj/daily-log").await;
    assert!(page.body.contains(&format!("action=\"{TODAY}/sign\"")), "{}", page.body);
    assert!(page.body.contains("待签字"));
    assert!(!page.body.contains("今日签到"), "{}", page.body);
    s.t.clock.set(crate::support::start_time() + chrono::Duration::hours(8));
    let it = s.again("it1").await;
    let r = s.post(&it, &format!("{TODAY}/sign"), &[]).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/p/xj/daily-log?month=2026-03#d-2026-03-02"));
    let page = s.get(&it, "/p/xj/daily-log").await;
    assert!(page.body.contains("<td data-label=\"医院签字\">it1 17:00</td>"), "{}", page.body);
    assert!(page.body.contains("<span class=\"status s-signed\">已签字</span>"));
    assert!(!page.body.contains(&format!("action=\"{TODAY}/sign\"")), "signed once");
    let twice = s.post(&it, &format!("{TODAY}/sign"), &[]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("3月2日 周一 未能签字：2026-03-02 已签字"), "{}", twice.body);

    // Closed for the engineer.
    let eng = s.again("e1").await;
    let page = s.get(&eng, "/p/xj/daily-log").await;
    assert!(page.body.contains("今日记录医院信息科已签字（it1 17:00），不能再修改"), "{}", page.body);
    assert!(!page.body.contains("name=\"server_state\""));
    let late = s.post(&eng, TODAY, &[("server_state", "改"), ("system_state", "改"), ("notes", "")]).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("2026-03-02 医院信息科已签字，不能再修改"), "{}", late.body);
    let future =
        s.post(&eng, "/p/xj/daily-log/2026-03-05", &[("server_state", "正常"), ("system_state", "正常")]).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("日期：不能填写未来的日期"), "{}", future.body);

    // The month as the seed's form, downloaded with the browser's session.
    let x = s.get(&eng, "/api/v1/projects/xj/daily-log.xlsx?month=2026-03").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.header("content-type").unwrap_or_default().contains("spreadsheetml"), "{:?}", x.headers);
    assert!(x.bytes.starts_with(b"PK"), "an XLSX is a zip");
}

#[tokio::test]
async fn an_earlier_unsigned_day_is_edited_and_months_are_paged() {
    let s = site().await;
    let r = s.post(&s.eng, TODAY, &[("server_state", "正常"), ("system_state", "正常"), ("notes", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Two days later, Monday's entry is still open: 修改 opens it in the form on top.
    s.t.clock.set(crate::support::start_time() + chrono::Duration::days(2));
    let eng = s.again("e1").await;
    let page = s.get(&eng, "/p/xj/daily-log").await;
    assert!(page.body.contains("3月4日 周三"), "{}", page.body);
    assert!(page.body.contains("href=\"/p/xj/daily-log?month=2026-03&amp;edit=2026-03-02#entry\""), "{}", page.body);
    let edit = s.get(&eng, "/p/xj/daily-log?month=2026-03&edit=2026-03-02").await;
    for needle in
        ["<h2>修改 3月2日 周一 的记录</h2>", &format!("action=\"{TODAY}\""), ">保存修改</button>", ">取消</a>"]
    {
        assert!(edit.body.contains(needle), "{needle}: {}", edit.body);
    }
    let r = s
        .post(&eng, TODAY, &[("server_state", "正常"), ("system_state", "LIS 中断 15 分钟，已恢复"), ("notes", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.get(&eng, "/p/xj/daily-log").await;
    assert!(page.body.contains("<td data-label=\"系统\">LIS 中断 15 分钟，已恢复</td>"), "{}", page.body);
    assert!(page.body.contains("<h2>今日签到</h2>"), "back to today: {}", page.body);
    // A day nobody signed in is not signed in afterwards from the page.
    let missed = s.get(&eng, "/p/xj/daily-log?month=2026-03&edit=2026-03-03").await;
    assert!(missed.body.contains("<h2>今日签到</h2>") && !missed.body.contains("修改 3月3日"), "{}", missed.body);

    // February, with the way back; a month that is not one.
    let feb = s.get(&eng, "/p/xj/daily-log?month=2026-02").await;
    for needle in [
        "<caption>新疆某医院维护项目运行表（2026年2月）</caption>",
        "id=\"d-2026-02-28\"",
        "?month=2026-03\" rel=\"next\"",
        "href=\"/p/xj/daily-log\">本月</a>",
    ] {
        assert!(feb.body.contains(needle), "{needle}: {}", feb.body);
    }
    assert!(!feb.body.contains("id=\"d-2026-02-29\""));
    assert_eq!(s.get(&eng, "/p/xj/daily-log?month=March").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_log_keeps_out_those_who_may_not() {
    let s = site().await;
    assert_eq!(s.get(&s.reporter, "/p/xj/daily-log").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get(&s.outsider, "/p/xj/daily-log").await.status, StatusCode::NOT_FOUND);
    let form = [("server_state", "正常"), ("system_state", "正常")];
    assert_eq!(s.post(&s.outsider, TODAY, &form).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.post(&s.it, TODAY, &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.post(&s.eng, "/p/xj/daily-log/yesterday", &form).await.status, StatusCode::NOT_FOUND);
    // Without its token the form changes nothing.
    let r = s.t.page(Method::POST, TODAY, Some(&s.eng.0), Some(&form)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已失效"));
    assert_eq!(s.post(&s.eng, TODAY, &form).await.status, StatusCode::SEE_OTHER);
    assert_eq!(s.post(&s.eng, &format!("{TODAY}/sign"), &[]).await.status, StatusCode::FORBIDDEN);
    let r = s.t.page(Method::GET, "/p/xj/daily-log", None, None).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/login?next=/p/xj/daily-log"));
    let day = s.get(&s.eng, "/p/xj/daily-log").await;
    assert!(day.body.contains("<td data-label=\"签到\">e1 09:00</td>"), "{}", day.body);
}
