//! `opsdeck status` as text: its columns line up by display width, whatever the
//! identifiers hold (CJK characters and emoji take two columns each).

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use opsdeck::domain::{ReplicationTask, SpendSeries, TableStatistics, TaskSettings};
use opsdeck::source::{
    CostSource, ErrorKind, ReplicationSource, SourceError, SourceResult, Sources,
};
use opsdeck::text::width;

/// The demo's replication tasks, each renamed with wide characters in front.
struct WideNames(Sources);

#[async_trait]
impl ReplicationSource for WideNames {
    async fn tasks(&self) -> SourceResult<Vec<ReplicationTask>> {
        let mut tasks = self.0.replication.tasks().await?;
        for (n, task) in tasks.iter_mut().enumerate() {
            let prefix = if n % 2 == 0 {
                "订单数据"
            } else {
                "🚚📦"
            };
            task.id = format!("{prefix}-{}", task.id);
        }
        Ok(tasks)
    }
    async fn table_statistics(&self, task_id: &str) -> SourceResult<Vec<TableStatistics>> {
        self.0.replication.table_statistics(task_id).await
    }
    async fn task_settings(&self, task_id: &str) -> SourceResult<TaskSettings> {
        self.0.replication.task_settings(task_id).await
    }
}

/// The text of a line from display column `column` on.
fn from_column(line: &str, column: usize) -> Option<&str> {
    let mut used = 0;
    for (i, c) in line.char_indices() {
        if used == column {
            return Some(&line[i..]);
        }
        used += width(&c.to_string());
    }
    None
}

/// The lines of the text's "failing now" list.
fn failing_lines(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("failing now"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

/// `status` of `model`'s environment and pipelines over `sources`, read as the command does.
fn collect(model: &opsdeck::app::Model, sources: &Sources) -> opsdeck::cli::status::StatusReport {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let allowed = Duration::from_secs(15);
    runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + allowed;
        opsdeck::cli::status::collect(
            model.environment.clone(),
            &model.pipelines,
            sources,
            deadline,
            allowed,
        )
        .await
    })
}

#[test]
fn status_lines_up_failing_items_by_display_width() {
    let platform = common::platform();
    let model = common::model_from(&platform);
    let demo = platform.sources();
    let sources = Sources {
        replication: Arc::new(WideNames(demo.clone())),
        ..demo
    };
    let report = collect(&model, &sources);
    let text = report.text();
    let failing = failing_lines(&text);
    let wide: Vec<&&str> = failing
        .iter()
        .filter(|l| l.contains("订单数据") || l.contains("🚚📦"))
        .collect();
    assert!(!wide.is_empty(), "a failing task with a wide name: {text}");
    // symbol, health (8), source (8), title (28), since (12), reason.
    for line in &failing {
        let since = from_column(line, 49).unwrap_or_else(|| panic!("a short line: {line:?}"));
        assert!(
            since.starts_with(|c: char| c.is_ascii_digit() || c == '-'),
            "the age starts at column 49 in {line:?}\n{text}"
        );
        let reason = from_column(line, 62).unwrap();
        assert!(
            width(line) - width(reason) == 62 && !reason.starts_with(' '),
            "the reason starts at column 62 in {line:?}\n{text}"
        );
        let title = from_column(line, 20).unwrap();
        assert!(width(&title[..title.len() - since.len()]) == 29, "{line:?}");
    }
    // The source lines line up too.
    for line in text.lines().skip(1).take(4) {
        assert_eq!(from_column(line, 8).map(|s| &s[..1]), Some(" "), "{line:?}");
    }
}

/// `status` builds its report from the domain's snapshot, not by driving the console.
#[test]
fn status_does_not_drive_the_console() {
    for (path, source) in [
        (
            "src/cli/status/mod.rs",
            include_str!("../src/cli/status/mod.rs"),
        ),
        (
            "src/cli/status/json.rs",
            include_str!("../src/cli/status/json.rs"),
        ),
    ] {
        assert!(
            !source.contains("crate::app"),
            "{path} imports the console's app"
        );
    }
}

/// The demo's spend as a disk cache serves it: fetched 7 hours ago, its renewal (when
/// `renewal` says why) failed.
struct CachedSpend {
    demo: Sources,
    renewal: Option<SourceError>,
}

#[async_trait]
impl CostSource for CachedSpend {
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries> {
        let mut series = self.demo.cost.daily_spend(start, end).await?;
        series.fetched_at = Some(chrono::Utc::now() - chrono::Duration::hours(7));
        Ok(series)
    }
    fn renewal_error(&self) -> Option<SourceError> {
        self.renewal.clone()
    }
}

fn status_with_cost(renewal: Option<SourceError>) -> opsdeck::cli::status::StatusReport {
    let platform = common::platform();
    let model = common::model_from(&platform);
    let demo = platform.sources();
    let sources = Sources {
        cost: Arc::new(CachedSpend {
            demo: demo.clone(),
            renewal,
        }),
        ..demo
    };
    collect(&model, &sources)
}

#[test]
fn status_says_the_age_of_a_cached_cost_answer() {
    let report = status_with_cost(None);
    let text = report.text();
    let cost = text
        .lines()
        .find(|l| l.contains("month to date"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(cost.ends_with(" · as of 7 h ago"), "{cost}");
    let json = report.json();
    let fetched_at = json["sources"]["cost"]["fetched_at"].as_str().unwrap();
    let fetched_at = chrono::DateTime::parse_from_rfc3339(fetched_at).unwrap();
    let age = chrono::Utc::now() - fetched_at.with_timezone(&chrono::Utc);
    assert!((age.num_minutes() - 7 * 60).abs() <= 1, "{fetched_at}");
    assert!(json["sources"]["cost"].get("renewal_error").is_none());
    // The demo fails something: 1, not 2, since Cost Explorer was not asked.
    assert_eq!(report.exit_code(), opsdeck::cli::status::EXIT_UNHEALTHY);
}

#[test]
fn status_says_a_failed_renewal_of_the_cost_answer_and_exits_2() {
    let error = SourceError::new(ErrorKind::Unreachable, "Cost Explorer: no answer")
        .with_hint("check the network");
    let report = status_with_cost(Some(error));
    let text = report.text();
    assert!(
        text.contains("· as of 7 h ago · not renewed: Cost Explorer: no answer"),
        "{text}"
    );
    let json = report.json();
    let renewal = &json["sources"]["cost"]["renewal_error"];
    assert_eq!(renewal["kind"], "unreachable");
    assert_eq!(renewal["message"], "Cost Explorer: no answer");
    assert!(json["sources"]["cost"]["month_to_date"].is_object());
    assert_eq!(report.exit_code(), opsdeck::cli::status::EXIT_UNREADABLE);
}

/// The failing list of `status` is grouped by cause as the Overview's is: the demo night's
/// failed load first, the DAG runs it blocked under it, and the text, the JSON and the
/// console's Overview list the same items in the same order.
#[test]
fn status_puts_the_root_cause_first_and_agrees_with_json_and_the_overview() {
    let platform = common::platform();
    let model = common::model_from(&platform);
    let sources = platform.sources();
    let report = collect(&model, &sources);
    let text = report.text();
    let failing = failing_lines(&text);
    assert!(
        failing[0].starts_with("✖ failed   DMS") && failing[0].contains("root cause of nightly"),
        "{text}"
    );
    let blocked: Vec<&&str> = failing
        .iter()
        .filter(|l| l.starts_with(" ↳ blocked"))
        .collect();
    assert_eq!(blocked.len(), 3, "{text}");
    assert!(
        failing[1..4]
            .iter()
            .all(|l| l.starts_with(" ↳ blocked Airflow")),
        "{text}"
    );
    assert!(text.contains("1 root cause with 3 blocked"), "{text}");
    assert!(
        text.contains("ran on stale data (1):\n◌ nightly finance export: green, but ran while DMS loads was failed"),
        "{text}"
    );
    // The JSON says the same, in the same order.
    let json = report.json();
    let listed = json["failing"].as_array().unwrap();
    assert_eq!(listed.len(), failing.len());
    assert_eq!(listed[0]["cause"]["kind"], "root");
    assert_eq!(listed[0]["cause"]["stage"], "DMS loads");
    for (entry, line) in listed.iter().zip(&failing) {
        let title = entry["title"].as_str().unwrap();
        assert!(
            line.contains(title) || title.chars().count() > 28,
            "{line} vs {title}"
        );
        let consequence = entry["cause"]["kind"] == "consequence";
        assert_eq!(consequence, line.starts_with(" ↳ blocked"), "{line}");
    }
    assert_eq!(listed[1]["cause"]["root"], listed[0]["item"]);
    let nightly = &json["pipelines"][0];
    assert_eq!(nightly["root_cause"], "DMS loads");
    assert_eq!(
        nightly["stages"][5]["stale"],
        "ran while DMS loads was failed"
    );
    // The console's Overview, on the same platform, lists the same items in that order.
    let overview: Vec<String> = model
        .view(opsdeck::app::Tab::Overview)
        .rows
        .iter()
        .map(|&i| model.failures[i].title.clone())
        .collect();
    let titles: Vec<String> = listed
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(overview, titles);
}
