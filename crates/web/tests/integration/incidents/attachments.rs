//! Attachments checked, stored whole and served as downloads.

use super::*;

#[tokio::test]
async fn attachments_are_checked_stored_whole_and_served_as_downloads() {
    let d = desk(EXAMPLE_CONTRACT).await;
    let inc =
        d.t.api(
            Method::POST,
            "/api/v1/projects/demo/incidents",
            Some(&d.dispatcher),
            Some(json!({"title": "PACS 无法调阅", "severity": "P1", "channel": "phone"})),
        )
        .await
        .json();
    let id = inc["id"].as_i64().expect("id");
    let url = |name: &str| format!("/api/v1/incidents/{id}/attachments?name={name}");
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-screenshot".to_vec();

    let big = vec![b'a'; yunwei_app::files::MAX_ATTACHMENT_BYTES + 1];
    let r = d.t.upload(&url("huge.log"), Some(&d.reporter), "text/plain", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/problem+json"));
    assert_eq!(r.json()["errors"][0]["field"], "file");
    assert!(r.body.contains("10 MB"), "{}", r.body);
    let r = d.t.upload(&url("setup.exe"), Some(&d.reporter), "application/x-msdownload", b"MZ".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不接受的文件类型"), "{}", r.body);
    let r = d.t.upload(&url("fake.png"), Some(&d.reporter), "image/png", b"<script>".to_vec()).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("文件内容与类型 image/png 不符"),
        "{}",
        r.body
    );
    let r = d.t.upload(&url("gbk.txt"), Some(&d.reporter), "text/plain", vec![0xc4, 0xe3, 0xba, 0xc3]).await;
    assert!(r.body.contains("UTF-8"), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incident_attachments").await, 0, "nothing stored");

    let r = d.t.upload(&url("%E6%88%AA%E5%9B%BE.png"), Some(&d.reporter), "image/png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json();
    assert_eq!((a["name"].as_str(), a["size"].as_i64()), (Some("截图.png"), Some(png.len() as i64)));
    let list = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments"), Some(&d.it), None).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let aid = a["id"].as_i64().expect("id");
    let got = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{aid}"), Some(&d.it), None).await;
    assert_eq!(got.bytes, png, "the bytes come back whole");
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert!(got.header("content-disposition").unwrap_or_default().starts_with("attachment;"));

    d.t.user("stranger", false).await;
    let stranger = d.t.token("stranger").await;
    let r = d.t.api(Method::GET, &format!("/api/v1/incidents/{id}/attachments/{aid}"), Some(&stranger), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The page: upload through the form, see it listed; too large says so in Chinese.
    let (s, csrf) = d.t.session_of("it1").await;
    let page = format!("/p/demo/incidents/{id}");
    let r =
        d.t.multipart(&format!("{page}/attachments"), Some(&s), &csrf, ("alert.log", "text/plain", b"ORA-00600")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = d.t.page(Method::GET, &page, Some(&s), None).await.body;
    assert!(body.contains("截图.png") && body.contains("alert.log"), "{body}");
    let big = vec![b'a'; yunwei_app::files::MAX_ATTACHMENT_BYTES + 1];
    let r = d.t.multipart(&format!("{page}/attachments"), Some(&s), &csrf, ("big.log", "text/plain", &big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("未能上传：附件最大 10 MB"), "{}", r.body);
    let r = d.t.multipart(&format!("{page}/attachments"), Some(&s), &csrf, ("x.png", "image/png", b"not a png")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未能上传：附件：文件内容与类型 image/png 不符"), "{}", r.body);
    assert_eq!(d.t.tdb.scalar("SELECT COUNT(*) FROM incident_attachments").await, 2);
}
