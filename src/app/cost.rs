//! The cost review on the Cost tab: changing the question (period, metric, grouping,
//! granularity), drilling into a group and back, the anomaly list, export; and taking the
//! answers in.

use super::model::{Model, MonthSpent, Notice};
use super::msg::{CostAnswers, Effect};
use super::tab::Tab;
use crate::domain::cost::{CostFilter, Granularity, GroupBy, Metric, Period};

/// The periods `p` steps through.
const PERIODS: [Period; 5] = [
    Period::LastDays(7),
    Period::LastDays(30),
    Period::LastDays(90),
    Period::MonthToDate,
    Period::LastMonth,
];

/// The groupings `b` steps through.
fn groupings() -> [GroupBy; 4] {
    [
        GroupBy::Service,
        GroupBy::LinkedAccount,
        GroupBy::Region,
        GroupBy::UsageType,
    ]
}

fn next<T: PartialEq + Clone>(all: &[T], current: &T) -> T {
    let i = all.iter().position(|x| x == current).map_or(0, |i| i + 1);
    all[i % all.len()].clone()
}

impl Model {
    /// The requests the cost provider has answered (and billed) this session, as last
    /// read: by the spend poll or by the cost review, whichever read it later; `None` for
    /// a provider that does not bill.
    pub fn billed_requests(&self) -> Option<u64> {
        let polled = self.spend.data.as_ref().and_then(|s| s.billed_requests);
        // The count only grows within a session: the larger reading is the later one.
        polled.max(self.cost.billed_requests)
    }
}

/// Asks the question again if it changed (or was never asked). A question that failed is
/// not asked again by itself (each request may be billed): `Ctrl-r` asks it.
pub(super) fn ask(model: &mut Model) -> Vec<Effect> {
    let review = &mut model.cost;
    // Asked already: answered, failed, or on its way.
    if review.asked.as_ref() == Some(&review.request)
        && (review.report.data.is_some() || review.report.loading || review.report.error.is_some())
    {
        return Vec::new();
    }
    review.report.loading = true;
    review.asked = Some(review.request.clone());
    vec![Effect::FetchCostReview(review.request.clone())]
}

/// Asks the question again whatever the cache says (after the billed refetch's yes, or
/// a refresh on a provider that does not bill).
pub(super) fn ask_again(model: &mut Model) -> Vec<Effect> {
    model.cost.asked = None;
    ask(model)
}

fn changed(model: &mut Model, notice: String) -> Vec<Effect> {
    model.notice = Some(Notice {
        text: notice,
        is_error: false,
    });
    model.view_mut(Tab::Cost).selected = 0;
    ask(model)
}

/// `p`: the next period.
pub(super) fn next_period(model: &mut Model) -> Vec<Effect> {
    let period = next(&PERIODS, &model.cost.request.period);
    model.cost.request.period = period;
    changed(model, format!("period: {}", period.label()))
}

/// `m`: the next metric.
pub(super) fn next_metric(model: &mut Model) -> Vec<Effect> {
    let metric = next(&Metric::ALL, &model.cost.request.metric);
    model.cost.request.metric = metric;
    changed(model, format!("metric: {metric}"))
}

/// `b`: the next grouping (drill-downs are kept): service, the pipeline stages, account,
/// region, usage type.
pub(super) fn next_grouping(model: &mut Model) -> Vec<Effect> {
    let request = &mut model.cost.request;
    if request.by_stage {
        request.by_stage = false;
        request.group_by = GroupBy::LinkedAccount;
    } else if request.group_by == GroupBy::Service {
        request.by_stage = true;
    } else {
        request.group_by = next(&groupings(), &request.group_by);
    }
    let label = request.group_label();
    changed(model, format!("grouped by {label}"))
}

/// `d`: daily or monthly amounts.
pub(super) fn toggle_granularity(model: &mut Model) -> Vec<Effect> {
    let granularity = match model.cost.request.granularity {
        Granularity::Daily => Granularity::Monthly,
        Granularity::Monthly => Granularity::Daily,
    };
    model.cost.request.granularity = granularity;
    changed(
        model,
        format!("{} amounts", granularity.as_str().to_lowercase()),
    )
}

/// `a`: the keys move between the groups and the anomaly list.
pub(super) fn toggle_anomalies(model: &mut Model) {
    let count = model.cost.anomalies.data.as_ref().map_or(0, Vec::len);
    model.cost.anomaly = match model.cost.anomaly {
        Some(_) => None,
        None if count > 0 => Some(0),
        None => {
            model.notice = Some(Notice {
                text: "no anomalies in this period".to_string(),
                is_error: false,
            });
            None
        }
    };
}

/// Moves in the anomaly list when it has the keys; false when it does not.
pub(super) fn move_anomaly(model: &mut Model, delta: isize) -> bool {
    let Some(selected) = model.cost.anomaly else {
        return false;
    };
    let count = model.cost.anomalies.data.as_ref().map_or(0, Vec::len);
    let last = count.saturating_sub(1) as isize;
    model.cost.anomaly = Some((selected as isize + delta).clamp(0, last.max(0)) as usize);
    true
}

/// Where a drill-down from a grouping goes next.
fn below(group: &GroupBy) -> GroupBy {
    match group {
        GroupBy::Service => GroupBy::UsageType,
        GroupBy::UsageType => GroupBy::Region,
        _ => GroupBy::Service,
    }
}

/// Enter: into the selected group (a service → its usage types), or from an anomaly to
/// its service's breakdown.
pub(super) fn drill(model: &mut Model) -> Vec<Effect> {
    if let Some(i) = model.cost.anomaly {
        let service = model
            .cost
            .anomalies
            .data
            .as_ref()
            .and_then(|a| a.get(i))
            .and_then(|a| a.root_causes.iter().find_map(|c| c.service.clone()));
        let Some(service) = service else {
            return Vec::new();
        };
        model.cost.anomaly = None;
        model.cost.crumbs = vec![GroupBy::Service];
        model.cost.request.filters = vec![CostFilter {
            dimension: GroupBy::Service,
            value: service.clone(),
        }];
        model.cost.request.group_by = GroupBy::UsageType;
        return changed(model, format!("{service} by usage type"));
    }
    if model.cost.request.by_stage {
        model.notice = Some(Notice {
            text: "a stage is several services: b groups by service to drill into one".to_string(),
            is_error: false,
        });
        return Vec::new();
    }
    let Some(index) = model.view(Tab::Cost).selected_index() else {
        return Vec::new();
    };
    let Some(row) = model.cost.rows().get(index) else {
        return Vec::new();
    };
    let value = row.key.clone();
    let group = model.cost.request.group_by.clone();
    if model
        .cost
        .request
        .filters
        .iter()
        .any(|f| f.dimension == group)
    {
        return Vec::new();
    }
    model.cost.crumbs.push(group.clone());
    model.cost.request.filters.push(CostFilter {
        dimension: group.clone(),
        value: value.clone(),
    });
    let mut next = below(&group);
    // Never group by a dimension already narrowed to one value.
    for candidate in [
        next.clone(),
        GroupBy::Service,
        GroupBy::UsageType,
        GroupBy::Region,
    ] {
        if !model
            .cost
            .request
            .filters
            .iter()
            .any(|f| f.dimension == candidate)
        {
            next = candidate;
            break;
        }
    }
    model.cost.request.group_by = next.clone();
    changed(model, format!("{value} by {}", next.label()))
}

/// Esc: one drill-down step back up; false when there is none.
pub(super) fn up(model: &mut Model) -> (bool, Vec<Effect>) {
    if model.cost.anomaly.take().is_some() {
        return (true, Vec::new());
    }
    let Some(group) = model.cost.crumbs.pop() else {
        return (false, Vec::new());
    };
    model.cost.request.filters.pop();
    model.cost.request.group_by = group.clone();
    (
        true,
        changed(model, format!("grouped by {}", group.label())),
    )
}

/// `:cost PERIOD`.
pub(super) fn set_period(model: &mut Model, text: &str) -> Vec<Effect> {
    match Period::parse(text) {
        Ok(period) => {
            model.cost.request.period = period;
            let mut effects = super::update::go_to(model, Tab::Cost);
            effects.extend(changed(model, format!("period: {}", period.label())));
            effects
        }
        Err(message) => {
            model.notice = Some(Notice {
                text: message,
                is_error: true,
            });
            Vec::new()
        }
    }
}

/// `:group G`: any grouping, tags included (`tag:team`), or the pipeline stages.
pub(super) fn set_group(model: &mut Model, text: &str) -> Vec<Effect> {
    let stage = text.trim().eq_ignore_ascii_case("stage");
    let group = if stage {
        Some(GroupBy::Service)
    } else {
        GroupBy::parse(text)
    };
    let Some(group) = group else {
        model.notice = Some(Notice {
            text: format!(
                "`{text}` is not a grouping: service, account, region, usage-type, stage or \
                 tag:KEY"
            ),
            is_error: true,
        });
        return Vec::new();
    };
    model.cost.request.group_by = group;
    model.cost.request.by_stage = stage;
    let label = model.cost.request.group_label();
    let mut effects = super::update::go_to(model, Tab::Cost);
    effects.extend(changed(model, format!("grouped by {label}")));
    effects
}

/// `:metric M`.
pub(super) fn set_metric(model: &mut Model, text: &str) -> Vec<Effect> {
    let Some(metric) = Metric::parse(text) else {
        model.notice = Some(Notice {
            text: format!("`{text}` is not a metric: unblended, amortized or net-unblended"),
            is_error: true,
        });
        return Vec::new();
    };
    model.cost.request.metric = metric;
    let mut effects = super::update::go_to(model, Tab::Cost);
    effects.extend(changed(model, format!("metric: {metric}")));
    effects
}

/// `e` / `E`: the view on screen to a file: the groups the table shows (its filter
/// applied), in its order.
pub(super) fn export(model: &mut Model, json: bool) -> Vec<Effect> {
    match &model.cost.report.data {
        Some(report) => {
            let view = model.view(Tab::Cost);
            let mut report = report.clone();
            report.breakdown = report.breakdown.only(&view.rows);
            report.row_filter = (!view.filter.is_empty()).then(|| view.filter.clone());
            vec![Effect::ExportCost {
                report: Box::new(report),
                json,
            }]
        }
        None => {
            model.notice = Some(Notice {
                text: "nothing to export yet".to_string(),
                is_error: true,
            });
            Vec::new()
        }
    }
}

/// The answers arrived: kept when they answer the question still asked.
pub(super) fn reviewed(model: &mut Model, answers: CostAnswers) {
    let review = &mut model.cost;
    if review.asked.as_ref() != Some(&answers.request) {
        // The operator has moved on: a late answer for another question is dropped.
        return;
    }
    let keep = model.view(Tab::Cost).selected_key(model.cost.rows());
    let review = &mut model.cost;
    if answers.billed_requests.is_some() {
        review.billed_requests = answers.billed_requests;
    }
    let at = answers.fetched_at;
    review.report.apply(at, answers.report);
    review.forecast.apply(answers.forecast_at, answers.forecast);
    review
        .anomalies
        .apply(answers.anomalies_at, answers.anomalies);
    review.month_to_date = match answers.month_to_date {
        None => MonthSpent::Polled,
        Some(Ok(spent)) => MonthSpent::Known(spent),
        Some(Err(_)) => MonthSpent::Unknown,
    };
    if review
        .anomaly
        .is_some_and(|i| i >= review.anomalies.data.as_ref().map_or(0, Vec::len))
    {
        review.anomaly = None;
    }
    let (views, review) = (&mut model.views, &model.cost);
    views[Tab::Cost.index()].rebuild(review.rows(), keep);
}
