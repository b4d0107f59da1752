//! Public geography: the postcode table (postcode → position, district, ward) and the area
//! boundaries (GeoJSON polygons with a code and a name).

pub mod assign;

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::model::slug::slugify;

/// A postcode's position and the areas it lies in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PostcodeEntry {
    pub lat: f64,
    pub lon: f64,
    pub district: String,
    pub ward: String,
}

/// The postcode table, keyed by normalised postcode (`"PR1 2HE"`).
/// Cheap to clone: the table is shared.
#[derive(Clone, Default)]
pub struct Postcodes {
    map: std::sync::Arc<HashMap<String, PostcodeEntry>>,
}

/// Normalises what a person types: any case, any spacing. Returns `"PR7 1AA"` or `None` when
/// it cannot be a full UK postcode.
pub fn normalise_postcode(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    if !is_outcode(outward) {
        return None;
    }
    let b = inward.as_bytes();
    if !(b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()) {
        return None;
    }
    Some(format!("{outward} {inward}"))
}

/// Normalises an outward code alone (`"pr7"` → `"PR7"`).
pub fn normalise_outcode(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    is_outcode(&compact).then_some(compact)
}

/// Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A.
fn is_outcode(s: &str) -> bool {
    let b = s.as_bytes();
    if !(2..=4).contains(&b.len()) || !b[0].is_ascii_alphabetic() {
        return false;
    }
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters > 2 {
        return false;
    }
    let rest = &b[letters..];
    match rest.len() {
        1 => rest[0].is_ascii_digit(),
        2 => rest[0].is_ascii_digit() && (rest[1].is_ascii_digit() || rest[1].is_ascii_alphabetic()),
        _ => false,
    }
}

/// The latitudes and longitudes apdir accepts: Great Britain and Northern Ireland with a
/// margin. Every coordinate read from any input (the postcode table, a boundary file, a site
/// in a record) is checked against this box where it is read, so a wrong column can never
/// size the analysis (eastings and northings, a swapped pair, `1e300`, `NaN`, `inf`).
pub const LATITUDES: std::ops::RangeInclusive<f64> = 49.0..=61.5;
pub const LONGITUDES: std::ops::RangeInclusive<f64> = -9.0..=2.5;

/// Why (lat, lon) is not a point apdir can place, if it is not: the message names the likely
/// mistake.
pub fn coordinate_problem(lat: f64, lon: f64) -> Option<String> {
    if LATITUDES.contains(&lat) && LONGITUDES.contains(&lon) {
        return None;
    }
    let hint = if !lat.is_finite() || !lon.is_finite() {
        "a coordinate must be a finite number"
    } else if LATITUDES.contains(&lon) && LONGITUDES.contains(&lat) {
        "latitude and longitude look swapped"
    } else if lat.abs() > 1000.0 || lon.abs() > 1000.0 {
        "these look like eastings and northings (OS grid metres); apdir needs WGS84 latitude and longitude in degrees"
    } else {
        "the point is outside Great Britain and Northern Ireland"
    };
    Some(format!(
        "latitude {lat}, longitude {lon} is not a place apdir can map: {hint} (latitude {}..{}, longitude {}..{})",
        LATITUDES.start(),
        LATITUDES.end(),
        LONGITUDES.start(),
        LONGITUDES.end()
    ))
}

impl Postcodes {
    /// Reads a CSV with the columns `postcode,lat,lon,district_code,ward_code`.
    pub fn load(path: &Path) -> Result<Postcodes, String> {
        let name = path.display().to_string();
        let bytes = crate::model::text::read_bytes(path, &name, crate::model::text::MAX_DATA_BYTES).map_err(|d| d.message)?;
        let text = crate::model::text::decode_text(bytes, &name).map_err(|d| d.message)?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Postcodes, String> {
        let mut map = HashMap::with_capacity(text.len() / 45);
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("").trim_start_matches('\u{feff}');
        let cols: Vec<&str> = header.split(',').map(str::trim).collect();
        let idx = |name: &str| cols.iter().position(|c| *c == name).ok_or_else(|| format!("the header has no `{name}` column"));
        let (ip, ila, ilo, id) = (idx("postcode")?, idx("lat")?, idx("lon")?, idx("district_code")?);
        let iw = cols.iter().position(|c| *c == "ward_code");
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            let get = |i: usize| f.get(i).map(|s| s.trim()).unwrap_or("");
            let bad = || format!("line {}: cannot read `{line}`", n + 2);
            let pc = normalise_postcode(get(ip)).ok_or_else(bad)?;
            let lat: f64 = get(ila).parse().map_err(|_| bad())?;
            let lon: f64 = get(ilo).parse().map_err(|_| bad())?;
            if let Some(problem) = coordinate_problem(lat, lon) {
                return Err(format!("line {}: {problem}", n + 2));
            }
            map.insert(pc, PostcodeEntry { lat, lon, district: get(id).to_string(), ward: iw.map(get).unwrap_or("").to_string() });
        }
        Ok(Postcodes { map: std::sync::Arc::new(map) })
    }

    pub fn get(&self, postcode: &str) -> Option<&PostcodeEntry> {
        normalise_postcode(postcode).and_then(|p| self.map.get(&p))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &PostcodeEntry)> {
        self.map.iter()
    }
}

/// One area from the boundary file (a district, a unitary authority, or a ward).
#[derive(Clone, Debug, Serialize)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub slug: String,
    /// False for areas drawn for context only (outside the authority).
    pub in_scope: bool,
    /// The larger area this one lies in, when the boundary file says (`lad_code` or `parent`
    /// property), e.g. a ward's district.
    pub parent: Option<String>,
    /// The larger area's name (`lad_name` or `parent_name` property), for grouping long lists
    /// and telling two areas of one name apart ("Ashton (Preston)").
    pub parent_name: Option<String>,
    /// Area-weighted centre, used to place masked sites.
    pub centre: (f64, f64),
    /// Outer rings, lon/lat pairs.
    #[serde(skip)]
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// Reads a GeoJSON FeatureCollection whose features carry `code` and `name` properties.
/// `context_only` lists codes drawn for context but outside the authority.
pub fn load_areas(path: &Path, context_only: &[String]) -> Result<Vec<Area>, String> {
    let name = path.display().to_string();
    let bytes = crate::model::text::read_bytes(path, &name, crate::model::text::MAX_DATA_BYTES).map_err(|d| d.message)?;
    let text = crate::model::text::decode_text(bytes, &name).map_err(|d| d.message)?;
    parse_areas(&text, context_only).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse_areas(text: &str, context_only: &[String]) -> Result<Vec<Area>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let features = v.get("features").and_then(|f| f.as_array()).ok_or("not a GeoJSON FeatureCollection (no `features` array)")?;
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties").ok_or(format!("feature {i} has no properties"))?;
        let prop = |k: &str| props.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let code = prop("code").ok_or(format!("feature {i} has no `code` property"))?;
        let name = prop("name").ok_or(format!("feature {i} ({code}) has no `name` property"))?;
        let geom = f.get("geometry").ok_or(format!("feature {code} has no geometry"))?;
        let rings = outer_rings(geom).ok_or(format!(
            "feature {code}: the geometry is not a Polygon or MultiPolygon of [longitude, latitude] points in Great Britain and Northern Ireland (WGS84 degrees; a file in OS grid metres must be converted first)"
        ))?;
        let centre = centroid(&rings);
        let parent = prop("lad_code").or_else(|| prop("parent"));
        let parent_name = prop("lad_name").or_else(|| prop("parent_name"));
        // An area inside a context-only area (a ward of a neighbouring authority) is context too.
        let in_scope = !context_only.contains(&code) && !parent.as_ref().is_some_and(|p| context_only.contains(p));
        out.push(Area { parent, parent_name, slug: slugify(&name), in_scope, code, name, centre, rings });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    // Two areas with one name (wards called "Ashton" in two districts) are told apart by
    // their larger area's name when the file gives it: "Ashton (Preston)".
    let mut names: HashMap<String, usize> = HashMap::new();
    for a in &out {
        *names.entry(a.name.clone()).or_default() += 1;
    }
    for a in &mut out {
        if names[&a.name] > 1
            && let Some(p) = &a.parent_name
        {
            a.name = format!("{} ({p})", a.name);
            a.slug = slugify(&a.name);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    // Any still sharing a slug get the code added, so every area has its own page.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for a in &out {
        *seen.entry(a.slug.clone()).or_default() += 1;
    }
    for a in &mut out {
        if seen[&a.slug] > 1 {
            a.slug = format!("{}-{}", a.slug, a.code.to_lowercase());
        }
    }
    Ok(out)
}

fn outer_rings(geom: &serde_json::Value) -> Option<Vec<Vec<(f64, f64)>>> {
    let ring = |r: &serde_json::Value| -> Option<Vec<(f64, f64)>> {
        r.as_array()?
            .iter()
            .map(|p| {
                let p = p.as_array()?;
                let (lon, lat) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
                // A point that is no place in these islands is a broken ring.
                coordinate_problem(lat, lon).is_none().then_some((lon, lat))
            })
            .collect()
    };
    let coords = geom.get("coordinates")?;
    match geom.get("type")?.as_str()? {
        "Polygon" => Some(vec![ring(coords.as_array()?.first()?)?]),
        "MultiPolygon" => coords.as_array()?.iter().map(|poly| ring(poly.as_array()?.first()?)).collect(),
        _ => None,
    }
}

impl Area {
    /// True when the point (lon, lat) lies inside one of the area's outer rings.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.rings.iter().any(|r| ring_contains(r, lon, lat))
    }
}

fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Area-weighted centroid of outer rings (lon, lat).
fn centroid(rings: &[Vec<(f64, f64)>]) -> (f64, f64) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for r in rings {
        for w in r.windows(2) {
            let (x0, y0) = w[0];
            let (x1, y1) = w[1];
            let cross = x0 * y1 - x1 * y0;
            a += cross;
            cx += (x0 + x1) * cross;
            cy += (y0 + y1) * cross;
        }
    }
    if a.abs() < 1e-12 {
        let n = rings.iter().map(|r| r.len()).sum::<usize>().max(1) as f64;
        let sx: f64 = rings.iter().flatten().map(|p| p.0).sum();
        let sy: f64 = rings.iter().flatten().map(|p| p.1).sum();
        return (sx / n, sy / n);
    }
    (cx / (3.0 * a), cy / (3.0 * a))
}

/// Great-circle distance in miles.
pub fn miles_between(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let r = 3958.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn postcodes_normalise() {
        assert_eq!(normalise_postcode("pr71aa").as_deref(), Some("PR7 1AA"));
        assert_eq!(normalise_postcode(" bb7 9zz ").as_deref(), Some("BB7 9ZZ"));
        assert_eq!(normalise_postcode("M1 1AE").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("EC1A 1BB").as_deref(), Some("EC1A 1BB"));
        assert_eq!(normalise_postcode("PR7"), None);
        assert_eq!(normalise_postcode("12345"), None);
        assert_eq!(normalise_postcode("PR7 1A1"), None);
        assert_eq!(normalise_outcode("pr7").as_deref(), Some("PR7"));
        assert_eq!(normalise_outcode("P7X9"), None);
    }
    #[test]
    fn distance() {
        // Preston to Lancaster is about 20 miles.
        let d = miles_between(53.7632, -2.7031, 54.0466, -2.8007);
        assert!((d - 20.0).abs() < 1.5, "{d}");
    }
}
