//! Gongzhi (共治) benchmark data: a deterministic, city-sized data set (模拟城市) for the load
//! harness in `bench/run.sh`. The same seed gives the same rows (ids included) on both
//! databases; rows are written as multi-row `INSERT` text in large transactions.

pub mod city;
pub mod requests;
pub mod sql;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::{RngCore, SeedableRng};

/// The generator's random source: seeded, portable, reproducible.
pub type Rng = rand::rngs::StdRng;

pub fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// A UUIDv7 for an instant `t` with seeded random bits: ordering by id is ordering by time, as
/// with the server's own `new_id()`.
pub fn id_at(rng: &mut Rng, t: DateTime<Utc>) -> String {
    let mut bytes = [0u8; 10];
    rng.fill_bytes(&mut bytes);
    let ms = u64::try_from(t.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid().to_string()
}

/// End of the generated period (exclusive): requests span the three years before it.
pub fn period_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("valid date")
}

pub fn period_start() -> DateTime<Utc> {
    period_end() - TimeDelta::days(3 * 365)
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub communities: usize,
    pub requests: u64,
    pub seed: u64,
    /// Resident accounts per community.
    pub residents: usize,
    pub households_per_grid: usize,
    /// Requests per transaction.
    pub chunk: u64,
    /// Rows per `INSERT` statement.
    pub per_statement: usize,
    /// Timeline events and audit entries of every request (false: requests, details and
    /// handling departments only — about a third of the size, for the largest data sets).
    pub history: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { communities: 100, requests: 100_000, seed: 1, residents: 20, households_per_grid: 100, chunk: 20_000, per_statement: 500, history: true }
    }
}

/// The generation as a sequence of SQL batches, each to run in one transaction: first the city,
/// then the households, then the requests chunk by chunk. Separate random streams (derived from
/// the seed) keep the city identical whatever the number of requests.
pub struct Generator {
    pub opts: Options,
    pub city: City,
    requests_rng: Rng,
    households_rng: Rng,
    city_rng: Rng,
    next: u64,
    households_done: bool,
    city_done: bool,
    /// Counts written so far: (households, requests, events).
    pub written: (usize, u64, usize),
    /// Ids of requests of the first street, spread over the period (for the load harness).
    pub sample: Vec<String>,
}

pub use city::City;

impl Generator {
    pub fn new(opts: Options) -> Generator {
        let mut city_rng = rng(opts.seed);
        let city = City::plan(&mut city_rng, period_start() - TimeDelta::days(30), opts.communities.max(1), opts.residents);
        Generator {
            households_rng: rng(opts.seed ^ 0x686f_7573_6568_6f6c),
            requests_rng: rng(opts.seed ^ 0x7265_7175_6573_7473),
            city,
            city_rng,
            next: 0,
            households_done: false,
            city_done: false,
            written: (0, 0, 0),
            sample: Vec::new(),
            opts,
        }
    }

    /// The next batch of SQL (the city's accounts all get `secret_hash`), or `None` when done.
    pub fn next_batch(&mut self, secret_hash: &str) -> Option<String> {
        if !self.city_done {
            self.city_done = true;
            return Some(self.city.sql(&mut self.city_rng, secret_hash, self.opts.per_statement));
        }
        if !self.households_done {
            self.households_done = true;
            let (sql, n) = self.city.households_sql(&mut self.households_rng, self.opts.households_per_grid, self.opts.per_statement);
            self.written.0 = n;
            return Some(sql);
        }
        if self.next >= self.opts.requests {
            return None;
        }
        let upto = (self.next + self.opts.chunk.max(1)).min(self.opts.requests);
        let mut rows = requests::RequestRows::new(self.opts.per_statement, self.opts.history);
        let stride = (self.opts.requests / 10_000).max(1);
        let first_street = self.city.streets[0];
        for i in self.next..upto {
            let sim = requests::Sim::generate(&mut self.requests_rng, &self.city, i, self.opts.requests, period_start(), period_end());
            rows.add(&mut self.requests_rng, &self.city, &sim);
            if i % stride == 0 && self.city.communities[sim.community].street == first_street {
                self.sample.push(sim.id);
            }
        }
        self.written.1 += upto - self.next;
        self.written.2 += rows.events();
        self.next = upto;
        Some(rows.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::Sim;
    use std::collections::HashMap;

    fn small() -> Options {
        Options { communities: 12, requests: 3000, seed: 7, residents: 5, households_per_grid: 3, chunk: 1000, per_statement: 100, history: true }
    }

    fn all_sql(opts: Options) -> Vec<String> {
        let mut g = Generator::new(opts);
        std::iter::from_fn(|| g.next_batch("hash")).collect()
    }

    #[test]
    fn same_seed_same_rows_other_seed_other_rows() {
        let a = all_sql(small());
        assert_eq!(a.len(), 2 + 3, "city, households, three chunks of requests");
        assert_eq!(a, all_sql(small()));
        let b = all_sql(Options { seed: 8, ..small() });
        assert_ne!(a[0], b[0]);
        assert_ne!(a[4], b[4]);
    }

    #[test]
    fn the_city_does_not_depend_on_the_number_of_requests() {
        let a = all_sql(small());
        let b = all_sql(Options { requests: 10, ..small() });
        assert_eq!(a[..2], b[..2]);
    }

    #[test]
    fn without_history_the_same_requests_and_no_timelines() {
        let full = all_sql(small());
        let bare = all_sql(Options { history: false, ..small() });
        assert_eq!(full[..2], bare[..2], "the same city and households");
        for (f, b) in full[2..].iter().zip(&bare[2..]) {
            let requests = |sql: &str| sql.split(';').filter(|st| !st.contains("request_events") && !st.contains("audit_log")).map(str::to_string).collect::<Vec<_>>();
            assert_eq!(requests(f), requests(b), "the same requests, details and handlers");
            assert!(f.contains("INSERT INTO request_events") && f.contains("INSERT INTO audit_log"));
            assert!(!b.contains("request_events") && !b.contains("audit_log"));
        }
    }

    #[test]
    fn city_shape() {
        let g = Generator::new(Options { communities: 100, residents: 2, ..small() });
        let c = &g.city;
        let count = |level: &str| c.nodes.iter().filter(|n| n.level == level).count();
        assert_eq!((count("district"), count("street"), count("community"), count("grid")), (1, 10, 100, 1000));
        for n in &c.nodes[1..] {
            let parent = c.nodes.iter().find(|p| Some(&p.id) == n.parent_id.as_ref()).expect("parent exists");
            assert_eq!(n.path, format!("{}{}/", parent.path, n.id));
        }
        let logins: std::collections::HashSet<_> = c.accounts.iter().map(|a| a.login.as_str()).collect();
        assert_eq!(logins.len(), c.accounts.len(), "logins are unique");
        for l in ["admin", "street.01", "street.10", "staff.100", "grid.001.10", "dept.cgj", "13800000001"] {
            assert!(logins.contains(l), "{l}");
        }
        assert_eq!(Generator::new(Options { communities: 15, ..small() }).city.streets.len(), 2, "whole streets, the last one partial");
    }

    #[test]
    fn requests_are_distributed_realistically() {
        let g = Generator::new(small());
        let mut r = rng(3);
        let n = 20_000;
        let end = period_end();
        let sims: Vec<Sim> = (0..n).map(|i| Sim::generate(&mut r, &g.city, i, n, period_start(), end)).collect();
        assert!(sims.windows(2).all(|w| w[0].received_at <= w[1].received_at && w[0].id < w[1].id), "ids and times increase");
        let share = |f: &dyn Fn(&Sim) -> bool| sims.iter().filter(|s| f(s)).count() as f64 / n as f64;
        let class = |c: &'static str| move |s: &Sim| crate::city::CATEGORIES[s.category].2 == c;
        assert!((share(&class("major")) - 0.20).abs() < 0.02);
        assert!((share(&class("minor")) - 0.45).abs() < 0.02);
        assert!((share(&class("private")) - 0.35).abs() < 0.02);
        let closed = share(&|s| s.status() == "closed");
        assert!(closed > 0.85 && closed < 0.97, "most are closed: {closed}");
        let overdue = share(&|s| s.overdue(end));
        assert!(overdue > 0.03 && overdue < 0.15, "some are overdue: {overdue}");
        let mut statuses: HashMap<&str, usize> = HashMap::new();
        for s in &sims {
            *statuses.entry(s.status()).or_default() += 1;
            assert!(s.steps.windows(2).all(|w| w[0].at <= w[1].at), "timeline in order");
            assert!(s.steps.iter().all(|st| st.at < end), "nothing after the end of the period");
            assert_eq!(s.steps[0].kind, "submitted");
            assert!(s.location.is_some() || s.address.is_some(), "a location or an address");
            assert_eq!(s.rating.is_some(), s.steps.iter().any(|st| st.kind == "rated"));
        }
        for st in ["submitted", "dispatched", "in_progress", "resolved", "closed", "withdrawn"] {
            assert!(statuses.contains_key(st), "{st} occurs: {statuses:?}");
        }
        let recent_open = sims.iter().filter(|s| end - s.received_at < TimeDelta::days(2)).filter(|s| s.status() != "closed").count();
        assert!(recent_open > 0, "the newest requests are still open");
    }

    #[test]
    fn ids_follow_time() {
        let mut r = rng(1);
        let t = period_end();
        let a = id_at(&mut r, t);
        let b = id_at(&mut r, t + TimeDelta::milliseconds(1));
        assert!(a < b);
        assert_eq!(uuid::Uuid::parse_str(&a).map(|u| u.get_version_num()), Ok(7));
        assert_ne!(id_at(&mut rng(1), t), id_at(&mut rng(2), t));
    }
}
