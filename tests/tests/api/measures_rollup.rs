//! The measures' daily roll-up (`request_measure_days`, kept by triggers) agrees with a scan of
//! `requests` on every window and subtree, after inserts, every kind of update and deletes.

use chrono::{NaiveDateTime, TimeDelta};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::requests::measures::{cube, scan, Cell, Window};
use gongzhi_tests::TestApp;

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn sql_opt(v: Option<String>) -> String {
    v.map(|s| format!("'{s}'")).unwrap_or_else(|| "NULL".into())
}

fn time(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
}

fn sorted(mut cells: Vec<Cell>) -> Vec<String> {
    cells.sort_by(|a, b| (&a.street_id, &a.community_id, &a.class, &a.department_id).cmp(&(&b.street_id, &b.community_id, &b.class, &b.department_id)));
    cells.iter().map(|c| format!("{}/{}/{:?}/{:?} {:?}", c.street_id, c.community_id, c.class, c.department_id, c.counts)).collect()
}

struct City {
    nodes: Vec<JurisdictionRow>,
    departments: Vec<String>,
}

impl City {
    fn of(&self, level: Level) -> Vec<&JurisdictionRow> {
        self.nodes.iter().filter(|n| n.level() == level).collect()
    }
    fn street_of(&self, community: &JurisdictionRow) -> String {
        community.path().ids()[1].to_string()
    }
}

/// Columns a request's cell and counts depend on, drawn at random.
fn facts(rng: &mut Rng, city: &City, received: NaiveDateTime) -> String {
    let class = *rng.pick(&[None, Some("major"), Some("minor"), Some("private")]);
    let department = if class == Some("major") && rng.below(4) > 0 { Some(rng.pick(&city.departments).clone()) } else { None };
    let responded = *rng.pick(&[None, Some(true), Some(false)]);
    let resolved = rng.below(2) == 0;
    let handling = rng.below(400_000) as i64;
    let on_time = if resolved { Some(rng.below(3) > 0) } else { None };
    let rating = if resolved { *rng.pick(&[None, Some("satisfied"), Some("basically_satisfied"), Some("dissatisfied")]) } else { None };
    let b = |v: Option<bool>| v.map(|v| if v { "TRUE" } else { "FALSE" }.to_string()).unwrap_or_else(|| "NULL".into());
    format!(
        "class = {}, department_id = {}, responded_in_time = {}, resolved_at = {}, resolved_on_time = {}, handling_seconds = {}, rating = {}",
        sql_opt(class.map(str::to_string)),
        sql_opt(department),
        b(responded),
        if resolved { time(received + TimeDelta::seconds(handling)) } else { "NULL".into() },
        b(on_time),
        if resolved { handling.to_string() } else { "NULL".into() },
        sql_opt(rating.map(str::to_string)),
    )
}

#[test]
fn the_daily_roll_up_agrees_with_a_scan_of_the_requests() {
    let app = TestApp::start();
    let nodes = app.db.read(jurisdictions::all).unwrap();
    let city = City { nodes, departments: ["CGJ", "ZJJ", "WJW"].iter().map(|c| app.department(c)).collect() };
    let communities = city.of(Level::Community);
    let grids = city.of(Level::Grid);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Ten days around a China midnight, at second resolution, so windows cut days anywhere.
    let base = NaiveDateTime::parse_from_str("2026-03-01 16:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let instant = |rng: &mut Rng| base + TimeDelta::seconds(rng.below(10 * 86_400) as i64);

    let place = |rng: &mut Rng| -> (String, String, String) {
        // A community's own request, or one of a grid inside it.
        if rng.below(2) == 0 {
            let g = rng.pick(&grids);
            let c = g.path().ids()[2].to_string();
            (g.path.clone(), c, g.path().ids()[1].to_string())
        } else {
            let c = rng.pick(&communities);
            (c.path.clone(), c.id.clone(), city.street_of(c))
        }
    };
    let mut ids = Vec::new();
    let mut sql = String::new();
    for i in 0..400 {
        let id = format!("00000000-0000-7000-8000-{i:012}");
        let (path, community, street) = place(&mut rng);
        let received = instant(&mut rng);
        sql += &format!(
            "INSERT INTO requests (id, path, community_id, street_id, category_code, status, received_at) VALUES ('{id}', '{path}', '{community}', '{street}', 'environment', 'submitted', {});\n",
            time(received)
        );
        sql += &format!("UPDATE requests SET {} WHERE id = '{id}';\n", facts(&mut rng, &city, received));
        ids.push(id);
    }
    app.exec(&sql).unwrap();

    let check = |rng: &mut Rng, stage: &str| {
        let mut within: Vec<JurisdictionPath> = vec![JurisdictionPath::root()];
        within.extend(city.of(Level::District).iter().map(|n| n.path()));
        within.extend(city.of(Level::Street).iter().map(|n| n.path()));
        within.extend(communities.iter().take(3).map(|n| n.path()));
        within.push(grids[0].path());
        for w in &within {
            for _ in 0..6 {
                let (a, b) = (instant(rng) - TimeDelta::days(1), instant(rng) + TimeDelta::days(1));
                let (from, to) = (a.min(b), a.max(b));
                // Aligned on China days, on UTC days, anywhere, and open at either end.
                let day = |t: NaiveDateTime| t.date().and_hms_opt(0, 0, 0).unwrap();
                let windows = [
                    (Some(day(from) - TimeDelta::hours(8)), Some(day(to) - TimeDelta::hours(8))),
                    (Some(day(from)), Some(day(to))),
                    (Some(from), Some(to)),
                    (None, Some(to)),
                    (Some(from), None),
                    (None, None),
                ];
                for (from, to) in windows {
                    let window = Window { within: w.clone(), from, to };
                    let rolled = app.db.read(|c| cube(c, &window)).unwrap();
                    let scanned = app
                        .db
                        .read(|c| scan(c, w, from.unwrap_or(base - TimeDelta::days(3650)), to.unwrap_or(base + TimeDelta::days(3650))))
                        .unwrap();
                    assert_eq!(sorted(rolled), sorted(scanned), "{stage}: {} from {from:?} to {to:?}", w.as_str());
                }
            }
        }
    };
    // Every request is counted once, whichever way the subtree is narrowed.
    let received = |within: JurisdictionPath| -> u64 {
        let window = Window { within, from: None, to: None };
        app.db.read(|c| cube(c, &window)).unwrap().iter().map(|c| c.counts.received).sum()
    };
    let all_counted = |stage: &str| {
        let requests = app.count("requests") as u64;
        let districts = city.of(Level::District);
        for w in std::iter::once(JurisdictionPath::root()).chain(districts.iter().map(|d| d.path())) {
            assert_eq!(received(w.clone()), requests, "{stage}: {}", w.as_str());
        }
        let streets: u64 = city.of(Level::Street).iter().map(|s| received(s.path())).sum();
        assert_eq!(streets, requests, "{stage}: the streets partition the requests");
    };
    check(&mut rng, "after inserts");
    all_counted("after inserts");

    // Every column a cell or its counts depend on changes, requests move between communities and
    // days, a few are deleted.
    let mut sql = String::new();
    for id in ids.iter().step_by(2) {
        let received = instant(&mut rng);
        let (path, community, street) = place(&mut rng);
        // One column alone (so that each is seen to move the counts), or all the facts at once.
        let set = match rng.below(11) {
            0 => format!("received_at = {}", time(received)),
            1 => format!("path = '{path}', community_id = '{community}', street_id = '{street}'"),
            2 => format!("class = {}", sql_opt(rng.pick(&[None, Some("minor"), Some("private")]).map(str::to_string))),
            3 => format!("department_id = {}", sql_opt(Some(rng.pick(&city.departments).clone()))),
            4 => format!("responded_in_time = {}", rng.pick(&["NULL", "TRUE", "FALSE"])),
            5 => format!("resolved_at = {}", time(received)),
            6 => format!("resolved_on_time = {}", rng.pick(&["NULL", "TRUE", "FALSE"])),
            7 => format!("handling_seconds = {}", rng.below(90_000) + 1),
            8 => format!("rating = {}", rng.pick(&["NULL", "'satisfied'", "'basically_satisfied'", "'dissatisfied'"])),
            9 => "status = 'closed'".to_string(),
            _ => facts(&mut rng, &city, received),
        };
        sql += &format!("UPDATE requests SET {set} WHERE id = '{id}';\n");
    }
    for id in ids.iter().skip(1).step_by(17) {
        sql += &format!("DELETE FROM requests WHERE id = '{id}';\n");
    }
    app.exec(&sql).unwrap();
    check(&mut rng, "after updates and deletes");
    all_counted("after updates and deletes");
}
