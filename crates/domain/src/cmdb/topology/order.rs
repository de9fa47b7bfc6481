//! Order within the layers: crossings counted with a Fenwick tree, barycentre sweeps that keep
//! the order with the fewest.

use super::Graph;

/// Ordering sweeps (each one down and one up).
const SWEEPS: usize = 12;

/// Crossings between a layer and the one below it: the inversions among the lines' lower
/// positions once sorted by upper position, counted with a Fenwick tree.
pub(super) fn crossings_between(g: &Graph, upper: &[usize], pos: &[usize], lower_len: usize) -> u64 {
    let mut lines: Vec<(usize, usize)> =
        upper.iter().flat_map(|&u| g.down[u].iter().map(move |&w| (pos[u], pos[w]))).collect();
    lines.sort_unstable();
    let mut tree = vec![0u64; lower_len + 1];
    let mut total = 0u64;
    for (k, &(_, lp)) in lines.iter().enumerate() {
        // Lines already counted whose lower end is to the right of this one's cross it.
        let mut at = lp + 1;
        let mut not_greater = 0u64;
        while at > 0 {
            not_greater += tree[at];
            at &= at - 1;
        }
        total += k as u64 - not_greater;
        let mut at = lp + 1;
        while at <= lower_len {
            tree[at] += 1;
            at += at & at.wrapping_neg();
        }
    }
    total
}

/// Crossings in the whole drawing for an order.
pub(super) fn crossings(g: &Graph, order: &[Vec<usize>]) -> u64 {
    let pos = positions(g, order);
    order.windows(2).map(|w| crossings_between(g, &w[0], &pos, w[1].len())).sum()
}

pub(super) fn positions(g: &Graph, order: &[Vec<usize>]) -> Vec<usize> {
    let mut pos = vec![0usize; g.items.len()];
    for row in order {
        for (p, &i) in row.iter().enumerate() {
            pos[i] = p;
        }
    }
    pos
}

/// Barycentre sweeps: each layer sorted by the mean position of its neighbours in the layer
/// just ordered (down, then up); items with no such neighbour keep their place. The order with
/// the fewest crossings seen is kept.
pub(super) fn reduce_crossings(g: &Graph, order: &mut [Vec<usize>]) {
    let mut best = order.to_vec();
    let mut best_count = crossings(g, order);
    for _ in 0..SWEEPS {
        if best_count == 0 {
            break;
        }
        for downward in [true, false] {
            let layers: Vec<usize> =
                if downward { (1..order.len()).collect() } else { (0..order.len().saturating_sub(1)).rev().collect() };
            for l in layers {
                let pos = positions(g, order);
                let key = |i: usize| {
                    let nb = if downward { &g.up[i] } else { &g.down[i] };
                    if nb.is_empty() {
                        pos[i] as f64
                    } else {
                        nb.iter().map(|&w| pos[w] as f64).sum::<f64>() / nb.len() as f64
                    }
                };
                let mut keyed: Vec<(f64, usize, usize)> =
                    order[l].iter().enumerate().map(|(p, &i)| (key(i), p, i)).collect();
                // Items without neighbours keep their position as key, so they stay roughly put.
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                order[l] = keyed.into_iter().map(|(_, _, i)| i).collect();
            }
            let count = crossings(g, order);
            if count < best_count {
                best_count = count;
                best = order.to_vec();
            }
        }
    }
    order.clone_from_slice(&best);
}
