//! The topology page: a project's drawing in a chosen scope, or the drawing around one CI,
//! inline so each box links to its CI page, with a download of the same SVG.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;
use yunwei_app::AppError;
use yunwei_app::access::{ProjectAccess, authorize};
use yunwei_app::cmdb::{self as uc, DEFAULT_DEPTH, MAX_DEPTH, Topology, TopologyScope};
use yunwei_domain::identity::Permission;

use crate::AppState;
use crate::auth::{Auth, UiAuth};
use crate::ui::page::{app_error_page, render};
use crate::ui::shell::Shell;

/// What to draw, as in the query string.
#[derive(Deserialize, Default, Clone)]
pub struct TopologyQuery {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    retired: String,
    /// Draw around this CI instead of the whole project.
    #[serde(default)]
    ci: Option<i64>,
    #[serde(default)]
    depth: Option<u32>,
}

impl TopologyQuery {
    fn retired(&self) -> bool {
        matches!(self.retired.as_str(), "1" | "on" | "true")
    }

    fn query_string(&self) -> String {
        match self.ci {
            Some(ci) => format!("ci={ci}&depth={}", self.depth()),
            None => format!("scope={}&retired={}", self.scope().code(), u8::from(self.retired())),
        }
    }

    fn scope(&self) -> TopologyScope {
        TopologyScope::parse(self.scope.trim()).unwrap_or_default()
    }

    fn depth(&self) -> u32 {
        self.depth.unwrap_or(DEFAULT_DEPTH).clamp(1, MAX_DEPTH)
    }
}

#[derive(Template)]
#[template(path = "cmdb/topology.html")]
struct TopologyPage {
    shell: Shell,
    code: String,
    heading: String,
    svg: String,
    q: TopologyQuery,
    scopes: Vec<(&'static str, &'static str)>,
    depths: Vec<u32>,
    focus_name: String,
    boxes: usize,
    listed: usize,
    loose: usize,
    download: String,
}

/// A drawing asked for: the caller's access to the project, the layout, its title and the SVG.
struct Drawing {
    access: ProjectAccess,
    t: Topology,
    heading: String,
    svg: String,
}

async fn drawing(st: &AppState, auth: &Auth, code: &str, q: &TopologyQuery) -> Result<Drawing, AppError> {
    let access = authorize(&st.app, &auth.actor, code, Permission::CmdbRead).await?;
    let (t, heading) = laid_out(st, auth, &access, code, q).await?;
    let svg = crate::cmdb::svg::svg(&t, &heading).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Drawing { access, t, heading, svg })
}

async fn laid_out(
    st: &AppState,
    auth: &Auth,
    access: &ProjectAccess,
    code: &str,
    q: &TopologyQuery,
) -> Result<(Topology, String), AppError> {
    match q.ci {
        Some(id) => {
            let t = uc::ci_topology(&st.app, &auth.actor, yunwei_domain::id::CiId::new(id), q.depth()).await?;
            // A CI of another project is as absent here as anywhere.
            let ci = t.cis.get(&id).filter(|c| c.project_id == access.project.id);
            let name = ci.ok_or_else(|| AppError::NotFound(format!("配置项 {id} 不存在")))?.name.clone();
            Ok((t, format!("{name} 周边拓扑图（{} 层关系）", q.depth())))
        }
        None => {
            let scope = q.scope();
            let t = uc::project_topology(&st.app, &auth.actor, code, scope, q.retired()).await?;
            Ok((t, format!("{} 拓扑图（{}）", access.project.name, scope.name_zh())))
        }
    }
}

/// `GET /p/{code}/topology`.
pub async fn page(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(q): Query<TopologyQuery>,
) -> Response {
    let Drawing { access, t, heading, svg } = match drawing(&st, &auth, &code, &q).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let shell = match Shell::build(&st, &auth, "拓扑图", Some(&access), "cmdb").await {
        Ok(s) => s,
        Err(e) => return app_error_page(e),
    };
    let l = &t.layout;
    let focus_name = q.ci.and_then(|id| t.cis.get(&id)).map(|c| c.name.clone()).unwrap_or_default();
    let page = TopologyPage {
        shell,
        download: format!("/p/{code}/topology.svg?{}", q.query_string()),
        code,
        heading,
        svg,
        scopes: TopologyScope::ALL.iter().map(|s| (s.code(), s.name_zh())).collect(),
        depths: (1..=MAX_DEPTH).collect(),
        focus_name,
        boxes: l.nodes.len(),
        listed: l.groups.iter().map(|g| g.members.len()).sum(),
        loose: l.loose.as_ref().map_or(0, |g| g.members.len()),
        q,
    };
    render(&page)
}

/// `GET /p/{code}/topology.svg`: the same drawing as a file.
pub async fn download(
    State(st): State<AppState>,
    UiAuth(auth): UiAuth,
    Path(code): Path<String>,
    Query(q): Query<TopologyQuery>,
) -> Response {
    match drawing(&st, &auth, &code, &q).await {
        Ok(Drawing { heading, svg, .. }) => {
            let name = format!("{heading}.svg");
            let mut r = crate::http::files::download_file(&name, "image/svg+xml; charset=utf-8", svg.into_bytes());
            r.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(crate::cmdb::svg::SVG_CSP));
            r
        }
        Err(e) => app_error_page(e),
    }
}
