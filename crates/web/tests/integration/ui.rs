//! The UI shell: each role sees its navigation; modules not built say so; assets are local.

use axum::http::{Method, StatusCode};
use yunwei_domain::identity::Role;
use yunwei_domain::modules::{MODULES, visible_to};

use crate::support::TestApp;

#[tokio::test]
async fn each_role_sees_its_own_navigation() {
    let s = TestApp::site().project("demo").every_role().sessions().build().await;
    let t = &s.t;
    for role in Role::ALL {
        let (session, _) = s.session(role.code());
        let page = t.page(Method::GET, "/p/demo", Some(&session), None).await;
        assert_eq!(page.status, StatusCode::OK, "{role}");
        let visible = visible_to(&[role]);
        for m in MODULES {
            let link = format!("data-module=\"{}\"", m.code);
            assert_eq!(page.body.contains(&link), visible.contains(&m), "{role} / {}", m.code);
        }
        assert_eq!(
            page.body.contains("data-module=\"audit\""),
            matches!(role, Role::Admin | Role::Auditor | Role::HospitalIt | Role::Manager),
            "{role} audit link"
        );
        assert!(page.body.contains(role.label()), "{role} label shown");
    }
}

#[tokio::test]
async fn unbuilt_modules_say_so_plainly() {
    let s = TestApp::site().project("demo").members(&[("eng", Role::Engineer)]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("eng");
    let page = t.page(Method::GET, "/p/demo/m/problem", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("该模块尚未上线"));
    // A module with pages of its own leads to them.
    let built = t.page(Method::GET, "/p/demo/m/inspection", Some(&session), None).await;
    assert!(built.body.contains("<a class=\"button\" href=\"/p/demo/inspections\">进入巡检</a>"), "{}", built.body);
    assert!(!built.body.contains("该模块尚未上线"));
    let hidden = t.page(Method::GET, "/p/demo/m/assessment", Some(&session), None).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    let missing = t.page(Method::GET, "/p/demo/m/nope", Some(&session), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_load_nothing_from_outside_the_server() {
    let s = TestApp::site().project("demo").members(&[("it", Role::HospitalIt)]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("it");
    for path in [
        "/login",
        "/",
        "/p/demo",
        "/p/demo/audit",
        "/p/demo/members",
        "/account",
        "/p/demo/inspections",
        "/p/demo/inspection-templates/core_switch",
    ] {
        let s = if path == "/login" { None } else { Some(session.as_str()) };
        let page = t.page(Method::GET, path, s, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for attr in ["src=\"", "href=\""] {
            for part in page.body.split(attr).skip(1) {
                let url = part.split('"').next().unwrap_or_default();
                assert!(url.starts_with('/') || url.starts_with('#') || url.is_empty(), "{path} refers to {url}");
                if let Some(asset) = url.strip_prefix("/assets/") {
                    assert!(yunwei_web::assets::exists(asset), "{path}: missing asset {asset}");
                }
            }
        }
    }
}

#[tokio::test]
async fn anonymous_pages_redirect_to_login_with_next() {
    let t = TestApp::new().await;
    let r = t.page(Method::GET, "/p/demo/audit", None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login?next=/p/demo/audit"));
}

#[tokio::test]
async fn audit_page_filters_by_action() {
    let s = TestApp::site().project("demo").members(&[("aud", Role::Auditor)]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("aud");
    let all = t.page(Method::GET, "/p/demo/audit", Some(&session), None).await;
    assert!(
        all.body.contains("data-action=\"create\"") && all.body.contains("data-action=\"grant\">授予角色"),
        "{}",
        all.body
    );
    let grants = t.page(Method::GET, "/p/demo/audit?action=grant", Some(&session), None).await;
    assert!(grants.body.contains("data-action=\"grant\"") && !grants.body.contains("data-action=\"create\""));
    let bad = t.page(Method::GET, "/p/demo/audit?from=2026-13-45", Some(&session), None).await;
    assert!(bad.body.contains("日期格式应为 YYYY-MM-DD"));
}

#[tokio::test]
async fn administrator_creates_a_project_and_joins_it_from_the_admin_page() {
    let s = TestApp::site().sysadmins(&["root"]).sessions().build().await;
    let t = &s.t;
    let (session, csrf) = s.session("root");
    let page = t.page(Method::GET, "/admin", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("新建服务项目"));
    let r = t
        .page(
            Method::POST,
            "/admin/projects",
            Some(&session),
            Some(&[
                ("_csrf", &csrf),
                ("code", "rmyy"),
                ("name", "人民医院运维"),
                ("hospital", "人民医院"),
                ("join", "1"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/p/rmyy/members"));
    let home = t.page(Method::GET, "/", Some(&session), None).await;
    assert!(home.body.contains("人民医院运维"));
    let bad = t
        .page(
            Method::POST,
            "/admin/projects",
            Some(&session),
            Some(&[("_csrf", &csrf), ("code", "RMYY!"), ("name", "")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("项目代码须为"), "{}", bad.body);
    // A form that lacks a field the page always sends is a readable 422, not a bare text error;
    // the CSRF check comes first, so a forged one without its token learns nothing of the form.
    let broken = t.page(Method::POST, "/admin/projects", Some(&session), Some(&[("_csrf", &csrf)])).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("表单内容有误") && broken.body.contains("code"), "{}", broken.body);
    let forged = t.page(Method::POST, "/admin/projects", Some(&session), Some(&[("code", "x")])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("表单已失效"), "{}", forged.body);
}

#[tokio::test]
async fn non_administrators_see_no_admin_link() {
    let t = TestApp::new().await;
    let uid = t.user("plain", false).await;
    let (session, _) = t.session(uid).await;
    let page = t.page(Method::GET, "/", Some(&session), None).await;
    assert!(!page.body.contains("href=\"/admin\""));
    let root = t.user("root", true).await;
    let (s2, _) = t.session(root).await;
    assert!(t.page(Method::GET, "/", Some(&s2), None).await.body.contains("href=\"/admin\""));
}

#[tokio::test]
async fn a_stale_settings_form_does_not_overwrite_a_newer_change() {
    let it = [("it_a", Role::HospitalIt), ("it_b", Role::HospitalIt)];
    let s = TestApp::site().project("demo").members(&it).sessions().build().await;
    let t = &s.t;
    let (sa, ca) = s.session("it_a");
    let (sb, cb) = s.session("it_b");
    let form = |csrf: &str, name: &str| {
        vec![
            ("_csrf".to_owned(), csrf.to_owned()),
            ("name".to_owned(), name.to_owned()),
            ("timezone".to_owned(), "Asia/Shanghai".to_owned()),
            ("active".to_owned(), "1".to_owned()),
            ("version".to_owned(), "1".to_owned()),
        ]
    };
    let fa = form(&ca, "甲改的名称");
    let fa: Vec<(&str, &str)> = fa.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let first = t.page(Method::POST, "/p/demo/settings", Some(&sa), Some(&fa)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("已保存"));
    let fb = form(&cb, "乙改的名称");
    let fb: Vec<(&str, &str)> = fb.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let second = t.page(Method::POST, "/p/demo/settings", Some(&sb), Some(&fb)).await;
    assert_eq!(second.status, StatusCode::PRECONDITION_FAILED);
    assert!(second.body.contains("其他人刚刚修改了项目信息"));
    assert!(second.body.contains("甲改的名称"), "shows the newer content");
    let p = t.stored_project("demo").await;
    assert_eq!(p.name, "甲改的名称");
}

#[tokio::test]
async fn the_contract_page_reads_in_plain_chinese() {
    let s = TestApp::site().preset("example").members(&[("it", Role::HospitalIt)]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("it");
    let page = t.page(Method::GET, "/p/demo/contract", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "第 1 版",
        "1,200,000.00 元",
        "周一、周二、周三、周四、周五 08:30–12:00、13:30–17:30",
        "法定节假日休息",
        "一级故障（紧急）",
        "15 分钟（always）",
        "5 个工作日（office）",
        "30 分钟后 → manager1",
        "等待院方批准",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    assert!(page.body.contains("data-module=\"contract\""));
}

#[tokio::test]
async fn the_contract_page_shows_reports_complaints_and_scoring() {
    let s = TestApp::site().preset("seed-000").members(&[("it", Role::HospitalIt)]).sessions().build().await;
    let t = &s.t;
    let (session, _) = s.session("it");
    let page = t.page(Method::GET, "/p/seed-000/contract", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "<h2>报告期限</h2>",
        "每季度结束后 5 个工作日内（按 office 日历）",
        "每次巡检完成后 3 个工作日内（按 office 日历）",
        "初次回复处理意见</dt><dd>2 小时内（按 office 日历）",
        "15 天内（按 always 日历）",
        "返修保修期</dt><dd>3 个月内同一故障再次送修算二次返修",
        "故障处理及时性</dt><dd>权重 30%（百分制），按达标比例计分",
        "返修及时性</dt><dd>权重 15%（百分制），每发生一次扣 0.5 分",
        "补丁或升级失败</dt><dd>每次扣 5 分",
        "满分 100，98 分及以上全额支付；低于 98 分时，每低 1 分扣减年度服务费的 1%，最多扣 20%",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
}

#[tokio::test]
async fn administrators_add_a_holiday_year_on_the_admin_page() {
    let s = TestApp::site().sysadmins(&["root"]).sessions().build().await;
    let t = &s.t;
    let (session, csrf) = s.session("root");
    let page = t.page(Method::GET, "/admin", Some(&session), None).await;
    assert!(page.body.contains("<td>2025</td><td>28</td><td>5</td>"), "shipped 2025 listed");
    assert!(page.body.contains("随版本提供"));

    // A typo: refused with the line, nothing stored, the pasted text kept.
    let bad = "{\n  \"2027\": {\"holidays\": [\"2027-01-01\",]}\n}";
    let refused =
        t.page(Method::POST, "/admin/holidays", Some(&session), Some(&[("_csrf", &csrf), ("document", bad)])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("节假日数据有误，未导入") && refused.body.contains("第 2 行"), "{}", refused.body);
    assert!(refused.body.contains("&#34;2027-01-01&#34;,]") || refused.body.contains("\"2027-01-01\",]"), "text kept");
    assert!(yunwei_app::holidays::stored(&t.app).await.expect("stored").years().next().is_none());

    let good = r#"{"2027": {"holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": []}}"#;
    let ok =
        t.page(Method::POST, "/admin/holidays", Some(&session), Some(&[("_csrf", &csrf), ("document", good)])).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("已导入 2027 年节假日安排"), "{}", ok.body);
    assert!(ok.body.contains("<td>2027</td><td>3</td><td>0</td><td>管理员在系统管理页导入</td>"), "{}", ok.body);
    assert!(ok.body.contains("由 root 导入"));
}

#[tokio::test]
async fn a_refused_settings_form_names_the_field_and_keeps_what_was_entered() {
    let s = TestApp::site().project("demo").members(&[("it", Role::HospitalIt)]).sessions().build().await;
    let (session, csrf) = s.session("it");
    let form = [("_csrf", csrf.as_str()), ("name", "新名称"), ("timezone", "Mars/Olympus"), ("version", "1")];
    let r = s.t.page(Method::POST, "/p/demo/settings", Some(&session), Some(&form)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("保存失败：时区：未知时区“Mars/Olympus”"), "{}", r.body);
    assert!(r.body.contains("value=\"新名称\"") && r.body.contains("value=\"Mars/Olympus\""), "{}", r.body);
    assert!(!r.body.contains("name=\"active\" value=\"1\" checked"), "the unticked box stays unticked");
}

#[tokio::test]
async fn a_refused_member_grant_names_the_field_and_keeps_what_was_entered() {
    let s = TestApp::site().project("demo").members(&[("boss", Role::Admin)]).sessions().build().await;
    let (session, csrf) = s.session("boss");
    let form = [("_csrf", csrf.as_str()), ("username", "ghost"), ("role", "auditor")];
    let r = s.t.page(Method::POST, "/p/demo/members", Some(&session), Some(&form)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能添加：用户名：用户 ghost 不存在"), "{}", r.body);
    assert!(r.body.contains("value=\"ghost\"") && r.body.contains("value=\"auditor\" selected"), "{}", r.body);
}

#[tokio::test]
async fn refused_account_forms_name_the_field_and_keep_what_was_entered() {
    let s = TestApp::site().project("demo").members(&[("it", Role::HospitalIt)]).sessions().build().await;
    let (session, csrf) = s.session("it");
    let long = "令".repeat(65);
    let r = s.t.page(Method::POST, "/account/tokens", Some(&session), Some(&[("_csrf", &csrf), ("name", &long)])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能创建令牌：令牌名称：最多 64 个字符（现为 65 个）"), "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{long}\"")), "{}", r.body);

    let pw = |new: &'static str, confirm: &'static str| {
        [("_csrf", csrf.as_str()), ("current_password", "x"), ("new_password", new), ("confirm_password", confirm)]
    };
    let r = s.t.page(Method::POST, "/account/password", Some(&session), Some(&pw("甲乙丙丁戊己庚辛", "甲乙"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("密码未修改：确认新密码：与新密码不一致"), "{}", r.body);

    let contact = [("_csrf", csrf.as_str()), ("email", "it@"), ("phone", "13800000000"), ("quiet_start", "22:00")];
    let r = s.t.page(Method::POST, "/account/contact", Some(&session), Some(&contact)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能保存：邮箱：不是有效的邮箱地址"), "{}", r.body);
    assert!(r.body.contains("value=\"it@\"") && r.body.contains("value=\"13800000000\""), "{}", r.body);
}
