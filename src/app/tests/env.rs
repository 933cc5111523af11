//! `update` tests: switching environments.

use super::*;

#[test]
fn env_command_switches_among_the_config_environments() {
    let mut m = loaded();
    press(&mut m, ":env prod");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.as_ref().unwrap().is_error, "no environments yet");
    assert!(
        m.notice.as_ref().unwrap().text.contains("defines none"),
        "{:?}",
        m.notice
    );
    m.environments = vec!["staging".into(), "prod".into()];
    press(&mut m, ":");
    key(&mut m, KeyCode::Tab);
    assert!(matches!(&m.mode, Mode::Command { input } if input.is_empty()));
    press(&mut m, "en");
    key(&mut m, KeyCode::Tab);
    press(&mut m, "p");
    key(&mut m, KeyCode::Tab);
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::SwitchEnvironment("prod".into())]
    );
    press(&mut m, ":env nope");
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![],
        "an unknown name is refused before anything is opened"
    );
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "no environment `nope` (available: staging, prod)"
    );
    press(&mut m, "2/x");
    key(&mut m, KeyCode::Enter);
    assert!(m.tasks.data.is_some());
    update(
        &mut m,
        Msg::EnvironmentSwitched(Ok(Environment {
            name: "prod".into(),
            profile: Some("prod-admin".into()),
            region: Some("eu-central-1".into()),
            demo: false,
            read_only: true,
            read_only_by_flag: false,
            budget: Some(rust_decimal::Decimal::from(24_000)),
        })),
    );
    assert_eq!(m.environment.name, "prod");
    assert!(
        m.tasks.data.is_none(),
        "nothing of the old environment stays"
    );
    assert!(m.failures.is_empty());
    assert_eq!(m.view(Tab::Dms).filter, "");
    assert_eq!(m.tab, Tab::Dms, "the operator stays on the same tab");
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "environment prod (read-only)"
    );
    press(&mut m, ":env prod");
    assert_eq!(key(&mut m, KeyCode::Enter), vec![]);
    update(
        &mut m,
        Msg::EnvironmentSwitched(Err("cannot read profile `x`".into())),
    );
    assert_eq!(m.environment.name, "prod", "a failed switch stays put");
}

#[test]
fn an_environment_switch_resets_the_cost_review_and_takes_the_new_budget() {
    let mut m = loaded();
    m.budget = Some(rust_decimal::Decimal::from(30_000));
    press(&mut m, "5");
    let request = m.cost.request.clone();
    answer_review(&mut m, request);
    assert!(m.cost.report.data.is_some() && m.cost.anomalies.data.is_some());
    m.stage_costs = vec![("migration".into(), rust_decimal::Decimal::from(63))];
    update(
        &mut m,
        Msg::EnvironmentSwitched(Ok(Environment {
            name: "prod".into(),
            profile: None,
            region: Some("eu-central-1".into()),
            demo: false,
            read_only: false,
            read_only_by_flag: false,
            budget: None,
        })),
    );
    assert!(
        m.cost.report.data.is_none(),
        "no breakdown of the old environment"
    );
    assert!(
        m.cost.report.loading,
        "the Cost tab asks the new environment at once"
    );
    assert!(m.cost.forecast.data.is_none() && m.cost.anomalies.data.is_none());
    assert!(m.stage_costs.is_empty());
    assert_eq!(m.budget, None, "the new environment's budget, none here");
    assert!(m.in_flight.is_empty());
}
