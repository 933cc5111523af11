//! `opsdeck cost`'s report of a fixed period of the seed-7 demo: golden CSV and JSON, and
//! totals that equal the sum of their parts.

mod common;

use chrono::NaiveDate;
use opsdeck::cli::cost::CostRequest;
use opsdeck::domain::cost::{CostFilter, GroupBy, Period};
use opsdeck::poll::cost_report as report;
use rust_decimal::Decimal;

fn october(request: CostRequest) -> opsdeck::cli::cost::CostReport {
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
    let redshift_exact = all
        .breakdown
        .rows
        .iter()
        .find(|r| r.key == "Amazon Redshift")
        .unwrap()
        .exact_total;
    assert_eq!(by_usage.breakdown.exact_total, redshift_exact);
    assert!((by_usage.breakdown.total - redshift).abs() < Decimal::new(1, 2));
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
    assert_eq!(
        by_stage.breakdown.exact_total,
        by_service.breakdown.exact_total
    );
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
    assert_eq!(warehouse.exact_total, redshift.exact_total);
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
        let msg = runtime.block_on(opsdeck::console::review_cost(
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

/// The figures of `cost`'s table: (group, total, share, change, change%) per line.
fn table_figures(table: &str) -> Vec<(String, String, String, String, String)> {
    table
        .lines()
        .skip(2)
        .map(|line| {
            let mut words: Vec<&str> = line.split_whitespace().collect();
            let percent = words.pop().unwrap().to_string();
            let change = words.pop().unwrap().to_string();
            let share = words.pop().unwrap().trim_end_matches('%').to_string();
            let total = words.pop().unwrap().to_string();
            (words.join(" "), total, share, change, percent)
        })
        .collect()
}

fn dec(text: &str) -> Decimal {
    text.trim_start_matches('+')
        .parse()
        .unwrap_or_else(|_| panic!("not a decimal: {text}"))
}

/// Table, CSV and JSON of one report say the same figures to the cent, and each foots.
fn assert_outputs_agree(report: &opsdeck::cli::cost::CostReport) {
    let table = table_figures(&report.table());
    let csv = report.csv();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let json = report.json();
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(table.len(), rows.len());
    assert_eq!(groups.len() + 1, rows.len());
    for (i, ((group, total, share, change, percent), row)) in table.iter().zip(&rows).enumerate() {
        assert_eq!(total, &row[1], "{group}: table and CSV totals");
        assert_eq!(dec(share), dec(&row[2]), "{group}: shares");
        assert_eq!(dec(change), dec(&row[4]), "{group}: changes");
        assert_eq!(
            dec(change),
            dec(&row[1]) - dec(&row[3]),
            "{group}: change = total - previous as shown"
        );
        if percent != "-" {
            assert_eq!(dec(percent.trim_end_matches('%')), dec(&row[5]), "{group}");
            // The percent never says the opposite of the change.
            let falls = dec(change) < Decimal::ZERO;
            assert_eq!(
                percent.starts_with('-'),
                falls,
                "{group}: {change} {percent}"
            );
            assert_eq!(
                row[5].starts_with('-'),
                falls,
                "{group}: {change} {}",
                row[5]
            );
        }
        let days: Decimal = row[6..].iter().map(|d| dec(d)).sum();
        assert_eq!(days, dec(&row[1]), "{group}: the days add up to the total");
        let json = if i < groups.len() { &groups[i] } else { &json };
        assert_eq!(
            json["total"].as_str().unwrap(),
            row[1],
            "{group}: JSON total"
        );
        let previous = if i < groups.len() {
            "previous"
        } else {
            "previous_total"
        };
        assert_eq!(
            json[previous].as_str().unwrap(),
            row[3],
            "{group}: JSON previous"
        );
        assert_eq!(
            json["change"].as_str().unwrap(),
            row[4],
            "{group}: JSON change"
        );
        let amounts = if i < groups.len() {
            "amounts"
        } else {
            "bucket_totals"
        };
        let amounts: Vec<&str> = json[amounts]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            amounts,
            row[6..].iter().map(String::as_str).collect::<Vec<_>>()
        );
    }
    // The rows add up to TOTAL in every column, shares to 100.0.
    let (total, parts) = rows.split_last().unwrap();
    for column in (1..total.len()).filter(|c| *c != 5) {
        let sum: Decimal = parts.iter().map(|r| dec(&r[column])).sum();
        assert_eq!(sum, dec(&total[column]), "column {column}");
    }
    // TOTAL is the exact sum rounded half away from zero.
    let b = &report.breakdown;
    assert_eq!(b.total, opsdeck::domain::money::cents(b.exact_total));
}

#[test]
fn table_csv_and_json_agree_to_the_cent_and_foot() {
    for period in [
        Period::LastDays(30),
        Period::LastDays(90),
        Period::MonthToDate,
        Period::LastMonth,
        period(),
    ] {
        for group_by in [GroupBy::Service, GroupBy::UsageType, GroupBy::Region] {
            let report = october(CostRequest {
                period,
                group_by: group_by.clone(),
                ..CostRequest::default()
            });
            assert_outputs_agree(&report);
        }
    }
}

#[test]
fn status_says_the_month_to_date_of_the_cost_report() {
    let platform = common::platform();
    let model = common::model_from(&platform);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let allowed = std::time::Duration::from_secs(15);
    let status = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + allowed;
        opsdeck::cli::status::collect(
            model.environment,
            &model.pipelines,
            &platform.sources(),
            deadline,
            allowed,
        )
        .await
    });
    let json = status.json();
    let mtd = &json["sources"]["cost"]["month_to_date"];
    let report = october(CostRequest {
        period: Period::MonthToDate,
        ..CostRequest::default()
    });
    let b = &report.breakdown;
    assert_eq!(mtd["current"].as_str().unwrap(), format!("{:.2}", b.total));
    assert_eq!(
        mtd["previous"].as_str().unwrap(),
        format!("{:.2}", b.previous_total)
    );
    let (start, end) = report.compared.unwrap();
    assert_eq!(mtd["compared_with"]["start"], start.to_string());
    assert_eq!(mtd["compared_with"]["end_exclusive"], end.to_string());
    assert_eq!(
        mtd["change_percent"].as_str().map(|p| p.to_string()),
        b.change_percent().map(opsdeck::domain::money::plain)
    );
    let text = status.text();
    assert!(
        text.contains(&opsdeck::text::money(b.total, "USD")),
        "{text} vs {}",
        b.total
    );
    assert!(text.contains("Nov 01–23 vs Oct 01–23"), "{text}");
}

#[test]
fn last_month_is_compared_with_the_calendar_month_before() {
    let report = october(CostRequest {
        period: Period::LastMonth,
        ..CostRequest::default()
    });
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    assert_eq!(
        (report.query.start, report.query.end),
        (day(10, 1), day(11, 1))
    );
    assert_eq!(report.compared, Some((day(9, 1), day(10, 1))));
    assert!(
        report
            .table()
            .lines()
            .next()
            .unwrap()
            .contains("last month (2026-10-01 → 2026-10-31) vs 2026-09-01 → 2026-09-30"),
        "{}",
        report.table()
    );
}

#[test]
fn the_binary_prints_the_same_figures_as_table_csv_and_json() {
    let home = std::env::temp_dir().join(format!("opsdeck-cost-cli-{}", std::process::id()));
    let run = |format: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .args(["--demo", "cost", "--period", "30d", "--format", format])
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .output()
            .expect("run opsdeck");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let (table, csv, json) = (run("table"), run("csv"), run("json"));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let table = table_figures(&table);
    let csv: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let groups = json["groups"].as_array().unwrap();
    for (i, (group, total, _, change, _)) in table.iter().enumerate() {
        assert_eq!(total, csv[i][1], "{group}");
        assert_eq!(dec(change), dec(csv[i][4]), "{group}");
        let json = groups.get(i).unwrap_or(&json);
        assert_eq!(json["total"].as_str().unwrap(), total, "{group}");
        assert_eq!(
            dec(json["change"].as_str().unwrap()),
            dec(change),
            "{group}"
        );
        let days: Decimal = csv[i][6..].iter().map(|d| dec(d)).sum();
        assert_eq!(days, dec(total), "{group}");
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn an_export_never_replaces_an_earlier_one() {
    let dir = std::env::temp_dir().join(format!("opsdeck-cost-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let report = october(CostRequest {
        period: period(),
        ..CostRequest::default()
    });
    let first = opsdeck::console::export(&dir, &report, false).unwrap();
    let mut filtered = report.clone();
    filtered.breakdown = report.breakdown.only(&[1]);
    filtered.row_filter = Some("redshift".into());
    let second = opsdeck::console::export(&dir, &report, false).unwrap();
    let json = opsdeck::console::export(&dir, &report, true).unwrap();
    let narrowed = opsdeck::console::export(&dir, &filtered, false).unwrap();
    assert_ne!(first, second);
    assert!(
        second.to_string_lossy().ends_with("-by-service-2.csv"),
        "{second:?}"
    );
    assert!(
        json.to_string_lossy().ends_with("-by-service.json"),
        "{json:?}"
    );
    assert!(
        narrowed
            .to_string_lossy()
            .ends_with("-matching-redshift.csv"),
        "{narrowed:?}"
    );
    assert_eq!(std::fs::read_to_string(&first).unwrap(), report.csv());
    assert_eq!(std::fs::read_to_string(&second).unwrap(), report.csv());
    let narrowed = std::fs::read_to_string(&narrowed).unwrap();
    assert_eq!(narrowed.lines().count(), 3, "{narrowed}");
    assert!(
        narrowed
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("Amazon Redshift,")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(json["total"], report.json()["total"]);
    let _ = std::fs::remove_dir_all(dir);
}

fn screen(model: &opsdeck::app::Model, width: u16, height: u16) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = opsdeck::ui::theme::Theme::builtin("default").unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| opsdeck::ui::render(frame, model, &theme))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The console with the demo's cost review answered, as the runtime would.
fn reviewed_console() -> (opsdeck::app::Model, CostRequest) {
    use opsdeck::app::{Effect, Key, Msg, update};
    let platform = common::platform();
    let mut model = common::model_from(&platform);
    let effects = update(&mut model, Msg::Key(Key::char('5')));
    let request = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchCostReview(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the review is asked");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let msg = runtime.block_on(opsdeck::console::review_cost(
        &platform.sources(),
        request.clone(),
        &model.cost_stages,
        model.now,
    ));
    update(&mut model, msg);
    (model, request)
}

#[test]
fn a_failed_refetch_keeps_the_data_with_its_age_under_the_error_on_the_tab_and_overview() {
    use opsdeck::app::{CostAnswers, Key, Msg, update};
    use opsdeck::source::{ErrorKind, SourceError, SourceKind};
    let (mut model, request) = reviewed_console();
    let fetched = model.cost.report.fetched_at.expect("answered");
    let shown = model.cost.report.data.clone().unwrap();
    model.now += chrono::Duration::minutes(42);
    let now = model.now;
    let failure = || {
        SourceError::new(
            ErrorKind::Throttled,
            "Cost Explorer: LimitExceededException: Rate exceeded",
        )
    };
    update(
        &mut model,
        Msg::CostReviewed(Box::new(CostAnswers {
            request: request.clone(),
            fetched_at: now,
            report: Err(failure()),
            forecast: Err(failure()),
            forecast_at: now,
            anomalies: Err(failure()),
            anomalies_at: now,
            month_to_date: None,
            billed_requests: None,
        })),
    );
    update(
        &mut model,
        Msg::Fetched {
            kind: SourceKind::Cost,
            fetched_at: now,
            result: Err(failure()),
        },
    );
    assert_eq!(model.cost.report.data.as_ref(), Some(&shown));
    assert_eq!(model.cost.report.fetched_at, Some(fetched), "its true age");
    let tab = screen(&model, 100, 30);
    assert!(
        tab.contains("✖ Cost Explorer: LimitExceededException"),
        "{tab}"
    );
    assert!(tab.contains("updated 42 min ago"), "{tab}");
    assert!(tab.contains("Amazon Relational"), "{tab}");
    // The failed question is not asked again by itself: going back to the tab asks nothing.
    update(&mut model, Msg::Key(Key::char('1')));
    let overview = screen(&model, 100, 30);
    let cost_line = overview
        .lines()
        .find(|l| l.contains("Cost     "))
        .expect("the cost line");
    assert!(cost_line.contains("✖ Cost Explorer"), "{cost_line}");
    assert!(cost_line.contains("MTD $"), "{cost_line}");
    let effects = update(&mut model, Msg::Key(Key::char('5')));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, opsdeck::app::Effect::FetchCostReview(_))),
        "{effects:?}"
    );
}

#[test]
fn the_tab_counts_the_billed_requests_the_review_made_too() {
    use opsdeck::app::{Msg, update};
    use opsdeck::source::SourceKind;
    let (mut model, request) = reviewed_console();
    let mut series = model.spend.data.clone().unwrap();
    series.billed_requests = Some(1);
    let now = model.now;
    update(
        &mut model,
        Msg::Fetched {
            kind: SourceKind::Cost,
            fetched_at: now,
            result: Ok(opsdeck::app::Payload::Spend(series)),
        },
    );
    assert!(screen(&model, 100, 30).contains("1 billed request this session"));
    // The review's questions are billed too: its answers bring the count read then.
    let platform = common::platform();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let msg = runtime.block_on(opsdeck::console::review_cost(
        &platform.sources(),
        request,
        &model.cost_stages,
        model.now,
    ));
    let Msg::CostReviewed(mut answers) = msg else {
        panic!("a review")
    };
    answers.billed_requests = Some(5);
    update(&mut model, Msg::CostReviewed(answers));
    assert_eq!(model.billed_requests(), Some(5));
    assert!(screen(&model, 100, 30).contains("5 billed requests this session, $0.05"));
}

#[test]
fn remote_group_names_are_inert_and_fitted_by_display_width_in_the_table_and_csv() {
    use opsdeck::domain::breakdown::{Breakdown, CostReport};
    use opsdeck::domain::{DailySpend, SpendSeries};
    let names = [
        "数据仓库服务",
        "\u{1b}]0;owned\u{7}title",
        "=cmd|' /C calc'!A0",
        "plain",
    ];
    let series = SpendSeries {
        unit: "USD".into(),
        days: vec![DailySpend {
            date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            by_service: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), Decimal::new(1005 + i as i64, 3)))
                .collect(),
            estimated: false,
        }],
        ..SpendSeries::default()
    };
    let request = CostRequest {
        period: period(),
        ..CostRequest::default()
    };
    let (query, _) = request.queries(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let report = CostReport {
        breakdown: Breakdown::of(&series, None),
        request,
        query,
        cached_at: None,
        compared: None,
        row_filter: None,
    };
    let table = report.table();
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    let widths: Vec<usize> = table.lines().skip(1).map(opsdeck::text::width).collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "{widths:?}\n{table}"
    );
    let csv = report.csv();
    assert!(!csv.contains('\u{1b}') && !csv.contains('\u{7}'), "{csv:?}");
    assert!(csv.contains("\n'=cmd|' /C calc'!A0,"), "{csv}");
    assert_outputs_agree(&report);
}

/// On a narrow terminal the table fits its width: no line wider, every amount whole (each
/// row's total and change are the CSV's to the cent), names cut with `…`.
#[test]
fn the_table_fits_a_narrow_terminal_without_cutting_a_number() {
    let report = october(CostRequest {
        period: period(),
        ..CostRequest::default()
    });
    let csv = report.csv();
    let csv_rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for columns in [80, 60] {
        let table = report.table_within(Some(columns));
        for line in table.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= columns,
                "wider than {columns}: {line}\n{table}"
            );
        }
        let body: Vec<&str> = table
            .lines()
            .skip_while(|l| !l.starts_with("GROUP"))
            .skip(1)
            .collect();
        assert_eq!(body.len(), csv_rows.len(), "{table}");
        for (line, fields) in body.iter().zip(&csv_rows) {
            let words: Vec<&str> = line.split_whitespace().collect();
            // The row's total is shown whole, and so is its change when there is room.
            assert!(words.contains(&fields[1]), "total {} in {line}", fields[1]);
            let change = format!("{:+.2}", dec(fields[4]));
            if table
                .lines()
                .any(|l| l.starts_with("GROUP") && l.contains("CHANGE"))
            {
                assert!(
                    words.contains(&change.as_str()),
                    "change {change} in {line}"
                );
            }
        }
        if columns == 60 {
            assert!(
                table.contains("Amazon Relational Database…"),
                "cut with …\n{table}"
            );
        }
        // The title's dates are whole too.
        assert!(table.contains("2026-09-30"), "{table}");
    }
    // Without a width (a pipe), the full table as before.
    assert_eq!(report.table(), report.table_within(None));
}
