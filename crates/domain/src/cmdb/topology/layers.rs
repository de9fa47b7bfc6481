//! Layers: which relations to turn round so the drawing has no cycle, the layer of every CI by
//! longest path, and a first order within each layer.

use super::super::relation::RelationKind;
use super::{Graph, is_placed};

/// Which relations (lower, upper) close a cycle when followed upwards, found by an iterative
/// depth-first search from each CI in order; those are turned round for layering.
pub(super) fn back_edges(n: usize, rels: &[(usize, usize, RelationKind)]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (k, &(s, t, _)) in rels.iter().enumerate() {
        out_edges[s].push((t, k));
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut back = vec![false; rels.len()];
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Open;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, k)) = out_edges[v].get(*next) {
                *next += 1;
                match mark[w] {
                    Mark::Open => back[k] = true,
                    Mark::New => {
                        mark[w] = Mark::Open;
                        stack.push((w, 0));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[v] = Mark::Done;
                stack.pop();
            }
        }
    }
    back
}

/// Layers by longest path from the top: a CI with nothing above it is in layer 0, any other one
/// layer below the lowest CI it relates up to. A CI with nothing above it then moves down to
/// just above the highest CI below it, so a storage array sits over the hosts that use it rather
/// than at the top with long lines down.
pub(super) fn assign_layers(
    n: usize,
    dag: &[(usize, usize, RelationKind, bool)],
    in_graph: &impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut ups: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut downs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(lo, up, _, _) in dag {
        ups[lo].push(up);
        downs[up].push(lo);
    }
    let mut pending: Vec<usize> = ups.iter().map(Vec::len).collect();
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| in_graph(i) && pending[i] == 0).collect();
    let mut topo = Vec::with_capacity(n);
    while let Some(v) = ready.pop() {
        topo.push(v);
        for &w in &downs[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            pending[w] -= 1;
            if pending[w] == 0 {
                ready.push(w);
            }
        }
    }
    for &v in topo.iter().rev() {
        if ups[v].is_empty()
            && let Some(min_below) = downs[v].iter().map(|&w| layer[w]).min()
        {
            layer[v] = min_below.saturating_sub(1).max(layer[v]);
        }
    }
    layer
}

/// A first order per layer: depth-first from the top layer's items in the order given, children
/// in the order given, each item placed the first time it is reached; so subtrees start together.
pub(super) fn initial_order(g: &Graph, layers: usize, in_graph: &impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
    let mut seen = vec![false; g.items.len()];
    let mut roots: Vec<usize> =
        (0..g.items.len()).filter(|&i| is_placed(g, i, in_graph) && g.up[i].is_empty()).collect();
    roots.sort_by_key(|&i| (g.layer[i], i));
    for root in roots {
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            order[g.layer[v]].push(v);
            for &w in g.down[v].iter().rev() {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    order
}
