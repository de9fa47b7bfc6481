//! The topology drawn as SVG.

use super::*;

/// The `<a href>` targets and `<text>` contents of an SVG, failing if it is not well-formed XML.
fn svg_parts(svg: &str) -> (Vec<String>, Vec<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let (mut hrefs, mut texts) = (Vec::new(), Vec::new());
    let mut in_text = false;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            Event::Start(e) if e.name().as_ref() == "a" => {
                let href = e.try_get_attribute("href").expect("attribute").expect("href");
                hrefs.push(href.value.into_owned());
            }
            Event::Start(e) => {
                in_text = e.name().as_ref() == "text";
                if in_text {
                    texts.push(String::new());
                }
            }
            Event::Text(t) if in_text => {
                if let Some(last) = texts.last_mut() {
                    last.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) if in_text => {
                let name: &str = AsRef::<str>::as_ref(&r);
                let c = match name.strip_prefix('#') {
                    Some(n) => n.parse::<u32>().ok().and_then(char::from_u32).expect("a character reference"),
                    None => match name {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        _ => '\'',
                    },
                };
                if let Some(last) = texts.last_mut() {
                    last.push(c);
                }
            }
            Event::End(_) => in_text = false,
            Event::Eof => break,
            _ => {}
        }
    }
    (hrefs, texts)
}

#[tokio::test]
async fn the_topology_draws_a_projects_relations_as_svg_and_refuses_a_bad_scope() {
    let c = cmdb().await;
    let core = c.ci(json!({"name": "核心交换机 <A&B>", "type": "core_switch", "ips": ["10.0.0.1"]})).await;
    let access = c.ci(json!({"name": "门诊楼接入交换机", "type": "access_switch"})).await;
    let mut servers = Vec::new();
    for i in 1..=3 {
        let s = c.ci(json!({"name": format!("服务器 {i}"), "type": "server", "ips": [format!("10.1.0.{i}")]})).await;
        assert_eq!(c.relate(s, "connects_to", access).await.status, StatusCode::CREATED);
        servers.push(s);
    }
    let vm = c.ci(json!({"name": "HIS 应用虚拟机", "type": "virtual_machine"})).await;
    assert_eq!(c.relate(vm, "runs_on", servers[0]).await.status, StatusCode::CREATED);
    assert_eq!(c.relate(access, "connects_to", core).await.status, StatusCode::CREATED);
    let ups = c.ci(json!({"name": "UPS 电源", "type": "ups"})).await;

    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology?scope=all", Some(&c.auditor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "image/svg+xml; charset=utf-8");
    assert!(r.headers["content-security-policy"].to_str().unwrap_or_default().contains("default-src 'none'"));
    let (hrefs, texts) = svg_parts(&r.body);
    for id in [core, access, servers[0], servers[1], servers[2], vm, ups] {
        assert!(hrefs.contains(&format!("/p/h1/cis/{id}")), "CI {id} links to its page: {hrefs:?}");
    }
    assert!(texts.iter().any(|t| t == "核心交换机 <A&B>"), "names are escaped and read back: {texts:?}");
    assert!(texts.iter().any(|t| t == "服务器 1  10.1.0.1"), "servers are listed under their switch: {texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("门诊楼接入交换机 下挂 4 项")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("未建立关系的配置项（1 项）")), "{texts:?}");
    assert_eq!(r.body.matches("<path class=\"ln k-connects_to\"").count(), 3, "core–access, access–group, legend");

    // Network devices only: the servers and the VM are left out.
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology?scope=network", Some(&c.auditor), None).await;
    let (hrefs, _) = svg_parts(&r.body);
    assert_eq!(hrefs, vec![format!("/p/h1/cis/{core}"), format!("/p/h1/cis/{access}")]);

    // Around one server, one relation deep: its switch and its VM, not the other servers.
    let r = c.t.api(Method::GET, &format!("/api/v1/cis/{}/topology?depth=1", servers[0]), Some(&c.auditor), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (hrefs, _) = svg_parts(&r.body);
    let mut want: Vec<String> = [access, servers[0], vm].iter().map(|id| format!("/p/h1/cis/{id}")).collect();
    let mut got = hrefs.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    for (path, field_name) in [
        ("/api/v1/projects/h1/topology?scope=everything".to_owned(), "scope"),
        (format!("/api/v1/cis/{core}/topology?depth=9"), "depth"),
    ] {
        let r = c.t.api(Method::GET, &path, Some(&c.auditor), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        assert_eq!(field(&r), field_name);
    }
    // Another project's engineer sees neither drawing.
    let r = c.t.api(Method::GET, "/api/v1/projects/h1/topology", Some(&c.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.t.api(Method::GET, &format!("/api/v1/cis/{core}/topology"), Some(&c.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
