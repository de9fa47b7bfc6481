//! Photos kept per item, checked for their type, closed with the inspection.

use super::*;

#[tokio::test]
async fn photos_are_kept_per_item_checked_for_their_type_and_closed_with_the_inspection() {
    let s = site().await;
    let id = s.plan("health_checkup_server", None).await["id"].as_i64().expect("id");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-photo-of-the-rack".to_vec();
    let path = format!("/api/v1/inspections/{id}/results/1.1/photos?name=%E6%9C%BA%E6%9F%9C.png");
    let r = s.t.upload(&path, Some(&s.eng), "image/png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let photo = r.json();
    assert_eq!(
        (photo["item"].as_str(), photo["name"].as_str(), photo["size"].as_i64()),
        (Some("1.1"), Some("机柜.png"), Some(png.len() as i64))
    );
    let r = s.t.upload(&path, Some(&s.eng), "image/jpeg", png.clone()).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "file".to_owned()), "declared JPEG, is PNG");
    let r = s.t.upload(&path, Some(&s.eng), "text/plain", b"hello".to_vec()).await;
    assert_eq!((r.status, field(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "file".to_owned()));
    let r =
        s.t.upload(
            &format!("/api/v1/inspections/{id}/results/9.9/photos?name=x.png"),
            Some(&s.eng),
            "image/png",
            png.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(s.t.upload(&path, Some(&s.it), "image/png", png.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.t.upload(&path, Some(&s.outsider), "image/png", png.clone()).await.status, StatusCode::NOT_FOUND);

    let list = s.ok(&s.it, Method::GET, &format!("/api/v1/inspections/{id}/photos"), None, StatusCode::OK).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "the refused uploads stored nothing");
    let got = s.call(&s.it, Method::GET, &format!("/api/v1/inspections/{id}/photos/{}", photo["id"]), None).await;
    assert_eq!((got.status, got.bytes.clone()), (StatusCode::OK, png.clone()));
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert!(got.header("content-disposition").unwrap_or_default().starts_with("attachment;"));
    assert_eq!(
        s.call(&s.outsider, Method::GET, &format!("/api/v1/inspections/{id}/photos"), None).await.status,
        StatusCode::NOT_FOUND
    );

    for key in ["1.1", "1.2", "1.3"] {
        assert_eq!(s.answer(id, key, json!({"verdict": "ok"})).await.status, StatusCode::OK);
    }
    s.ok(&s.eng, Method::POST, &format!("/api/v1/inspections/{id}/complete"), None, StatusCode::OK).await;
    let r = s.t.upload(&path, Some(&s.eng), "image/png", png).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a signed inspection takes no more photos: {}", r.body);
}
