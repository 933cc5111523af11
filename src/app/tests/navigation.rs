//! `update` tests: tabs, moving, sorting, filtering, commands, details, the Overview, stale data, refresh.

use super::*;

#[test]
fn number_keys_tab_and_backtab_switch_tabs_and_focus_the_source() {
    let mut m = loaded();
    assert_eq!(
        press(&mut m, "2"),
        vec![Effect::Focus(Some(SourceKind::Replication))]
    );
    assert_eq!(m.tab, Tab::Dms);
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.tab, Tab::Airflow);
    key(&mut m, KeyCode::BackTab);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.tab, Tab::Overview);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.tab, Tab::Cost);
    assert_eq!(press(&mut m, "1"), vec![Effect::Focus(None)]);
    assert!(press(&mut m, "1").is_empty(), "same tab: no effect");
}

#[test]
fn navigation_moves_and_stops_at_the_ends() {
    let mut m = loaded();
    press(&mut m, "2");
    assert_eq!(m.view(Tab::Dms).rows.len(), 4);
    press(&mut m, "jjjjjj");
    assert_eq!(m.view(Tab::Dms).selected, 3);
    press(&mut m, "k");
    assert_eq!(m.view(Tab::Dms).selected, 2);
    press(&mut m, "g");
    assert_eq!(m.view(Tab::Dms).selected, 0);
    press(&mut m, "G");
    assert_eq!(m.view(Tab::Dms).selected, 3);
    key(&mut m, KeyCode::PageUp);
    assert_eq!(m.view(Tab::Dms).selected, 0);
    key(&mut m, KeyCode::Down);
    assert_eq!(m.view(Tab::Dms).selected, 1);
}

#[test]
fn worst_health_sorts_first_and_sort_keys_change_order() {
    let mut m = loaded();
    press(&mut m, "2");
    let first = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "orders-nightly-full-load"
    );
    press(&mut m, "s"); // by task id
    assert_eq!(m.view(Tab::Dms).sort.column, 1);
    let first = m.view(Tab::Dms).rows[0];
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "payments-nightly-full-load"
    );
    press(&mut m, "S");
    let first = m.view(Tab::Dms).rows[0];
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "customers-nightly-full-load"
    );
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("sorted by task")
    );
}

#[test]
fn filter_narrows_live_enter_keeps_and_esc_clears() {
    let mut m = loaded();
    press(&mut m, "2/orders");
    assert!(matches!(&m.mode, Mode::Filter { input } if input == "orders"));
    assert_eq!(m.view(Tab::Dms).rows.len(), 1);
    key(&mut m, KeyCode::Backspace);
    assert_eq!(m.view(Tab::Dms).filter, "order");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.view(Tab::Dms).rows.len(), 1, "filter kept after Enter");
    press(&mut m, "j"); // keys are actions again
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.view(Tab::Dms).rows.len(), 4, "Esc clears the filter");
    press(&mut m, "/zzz");
    assert_eq!(m.view(Tab::Dms).rows.len(), 0);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.view(Tab::Dms).filter, "");
}

#[test]
fn command_mode_switches_tabs_completes_and_reports_errors() {
    let mut m = loaded();
    press(&mut m, ":air");
    key(&mut m, KeyCode::Tab);
    assert!(matches!(&m.mode, Mode::Command { input } if input == "airflow"));
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::Focus(Some(SourceKind::Workflow))]
    );
    assert_eq!(m.tab, Tab::Airflow);
    press(&mut m, ":theme li");
    key(&mut m, KeyCode::Tab);
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::LoadTheme("light".into())]
    );
    update(&mut m, Msg::ThemeLoaded(Ok("light".into())));
    assert_eq!(m.theme_name, "light");
    press(&mut m, ":bogus");
    key(&mut m, KeyCode::Enter);
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "unknown command `:bogus` (try :help)"
    );
    assert!(m.notice.as_ref().unwrap().is_error);
    press(&mut m, ":x");
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.tab, Tab::Airflow);
    press(&mut m, ":q");
    assert_eq!(key(&mut m, KeyCode::Enter), vec![Effect::Quit]);
    assert!(m.quit);
}

#[test]
fn enter_opens_a_detail_that_fetches_and_esc_goes_back() {
    let mut m = loaded();
    press(&mut m, "2");
    let effects = key(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![
            Effect::FetchDetail(DetailRequest::TableStatistics {
                task_id: "orders-nightly-full-load".into()
            }),
            Effect::FetchDetail(DetailRequest::TaskSettings {
                task_id: "orders-nightly-full-load".into()
            })
        ]
    );
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskSettings {
            task_id: "orders-nightly-full-load".into(),
            result: Ok(crate::domain::TaskSettings {
                target_table_prep_mode: Some(crate::domain::TablePrepMode::TruncateBeforeLoad),
            }),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { settings, .. })
        if settings.data.as_ref().unwrap().target_table_prep_mode
            == Some(crate::domain::TablePrepMode::TruncateBeforeLoad)));
    assert!(matches!(&m.detail, Some(Detail::Task { id, .. }) if id == "orders-nightly-full-load"));
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "orders-nightly-full-load".into(),
            result: Ok(Vec::new()),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { tables, .. }) if tables.data.is_some()));
    // An answer for another task is dropped.
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "other".into(),
            result: Err(SourceError::new(ErrorKind::NotFound, "gone")),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { tables, .. }) if tables.error.is_none()));
    key(&mut m, KeyCode::Esc);
    assert!(m.detail.is_none());
    assert_eq!(m.tab, Tab::Dms);

    press(&mut m, "3");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::FetchDetail(DetailRequest::TaskInstances { dag_id, .. })] if dag_id == "dbt_build")
    );
    press(&mut m, "4");
    assert!(m.detail.is_none(), "switching tabs closes the detail");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(matches!(m.detail, Some(Detail::Query { id: 2, .. })));
}

#[test]
fn overview_lists_failures_newest_first_and_enter_jumps_to_the_item() {
    let mut m = loaded();
    let titles: Vec<&str> = m
        .view(Tab::Overview)
        .rows
        .iter()
        .map(|i| m.failures[*i].title.as_str())
        .collect();
    assert_eq!(
        titles,
        vec![
            "query 2 dbt:model_2",
            "dbt_build",
            "orders-nightly-full-load"
        ]
    );
    press(&mut m, "jj");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.tab, Tab::Dms);
    let selected = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[selected].id,
        "orders-nightly-full-load"
    );
}

#[test]
fn jumping_clears_a_filter_that_hides_the_item() {
    let mut m = loaded();
    press(&mut m, "2/customers");
    key(&mut m, KeyCode::Enter);
    press(&mut m, "1");
    press(&mut m, "G");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.tab, Tab::Dms);
    assert_eq!(m.view(Tab::Dms).filter, "");
    let selected = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[selected].id,
        "orders-nightly-full-load"
    );
}

#[test]
fn an_older_failed_run_fixed_by_a_newer_one_is_not_failing_now() {
    let mut m = loaded();
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Workflow,
            fetched_at: t(9, 31),
            result: Ok(Payload::Runs(vec![
                run("dbt_build", "failed", t(3, 0) - chrono::Duration::days(1)),
                run("dbt_build", "success", t(3, 0)),
            ])),
        },
    );
    assert!(m.failures.iter().all(|f| f.title != "dbt_build"));
}

#[test]
fn data_goes_stale_after_two_intervals_and_errors_keep_the_data() {
    let mut m = loaded();
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Fresh(_)));
    update(
        &mut m,
        Msg::Tick {
            now: t(9, 30) + chrono::Duration::seconds(61),
            platform_now: t(9, 31),
        },
    );
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Stale(d) if d.as_secs() == 61));
    update(&mut m, Msg::FetchStarted(SourceKind::Replication));
    assert!(m.tasks.loading);
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 32),
            result: Err(SourceError::new(ErrorKind::Throttled, "Rate exceeded")),
        },
    );
    assert!(!m.tasks.loading);
    assert_eq!(
        m.tasks.data.as_ref().unwrap().len(),
        4,
        "the old data stays"
    );
    assert_eq!(m.tasks.error.as_ref().unwrap().message, "Rate exceeded");
    assert!(m.runs.error.is_none(), "other sources are untouched");
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 33),
            result: Ok(Payload::Tasks(tasks())),
        },
    );
    assert!(m.tasks.error.is_none());
    update(
        &mut m,
        Msg::Tick {
            now: t(9, 33),
            platform_now: t(9, 33),
        },
    );
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Fresh(_)));
}

#[test]
fn refresh_asks_for_the_visible_source_or_all_on_the_overview() {
    let mut m = loaded();
    let effects = update(&mut m, Msg::Key(Key::ctrl('r')));
    assert_eq!(effects.len(), 3);
    assert!(
        !effects.contains(&Effect::Refresh(SourceKind::Cost)),
        "cost is billed: not on a global refresh"
    );
    press(&mut m, "5");
    // The demo does not bill: the spend and the review on screen are asked again at once.
    assert_eq!(
        update(&mut m, Msg::Key(Key::ctrl('r'))),
        vec![
            Effect::Refresh(SourceKind::Cost),
            Effect::FetchCostReview(crate::domain::breakdown::CostRequest::default())
        ]
    );
}

#[test]
fn new_data_rebuilds_only_the_views_it_feeds() {
    let mut m = loaded();
    let builds = |m: &Model| Tab::ALL.map(|tab| m.view(tab).builds);
    let before = builds(&m);
    let fetched = |m: &mut Model, kind, result| {
        update(
            m,
            Msg::Fetched {
                kind,
                fetched_at: t(9, 31),
                result,
            },
        );
    };
    // New runs: the Overview's list and the Airflow tab, nothing else.
    let runs = vec![run("dbt_build", "failed", t(3, 0))];
    fetched(&mut m, SourceKind::Workflow, Ok(Payload::Runs(runs)));
    let after = builds(&m);
    assert_eq!(
        after[Tab::Overview.index()],
        before[Tab::Overview.index()] + 1
    );
    assert_eq!(
        after[Tab::Airflow.index()],
        before[Tab::Airflow.index()] + 1
    );
    for tab in [Tab::Dms, Tab::Redshift, Tab::Cost] {
        assert_eq!(after[tab.index()], before[tab.index()], "{tab:?} rebuilt");
    }
    // New spend and a failed fetch rebuild no list.
    let spend = crate::domain::SpendSeries {
        unit: "USD".into(),
        ..Default::default()
    };
    fetched(&mut m, SourceKind::Cost, Ok(Payload::Spend(spend)));
    let error = crate::source::SourceError::new(crate::source::ErrorKind::Unreachable, "down");
    fetched(&mut m, SourceKind::Replication, Err(error));
    assert_eq!(builds(&m), after);
    assert!(m.tasks.error.is_some(), "the error is kept beside the data");
}
