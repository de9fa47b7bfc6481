//! Checklist templates and plans on the inspection pages, without script: a built-in copied into
//! the project, the copy edited as rows (a row deleted, one changed to a measured number, one
//! added under the section above) and saved as version 2; refusals beside the field they name; a
//! stale form refused; plans listed and created, the page then listing what the plan generated.

use axum::http::{Method, StatusCode};
use serde_json::json;

use yunwei_domain::identity::Role::*;

use crate::support::{Resp, TestApp};

struct Site {
    t: TestApp,
    eng: (String, String),
    it: (String, String),
    outsider: (String, String),
    /// Two CIs of `xj`.
    cis: [i64; 2],
}

async fn site() -> Site {
    let s = TestApp::site()
        .preset("seed-000")
        .project("xj")
        .members(&[("e1", Engineer), ("it1", HospitalIt)])
        .other("other", &[("m2", Manager)])
        .sessions()
        .build()
        .await;
    let (eng, it, outsider) = (s.session("e1"), s.session("it1"), s.session("m2"));
    let t = s.t;
    let token = t.token("it1").await;
    let mut cis = [0; 2];
    for (i, name) in ["体检服务器 01", "体检服务器 02"].into_iter().enumerate() {
        let body = json!({"name": name, "type": "server", "ips": [format!("10.3.0.{}", i + 1)]});
        let r = t.api(Method::POST, "/api/v1/projects/xj/cis", Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        cis[i] = r.json()["id"].as_i64().expect("id");
    }
    Site { t, eng, it, outsider, cis }
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
}

const BUILTIN: &str = "/p/xj/inspection-templates/health_checkup_server";
const OWN: &str = "/p/xj/inspection-templates/tj-server";

/// The edit form's fields for the copy of the three-item 体检系统 checklist, `version` read, with
/// the second item deleted, the third a measured number, and a new item under the same section.
fn edited(version: &'static str, min: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("version", version),
        ("name", "体检服务器巡检"),
        ("title", "体检中心服务器定期维护记录"),
        ("cycle", "quarter"),
        ("header", "设备名、管理IP"),
        ("source", "本院"),
        ("ci_types", "server"),
        ("items[0].section", "定期维护"),
        ("items[0].name", "系统安全检查"),
        ("items[0].result", "ok_abnormal"),
        ("items[0].method", "可远程处理"),
        ("items[1].section", "定期维护"),
        ("items[1].name", "数据库备份检查"),
        ("items[1].result", "ok_abnormal"),
        ("items[1].delete", "1"),
        ("items[2].section", "定期维护"),
        ("items[2].name", "CPU利用率"),
        ("items[2].result", "number"),
        ("items[2].unit", "%"),
        ("items[2].min", min),
        ("items[2].max", "80"),
        ("items[2].incident", "P3"),
        ("items[3].section", ""),
        ("items[3].name", "磁盘空间"),
        ("items[3].result", "text"),
        ("items[3].standard", "剩余不少于 20%"),
        // The blank row the form ends with.
        ("items[4].section", ""),
        ("items[4].name", ""),
        ("items[4].result", "ok_abnormal"),
    ]
}

#[tokio::test]
async fn a_built_in_is_copied_edited_as_rows_and_saved_as_a_new_version() {
    let s = site().await;
    // The hospital's IT department may copy a built-in; engineers only read it.
    let page = s.get(&s.it, BUILTIN).await;
    for needle in [
        "复制为本项目模板",
        "name=\"copy_of\" value=\"health_checkup_server\"",
        "name=\"code\" value=\"health_checkup_server-copy\"",
        "name=\"name\" value=\"体检系统服务器定期维护（本项目）\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("编辑模板</a>"), "a built-in is not edited");
    assert!(!s.get(&s.eng, BUILTIN).await.body.contains("复制为本项目模板"));
    let list = s.get(&s.it, "/p/xj/inspections").await;
    assert!(list.body.contains(&format!("href=\"{BUILTIN}?copy=1#copy\">复制</a>")), "{}", list.body);
    assert!(s.get(&s.it, &format!("{BUILTIN}?copy=1")).await.body.contains("id=\"copy\" open>"));

    // Bad codes are refused with the reason, what was typed stays.
    let copy = |code: &'static str| [("copy_of", "health_checkup_server"), ("code", code), ("name", "体检服务器巡检")];
    let r = s.post(&s.it, "/p/xj/inspection-templates", &copy("TJ Server")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能复制：模板代码：须为 1–60 个小写字母、数字、“_”或“-”"), "{}", r.body);
    assert!(r.body.contains("name=\"code\" value=\"TJ Server\""));
    let r = s.post(&s.it, "/p/xj/inspection-templates", &copy("oracle")).await;
    assert!(r.body.contains("未能复制：“oracle”是内置模板的代码，请换一个"), "{}", r.body);
    let r = s.post(&s.eng, "/p/xj/inspection-templates", &copy("tj-server")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.post(&s.it, "/p/xj/inspection-templates", &copy("tj-server")).await;
    assert_eq!(
        (r.status, r.header("location")),
        (StatusCode::SEE_OTHER, Some("/p/xj/inspection-templates/tj-server/edit"))
    );

    // The copy as rows, with a blank row to add one.
    let edit = s.get(&s.it, &format!("{OWN}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    for needle in [
        "当前为第 1 版",
        "name=\"version\" value=\"1\"",
        "name=\"items[0].section\" value=\"定期维护\"",
        "name=\"items[1].name\" value=\"数据库备份检查\"",
        "<option value=\"text\" selected>文字</option>",
        "name=\"items[3].name\" value=\"\"",
        "<option value=\"P3\">P3 ",
        "data-next=\"4\"",
        "name=\"items[__i__].name\"",
        "<option value=\"server\" selected>服务器</option>",
    ] {
        assert!(edit.body.contains(needle), "{needle}: {}", edit.body);
    }
    assert_eq!(s.get(&s.eng, &format!("{OWN}/edit")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get(&s.it, &format!("{BUILTIN}/edit")).await.status, StatusCode::CONFLICT);

    // A number that is not one, and a range on an item that is not a number: each beside its field.
    let mut bad = edited("1", "零");
    bad.push(("items[0].unit", "次"));
    let r = s.post(&s.it, OWN, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("未保存：有 1 处需要修改"), "{}", r.body);
    assert!(r.body.contains("name=\"items[2].min\" value=\"零\" inputmode=\"decimal\" aria-invalid=\"true\"><span class=\"ferr\">须为数字</span>"), "{}", r.body);
    bad.retain(|(k, v)| !(*k == "items[2].min" && *v == "零"));
    let r = s.post(&s.it, OWN, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<span class=\"ferr\">只有数值项目才有单位和正常范围</span>"), "{}", r.body);
    assert!(r.body.contains("name=\"items[0].unit\" value=\"次\""), "typed values stay");
    assert!(!r.body.contains("数据库备份检查"), "the deleted row stays deleted");
    let mut unnamed = edited("1", "");
    unnamed[1] = ("name", "");
    let r = s.post(&s.it, OWN, &unnamed).await;
    assert!(r.body.contains("<span class=\"ferr\">不能为空</span>"), "{}", r.body);

    // Saved: version 2 with three items; the new one continues the section above.
    let r = s.post(&s.it, OWN, &edited("1", "")).await;
    assert_eq!((r.status, r.header("location")), (StatusCode::SEE_OTHER, Some(OWN)), "{}", r.body);
    let page = s.get(&s.it, OWN).await;
    for needle in [
        "<h1>体检服务器巡检</h1>",
        "第 2 版，复制自 health_checkup_server",
        "<td class=\"nowrap\">1.2</td>",
        "CPU利用率",
        "正常 ≤ 80%",
        "异常自动报障 P3",
        "<td class=\"nowrap\">1.3</td>",
        "磁盘空间",
        "剩余不少于 20%",
        "设备名、管理IP",
        "编辑模板</a>",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!page.body.contains("数据库备份检查"));
    // A form read at version 1 is refused now, and says so.
    let r = s.post(&s.it, OWN, &edited("1", "")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("模板已被他人保存为第 2 版"), "{}", r.body);
    let r = s.t.page(Method::POST, OWN, Some(&s.it.0), Some(&edited("2", ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token, no save");
    assert_eq!(s.get(&s.outsider, &format!("{OWN}/edit")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_plan_is_created_on_the_page_and_the_list_shows_what_it_generated() {
    let s = site().await;
    let page = s.get(&s.it, "/p/xj/inspections").await;
    for needle in [
        "<h2 id=\"plans\">巡检计划</h2>",
        "还没有巡检计划",
        "新建巡检计划",
        "<option value=\"quarter\" selected>每季度</option>",
        &format!("<option value=\"{}\">体检服务器 01（服务器）</option>", s.cis[0]),
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(!s.get(&s.eng, "/p/xj/inspections").await.body.contains("新建巡检计划"), "engineers do the work");

    let (a, b) = (s.cis[0].to_string(), s.cis[1].to_string());
    let r = s
        .post(
            &s.it,
            "/p/xj/inspection-plans",
            &[("name", ""), ("template", "health_checkup_server"), ("ci_ids", &a), ("cycle", "month")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能创建计划：计划名称：不能为空"), "{}", r.body);
    assert!(r.body.contains(&format!("<option value=\"{a}\" selected>")), "the CIs picked stay picked");
    assert!(r.body.contains("<option value=\"month\" selected>每月</option>"));

    let fields = [
        ("name", "体检服务器季度维护"),
        ("template", "health_checkup_server"),
        ("ci_ids", a.as_str()),
        ("ci_ids", b.as_str()),
        ("cycle", "quarter"),
    ];
    let r = s.post(&s.it, "/p/xj/inspection-plans", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.header("location").expect("location").to_owned();
    assert!(to.starts_with("/p/xj/inspections?plan=1&created="), "{to}");
    let created: usize =
        to.split("created=").nth(1).and_then(|s| s.split('#').next()).and_then(|n| n.parse().ok()).expect("n");
    assert!(created >= 2, "this quarter's inspection of each CI: {created}");
    let page = s.get(&s.it, &to).await;
    assert!(
        page.body.contains(&format!("已创建巡检计划“体检服务器季度维护”，生成了 {created} 次巡检")),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("<td class=\"nowrap\"><a href=\"/p/xj/inspections/").count(),
        created,
        "{}",
        page.body
    );
    for needle in [
        "体检服务器 01、体检服务器 02",
        "<td class=\"nowrap\" data-label=\"周期\">每季度</td>",
        "href=\"/p/xj/inspections?plan=1#list\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    // The engineer reads the plans and may not create one.
    let eng = s.get(&s.eng, "/p/xj/inspections?plan=1").await;
    assert!(eng.body.contains("只看计划“体检服务器季度维护”生成的巡检"), "{}", eng.body);
    let r = s.post(&s.eng, "/p/xj/inspection-plans", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.post(&s.outsider, "/p/xj/inspection-plans", &fields).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
