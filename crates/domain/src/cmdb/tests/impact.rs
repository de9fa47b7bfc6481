//! Relations, their validation and the impact query.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use crate::cmdb::*;

fn e(source: i64, kind: RelationKind, target: i64) -> Edge {
    Edge { source, target, kind }
}

fn ids(v: &[Impacted]) -> Vec<i64> {
    v.iter().map(|i| i.id).collect()
}

use RelationKind::*;

#[test]
fn a_host_failure_impacts_the_vm_on_it_and_the_application_on_the_vm() {
    let (host, vm, his) = (1, 2, 3);
    let got = impact(host, &[e(his, RunsOn, vm), e(vm, RunsOn, host)]);
    assert_eq!(
        got,
        vec![
            Impacted { id: vm, depth: 1, via: host, kind: RunsOn },
            Impacted { id: his, depth: 2, via: vm, kind: RunsOn },
        ]
    );
    assert_eq!(impact(his, &[e(his, RunsOn, vm), e(vm, RunsOn, host)]), vec![], "nothing runs on HIS");
}

#[test]
fn a_failed_switch_cuts_off_what_is_linked_to_it_but_a_failed_server_does_not_take_down_its_switch() {
    let (core, access, server, app) = (1, 2, 3, 4);
    let edges = [e(access, ConnectsTo, core), e(server, ConnectsTo, access), e(app, RunsOn, server)];
    assert_eq!(ids(&impact(core, &edges)), vec![access, server, app]);
    assert_eq!(ids(&impact(access, &edges)), vec![server, app]);
    assert_eq!(ids(&impact(server, &edges)), vec![app]);
}

#[test]
fn a_dependency_carries_impact_from_the_needed_ci_to_the_one_that_needs_it() {
    let (pacs, array) = (1, 2);
    assert_eq!(ids(&impact(array, &[e(pacs, DependsOn, array)])), vec![pacs]);
    assert!(impact(pacs, &[e(pacs, DependsOn, array)]).is_empty());
}

#[test]
fn a_backup_relation_carries_no_impact_either_way() {
    let (tape, db) = (1, 2);
    assert_eq!(impact(tape, &[e(tape, BacksUp, db)]), vec![]);
    assert_eq!(impact(db, &[e(tape, BacksUp, db)]), vec![]);
}

#[test]
fn a_failed_member_impacts_its_cluster_and_what_runs_on_it_but_not_its_sibling() {
    let (node_a, node_b, cluster, his, app_on_b) = (1, 2, 10, 20, 30);
    let edges = [
        e(node_a, MemberOf, cluster),
        e(node_b, MemberOf, cluster),
        e(his, RunsOn, cluster),
        e(app_on_b, RunsOn, node_b),
    ];
    assert_eq!(ids(&impact(node_a, &edges)), vec![cluster, his]);
    assert_eq!(ids(&impact(cluster, &edges)), vec![his], "members are not impacted by the cluster");
}

#[test]
fn a_cycle_ends_and_never_lists_the_failed_ci() {
    let edges = [e(1, DependsOn, 2), e(2, DependsOn, 3), e(3, DependsOn, 1), e(4, DependsOn, 4)];
    let got = impact(1, &edges);
    assert_eq!(ids(&got), vec![3, 2]);
    assert_eq!(got.iter().map(|i| i.depth).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(impact(4, &edges), vec![], "a self-loop impacts nothing else");
}

#[test]
fn each_ci_is_listed_once_at_its_shortest_distance() {
    // 5 depends on 1 directly and through 2 → 3 → 4.
    let edges = [e(2, DependsOn, 1), e(3, DependsOn, 2), e(4, DependsOn, 3), e(5, DependsOn, 4), e(5, DependsOn, 1)];
    let got = impact(1, &edges);
    assert_eq!(ids(&got), vec![2, 5, 3, 4]);
    assert_eq!(got[1], Impacted { id: 5, depth: 1, via: 1, kind: DependsOn });
    let twice = impact(1, &[e(2, DependsOn, 1), e(2, RunsOn, 1), e(2, DependsOn, 1)]);
    assert_eq!(twice, vec![Impacted { id: 2, depth: 1, via: 1, kind: RunsOn }], "parallel relations count once");
}

#[test]
fn the_answer_does_not_depend_on_the_order_of_the_edges() {
    let mut edges = vec![e(9, RunsOn, 1), e(3, RunsOn, 1), e(7, DependsOn, 3), e(5, DependsOn, 9), e(2, RunsOn, 1)];
    let first = impact(1, &edges);
    assert_eq!(ids(&first), vec![2, 3, 9, 7, 5]);
    edges.reverse();
    assert_eq!(impact(1, &edges), first);
}

#[test]
fn the_path_to_an_impacted_ci_leads_back_to_the_failed_one() {
    let edges = [e(2, RunsOn, 1), e(3, RunsOn, 2), e(4, DependsOn, 3)];
    let got = impact(1, &edges);
    assert_eq!(impact_path(&got, 4), Some(vec![1, 2, 3, 4]));
    assert_eq!(impact_path(&got, 2), Some(vec![1, 2]));
    assert_eq!(impact_path(&got, 1), None, "the failed CI itself is not in the answer");
    assert_eq!(impact_path(&got, 99), None);
}

#[test]
fn one_graph_answers_for_many_roots() {
    let graph = ImpactGraph::new(&[e(2, RunsOn, 1), e(3, RunsOn, 2)]);
    assert_eq!(ids(&graph.impact(1)), vec![2, 3]);
    assert_eq!(ids(&graph.impact(2)), vec![3]);
    assert!(graph.impact(42).is_empty());
}

/// Shortest distances from `root` by plain relaxation over the edge list, as a reference.
fn reference(root: i64, edges: &[Edge]) -> HashMap<i64, u32> {
    let mut dist = HashMap::from([(root, 0u32)]);
    loop {
        let mut changed = false;
        for edge in edges {
            let (from, to) = match edge.kind.impact_flow() {
                ImpactFlow::TargetToSource => (edge.target, edge.source),
                ImpactFlow::SourceToTarget => (edge.source, edge.target),
                ImpactFlow::Neither => continue,
            };
            if let Some(&d) = dist.get(&from)
                && dist.get(&to).is_none_or(|&old| old > d + 1)
            {
                dist.insert(to, d + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    dist.remove(&root);
    dist
}

/// Checks everything an answer must satisfy against the edges it came from.
fn check(root: i64, edges: &[Edge], got: &[Impacted]) {
    let found: HashMap<i64, u32> = got.iter().map(|i| (i.id, i.depth)).collect();
    assert_eq!(found.len(), got.len(), "each CI once");
    assert!(!found.contains_key(&root), "root excluded");
    assert_eq!(found, reference(root, edges), "exactly the reachable CIs, at their shortest depth");
    assert!(got.windows(2).all(|w| w[0].depth <= w[1].depth), "breadth first");
    let edge_set: HashSet<Edge> = edges.iter().copied().collect();
    for (n, i) in got.iter().enumerate() {
        let via_depth = if i.via == root { 0 } else { found.get(&i.via).copied().unwrap_or(u32::MAX) };
        assert_eq!(via_depth + 1, i.depth, "{i:?} is one step past its predecessor");
        assert!(i.via == root || got[..n].iter().any(|p| p.id == i.via), "{i:?}: predecessor listed before it");
        let step = match i.kind.impact_flow() {
            ImpactFlow::TargetToSource => e(i.id, i.kind, i.via),
            ImpactFlow::SourceToTarget => e(i.via, i.kind, i.id),
            ImpactFlow::Neither => panic!("{i:?} reached over a relation that carries no impact"),
        };
        assert!(edge_set.contains(&step), "{i:?} reached over an edge that exists");
    }
}

/// A pseudo-random graph (a fixed linear congruential generator, so the test is repeatable).
fn generated(cis: i64, edges: usize, mut seed: u64) -> Vec<Edge> {
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    (0..edges)
        .map(|_| {
            let source = (next() % cis as u64) as i64 + 1;
            let target = (next() % cis as u64) as i64 + 1;
            let kind = RelationKind::ALL[(next() % RelationKind::ALL.len() as u64) as usize];
            e(source, kind, target)
        })
        .collect()
}

#[test]
fn a_hospital_sized_graph_of_5000_cis_and_20000_relations_is_answered_exactly() {
    let edges = generated(5000, 20_000, 2026);
    for root in [1, 17, 2500, 4999] {
        check(root, &edges, &impact(root, &edges));
    }
    assert!(impact(1, &edges).len() > 100, "the generated graph is connected enough to be a real test");
}

fn edges_strategy() -> impl Strategy<Value = Vec<Edge>> {
    let kind = prop::sample::select(RelationKind::ALL.to_vec());
    prop::collection::vec((1i64..=12, kind, 1i64..=12).prop_map(|(s, k, t)| e(s, k, t)), 0..40)
}

proptest! {
    #[test]
    fn impact_is_closed_under_the_relations_and_never_contains_the_root(
        root in 1i64..=12,
        edges in edges_strategy(),
    ) {
        let got = impact(root, &edges);
        check(root, &edges, &got);
        let reached: HashSet<i64> = got.iter().map(|i| i.id).chain([root]).collect();
        for edge in &edges {
            match edge.kind.impact_flow() {
                ImpactFlow::TargetToSource if reached.contains(&edge.target) => prop_assert!(reached.contains(&edge.source)),
                ImpactFlow::SourceToTarget if reached.contains(&edge.source) => prop_assert!(reached.contains(&edge.target)),
                _ => {}
            }
        }
        for i in &got {
            let path = impact_path(&got, i.id).expect("every impacted CI has a path");
            prop_assert_eq!(path.first(), Some(&root));
            prop_assert_eq!(path.len() as u32, i.depth + 1);
        }
    }
}

#[test]
fn a_relation_input_becomes_a_relation_from_the_ci_it_was_posted_on() {
    let input = RelationInput {
        kind: "connects_to".into(),
        target: 7,
        local_port: Some(" Gi1/0/1 ".into()),
        remote_port: Some("eth0".into()),
    };
    let r = input.validate(3).expect("valid");
    assert_eq!(
        r,
        ValidRelation {
            source: 3,
            kind: ConnectsTo,
            target: 7,
            local_port: Some("Gi1/0/1".into()),
            remote_port: Some("eth0".into())
        }
    );
    assert_eq!(r.edge(), e(3, ConnectsTo, 7));
    let json: RelationInput = serde_json::from_str(r#"{"kind":"依赖","target":9}"#).expect("json");
    assert_eq!(json.validate(3).map(|r| r.kind), Ok(DependsOn));
}

#[test]
fn a_relation_is_refused_when_its_kind_is_unknown_it_points_at_itself_or_has_ports_but_is_no_link() {
    let fields = |input: RelationInput, source: i64| -> Vec<String> {
        input.validate(source).err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    };
    assert_eq!(fields(RelationInput { kind: "hugs".into(), target: 2, ..Default::default() }, 1), ["kind"]);
    assert_eq!(fields(RelationInput { kind: "runs_on".into(), target: 1, ..Default::default() }, 1), ["target"]);
    assert_eq!(
        fields(
            RelationInput { kind: "runs_on".into(), target: 2, local_port: Some("eth0".into()), ..Default::default() },
            1
        ),
        ["local_port"]
    );
    assert_eq!(
        fields(
            RelationInput {
                kind: "connects_to".into(),
                target: 2,
                remote_port: Some("x".repeat(65)),
                ..Default::default()
            },
            1
        ),
        ["remote_port"]
    );
    let blank_ports =
        RelationInput { kind: "runs_on".into(), target: 2, local_port: Some("  ".into()), ..Default::default() };
    assert_eq!(blank_ports.validate(1).map(|r| r.local_port), Ok(None), "a blank port is no port");
}
