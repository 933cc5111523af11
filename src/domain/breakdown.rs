//! A cost breakdown: each group's total over a period, its share, its change against the
//! previous equal period, and its amounts per day (or month) for a sparkline. Sums are
//! decimal, so every total equals the sum of its parts exactly.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::cost::{CostFilter, CostQuery, Granularity, GroupBy, Metric, Period};
use super::spend::SpendSeries;

/// What to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRequest {
    pub period: Period,
    pub granularity: Granularity,
    pub metric: Metric,
    pub group_by: GroupBy,
    pub filters: Vec<CostFilter>,
    /// Group by pipeline stage: the provider is asked by service (or by the stages' tag)
    /// and the answer summed into the configured stages.
    pub by_stage: bool,
}

impl Default for CostRequest {
    fn default() -> Self {
        CostRequest {
            period: Period::LastDays(30),
            granularity: Granularity::Daily,
            metric: Metric::UnblendedCost,
            group_by: GroupBy::Service,
            filters: Vec::new(),
            by_stage: false,
        }
    }
}

impl CostRequest {
    /// The grouping as the screen names it ("stage" when grouped by pipeline stage).
    pub fn group_label(&self) -> String {
        if self.by_stage {
            "stage".to_string()
        } else {
            self.group_by.label()
        }
    }

    /// The provider's query of the period on `today`, and of the equal period before it
    /// (by service when grouped by stage).
    pub fn queries(&self, today: NaiveDate) -> (CostQuery, CostQuery) {
        let (start, end) = self.period.dates(today);
        let group_by = if self.by_stage {
            GroupBy::Service
        } else {
            self.group_by.clone()
        };
        let (prev_start, prev_end) = Period::previous(start, end);
        let query = |start, end| CostQuery {
            start,
            end,
            granularity: self.granularity,
            metric: self.metric,
            group_by: group_by.clone(),
            filters: self.filters.clone(),
        };
        (query(start, end), query(prev_start, prev_end))
    }
}

/// A period's breakdown, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostReport {
    pub request: CostRequest,
    pub query: CostQuery,
    pub breakdown: Breakdown,
    /// When the provider was asked, for an answer served from a cache.
    pub cached_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One group of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownRow {
    /// The group's key (a service, an account, a region, a usage type, a tag value).
    pub key: String,
    pub total: Decimal,
    /// Percent of the period's total, to one decimal.
    pub share: Decimal,
    /// The same group's total over the previous equal period (zero when absent).
    pub previous: Decimal,
    /// `total - previous`.
    pub change: Decimal,
    /// Change in percent of `previous`, to one decimal; none when there was nothing before.
    pub change_percent: Option<Decimal>,
    /// The amount of each bucket of the period, in `Breakdown::buckets` order.
    pub amounts: Vec<Decimal>,
}

/// Every group of a period, largest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub unit: String,
    /// The first date of each bucket (a day, or a month's first day).
    pub buckets: Vec<NaiveDate>,
    /// True for buckets the provider still estimates.
    pub estimated: Vec<bool>,
    pub rows: Vec<BreakdownRow>,
    pub total: Decimal,
    pub previous_total: Decimal,
}

impl Breakdown {
    /// The breakdown of `current`, compared with `previous` (the equal period before).
    pub fn of(current: &SpendSeries, previous: Option<&SpendSeries>) -> Breakdown {
        let buckets: Vec<NaiveDate> = current.days.iter().map(|d| d.date).collect();
        let estimated = current.days.iter().map(|d| d.estimated).collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut rows: Vec<BreakdownRow> = Vec::new();
        let mut row_of = |key: &str, rows: &mut Vec<BreakdownRow>| -> usize {
            if let Some(i) = index.get(key) {
                return *i;
            }
            rows.push(BreakdownRow {
                key: key.to_string(),
                total: Decimal::ZERO,
                share: Decimal::ZERO,
                previous: Decimal::ZERO,
                change: Decimal::ZERO,
                change_percent: None,
                amounts: vec![Decimal::ZERO; buckets.len()],
            });
            index.insert(key.to_string(), rows.len() - 1);
            rows.len() - 1
        };
        // Providers list a day's groups in the same order every day: the row of the
        // group at each position is remembered, and the map asked only when it differs.
        let mut slots: Vec<usize> = Vec::new();
        let mut slot = |j: usize, key: &str, rows: &mut Vec<BreakdownRow>| -> usize {
            if let Some(&i) = slots.get(j)
                && rows[i].key == key
            {
                return i;
            }
            let i = row_of(key, rows);
            if j < slots.len() {
                slots[j] = i;
            } else {
                slots.push(i);
            }
            i
        };
        for (b, day) in current.days.iter().enumerate() {
            for (j, (key, amount)) in day.by_service.iter().enumerate() {
                let i = slot(j, key, &mut rows);
                rows[i].amounts[b] += *amount;
            }
        }
        for row in &mut rows {
            row.total = row.amounts.iter().sum();
        }
        let mut previous_total = Decimal::ZERO;
        // A group that spent before and not now still belongs in the table.
        for day in previous.iter().flat_map(|p| &p.days) {
            for (j, (key, amount)) in day.by_service.iter().enumerate() {
                previous_total += *amount;
                let i = slot(j, key, &mut rows);
                rows[i].previous += *amount;
            }
        }
        let total: Decimal = rows.iter().map(|r| r.total).sum();
        for row in &mut rows {
            row.share = if total.is_zero() {
                Decimal::ZERO
            } else {
                (row.total * Decimal::ONE_HUNDRED / total).round_dp(1)
            };
            row.change = row.total - row.previous;
            row.change_percent = (!row.previous.is_zero())
                .then(|| (row.change * Decimal::ONE_HUNDRED / row.previous).round_dp(1));
        }
        rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.key.cmp(&b.key)));
        Breakdown {
            unit: current.unit.clone(),
            buckets,
            estimated,
            rows,
            total,
            previous_total,
        }
    }

    /// The change of the whole period against the previous one, in percent.
    pub fn change_percent(&self) -> Option<Decimal> {
        (!self.previous_total.is_zero()).then(|| {
            ((self.total - self.previous_total) * Decimal::ONE_HUNDRED / self.previous_total)
                .round_dp(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DailySpend;
    use std::str::FromStr;

    fn series(start: &str, days: usize, by: &[(&str, &str)]) -> SpendSeries {
        let start = NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap();
        SpendSeries {
            unit: "USD".into(),
            days: start
                .iter_days()
                .take(days)
                .map(|date| DailySpend {
                    date,
                    by_service: by
                        .iter()
                        .map(|(k, a)| (k.to_string(), Decimal::from_str(a).unwrap()))
                        .collect(),
                    estimated: false,
                })
                .collect(),
            ..SpendSeries::default()
        }
    }

    #[test]
    fn many_decimals_total_exactly_and_shares_and_changes_follow() {
        let names: Vec<String> = (0..12).map(|i| format!("service {i:02}")).collect();
        let by: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "0.1234567")).collect();
        let now = series("2026-10-01", 30, &by);
        let breakdown = Breakdown::of(&now, None);
        assert_eq!(breakdown.total, Decimal::from_str("44.444412").unwrap());
        assert_eq!(
            breakdown.rows.iter().map(|r| r.total).sum::<Decimal>(),
            breakdown.total
        );
        assert_eq!(breakdown.rows[0].amounts.len(), 30);

        let before = series("2026-09-01", 30, &[("a", "1.00"), ("gone", "2.00")]);
        let now = series("2026-10-01", 30, &[("a", "1.50"), ("new", "0.25")]);
        let b = Breakdown::of(&now, Some(&before));
        let row = |k: &str| b.rows.iter().find(|r| r.key == k).unwrap().clone();
        assert_eq!(row("a").change, Decimal::from_str("15.00").unwrap());
        assert_eq!(
            row("a").change_percent,
            Some(Decimal::from_str("50.0").unwrap())
        );
        assert_eq!(row("new").change_percent, None);
        assert_eq!(row("gone").total, Decimal::ZERO);
        assert_eq!(
            row("gone").change_percent,
            Some(Decimal::from_str("-100.0").unwrap())
        );
        assert_eq!(row("a").share, Decimal::from_str("85.7").unwrap());
        assert_eq!(b.rows[0].key, "a", "largest first");
        assert_eq!(
            b.change_percent(),
            Some(Decimal::from_str("-41.7").unwrap())
        );
    }
}

/// Rounds parts to cents so that they add up to their total rounded to cents (largest
/// remainders take the leftover cents), so a table's column sums to its total line.
pub fn cents(parts: &[Decimal]) -> Vec<Decimal> {
    let cent = Decimal::new(1, 2);
    let total: Decimal = parts.iter().sum();
    let target = total.round_dp(2);
    let mut floored: Vec<Decimal> = parts.iter().map(|p| (p / cent).floor() * cent).collect();
    let mut left = ((target - floored.iter().sum::<Decimal>()) / cent)
        .round()
        .to_string()
        .parse::<i64>()
        .unwrap_or(0);
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (parts[b] - floored[b])
            .cmp(&(parts[a] - floored[a]))
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while left > 0 && !order.is_empty() {
        floored[order[i % order.len()]] += cent;
        left -= 1;
        i += 1;
    }
    while left < 0 && !order.is_empty() {
        floored[order[order.len() - 1 - (i % order.len())]] -= cent;
        left += 1;
        i += 1;
    }
    floored
}

#[cfg(test)]
mod cent_tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn rounded_parts_add_up_to_the_rounded_total() {
        let parts: Vec<Decimal> = ["0.335", "0.335", "0.335", "1.004", "2.999"]
            .iter()
            .map(|s| Decimal::from_str(s).unwrap())
            .collect();
        let rounded = cents(&parts);
        let total: Decimal = parts.iter().sum();
        assert_eq!(rounded.iter().sum::<Decimal>(), total.round_dp(2));
        assert!(rounded.iter().all(|r| r.scale() <= 2));
        for (r, p) in rounded.iter().zip(&parts) {
            assert!((*r - *p).abs() < Decimal::new(1, 2));
        }
    }
}
