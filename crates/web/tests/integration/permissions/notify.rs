//! Notifications: escalation contacts and channels of a project, the user's contact and inbox.

use axum::http::Method;
use serde_json::json;

use super::harness::{Row, api, page};
use super::{ALL, NOTIFY, Who};

pub fn rows() -> Vec<Row> {
    vec![
        api(Method::GET, "/api/v1/incidents/{id}/notifications", Who::Project(ALL), 200).call(async |cx| {
            let id = cx.fx.incident().await;
            cx.api(Method::GET, &format!("/api/v1/incidents/{id}/notifications"), None).await
        }),
        api(Method::GET, "/api/v1/projects/{code}/notify-settings", Who::Project(NOTIFY), 200),
        api(Method::PUT, "/api/v1/projects/{code}/escalation-contacts/{target}", Who::Project(NOTIFY), 204).call(
            async |cx| {
                let body = json!({"users": ["victim"]});
                cx.api(Method::PUT, "/api/v1/projects/alpha/escalation-contacts/manager1", Some(body)).await
            },
        ),
        api(Method::POST, "/api/v1/projects/{code}/notify-channels", Who::Project(NOTIFY), 201).call(async |cx| {
            let body = json!({"kind": "wecom", "name": format!("群{}", cx.n),
                              "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"});
            cx.api(Method::POST, "/api/v1/projects/alpha/notify-channels", Some(body)).await
        }),
        api(Method::DELETE, "/api/v1/projects/{code}/notify-channels/{id}", Who::Project(NOTIFY), 204).call(
            async |cx| {
                let id = cx.fx.channel().await;
                cx.api(Method::DELETE, &format!("/api/v1/projects/alpha/notify-channels/{id}"), None).await
            },
        ),
        api(Method::GET, "/api/v1/me/contact", Who::AnyUser, 200),
        api(Method::PUT, "/api/v1/me/contact", Who::AnyUser, 200).call(async |cx| {
            let body = json!({"phone": "13800000000", "quiet_start": "22:00", "quiet_end": "07:00"});
            cx.api(Method::PUT, "/api/v1/me/contact", Some(body)).await
        }),
        api(Method::GET, "/api/v1/me/notifications", Who::AnyUser, 200),
        // pages
        page(Method::GET, "/inbox", Who::AnyUser, 200),
        page(Method::GET, "/p/{code}/notifications", Who::Project(NOTIFY), 200),
        page(Method::POST, "/p/{code}/notifications/targets", Who::Project(NOTIFY), 200).call(async |cx| {
            cx.form("/p/alpha/notifications/targets", &[("target", "manager1"), ("users", "victim")]).await
        }),
        page(Method::POST, "/p/{code}/notifications/channels", Who::Project(NOTIFY), 200).call(async |cx| {
            let form = [
                ("kind", "dingtalk"),
                ("name", "钉钉群"),
                ("url", "https://oapi.dingtalk.com/robot/send?access_token=x"),
                ("secret", "SEC1"),
            ];
            cx.form("/p/alpha/notifications/channels", &form).await
        }),
        page(Method::POST, "/p/{code}/notifications/channels/{id}/delete", Who::Project(NOTIFY), 303).call(
            async |cx| {
                let id = cx.fx.channel().await;
                cx.form(&format!("/p/alpha/notifications/channels/{id}/delete"), &[]).await
            },
        ),
    ]
}
