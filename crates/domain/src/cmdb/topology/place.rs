//! Horizontal positions: the least-squares fit to the neighbours that keeps order and spacing,
//! per layer, by pooling adjacent violators.

use super::{GAP, Graph, Item};

/// Position passes.
const PLACE_PASSES: usize = 10;

/// Horizontal centres: each pass moves every item towards the mean centre of its neighbours
/// above (downward passes) or below (upward passes), then the layer is set to the positions
/// nearest those wishes, in the least-squares sense, that keep its order and spacing.
pub(super) fn place(g: &Graph, order: &[Vec<usize>]) -> Vec<f64> {
    let mut x = vec![0.0f64; g.items.len()];
    for row in order {
        let mut at = 0.0;
        for (k, &i) in row.iter().enumerate() {
            if k > 0 {
                at += sep(g, row[k - 1], i);
            }
            x[i] = at;
        }
    }
    for pass in 0..PLACE_PASSES {
        let downward = pass % 2 == 0;
        let layers: Vec<usize> =
            if downward { (1..order.len()).collect() } else { (0..order.len().saturating_sub(1)).rev().collect() };
        for l in layers {
            let row = &order[l];
            let wish: Vec<f64> = row
                .iter()
                .map(|&i| {
                    let nb = if downward { &g.up[i] } else { &g.down[i] };
                    if nb.is_empty() { x[i] } else { nb.iter().map(|&w| x[w]).sum::<f64>() / nb.len() as f64 }
                })
                .collect();
            let seps: Vec<f64> = row.windows(2).map(|w| sep(g, w[0], w[1])).collect();
            for (&i, v) in row.iter().zip(fit_in_order(&wish, &seps)) {
                x[i] = v;
            }
        }
    }
    x
}

/// Distance between the centres of two neighbours in a layer.
pub(super) fn sep(g: &Graph, a: usize, b: usize) -> f64 {
    let gap = if g.items[a] == Item::Dummy || g.items[b] == Item::Dummy { GAP / 3.0 } else { GAP };
    (g.width[a] + g.width[b]) / 2.0 + gap
}

/// The positions `x` minimising Σ(x_i − wish_i)² with x_{i+1} − x_i ≥ seps_i: with
/// y_i = x_i − Σ_{k<i} seps_k this is isotonic regression of the shifted wishes, solved by
/// pooling adjacent violators.
pub(crate) fn fit_in_order(wish: &[f64], seps: &[f64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(wish.len());
    let mut acc = 0.0;
    for k in 0..wish.len() {
        if k > 0 {
            acc += seps[k - 1];
        }
        offset.push(acc);
    }
    // Blocks of (sum, count), each fitted at its mean.
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (w, o) in wish.iter().zip(&offset) {
        blocks.push((w - o, 1));
        while blocks.len() > 1 {
            let (s2, c2) = blocks[blocks.len() - 1];
            let (s1, c1) = blocks[blocks.len() - 2];
            if s1 / c1 as f64 > s2 / c2 as f64 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (s1 + s2, c1 + c2);
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(wish.len());
    for (s, c) in blocks {
        for _ in 0..c {
            out.push(s / c as f64 + offset[out.len()]);
        }
    }
    out
}

/// Where a line leaves the bottom of `upper` towards `toward`: the bottom edge is shared out
/// among the item's lines below in their left-to-right order, so a core switch's uplinks do not
/// all meet in one point.
pub(super) fn anchor_bottom(g: &Graph, x: &[f64], shift: f64, tops: &[f64], upper: usize, toward: usize) -> (f64, f64) {
    let (fx, _) = spread(g, x, upper, toward, &g.down[upper]);
    (fx + shift, tops[g.layer[upper]] + g.height[upper])
}

/// Where a line enters the top of `lower` from `from`; see [`anchor_bottom`].
pub(super) fn anchor_top(g: &Graph, x: &[f64], shift: f64, tops: &[f64], lower: usize, from: usize) -> (f64, f64) {
    let (fx, _) = spread(g, x, lower, from, &g.up[lower]);
    (fx + shift, tops[g.layer[lower]])
}

pub(super) fn spread(g: &Graph, x: &[f64], item: usize, other: usize, neighbours: &[usize]) -> (f64, usize) {
    let mut sorted: Vec<usize> = neighbours.to_vec();
    sorted.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let k = sorted.iter().position(|&w| w == other).unwrap_or(0);
    let usable = g.width[item] * 0.8;
    let step = usable / sorted.len().max(1) as f64;
    (x[item] - usable / 2.0 + step * (k as f64 + 0.5), k)
}
