use super::*;

fn parse(text: &str) -> Config {
    Config::parse(text, Path::new("config.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> String {
    match Config::parse(text, Path::new("config.toml")) {
        Ok(config) => panic!("parsed: {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn empty_text_gives_the_defaults() {
    assert_eq!(parse(""), Config::default());
    assert_eq!(parse("# nothing\n\n"), Config::default());
}

#[test]
fn polling_keeps_defaults_for_missing_keys() {
    let config = parse("[polling]\nreplication = 10\n");
    assert_eq!(config.polling.replication, Duration::from_secs(10));
    assert_eq!(config.polling.cost, Polling::default().cost);
}

#[test]
fn visible_interval_is_never_slower_than_the_background_one() {
    let polling = parse("[polling]\nreplication = 3\nvisible = 5\n").polling;
    assert_eq!(
        polling.visible_interval(SourceKind::Replication),
        Duration::from_secs(3)
    );
    assert_eq!(
        polling.visible_interval(SourceKind::Cost),
        Duration::from_secs(5)
    );
    assert_eq!(
        polling.interval(SourceKind::Warehouse),
        Duration::from_secs(60)
    );
}

#[test]
fn keys_take_a_string_or_a_list_in_file_order() {
    let config = parse("[keys]\nrefresh = [\"ctrl-r\", \"f5\"]\nquit = \"Q\"\n");
    assert_eq!(
        config.keys,
        vec![
            (
                Action::Refresh,
                vec![Key::ctrl('r'), "f5".parse().unwrap_or(Key::char('?'))]
            ),
            (Action::Quit, vec![Key::char('Q')]),
        ]
    );
}

#[test]
fn an_empty_list_unbinds_an_action() {
    assert_eq!(
        parse("[keys]\nhelp = []\n").keys,
        vec![(Action::Help, vec![])]
    );
}

#[test]
fn key_errors_name_the_action() {
    assert_eq!(
        err("[keys]\nquit = [\"q\", \"hyper-x\"]\n"),
        "config.toml:2: bad value for `keys.quit[1]`: unknown key `hyper-x` \
         (examples: q, ctrl-r, shift-tab, enter, esc, pgup, f5, space)"
    );
    assert_eq!(
        err("[keys]\nquit = \"Q\"\nhelp = \"Q\"\n"),
        "config.toml:3: key `Q` is bound to both `quit` and `help` in [keys]"
    );
    assert_eq!(
        err("[keys]\nquit = 5\n"),
        "config.toml:2: bad value for `keys.quit`: expected a key name or a list of key \
         names, like \"q\" or [\"ctrl-r\", \"f5\"], found 5"
    );
}

#[test]
fn intervals_must_be_whole_positive_seconds() {
    for (value, found) in [
        ("-3", "-3"),
        ("1.5", "1.5"),
        ("true", "true"),
        ("[1]", "a list"),
    ] {
        assert_eq!(
            err(&format!("[polling]\ncost = {value}\n")),
            format!(
                "config.toml:2: bad value for `polling.cost`: expected a whole number of \
                 seconds from 1 to 604800 (a week), found {found}"
            )
        );
    }
}

#[test]
fn inline_tables_are_named_like_sections() {
    assert_eq!(
        err("polling = { replication = 5, colour = 1 }\n"),
        "config.toml:1: unknown key `colour` in [polling]; expected one of: \
         replication, workflow, warehouse, cost, visible, max_backoff"
    );
    assert_eq!(
        err("polling = 5\n"),
        "config.toml:1: bad value for `polling`: expected a table of intervals in seconds, \
         found 5"
    );
}

#[test]
fn pipelines_need_names_and_stages() {
    assert_eq!(
        err("[[pipeline]]\nnme = \"n\"\n"),
        "config.toml:2: unknown key `nme` in [[pipeline]]; expected one of: name, stage"
    );
    assert_eq!(
        err("[[pipeline]]\nname = \"n\"\n"),
        "config.toml:1: pipeline `n` has no stages; add [[pipeline.stage]] tables"
    );
    assert_eq!(
        err("[[pipeline]]\nname = \"\"\n"),
        "config.toml:2: bad value for `pipeline[0].name`: expected a non-empty string, \
         found \"\""
    );
    assert_eq!(
        err("[[pipeline]]\nname = \"n\"\n[[pipeline.stage]]\ndag = \"d\"\n"),
        "config.toml:3: missing key `name` in [[pipeline.stage]]"
    );
}

#[test]
fn pipelines_and_stages_have_unique_names() {
    let stage = "[[pipeline.stage]]\nname = \"s\"\ndag = \"d\"\n";
    assert_eq!(
        err(&format!(
            "[[pipeline]]\nname = \"n\"\n{stage}\n[[pipeline]]\nname = \"n\"\n{stage}"
        )),
        "config.toml:7: pipeline `n` is defined twice"
    );
    assert_eq!(
        err(&format!("[[pipeline]]\nname = \"n\"\n{stage}{stage}")),
        "config.toml:6: pipeline `n` has two stages named `s`"
    );
}

#[test]
fn a_stage_with_both_selectors_is_refused() {
    assert_eq!(
        err(
            "[[pipeline]]\nname = \"n\"\n[[pipeline.stage]]\nname = \"a\"\ndag = \"d\"\nreplication = \"r\"\n"
        ),
        "config.toml:3: pipeline stage `a` needs exactly one of `replication` or `dag`"
    );
}

#[test]
fn toml_errors_keep_their_line() {
    assert_eq!(
        err("a = 1\na = 2\n"),
        "config.toml:2: invalid TOML: duplicate key"
    );
}

#[test]
fn a_budget_is_kept_as_written() {
    let budget = |value: &str| parse(&format!("[cost]\nbudget = {value}\n")).cost.budget;
    let exact = |text: &str| text.parse::<Decimal>().ok();
    assert_eq!(budget("30000"), exact("30000"));
    assert_eq!(budget("1250.1"), exact("1250.1"));
    assert_eq!(budget("1e4"), exact("10000"));
    assert_eq!(budget("\"30000.00\""), exact("30000.00"));
    assert_eq!(budget("\"30000.00\"").map(|b| b.scale()), Some(2));
    assert_eq!(budget("0.01"), exact("0.01"));
}

#[test]
fn a_budget_must_be_an_amount_above_zero() {
    for (value, found) in [
        ("-500", "-500"),
        ("0", "0"),
        ("-0.0", "-0.0"),
        ("\"-1\"", "\"-1\""),
        ("\"thirty\"", "\"thirty\""),
        ("\"\"", "\"\""),
        ("true", "true"),
        ("nan", "NaN"),
        ("1e40", "10000000000000000000000000000000000000000.0"),
        ("[1]", "a list"),
    ] {
        assert_eq!(
            err(&format!("[cost]\nbudget = {value}\n")),
            format!(
                "config.toml:2: bad value for `cost.budget`: expected an amount above zero, \
                 like 30000 or \"30000.00\", found {found}"
            ),
            "{value}"
        );
    }
}

#[test]
fn stages_take_a_tag_value_or_a_list_of_them() {
    let stages =
        parse("[[cost.stage]]\nname = \"a\"\ntags = { stage = \"a\", team = [\"x\", \"y\"] }\n")
            .cost
            .stages;
    assert_eq!(stages.stages.len(), 1);
    assert_eq!(
        stages.stages[0].tags,
        [
            ("stage".to_string(), "a".to_string()),
            ("team".to_string(), "x".to_string()),
            ("team".to_string(), "y".to_string()),
        ]
    );
    assert_eq!(
        err("[[cost.stage]]\nname = \"a\"\ntags = { stage = [\"\"] }\n"),
        "config.toml:3: bad value for `cost.stage[0].tags.stage[0]`: expected a non-empty \
         string, found \"\""
    );
    assert_eq!(
        err("[[cost.stage]]\nname = \"a\"\ntags = { \"\" = \"x\" }\n"),
        "config.toml:1: cost stage `a`: a tag key cannot be empty"
    );
    assert_eq!(
        err("[[cost.stage]]\nname = \"a\"\ntags = { stage = [] }\n"),
        "config.toml:1: cost stage `a` claims no cost; give it `services`, `tags` or both"
    );
}

#[test]
fn cost_keeps_its_defaults_without_stages() {
    let cost = parse("[cost]\nbudget = 10\n").cost;
    assert_eq!(cost.currency, DEFAULT_CURRENCY);
    assert_eq!(cost.stages, crate::domain::stages::CostStages::defaults());
    let config = parse("cost = { currency = \"EUR\" }\n");
    assert_eq!(config.cost.currency, "EUR");
    assert_eq!(config.cost.budget, None);
    assert_eq!(
        config.budget_for(&EnvironmentConfig::default()),
        None,
        "no budget anywhere"
    );
}
