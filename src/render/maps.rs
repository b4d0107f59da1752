//! Maps drawn at build time as SVG: no tiles, no scripts, no request to another host.
//!
//! Longitude and latitude are projected with a plain equirectangular projection scaled by the
//! cosine of the map's middle latitude (true enough at county scale), then simplified with
//! Douglas–Peucker to about half a pixel so each map stays a few kilobytes.

use std::fmt::Write;

use crate::geo::Area;

/// ColorBrewer "Blues", 5 classes: sequential and safe for colour-blind readers.
pub const PALETTE: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
/// Areas whose figure is hidden (`c`) or not given.
pub const NO_DATA: &str = "#d9d9d9";
/// Areas outside the authority, drawn for context.
pub const CONTEXT: &str = "#ffffff";

/// Maps lon/lat onto an SVG canvas.
#[derive(Clone, Copy, Debug)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    kx: f64,
    ky: f64,
    pub width: f64,
    pub height: f64,
}

impl Projection {
    /// Fits the box (min_lon, min_lat, max_lon, max_lat) into `width` pixels wide, with a
    /// margin of `pad` pixels on every side.
    pub fn fit(bbox: (f64, f64, f64, f64), width: f64, pad: f64) -> Projection {
        let (min_lon, min_lat, max_lon, max_lat) = bbox;
        let mid = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let span_x = ((max_lon - min_lon) * mid).max(1e-6);
        let span_y = (max_lat - min_lat).max(1e-6);
        let k = (width - 2.0 * pad) / span_x;
        let height = (span_y * k + 2.0 * pad).ceil();
        Projection { min_lon: min_lon - pad / (k * mid), max_lat: max_lat + pad / k, kx: k * mid, ky: k, width, height }
    }
    pub fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.min_lon) * self.kx, (self.max_lat - lat) * self.ky)
    }
}

/// The bounding box (min_lon, min_lat, max_lon, max_lat) of some areas.
pub fn bbox<'a>(areas: impl IntoIterator<Item = &'a Area>) -> (f64, f64, f64, f64) {
    let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for a in areas {
        for &(lon, lat) in a.rings.iter().flatten() {
            b = (b.0.min(lon), b.1.min(lat), b.2.max(lon), b.3.max(lat));
        }
    }
    b
}

pub fn intersects(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3
}

/// SVG path data for an area's rings, simplified to `tolerance` pixels, in whole pixels with
/// relative moves (`M12 30l4-2…Z`), which keeps a county map to a few kilobytes.
pub fn path_data(area: &Area, proj: &Projection, tolerance: f64) -> String {
    let mut d = String::new();
    for ring in &area.rings {
        let pts: Vec<(f64, f64)> = ring.iter().map(|&(lon, lat)| proj.point(lon, lat)).collect();
        let kept = simplify(&pts, tolerance);
        let mut ints: Vec<(i64, i64)> = Vec::with_capacity(kept.len());
        for (x, y) in kept {
            let p = (x.round() as i64, y.round() as i64);
            if ints.last() != Some(&p) {
                ints.push(p);
            }
        }
        if ints.len() > 1 && ints.first() == ints.last() {
            ints.pop();
        }
        if ints.len() < 3 {
            continue;
        }
        let _ = write!(d, "M{} {}", ints[0].0, ints[0].1);
        for w in ints.windows(2) {
            let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
            let sep = if dy < 0 { "" } else { " " };
            let _ = write!(d, "l{dx}{sep}{dy}");
        }
        d.push('Z');
    }
    d
}

/// Douglas–Peucker simplification of a polyline (a closed ring keeps its first point).
pub fn simplify(pts: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if pts.len() < 4 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    // A closed ring: split it at the point furthest from the start, so both halves have a chord.
    let far = (1..pts.len() - 1).max_by(|&a, &b| dist2(pts[0], pts[a]).total_cmp(&dist2(pts[0], pts[b]))).unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, pts.len() - 1)];
    let tol2 = tolerance * tolerance;
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut worst, mut at) = (0.0, a);
        for i in a + 1..b {
            let d = seg_dist2(pts[i], pts[a], pts[b]);
            if d > worst {
                worst = d;
                at = i;
            }
        }
        if worst > tol2 {
            keep[at] = true;
            stack.push((a, at));
            stack.push((at, b));
        }
    }
    pts.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn seg_dist2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let l2 = dist2(a, b);
    if l2 == 0.0 {
        return dist2(p, a);
    }
    let t = (((p.0 - a.0) * (b.0 - a.0) + (p.1 - a.1) * (b.1 - a.1)) / l2).clamp(0.0, 1.0);
    dist2(p, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
}

/// Class breaks for a measure: five equal steps from 0 to the largest value (rounded up).
pub fn breaks(values: impl IntoIterator<Item = f64>, fixed_max: Option<f64>) -> [f64; 6] {
    let max = fixed_max.unwrap_or_else(|| values.into_iter().fold(0.0, f64::max));
    let step = nice_step(max / 5.0);
    [0.0, step, 2.0 * step, 3.0 * step, 4.0 * step, 5.0 * step]
}

fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The palette colour for `v` under `breaks`.
pub fn colour(v: f64, breaks: &[f64; 6]) -> &'static str {
    let i = (1..5).filter(|&i| v >= breaks[i]).count();
    PALETTE[i]
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
