//! The topology drawing as SVG (issue 5 item 6): one document for the page (inline, so the
//! boxes link to the CI pages) and for the download. Text is cut to its box by an estimate of
//! its width — CJK characters one em, Latin letters and digits about 0.6 em — since the server
//! has no font metrics; the browser test checks the estimate against the rendered text.

use askama::Template;
use yunwei_app::cmdb::{CiRow, Topology};
use yunwei_domain::cmdb::topology::{Layout, Link, Placed, ROW_H};
use yunwei_domain::cmdb::{self as domain, CiClass, CiStatus, RelationKind};

/// Content-Security-Policy of the drawing served on its own: it has no script and needs only
/// its inline style.
pub const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The drawing's style sheet, written into its `<style>` element. On a page, whose
/// Content-Security-Policy allows no inline style, this exact text is allowed by its hash
/// ([`style_hash`]).
pub const STYLE: &str = include_str!("topology.css");

/// `'sha256-…'` of [`STYLE`], the CSP source that lets the inline drawing keep its style.
pub fn style_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(STYLE.as_bytes());
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
    })
}

/// Height of the legend under the drawing.
const LEGEND_H: f64 = 40.0;
/// Font size of the first line of a box.
const FONT: f64 = 12.0;
/// Font size of the second line and of group rows.
const SMALL: f64 = 11.0;
/// Padding left and right of text in a box.
const PAD: f64 = 8.0;
/// Indentation per level in a group box.
const INDENT: f64 = 12.0;

/// Estimated width of `c` in ems.
fn char_em(c: char) -> f64 {
    if c as u32 >= 0x2E80 {
        1.0
    } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
        0.64
    } else if c.is_ascii_lowercase() {
        0.56
    } else {
        0.4
    }
}

/// Estimated width of `s` in pixels at `size`.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * size
}

/// `s` cut to `max` pixels at `size`, ending in `…` when cut.
pub fn fit(s: &str, max: f64, size: f64) -> String {
    if text_width(s, size) <= max {
        return s.to_owned();
    }
    let budget = max - text_width("…", size);
    let mut out = String::new();
    let mut used = 0.0;
    for c in s.chars() {
        let w = char_em(c) * size;
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn r(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

struct SvgBox {
    href: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    tx: f64,
    class: &'static str,
    status: String,
    focus: bool,
    line1: String,
    line2: String,
    title: String,
}

struct SvgRow {
    href: String,
    x: f64,
    y: f64,
    w: f64,
    tx: f64,
    ty: f64,
    mark_x: f64,
    class: &'static str,
    status: String,
    text: String,
    title: String,
}

struct SvgFrame {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    head: String,
}

struct SvgLink {
    d: String,
    kind: &'static str,
    title: String,
}

struct LegendItem {
    x: f64,
    label: &'static str,
    kind: &'static str,
    line: bool,
}

#[derive(Template)]
#[template(path = "cmdb/topology.svg", escape = "html")]
struct Svg<'a> {
    title: &'a str,
    style: &'static str,
    width: f64,
    height: f64,
    legend_y: f64,
    links: Vec<SvgLink>,
    boxes: Vec<SvgBox>,
    frames: Vec<SvgFrame>,
    rows: Vec<SvgRow>,
    legend: Vec<LegendItem>,
}

fn class_code(r: Option<&CiRow>) -> &'static str {
    r.and_then(|c| domain::ci_type(&c.kind)).map_or(CiClass::Other, |t| t.class).code()
}

fn type_name(r: &CiRow) -> &'static str {
    domain::ci_type(&r.kind).map_or("", |t| t.name_zh)
}

fn status_title(r: &CiRow) -> String {
    match CiStatus::parse(&r.status) {
        Some(CiStatus::InService) | None => String::new(),
        Some(s) => format!("（{}）", s.label()),
    }
}

fn ci_box(t: &Topology, p: &Placed) -> SvgBox {
    let ci = t.cis.get(&p.id);
    let name = ci.map_or_else(|| p.id.to_string(), |c| c.name.clone());
    let ip = t.first_ip.get(&p.id).cloned().unwrap_or_default();
    let kind = ci.map(type_name).unwrap_or_default();
    let second = [kind, ip.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ");
    let room = p.w - 2.0 * PAD;
    SvgBox {
        href: format!("/p/{}/cis/{}", t.project_code, p.id),
        x: r(p.x),
        y: r(p.y),
        w: r(p.w),
        h: r(p.h),
        tx: r(p.x + PAD),
        class: class_code(ci),
        status: ci.map(|c| c.status.clone()).unwrap_or_default(),
        focus: t.focus == Some(p.id),
        line1: fit(&name, room, FONT),
        line2: fit(&second, room, SMALL),
        title: format!("{name}{}\n{second}", ci.map(status_title).unwrap_or_default()),
    }
}

/// An S-curve through the points: vertical where x does not change (a line passing a layer),
/// a cubic with vertical tangents between layers.
fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (k, &(x, y)) in points.iter().enumerate() {
        if k == 0 {
            d.push_str(&format!("M{} {}", r(x), r(y)));
            continue;
        }
        let (px, py) = points[k - 1];
        if (px - x).abs() < 0.5 {
            d.push_str(&format!(" L{} {}", r(x), r(y)));
        } else {
            let ym = r((py + y) / 2.0);
            d.push_str(&format!(" C{} {ym} {} {ym} {} {}", r(px), r(x), r(x), r(y)));
        }
    }
    d
}

fn link_title(t: &Topology, l: &Link) -> String {
    let name = |id: i64| t.cis.get(&id).map_or_else(|| id.to_string(), |c| c.name.clone());
    let Some(lower) = l.lower else {
        return format!("{} 下挂的配置项（{}）", name(l.upper), l.kind.label());
    };
    let (source, target) = if l.reversed { (l.upper, lower) } else { (lower, l.upper) };
    let mut title = format!("{} {} {}", name(source), l.kind.label(), name(target));
    if let Some(rel) =
        t.relations.get(&(source, target)).filter(|r| !r.source_port.is_empty() || !r.target_port.is_empty())
    {
        let port = |p: &str| if p.is_empty() { "?".to_owned() } else { p.to_owned() };
        title.push_str(&format!("（{} ↔ {}）", port(&rel.source_port), port(&rel.target_port)));
    }
    title
}

fn legend() -> Vec<LegendItem> {
    let mut out = Vec::new();
    let mut x = 24.0;
    for k in RelationKind::ALL {
        out.push(LegendItem { x, label: k.label(), kind: k.code(), line: true });
        x += 44.0 + text_width(k.label(), SMALL);
    }
    x += 16.0;
    for c in
        [CiClass::Network, CiClass::Security, CiClass::Host, CiClass::Storage, CiClass::Database, CiClass::Application]
    {
        out.push(LegendItem { x, label: c.label(), kind: c.code(), line: false });
        x += 24.0 + text_width(c.label(), SMALL);
    }
    out
}

/// The drawing as an SVG document titled `title`.
pub fn svg(t: &Topology, title: &str) -> Result<String, askama::Error> {
    let l: &Layout = &t.layout;
    let mut boxes: Vec<SvgBox> = l.nodes.iter().map(|p| ci_box(t, p)).collect();
    let mut frames = Vec::new();
    let mut rows = Vec::new();
    for g in &l.groups {
        let parent = t.cis.get(&g.parent).map_or("", |c| c.name.as_str());
        frames.push(SvgFrame {
            x: r(g.frame.x),
            y: r(g.frame.y),
            w: r(g.frame.w),
            h: r(g.frame.h),
            head: fit(&format!("{parent} 下挂 {} 项", g.members.len()), g.frame.w - 2.0 * PAD, SMALL),
        });
        for m in &g.members {
            let ci = t.cis.get(&m.at.id);
            let name = ci.map_or_else(|| m.at.id.to_string(), |c| c.name.clone());
            let ip = t.first_ip.get(&m.at.id).map(|ip| format!("  {ip}")).unwrap_or_default();
            let indent = f64::from(m.depth) * INDENT;
            let tx = m.at.x + PAD + indent + 10.0;
            rows.push(SvgRow {
                href: format!("/p/{}/cis/{}", t.project_code, m.at.id),
                x: r(m.at.x),
                y: r(m.at.y),
                w: r(m.at.w),
                tx: r(tx),
                ty: r(m.at.y + ROW_H * 0.72),
                mark_x: r(m.at.x + PAD + indent),
                class: class_code(ci),
                status: ci.map(|c| c.status.clone()).unwrap_or_default(),
                text: fit(&format!("{name}{ip}"), m.at.x + m.at.w - tx - 4.0, SMALL),
                title: format!(
                    "{name}{}\n{}{ip}\n{}",
                    ci.map(status_title).unwrap_or_default(),
                    ci.map(type_name).unwrap_or_default(),
                    m.kind.label()
                ),
            });
        }
    }
    if let Some(loose) = &l.loose {
        frames.push(SvgFrame {
            x: r(loose.frame.x),
            y: r(loose.frame.y),
            w: r(loose.frame.w),
            h: r(loose.frame.h),
            head: format!("未建立关系的配置项（{} 项）", loose.members.len()),
        });
        boxes.extend(loose.members.iter().map(|p| ci_box(t, p)));
    }
    let links =
        l.links.iter().map(|k| SvgLink { d: path(&k.points), kind: k.kind.code(), title: link_title(t, k) }).collect();
    let legend = legend();
    let legend_w = legend.last().map_or(0.0, |i| i.x + 24.0 + text_width(i.label, SMALL));
    Svg {
        title,
        style: STYLE,
        width: l.width.max(legend_w),
        height: l.height + LEGEND_H,
        legend_y: l.height + LEGEND_H / 2.0,
        links,
        boxes,
        frames,
        rows,
        legend,
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_to_its_box_with_an_ellipsis() {
        assert_eq!(fit("HIS-APP-01", 200.0, 12.0), "HIS-APP-01");
        let cut = fit("门诊楼三层弱电间接入交换机一号机柜", 100.0, 12.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 12.0) <= 100.0, "{cut}");
        assert_eq!(cut, "门诊楼三层弱电…");
    }

    #[test]
    fn a_path_drops_straight_through_a_layer_and_curves_between_layers() {
        assert_eq!(path(&[(10.0, 0.0), (10.0, 50.0)]), "M10 0 L10 50");
        assert_eq!(path(&[(0.0, 0.0), (20.0, 40.0)]), "M0 0 C0 20 20 20 20 40");
    }
}
