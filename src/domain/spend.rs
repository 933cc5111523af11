//! Spend: daily amounts by service, summed as decimals.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::cost::Period;
use super::money;

/// The spend of one day, by service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySpend {
    pub date: NaiveDate,
    /// (service, amount), in no particular order; a service may be absent on a day.
    pub by_service: Vec<(String, Decimal)>,
    /// True while the provider still estimates the day (its data is not final).
    pub estimated: bool,
}

impl DailySpend {
    /// The day's total over every service.
    pub fn total(&self) -> Decimal {
        self.by_service.iter().map(|(_, amount)| *amount).sum()
    }
}

/// Daily spend over a period, oldest day first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpendSeries {
    /// The currency unit ("USD").
    pub unit: String,
    pub days: Vec<DailySpend>,
    /// When the provider was asked, if earlier than this answer (a cached answer).
    #[serde(skip)]
    pub fetched_at: Option<DateTime<Utc>>,
    /// Billed requests this session has made to the provider, for a provider that bills.
    #[serde(skip)]
    pub billed_requests: Option<u64>,
}

impl SpendSeries {
    /// The total of the whole series.
    pub fn total(&self) -> Decimal {
        self.days.iter().map(DailySpend::total).sum()
    }

    /// Totals by service over the given days, largest first (ties by name).
    pub fn totals_by_service(days: &[DailySpend]) -> Vec<(String, Decimal)> {
        let mut totals: Vec<(String, Decimal)> = Vec::new();
        for day in days {
            for (service, amount) in &day.by_service {
                match totals.iter_mut().find(|(s, _)| s == service) {
                    Some((_, total)) => *total += *amount,
                    None => totals.push((service.clone(), *amount)),
                }
            }
        }
        totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        totals
    }

    /// Month to date up to `today` (inclusive) against the same days of the month before
    /// ([`Period::compared`]): what the Overview, the Cost tab and `status` show.
    pub fn month_to_date(&self, today: NaiveDate) -> MonthToDate {
        let dates = Period::MonthToDate.dates(today);
        let compared = Period::MonthToDate.compared(today);
        let sum = |(from, to): (NaiveDate, NaiveDate)| -> Decimal {
            self.days
                .iter()
                .filter(|d| d.date >= from && d.date < to)
                .map(DailySpend::total)
                .sum()
        };
        let (exact_current, exact_previous) = (sum(dates), sum(compared));
        MonthToDate {
            current: money::cents(exact_current),
            previous: money::cents(exact_previous),
            exact_current,
            exact_previous,
            days: today.day(),
            dates,
            compared,
        }
    }
}

/// Month-to-date spend against the same days of the previous month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthToDate {
    /// This month so far, in cents (the one rounding rule of [`money`]).
    pub current: Decimal,
    /// The same days of the month before, in cents.
    pub previous: Decimal,
    /// The exact sums, before rounding.
    pub exact_current: Decimal,
    pub exact_previous: Decimal,
    /// How many days of the month are counted.
    pub days: u32,
    /// The dates counted (end exclusive).
    pub dates: (NaiveDate, NaiveDate),
    /// The dates compared with (end exclusive).
    pub compared: (NaiveDate, NaiveDate),
}

impl MonthToDate {
    /// The change in percent of the figures shown, when last month had any spend.
    pub fn change_percent(&self) -> Option<Decimal> {
        money::percent_of(self.current - self.previous, self.previous)
    }

    /// The dates as a screen names them: "Dec 01–05 vs Nov 01–05".
    pub fn dates_label(&self) -> String {
        format!("{} vs {}", short_span(self.dates), self.compared_label())
    }

    /// The dates compared with: "Nov 01–05".
    pub fn compared_label(&self) -> String {
        short_span(self.compared)
    }
}

/// Days of one month, short: "Nov 01–05" (end exclusive).
fn short_span((start, end): (NaiveDate, NaiveDate)) -> String {
    let last = end.pred_opt().unwrap_or(end).max(start);
    if last == start {
        start.format("%b %d").to_string()
    } else {
        format!("{}–{}", start.format("%b %d"), last.format("%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(date: &str, amounts: &[(&str, &str)]) -> DailySpend {
        DailySpend {
            date: NaiveDate::from_str(date).unwrap(),
            by_service: amounts.iter().map(|(s, a)| (s.to_string(), d(a))).collect(),
            estimated: false,
        }
    }

    #[test]
    fn sums_are_exact() {
        let series = SpendSeries {
            unit: "USD".into(),
            days: vec![
                day("2026-11-01", &[("S3", "0.1000000001"), ("DMS", "0.2")]),
                day("2026-11-02", &[("S3", "0.2000000002")]),
            ],
            ..SpendSeries::default()
        };
        assert_eq!(series.total(), d("0.5000000003"));
        let by_service = SpendSeries::totals_by_service(&series.days);
        assert_eq!(by_service[0], ("S3".to_string(), d("0.3000000003")));
    }

    #[test]
    fn month_to_date_compares_the_same_days() {
        let series = SpendSeries {
            unit: "USD".into(),
            days: vec![
                day("2026-10-01", &[("S3", "10")]),
                day("2026-10-02", &[("S3", "10")]),
                day("2026-10-03", &[("S3", "99")]),
                day("2026-11-01", &[("S3", "15")]),
                day("2026-11-02", &[("S3", "15")]),
            ],
            ..SpendSeries::default()
        };
        let mtd = series.month_to_date(NaiveDate::from_str("2026-11-02").unwrap());
        assert_eq!(mtd.current, d("30"));
        assert_eq!(mtd.previous, d("20"));
        assert_eq!(mtd.change_percent(), Some(d("50.0")));
        assert_eq!(mtd.days, 2);
        assert_eq!(mtd.dates_label(), "Nov 01–02 vs Oct 01–02");
    }

    #[test]
    fn month_to_date_is_rounded_half_away_from_zero() {
        let series = SpendSeries {
            unit: "USD".into(),
            days: vec![
                day("2026-12-01", &[("S3", "4000.0999"), ("DMS", "854.0999")]),
                day("2026-11-01", &[("S3", "0.005")]),
            ],
            ..SpendSeries::default()
        };
        let mtd = series.month_to_date(NaiveDate::from_str("2026-12-05").unwrap());
        assert_eq!(mtd.exact_current, d("4854.1998"));
        assert_eq!(mtd.current.to_string(), "4854.20");
        assert_eq!(mtd.previous.to_string(), "0.01");
    }
}
