//! The topology drawing's layout.

use proptest::prelude::*;

use crate::cmdb::topology::*;
use crate::cmdb::{Edge, RelationKind};

use RelationKind::*;

fn e(source: i64, kind: RelationKind, target: i64) -> Edge {
    Edge { source, target, kind }
}

/// CIs that may hang in a group box.
fn ns(ids: &[i64]) -> Vec<TopoNode> {
    ids.iter().map(|&id| TopoNode { id, boxed: false }).collect()
}

/// CIs that always get a box.
fn bx(ids: &[i64]) -> Vec<TopoNode> {
    ids.iter().map(|&id| TopoNode { id, boxed: true }).collect()
}

fn node(l: &Layout, id: i64) -> Placed {
    *l.nodes.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("CI {id} has a box of its own"))
}

fn centre(p: &Placed) -> f64 {
    p.x + p.w / 2.0
}

/// Every box of the drawing: CI boxes, group frames and grid members.
fn boxes(l: &Layout) -> Vec<Placed> {
    let mut all = l.nodes.clone();
    all.extend(l.groups.iter().map(|g| g.frame));
    if let Some(loose) = &l.loose {
        all.extend(loose.members.iter().copied());
    }
    all
}

fn overlap(a: &Placed, b: &Placed) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// Pairs of lines whose straight pieces cross (lines that share an end do not count).
fn crossings(l: &Layout) -> usize {
    type Point = (f64, f64);
    let segs: Vec<(usize, Point, Point)> =
        l.links.iter().enumerate().flat_map(|(k, link)| link.points.windows(2).map(move |w| (k, w[0], w[1]))).collect();
    let orient = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let mut pairs = std::collections::HashSet::new();
    for (i, &(k1, a, b)) in segs.iter().enumerate() {
        for &(k2, c, d) in &segs[i + 1..] {
            if k1 != k2 && orient(a, b, c) * orient(a, b, d) < 0.0 && orient(c, d, a) * orient(c, d, b) < 0.0 {
                pairs.insert((k1.min(k2), k1.max(k2)));
            }
        }
    }
    pairs.len()
}

/// A generated hospital as the benchmark wires it: core, aggregation and access switches,
/// servers and PCs on access switches, VMs on servers, applications on VMs; ids from 1.
fn hospital(n: i64) -> (Vec<TopoNode>, Vec<Edge>) {
    let (core, agg, acc, srv, vm) = (2, 6 * n / 500, 24 * n / 500, 60 * n / 500, 100 * n / 500);
    let apps = 10 * n / 500;
    let mut edges = Vec::new();
    let (c0, a0, x0, s0, v0) = (1, 1 + core, 1 + core + agg, 1 + core + agg + acc, 1 + core + agg + acc + srv);
    let ids: Vec<TopoNode> = (1..=n).map(|id| TopoNode { id, boxed: id < s0 }).collect();
    let p0 = v0 + vm;
    for a in 0..agg {
        edges.push(e(a0 + a, ConnectsTo, c0 + a % core));
        edges.push(e(a0 + a, ConnectsTo, c0 + (a + 1) % core));
    }
    for x in 0..acc {
        edges.push(e(x0 + x, ConnectsTo, a0 + x % agg));
    }
    for s in 0..srv {
        edges.push(e(s0 + s, ConnectsTo, x0 + s % 4));
    }
    for v in 0..vm {
        edges.push(e(v0 + v, RunsOn, s0 + v % srv));
    }
    for (k, p) in (p0..=n - apps).enumerate() {
        edges.push(e(p, ConnectsTo, x0 + 4 + k as i64 % (acc - 4)));
    }
    for k in 0..apps {
        edges.push(e(n - apps + 1 + k, RunsOn, v0 + k * 7 % vm));
    }
    (ids, edges)
}

#[test]
fn every_relation_points_up_the_drawing() {
    let (core, agg, acc, s1, s2) = (1, 2, 3, 4, 5);
    let l = layout(
        &bx(&[core, agg, acc, s1, s2]),
        &[e(agg, ConnectsTo, core), e(acc, ConnectsTo, agg), e(s1, ConnectsTo, acc), e(s2, ConnectsTo, acc)],
    );
    let y = |id| node(&l, id).y;
    assert!(y(core) < y(agg) && y(agg) < y(acc) && y(acc) < y(s1), "{l:?}");
    assert_eq!(y(s1), y(s2));
    assert_eq!(l.layers, 4);
    assert_eq!(l.links.len(), 4);
    for link in &l.links {
        let (top, bottom) = (link.points[0], link.points[link.points.len() - 1]);
        let (up, low) = (node(&l, link.upper), node(&l, link.lower.unwrap_or(0)));
        assert_eq!(top.1, up.y + up.h, "starts at the bottom of the upper box");
        assert_eq!(bottom.1, low.y, "ends at the top of the lower box");
        assert!(top.0 > up.x && top.0 < up.x + up.w && bottom.0 > low.x && bottom.0 < low.x + low.w);
    }
}

#[test]
fn cis_hanging_off_one_parent_are_listed_in_a_group_box_under_it() {
    let (acc, agg) = (1, 2);
    let pcs: Vec<i64> = (10..15).collect();
    let mut edges: Vec<Edge> = pcs.iter().map(|&p| e(p, ConnectsTo, acc)).collect();
    edges.push(e(acc, ConnectsTo, agg));
    let mut nodes = bx(&[acc, agg]);
    nodes.extend(ns(&pcs));
    let l = layout(&nodes, &edges);
    assert_eq!(l.nodes.iter().map(|p| p.id).collect::<Vec<_>>(), vec![acc, agg], "PCs have no box of their own");
    assert_eq!(l.groups.len(), 1);
    let g = &l.groups[0];
    assert_eq!((g.parent, g.kind), (acc, ConnectsTo));
    assert_eq!(g.members.iter().map(|m| m.at.id).collect::<Vec<_>>(), pcs);
    assert!(g.frame.y > node(&l, acc).y + NODE_H, "the group is below its parent");
    assert!((centre(&g.frame) - centre(&node(&l, acc))).abs() < 1.0, "and centred under it");
    for m in g.members.iter().map(|m| &m.at) {
        assert!(m.x >= g.frame.x && m.x + m.w <= g.frame.x + g.frame.w + 0.01);
        assert!(m.y >= g.frame.y + GROUP_HEAD && m.y + m.h <= g.frame.y + g.frame.h);
    }
    let to_group: Vec<_> = l.links.iter().filter(|k| k.lower.is_none()).collect();
    assert_eq!(to_group.len(), 1, "one line from the parent to the group");
    assert_eq!(to_group[0].upper, acc);
}

#[test]
fn fewer_than_the_group_minimum_stay_boxes_and_a_long_group_wraps_into_columns() {
    let few = layout(&ns(&[1, 2, 3]), &[e(2, ConnectsTo, 1), e(3, ConnectsTo, 1)]);
    assert!(few.groups.is_empty());
    assert_eq!(few.nodes.len(), 3);
    let many: Vec<i64> = (2..2 + 2 * GROUP_ROWS as i64 + 1).collect();
    let mut nodes = vec![1];
    nodes.extend(&many);
    let l = layout(&ns(&nodes), &many.iter().map(|&m| e(m, ConnectsTo, 1)).collect::<Vec<_>>());
    let g = &l.groups[0];
    let columns: std::collections::BTreeSet<i64> = g.members.iter().map(|m| m.at.x as i64).collect();
    assert_eq!(columns.len(), 3, "{} rows at most per column", GROUP_ROWS);
    let rows: std::collections::BTreeSet<i64> = g.members.iter().map(|m| m.at.y as i64).collect();
    assert_eq!(rows.len(), 17, "49 CIs in 3 balanced columns of 17, 17 and 15");
}

#[test]
fn what_hangs_off_a_hanging_ci_is_indented_under_it() {
    // Servers on a switch, VMs on one server, an application on a VM; a dual-homed server and
    // the switch (boxed) keep boxes, and so does the VM that an application also depends on.
    let (sw, s1, s2, vm1, vm2, his, dual, sw2) = (1, 2, 3, 4, 5, 6, 7, 8);
    let mut nodes = bx(&[sw, sw2]);
    nodes.extend(ns(&[s1, s2, vm1, vm2, his, dual]));
    let edges = [
        e(s1, ConnectsTo, sw),
        e(s2, ConnectsTo, sw),
        e(vm1, RunsOn, s1),
        e(vm2, RunsOn, s1),
        e(his, RunsOn, vm1),
        e(dual, ConnectsTo, sw),
        e(dual, ConnectsTo, sw2),
    ];
    let l = layout(&nodes, &edges);
    assert_eq!(l.groups.len(), 1);
    let rows: Vec<(i64, u32, RelationKind)> = l.groups[0].members.iter().map(|m| (m.at.id, m.depth, m.kind)).collect();
    assert_eq!(
        rows,
        vec![(s1, 0, ConnectsTo), (vm1, 1, RunsOn), (his, 2, RunsOn), (vm2, 1, RunsOn), (s2, 0, ConnectsTo)]
    );
    let boxes: Vec<i64> = l.nodes.iter().map(|p| p.id).collect();
    assert_eq!(boxes, vec![sw, sw2, dual], "in the order given");
    let mut with_db = edges.to_vec();
    with_db.push(e(his, DependsOn, dual));
    let l = layout(&nodes, &with_db);
    assert!(l.nodes.iter().any(|p| p.id == his), "HIS relates to two CIs: a box");
    assert!(l.nodes.iter().any(|p| p.id == vm1) && l.nodes.iter().any(|p| p.id == s1), "so does its chain up");
}

#[test]
fn unrelated_cis_are_gridded_below_the_drawing() {
    let l = layout(&ns(&[1, 2, 3, 4, 5]), &[e(2, RunsOn, 1)]);
    let loose = l.loose.as_ref().expect("a grid of unrelated CIs");
    assert_eq!(loose.members.iter().map(|m| m.id).collect::<Vec<_>>(), vec![3, 4, 5]);
    assert!(loose.frame.y > node(&l, 2).y + NODE_H);
    assert!(l.height >= loose.frame.y + loose.frame.h);
    let only = layout(&ns(&[7]), &[]);
    assert!(only.nodes.is_empty() && only.links.is_empty());
    assert_eq!(only.loose.map(|g| g.members.len()), Some(1));
    assert_eq!(layout(&ns(&[]), &[]).layers, 0);
}

#[test]
fn a_cycle_is_drawn_with_one_relation_turned_round() {
    let l = layout(&ns(&[1, 2, 3]), &[e(1, DependsOn, 2), e(2, DependsOn, 3), e(3, DependsOn, 1)]);
    assert_eq!(l.nodes.len(), 3);
    assert_eq!(l.links.len(), 3);
    assert_eq!(l.links.iter().filter(|k| k.reversed).count(), 1);
    assert_eq!(l.layers, 3);
}

#[test]
fn relations_to_cis_outside_the_drawing_and_repeated_pairs_are_left_out() {
    let l = layout(&ns(&[1, 2]), &[e(2, ConnectsTo, 1), e(2, DependsOn, 1), e(1, RunsOn, 2), e(2, RunsOn, 99)]);
    assert_eq!(l.links.len(), 1);
    assert_eq!(l.links[0].kind, RunsOn, "the first kind in display order");
}

#[test]
fn a_long_relation_routes_through_the_layers_it_crosses() {
    // The storage is used by the host and by the application two layers below it: it sits above
    // the host; the application's line passes the layers between.
    let (core, host, vm, app, storage) = (1, 2, 3, 4, 5);
    let l = layout(
        &ns(&[core, host, vm, app, storage]),
        &[
            e(host, ConnectsTo, core),
            e(vm, RunsOn, host),
            e(app, RunsOn, vm),
            e(app, DependsOn, storage),
            e(host, DependsOn, storage),
        ],
    );
    let long = l.links.iter().find(|k| k.upper == storage && k.lower == Some(app)).expect("the storage line");
    assert!(long.points.len() > 2, "bends through placeholders: {:?}", long.points);
    for w in long.points.windows(2) {
        assert!(w[0].1 <= w[1].1, "goes down all the way");
    }
    assert_eq!(node(&l, storage).y, node(&l, core).y, "just above the highest CI using it");
    let alone = layout(&ns(&[1, 2, 3, 4]), &[e(2, RunsOn, 1), e(3, RunsOn, 2), e(3, DependsOn, 4)]);
    assert_eq!(node(&alone, 4).y, node(&alone, 2).y, "used only by the VM: pulled down beside its host");
}

#[test]
fn the_order_of_a_layer_is_improved_to_remove_crossings() {
    // Visiting r1 first puts both of its children before r2's only child, but the shared child
    // belongs between the two: 1 crossing unless the sweeps fix it.
    let (r1, r2, shared, only1, only2) = (1, 2, 3, 4, 5);
    let l = layout(
        &ns(&[r1, r2, shared, only1, only2]),
        &[e(shared, DependsOn, r1), e(only1, DependsOn, r1), e(shared, DependsOn, r2), e(only2, DependsOn, r2)],
    );
    assert_eq!(crossings(&l), 0, "{:#?}", l.links);
    let x = |id| node(&l, id).x;
    assert!(x(only1) < x(shared) && x(shared) < x(only2));
}

#[test]
fn a_hospital_of_500_cis_has_no_overlapping_boxes_and_no_crossings() {
    let (ids, edges) = hospital(500);
    let l = layout(&ids, &edges);
    let all = boxes(&l);
    for (i, a) in all.iter().enumerate() {
        assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height, "{a:?} inside");
        for b in &all[i + 1..] {
            assert!(!overlap(a, b), "{a:?} overlaps {b:?}");
        }
    }
    let drawn = l.nodes.len() + l.groups.iter().map(|g| g.members.len()).sum::<usize>();
    assert_eq!(drawn, 500, "every CI is drawn once");
    // Only the dual-homed aggregation switches cross: 6 switches each linked to both cores is
    // K(2,6), which no drawing in two layers shows with fewer than C(6,2) = 15 crossings.
    assert_eq!(crossings(&l), 15);
    // Legible: the 32 switches are boxes, everything else is listed under its switch.
    assert_eq!(l.nodes.len(), 32);
    assert_eq!(l.groups.len(), 24);
    assert!(l.width < 7000.0, "{} wide", l.width);
    eprintln!("500 CIs: {} × {} px, {} layers", l.width, l.height, l.layers);
}

#[test]
fn the_layout_does_not_depend_on_the_order_relations_come_in() {
    let (ids, edges) = hospital(200);
    let mut reversed = edges.clone();
    reversed.reverse();
    assert_eq!(layout(&ids, &edges), layout(&ids, &reversed));
}

#[test]
fn positions_keep_order_and_spacing_and_are_as_near_the_wishes_as_they_can_be() {
    assert_eq!(fit_in_order(&[0.0, 100.0], &[10.0]), vec![0.0, 100.0]);
    assert_eq!(fit_in_order(&[0.0, 0.0, 0.0], &[10.0, 10.0]), vec![-10.0, 0.0, 10.0]);
    assert_eq!(fit_in_order(&[50.0, 0.0], &[20.0]), vec![15.0, 35.0]);
}

proptest! {
    #[test]
    fn any_graph_lays_out_without_overlaps(
        n in 1usize..40,
        raw in proptest::collection::vec((0usize..40, 0usize..5, 0usize..40), 0..80),
    ) {
        let ids: Vec<TopoNode> = (1..=n as i64).map(|id| TopoNode { id, boxed: id % 3 == 0 }).collect();
        let edges: Vec<Edge> = raw
            .iter()
            .map(|&(s, k, t)| e((s % n) as i64 + 1, RelationKind::ALL[k], (t % n) as i64 + 1))
            .collect();
        let l = layout(&ids, &edges);
        let all = boxes(&l);
        for (i, a) in all.iter().enumerate() {
            prop_assert!(a.x >= 0.0 && a.x + a.w <= l.width + 0.01 && a.y + a.h <= l.height + 0.01);
            for b in &all[i + 1..] {
                prop_assert!(!overlap(a, b), "{:?} overlaps {:?}", a, b);
            }
        }
        let drawn = l.nodes.len()
            + l.groups.iter().map(|g| g.members.len()).sum::<usize>()
            + l.loose.as_ref().map_or(0, |g| g.members.len());
        prop_assert_eq!(drawn, n);
    }
}
