//! Requests (诉求) over three years: each request's life is simulated step by step (submitted,
//! triaged, accepted, returned, referred, escalated, resolved, rated or auto-closed, withdrawn)
//! and cut at the end of the period, so old requests are mostly closed and recent ones still open.
//! Classes are drawn 20% major (大事) / 45% minor (小事) / 35% private (私事); about one in ten
//! resolutions misses its deadline and 2% of requests stall (overdue while open).

use crate::city::{City, CATEGORIES};
use crate::sql::{Inserts, V};
use crate::{id_at, Rng};
use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng as _;

/// Share of each class: (class, probability).
pub const CLASS_SHARES: [(&str, f64); 3] = [("major", 0.20), ("minor", 0.45), ("private", 0.35)];

/// One step of a request's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    /// Account index in [`City::accounts`]; `None` for the scheduler (`system`).
    pub actor: Option<usize>,
}

/// A simulated request, cut at the end of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Sim {
    pub id: String,
    pub received_at: DateTime<Utc>,
    /// Index in [`City::communities`], and of the grid within it.
    pub community: usize,
    pub grid: usize,
    /// Index in [`CATEGORIES`].
    pub category: usize,
    pub resident: Option<usize>,
    pub filed_by: usize,
    pub resident_name: String,
    pub resident_phone: String,
    pub description: String,
    pub location: Option<(f64, f64)>,
    pub address: Option<String>,
    pub steps: Vec<Step>,
    pub rating: Option<&'static str>,
    pub rating_comment: Option<&'static str>,
    pub result: Option<&'static str>,
}

const PLACES: [&str; 8] = ["小区东门", "3号楼楼道", "菜场北侧", "幼儿园门口", "河边步道", "12号楼前", "社区卫生站旁", "公交站台"];
const DETAILS: [&str; 6] = ["已持续一周，希望尽快处理。", "影响居民出行，请相关部门处理。", "多次反映未解决，请协调。", "家中老人行动不便，需要帮助。", "夜间尤其严重，影响休息。", "请派人现场查看。"];
const RESULTS: [&str; 5] = ["已现场处理完毕。", "已协调相关单位修复。", "已转介服务机构上门服务。", "经居民议事会协商达成一致。", "已联系物业整改到位。"];
const COMMENTS: [&str; 4] = ["处理及时，谢谢！", "态度很好。", "希望以后更快一些。", "问题没有彻底解决。"];

fn hours(rng: &mut Rng, lo: f64, hi: f64) -> TimeDelta {
    TimeDelta::seconds((rng.gen_range(lo..hi) * 3600.0) as i64)
}

fn pick_class(rng: &mut Rng) -> &'static str {
    let x: f64 = rng.gen();
    let mut acc = 0.0;
    for (class, share) in CLASS_SHARES {
        acc += share;
        if x < acc {
            return class;
        }
    }
    "private"
}

impl Sim {
    /// Simulates request `index` of `total`, received evenly over `[start, end)` (ids and times
    /// therefore increase with the index).
    pub fn generate(rng: &mut Rng, city: &City, index: u64, total: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> Sim {
        let span = (end - start).num_milliseconds() as f64 / total.max(1) as f64;
        let received_at = start + TimeDelta::milliseconds(((index as f64 + rng.gen_range(0.0..1.0)) * span) as i64);
        let community = rng.gen_range(0..city.communities.len());
        let c = &city.communities[community];
        let class = pick_class(rng);
        let in_class: Vec<usize> = (0..CATEGORIES.len()).filter(|&i| CATEGORIES[i].2 == class).collect();
        let category = in_class[rng.gen_range(0..in_class.len())];
        let (resident, grid, filed_by, resident_name, resident_phone) = if !c.residents.is_empty() && rng.gen_bool(0.65) {
            let r = c.residents[rng.gen_range(0..c.residents.len())];
            let a = &city.accounts[r];
            let grid = c.grids.iter().position(|&g| Some(g) == a.node).unwrap_or(0);
            (Some(r), grid, r, a.display_name.trim_start_matches("居民 ").to_string(), a.phone.clone().unwrap_or_default())
        } else {
            let grid = rng.gen_range(0..c.grids.len());
            (None, grid, c.grid_workers[grid], crate::city::person_name(rng), format!("137{:08}", rng.gen_range(0..100_000_000u32)))
        };
        let (code_name, place) = (CATEGORIES[category].1, PLACES[rng.gen_range(0..PLACES.len())]);
        let description = format!("{code_name}：{place}，{}", DETAILS[rng.gen_range(0..DETAILS.len())]);
        let location = rng.gen_bool(0.7).then(|| (rng.gen_range(31.80..31.95), rng.gen_range(121.10..121.35)));
        let address = (location.is_none() || rng.gen_bool(0.5)).then(|| format!("{}{place}", city.nodes[c.node].name));
        let mut sim = Sim {
            id: id_at(rng, received_at),
            received_at,
            community,
            grid,
            category,
            resident,
            filed_by,
            resident_name,
            resident_phone,
            description,
            location,
            address,
            steps: vec![Step { kind: "submitted", at: received_at, actor: Some(filed_by) }],
            rating: None,
            rating_comment: None,
            result: None,
        };
        sim.live(rng, city);
        sim.steps.retain(|s| s.at < end);
        if !sim.steps.iter().any(|s| s.kind == "resolved") {
            sim.result = None;
        }
        if !sim.steps.iter().any(|s| s.kind == "rated") {
            sim.rating = None;
            sim.rating_comment = None;
        }
        sim
    }

    /// The whole life, ignoring the end of the period.
    fn live(&mut self, rng: &mut Rng, city: &City) {
        let c = &city.communities[self.community];
        let (_, _, class, dept, limit) = CATEGORIES[self.category];
        let staff = Some(c.staff);
        let mut t = self.received_at;
        if rng.gen_bool(0.03) {
            t += hours(rng, 0.2, 48.0);
            self.steps.push(Step { kind: "withdrawn", at: t, actor: Some(self.filed_by) });
            return;
        }
        t += if rng.gen_bool(0.95) { hours(rng, 0.2, 20.0) } else { hours(rng, 24.0, 72.0) };
        self.steps.push(Step { kind: "triaged", at: t, actor: staff });
        let handler = match dept {
            Some(code) => {
                let dept_id = &city.department(code).id;
                let staff_account = city.accounts.iter().position(|a| a.department_id.as_ref() == Some(dept_id));
                if rng.gen_bool(0.03) {
                    t += hours(rng, 2.0, 24.0);
                    self.steps.push(Step { kind: "returned", at: t, actor: staff_account });
                    t += hours(rng, 2.0, 24.0);
                    let street_admin = city.accounts.iter().position(|a| a.role == "street_admin" && a.node == Some(c.street));
                    self.steps.push(Step { kind: "street_decided", at: t, actor: street_admin });
                }
                t += hours(rng, 0.5, 30.0);
                self.steps.push(Step { kind: "accepted", at: t, actor: staff_account });
                staff_account
            }
            None => staff,
        };
        if rng.gen_bool(0.02) {
            return;
        }
        let limit_hours = limit.unwrap_or(72) as f64;
        let factor = if rng.gen_bool(0.9) { rng.gen_range(0.05..0.95) } else { rng.gen_range(1.0..2.5) };
        let resolved = t + TimeDelta::seconds((limit_hours * factor * 3600.0) as i64);
        match class {
            "private" => self.steps.push(Step { kind: "referred", at: t + (resolved - t) / 4, actor: staff }),
            "minor" if rng.gen_bool(0.3) => self.steps.push(Step { kind: "deliberation_marked", at: t + (resolved - t) / 3, actor: staff }),
            _ => {}
        }
        if factor > 1.0 && class == "major" {
            let deadline = self.steps.iter().find(|s| s.kind == "triaged").map_or(t, |s| s.at) + TimeDelta::hours(limit.unwrap_or(72));
            if deadline + TimeDelta::hours(24) < resolved {
                self.steps.push(Step { kind: "escalated", at: deadline + TimeDelta::hours(24), actor: None });
            }
        }
        self.steps.push(Step { kind: "resolved", at: resolved, actor: handler });
        self.result = Some(RESULTS[rng.gen_range(0..RESULTS.len())]);
        if rng.gen_bool(0.8) {
            let x: f64 = rng.gen();
            let dissatisfied = if factor > 1.0 { 0.25 } else { 0.06 };
            self.rating = Some(if x < dissatisfied {
                "dissatisfied"
            } else if x < dissatisfied + 0.17 {
                "basically_satisfied"
            } else {
                "satisfied"
            });
            self.rating_comment = rng.gen_bool(0.3).then(|| COMMENTS[rng.gen_range(0..COMMENTS.len())]);
            self.steps.push(Step { kind: "rated", at: resolved + hours(rng, 1.0, 72.0), actor: Some(self.filed_by) });
        } else {
            self.steps.push(Step { kind: "auto_closed", at: resolved + TimeDelta::days(7), actor: None });
        }
        self.steps.sort_by_key(|s| s.at);
    }

    pub fn class(&self) -> Option<&'static str> {
        self.find("triaged").map(|_| CATEGORIES[self.category].2)
    }

    fn find(&self, kind: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.kind == kind)
    }

    /// Status after the last step.
    pub fn status(&self) -> &'static str {
        let major = CATEGORIES[self.category].3.is_some();
        self.steps.iter().fold("submitted", |status, s| match s.kind {
            "triaged" | "street_decided" if major => "dispatched",
            "triaged" => "in_progress",
            "returned" => "returned",
            "accepted" => "in_progress",
            "resolved" => "resolved",
            "rated" | "auto_closed" => "closed",
            "withdrawn" => "withdrawn",
            _ => status,
        })
    }

    /// Deadline (限时办结) counted from triage; private matters have none.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        let limit = CATEGORIES[self.category].4?;
        self.find("triaged").map(|s| s.at + TimeDelta::hours(limit))
    }

    /// First response: acceptance by the department (major) or triage (others).
    pub fn responded_at(&self) -> Option<DateTime<Utc>> {
        let kind = if CATEGORIES[self.category].3.is_some() { "accepted" } else { "triaged" };
        self.find(kind).map(|s| s.at)
    }

    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.find("resolved").map(|s| s.at)
    }

    /// True when open past its deadline at `now`, or resolved after it.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.deadline().is_some_and(|d| self.resolved_at().unwrap_or(now) > d) && self.status() != "withdrawn"
    }
}

/// Rows of the requests, in foreign-key order.
pub struct RequestRows {
    /// Write the timeline events and audit entries (false: only the requests, their details and
    /// handlers — the same requests, the same random draws).
    history: bool,
    requests: Inserts,
    details: Inserts,
    handlers: Inserts,
    events: Inserts,
    audit: Inserts,
}

fn json_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl RequestRows {
    pub fn new(per_statement: usize, history: bool) -> RequestRows {
        RequestRows {
            history,
            requests: Inserts::new(
                "requests",
                &["id", "path", "community_id", "street_id", "category_code", "status", "class", "department_id", "deadline", "resident_account_id", "received_at", "responded_in_time", "resolved_at", "resolved_on_time", "handling_seconds", "rating"],
                per_statement,
            ),
            details: Inserts::new(
                "request_details",
                &["id", "jurisdiction_id", "description", "latitude", "longitude", "address", "resident_name", "resident_phone", "filed_by", "listing", "flags", "responded_at", "result", "rating_comment", "closed_at", "updated_at"],
                per_statement,
            ),
            handlers: Inserts::new("request_departments", &["request_id", "department_id", "first_at"], per_statement),
            events: Inserts::new("request_events", &["id", "request_id", "at", "actor_id", "actor_role", "kind", "data"], per_statement),
            audit: Inserts::new("audit_log", &["id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "path", "request_id", "detail"], per_statement),
        }
    }

    /// Timeline events added since the last [`RequestRows::take`].
    pub fn events(&self) -> usize {
        self.events.len()
    }

    /// Adds the rows of one request: the request and its details, its handling department, one
    /// timeline event per step and the audit entry of each step (as the API writes them).
    pub fn add(&mut self, rng: &mut Rng, city: &City, sim: &Sim) {
        let c = &city.communities[sim.community];
        let grid = &city.nodes[c.grids[sim.grid]];
        let (code, name, class, dept, limit) = CATEGORIES[sim.category];
        let dept_id = dept.map(|d| city.department(d).id.clone());
        let status = sim.status();
        let triaged = sim.class().is_some();
        let deadline = sim.deadline();
        let responded = sim.responded_at();
        let resolved = sim.resolved_at();
        let closed = sim.steps.iter().find(|s| matches!(s.kind, "rated" | "auto_closed" | "withdrawn")).map(|s| s.at);
        let last = sim.steps.last().map_or(sim.received_at, |s| s.at);
        let t = |d: DateTime<Utc>| V::Time(d.naive_utc());
        self.requests.row(&[
            V::text(&sim.id),
            V::text(&grid.path),
            V::text(&city.nodes[c.node].id),
            V::text(&city.nodes[c.street].id),
            V::text(code),
            V::text(status),
            V::opt_text(sim.class()),
            V::opt_text(dept_id.clone().filter(|_| triaged)),
            V::opt_time(deadline.map(|d| d.naive_utc())),
            V::opt_text(sim.resident.map(|r| city.accounts[r].id.clone())),
            t(sim.received_at),
            V::opt_bool(responded.map(|r| r - sim.received_at <= TimeDelta::hours(24))),
            V::opt_time(resolved.map(|r| r.naive_utc())),
            V::opt_bool(resolved.map(|r| deadline.is_none_or(|d| r <= d))),
            V::opt_int(resolved.map(|r| (r - sim.received_at).num_seconds())),
            V::opt_text(sim.rating),
        ]);
        let suggestion = serde_json::json!({
            "category_name": name, "class": class,
            "colour": match class { "major" => "red", "minor" => "orange", _ => "yellow" },
            "department_id": dept_id, "deadline_hours": limit,
        });
        let has = |k: &str| sim.steps.iter().any(|s| s.kind == k);
        let flags = serde_json::json!({
            "replied": false, "has_resolution_record": class == "minor" && resolved.is_some(), "has_referral": has("referred"),
            "deliberation": has("deliberation_marked"), "hardship": false, "reopen_count": 0, "escalated": has("escalated"),
        });
        self.details.row(&[
            V::text(&sim.id),
            V::text(&grid.id),
            V::text(&sim.description),
            sim.location.map_or(V::Null, |l| V::Float(l.0)),
            sim.location.map_or(V::Null, |l| V::Float(l.1)),
            V::opt_text(sim.address.clone()),
            V::text(&sim.resident_name),
            V::text(&sim.resident_phone),
            V::text(&city.accounts[sim.filed_by].id),
            V::text(suggestion.to_string()),
            V::text(flags.to_string()),
            V::opt_time(responded.map(|r| r.naive_utc())),
            V::opt_text(sim.result),
            V::opt_text(sim.rating_comment),
            V::opt_time(closed.map(|r| r.naive_utc())),
            t(last),
        ]);
        if let (Some(d), true) = (&dept_id, triaged) {
            let first = sim.find("triaged").map_or(sim.received_at, |s| s.at);
            self.handlers.row(&[V::text(&sim.id), V::text(d), t(first)]);
        }
        let mut after = Sim { steps: Vec::with_capacity(sim.steps.len()), ..sim.clone() };
        for step in &sim.steps {
            // The same random draws with or without history, so the requests stay the same.
            let (event_id, audit_id, audit_request_id) = (id_at(rng, step.at), id_at(rng, step.at), id_at(rng, step.at));
            if !self.history {
                continue;
            }
            after.steps.push(step.clone());
            let data = match step.kind {
                "submitted" => serde_json::json!({"status": "submitted", "category_code": code, "on_behalf": sim.resident.is_none(), "suggestion": suggestion}),
                "triaged" => serde_json::json!({
                    "status": after.status(), "class": class, "department_id": dept_id,
                    "deadline": deadline.map(json_time), "follows_suggestion": true,
                }),
                "resolved" => serde_json::json!({"status": "resolved", "result": sim.result}),
                "rated" => serde_json::json!({"status": "closed", "rating": sim.rating, "comment": sim.rating_comment}),
                _ => serde_json::json!({"status": after.status()}),
            }
            .to_string();
            let actor = step.actor.map(|a| &city.accounts[a]);
            let role = actor.map_or("system", |a| a.role);
            self.events.row(&[
                V::text(event_id),
                V::text(&sim.id),
                t(step.at),
                V::opt_text(actor.map(|a| a.id.clone())),
                V::text(role),
                V::text(step.kind),
                V::text(&data),
            ]);
            let action = match step.kind {
                "submitted" => "request.submit".to_string(),
                "auto_closed" => "request.auto_close".to_string(),
                k => format!("request.{k}"),
            };
            self.audit.row(&[
                V::text(audit_id),
                t(step.at),
                V::opt_text(actor.map(|a| a.id.clone())),
                V::opt_text(actor.map(|a| a.role)),
                V::text(action),
                V::text("request"),
                V::text(&sim.id),
                V::text(&grid.path),
                V::text(audit_request_id),
                V::text(&data),
            ]);
        }
    }

    /// The statements for the rows added so far, parents first.
    pub fn take(&mut self) -> String {
        [self.requests.take(), self.details.take(), self.handlers.take(), self.events.take(), self.audit.take()].concat()
    }
}
