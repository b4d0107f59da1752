//! Open Referral UK (HSDS 3.0 UK profile) as static files: what a client of the ORUK v3 API
//! would read, under `/api/v3/`.
//!
//! - `index.json`: the API's meta information (`GET /`).
//! - `services/index.json`: the paginated list body of `GET /services` (one page holding every
//!   service); `services/<id>.json`: `GET /services/{id}`, the fully nested service.
//! - `organizations/`, `locations/`, `service_at_locations/`: list bodies and one file each.
//!
//! A site build writes the per-record files only with `[exports] oruk_records` (services and
//! service-at-locations) and `oruk_extras` (organisations and locations); `apdir export`
//! always writes the API calls' files ([`RecordFiles`]).
//! - `taxonomies/` and `taxonomy_terms/`: list bodies and one file each, for the tiers, needs
//!   and key stages.
//!
//! ORUK requires UUIDs for `id`s. apdir derives them as UUID v5 (namespace URL) from
//! `apdir:<kind>:<stable key>` (for a service, `apdir:service:<provider id>`), so they are
//! the same in every build. Records are read through `disclosure` with the public profile:
//! masked sites have no address and sit at their district's centre.
//!
//! Why this file stays whole (about 650 lines): it is one output format. The pieces of each
//! record ([`record_pieces`]) and the list files ([`Lists`]) must agree byte for byte on the
//! compact JSON they stitch together (`Obj`, `array`, [`Parts`]), and a reader checking the
//! mapping against the ORUK profile needs to see all of it at once.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::ListWriter;
use crate::model::vocab::{KeyStage, Need, ServiceStatus};
use crate::output::{OutputError, Sink};
use crate::site::Site;

/// A stable UUID for an ORUK object: UUID v5 (RFC 9562) in the URL namespace, with the
/// SHA-1 from the `sha1` crate, which uses the CPU's SHA instructions where it has them (a
/// first build makes about 200,000 of these ids for 10,000 providers).
pub fn uuid(kind: &str, key: &str) -> String {
    use sha1::Digest;
    let mut hash = sha1::Sha1::new();
    hash.update(Uuid::NAMESPACE_URL.as_bytes());
    for part in ["apdir:", kind, ":", key] {
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid().to_string()
}

/// A taxonomy term apdir publishes.
struct Term {
    taxonomy: &'static str,
    key: String,
    name: String,
}

fn taxonomies() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("apdir-tier", "Alternative provision tiers", "The three-tier model of alternative provision (SEND and AP Improvement Plan, 2023)."),
        ("apdir-need", "Needs met", "Needs an alternative provision provider meets. SEN names follow DfE primary-need codes."),
        ("apdir-key-stage", "Key stages", "National curriculum key stages (KS5: post-16)."),
    ]
}

fn terms() -> Vec<Term> {
    let mut out = Vec::new();
    for t in 1..=3 {
        out.push(Term { taxonomy: "apdir-tier", key: t.to_string(), name: crate::render::view::tier_label(t).into() });
    }
    for n in Need::ALL {
        out.push(Term { taxonomy: "apdir-need", key: n.key().into(), name: n.label().into() });
    }
    for k in KeyStage::ALL {
        out.push(Term { taxonomy: "apdir-key-stage", key: k.key().into(), name: k.label().into() });
    }
    out
}

fn term_json(t: &Term) -> Value {
    json!({
        "id": uuid("taxonomy_term", &format!("{}:{}", t.taxonomy, t.key)),
        "name": t.name,
        "description": t.name,
        "taxonomy": t.taxonomy,
        "taxonomy_id": uuid("taxonomy", t.taxonomy),
        "term": t.key,
    })
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn organization(r: &Value) -> Value {
    let name = match text(&r["organisation"]["name"]) {
        "" => text(&r["name"]),
        n => n,
    };
    let key = crate::model::slug::slugify(name);
    let id = uuid("organization", &key);
    let description = match r["organisation"]["legal_status"].as_str() {
        Some(ls) => format!("{} ({})", name, crate::model::vocab::LegalStatus::from_key(ls).label()),
        None => name.to_string(),
    };
    let identifiers: Vec<Value> = r["organisation"]["identifiers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    json!({
                        "id": uuid("organization_identifier", &format!("{key}:{}:{}", text(&i["scheme"]), text(&i["id"]))),
                        "organization_id": id,
                        "identifier_scheme": text(&i["scheme"]),
                        "identifier_type": text(&i["scheme"]),
                        "identifier": text(&i["id"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({ "id": id, "name": name, "description": description, "organization_identifiers": identifiers })
}

fn location(r: &Value, l: &Value) -> Value {
    let key = format!("{}:{}", text(&r["id"]), text(&l["id"]));
    let id = uuid("location", &key);
    let mut v = json!({
        "id": id,
        "location_type": "physical",
        "name": if text(&l["name"]).is_empty() { text(&r["name"]) } else { text(&l["name"]) },
        "latitude": l["lat"],
        "longitude": l["lon"],
    });
    let lines: Vec<&str> = l["address"].as_array().map(|a| a.iter().map(text).collect()).unwrap_or_default();
    if let Some(postcode) = l["postcode"].as_str()
        && !lines.is_empty()
    {
        let (first, city) = if lines.len() > 1 { (lines[..lines.len() - 1].join(", "), lines[lines.len() - 1]) } else { (lines[0].to_string(), "") };
        v["addresses"] = json!([{
            "id": uuid("address", &key),
            "location_id": id,
            "address_1": first,
            "city": city,
            "state_province": text(&l["district_name"]),
            "postal_code": postcode,
            "country": "GB",
            "address_type": "physical",
        }]);
    } else {
        v["description"] =
            json!(format!("The address is not published, to keep pupils safe; the position is the centre of {}.", text(&l["district_name"])));
    }
    let access: Vec<Value> = l["accessibility"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| json!({"id": uuid("accessibility", &format!("{key}:{}", text(x))), "location_id": id, "description": crate::render::view::humanise(text(x))}))
                .collect()
        })
        .unwrap_or_default();
    if !access.is_empty() {
        v["accessibility"] = Value::Array(access);
    }
    v
}

/// The one-to-one fields of a service (the `service_list` shape).
fn service_list_item(r: &Value, org: &Value) -> Value {
    let id = uuid("service", text(&r["id"]));
    let mut v = json!({
        "id": id,
        "organization_id": org["id"],
        "name": r["name"],
        "description": if text(&r["description"]).trim().is_empty() { text(&r["summary"]).to_string() } else { format!("{}\n\n{}", text(&r["summary"]), text(&r["description"]).trim()) },
        "status": r["status"],
        "organization": org,
    });
    if let Some(w) = r["website"].as_str().filter(|w| !w.is_empty()) {
        v["url"] = json!(w);
    }
    if let Some(e) = r["contact"]["email"].as_str().filter(|e| !e.is_empty()) {
        v["email"] = json!(e);
    }
    if let Some(a) = r["offer"]["age_min"].as_u64() {
        v["minimum_age"] = json!(a);
    }
    if let Some(a) = r["offer"]["age_max"].as_u64() {
        v["maximum_age"] = json!(a);
    }
    if let Some(d) = r["last_reviewed"].as_str() {
        v["assured_date"] = json!(d);
        v["last_modified"] = json!(format!("{d}T00:00:00Z"));
    }
    let mut accreditations = vec![format!(
        "Authority quality assurance: {}",
        crate::model::vocab::ListStatus::from_key(text(&r["quality_assurance"]["list_status"])).label()
    )];
    if let Some(urn) = r["registration"]["urn"].as_str().filter(|u| !u.is_empty()) {
        accreditations.push(format!("URN {urn}"));
    }
    if let Some(u) = r["registration"]["ukprn"].as_str().filter(|u| !u.is_empty()) {
        accreditations.push(format!("UKPRN {u}"));
    }
    v["accreditations"] = json!(accreditations.join("; "));
    let status = ServiceStatus::from_key(text(&r["status"]));
    let list = text(&r["quality_assurance"]["list_status"]);
    if status != ServiceStatus::Active || matches!(list, "suspended" | "under_review" | "removed") {
        v["alert"] = json!("Check with the authority's AP team before making a referral.");
    }
    v
}

/// Shared by every record's pieces: each taxonomy term's id and JSON, made once (a UUID
/// costs a SHA-1) and embedded as bytes in every attribute that links to it.
pub struct Terms {
    by_key: BTreeMap<(&'static str, String), (Value, Vec<u8>)>,
}

impl Terms {
    pub fn new() -> Terms {
        Terms {
            by_key: terms()
                .iter()
                .map(|t| {
                    let v = term_json(t);
                    let bytes = compact(&v);
                    ((t.taxonomy, t.key.clone()), (v["id"].clone(), bytes))
                })
                .collect(),
        }
    }
}

impl Default for Terms {
    fn default() -> Terms {
        Terms::new()
    }
}

/// What one provider contributes to the ORUK files besides its own files (which
/// [`record_pieces`] writes at once): its entries in the list bodies, already serialised, so
/// the lists are joined as bytes and no record is held in memory as a tree.
pub struct Pieces {
    service: Vec<u8>,
    org_id: String,
    org: Value,
    org_service: Vec<u8>,
    locations: Vec<Vec<u8>>,
    service_at_locations: Vec<Vec<u8>>,
}

impl Pieces {
    pub(super) fn encode(&self, e: &mut crate::cache::Enc) {
        e.bytes(&self.service);
        e.bytes(self.org_id.as_bytes());
        e.bytes(&compact(&self.org));
        e.bytes(&self.org_service);
        e.list(&self.locations);
        e.list(&self.service_at_locations);
    }

    pub(super) fn decode(d: &mut crate::cache::Dec) -> Option<Pieces> {
        Some(Pieces {
            service: d.bytes()?.to_vec(),
            org_id: String::from_utf8(d.bytes()?.to_vec()).ok()?,
            org: serde_json::from_slice(d.bytes()?).ok()?,
            org_service: d.bytes()?.to_vec(),
            locations: d.list()?,
            service_at_locations: d.list()?,
        })
    }
}

/// Appends `k` as a JSON string (an object's key, or a string value).
fn key(out: &mut Vec<u8>, k: &str) {
    // Writing a string into memory cannot fail.
    let _ = serde_json::to_writer(out, k);
}

/// Serialises compactly; a value built from JSON cannot fail to serialise.
fn compact(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// A JSON object kept as its serialised members, written with its keys in the order
/// `serde_json` writes a map's. A member serialised once (a service's list entry, a
/// location, a taxonomy term) is embedded as bytes wherever the API nests it, instead of
/// being cloned as a tree and serialised again. The output is byte-for-byte what
/// serialising the nested tree would give.
#[derive(Clone, Default)]
struct Obj(Vec<(String, Vec<u8>)>);

impl Obj {
    fn of(v: &Value) -> Obj {
        let mut o = Obj::default();
        if let Value::Object(m) = v {
            // A serde_json map iterates in key order already.
            o.0 = m.iter().map(|(k, v)| (k.clone(), compact(v))).collect();
        }
        o
    }
    fn raw(mut self, key: &str, bytes: Vec<u8>) -> Obj {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
            Ok(i) => self.0[i].1 = bytes,
            Err(i) => self.0.insert(i, (key.to_string(), bytes)),
        }
        self
    }
    fn set(self, key: &str, v: &Value) -> Obj {
        self.raw(key, compact(v))
    }
    fn without(mut self, key: &str) -> Obj {
        self.0.retain(|(k, _)| k != key);
        self
    }
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.0.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>());
        out.push(b'{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            key(&mut out, k);
            out.push(b':');
            out.extend_from_slice(v);
        }
        out.push(b'}');
        out
    }
}

/// A JSON array of serialised items.
fn array<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![b'['];
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    out
}

/// Which of a record's own ORUK files are written besides its entries in the list bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordFiles {
    /// `services/<id>.json` and `service_at_locations/<id>.json` (`[exports] oruk_records`).
    pub records: bool,
    /// `locations/<id>.json` and `organizations/<id>.json` (`[exports] oruk_extras`).
    pub extras: bool,
}

impl RecordFiles {
    /// What a site build writes: as the site's `[exports]` settings say.
    pub fn of_site(site: &Site) -> RecordFiles {
        RecordFiles { records: site.config.exports.oruk_records, extras: site.config.exports.oruk_extras }
    }

    /// What `apdir export` writes: every ORUK API call's file, and the extras when asked for.
    pub fn of_export(site: &Site) -> RecordFiles {
        RecordFiles { records: true, extras: site.config.exports.oruk_extras }
    }
}

/// Writes one public record's own files as `own` says (`services/<id>.json`,
/// `service_at_locations/<id>.json`, `locations/<id>.json`) through `put` and returns its
/// list entries.
pub fn record_pieces<E>(
    site: &Site,
    terms: &Terms,
    r: &Value,
    own: RecordFiles,
    put: &dyn Fn(String, Vec<u8>) -> Result<(), E>,
) -> Result<Pieces, E> {
    let id = text(&r["id"]);
    let org = organization(r);
    let list_item = service_list_item(r, &org);
    let sid = list_item["id"].clone();
    let item = Obj::of(&list_item);
    let item_bytes = item.bytes();
    // Sites.
    let mut location_bytes = Vec::new();
    let mut sal_list_bytes = Vec::new();
    let mut sal_bytes = Vec::new();
    let mut schedules = Vec::new();
    for l in r["locations"].as_array().into_iter().flatten() {
        let loc = location(r, l);
        let sal_id = uuid("service_at_location", &format!("{id}:{}", text(&l["id"])));
        for (i, s) in l["schedule"].as_array().into_iter().flatten().enumerate() {
            let days: Vec<&str> = s["days"].as_array().map(|d| d.iter().map(text).collect()).unwrap_or_default();
            schedules.push(json!({
                "id": uuid("schedule", &format!("{id}:{}:{i}", text(&l["id"]))),
                "service_id": sid,
                "service_at_location_id": sal_id,
                "freq": "WEEKLY",
                "byday": days.join(","),
                "opens_at": s["opens"],
                "closes_at": s["closes"],
                "description": format!("{}: {} to {}", text(&loc["name"]), text(&s["opens"]), text(&s["closes"])),
            }));
        }
        let loc_obj = Obj::of(&loc);
        let loc_bytes = loc_obj.bytes();
        let list_loc = loc_obj.without("addresses").without("accessibility").bytes();
        let sal = Obj::default().set("id", &json!(sal_id)).set("service_id", &sid).set("location_id", &loc["id"]);
        sal_list_bytes.push(sal.clone().raw("location", list_loc).raw("service", item_bytes.clone()).bytes());
        let sal = sal.raw("location", loc_bytes.clone());
        if own.records {
            put(format!("api/v3/service_at_locations/{sal_id}.json"), sal.clone().raw("service", item_bytes.clone()).bytes())?;
        }
        if own.extras {
            put(format!("api/v3/locations/{}.json", text(&loc["id"])), loc_bytes.clone())?;
        }
        location_bytes.push(loc_bytes);
        sal_bytes.push(sal.bytes());
    }
    if own.records {
        let full = full_service(site, terms, r, &item, &sid, &sal_bytes, schedules);
        put(format!("api/v3/services/{}.json", text(&sid)), full.bytes())?;
    }
    Ok(Pieces {
        service: item_bytes,
        org_id: text(&org["id"]).to_string(),
        org,
        org_service: item.without("organization").bytes(),
        locations: location_bytes,
        service_at_locations: sal_list_bytes,
    })
}

/// `GET /services/{id}`: the service fully nested, with its service areas, sites, schedules,
/// cost options, taxonomy links and contact.
fn full_service(site: &Site, terms: &Terms, r: &Value, item: &Obj, sid: &Value, sal_bytes: &[Vec<u8>], schedules: Vec<Value>) -> Obj {
    let id = text(&r["id"]);
    // Service areas: the districts served.
    let mut districts: Vec<(String, String)> = Vec::new();
    for l in r["locations"].as_array().into_iter().flatten() {
        let d = (text(&l["district"]).to_string(), text(&l["district_name"]).to_string());
        if !districts.contains(&d) {
            districts.push(d);
        }
    }
    for code in r["service_area"].as_array().into_iter().flatten().map(text) {
        let name = site.area(code).map(|a| a.name.clone()).unwrap_or_else(|| code.to_string());
        if !districts.iter().any(|(c, _)| c == code) {
            districts.push((code.to_string(), name));
        }
    }
    let service_areas = Value::Array(
        districts
            .iter()
            .map(|(code, name)| json!({"id": uuid("service_area", &format!("{id}:{code}")), "service_id": sid, "name": name, "service_area": name, "extent_type": "text", "extent": code}))
            .collect(),
    );
    let mut full = item
        .clone()
        .set("service_areas", &service_areas)
        .raw("service_at_locations", array(sal_bytes.iter().map(Vec::as_slice)))
        .set("schedules", &Value::Array(schedules))
        .set("cost_options", &cost_options(r, id, sid))
        .raw("attributes", array(attribute_links(terms, r, id, sid).iter().map(Vec::as_slice)));
    if let Some(role) = r["contact"]["role"].as_str().filter(|s| !s.is_empty()) {
        full = full.set("contacts", &json!([{"id": uuid("contact", id), "service_id": sid, "name": role, "title": role}]));
    }
    full
}

/// A service's cost options.
fn cost_options(r: &Value, id: &str, sid: &Value) -> Value {
    Value::Array(
        r["costs"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                let mut co = json!({
                    "id": uuid("cost_option", &format!("{id}:{i}")),
                    "service_id": sid,
                    "option": crate::model::vocab::CostOptionKind::from_key(text(&c["option"])).label(),
                    "amount": c["amount"],
                    "amount_description": format!("{} {}{}{}", text(&c["currency"]), crate::model::vocab::CostOptionKind::from_key(text(&c["option"])).label(), if c["includes_transport"].as_bool() == Some(true) { ", including transport" } else { "" }, if text(&c["description"]).is_empty() { String::new() } else { format!(". {}", text(&c["description"])) }),
                });
                if let Some(d) = c["valid_from"].as_str() {
                    co["valid_from"] = json!(d);
                }
                if let Some(d) = c["valid_to"].as_str() {
                    co["valid_to"] = json!(d);
                }
                co
            })
            .collect(),
    )
}

/// A service's taxonomy links, each embedding its term's JSON.
fn attribute_links(terms: &Terms, r: &Value, id: &str, sid: &Value) -> Vec<Vec<u8>> {
    let mut links: Vec<Vec<u8>> = Vec::new();
    let mut link = |taxonomy: &'static str, term: String| {
        if let Some((term_id, term_bytes)) = terms.by_key.get(&(taxonomy, term.clone())) {
            // Written directly, members in key order as `Obj` writes them: there are about
            // eight attributes per service.
            let mut a = Vec::with_capacity(160 + term_bytes.len());
            a.extend_from_slice(b"{\"id\":");
            key(&mut a, &uuid("attribute", &format!("{id}:{taxonomy}:{term}")));
            a.extend_from_slice(b",\"link_id\":");
            key(&mut a, text(sid));
            a.extend_from_slice(b",\"link_type\":\"service\",\"taxonomy_term\":");
            a.extend_from_slice(term_bytes);
            a.extend_from_slice(b",\"taxonomy_term_id\":");
            key(&mut a, text(term_id));
            a.push(b'}');
            links.push(a);
        }
    };
    for t in r["offer"]["tiers"].as_array().into_iter().flatten() {
        link("apdir-tier", t.to_string());
    }
    for n in r["offer"]["needs"].as_array().into_iter().flatten() {
        link("apdir-need", text(n).to_string());
    }
    for k in r["offer"]["key_stages"].as_array().into_iter().flatten() {
        link("apdir-key-stage", text(k).to_string());
    }
    links
}

/// A JSON text as parts written one after another (`Sink::put_parts`), so a list of ten
/// thousand serialised entries is never copied into one buffer.
pub struct Parts<'a>(Vec<std::borrow::Cow<'a, [u8]>>);

impl<'a> Parts<'a> {
    pub fn slices(&self) -> Vec<&[u8]> {
        self.0.iter().map(|c| c.as_ref()).collect()
    }
    pub fn concat(&self) -> Vec<u8> {
        self.slices().concat()
    }
}

/// A JSON object (keys in order, as `serde_json` writes them) whose `list_key` holds `items`,
/// each already serialised.
pub fn object_with_list<'a>(mut fields: serde_json::Map<String, Value>, list_key: &str, items: impl IntoIterator<Item = &'a [u8]>) -> Parts<'a> {
    use std::borrow::Cow;
    fields.insert(list_key.to_string(), Value::Null);
    let mut parts: Vec<Cow<'a, [u8]>> = Vec::new();
    // Members before and after the list are gathered into one part each.
    let mut run = vec![b'{'];
    let mut items = Some(items);
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            run.push(b',');
        }
        key(&mut run, k);
        run.push(b':');
        if k == list_key {
            run.push(b'[');
            parts.push(Cow::Owned(std::mem::take(&mut run)));
            for (n, item) in items.take().into_iter().flatten().enumerate() {
                if n > 0 {
                    parts.push(Cow::Borrowed(b","));
                }
                parts.push(Cow::Borrowed(item));
            }
            run.push(b']');
        } else {
            run.extend(compact(v));
        }
    }
    run.push(b'}');
    parts.push(Cow::Owned(run));
    Parts(parts)
}

/// The members of a paginated ORUK list body holding all `n` items on one page, besides
/// `contents`.
fn page_fields(n: usize) -> serde_json::Map<String, Value> {
    let Value::Object(fields) = json!({
        "total_items": n,
        "total_pages": 1,
        "page_number": 1,
        "size": n,
        "first_page": true,
        "last_page": true,
        "empty": n == 0,
    }) else {
        unreachable!("json! of an object is an object")
    };
    fields
}

/// The list body of a paginated ORUK response holding every item on one page.
fn page_of<'a>(items: &[&'a [u8]]) -> Parts<'a> {
    object_with_list(page_fields(items.len()), "contents", items.iter().copied())
}

/// The ORUK list files, streamed as the providers' pieces arrive in directory order, and
/// the organisations they gather (written at the end, as each lists its services).
pub struct Lists<'a> {
    services: ListWriter<'a>,
    locations: ListWriter<'a>,
    service_at_locations: ListWriter<'a>,
    orgs: BTreeMap<String, Org>,
    /// Whether each organisation also gets its own file (`[exports] oruk_extras`).
    org_files: bool,
}

/// An organisation and the entries of its services, gathered as providers arrive.
type Org = (Value, Vec<Vec<u8>>);

/// Writes one small file (path, bytes) from any thread.
pub type PutFile<'a, E> = dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync + 'a;

/// Writes one file given as the concatenation of parts.
pub type PutParts<'a, E> = dyn Fn(String, &[&[u8]]) -> Result<(), E> + 'a;

impl<'a> Lists<'a> {
    /// How many list files [`Lists::finish`] completes (besides what it writes with `put`).
    pub const FILES: usize = 3;

    /// Opens the lists of `services` services at `locations` sites; with `org_files`, each
    /// organisation also gets its own file.
    pub fn open(sink: &'a dyn Sink, services: usize, locations: usize, org_files: bool) -> Result<Lists<'a>, OutputError> {
        Ok(Lists {
            services: ListWriter::open(sink, "api/v3/services/index.json", page_fields(services), "contents")?,
            locations: ListWriter::open(sink, "api/v3/locations/index.json", page_fields(locations), "contents")?,
            service_at_locations: ListWriter::open(sink, "api/v3/service_at_locations/index.json", page_fields(locations), "contents")?,
            orgs: BTreeMap::new(),
            org_files,
        })
    }

    /// Adds the next provider's entries.
    pub fn add(&mut self, p: Pieces) -> Result<(), OutputError> {
        self.services.item(&p.service)?;
        for l in &p.locations {
            self.locations.item(l)?;
        }
        for s in &p.service_at_locations {
            self.service_at_locations.item(s)?;
        }
        self.orgs.entry(p.org_id).or_insert_with(|| (p.org, Vec::new())).1.push(p.org_service);
        Ok(())
    }

    /// Finishes the lists and writes the organisations and the taxonomies. `put` writes a
    /// small file, `put_parts` one given in parts.
    pub fn finish<E: From<OutputError> + Send>(self, put: &PutFile<'_, E>, put_parts: &PutParts<'_, E>) -> Result<(), E> {
        use rayon::prelude::*;
        let Lists { services, locations, service_at_locations, orgs, org_files } = self;
        services.finish()?;
        locations.finish()?;
        service_at_locations.finish()?;
        // The organisations' files are made on every core, in id order; each organisation's
        // entries are dropped as its file is made, so the two are never all in memory at once.
        let orgs: Vec<(String, Org)> = orgs.into_iter().collect();
        let org_bytes: Vec<Vec<u8>> = orgs
            .into_par_iter()
            .map(|(id, (org, services))| -> Result<Option<Vec<u8>>, E> {
                let Value::Object(fields) = org else { return Ok(None) };
                let bytes = object_with_list(fields, "services", services.iter().map(Vec::as_slice)).concat();
                drop(services);
                if org_files {
                    put(format!("api/v3/organizations/{id}.json"), bytes.clone())?;
                }
                Ok(Some(bytes))
            })
            .collect::<Result<Vec<_>, E>>()?
            .into_iter()
            .flatten()
            .collect();
        put_parts("api/v3/organizations/index.json".into(), &page_of(&org_bytes.iter().map(Vec::as_slice).collect::<Vec<_>>()).slices())?;
        // The taxonomies and their terms: the list bodies, and one file each
        // (`GET /taxonomies/{id}`, `GET /taxonomy_terms/{id}`).
        let taxonomies: Vec<(String, Vec<u8>)> = taxonomies()
            .into_iter()
            .map(|(key, name, description)| {
                let id = uuid("taxonomy", key);
                let bytes = compact(&json!({"id": id, "name": name, "description": description, "version": "1"}));
                (id, bytes)
            })
            .collect();
        let terms: Vec<(String, Vec<u8>)> = terms()
            .iter()
            .map(|t| {
                let v = term_json(t);
                (text(&v["id"]).to_string(), compact(&v))
            })
            .collect();
        for (folder, items) in [("taxonomies", &taxonomies), ("taxonomy_terms", &terms)] {
            put_parts(format!("api/v3/{folder}/index.json"), &page_of(&items.iter().map(|(_, b)| b.as_slice()).collect::<Vec<_>>()).slices())?;
            for (id, bytes) in items {
                put(format!("api/v3/{folder}/{id}.json"), bytes.clone())?;
            }
        }
        put(
            "api/v3/index.json".into(),
            compact(&json!({
                "version": "3.0",
                "profile": "https://openreferraluk.org/",
                "openapi_url": "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json",
            })),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_uuid_v5_in_the_url_namespace() {
        for (kind, key) in [("service", "p00001"), ("location", "p00001:main"), ("taxonomy", ""), ("attribute", "x:apdir-need:ebsa_anxiety:é✓")] {
            let expected = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("apdir:{kind}:{key}").as_bytes()).to_string();
            assert_eq!(super::uuid(kind, key), expected);
        }
    }
}
