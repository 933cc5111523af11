//! The cost review's questions: which period, which metric, grouped by what, narrowed to
//! what; and the answers beyond daily spend: the month's forecast and the anomalies.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which cost a figure is (Cost Explorer's metric names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Metric {
    #[default]
    UnblendedCost,
    AmortizedCost,
    NetUnblendedCost,
}

impl Metric {
    pub const ALL: [Metric; 3] = [
        Metric::UnblendedCost,
        Metric::AmortizedCost,
        Metric::NetUnblendedCost,
    ];

    /// The provider's name of the metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::UnblendedCost => "UnblendedCost",
            Metric::AmortizedCost => "AmortizedCost",
            Metric::NetUnblendedCost => "NetUnblendedCost",
        }
    }

    /// Reads `unblended`, `amortized`, `net-unblended` or the provider's names.
    pub fn parse(s: &str) -> Option<Metric> {
        let s = s.trim().to_ascii_lowercase().replace(['-', '_'], "");
        match s.as_str() {
            "unblended" | "unblendedcost" => Some(Metric::UnblendedCost),
            "amortized" | "amortizedcost" => Some(Metric::AmortizedCost),
            "netunblended" | "netunblendedcost" => Some(Metric::NetUnblendedCost),
            _ => None,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Daily or monthly amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Granularity {
    #[default]
    Daily,
    Monthly,
}

impl Granularity {
    /// The provider's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Daily => "DAILY",
            Granularity::Monthly => "MONTHLY",
        }
    }
}

/// What amounts are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum GroupBy {
    #[default]
    Service,
    LinkedAccount,
    Region,
    UsageType,
    /// A cost allocation tag's key.
    Tag(String),
}

impl GroupBy {
    /// Reads `service`, `account` (`linked-account`), `region`, `usage-type`, `tag:KEY`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        let trimmed = s.trim();
        if let Some(key) = trimmed
            .strip_prefix("tag:")
            .or_else(|| trimmed.strip_prefix("TAG:"))
        {
            return (!key.is_empty()).then(|| GroupBy::Tag(key.to_string()));
        }
        match trimmed.to_ascii_lowercase().replace('_', "-").as_str() {
            "service" => Some(GroupBy::Service),
            "account" | "linked-account" => Some(GroupBy::LinkedAccount),
            "region" => Some(GroupBy::Region),
            "usage-type" | "usage" => Some(GroupBy::UsageType),
            _ => None,
        }
    }

    /// The provider's dimension name (a tag's key for a tag).
    pub fn dimension(&self) -> &str {
        match self {
            GroupBy::Service => "SERVICE",
            GroupBy::LinkedAccount => "LINKED_ACCOUNT",
            GroupBy::Region => "REGION",
            GroupBy::UsageType => "USAGE_TYPE",
            GroupBy::Tag(key) => key,
        }
    }

    /// What the operator calls it ("service", "tag:team").
    pub fn label(&self) -> String {
        match self {
            GroupBy::Service => "service".to_string(),
            GroupBy::LinkedAccount => "account".to_string(),
            GroupBy::Region => "region".to_string(),
            GroupBy::UsageType => "usage type".to_string(),
            GroupBy::Tag(key) => format!("tag:{key}"),
        }
    }
}

/// A narrowing of a query to one value of a dimension (a drill-down step).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostFilter {
    pub dimension: GroupBy,
    pub value: String,
}

/// One question to the cost provider: a period (end exclusive), a granularity, a
/// metric, a grouping and the drill-down filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostQuery {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub granularity: Granularity,
    pub metric: Metric,
    pub group_by: GroupBy,
    pub filters: Vec<CostFilter>,
}

impl CostQuery {
    /// Daily unblended cost by service: what the Cost tab first shows.
    pub fn daily_by_service(start: NaiveDate, end: NaiveDate) -> CostQuery {
        CostQuery {
            start,
            end,
            granularity: Granularity::Daily,
            metric: Metric::UnblendedCost,
            group_by: GroupBy::Service,
            filters: Vec::new(),
        }
    }

    /// True for the plain question every provider answers (daily, unblended, by
    /// service, unfiltered).
    pub fn is_daily_by_service(&self) -> bool {
        *self == CostQuery::daily_by_service(self.start, self.end)
    }

    /// A stable text naming the query, for a cache's file name.
    pub fn cache_key(&self) -> String {
        let mut key = format!(
            "{}_{}_{}_{}_{}",
            self.start,
            self.end,
            self.granularity.as_str(),
            self.metric.as_str(),
            self.group_by.dimension()
        );
        for filter in &self.filters {
            key.push_str(&format!(
                "_{}={}",
                filter.dimension.dimension(),
                filter.value
            ));
        }
        key.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_=.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }
}

/// A period as the operator names it, turned into dates on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    /// The last N days, up to and including today.
    LastDays(u32),
    MonthToDate,
    LastMonth,
    /// From `start` to `end` (exclusive).
    Range(NaiveDate, NaiveDate),
}

impl Period {
    /// Reads `7d`, `30d`, `90d`, `mtd`, `last-month`, or `2026-10-01..2026-11-01`.
    pub fn parse(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        if let Some((a, b)) = s.split_once("..") {
            let date = |t: &str| {
                NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                    .map_err(|_| format!("`{t}` is not a date (YYYY-MM-DD)"))
            };
            let (start, end) = (date(a)?, date(b)?);
            if start == end {
                return Err(format!(
                    "the range {s} holds no day: its end is not included (for that one day: {start}..{})",
                    end.succ_opt().unwrap_or(end)
                ));
            }
            if start > end {
                return Err(format!("the range {s} ends before it starts"));
            }
            return Ok(Period::Range(start, end));
        }
        match lower.as_str() {
            "mtd" | "month-to-date" => return Ok(Period::MonthToDate),
            "last-month" | "lastmonth" => return Ok(Period::LastMonth),
            _ => {}
        }
        if let Some(days) = lower.strip_suffix('d')
            && let Ok(n) = days.parse::<u32>()
            && (1..=400).contains(&n)
        {
            return Ok(Period::LastDays(n));
        }
        Err(format!(
            "`{s}` is not a period: 7d, 30d, 90d, mtd, last-month, or FROM..TO \
             (2026-10-01..2026-11-01, the end not included)"
        ))
    }

    /// The dates of the period on `today`: start, and end (exclusive).
    pub fn dates(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let tomorrow = today.succ_opt().unwrap_or(today);
        let first = today.with_day(1).unwrap_or(today);
        match self {
            Period::LastDays(n) => (
                tomorrow
                    .checked_sub_days(Days::new(u64::from(n)))
                    .unwrap_or(today),
                tomorrow,
            ),
            Period::MonthToDate => (first, tomorrow),
            Period::LastMonth => (
                first.checked_sub_months(Months::new(1)).unwrap_or(first),
                first,
            ),
            Period::Range(start, end) => (start, end),
        }
    }

    /// The period of equal length just before (for the change against it).
    pub fn previous(start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
        let days = (end - start).num_days().max(1) as u64;
        (
            start.checked_sub_days(Days::new(days)).unwrap_or(start),
            start,
        )
    }

    /// The dates the period on `today` is compared with (end exclusive): a calendar month
    /// (or several) with the month(s) before, month to date with the same days of the month
    /// before (as many as the month before has), the last N days or any other range with
    /// the equal period just before.
    pub fn compared(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let (start, end) = self.dates(today);
        match self {
            Period::MonthToDate => {
                let days = (end - start).num_days().max(0) as u64;
                let before = start.checked_sub_months(Months::new(1)).unwrap_or(start);
                let same_days = before.checked_add_days(Days::new(days)).unwrap_or(start);
                (before, same_days.min(start))
            }
            Period::LastMonth => (
                start.checked_sub_months(Months::new(1)).unwrap_or(start),
                start,
            ),
            Period::Range(..) if start.day() == 1 && end.day() == 1 => {
                let months = (end.year() * 12 + end.month0() as i32)
                    - (start.year() * 12 + start.month0() as i32);
                (
                    start
                        .checked_sub_months(Months::new(months.max(1) as u32))
                        .unwrap_or(start),
                    start,
                )
            }
            Period::LastDays(_) | Period::Range(..) => Period::previous(start, end),
        }
    }

    /// Dates as a screen names them, the last day included: "2026-11-01 → 2026-11-30".
    pub fn span(start: NaiveDate, end: NaiveDate) -> String {
        let last = end.pred_opt().unwrap_or(end);
        if last <= start {
            start.to_string()
        } else {
            format!("{start} → {last}")
        }
    }

    /// A label for the screen ("last 30 days", "2026-10-01 → 2026-10-31").
    pub fn label(self) -> String {
        match self {
            Period::LastDays(n) => format!("last {n} days"),
            Period::MonthToDate => "month to date".to_string(),
            Period::LastMonth => "last month".to_string(),
            Period::Range(start, end) => {
                let last = end.pred_opt().unwrap_or(end);
                format!("{start} → {last}")
            }
        }
    }
}

/// The provider's forecast of spend to the end of a period, with its prediction interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub unit: String,
    pub mean: Decimal,
    pub low: Decimal,
    pub high: Decimal,
}

/// Where an anomaly came from, as far as the provider knows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RootCause {
    pub service: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub usage_type: Option<String>,
}

/// A spend anomaly the provider detected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostAnomaly {
    pub id: String,
    pub start: NaiveDate,
    /// None while it goes on.
    pub end: Option<NaiveDate>,
    pub unit: String,
    /// Spend above what was expected.
    pub impact: Decimal,
    pub root_causes: Vec<RootCause>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_parse_and_resolve_to_dates() {
        let today = d("2026-11-25");
        assert_eq!(Period::parse("30d"), Ok(Period::LastDays(30)));
        assert_eq!(
            Period::LastDays(7).dates(today),
            (d("2026-11-19"), d("2026-11-26"))
        );
        assert_eq!(
            Period::parse("mtd").unwrap().dates(today),
            (d("2026-11-01"), d("2026-11-26"))
        );
        assert_eq!(
            Period::parse("last-month").unwrap().dates(today),
            (d("2026-10-01"), d("2026-11-01"))
        );
        assert_eq!(
            Period::parse("2026-10-01..2026-11-01"),
            Ok(Period::Range(d("2026-10-01"), d("2026-11-01")))
        );
        assert!(
            Period::parse("2026-11-01..2026-10-01")
                .unwrap_err()
                .contains("ends before it starts")
        );
        // A range whose end is its start holds no day, and is told so.
        assert!(
            Period::parse("2026-12-05..2026-12-05")
                .unwrap_err()
                .contains("holds no day: its end is not included (for that one day: 2026-12-05..2026-12-06)")
        );
        assert!(
            Period::parse("fortnight")
                .unwrap_err()
                .contains("not a period")
        );
        assert_eq!(
            Period::previous(d("2026-10-01"), d("2026-11-01")),
            (d("2026-08-31"), d("2026-10-01"))
        );
    }

    #[test]
    fn a_month_compares_with_the_calendar_month_before_and_mtd_with_its_same_days() {
        let today = d("2026-12-05");
        assert_eq!(
            Period::LastMonth.compared(today),
            (d("2026-10-01"), d("2026-11-01"))
        );
        assert_eq!(
            Period::LastMonth.compared(d("2026-03-31")),
            (d("2026-01-01"), d("2026-02-01"))
        );
        assert_eq!(
            Period::MonthToDate.compared(today),
            (d("2026-11-01"), d("2026-11-06"))
        );
        // The month before is shorter: all of it, never a day of this month.
        assert_eq!(
            Period::MonthToDate.compared(d("2026-03-31")),
            (d("2026-02-01"), d("2026-03-01"))
        );
        assert_eq!(
            Period::Range(d("2026-10-01"), d("2026-12-01")).compared(today),
            (d("2026-08-01"), d("2026-10-01"))
        );
        assert_eq!(
            Period::LastDays(30).compared(today),
            (d("2026-10-07"), d("2026-11-06"))
        );
        assert_eq!(
            Period::span(d("2026-10-01"), d("2026-11-01")),
            "2026-10-01 → 2026-10-31"
        );
    }

    #[test]
    fn queries_have_stable_cache_keys_and_names_parse() {
        let mut q = CostQuery::daily_by_service(d("2026-10-01"), d("2026-11-01"));
        assert!(q.is_daily_by_service());
        assert_eq!(
            q.cache_key(),
            "2026-10-01_2026-11-01_DAILY_UnblendedCost_SERVICE"
        );
        q.filters.push(CostFilter {
            dimension: GroupBy::Service,
            value: "Amazon Redshift/ca".into(),
        });
        q.group_by = GroupBy::UsageType;
        assert!(!q.is_daily_by_service());
        assert!(!q.cache_key().contains('/'));
        assert_eq!(
            GroupBy::parse("tag:team"),
            Some(GroupBy::Tag("team".into()))
        );
        assert_eq!(GroupBy::parse("usage-type"), Some(GroupBy::UsageType));
        assert_eq!(Metric::parse("amortized"), Some(Metric::AmortizedCost));
        assert_eq!(
            Metric::parse("NetUnblendedCost"),
            Some(Metric::NetUnblendedCost)
        );
        assert_eq!(Metric::parse("blended"), None);
    }
}
