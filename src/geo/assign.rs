//! Placing points in areas by location (point in polygon), so any boundary set with a code and
//! a name (districts, wards, electoral divisions, school planning areas) can be the analysis
//! geography, independent of the codes in the postcode file and provider records.
//!
//! A uniform grid over the areas' extent lists, per cell, the areas whose bounding box
//! touches it; a point is tested only against those. The grid is at most [`MAX_SIDE`] cells
//! a side whatever the coordinates, so its size never follows the input's extent.

use super::Area;

/// The most cells along either side of the grid.
pub const MAX_SIDE: usize = 64;

type Bbox = (f64, f64, f64, f64);

pub struct AreaIndex<'a> {
    areas: Vec<&'a Area>,
    boxes: Vec<Bbox>,
    extent: Bbox,
    side: usize,
    cells: Vec<Vec<u32>>,
}

fn bbox(a: &Area) -> Option<Bbox> {
    let b = a.rings.iter().flatten().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, &(x, y)| (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y)));
    (b.0.is_finite() && b.1.is_finite() && b.2.is_finite() && b.3.is_finite() && b.0 <= b.2 && b.1 <= b.3).then_some(b)
}

impl<'a> AreaIndex<'a> {
    /// Indexes `areas`; [`AreaIndex::locate`] answers with positions in this list.
    pub fn new(areas: Vec<&'a Area>) -> AreaIndex<'a> {
        let boxes: Vec<Bbox> = areas.iter().map(|a| bbox(a).unwrap_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN))).collect();
        let extent = boxes
            .iter()
            .filter(|b| b.0.is_finite())
            .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |e, b| (e.0.min(b.0), e.1.min(b.1), e.2.max(b.2), e.3.max(b.3)));
        // About two areas per cell, capped.
        let side = ((areas.len() as f64 / 2.0).sqrt().ceil() as usize).clamp(1, MAX_SIDE);
        let mut index = AreaIndex { areas, boxes, extent, side, cells: vec![Vec::new(); side * side] };
        if extent.0 > extent.2 {
            return index;
        }
        for (i, b) in index.boxes.iter().enumerate() {
            if !b.0.is_finite() {
                continue;
            }
            let (c0, r0) = index.cell(b.0, b.1);
            let (c1, r1) = index.cell(b.2, b.3);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    index.cells[r * side + c].push(i as u32);
                }
            }
        }
        index
    }

    /// The grid cell (column, row) of a point, clamped to the grid.
    fn cell(&self, lon: f64, lat: f64) -> (usize, usize) {
        let (w, h) = ((self.extent.2 - self.extent.0).max(1e-9), (self.extent.3 - self.extent.1).max(1e-9));
        let at = |v: f64, lo: f64, span: f64| (((v - lo) / span * self.side as f64).floor().max(0.0) as usize).min(self.side - 1);
        (at(lon, self.extent.0, w), at(lat, self.extent.1, h))
    }

    /// The first area (in the order given) holding the point, if any.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        if !(lon.is_finite() && lat.is_finite()) || lon < self.extent.0 || lon > self.extent.2 || lat < self.extent.1 || lat > self.extent.3 {
            return None;
        }
        let (c, r) = self.cell(lon, lat);
        let mut hits = self.cells[r * self.side + c].iter().map(|&i| i as usize).filter(|&i| {
            let b = self.boxes[i];
            lon >= b.0 && lon <= b.2 && lat >= b.1 && lat <= b.3 && self.areas[i].contains(lon, lat)
        });
        // Cells list areas in order, so the first hit is the first area in the list.
        hits.next()
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x: f64, y: f64, size: f64) -> Area {
        Area {
            code: code.into(),
            name: code.into(),
            slug: code.to_lowercase(),
            in_scope: true,
            parent: None,
            parent_name: None,
            centre: (x + size / 2.0, y + size / 2.0),
            rings: vec![vec![(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)]],
        }
    }

    #[test]
    fn points_fall_in_the_right_square_and_the_grid_stays_small() {
        // A 30 × 30 chequerboard of squares, plus one far-away square that stretches the extent.
        let mut areas: Vec<Area> = (0..900).map(|i| square(&format!("A{i}"), (i % 30) as f64 * 0.01, (i / 30) as f64 * 0.01, 0.01)).collect();
        areas.push(square("FAR", 1000.0, 1000.0, 0.01));
        let index = AreaIndex::new(areas.iter().collect());
        assert!(index.cells.len() <= MAX_SIDE * MAX_SIDE);
        assert_eq!(index.locate(0.015, 0.005), Some(1));
        assert_eq!(index.locate(0.005, 0.295), Some(870));
        assert_eq!(index.locate(1000.005, 1000.005), Some(900));
        assert_eq!(index.locate(500.0, 500.0), None);
        assert_eq!(index.locate(f64::NAN, 0.0), None);
    }
}
