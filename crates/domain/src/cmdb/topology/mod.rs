//! The topology drawing's layout (issue 5 item 6, seed 000 §2.1 网络结构): a layered drawing in
//! the manner of Sugiyama, where every relation points up — an uplink above the switch that
//! connects to it, a host above what runs on it, a storage array above what depends on it.
//!
//! What keeps 500 CIs legible rather than a hairball:
//! - CIs hanging off one parent and related to nothing else (servers on an access switch, PCs on
//!   a floor switch) are not a row of 48 boxes but one group box listing them under the parent;
//! - CIs with no relation at all go to a grid at the bottom instead of widening a layer;
//! - relations spanning several layers pass through placeholders that take part in ordering,
//!   so they route around boxes instead of through them;
//! - each layer's order is improved by barycentre sweeps, keeping the order with the fewest
//!   crossings, and positions are the least-squares closest to the neighbours' that keep boxes
//!   apart (pool-adjacent-violators on each layer), so parents sit above their children.
//!
//! Everything here is geometry in pixels for an SVG; the page draws the boxes and lines.

use std::collections::HashMap;

use serde::Serialize;

use super::relation::{Edge, RelationKind};

mod layers;
mod order;
mod place;

use layers::{assign_layers, back_edges, initial_order};
use order::reduce_crossings;
#[cfg(test)]
pub(crate) use place::fit_in_order;
use place::{anchor_bottom, anchor_top, place};

/// Width of a CI box.
pub const NODE_W: f64 = 184.0;
/// Height of a CI box (two lines of text).
pub const NODE_H: f64 = 44.0;
/// Width of one CI row in a group box.
pub const ROW_W: f64 = 176.0;
/// Height of one CI row in a group box.
pub const ROW_H: f64 = 20.0;
/// Height of a group box's heading line.
pub const GROUP_HEAD: f64 = 24.0;
/// Padding inside a group box.
pub const GROUP_PAD: f64 = 6.0;
/// Most rows in one column of a group box before it starts another column.
pub const GROUP_ROWS: usize = 24;
/// Fewest CIs under one parent that make a group box (fewer are drawn as boxes).
pub const GROUP_MIN: usize = 3;
/// Space between two boxes in a layer.
const GAP: f64 = 28.0;
/// Width a placeholder of a long relation takes in its layer.
const DUMMY_W: f64 = 6.0;
/// Vertical space between layers, where the lines run.
const LAYER_GAP: f64 = 84.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 24.0;
/// Height of the heading above the grid of unrelated CIs.
const LOOSE_HEAD: f64 = 28.0;

/// A box placed on the drawing, top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Placed {
    /// Id of the CI.
    pub id: i64,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A CI to lay out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopoNode {
    /// Id of the CI.
    pub id: i64,
    /// Whether it always gets a box of its own (network devices, the CI a drawing is centred
    /// on); others may be listed in a group box under the one CI they hang off.
    pub boxed: bool,
}

/// A group box: the CIs that hang off one parent (see [`TopoNode::boxed`]), as an indented list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Id of the CI they hang off.
    pub parent: i64,
    /// The kind of relation most of the top rows have to the parent.
    pub kind: RelationKind,
    /// Outline of the group box.
    pub frame: Placed,
    /// One row per CI, each under the one it hangs off.
    pub members: Vec<Member>,
}

/// A row of a group box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Member {
    /// Where the row is; `id` is the CI's.
    pub at: Placed,
    /// Indentation: 0 for a CI hanging off the group's parent, 1 for one hanging off that, …
    pub depth: u32,
    /// Its relation to the CI it hangs off.
    pub kind: RelationKind,
}

/// A line between two boxes, from the upper box's bottom to the lower box's top.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// The lower CI: the relation's source, unless `reversed`; `None` when the lower end is a
    /// group box.
    pub lower: Option<i64>,
    /// The upper CI.
    pub upper: i64,
    /// The kind of relation.
    pub kind: RelationKind,
    /// Whether the relation points down, against the drawing's direction: its source is the
    /// upper CI (the edge that closed a cycle).
    pub reversed: bool,
    /// The points the line passes, from the upper box down; consecutive points are joined by an
    /// S-curve, or a straight drop where x does not change.
    pub points: Vec<(f64, f64)>,
}

/// The grid of CIs with no relation in the drawing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loose {
    /// Outline of the grid with its heading.
    pub frame: Placed,
    /// One box per CI.
    pub members: Vec<Placed>,
}

/// A laid-out topology drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Layout {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// CIs drawn as boxes of their own.
    pub nodes: Vec<Placed>,
    /// Group boxes.
    pub groups: Vec<Group>,
    /// Lines between boxes.
    pub links: Vec<Link>,
    /// CIs with no relation in the drawing.
    pub loose: Option<Loose>,
    /// Number of layers.
    pub layers: usize,
}

/// The rows of a group box as (node index, depth, relation to the row's parent), preorder.
type Rows = Vec<(usize, u32, RelationKind)>;

/// One item of a layer: a box, a group box or a placeholder of a long relation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Node(usize),
    Group(usize),
    Dummy,
}

/// The layered graph being laid out: items, and for each item its neighbours in the layers
/// above and below.
struct Graph {
    items: Vec<Item>,
    width: Vec<f64>,
    height: Vec<f64>,
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    layer: Vec<usize>,
}

impl Graph {
    fn add(&mut self, item: Item, w: f64, h: f64, layer: usize) -> usize {
        self.items.push(item);
        self.width.push(w);
        self.height.push(h);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        self.layer.push(layer);
        self.items.len() - 1
    }

    fn connect(&mut self, upper: usize, lower: usize) {
        self.down[upper].push(lower);
        self.up[lower].push(upper);
    }
}

/// Lays out the CIs `nodes` (in the order to prefer: the first CIs come first where nothing
/// else decides) and the relations among them; relations naming a CI not in `nodes` are left
/// out, and two CIs related more than once get one line (the first relation's kind).
pub fn layout(cis: &[TopoNode], edges: &[Edge]) -> Layout {
    let index: HashMap<i64, usize> = cis.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let nodes: Vec<i64> = cis.iter().map(|c| c.id).collect();
    let n = nodes.len();
    // One relation per pair, as (lower, upper, kind); in input order of kinds, deterministic.
    let mut sorted: Vec<Edge> = edges.to_vec();
    sorted.sort_by_key(|e| (e.kind, e.source, e.target));
    let mut seen = std::collections::HashSet::new();
    let mut rels: Vec<(usize, usize, RelationKind)> = Vec::new();
    for e in &sorted {
        let (Some(&s), Some(&t)) = (index.get(&e.source), index.get(&e.target)) else { continue };
        if s != t && seen.insert((s.min(t), s.max(t))) {
            rels.push((s, t, e.kind));
        }
    }
    rels.sort_by_key(|&(s, t, _)| (s, t));
    let mut degree = vec![0usize; n];
    for &(s, t, _) in &rels {
        degree[s] += 1;
        degree[t] += 1;
    }

    let hanging = hanging_lists(cis, &rels);
    let mut grouped = vec![false; n];
    for (_, rows) in &hanging {
        for r in rows {
            grouped[r.0] = true;
        }
    }

    // The layered graph: real CIs first (item i is node i), then groups, then placeholders.
    let mut g =
        Graph { items: Vec::new(), width: Vec::new(), height: Vec::new(), up: vec![], down: vec![], layer: vec![] };
    for i in 0..n {
        g.add(Item::Node(i), NODE_W, NODE_H, 0);
    }
    let loose: Vec<usize> = (0..n).filter(|&i| degree[i] == 0).collect();
    let in_graph = |i: usize| degree[i] > 0 && !grouped[i];
    // Upward adjacency among CIs in the graph, cycles broken by a depth-first search.
    let kept: Vec<(usize, usize, RelationKind)> =
        rels.iter().copied().filter(|&(s, t, _)| in_graph(s) && in_graph(t)).collect();
    let reversed = back_edges(n, &kept);
    let dag: Vec<(usize, usize, RelationKind, bool)> =
        kept.iter().zip(&reversed).map(|(&(s, t, k), &r)| if r { (t, s, k, true) } else { (s, t, k, false) }).collect();
    let layer = assign_layers(n, &dag, &in_graph);
    g.layer[..n].copy_from_slice(&layer);
    // (item, parent, rows)
    let mut groups: Vec<(usize, usize, &Rows)> = Vec::new();
    for (parent, rows) in &hanging {
        let (cols, per_col) = columns(rows.len());
        let w = cols as f64 * ROW_W + 2.0 * GROUP_PAD;
        let h = GROUP_HEAD + per_col as f64 * ROW_H + GROUP_PAD;
        let item = g.add(Item::Group(groups.len()), w, h, layer[*parent] + 1);
        g.connect(*parent, item);
        groups.push((item, *parent, rows));
    }
    // Long relations become chains through placeholders, one per layer crossed.
    let mut chains: Vec<(usize, usize, RelationKind, bool, Vec<usize>)> = Vec::new();
    for &(lower, upper, kind, rev) in &dag {
        let mut chain = Vec::new();
        let mut above = upper;
        for l in layer[upper] + 1..layer[lower] {
            let d = g.add(Item::Dummy, DUMMY_W, 0.0, l);
            g.connect(above, d);
            chain.push(d);
            above = d;
        }
        g.connect(above, lower);
        chains.push((lower, upper, kind, rev, chain));
    }

    let layers_count = (0..g.items.len()).filter(|&i| is_placed(&g, i, &in_graph)).map(|i| g.layer[i] + 1).max();
    let mut order = initial_order(&g, layers_count.unwrap_or(0), &in_graph);
    reduce_crossings(&g, &mut order);
    let x = place(&g, &order);

    // Vertical: each layer as tall as its tallest item.
    let mut tops = Vec::with_capacity(order.len());
    let mut y = MARGIN;
    for row in &order {
        tops.push(y);
        let h = row.iter().map(|&i| g.height[i]).fold(NODE_H, f64::max);
        y += h + LAYER_GAP;
    }
    let min_left = (0..g.items.len())
        .filter(|&i| is_placed(&g, i, &in_graph))
        .map(|i| x[i] - g.width[i] / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if min_left.is_finite() { MARGIN - min_left } else { 0.0 };
    let boxed = |i: usize| Placed {
        id: 0,
        x: x[i] + shift - g.width[i] / 2.0,
        y: tops[g.layer[i]],
        w: g.width[i],
        h: g.height[i],
    };

    let mut out = Layout { layers: order.len(), ..Layout::default() };
    for (i, &id) in nodes.iter().enumerate() {
        if in_graph(i) {
            out.nodes.push(Placed { id, ..boxed(i) });
        }
    }
    for &(item, parent, rows) in &groups {
        let frame = Placed { id: nodes[parent], ..boxed(item) };
        let (_, per_col) = columns(rows.len());
        let members = rows
            .iter()
            .enumerate()
            .map(|(k, &(m, depth, kind))| Member {
                at: Placed {
                    id: nodes[m],
                    x: frame.x + GROUP_PAD + (k / per_col) as f64 * ROW_W,
                    y: frame.y + GROUP_HEAD + (k % per_col) as f64 * ROW_H,
                    w: ROW_W,
                    h: ROW_H,
                },
                depth,
                kind,
            })
            .collect();
        let kind = majority(rows.iter().filter(|r| r.1 == 0).map(|r| r.2));
        let points = vec![anchor_bottom(&g, &x, shift, &tops, parent, item), (frame.x + frame.w / 2.0, frame.y)];
        out.links.push(Link { lower: None, upper: nodes[parent], kind, reversed: false, points });
        out.groups.push(Group { parent: nodes[parent], kind, frame, members });
    }
    for (lower, upper, kind, rev, chain) in &chains {
        let mut points = Vec::with_capacity(chain.len() * 2 + 2);
        let first = chain.first().copied().unwrap_or(*lower);
        points.push(anchor_bottom(&g, &x, shift, &tops, *upper, first));
        for &d in chain {
            let (px, top) = (x[d] + shift, tops[g.layer[d]]);
            let h = order[g.layer[d]].iter().map(|&i| g.height[i]).fold(NODE_H, f64::max);
            points.push((px, top));
            points.push((px, top + h));
        }
        let last = chain.last().copied().unwrap_or(*upper);
        points.push(anchor_top(&g, &x, shift, &tops, *lower, last));
        out.links.push(Link { lower: Some(nodes[*lower]), upper: nodes[*upper], kind: *kind, reversed: *rev, points });
    }
    out.links.sort_by_key(|a| (a.upper, a.lower));

    let right = (0..g.items.len())
        .filter(|&i| is_placed(&g, i, &in_graph))
        .map(|i| x[i] + shift + g.width[i] / 2.0)
        .fold(0.0, f64::max);
    let mut width = (right + MARGIN).max(2.0 * MARGIN + NODE_W);
    let mut height = if order.is_empty() { MARGIN } else { y - LAYER_GAP + MARGIN };
    if !loose.is_empty() {
        let per_row = (((width - 2.0 * MARGIN + GAP) / (NODE_W + GAP)).floor() as usize).clamp(4, 12);
        let top = height + if order.is_empty() { 0.0 } else { MARGIN };
        let members: Vec<Placed> = loose
            .iter()
            .enumerate()
            .map(|(k, &i)| Placed {
                id: nodes[i],
                x: MARGIN + GROUP_PAD + (k % per_row) as f64 * (NODE_W + GAP),
                y: top + LOOSE_HEAD + (k / per_row) as f64 * (NODE_H + GAP / 2.0),
                w: NODE_W,
                h: NODE_H,
            })
            .collect();
        let cols = per_row.min(loose.len());
        let rows = loose.len().div_ceil(per_row);
        let w = cols as f64 * (NODE_W + GAP) - GAP + 2.0 * GROUP_PAD;
        let h = LOOSE_HEAD + rows as f64 * (NODE_H + GAP / 2.0) - GAP / 2.0 + GROUP_PAD;
        width = width.max(MARGIN * 2.0 + w);
        height = top + h + MARGIN;
        out.loose = Some(Loose { frame: Placed { id: 0, x: MARGIN, y: top, w, h }, members });
    }
    out.width = width.ceil();
    out.height = height.ceil();
    out
}

/// The kind most of `kinds` are (ties: the first kind in display order).
fn majority(kinds: impl Iterator<Item = RelationKind>) -> RelationKind {
    let mut counts: Vec<(RelationKind, usize)> = Vec::new();
    for k in kinds {
        match counts.iter_mut().find(|(c, _)| *c == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.first().map_or(RelationKind::ConnectsTo, |c| c.0)
}

/// Columns of a group box of `rows` rows, and rows per column (balanced).
fn columns(rows: usize) -> (usize, usize) {
    let cols = rows.div_ceil(GROUP_ROWS).max(1);
    (cols, rows.div_ceil(cols))
}

/// The CIs that hang off one parent: not to be boxed, related upwards to that parent alone,
/// and with nothing related to them but CIs hanging off them in turn — servers on an access
/// switch with their VMs and the applications on those. Each parent's hanging CIs are listed in
/// one group box as an indented tree (preorder, `depth` 0 for the parent's own children, with
/// the relation to the row's parent); parents with fewer than [`GROUP_MIN`] rows keep boxes.
fn hanging_lists(nodes: &[TopoNode], rels: &[(usize, usize, RelationKind)]) -> Vec<(usize, Rows)> {
    let n = nodes.len();
    let mut ups: Vec<Vec<(usize, RelationKind)>> = vec![Vec::new(); n];
    let mut downs: Vec<Vec<(usize, RelationKind)>> = vec![Vec::new(); n];
    for &(s, t, k) in rels {
        ups[s].push((t, k));
        downs[t].push((s, k));
    }
    let mut hang: Vec<bool> = (0..n).map(|v| !nodes[v].boxed && ups[v].len() == 1).collect();
    loop {
        let mut changed = false;
        for v in 0..n {
            if hang[v] && downs[v].iter().any(|&(w, _)| !hang[w]) {
                hang[v] = false;
                changed = true;
            }
        }
        // A chain of hanging CIs must end at a parent that is not hanging; a cycle has none.
        for v in 0..n {
            let mut at = v;
            let mut steps = 0;
            while hang[at] && steps <= n {
                at = ups[at][0].0;
                steps += 1;
            }
            if hang[v] && steps > n {
                hang[v] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = Vec::new();
    for p in (0..n).filter(|&p| !hang[p]) {
        let mut rows = Vec::new();
        let mut stack: Vec<(usize, u32, RelationKind)> =
            downs[p].iter().rev().filter(|&&(w, _)| hang[w]).map(|&(w, k)| (w, 0, k)).collect();
        while let Some((v, depth, kind)) = stack.pop() {
            rows.push((v, depth, kind));
            stack.extend(downs[v].iter().rev().map(|&(w, k)| (w, depth + 1, k)));
        }
        if rows.len() >= GROUP_MIN {
            out.push((p, rows));
        }
    }
    out
}

fn is_placed(g: &Graph, i: usize, in_graph: &impl Fn(usize) -> bool) -> bool {
    match g.items[i] {
        Item::Node(n) => in_graph(n),
        Item::Group(_) | Item::Dummy => true,
    }
}
