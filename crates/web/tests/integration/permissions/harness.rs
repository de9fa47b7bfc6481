//! A row of the matrix (an endpoint, who may call it, its call) and the context a call runs in.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::Value;
use yunwei_domain::identity::Role;
use yunwei_web::auth::SESSION_COOKIE;

use super::{Caller, Fixture};
use crate::support::{Resp, TestApp};

/// Who may use an endpoint.
#[derive(Clone, Copy)]
pub enum Who {
    /// Anyone, logged in or not.
    Public,
    /// Anyone; a logged-in user is sent on (the login form) with a 303.
    PublicRedirectsUsers,
    /// Any logged-in user.
    AnyUser,
    /// Installation administrators (the `admin` fixture users).
    SysAdmin,
    /// Members of the project holding one of these roles; non-members get 404.
    Project(&'static [Role]),
}

/// How the caller's credentials are sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The API with the caller's bearer token, pages with the session and its CSRF token.
    Normal,
    /// Everything with the session cookie and no CSRF token: an empty `_csrf` form field, no
    /// `X-CSRF-Token` header.
    NoCsrf,
}

type CallFn = Box<dyn for<'a> Fn(&'a Cx<'a>) -> Pin<Box<dyn Future<Output = Resp> + 'a>>>;

/// One endpoint of the matrix.
pub struct Row {
    pub method: Method,
    /// The route as the router names it.
    pub route: &'static str,
    pub who: Who,
    /// Status of an allowed call.
    pub ok: u16,
    /// UI routes answer anonymous callers with a redirect to the login page, not 401.
    pub ui: bool,
    /// Why a successful call of this write leaves no audit entry of its caller, if it does not.
    pub not_audited: Option<&'static str>,
    call: Option<CallFn>,
}

/// An API endpoint (`/api/v1/…` and the operational endpoints).
pub fn api(method: Method, route: &'static str, who: Who, ok: u16) -> Row {
    Row { method, route, who, ok, ui: false, not_audited: None, call: None }
}

/// A page or form of the UI.
pub fn page(method: Method, route: &'static str, who: Who, ok: u16) -> Row {
    Row { method, route, who, ok, ui: true, not_audited: None, call: None }
}

impl Row {
    /// The request this row sends; without one the row sends its route, `{code}` being `alpha`,
    /// with no body.
    pub fn call<F>(mut self, f: F) -> Self
    where
        F: for<'a, 'b> AsyncFn(&'a Cx<'b>) -> Resp + 'static,
    {
        let f = Rc::new(f);
        self.call = Some(Box::new(move |cx| {
            let f = f.clone();
            Box::pin(async move { f(cx).await })
        }));
        self
    }

    /// A write that by design leaves no audit entry of its caller, with the reason.
    pub fn not_audited(mut self, reason: &'static str) -> Self {
        self.not_audited = Some(reason);
        self
    }

    /// Calls the endpoint as `caller`.
    pub async fn run(&self, fx: &Fixture, caller: &Caller, mode: Mode) -> Resp {
        let n = fx.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let cx = Cx { fx, t: &fx.t, caller, mode, n, row: self };
        match &self.call {
            Some(f) => f(&cx).await,
            None => {
                let path = self.route.replace("{code}", "alpha");
                if self.ui {
                    cx.page(self.method.clone(), &path).await
                } else {
                    cx.api(self.method.clone(), &path, None).await
                }
            }
        }
    }

    /// Which of the cases of the matrix `c` is for this row.
    pub fn case(&self, c: &Caller) -> &'static str {
        let Some(role) = c.role else { return "anonymous" };
        match self.who {
            Who::Public | Who::AnyUser => "allowed",
            Who::PublicRedirectsUsers => "redirected",
            Who::SysAdmin if role == Role::Admin => "allowed",
            Who::SysAdmin => "denied",
            Who::Project(_) if !c.member => "non-member",
            Who::Project(roles) if roles.contains(&role) => "allowed",
            Who::Project(_) => "denied",
        }
    }

    /// The status `c` must get.
    pub fn expected(&self, c: &Caller) -> u16 {
        match self.case(c) {
            "anonymous" => match self.who {
                Who::Public | Who::PublicRedirectsUsers => self.ok,
                _ if self.ui => 303,
                _ => 401,
            },
            "allowed" => self.ok,
            "redirected" => 303,
            "non-member" => 404,
            _ => 403,
        }
    }

    /// The member the writes are checked as: an allowed role other than the project
    /// administrator and the engineer where there is one (they make the fixtures a call needs,
    /// so their entries would hide a write that records none).
    pub fn allowed_caller<'a>(&self, fx: &'a Fixture) -> Option<&'a Caller> {
        use Role::*;
        let role = match self.who {
            Who::Public | Who::PublicRedirectsUsers => return None,
            Who::AnyUser => L2Engineer,
            Who::SysAdmin => Admin,
            Who::Project(roles) => {
                roles.iter().copied().find(|r| !matches!(r, Admin | Engineer)).or(roles.first().copied())?
            }
        };
        fx.callers.iter().find(|c| c.member && c.role == Some(role))
    }
}

/// What a row's call runs with: the fixture, the caller and how its credentials are sent, and
/// a number unique to this call (for fresh names).
pub struct Cx<'a> {
    pub fx: &'a Fixture,
    pub t: &'a TestApp,
    pub caller: &'a Caller,
    pub mode: Mode,
    pub n: u64,
    pub row: &'a Row,
}

impl Cx<'_> {
    fn token(&self) -> Option<&str> {
        (self.mode == Mode::Normal && !self.caller.token.is_empty()).then_some(self.caller.token.as_str())
    }

    pub fn session(&self) -> Option<&str> {
        (!self.caller.session.is_empty()).then_some(self.caller.session.as_str())
    }

    /// The CSRF token a form sends: the session's, or none without one.
    pub fn csrf(&self) -> &str {
        if self.mode == Mode::Normal { &self.caller.csrf } else { "" }
    }

    /// The cookie header of the caller's session, when the API is called with it.
    fn cookie(&self) -> Option<String> {
        let s = self.session().filter(|_| self.mode == Mode::NoCsrf)?;
        Some(format!("{SESSION_COOKIE}={s}"))
    }

    /// A JSON API call.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.api_with(method, path, body, &[]).await
    }

    /// A JSON API call with extra headers.
    pub async fn api_with(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
        let cookie = self.cookie();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if let Some(c) = &cookie {
            all.push(("cookie", c));
        }
        self.t.api_with(method, path, self.token(), body, &all).await
    }

    /// A raw upload to the API.
    pub async fn upload(&self, path: &str, content_type: &str, data: Vec<u8>) -> Resp {
        let Some(cookie) = self.cookie() else { return self.t.upload(path, self.token(), content_type, data).await };
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, cookie)
            .body(Body::from(data))
            .expect("request");
        self.t.send(req).await
    }

    /// A page without a form.
    pub async fn page(&self, method: Method, path: &str) -> Resp {
        self.t.page(method, path, self.session(), None).await
    }

    /// A form posted from a page: `_csrf` first, then `fields`.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("_csrf", self.csrf())];
        all.extend_from_slice(fields);
        self.t.page(Method::POST, path, self.session(), Some(&all)).await
    }

    /// A multipart form with one file.
    pub async fn multipart(&self, path: &str, file: (&str, &str, &[u8])) -> Resp {
        self.t.multipart(path, self.session(), self.csrf(), file).await
    }
}
