//! `opsdeck cost`'s report of a fixed period of the seed-7 demo: golden CSV and JSON, and
//! totals that equal the sum of their parts.

mod common;

use chrono::NaiveDate;
use opsdeck::cost_report::{CostRequest, report};
use opsdeck::domain::cost::{CostFilter, GroupBy, Period};
use rust_decimal::Decimal;

fn october(request: CostRequest) -> opsdeck::cost_report::CostReport {
    let platform = common::platform();
    let today = common::snapshot_time().date_naive();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(report(
            &platform.sources(),
            request,
            today,
            &opsdeck::domain::stages::CostStages::defaults(),
        ))
        .expect("the demo answers")
}

fn period() -> Period {
    Period::Range(
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    )
}

#[test]
fn october_by_service_as_csv_and_json() {
    let report = october(CostRequest {
        period: period(),
        ..CostRequest::default()
    });
    insta::assert_snapshot!("cost_october_by_service_csv", report.csv());
    insta::assert_snapshot!(
        "cost_october_by_service_json",
        format!("{:#}", report.json())
    );
    insta::assert_snapshot!("cost_october_by_service_table", report.table());
}

#[test]
fn every_column_of_the_csv_adds_up_to_its_total_to_the_cent() {
    for group_by in [
        GroupBy::Service,
        GroupBy::UsageType,
        GroupBy::Tag("team".into()),
    ] {
        let report = october(CostRequest {
            period: period(),
            group_by,
            ..CostRequest::default()
        });
        let csv = report.csv();
        let rows: Vec<Vec<&str>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let (total, parts) = rows.split_last().unwrap();
        // Columns: total, previous, and every day (change% and share are rounded rates).
        for column in [1usize, 3, 4].into_iter().chain(6..total.len()) {
            let sum: Decimal = parts
                .iter()
                .map(|r| r[column].parse::<Decimal>().unwrap())
                .sum();
            assert_eq!(
                sum,
                total[column].parse::<Decimal>().unwrap(),
                "column {column}"
            );
        }
        // The exact total is the exact sum of the groups.
        let b = &report.breakdown;
        assert_eq!(b.rows.iter().map(|r| r.total).sum::<Decimal>(), b.total);
    }
}

#[test]
fn a_drill_down_is_the_part_of_its_parent() {
    let all = october(CostRequest {
        period: period(),
        ..CostRequest::default()
    });
    let redshift = all
        .breakdown
        .rows
        .iter()
        .find(|r| r.key == "Amazon Redshift")
        .unwrap()
        .total;
    let by_usage = october(CostRequest {
        period: period(),
        group_by: GroupBy::UsageType,
        filters: vec![CostFilter {
            dimension: GroupBy::Service,
            value: "Amazon Redshift".into(),
        }],
        ..CostRequest::default()
    });
    assert_eq!(by_usage.breakdown.total, redshift);
    assert!(by_usage.breakdown.rows.len() > 1);
}

#[test]
fn by_stage_sums_the_services_into_the_configured_stages() {
    let by_service = october(CostRequest {
        period: period(),
        ..CostRequest::default()
    });
    let by_stage = october(CostRequest {
        period: period(),
        by_stage: true,
        ..CostRequest::default()
    });
    assert_eq!(by_stage.breakdown.total, by_service.breakdown.total);
    let keys: Vec<&str> = by_stage
        .breakdown
        .rows
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    for stage in [
        "migration",
        "lake",
        "orchestration",
        "warehouse",
        "transform",
        "other",
    ] {
        assert!(keys.contains(&stage), "{stage} in {keys:?}");
    }
    let warehouse = by_stage
        .breakdown
        .rows
        .iter()
        .find(|r| r.key == "warehouse")
        .unwrap();
    let redshift = by_service
        .breakdown
        .rows
        .iter()
        .find(|r| r.key == "Amazon Redshift")
        .unwrap();
    assert_eq!(warehouse.total, redshift.total);
    assert!(by_stage.table().contains("by stage"));
}

#[test]
fn the_month_end_adds_the_month_so_far_in_the_metric_of_the_review() {
    use opsdeck::app::{Msg, update};
    use opsdeck::domain::cost::Metric;
    let platform = common::platform();
    let mut model = common::model_from(&platform);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut ask = |metric: Metric| {
        let request = CostRequest {
            metric,
            ..CostRequest::default()
        };
        model.cost.asked = Some(request.clone());
        let msg = runtime.block_on(opsdeck::runtime::review_cost(
            &platform.sources(),
            request,
            &model.cost_stages,
            model.now,
        ));
        let Msg::CostReviewed(answers) = &msg else {
            panic!("not a review: {msg:?}")
        };
        let asked = answers.month_to_date.clone();
        update(&mut model, msg);
        (asked, model.month_spent())
    };
    let polled = ask(Metric::UnblendedCost);
    assert!(polled.0.is_none(), "unblended: the polled spend answers");
    let unblended = polled.1.expect("the polled month so far");
    let (asked, amortized) = ask(Metric::AmortizedCost);
    let asked = asked.expect("another metric is asked").expect("answered");
    assert_eq!(amortized, Some(asked));
    assert_ne!(
        asked, unblended,
        "the demo's amortized cost differs from its unblended cost"
    );
}
