//! Measures of request handling, as hotlines (12345) publish them: response rate (响应率),
//! closure rate (办结率), on-time rate (按时办结率), satisfaction rate (满意率) and average
//! handling time. Pure arithmetic over counts; the caller counts.

use crate::DomainError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Counts over one unit (a community, a department, a period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Requests received (submitted) in the period.
    pub received: u64,
    /// Of those, accepted or answered within the response window.
    pub responded: u64,
    /// Of those, resolved (办结).
    pub resolved: u64,
    /// Of the resolved, resolved by their deadline (see [`super::closed_on_time`]).
    pub resolved_on_time: u64,
    /// Resolved requests the resident rated.
    pub rated: u64,
    /// Of the rated, satisfied or basically satisfied.
    pub satisfied: u64,
    /// Sum over the resolved of the seconds from submission to resolution.
    pub total_handling_seconds: u64,
}

/// Rates as fractions in 0..=1 (hours for the average); `None` when the denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// responded / received.
    pub response_rate: Option<f64>,
    /// resolved / received.
    pub closure_rate: Option<f64>,
    /// resolved_on_time / resolved.
    pub on_time_rate: Option<f64>,
    /// satisfied / rated.
    pub satisfaction_rate: Option<f64>,
    /// total_handling_seconds / resolved / 3600.
    pub average_handling_hours: Option<f64>,
}

/// Hours after receipt within which handling must start for a request to count as responded
/// (响应): a department accepting a major matter, or the community taking up a minor or private one.
pub const RESPONSE_WINDOW_HOURS: i64 = 24;

/// True when handling started at `responded_at` within [`RESPONSE_WINDOW_HOURS`] of `received_at`.
pub fn responded_in_time(received_at: DateTime<Utc>, responded_at: DateTime<Utc>) -> bool {
    responded_at <= received_at + TimeDelta::hours(RESPONSE_WINDOW_HOURS)
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl std::ops::AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.received += o.received;
        self.responded += o.responded;
        self.resolved += o.resolved;
        self.resolved_on_time += o.resolved_on_time;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.total_handling_seconds += o.total_handling_seconds;
    }
}

impl Counts {
    pub fn rates(&self) -> Rates {
        Rates {
            response_rate: ratio(self.responded, self.received),
            closure_rate: ratio(self.resolved, self.received),
            on_time_rate: ratio(self.resolved_on_time, self.resolved),
            satisfaction_rate: ratio(self.satisfied, self.rated),
            average_handling_hours: ratio(self.total_handling_seconds, self.resolved).map(|s| s / 3600.0),
        }
    }
}

/// A measure to rank by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    ResponseRate,
    ClosureRate,
    OnTimeRate,
    SatisfactionRate,
    /// Lower is better.
    AverageHandlingHours,
}

impl Metric {
    pub const ALL: [Metric; 5] =
        [Metric::ResponseRate, Metric::ClosureRate, Metric::OnTimeRate, Metric::SatisfactionRate, Metric::AverageHandlingHours];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::ResponseRate => "response_rate",
            Metric::ClosureRate => "closure_rate",
            Metric::OnTimeRate => "on_time_rate",
            Metric::SatisfactionRate => "satisfaction_rate",
            Metric::AverageHandlingHours => "average_handling_hours",
        }
    }

    pub fn parse(s: &str) -> Result<Metric, DomainError> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
            DomainError::field(
                "metric",
                "invalid_value",
                "metric must be one of response_rate, closure_rate, on_time_rate, satisfaction_rate, average_handling_hours",
            )
        })
    }

    /// The sample behind the metric: its denominator.
    pub fn sample(self, c: &Counts) -> u64 {
        match self {
            Metric::ResponseRate | Metric::ClosureRate => c.received,
            Metric::OnTimeRate | Metric::AverageHandlingHours => c.resolved,
            Metric::SatisfactionRate => c.rated,
        }
    }

    pub fn value(self, r: &Rates) -> Option<f64> {
        match self {
            Metric::ResponseRate => r.response_rate,
            Metric::ClosureRate => r.closure_rate,
            Metric::OnTimeRate => r.on_time_rate,
            Metric::SatisfactionRate => r.satisfaction_rate,
            Metric::AverageHandlingHours => r.average_handling_hours,
        }
    }

    /// Orders two values best first.
    fn best_first(self, a: f64, b: f64) -> Ordering {
        match self {
            Metric::AverageHandlingHours => a.total_cmp(&b),
            _ => b.total_cmp(&a),
        }
    }
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked<K> {
    pub key: K,
    pub counts: Counts,
    pub rates: Rates,
    /// The metric's sample: its denominator.
    pub sample: u64,
    /// The metric's value, shown even when unranked.
    pub value: Option<f64>,
    /// 1-based; equal values share a rank (1, 2, 2, 4). `None` when the sample is below the
    /// minimum or the metric has no value.
    pub rank: Option<usize>,
}

/// Ranks rows by `metric`, best first (rates descending, handling hours ascending), ties in key
/// order. Rows whose sample (the metric's denominator) is below `min_sample`, or that have no
/// value, follow unranked, in key order.
pub fn rank<K: Ord>(rows: Vec<(K, Counts)>, metric: Metric, min_sample: u64) -> Vec<Ranked<K>> {
    let mut out: Vec<Ranked<K>> = rows
        .into_iter()
        .map(|(key, counts)| {
            let rates = counts.rates();
            let sample = metric.sample(&counts);
            let value = metric.value(&rates);
            Ranked { key, counts, rates, sample, value, rank: None }
        })
        .collect();
    let eligible = |r: &Ranked<K>| r.value.filter(|_| r.sample >= min_sample);
    out.sort_by(|a, b| {
        let by_value = match (eligible(a), eligible(b)) {
            (Some(x), Some(y)) => metric.best_first(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_value.then_with(|| a.key.cmp(&b.key))
    });
    let mut previous: Option<(f64, usize)> = None;
    for (i, row) in out.iter_mut().enumerate() {
        let Some(v) = eligible(row) else { break };
        let rank = match previous {
            Some((p, r)) if p == v => r,
            _ => i + 1,
        };
        row.rank = Some(rank);
        previous = Some((v, rank));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 received, 38 responded, 32 resolved (30 on time) taking 36 h on average, 25 rated with
    /// 24 satisfied or basically satisfied.
    const SAMPLE: Counts = Counts {
        received: 40,
        responded: 38,
        resolved: 32,
        resolved_on_time: 30,
        rated: 25,
        satisfied: 24,
        total_handling_seconds: 32 * 36 * 3600,
    };

    fn counts(received: u64, resolved: u64) -> Counts {
        Counts { received, resolved, ..Counts::default() }
    }

    #[test]
    fn rates_by_hand() {
        let r = SAMPLE.rates();
        assert_eq!(r.response_rate, Some(0.95));
        assert_eq!(r.closure_rate, Some(0.8));
        assert_eq!(r.on_time_rate, Some(0.9375));
        assert_eq!(r.satisfaction_rate, Some(0.96));
        assert_eq!(r.average_handling_hours, Some(36.0));

        let none = Counts::default().rates();
        assert_eq!(none, Rates { response_rate: None, closure_rate: None, on_time_rate: None, satisfaction_rate: None, average_handling_hours: None });
        let unresolved = counts(5, 0).rates();
        assert_eq!((unresolved.closure_rate, unresolved.on_time_rate, unresolved.average_handling_hours), (Some(0.0), None, None));
    }

    #[test]
    fn response_window() {
        let t0 = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 1, 0, 0).unwrap();
        assert!(responded_in_time(t0, t0 + TimeDelta::hours(24)));
        assert!(!responded_in_time(t0, t0 + TimeDelta::hours(24) + TimeDelta::seconds(1)));
    }

    #[test]
    fn metrics() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.as_str()).unwrap(), m);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{}\"", m.as_str()));
        }
        assert!(Metric::parse("speed").is_err());
        let samples: Vec<u64> = Metric::ALL.iter().map(|m| m.sample(&SAMPLE)).collect();
        assert_eq!(samples, [40, 40, 32, 25, 32]);
    }

    #[test]
    fn ranking_with_ties_and_small_samples() {
        let rows = vec![
            ("d", counts(10, 9)),   // 0.9
            ("b", counts(20, 18)),  // 0.9, ties with d
            ("a", counts(4, 4)),    // 1.0 but below the minimum sample
            ("c", counts(10, 10)),  // 1.0
            ("e", counts(10, 5)),   // 0.5
            ("f", counts(0, 0)),    // no value
            ("g", counts(30, 27)),  // 0.9, ties with b and d
        ];
        let ranked = rank(rows, Metric::ClosureRate, 10);
        let got: Vec<_> = ranked.iter().map(|r| (r.key, r.rank)).collect();
        assert_eq!(got, [("c", Some(1)), ("b", Some(2)), ("d", Some(2)), ("g", Some(2)), ("e", Some(5)), ("a", None), ("f", None)]);
        assert_eq!((ranked[5].value, ranked[5].sample), (Some(1.0), 4), "unranked rows still show their value");
        assert_eq!(ranked[6].value, None);

        let all = rank(vec![("x", counts(1, 1)), ("y", counts(0, 0))], Metric::ClosureRate, 0);
        assert_eq!(all.iter().map(|r| r.rank).collect::<Vec<_>>(), [Some(1), None], "no value, no rank, even with no minimum");
    }

    #[test]
    fn faster_handling_ranks_higher() {
        let hours = |resolved: u64, h: u64| Counts { received: resolved, resolved, total_handling_seconds: resolved * h * 3600, ..Counts::default() };
        let ranked = rank(vec![(2, hours(5, 48)), (1, hours(5, 12)), (3, hours(5, 12)), (4, hours(2, 1))], Metric::AverageHandlingHours, 3);
        let got: Vec<_> = ranked.iter().map(|r| (r.key, r.rank, r.value)).collect();
        assert_eq!(got, [(1, Some(1), Some(12.0)), (3, Some(1), Some(12.0)), (2, Some(3), Some(48.0)), (4, None, Some(1.0))]);
    }
}
