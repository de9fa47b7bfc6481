//! A phone report carried to confirmation through the pages.

use super::*;

/// The hotline's form, the engineer's buttons and the hospital's confirmation, through the pages.
#[tokio::test]
async fn the_pages_carry_a_phone_report_to_confirmation() {
    let d = desk(&seed_003()).await;
    let session = |name: &'static str| d.t.session_of(name);
    let (hotline, hotline_csrf) = session("d1").await;
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"report-form\"") && list.body.contains("P1 "), "{}", list.body);

    // A bad report says why in Chinese, keeps what was typed, and stores nothing.
    let bad =
        [("_csrf", hotline_csrf.as_str()), ("title", "门诊挂号系统无法登录"), ("severity", ""), ("channel", "phone")];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("级别：") && r.body.contains("value=\"门诊挂号系统无法登录\""), "{}", r.body);
    let future = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "门诊挂号系统无法登录"),
        ("severity", "P1"),
        ("channel", "phone"),
        ("reported_at", "2026-03-02T09:30"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&future)).await;
    assert!(r.body.contains("报障时间："), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    // The phone call came in at 08:50; typed in at 09:00.
    let good = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "门诊挂号系统无法登录"),
        ("severity", "P1"),
        ("channel", "phone"),
        ("department", "门诊部"),
        ("reported_at", "2026-03-02T08:50"),
        ("ci", "HIS-APP-01，HIS-DB-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.header("location").expect("location").to_owned();
    let page = d.t.page(Method::GET, &at, Some(&hotline), None).await;
    assert!(page.body.contains("INC-2026-000001"), "{}", page.body);
    assert!(page.body.contains("时限 2026-03-02 09:05") && page.body.contains("剩余 5 分"), "{}", page.body);
    assert!(page.body.contains("时限 2026-03-03 08:50"), "resolve in 24 h: {}", page.body);
    assert!(page.body.contains("HIS-APP-01、HIS-DB-01"));
    assert!(page.body.contains("value=\"respond\""), "the hotline may respond");

    // The list shows the respond clock as the nearest deadline.
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert!(list.body.contains("响应 · <span class=\"left\">剩余 5 分"), "{}", list.body);
    // Past 75 % of the respond time the clock is amber; past due, red and in the breached filter.
    d.t.clock.advance(Duration::minutes(2));
    let list = d.t.page(Method::GET, "/p/sd/incidents", Some(&hotline), None).await;
    assert!(list.body.contains("clock c-warn"), "{}", list.body);
    d.t.clock.advance(Duration::minutes(4));
    let list = d.t.page(Method::GET, "/p/sd/incidents?breached=1", Some(&hotline), None).await;
    assert!(list.body.contains("clock c-missed") && list.body.contains("已超时 1 分"), "{}", list.body);

    let form = |kind: &'static str, csrf: &str| vec![("_csrf", csrf.to_owned()), ("type", kind.to_owned())];
    let post = |who: String, f: Vec<(&'static str, String)>| {
        let t = &d.t;
        let at = at.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.page(Method::POST, &format!("{at}/events"), Some(&who), Some(&f)).await
        }
    };
    let mut respond = form("respond", &hotline_csrf);
    respond.push(("at", "2026-03-02T08:58".into()));
    let r = post(hotline.clone(), respond).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = d.t.page(Method::GET, &at, Some(&hotline), None).await;
    assert!(page.body.contains("已达标"), "met at 08:58: {}", page.body);
    // The same button again: the case has moved on, and the page says so.
    let r = post(hotline.clone(), form("respond", &hotline_csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能执行") && r.body.contains("处理中"), "{}", r.body);

    // "Mine": the hotline took the case by responding; the engineer has nothing yet.
    let (eng, eng_csrf) = session("e1").await;
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&hotline), None).await;
    assert!(mine.body.contains("INC-2026-000001"), "{}", mine.body);
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&eng), None).await;
    assert!(!mine.body.contains("INC-2026-000001") && mine.body.contains("没有符合条件的故障"), "{}", mine.body);

    // The hotline hands it to the engineer; now it is in the engineer's queue.
    let mut assign = form("assign", &hotline_csrf);
    assign.push(("assignee", "e1".into()));
    assert_eq!(post(hotline.clone(), assign).await.status, StatusCode::SEE_OTHER);
    let mine = d.t.page(Method::GET, "/p/sd/incidents?mine=1", Some(&eng), None).await;
    assert!(mine.body.contains("INC-2026-000001"), "{}", mine.body);
    let page = d.t.page(Method::GET, &at, Some(&eng), None).await;
    assert!(page.body.contains("派给e1"), "{}", page.body);

    // The hospital side sees no engineer's buttons; it confirms once resolved.
    let (it, it_csrf) = session("it1").await;
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(!page.body.contains("value=\"request_onsite\"") && !page.body.contains("解决故障"), "{}", page.body);
    let mut resolve = form("resolve", &eng_csrf);
    resolve.extend([("cause", "数据库连接池耗尽".into()), ("action", "重启并扩大连接池".into())]);
    assert_eq!(post(eng.clone(), resolve).await.status, StatusCode::SEE_OTHER);
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(page.body.contains("value=\"confirm\"") && page.body.contains("原因：数据库连接池耗尽"), "{}", page.body);
    assert_eq!(post(it.clone(), form("confirm", &it_csrf)).await.status, StatusCode::SEE_OTHER);
    let page = d.t.page(Method::GET, &at, Some(&it), None).await;
    assert!(page.body.contains("s-closed") && page.body.contains("服务满意度"), "{}", page.body);

    // Satisfaction: 1–5, once, by the hospital side.
    let mut rate = form("rate", &it_csrf);
    rate.push(("score", "6".into()));
    let r = post(it.clone(), rate).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("满意度：满意度须为 1–5"), "{}", r.body);
    let mut rate = form("rate", &it_csrf);
    rate.extend([("score", "4".into()), ("note", "响应快，下次请提前告知重启".into())]);
    assert_eq!(post(it.clone(), rate.clone()).await.status, StatusCode::SEE_OTHER);
    let r = post(it.clone(), rate).await;
    assert!(r.body.contains("本故障已评价过"), "{}", r.body);

    // The incident report: printable page and Word document, with the hospital's confirmation.
    let report = d.t.page(Method::GET, &format!("{at}/report"), Some(&it), None).await;
    assert_eq!(report.status, StatusCode::OK);
    for needle in
        ["故障处理报告", "INC-2026-000001", "数据库连接池耗尽", "重启并扩大连接池", "it1", "4 分（满分 5 分）", "达标"]
    {
        assert!(report.body.contains(needle), "{needle}: {}", report.body);
    }
    let doc = d.t.page(Method::GET, &format!("{at}/report.docx"), Some(&it), None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.header("content-type").unwrap_or_default().contains("wordprocessingml"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(doc.bytes.clone())).expect("a docx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("xml");
    for needle in ["故障处理报告", "数据库连接池耗尽", "宋体", "响应快，下次请提前告知重启", "门诊部"]
    {
        assert!(xml.contains(needle), "{needle} in document.xml");
    }

    // A second call about the same database server: the page points at the first case.
    let again = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "收费处报错"),
        ("severity", "P2"),
        ("channel", "phone"),
        ("ci", "HIS-DB-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&again)).await;
    let second = r.header("location").expect("location").to_owned();
    let page = d.t.page(Method::GET, &second, Some(&hotline), None).await;
    assert!(
        page.body.contains("可能重复") && page.body.contains("INC-2026-000001 门诊挂号系统无法登录"),
        "{}",
        page.body
    );
    let unrelated = [
        ("_csrf", hotline_csrf.as_str()),
        ("title", "打印机"),
        ("severity", "P4"),
        ("channel", "phone"),
        ("ci", "PRN-01"),
    ];
    let r = d.t.page(Method::POST, "/p/sd/incidents", Some(&hotline), Some(&unrelated)).await;
    let third = r.header("location").expect("location").to_owned();
    assert!(!d.t.page(Method::GET, &third, Some(&hotline), None).await.body.contains("可能重复"));

    // Another project's member gets 404 for the page.
    d.t.user("stranger", false).await;
    let (stranger, _) = d.t.session_of("stranger").await;
    assert_eq!(d.t.page(Method::GET, &at, Some(&stranger), None).await.status, StatusCode::NOT_FOUND);
}
