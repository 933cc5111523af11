//! `update` tests: the Cost tab: billed refreshes, the cost review, exports.

use super::*;

// The cost review's money: export of the view on screen, a failed refetch, the billed count.

#[test]
fn a_billed_refresh_opens_a_dialog_that_defaults_to_cancel() {
    let mut m = loaded();
    with_billed_spend(&mut m, 3);
    press(&mut m, "5");
    assert!(update(&mut m, Msg::Key(Key::ctrl('r'))).is_empty());
    let Mode::Confirm(dialog) = &m.mode else {
        panic!("expected a dialog, got {:?}", m.mode);
    };
    let text = dialog.lines.join("\n");
    assert!(text.contains("fetched 30 min ago"), "{text}");
    assert!(text.contains("USD 0.01 per request"), "{text}");
    assert!(text.contains("3 billed requests so far"), "{text}");
    assert!(!dialog.on_confirm, "the focus starts on Cancel");
    // A stray Enter presses Cancel; Esc and n cancel too.
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    for cancel in [KeyCode::Esc, KeyCode::Char('n')] {
        update(&mut m, Msg::Key(Key::ctrl('r')));
        assert!(key(&mut m, cancel).is_empty());
        assert_eq!(m.mode, Mode::Normal);
    }
    // Other keys leave it open and do nothing behind it.
    update(&mut m, Msg::Key(Key::ctrl('r')));
    assert!(press(&mut m, "jq1").is_empty());
    assert!(matches!(m.mode, Mode::Confirm(_)));
    assert_eq!(m.tab, Tab::Cost);
    // Tab moves the focus to the yes button, Enter presses it.
    // The yes goes past the cache, and the review on screen is asked again with it.
    let refetch = vec![
        Effect::RefetchCost,
        Effect::FetchCostReview(crate::domain::breakdown::CostRequest::default()),
    ];
    key(&mut m, KeyCode::Tab);
    assert_eq!(key(&mut m, KeyCode::Enter), refetch);
    assert_eq!(m.mode, Mode::Normal);
    update(&mut m, Msg::Key(Key::ctrl('r')));
    assert_eq!(press(&mut m, "y"), refetch);
}

#[test]
fn the_cost_review_asks_changes_drills_and_goes_back_up() {
    use crate::domain::breakdown::CostRequest;
    use crate::domain::cost::{GroupBy, Period};
    let mut m = loaded();
    let effects = press(&mut m, "5");
    let asked = CostRequest::default();
    assert!(
        effects.contains(&Effect::FetchCostReview(asked.clone())),
        "{effects:?}"
    );
    answer_review(&mut m, asked.clone());
    assert_eq!(m.cost.rows().len(), 2);
    assert_eq!(m.cost.rows()[0].key, "Amazon Redshift");
    // Coming back to the tab asks nothing: the answer is there.
    press(&mut m, "1");
    let effects = press(&mut m, "5");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(_)))
    );

    // p: the next period; a late answer to the old question is dropped.
    let effects = press(&mut m, "p");
    let Some(Effect::FetchCostReview(ninety)) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    assert_eq!(ninety.period, Period::LastDays(90));
    answer_review(&mut m, asked);
    assert!(
        m.cost.report.loading,
        "the 30-day answer does not end the 90-day wait"
    );
    answer_review(&mut m, ninety.clone());

    // Enter: into Amazon Redshift, by usage type; Esc: back to all services.
    let effects = key(&mut m, KeyCode::Enter);
    let Some(Effect::FetchCostReview(drilled)) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    assert_eq!(drilled.group_by, GroupBy::UsageType);
    assert_eq!(drilled.filters[0].value, "Amazon Redshift");
    answer_review(&mut m, drilled);
    let effects = key(&mut m, KeyCode::Esc);
    assert!(
        matches!(&effects[..], [Effect::FetchCostReview(r)] if *r == ninety),
        "{effects:?}"
    );
    answer_review(&mut m, ninety.clone());

    // a, then Enter: from the anomaly to its service's breakdown.
    press(&mut m, "a");
    assert_eq!(m.cost.anomaly, Some(0));
    let effects = key(&mut m, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::FetchCostReview(r)]
        if r.filters[0].value == "Amazon Redshift" && r.group_by == GroupBy::UsageType));

    // e: the view on screen to a file.
    let effects = press(&mut m, "e");
    assert!(matches!(
        &effects[..],
        [Effect::ExportCost { json: false, .. }]
    ));
    // m and b change the question; `:cost PERIOD` sets the period.
    assert!(
        matches!(&press(&mut m, "m")[..], [Effect::FetchCostReview(r)]
        if r.metric == crate::domain::cost::Metric::AmortizedCost)
    );
    press(&mut m, ":cost 2026-10-01..2026-11-01");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if matches!(r.period, Period::Range(..)))),
        "{effects:?}"
    );
    press(&mut m, ":cost fortnight");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.clone().unwrap().is_error);
    // :group takes tags and the stages; :metric any metric.
    press(&mut m, ":group tag:team");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if r.group_by == GroupBy::Tag("team".into()) && !r.by_stage)),
        "{effects:?}"
    );
    press(&mut m, ":group stage");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r) if r.by_stage))
    );
    press(&mut m, ":metric net-unblended");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if r.metric == crate::domain::cost::Metric::NetUnblendedCost))
    );
    press(&mut m, ":group colour");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.unwrap().is_error);
}

#[test]
fn a_month_so_far_not_answered_in_the_review_metric_shows_no_month_end() {
    use crate::domain::breakdown::CostRequest;
    use crate::domain::cost::Metric;
    let mut m = loaded();
    press(&mut m, "5");
    let request = CostRequest {
        metric: Metric::AmortizedCost,
        ..CostRequest::default()
    };
    m.cost.asked = Some(request.clone());
    let mut answers = review_answers(request);
    answers.month_to_date = Some(Ok(rust_decimal::Decimal::from(1234)));
    update(&mut m, Msg::CostReviewed(Box::new(answers.clone())));
    assert_eq!(m.month_spent(), Some(rust_decimal::Decimal::from(1234)));
    answers.month_to_date = Some(Err(SourceError::new(ErrorKind::Throttled, "slow down")));
    update(&mut m, Msg::CostReviewed(Box::new(answers)));
    assert_eq!(m.month_spent(), None, "never a sum of two metrics");
}

#[test]
fn export_writes_the_groups_the_filtered_table_shows() {
    use crate::domain::breakdown::CostRequest;
    let mut m = loaded();
    press(&mut m, "5");
    answer_review(&mut m, CostRequest::default());
    m.view_mut(Tab::Cost).filter = "glue".into();
    m.rebuild_view(Tab::Cost);
    assert_eq!(m.view(Tab::Cost).rows.len(), 1);
    let effects = press(&mut m, "e");
    let [
        Effect::ExportCost {
            report,
            json: false,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    let keys: Vec<&str> = report
        .breakdown
        .rows
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(keys, ["AWS Glue"]);
    assert_eq!(report.breakdown.total.to_string(), "61.00");
    assert_eq!(report.row_filter.as_deref(), Some("glue"));
    assert!(
        report
            .csv()
            .lines()
            .last()
            .unwrap()
            .starts_with("TOTAL,61.00,")
    );
    // Unfiltered, every group, in the table's order.
    m.view_mut(Tab::Cost).filter.clear();
    m.rebuild_view(Tab::Cost);
    let effects = press(&mut m, "E");
    let [Effect::ExportCost { report, json: true }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(report.breakdown.rows.len(), 2);
    assert_eq!(report.row_filter, None);
}
