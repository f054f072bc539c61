//! Evaluation (双评议, 双向评估): residents rate their community (群众评议社区), communities rate
//! the departments (社区评议部门), and the government and communities rate the performance of
//! entrustment agreements both ways (双向评估). Results are published and tied to pay, funding
//! and credit (三挂钩一公开).
//!
//! This module holds the pure rules: the campaign state machine, questionnaire items and their
//! answers, the ten aspects a community scores a department on, aggregation (mean, count,
//! distribution, satisfaction rate) and ranking with a minimum sample.
//!
//! **Satisfaction rate (满意率)**, precisely: over the answers that bear on satisfaction, the
//! share that are satisfied. A scale answer (1–5) bears on satisfaction and is satisfied when it
//! is 4 or 5. A choice answer bears on satisfaction when its item has at least one option flagged
//! `satisfied` (e.g. 满意 "satisfied" and 基本满意 "basically satisfied"), and is satisfied when
//! the chosen option is so flagged. Unanswered optional items count nowhere. With no bearing
//! answer the rate is undefined (`None`), never 0.

use crate::error::Validator;
use crate::DomainError;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

named_enum! {
    /// State of an evaluation campaign (评议活动).
    pub enum CampaignState in "state" {
        /// 草稿: being prepared; the questionnaire may still change.
        Draft = "draft",
        /// 进行中: accepting responses and scores.
        Open = "open",
        /// 已结束: no more responses; results visible to civil affairs and auditors.
        Closed = "closed",
        /// 已公开: results public (一公开).
        Published = "published",
    }
}

named_enum! {
    /// A move of the campaign state machine.
    pub enum CampaignAction in "action" {
        Open = "open",
        Close = "close",
        Publish = "publish",
    }
}

impl CampaignState {
    /// The state after `action`, or 409 `invalid_transition`: draft → open → closed → published.
    pub fn apply(self, action: CampaignAction) -> Result<CampaignState, DomainError> {
        use CampaignAction as A;
        use CampaignState as S;
        match (self, action) {
            (S::Draft, A::Open) => Ok(S::Open),
            (S::Open, A::Close) => Ok(S::Closed),
            (S::Closed, A::Publish) => Ok(S::Published),
            (s, a) => Err(DomainError::transition(s.as_str(), a.as_str())),
        }
    }
}

named_enum! {
    /// What a campaign evaluates.
    pub enum CampaignKind in "kinds" {
        /// 群众评议社区: residents (households) rate their community.
        ResidentToCommunity = "resident_to_community",
        /// 社区评议部门: communities rate the departments on ten aspects.
        CommunityToDepartment = "community_to_department",
        /// 双向评估: government and community rate entrustment agreements both ways.
        Agreement = "agreement",
    }
}

/// Parses a non-empty set of kinds without repeats.
pub fn parse_kinds(kinds: &[CampaignKind]) -> Result<Vec<CampaignKind>, DomainError> {
    if kinds.is_empty() {
        return Err(DomainError::field("kinds", "required", "a campaign evaluates at least one kind"));
    }
    let mut seen = HashSet::new();
    if let Some(k) = kinds.iter().find(|k| !seen.insert(**k)) {
        return Err(DomainError::field("kinds", "duplicate", format!("kind {} is listed twice", k.as_str())));
    }
    Ok(kinds.to_vec())
}

/// The evaluation period (评议期): first and last day, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// Field error `period_end`/`before_start` when the end precedes the start.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Period, DomainError> {
        if end < start {
            return Err(DomainError::field("period_end", "before_start", "the period cannot end before it starts"));
        }
        Ok(Period { start, end })
    }

    /// The period as a half-open UTC interval `[start, end)`: its days are China local days
    /// (UTC+8), from 00:00 of the first day to 00:00 of the day after the last.
    pub fn utc_bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let offset = chrono::TimeDelta::hours(8);
        let start = self.start.and_time(NaiveTime::MIN) - offset;
        let end = (self.end + chrono::TimeDelta::days(1)).and_time(NaiveTime::MIN) - offset;
        (start, end)
    }
}

named_enum! {
    /// Kind of questionnaire item.
    pub enum ItemKind in "kind" {
        /// 1–5 scale (1 very dissatisfied … 5 very satisfied).
        Scale = "scale",
        /// One option out of a list.
        Choice = "choice",
    }
}

/// One option of a choice item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable value recorded in answers and CSV files, e.g. `basically_satisfied`.
    pub value: String,
    /// Label shown to respondents, e.g. 基本满意.
    pub label: String,
    /// Whether choosing it counts as satisfied (满意 / 基本满意) in the satisfaction rate.
    #[serde(default)]
    pub satisfied: bool,
}

/// One questionnaire item (问卷题目).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable code: 1–32 lowercase letters, digits or `_`; the CSV column of the item.
    pub code: String,
    pub kind: ItemKind,
    pub prompt: String,
    /// Options of a choice item (2–10); empty for a scale item.
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// Whether every response must answer it (default true).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// Column names of the import file that items may not take.
pub const RESERVED_CODES: [&str; 3] = ["community", "household_key", "suggestion"];
pub const MAX_ITEMS: usize = 50;

fn is_code(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A validated questionnaire (问卷): unique item codes, well-formed options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Questionnaire(Vec<Item>);

impl Questionnaire {
    /// Validates every item, reporting all problems at once under `questionnaire[i]…`.
    pub fn new(items: Vec<Item>) -> Result<Questionnaire, DomainError> {
        let mut v = Validator::new();
        if items.len() > MAX_ITEMS {
            v.push("questionnaire", "too_many", format!("a questionnaire has at most {MAX_ITEMS} items"));
        }
        let mut codes = HashSet::new();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let at = format!("questionnaire[{i}]");
            if !is_code(&item.code) {
                v.push(format!("{at}.code"), "invalid_format", "a code is 1–32 lowercase letters, digits or '_'");
            } else if RESERVED_CODES.contains(&item.code.as_str()) {
                v.push(format!("{at}.code"), "reserved", format!("'{}' names a column of the import file", item.code));
            } else if !codes.insert(item.code.clone()) {
                v.push(format!("{at}.code"), "duplicate", format!("code '{}' is used twice", item.code));
            }
            let prompt = v.text(&format!("{at}.prompt"), &item.prompt, 200);
            let mut options = Vec::new();
            match item.kind {
                ItemKind::Scale if !item.options.is_empty() => {
                    v.push(format!("{at}.options"), "not_allowed", "a scale item has no options");
                }
                ItemKind::Scale => {}
                ItemKind::Choice => {
                    if !(2..=10).contains(&item.options.len()) {
                        v.push(format!("{at}.options"), "out_of_range", "a choice item has 2–10 options");
                    }
                    let mut values = HashSet::new();
                    for (j, o) in item.options.iter().enumerate() {
                        if !is_code(&o.value) {
                            v.push(format!("{at}.options[{j}].value"), "invalid_format", "an option value is 1–32 lowercase letters, digits or '_'");
                        } else if !values.insert(o.value.clone()) {
                            v.push(format!("{at}.options[{j}].value"), "duplicate", format!("option '{}' is listed twice", o.value));
                        }
                        if let Some(label) = v.text(&format!("{at}.options[{j}].label"), &o.label, 50) {
                            options.push(ChoiceOption { value: o.value.clone(), label, satisfied: o.satisfied });
                        }
                    }
                }
            }
            if let Some(prompt) = prompt {
                out.push(Item { code: item.code, kind: item.kind, prompt, options, required: item.required });
            }
        }
        v.finish()?;
        Ok(Questionnaire(out))
    }

    /// Wraps a questionnaire read back from storage (validated when it was written).
    pub fn from_stored(items: Vec<Item>) -> Questionnaire {
        Questionnaire(items)
    }

    pub fn items(&self) -> &[Item] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses one response: `raw` maps item codes to their text form (`"4"`, `"satisfied"`);
    /// blank means unanswered. Field errors name `{prefix}{code}`.
    pub fn parse_answers(&self, raw: &BTreeMap<String, String>, prefix: &str) -> Result<Answers, DomainError> {
        let mut v = Validator::new();
        for code in raw.keys() {
            if !self.0.iter().any(|i| &i.code == code) {
                v.push(format!("{prefix}{code}"), "unknown_item", format!("the questionnaire has no item '{code}'"));
            }
        }
        let mut out = BTreeMap::new();
        for item in &self.0 {
            let field = format!("{prefix}{}", item.code);
            match raw.get(&item.code).map(|s| s.trim()).filter(|s| !s.is_empty()) {
                None if item.required => v.push(field, "required", format!("item '{}' must be answered", item.code)),
                None => {}
                Some(s) => {
                    if let Some(a) = v.check(Answer::parse(item, s, &field)) {
                        out.insert(item.code.clone(), a);
                    }
                }
            }
        }
        v.finish()?;
        Ok(Answers(out))
    }
}

/// One answer: a scale value 1–5 or a choice option's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Scale(u8),
    Choice(String),
}

impl Answer {
    /// Field errors on `field`: `out_of_range` (scale not 1–5), `invalid_value` (not an option).
    pub fn parse(item: &Item, s: &str, field: &str) -> Result<Answer, DomainError> {
        match item.kind {
            ItemKind::Scale => match s.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Ok(Answer::Scale(n)),
                _ => Err(DomainError::field(field, "out_of_range", "a scale answer is a whole number from 1 to 5")),
            },
            ItemKind::Choice => item.options.iter().find(|o| o.value == s).map(|o| Answer::Choice(o.value.clone())).ok_or_else(|| {
                let values: Vec<&str> = item.options.iter().map(|o| o.value.as_str()).collect();
                DomainError::field(field, "invalid_value", format!("the answer must be one of: {}", values.join(", ")))
            }),
        }
    }

    /// The text form used in CSV files and answer maps.
    pub fn text(&self) -> String {
        match self {
            Answer::Scale(n) => n.to_string(),
            Answer::Choice(s) => s.clone(),
        }
    }

    /// `Some(satisfied)` when the answer bears on satisfaction (see the module doc).
    pub fn satisfaction(&self, item: &Item) -> Option<bool> {
        match self {
            Answer::Scale(n) => Some(*n >= 4),
            Answer::Choice(v) if item.options.iter().any(|o| o.satisfied) => Some(item.options.iter().any(|o| o.satisfied && &o.value == v)),
            Answer::Choice(_) => None,
        }
    }
}

/// The answers of one response, by item code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answers(pub BTreeMap<String, Answer>);

/// Rounds a published figure to 4 decimal places (ties compare on the rounded value).
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| round4(numerator as f64 / denominator as f64))
}

/// Mean, count and distribution of 1–5 scores.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ScaleSummary {
    pub count: u64,
    /// Arithmetic mean rounded to 4 decimals; `None` with no score.
    pub mean: Option<f64>,
    /// Number of 1s, 2s, 3s, 4s and 5s.
    pub distribution: [u64; 5],
}

impl ScaleSummary {
    pub fn add(&mut self, score: u8) {
        if (1..=5).contains(&score) {
            self.distribution[usize::from(score - 1)] += 1;
            self.count += 1;
            let sum: u64 = self.distribution.iter().zip(1u64..).map(|(n, s)| n * s).sum();
            self.mean = ratio(sum, self.count);
        }
    }
    pub fn of(scores: impl IntoIterator<Item = u8>) -> ScaleSummary {
        let mut s = ScaleSummary::default();
        scores.into_iter().for_each(|x| s.add(x));
        s
    }
    /// Share of 4s and 5s.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.distribution[3] + self.distribution[4], self.count)
    }
}

/// Aggregate of one item over a set of responses.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSummary {
    pub code: String,
    pub kind: ItemKind,
    /// Responses (households) answering the item.
    pub count: u64,
    /// Mean of a scale item (4 decimals).
    pub mean: Option<f64>,
    /// Answers per value: "1"…"5" for a scale item, each option's value for a choice item.
    pub distribution: BTreeMap<String, u64>,
    /// Satisfied answers, when the item bears on satisfaction.
    pub satisfied: Option<u64>,
    pub satisfaction_rate: Option<f64>,
}

/// Aggregate of a set of responses (one community's households).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseSummary {
    /// Responses (households) counted: the sample size.
    pub respondents: u64,
    /// Answers bearing on satisfaction.
    pub rated_answers: u64,
    pub satisfied_answers: u64,
    /// satisfied_answers / rated_answers (see the module doc).
    pub satisfaction_rate: Option<f64>,
    pub items: Vec<ItemSummary>,
}

/// Aggregates responses against their questionnaire.
pub fn summarize(q: &Questionnaire, responses: &[Answers]) -> ResponseSummary {
    let (mut rated, mut satisfied) = (0u64, 0u64);
    let items = q
        .items()
        .iter()
        .map(|item| {
            let mut distribution: BTreeMap<String, u64> = match item.kind {
                ItemKind::Scale => (1..=5).map(|n: u8| (n.to_string(), 0)).collect(),
                ItemKind::Choice => item.options.iter().map(|o| (o.value.clone(), 0)).collect(),
            };
            let mut scale = ScaleSummary::default();
            let (mut count, mut item_rated, mut item_satisfied) = (0u64, 0u64, 0u64);
            for a in responses.iter().filter_map(|r| r.0.get(&item.code)) {
                count += 1;
                *distribution.entry(a.text()).or_insert(0) += 1;
                if let Answer::Scale(n) = a {
                    scale.add(*n);
                }
                if let Some(s) = a.satisfaction(item) {
                    item_rated += 1;
                    item_satisfied += u64::from(s);
                }
            }
            rated += item_rated;
            satisfied += item_satisfied;
            let bears = item.kind == ItemKind::Scale || item.options.iter().any(|o| o.satisfied);
            ItemSummary {
                code: item.code.clone(),
                kind: item.kind,
                count,
                mean: scale.mean,
                distribution,
                satisfied: bears.then_some(item_satisfied),
                satisfaction_rate: if bears { ratio(item_satisfied, item_rated) } else { None },
            }
        })
        .collect();
    ResponseSummary {
        respondents: responses.len() as u64,
        rated_answers: rated,
        satisfied_answers: satisfied,
        satisfaction_rate: ratio(satisfied, rated),
        items,
    }
}

named_enum! {
    /// The ten aspects a community scores each department on (社区评议部门十个方面).
    pub enum Aspect in "aspect" {
        /// 任务下派: how the department pushes tasks down to communities.
        TasksPushedDown = "tasks_pushed_down",
        /// 创建评比: creation / assessment projects imposed on communities.
        CreationProjects = "creation_projects",
        /// 费随事转: whether funding followed the task.
        FundingFollowsTask = "funding_follows_task",
        /// 工作作风: work style.
        WorkStyle = "work_style",
        /// 服务态度: service attitude.
        ServiceAttitude = "service_attitude",
        /// 办事效率: efficiency.
        Efficiency = "efficiency",
        /// 协调配合: coordination.
        Coordination = "coordination",
        /// 信息共享: information sharing.
        InformationSharing = "information_sharing",
        /// 尊重自治: respecting community autonomy.
        RespectForAutonomy = "respect_for_autonomy",
        /// 减负成效: burden reduction.
        BurdenReduction = "burden_reduction",
    }
}

/// A score of one aspect: 1–5 with an optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspectScore {
    pub score: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A community's complete scoring of one department: every aspect exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentScoring(pub BTreeMap<String, AspectScore>);

impl DepartmentScoring {
    /// `raw` maps aspect names to (score, comment). Field errors under `scores.{aspect}`:
    /// `invalid_value` (unknown aspect), `required` (aspect missing), `out_of_range`, `too_long`.
    pub fn new(raw: &BTreeMap<String, (i64, Option<String>)>) -> Result<DepartmentScoring, DomainError> {
        let names: Vec<&str> = Aspect::ALL.iter().map(|a| a.as_str()).collect();
        parse_scores(raw, &names).map(DepartmentScoring)
    }

    pub fn score(&self, aspect: Aspect) -> Option<u8> {
        self.0.get(aspect.as_str()).map(|s| s.score)
    }
}

/// Parses a complete scoring over the aspects `names`: every aspect exactly once, 1–5, with an
/// optional comment of at most 500 characters. Field errors under `scores.{aspect}`.
fn parse_scores(raw: &BTreeMap<String, (i64, Option<String>)>, names: &[&str]) -> Result<BTreeMap<String, AspectScore>, DomainError> {
    let mut v = Validator::new();
    for name in raw.keys() {
        if !names.contains(&name.as_str()) {
            v.push(format!("scores.{name}"), "invalid_value", format!("'{name}' is not one of the aspects: {}", names.join(", ")));
        }
    }
    let mut out = BTreeMap::new();
    for name in names {
        let field = format!("scores.{name}");
        match raw.get(*name) {
            None => v.push(field, "required", format!("aspect {name} must be scored")),
            Some((score, comment)) => {
                if !(1..=5).contains(score) {
                    v.push(format!("{field}.score"), "out_of_range", "a score is a whole number from 1 to 5");
                    continue;
                }
                let comment = v.check(crate::error::optional_text(&format!("{field}.comment"), comment.as_deref(), 500));
                if let Some(comment) = comment {
                    out.insert(name.to_string(), AspectScore { score: *score as u8, comment });
                }
            }
        }
    }
    v.finish()?;
    Ok(out)
}

named_enum! {
    /// The aspects each side rates an entrustment agreement on (双向评估).
    pub enum AgreementAspect in "aspect" {
        /// 经费到位: funds paid as promised.
        FundsPaid = "funds_paid",
        /// 任务明确: the entrusted tasks were clear.
        TaskClarity = "task_clarity",
        /// 配合: cooperation of the other side.
        Cooperation = "cooperation",
        /// 完成质量: quality of delivery.
        DeliveryQuality = "delivery_quality",
    }
}

named_enum! {
    /// Which side of an entrustment agreement rates it (双向评估).
    pub enum AgreementSide in "side" {
        /// 政府方: the entrusting department, or the street that signed.
        Government = "government",
        /// 社区方: the entrusted community.
        Community = "community",
    }
}

/// One side's rating of an entrustment agreement: every [`AgreementAspect`] exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementScoring(pub BTreeMap<String, AspectScore>);

impl AgreementScoring {
    /// As [`DepartmentScoring::new`], over the four agreement aspects.
    pub fn new(raw: &BTreeMap<String, (i64, Option<String>)>) -> Result<AgreementScoring, DomainError> {
        let names: Vec<&str> = AgreementAspect::ALL.iter().map(|a| a.as_str()).collect();
        parse_scores(raw, &names).map(AgreementScoring)
    }

    /// Mean of the aspect scores, 4 decimals.
    pub fn mean(&self) -> Option<f64> {
        ScaleSummary::of(self.0.values().map(|s| s.score)).mean
    }
}

/// Per-aspect and overall aggregate of the scorings a department received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentSummary {
    /// Scorings (one per community): the sample size.
    pub submissions: u64,
    pub aspects: Vec<(Aspect, ScaleSummary)>,
    /// Mean over every aspect score: each scoring weighs the ten aspects equally.
    pub overall: ScaleSummary,
}

pub fn summarize_department(scorings: &[DepartmentScoring]) -> DepartmentSummary {
    let aspects: Vec<(Aspect, ScaleSummary)> =
        Aspect::ALL.iter().map(|a| (*a, ScaleSummary::of(scorings.iter().filter_map(|s| s.score(*a))))).collect();
    let overall = ScaleSummary::of(scorings.iter().flat_map(|s| Aspect::ALL.iter().filter_map(|a| s.score(*a))));
    DepartmentSummary { submissions: scorings.len() as u64, aspects, overall }
}

/// Minimum sample for a row to be ranked (default 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinSample(u64);

pub const DEFAULT_MIN_SAMPLE: u64 = 5;

impl MinSample {
    /// Field error `min_sample`/`out_of_range` outside 1–100,000.
    pub fn parse(v: Option<i64>) -> Result<MinSample, DomainError> {
        match v {
            None => Ok(MinSample(DEFAULT_MIN_SAMPLE)),
            Some(n) if (1..=100_000).contains(&n) => Ok(MinSample(n as u64)),
            Some(_) => Err(DomainError::field("min_sample", "out_of_range", "min_sample must be between 1 and 100000")),
        }
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Ranks rows by value, best (highest) first. Rows whose sample is below `min` or whose value is
/// undefined get no rank. Equal values (after [`round4`]) share a rank and the next rank skips
/// (competition ranking: 1, 1, 3). Returns the ranks in the input order.
pub fn rank(rows: &[(Option<f64>, u64)], min: MinSample) -> Vec<Option<u32>> {
    let mut ranked: Vec<(usize, f64)> =
        rows.iter().enumerate().filter(|(_, (v, n))| *n >= min.get() && v.is_some()).map(|(i, (v, _))| (i, round4(v.unwrap_or_default()))).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = vec![None; rows.len()];
    let mut previous: Option<(f64, u32)> = None;
    for (position, (i, v)) in ranked.into_iter().enumerate() {
        let r = match previous {
            Some((pv, pr)) if pv == v => pr,
            _ => position as u32 + 1,
        };
        previous = Some((v, r));
        out[i] = Some(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(code: &str) -> Item {
        Item { code: code.into(), kind: ItemKind::Scale, prompt: "总体满意度".into(), options: vec![], required: true }
    }

    fn choice(code: &str) -> Item {
        let o = |v: &str, l: &str, s| ChoiceOption { value: v.into(), label: l.into(), satisfied: s };
        Item {
            code: code.into(),
            kind: ItemKind::Choice,
            prompt: "对社区服务是否满意".into(),
            options: vec![o("satisfied", "满意", true), o("basically_satisfied", "基本满意", true), o("dissatisfied", "不满意", false)],
            required: false,
        }
    }

    fn answers(q: &Questionnaire, pairs: &[(&str, &str)]) -> Answers {
        q.parse_answers(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), "answers.").unwrap()
    }

    fn codes(e: DomainError) -> Vec<(String, String)> {
        match e {
            DomainError::Validation(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn state_machine() {
        use CampaignAction as A;
        use CampaignState as S;
        assert_eq!(S::Draft.apply(A::Open).unwrap(), S::Open);
        assert_eq!(S::Open.apply(A::Close).unwrap(), S::Closed);
        assert_eq!(S::Closed.apply(A::Publish).unwrap(), S::Published);
        for (s, a) in [(S::Draft, A::Close), (S::Draft, A::Publish), (S::Open, A::Open), (S::Open, A::Publish), (S::Closed, A::Close), (S::Published, A::Publish), (S::Published, A::Open)] {
            assert!(matches!(s.apply(a), Err(DomainError::InvalidTransition { .. })), "{s:?} {a:?}");
        }
    }

    #[test]
    fn kinds_and_period() {
        assert!(parse_kinds(&[]).is_err());
        assert!(parse_kinds(&[CampaignKind::Agreement, CampaignKind::Agreement]).is_err());
        assert_eq!(parse_kinds(&[CampaignKind::ResidentToCommunity]).unwrap().len(), 1);
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(Period::new(d(3, 1), d(3, 1)).is_ok());
        assert_eq!(codes(Period::new(d(3, 2), d(3, 1)).unwrap_err()), vec![("period_end".into(), "before_start".into())]);
    }

    #[test]
    fn questionnaire_validation_reports_everything() {
        let mut bad_choice = choice("service");
        bad_choice.options.truncate(1);
        let mut scale_with_options = scale("x");
        scale_with_options.options = choice("y").options;
        let mut dup_option = choice("z");
        dup_option.options[1].value = "satisfied".into();
        let items = vec![scale("overall"), scale("overall"), scale("Bad-Code"), scale("community"), bad_choice, scale_with_options, dup_option, Item { prompt: " ".into(), ..scale("p") }];
        let errors = codes(Questionnaire::new(items).unwrap_err());
        assert_eq!(
            errors,
            vec![
                ("questionnaire[1].code".into(), "duplicate".into()),
                ("questionnaire[2].code".into(), "invalid_format".into()),
                ("questionnaire[3].code".into(), "reserved".into()),
                ("questionnaire[4].options".into(), "out_of_range".into()),
                ("questionnaire[5].options".into(), "not_allowed".into()),
                ("questionnaire[6].options[1].value".into(), "duplicate".into()),
                ("questionnaire[7].prompt".into(), "required".into()),
            ]
        );
        assert!(Questionnaire::new((0..51).map(|i| scale(&format!("q{i}"))).collect()).is_err());
        assert!(Questionnaire::new(vec![]).unwrap().is_empty());
    }

    #[test]
    fn answers_are_parsed_against_items() {
        let q = Questionnaire::new(vec![scale("overall"), choice("service")]).unwrap();
        let a = answers(&q, &[("overall", " 4 "), ("service", "basically_satisfied")]);
        assert_eq!(a.0["overall"], Answer::Scale(4));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"overall":4,"service":"basically_satisfied"}"#);
        // The optional choice may stay blank; the required scale may not.
        assert_eq!(answers(&q, &[("overall", "5"), ("service", "")]).0.len(), 1);
        let raw = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        assert_eq!(codes(q.parse_answers(&raw(&[]), "").unwrap_err()), vec![("overall".into(), "required".into())]);
        assert_eq!(
            codes(q.parse_answers(&raw(&[("overall", "6"), ("service", "happy"), ("extra", "1")]), "a.").unwrap_err()),
            vec![("a.extra".into(), "unknown_item".into()), ("a.overall".into(), "out_of_range".into()), ("a.service".into(), "invalid_value".into())]
        );
        for bad in ["0", "4.5", "-1", "x"] {
            assert!(q.parse_answers(&raw(&[("overall", bad)]), "").is_err(), "{bad}");
        }
    }

    #[test]
    fn aggregation_on_a_known_set() {
        let q = Questionnaire::new(vec![scale("overall"), choice("service")]).unwrap();
        let rs = vec![
            answers(&q, &[("overall", "5"), ("service", "satisfied")]),
            answers(&q, &[("overall", "4"), ("service", "basically_satisfied")]),
            answers(&q, &[("overall", "3"), ("service", "dissatisfied")]),
            answers(&q, &[("overall", "2")]),
        ];
        let s = summarize(&q, &rs);
        assert_eq!(s.respondents, 4);
        // overall: 5,4,3,2 → mean 3.5, two of four satisfied; service: two of three satisfied.
        assert_eq!(s.items[0].mean, Some(3.5));
        assert_eq!(s.items[0].distribution["2"], 1);
        assert_eq!(s.items[0].distribution["1"], 0);
        assert_eq!(s.items[0].satisfaction_rate, Some(0.5));
        assert_eq!(s.items[1].count, 3);
        assert_eq!(s.items[1].mean, None);
        assert_eq!(s.items[1].satisfaction_rate, Some(0.6667));
        assert_eq!((s.rated_answers, s.satisfied_answers), (7, 4));
        assert_eq!(s.satisfaction_rate, Some(0.5714));
        assert_eq!(summarize(&q, &[]).satisfaction_rate, None);
        // A choice item without satisfied options does not bear on satisfaction.
        let mut neutral = choice("channel");
        neutral.options.iter_mut().for_each(|o| o.satisfied = false);
        let q2 = Questionnaire::new(vec![neutral]).unwrap();
        let s2 = summarize(&q2, &[answers(&q2, &[("channel", "satisfied")])]);
        assert_eq!((s2.rated_answers, s2.satisfaction_rate, s2.items[0].satisfied), (0, None, None));
    }

    #[test]
    fn scale_summary() {
        let s = ScaleSummary::of([1, 2, 2, 5, 5, 5]);
        assert_eq!((s.count, s.mean, s.distribution), (6, Some(3.3333), [1, 2, 0, 0, 3]));
        assert_eq!(s.satisfaction_rate(), Some(0.5));
        assert_eq!(ScaleSummary::default().mean, None);
    }

    fn full(score: i64) -> BTreeMap<String, (i64, Option<String>)> {
        Aspect::ALL.iter().map(|a| (a.as_str().to_string(), (score, None))).collect()
    }

    #[test]
    fn department_scoring_needs_all_ten_aspects() {
        assert_eq!(Aspect::ALL.len(), 10);
        let mut raw = full(4);
        raw.insert("work_style".into(), (3, Some("  台账太多  ".into())));
        let s = DepartmentScoring::new(&raw).unwrap();
        assert_eq!(s.0["work_style"].comment.as_deref(), Some("台账太多"));
        let mut bad = full(4);
        bad.remove("efficiency");
        bad.insert("coordination".into(), (6, None));
        bad.insert("friendliness".into(), (5, None));
        assert_eq!(
            codes(DepartmentScoring::new(&bad).unwrap_err()),
            vec![
                ("scores.friendliness".into(), "invalid_value".into()),
                ("scores.efficiency".into(), "required".into()),
                ("scores.coordination.score".into(), "out_of_range".into()),
            ]
        );
    }

    #[test]
    fn department_summary() {
        let mut a = full(4);
        a.insert("funding_follows_task".into(), (1, None));
        let scorings = vec![DepartmentScoring::new(&a).unwrap(), DepartmentScoring::new(&full(5)).unwrap()];
        let s = summarize_department(&scorings);
        assert_eq!(s.submissions, 2);
        let funding = s.aspects.iter().find(|(a, _)| *a == Aspect::FundingFollowsTask).unwrap().1;
        assert_eq!((funding.mean, funding.distribution), (Some(3.0), [1, 0, 0, 0, 1]));
        // (9×4 + 1 + 10×5) / 20 = 87 / 20.
        assert_eq!((s.overall.count, s.overall.mean), (20, Some(4.35)));
    }

    #[test]
    fn ranking_with_minimum_sample_and_ties() {
        let min = MinSample::parse(None).unwrap();
        assert_eq!(min.get(), 5);
        let rows = [(Some(0.9), 10), (Some(0.95), 4), (Some(0.8), 5), (Some(0.9), 7), (None, 9), (Some(0.7), 50)];
        assert_eq!(rank(&rows, min), vec![Some(1), None, Some(3), Some(1), None, Some(4)]);
        assert_eq!(rank(&rows, MinSample::parse(Some(1)).unwrap())[1], Some(1));
        // Values equal after rounding to four decimals tie.
        assert_eq!(rank(&[(Some(2.0 / 3.0), 5), (Some(0.66667), 5)], min), vec![Some(1), Some(1)]);
        assert!(MinSample::parse(Some(0)).is_err());
        assert!(MinSample::parse(Some(100_001)).is_err());
    }

    #[test]
    fn period_bounds_are_china_local_days() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let (start, end) = Period::new(d(3, 1), d(4, 30)).unwrap().utc_bounds();
        assert_eq!(start, d(2, 28).and_hms_opt(16, 0, 0).unwrap());
        assert_eq!(end, d(4, 30).and_hms_opt(16, 0, 0).unwrap());
    }

    #[test]
    fn agreement_scoring_needs_the_four_aspects() {
        let raw: BTreeMap<String, (i64, Option<String>)> =
            [("funds_paid", 2), ("task_clarity", 4), ("cooperation", 5), ("delivery_quality", 4)].iter().map(|(a, s)| (a.to_string(), (*s, None))).collect();
        let s = AgreementScoring::new(&raw).unwrap();
        assert_eq!(s.mean(), Some(3.75));
        let mut bad = raw.clone();
        bad.remove("cooperation");
        bad.insert("work_style".into(), (3, None));
        assert_eq!(
            codes(AgreementScoring::new(&bad).unwrap_err()),
            vec![("scores.work_style".into(), "invalid_value".into()), ("scores.cooperation".into(), "required".into())]
        );
    }
}
