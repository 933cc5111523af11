//! A cost breakdown: each group's total over a period, its share, its change against the
//! previous equal period, and its amounts per day (or month) for a sparkline. Sums are
//! decimal, so every total equals the sum of its parts exactly.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::cost::{CostFilter, CostQuery, Granularity, GroupBy, Metric, Period};
use super::money;
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

    /// The provider's query of the period on `today`, and of the period it is compared
    /// with ([`Period::compared`]) (by service when grouped by stage).
    pub fn queries(&self, today: NaiveDate) -> (CostQuery, CostQuery) {
        let (start, end) = self.period.dates(today);
        let group_by = if self.by_stage {
            GroupBy::Service
        } else {
            self.group_by.clone()
        };
        let (prev_start, prev_end) = self.period.compared(today);
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
    /// The dates compared with (end exclusive); none when that period could not be read.
    pub compared: Option<(NaiveDate, NaiveDate)>,
    /// The filter of the table the rows were taken from (an export of a filtered view).
    pub row_filter: Option<String>,
}

impl CostReport {
    /// What the period is compared with, as a screen says it: "vs 2026-10-01 → 2026-10-31",
    /// or that it is not.
    pub fn compared_label(&self) -> String {
        match self.compared {
            Some((start, end)) => format!("vs {}", Period::span(start, end)),
            None => "not compared: the period before could not be read".to_string(),
        }
    }
}

/// One group of a breakdown. Its figures are as shown: rounded to cents once, by
/// [`money`](super::money), so that they foot (`change = total - previous`, the amounts add
/// up to `total`, the rows of a column to the breakdown's totals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownRow {
    /// The group's key (a service, an account, a region, a usage type, a tag value).
    pub key: String,
    /// The period's total, in cents.
    pub total: Decimal,
    /// Percent of the period's total, to one decimal; the shares add up to 100.0.
    pub share: Decimal,
    /// The same group's total over the period compared with, in cents (zero when absent).
    pub previous: Decimal,
    /// `total - previous`, as shown.
    pub change: Decimal,
    /// Change in percent of `previous` as shown, to one decimal; none when there was
    /// nothing before.
    pub change_percent: Option<Decimal>,
    /// The amount of each bucket of the period, in cents, in `Breakdown::buckets` order.
    pub amounts: Vec<Decimal>,
    /// The exact sum of the period, before rounding.
    pub exact_total: Decimal,
    /// The exact sum of the period compared with, before rounding.
    pub exact_previous: Decimal,
}

/// Every group of a period, largest first, with its figures as shown (in cents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub unit: String,
    /// The first date of each bucket (a day, or a month's first day).
    pub buckets: Vec<NaiveDate>,
    /// True for buckets the provider still estimates.
    pub estimated: Vec<bool>,
    pub rows: Vec<BreakdownRow>,
    /// The period's total in cents: the exact sum rounded, and the sum of the rows.
    pub total: Decimal,
    /// The total of the period compared with, in cents (the sum of the rows' `previous`).
    pub previous_total: Decimal,
    /// `total - previous_total`, as shown.
    pub change: Decimal,
    /// Each bucket's total over the rows, in cents (the sum of the rows' amounts).
    pub bucket_totals: Vec<Decimal>,
    /// The exact sums, before rounding.
    pub exact_total: Decimal,
    pub exact_previous_total: Decimal,
}

impl Breakdown {
    /// The breakdown of `current`, compared with `previous` (the period before).
    pub fn of(current: &SpendSeries, previous: Option<&SpendSeries>) -> Breakdown {
        let buckets: Vec<NaiveDate> = current.days.iter().map(|d| d.date).collect();
        let estimated = current.days.iter().map(|d| d.estimated).collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut rows: Vec<Exact> = Vec::new();
        let mut row_of = |key: &str, rows: &mut Vec<Exact>| -> usize {
            if let Some(i) = index.get(key) {
                return *i;
            }
            rows.push(Exact {
                key: key.to_string(),
                previous: Decimal::ZERO,
                amounts: vec![Decimal::ZERO; buckets.len()],
            });
            index.insert(key.to_string(), rows.len() - 1);
            rows.len() - 1
        };
        // Providers list a day's groups in the same order every day: the row of the
        // group at each position is remembered, and the map asked only when it differs.
        let mut slots: Vec<usize> = Vec::new();
        let mut slot = |j: usize, key: &str, rows: &mut Vec<Exact>| -> usize {
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
        // A group that spent before and not now still belongs in the table.
        for day in previous.iter().flat_map(|p| &p.days) {
            for (j, (key, amount)) in day.by_service.iter().enumerate() {
                let i = slot(j, key, &mut rows);
                rows[i].previous += *amount;
            }
        }
        let totals: Vec<Decimal> = rows.iter().map(|r| r.amounts.iter().sum()).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            totals[b]
                .cmp(&totals[a])
                .then_with(|| rows[a].key.cmp(&rows[b].key))
        });
        let rows: Vec<Exact> = order.iter().map(|&i| rows[i].clone()).collect();
        let totals: Vec<Decimal> = order.iter().map(|&i| totals[i]).collect();
        Breakdown::shown(current.unit.clone(), buckets, estimated, rows, totals)
    }

    /// Rounds the exact sums once, so that every figure shown foots.
    fn shown(
        unit: String,
        buckets: Vec<NaiveDate>,
        estimated: Vec<bool>,
        rows: Vec<Exact>,
        totals: Vec<Decimal>,
    ) -> Breakdown {
        let exact_total: Decimal = totals.iter().sum();
        let exact_previous_total: Decimal = rows.iter().map(|r| r.previous).sum();
        let amounts: Vec<Vec<Decimal>> = rows.iter().map(|r| r.amounts.clone()).collect();
        let table = money::RoundedTable::of(&amounts, buckets.len());
        let previous = money::apportion_cents(&rows.iter().map(|r| r.previous).collect::<Vec<_>>());
        let shares = if exact_total.is_zero() {
            vec![Decimal::new(0, 1); rows.len()]
        } else {
            let exact: Vec<Decimal> = totals
                .iter()
                .map(|t| *t * Decimal::ONE_HUNDRED / exact_total)
                .collect();
            money::apportion(&exact, 1, Decimal::ONE_HUNDRED)
        };
        let shown_rows: Vec<BreakdownRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, exact)| {
                let total = table.row_totals[i];
                let change = total - previous[i];
                BreakdownRow {
                    key: exact.key,
                    total,
                    share: shares[i],
                    previous: previous[i],
                    change,
                    change_percent: money::percent_of(change, previous[i]),
                    amounts: table.cells[i].clone(),
                    exact_total: totals[i],
                    exact_previous: exact.previous,
                }
            })
            .collect();
        let total = table.total;
        let previous_total: Decimal = previous.iter().sum::<Decimal>();
        let mut previous_total = if shown_rows.is_empty() {
            money::cents(Decimal::ZERO)
        } else {
            previous_total
        };
        previous_total.rescale(money::CENTS);
        Breakdown {
            unit,
            buckets,
            estimated,
            rows: shown_rows,
            total,
            previous_total,
            change: total - previous_total,
            bucket_totals: table.column_totals,
            exact_total,
            exact_previous_total,
        }
    }

    /// The change of the whole period against the one compared with, in percent of the
    /// figures shown.
    pub fn change_percent(&self) -> Option<Decimal> {
        money::percent_of(self.change, self.previous_total)
    }

    /// The same breakdown with only the rows `keep` picks, in its order (a filtered view):
    /// its totals are the sums of the rows kept, as shown.
    pub fn only(&self, keep: &[usize]) -> Breakdown {
        let rows: Vec<BreakdownRow> = keep
            .iter()
            .filter_map(|&i| self.rows.get(i).cloned())
            .collect();
        let sum = |f: &dyn Fn(&BreakdownRow) -> Decimal| -> Decimal {
            let mut sum: Decimal = rows.iter().map(f).sum();
            sum.rescale(money::CENTS);
            sum
        };
        let total = sum(&|r| r.total);
        let previous_total = sum(&|r| r.previous);
        Breakdown {
            unit: self.unit.clone(),
            buckets: self.buckets.clone(),
            estimated: self.estimated.clone(),
            total,
            previous_total,
            change: total - previous_total,
            bucket_totals: (0..self.buckets.len())
                .map(|b| sum(&|r| r.amounts[b]))
                .collect(),
            exact_total: rows.iter().map(|r| r.exact_total).sum(),
            exact_previous_total: rows.iter().map(|r| r.exact_previous).sum(),
            rows,
        }
    }
}

/// A group's exact sums, before rounding.
#[derive(Debug, Clone)]
struct Exact {
    key: String,
    previous: Decimal,
    amounts: Vec<Decimal>,
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
        assert_eq!(
            breakdown.exact_total,
            Decimal::from_str("44.444412").unwrap()
        );
        assert_eq!(breakdown.total.to_string(), "44.44");
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
