//! The inspection pages under the seed 000 preset, without script: plan an inspection, answer it
//! item by item with plain form posts (a number out of range ticked 正常 is refused with the
//! reason), turn an abnormal item into an incident, sign, write and issue the report, have the
//! hospital confirm; the printable report and its Word document with the checklist; refusals.

use axum::http::{Method, StatusCode};
use serde_json::json;

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Site {
    t: TestApp,
    /// (session, csrf) of each user.
    eng: (String, String),
    it: (String, String),
    reporter: (String, String),
    /// An engineer of another project.
    outsider: (String, String),
    /// API token of the engineer.
    eng_token: String,
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .members(&[("e1", Engineer), ("it1", HospitalIt), ("r1", Reporter)])
        .other("other", &[("e2", Engineer)])
        .sessions()
        .build()
        .await;
    let eng_token = s.t.token("e1").await;
    let (eng, it, reporter, outsider) = (s.session("e1"), s.session("it1"), s.session("r1"), s.session("e2"));
    Site { t: s.t, eng, it, reporter, outsider, eng_token }
}

impl Site {
    async fn get(&self, who: &(String, String), path: &str) -> Resp {
        self.t.page(Method::GET, path, Some(&who.0), None).await
    }

    /// Posts a form with the caller's CSRF token added.
    async fn post(&self, who: &(String, String), path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = vec![("_csrf", who.1.as_str())];
        form.extend_from_slice(fields);
        self.t.page(Method::POST, path, Some(&who.0), Some(&form)).await
    }

    /// A minicomputer in the CMDB, and the hospital's three-item copy of the minicomputer
    /// checklist: CPU (a number, an incident by itself above 80 %), memory, the power light.
    async fn fixtures(&self) -> i64 {
        let body = json!({"name": "HIS 小型机 01", "type": "minicomputer", "vendor": "IBM", "model": "Power 8",
                          "serial": "SN-7788", "ips": ["10.1.2.3"]});
        let r = self.t.api(Method::POST, "/api/v1/projects/xj/cis", Some(&self.eng_token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let ci = r.json()["id"].as_i64().expect("id");
        let it_token = self.t.token("it1").await;
        let copy = json!({"copy_of": "minicomputer", "code": "his-mc", "name": "HIS 小型机巡检",
            "title": "小型机系统巡检典型作业计划书（服务器部分）",
            "header": ["系统管理单位", "设备名", "设备型号", "设备序列号", "管理IP"],
            "items": [{"section": "系统性能检查", "name": "CPU利用率", "result": "number", "unit": "%", "max": 80, "incident": "P3"},
                      {"section": "系统性能检查", "name": "内存利用率", "standard": "无内存泄漏", "result": "ok_abnormal"},
                      {"section": "硬件运行状态", "name": "系统日志", "method": "errpt 查看", "result": "text"}]});
        let r = self.t.api(Method::POST, "/api/v1/projects/xj/inspection-templates", Some(&it_token), Some(copy)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ci
    }

    /// Plans an inspection of `ci` through the page; returns its path.
    async fn plan(&self, ci: i64) -> String {
        let ci = ci.to_string();
        let fields = [("template", "his-mc"), ("ci_id", ci.as_str()), ("planned_for", "2026-03-02"), ("kind", "first")];
        let r = self.post(&self.eng, "/p/xj/inspections", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.header("location").expect("location").to_owned()
    }
}

fn location(r: &Resp) -> &str {
    r.header("location").unwrap_or_default()
}

#[tokio::test]
async fn an_engineer_fills_in_an_inspection_with_plain_forms_and_the_hospital_confirms_it() {
    let s = site().await;
    let ci = s.fixtures().await;

    // The module is in the navigation and leads here.
    let project = s.get(&s.eng, "/p/xj").await;
    assert!(project.body.contains("href=\"/p/xj/inspections\" data-module=\"inspection\""), "{}", project.body);
    let list = s.get(&s.eng, "/p/xj/inspections").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    for needle in [
        "计划巡检",
        "<optgroup label=\"内置模板\">",
        "<option value=\"minicomputer\">小型机系统巡检</option>",
        "<option value=\"his-mc\">HIS 小型机巡检</option>",
        "HIS 小型机 01（小型机）",
        "href=\"/p/xj/inspection-templates/his-mc\"",
        "第 1 版",
        "没有符合条件的巡检",
    ] {
        assert!(list.body.contains(needle), "{needle}: {}", list.body);
    }

    // A bad plan keeps what was typed and says why.
    let r = s.post(&s.eng, "/p/xj/inspections", &[("template", "nope"), ("planned_for", "3/2")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能计划巡检：计划日期：须为日期"), "{}", r.body);
    let at = s.plan(ci).await;
    assert!(at.starts_with("/p/xj/inspections/"), "{at}");
    let page = s.get(&s.eng, &at).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "INSP-2026-000001",
        "HIS 小型机巡检",
        "待巡检",
        "首次巡检",
        "HIS 小型机 01",
        "1. 系统性能检查",
        "2. 硬件运行状态",
        "<span class=\"lbl\">正常范围</span>≤ 80%",
        "<span class=\"lbl\">标准</span>无内存泄漏",
        "<span class=\"lbl\">方法</span>errpt 查看",
        "action=\"/p/xj/inspections/1/results/1.1\"",
        "<span class=\"unit\">%</span>",
        "已填 <b data-count=\"answered\">0</b> / 3 项",
        "签字完成",
        "巡检签字完成后编写报告",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("医院确认</button>"), "engineers do not confirm");

    // 95 % ticked 正常 is refused with the server's reason; left to the range it is abnormal
    // and opens its P3 by itself.
    let item = |k: &str| format!("{at}/results/{k}");
    let r = s.post(&s.eng, &item("1.1"), &[("value", "95"), ("verdict", "ok"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 1.1 项未保存：结论：95% 超出正常范围 ≤ 80%，不能判为正常"), "{}", r.body);
    let r = s.post(&s.eng, &item("1.1"), &[("value", "九十"), ("note", "")]).await;
    assert!(r.body.contains("测量值：须为数字"), "{}", r.body);
    let r = s.post(&s.eng, &item("1.1"), &[("value", "95"), ("note", "高峰期")]).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("{at}#item-1.1").as_str()), "{}", r.body);
    let page = s.get(&s.eng, &at).await;
    assert!(page.body.contains("巡检中"), "{}", page.body);
    assert!(page.body.contains("已转为故障 INC-2026-000001"), "{}", page.body);
    assert!(page.body.contains("已保存（异常） · 2026-03-02 09:00 · e1"), "{}", page.body);
    assert!(page.body.contains("value=\"95\""));
    // The incident points back at the item it came from.
    let incident = s.get(&s.eng, "/p/xj/incidents/1").await;
    let back = format!("来自巡检 <a href=\"{at}#item-1.1\">INSP-2026-000001 第 1.1 项</a>");
    assert!(incident.body.contains(&back), "{}", incident.body);

    // Memory judged abnormal by the engineer: turned into an incident on request.
    let r = s.post(&s.eng, &item("1.2"), &[("note", "")]).await;
    assert!(r.body.contains("结论：请选择“正常”或“异常”"), "{}", r.body);
    let r = s.post(&s.eng, &item("1.2"), &[("verdict", "abnormal"), ("note", "疑似内存泄漏")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.get(&s.eng, &at).await;
    let raise = format!("action=\"{at}/results/1.2/incident\" class=\"raise\">");
    assert!(page.body.contains(&raise), "the 转为故障 form is shown for 1.2: {}", page.body);
    assert!(page.body.contains("<option value=\"P2\">P2 "), "the contract's severities");
    let r = s.post(&s.eng, &format!("{at}/results/1.2/incident"), &[("severity", "P2")]).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("{at}#item-1.2").as_str()), "{}", r.body);
    let again = s.post(&s.eng, &format!("{at}/results/1.2/incident"), &[("severity", "P2")]).await;
    assert!(again.body.contains("第 1.2 项未能转为故障：第 1.2 项已转为故障"), "{}", again.body);
    let page = s.get(&s.eng, &at).await;
    assert!(page.body.contains("已转为故障 INC-2026-000002"), "{}", page.body);
    assert!(!page.body.contains(&raise), "one incident per answer");

    // Signing names what is missing; then the text item, and the signature.
    let r = s.post(&s.eng, &format!("{at}/complete"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能签字完成：巡检项目：尚有 1 项未填写：2.1 系统日志"), "{}", r.body);
    let r = s.post(&s.eng, &item("2.1"), &[("text", "无硬件报错"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s.post(&s.eng, &format!("{at}/complete"), &[]).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("{at}#sign").as_str()), "{}", r.body);
    let page = s.get(&s.eng, &at).await;
    // Signed Monday 09:00: 3 working days of 08:30–17:30 later is Thursday 09:00.
    for needle in ["已完成", "e1 · 2026-03-02 09:00", "2026-03-05 09:00", "未到期", "name=\"findings\"", "保存并签发"]
    {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("action=\"/p/xj/inspections/1/results/1.1\" class=\"answer\""), "no more answers");
    let late = s.post(&s.eng, &item("2.1"), &[("text", "改"), ("note", "")]).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("不能再填写"), "{}", late.body);

    // The report, issued the same afternoon: in time.
    s.t.clock.set(crate::support::start_time() + chrono::Duration::hours(6));
    let report = [
        ("findings", "CPU 高峰期超过 80%；疑似内存泄漏"),
        ("causes", "月结批处理"),
        ("impact", "门诊收费响应变慢"),
        ("recommendations", "扩容两颗 CPU"),
        ("risks", "扩容需停机 30 分钟"),
        ("issue", "1"),
    ];
    let r = s.post(&s.eng, &format!("{at}/report"), &report).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("{at}#report").as_str()), "{}", r.body);
    let page = s.get(&s.eng, &at).await;
    for needle in ["2026-03-02 15:00", "<span class=\"met m-met\">按时</span>", "扩容两颗 CPU"] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("保存并签发"), "issued once");

    // The hospital reads it read-only and confirms with a note.
    let page = s.get(&s.it, &at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("医院确认</button>") && !page.body.contains("class=\"answer\""), "{}", page.body);
    assert!(page.body.contains("<span class=\"vbadge v-abnormal\">异常</span> 95%"), "{}", page.body);
    let r = s.post(&s.it, &format!("{at}/confirm"), &[("note", "情况属实，同意扩容")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = s.get(&s.it, &at).await;
    assert!(page.body.contains("医院已确认") && page.body.contains("情况属实，同意扩容"), "{}", page.body);

    // Listed with its report dates, filtered by status.
    let list = s.get(&s.it, "/p/xj/inspections?status=confirmed").await;
    for needle in ["INSP-2026-000001", "HIS 小型机巡检", "首次巡检", "医院已确认", "2026-03-05 09:00", "m-met"]
    {
        assert!(list.body.contains(needle), "{needle}: {}", list.body);
    }
    assert!(!list.body.contains("计划巡检</button>"), "the hospital does not plan inspections");
    let none = s.get(&s.it, "/p/xj/inspections?status=planned").await;
    assert!(none.body.contains("没有符合条件的巡检"), "{}", none.body);
}

#[tokio::test]
async fn the_pages_refuse_those_who_may_not_and_hide_the_rest_of_the_world() {
    let s = site().await;
    let ci = s.fixtures().await;
    let at = s.plan(ci).await;

    // Clinicians report faults; they have no business with checklists.
    for path in ["/p/xj/inspections", at.as_str(), &format!("{at}/report"), "/p/xj/inspection-templates/oracle"] {
        assert_eq!(s.get(&s.reporter, path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    // Another project's engineer: not found, under either project's code.
    let other_code = at.replace("/p/xj/", "/p/other/");
    for path in ["/p/xj/inspections", at.as_str(), &other_code, &format!("{at}/report.docx")] {
        assert_eq!(s.get(&s.outsider, path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = s.post(&s.outsider, &format!("{other_code}/results/1.1"), &[("value", "10"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The hospital signs; it does not fill in or plan.
    let r = s.post(&s.it, &format!("{at}/results/1.1"), &[("value", "10"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.post(&s.it, "/p/xj/inspections", &[("template", "oracle")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A form without its token changes nothing.
    let r = s.t.page(Method::POST, &format!("{at}/results/1.1"), Some(&s.eng.0), Some(&[("value", "10")])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已失效"));
    let r = s.post(&s.eng, &format!("{at}/results/9.9"), &[("verdict", "ok"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let v = s.t.api(Method::GET, "/api/v1/inspections/1", Some(&s.eng_token), None).await.json();
    assert_eq!(v["counts"]["answered"], 0);
    // Nobody logged in: the login page, coming back here afterwards.
    let r = s.t.page(Method::GET, &at, None, None).await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, format!("/login?next={at}").as_str()));
}

#[tokio::test]
async fn a_checklist_template_is_shown_section_by_section() {
    let s = site().await;
    s.fixtures().await;
    let page = s.get(&s.eng, "/p/xj/inspection-templates/minicomputer").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "小型机系统巡检典型作业计划书（服务器部分）",
        "<h2>1. 硬件运行状态</h2>",
        "电源指示灯",
        "每季度",
        "系统管理单位、设备名、设备型号、设备序列号、管理IP",
        "内置（随版本提供，复制后可编辑）",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let own = s.get(&s.it, "/p/xj/inspection-templates/his-mc").await;
    for needle in ["第 1 版，复制自 minicomputer", "数值<br><span class=\"muted\">正常 ≤ 80%</span>", "异常自动报障 P3"]
    {
        assert!(own.body.contains(needle), "{needle}: {}", own.body);
    }
    assert_eq!(s.get(&s.eng, "/p/xj/inspection-templates/nope").await.status, StatusCode::NOT_FOUND);
}

/// Every table row of a Word document, each as its cells' text.
fn docx_rows(xml: &str) -> Vec<Vec<String>> {
    // The text of runs: `<w:t>…</w:t>` or `<w:t xml:space="preserve">…</w:t>` (not `<w:tc>`, `<w:tr>` …).
    let text = |cell: &str| -> String {
        cell.split("</w:t>")
            .filter_map(|part| {
                let open = part.rfind("<w:t>").or_else(|| part.rfind("<w:t "))?;
                part[open..].split_once('>').map(|(_, t)| t.to_owned())
            })
            .collect()
    };
    xml.split("</w:tr>")
        .filter(|row| row.contains("<w:tc>"))
        .map(|row| row.split("</w:tc>").filter_map(|c| c.rfind("<w:tc>").map(|at| text(&c[at..]))).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn the_report_prints_the_checklist_and_its_word_document_holds_the_same_rows() {
    let s = site().await;
    let ci = s.fixtures().await;
    let at = s.plan(ci).await;
    let item = |k: &str| format!("{at}/results/{k}");
    for (k, fields) in [
        ("1.1", vec![("value", "95"), ("note", "高峰期")]),
        ("1.2", vec![("verdict", "ok"), ("note", "")]),
        ("2.1", vec![("text", "无硬件报错"), ("note", "")]),
    ] {
        let r = s.post(&s.eng, &item(k), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{k}: {}", r.body);
    }
    assert_eq!(s.post(&s.eng, &format!("{at}/complete"), &[]).await.status, StatusCode::SEE_OTHER);
    let text = [("findings", "CPU 高峰期超过 80%"), ("recommendations", "扩容两颗 CPU"), ("issue", "1")];
    assert_eq!(s.post(&s.eng, &format!("{at}/report"), &text).await.status, StatusCode::SEE_OTHER);
    assert_eq!(s.post(&s.it, &format!("{at}/confirm"), &[("note", "同意")]).await.status, StatusCode::SEE_OTHER);

    let page = s.get(&s.it, &format!("{at}/report")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "<h1>巡检报告</h1>",
        "INSP-2026-000001",
        "小型机系统巡检典型作业计划书（服务器部分）",
        "<tr><th>设备名</th><td>HIS 小型机 01</td></tr>",
        "<tr><th>设备型号</th><td>IBM Power 8</td></tr>",
        "<tr><th>设备序列号</th><td>SN-7788</td></tr>",
        "<tr><th>管理IP</th><td>10.1.2.3</td></tr>",
        "<tr><th>巡检类型</th><td>首次巡检</td></tr>",
        "rowspan=\"2\" class=\"section\">系统性能检查</td>",
        "<td class=\"pre\">95%</td>",
        "verdict-abnormal\">异常</td>",
        "无硬件报错",
        "INC-2026-000001（待响应）",
        "系统性能检查 / CPU利用率",
        "扩容两颗 CPU",
        "<td>e1</td><th>签字时间</th><td>2026-03-02 09:00</td>",
        "<td>it1</td>",
        "<td colspan=\"3\">按时</td>",
        "href=\"/p/xj/inspections/1\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let page_link = s.get(&s.eng, &at).await;
    assert!(page_link.body.contains(&format!("href=\"{at}/report.docx\"")));

    let doc = s.get(&s.it, &format!("{at}/report.docx")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.header("content-type").unwrap_or_default().contains("wordprocessingml"));
    assert!(doc.header("content-disposition").unwrap_or_default().contains("INSP-2026-000001.docx"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(doc.bytes.clone())).expect("a docx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("xml");
    assert!(xml.contains("宋体") && xml.contains("巡检报告"));
    let rows = docx_rows(&xml);
    let find = |key: &str| rows.iter().find(|r| r.first().map(String::as_str) == Some(key)).cloned();
    assert_eq!(
        find("1.1"),
        Some(
            ["1.1", "系统性能检查", "CPU利用率", "正常范围 ≤ 80%", "95%", "异常", "高峰期"].map(String::from).to_vec()
        ),
        "{rows:?}"
    );
    assert_eq!(
        find("1.2"),
        Some(["1.2", "", "内存利用率", "无内存泄漏", "", "正常", ""].map(String::from).to_vec()),
        "the section cell continues the merge: {rows:?}"
    );
    assert_eq!(find("2.1").map(|r| r[4].clone()), Some("无硬件报错".to_owned()));
    assert!(rows.iter().any(|r| r.len() == 4 && r[3] == "INC-2026-000001（待响应）"), "{rows:?}");
    assert!(rows.iter().any(|r| r.first().map(String::as_str) == Some("建议") && r[1] == "扩容两颗 CPU"), "{rows:?}");
}

#[tokio::test]
async fn planned_inspections_show_their_due_time_and_the_overdue_ones_filter() {
    let s = site().await;
    let ci = s.fixtures().await;
    let it = s.t.token("it1").await;
    let plan = json!({"name": "HIS 小型机季度巡检", "template": "his-mc", "ci_ids": [ci]});
    let r = s.t.api(Method::POST, "/api/v1/projects/xj/inspection-plans", Some(&it), Some(plan)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // This quarter's inspection, due when the quarter ends.
    let list = s.get(&s.eng, "/p/xj/inspections").await;
    assert!(list.body.contains("data-label=\"巡检期限\">2026-04-01 00:00</td>"), "{}", list.body);
    assert!(s.get(&s.eng, "/p/xj/inspections?overdue=1").await.body.contains("没有符合条件的巡检"));

    // April, and it was never done.
    s.t.clock.set(crate::support::start_time() + chrono::Duration::days(32));
    let eng = s.t.session_of("e1").await;
    let list = s.get(&eng, "/p/xj/inspections?overdue=1").await;
    assert!(list.body.contains("<span class=\"overdue\">2026-04-01 00:00 已逾期</span>"), "{}", list.body);
    assert!(list.body.contains("name=\"overdue\" value=\"1\" checked"));
    let page = s.get(&eng, "/p/xj/inspections/1").await;
    assert!(
        page.body.contains("<dt>巡检期限</dt><dd><span class=\"overdue\">2026-04-01 00:00 已逾期</span>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_plans_period_report_lists_its_inspections_findings_and_report_text_on_the_page_and_in_word() {
    let s = site().await;
    let ci = s.fixtures().await;
    let it = s.t.token("it1").await;
    let plan = json!({"name": "HIS 小型机季度巡检", "template": "his-mc", "ci_ids": [ci]});
    let r = s.t.api(Method::POST, "/api/v1/projects/xj/inspection-plans", Some(&it), Some(plan)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let plan = r.json()["id"].as_i64().expect("plan id");
    let api = s.t.api(Method::GET, &format!("/api/v1/inspection-plans/{plan}/report"), Some(&it), None).await.json();
    let period = api["period"].as_str().expect("period").to_owned();
    let id = api["inspections"][0]["id"].as_i64().expect("an inspection this period");
    let number = api["inspections"][0]["number"].as_str().expect("number").to_owned();
    let at = format!("/p/xj/inspections/{id}");
    for (k, fields) in [
        ("1.1", vec![("value", "95"), ("note", "高峰期")]),
        ("1.2", vec![("verdict", "ok"), ("note", "")]),
        ("2.1", vec![("text", "无硬件报错"), ("note", "")]),
    ] {
        let r = s.post(&s.eng, &format!("{at}/results/{k}"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{k}: {}", r.body);
    }
    assert_eq!(s.post(&s.eng, &format!("{at}/complete"), &[]).await.status, StatusCode::SEE_OTHER);
    let text = [("findings", "CPU 高峰期超过 80%"), ("risks", "业务高峰可能卡顿"), ("issue", "1")];
    assert_eq!(s.post(&s.eng, &format!("{at}/report"), &text).await.status, StatusCode::SEE_OTHER);

    // Linked from the plans on the inspections page.
    let list = s.get(&s.eng, "/p/xj/inspections").await;
    let path = format!("/p/xj/inspection-plans/{plan}/report");
    assert!(list.body.contains(&format!("href=\"{path}\"")), "{}", list.body);

    let page = s.get(&s.it, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for needle in [
        "<h1>巡检报告</h1>".to_owned(),
        "HIS 小型机季度巡检".to_owned(),
        format!("<option value=\"{period}\" selected>{period}</option>"),
        format!("<a href=\"{at}\">{number}</a>"),
        "<td>HIS 小型机 01</td>".to_owned(),
        "<td class=\"n\">1</td>".to_owned(),
        "met-met\">按时</td>".to_owned(),
        "<td>系统性能检查</td>".to_owned(),
        "<td>CPU利用率</td>".to_owned(),
        "<td class=\"pre\">高峰期</td>".to_owned(),
        "<td class=\"pre\">95%</td>".to_owned(),
        "\">INC-2026-000001</a>".to_owned(),
        "<tr><th>发现的问题</th><td class=\"pre\">CPU 高峰期超过 80%</td></tr>".to_owned(),
        "<tr><th>风险</th><td class=\"pre\">业务高峰可能卡顿</td></tr>".to_owned(),
        format!("href=\"{path}.docx?period={period}\""),
    ] {
        assert!(page.body.contains(&needle), "{needle}: {}", page.body);
    }
    // Only the fields written are shown.
    assert!(!page.body.contains("<th>原因分析</th>"), "{}", page.body);
    // A period by name; one the plan has no inspections for is not there.
    assert_eq!(s.get(&s.it, &format!("{path}?period={period}")).await.status, StatusCode::OK);
    assert_eq!(s.get(&s.it, &format!("{path}?period=1999-Q1")).await.status, StatusCode::NOT_FOUND);

    let doc = s.get(&s.it, &format!("{path}.docx?period={period}")).await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
    assert!(doc.header("content-type").unwrap_or_default().contains("wordprocessingml"));
    assert!(doc.header("content-disposition").unwrap_or_default().contains(&format!("PLAN-{plan}-")));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(doc.bytes.clone())).expect("a docx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).expect("xml");
    assert!(xml.contains("宋体") && xml.contains("巡检报告") && xml.contains("HIS 小型机季度巡检"));
    let rows = docx_rows(&xml);
    let find = |first: &str, len: usize| rows.iter().find(|r| r.len() == len && r[0] == first).cloned();
    let line = find(&number, 8).expect("the inspection's line");
    assert_eq!((line[1].as_str(), line[4].as_str(), line[7].as_str()), ("HIS 小型机 01", "1", "按时"), "{rows:?}");
    assert_eq!(
        find(&number, 7),
        Some(
            [number.as_str(), "HIS 小型机 01", "系统性能检查", "CPU利用率", "高峰期", "95%", "INC-2026-000001"]
                .map(String::from)
                .to_vec()
        ),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r == &["发现的问题", "CPU 高峰期超过 80%"]), "{rows:?}");
    assert!(rows.iter().any(|r| r == &["风险", "业务高峰可能卡顿"]), "{rows:?}");
}

#[tokio::test]
async fn a_plans_period_report_is_refused_to_reporters_and_hidden_from_other_projects() {
    let s = site().await;
    let ci = s.fixtures().await;
    let it = s.t.token("it1").await;
    let plan = json!({"name": "HIS 小型机季度巡检", "template": "his-mc", "ci_ids": [ci]});
    let r = s.t.api(Method::POST, "/api/v1/projects/xj/inspection-plans", Some(&it), Some(plan)).await;
    let plan = r.json()["id"].as_i64().expect("plan id");
    let path = format!("/p/xj/inspection-plans/{plan}/report");
    for p in [path.clone(), format!("{path}.docx")] {
        assert_eq!(s.get(&s.reporter, &p).await.status, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(s.get(&s.outsider, &p).await.status, StatusCode::NOT_FOUND, "{p}");
        // The plan under another project's code, by one who may read that project.
        let other = p.replace("/p/xj/", "/p/other/");
        assert_eq!(s.get(&s.outsider, &other).await.status, StatusCode::NOT_FOUND, "{other}");
    }
    assert_eq!(s.get(&s.eng, "/p/xj/inspection-plans/999/report").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_items_photos_show_as_thumbnails_on_the_page_and_the_printable_report() {
    let s = site().await;
    let ci = s.fixtures().await;
    let at = s.plan(ci).await;
    let id = at.rsplit('/').next().expect("id").to_owned();
    // Before any photo: the upload control is there for the engineer (shown by script), not for the hospital.
    let page = s.get(&s.eng, &at).await;
    assert!(page.body.contains("capture=\"environment\" data-photo"), "{}", page.body);
    assert!(!s.get(&s.it, &at).await.body.contains("data-photo"));

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let path = format!("/api/v1/inspections/{id}/results/1.2/photos?name=%E5%86%85%E5%AD%98.png");
    let r = s.t.upload(&path, Some(&s.eng_token), "image/png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let photo = r.json()["id"].as_i64().expect("photo id");
    let src = format!("/api/v1/inspections/{id}/photos/{photo}");

    for who in [&s.eng, &s.it] {
        let page = s.get(who, &at).await;
        let item =
            page.body.split("id=\"item-1.2\"").nth(1).expect("item 1.2").split("</article>").next().expect("end");
        assert!(item.contains(&format!("<img src=\"{src}\" alt=\"内存.png\"")), "{item}");
        let other =
            page.body.split("id=\"item-1.1\"").nth(1).expect("item 1.1").split("</article>").next().expect("end");
        assert!(!other.contains("<img"), "{other}");
    }
    // The thumbnail loads with the session cookie alone.
    let img = s.get(&s.it, &src).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.bytes, png);

    let report = s.get(&s.it, &format!("{at}/report")).await;
    assert!(report.body.contains("<h2>现场照片</h2>"), "{}", report.body);
    assert!(report.body.contains("<h3>1.2 系统性能检查 / 内存利用率</h3>"), "{}", report.body);
    assert!(report.body.contains(&format!("<img src=\"{src}\" alt=\"内存.png\">")), "{}", report.body);
}
