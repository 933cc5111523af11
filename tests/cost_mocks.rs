//! The Cost Explorer adapter and its disk cache through the real SDK client, with
//! `aws-smithy-mocks` answering in AWS's place: the fields of every request
//! (GetCostAndUsage, GetCostForecast, GetAnomalies), pages, the mapping of the answers,
//! errors, the count of billed requests, and what the cache asks and does not ask.
//! moto has no GetCostForecast nor GetAnomalies, so those are tested here only.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_costexplorer as ce;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use ce::config::retry::RetryConfig;
use ce::operation::get_anomalies::{GetAnomaliesInput, GetAnomaliesOutput};
use ce::operation::get_cost_and_usage::{GetCostAndUsageInput, GetCostAndUsageOutput};
use ce::operation::get_cost_forecast::{
    GetCostForecastError, GetCostForecastInput, GetCostForecastOutput,
};
use ce::types::{
    Anomaly, AnomalyDateInterval, AnomalyScore, DateInterval, Dimension, DimensionValues,
    Expression, ForecastResult, Group, GroupDefinition, GroupDefinitionType, Impact, MatchOption,
    MetricValue, ResultByTime, RootCause as SdkRootCause, TagValues,
};
use chrono::NaiveDate;
use opsdeck::aws::ErrorContext;
use opsdeck::aws::cost::{CachedCost, CostExplorer, DEFAULT_TTL, UNTAGGED};
use opsdeck::config::CostConfig;
use opsdeck::domain::cost::{CostFilter, CostQuery, Granularity, GroupBy, Metric, RootCause};
use opsdeck::source::{CostSource, ErrorKind};
use rust_decimal::Decimal;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

fn amount(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn adapter(client: ce::Client, scope: CostConfig) -> CostExplorer {
    CostExplorer::new(
        client,
        scope,
        ErrorContext::new("Cost Explorer", Some("data-prod".into())),
    )
}

fn scope() -> CostConfig {
    CostConfig {
        linked_accounts: vec!["123456789012".into()],
        tags: vec![("team".into(), vec!["data".into()])],
    }
}

/// The filter of [`scope`], as every request of that environment must carry it.
fn scope_parts() -> Vec<Expression> {
    vec![
        Expression::builder()
            .dimensions(
                DimensionValues::builder()
                    .key(Dimension::LinkedAccount)
                    .values("123456789012")
                    .build(),
            )
            .build(),
        Expression::builder()
            .tags(TagValues::builder().key("team").values("data").build())
            .build(),
    ]
}

/// A period of GetCostAndUsage: each group's amount in `metric`, and a decoy amount in
/// another metric that must never be read.
fn period(
    start: &str,
    end: &str,
    metric: &str,
    estimated: bool,
    groups: &[(&str, &str)],
) -> ResultByTime {
    let decoy = if metric == "UnblendedCost" {
        "AmortizedCost"
    } else {
        "UnblendedCost"
    };
    let mut result = ResultByTime::builder()
        .time_period(
            DateInterval::builder()
                .start(start)
                .end(end)
                .build()
                .unwrap(),
        )
        .estimated(estimated);
    for (key, value) in groups {
        result = result.groups(
            Group::builder()
                .keys(*key)
                .metrics(
                    metric,
                    MetricValue::builder().amount(*value).unit("USD").build(),
                )
                .metrics(
                    decoy,
                    MetricValue::builder().amount("999").unit("USD").build(),
                )
                .build(),
        );
    }
    result.build()
}

/// A list the mock's request matcher appends every request to, and the matcher.
fn recorder<I: Clone + Send + 'static>() -> (Arc<Mutex<Vec<I>>>, impl Fn(&I) -> bool + Send + Sync)
{
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    (seen, move |input: &I| {
        record.lock().unwrap().push(input.clone());
        true
    })
}

/// An awsJson 1.1 error answer as the service sends it.
fn json_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({"__type": code, "Message": message}).to_string();
    let mut answer = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    answer
        .headers_mut()
        .insert("Content-Type", "application/x-amz-json-1.1");
    answer
}

/// An HTTP client with no network: every connection attempt fails before reaching AWS.
#[derive(Debug, Clone, Default)]
struct NoNetwork {
    attempts: Arc<AtomicUsize>,
}

impl HttpConnector for NoNetwork {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        HttpConnectorFuture::ready(Err(ConnectorError::io(
            "connection refused (this test has no network)".into(),
        )))
    }
}

impl HttpClient for NoNetwork {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A Cost Explorer client that cannot connect, with the SDK's retries at short pauses.
fn offline_client(network: &NoNetwork) -> ce::Client {
    let config = ce::Config::builder()
        .behavior_version(ce::config::BehaviorVersion::latest())
        .region(ce::config::Region::new("us-east-1"))
        .credentials_provider(ce::config::Credentials::for_tests())
        .http_client(network.clone())
        .retry_config(short_retries())
        .build();
    ce::Client::from_conf(config)
}

fn short_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "opsdeck-cost-mocks-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn cost_by_service_reads_the_query_metric_across_pages() {
    let (seen, matcher) = recorder::<GetCostAndUsageInput>();
    let pages = mock!(ce::Client::get_cost_and_usage)
        .match_requests(matcher)
        .sequence()
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-02",
                    "AmortizedCost",
                    false,
                    &[("Amazon Redshift", "10.5"), ("Amazon S3", "0.25")],
                ))
                .next_page_token("page-2")
                .build()
        })
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-02",
                    "AmortizedCost",
                    false,
                    &[("Amazon Redshift", "0.5")],
                ))
                .results_by_time(period(
                    "2026-11-02",
                    "2026-11-03",
                    "AmortizedCost",
                    true,
                    &[("Amazon S3", "1")],
                ))
                .build()
        })
        .build();
    let cost = adapter(mock_client!(ce, [&pages]), CostConfig::default());
    let query = CostQuery {
        metric: Metric::AmortizedCost,
        ..CostQuery::daily_by_service(date("2026-11-01"), date("2026-11-03"))
    };
    let series = cost.cost(&query).await.expect("spend");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    for (request, token) in requests.iter().zip([None, Some("page-2")]) {
        let period = request.time_period().unwrap();
        assert_eq!((period.start(), period.end()), ("2026-11-01", "2026-11-03"));
        assert_eq!(request.granularity(), Some(&ce::types::Granularity::Daily));
        assert_eq!(request.metrics(), ["AmortizedCost"]);
        assert_eq!(
            request.group_by(),
            [GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key("SERVICE")
                .build()]
        );
        assert_eq!(request.filter(), None, "no scope, no drill-down");
        assert_eq!(request.next_page_token(), token);
    }
    assert_eq!(series.unit, "USD");
    assert_eq!(series.days.len(), 2);
    assert_eq!(
        series.days[0].by_service,
        [
            ("Amazon Redshift".to_string(), amount("11.0")),
            ("Amazon S3".to_string(), amount("0.25")),
        ],
        "a day split over two pages is summed, in the query's metric"
    );
    assert!(!series.days[0].estimated);
    assert!(series.days[1].estimated);
    assert_eq!(series.total(), amount("12.25"));
    assert_eq!(cost.billed_requests(), Some(2));
    assert_eq!(pages.num_calls(), 2);
}

#[tokio::test]
async fn cost_by_tag_strips_the_key_and_names_the_untagged() {
    let (seen, matcher) = recorder::<GetCostAndUsageInput>();
    let answer = mock!(ce::Client::get_cost_and_usage)
        .match_requests(matcher)
        .then_output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-02",
                    "UnblendedCost",
                    false,
                    &[
                        ("team$data", "3.10"),
                        ("team$", "1.05"),
                        ("team$platform", "0.5"),
                    ],
                ))
                .build()
        });
    let cost = adapter(mock_client!(ce, [&answer]), CostConfig::default());
    let query = CostQuery {
        group_by: GroupBy::Tag("team".into()),
        ..CostQuery::daily_by_service(date("2026-11-01"), date("2026-11-02"))
    };
    let series = cost.cost(&query).await.expect("spend by team");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests[0].group_by(),
        [GroupDefinition::builder()
            .r#type(GroupDefinitionType::Tag)
            .key("team")
            .build()]
    );
    assert_eq!(
        series.days[0].by_service,
        [
            ("data".to_string(), amount("3.10")),
            (UNTAGGED.to_string(), amount("1.05")),
            ("platform".to_string(), amount("0.5")),
        ]
    );
}

#[tokio::test]
async fn cost_monthly_gives_one_entry_per_month_dated_the_first() {
    let (seen, matcher) = recorder::<GetCostAndUsageInput>();
    let answer = mock!(ce::Client::get_cost_and_usage)
        .match_requests(matcher)
        .then_output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-09-15",
                    "2026-10-01",
                    "NetUnblendedCost",
                    false,
                    &[("123456789012", "100.01")],
                ))
                .results_by_time(period(
                    "2026-10-01",
                    "2026-11-01",
                    "NetUnblendedCost",
                    false,
                    &[("123456789012", "200.02"), ("210987654321", "3")],
                ))
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-10",
                    "NetUnblendedCost",
                    true,
                    &[("123456789012", "50")],
                ))
                .build()
        });
    let cost = adapter(mock_client!(ce, [&answer]), CostConfig::default());
    let query = CostQuery {
        start: date("2026-09-15"),
        end: date("2026-11-10"),
        granularity: Granularity::Monthly,
        metric: Metric::NetUnblendedCost,
        group_by: GroupBy::LinkedAccount,
        filters: Vec::new(),
    };
    let series = cost.cost(&query).await.expect("monthly spend");

    let request = seen.lock().unwrap()[0].clone();
    assert_eq!(
        request.granularity(),
        Some(&ce::types::Granularity::Monthly)
    );
    assert_eq!(request.metrics(), ["NetUnblendedCost"]);
    assert_eq!(request.group_by()[0].key(), Some("LINKED_ACCOUNT"));
    let months: Vec<(NaiveDate, bool)> =
        series.days.iter().map(|m| (m.date, m.estimated)).collect();
    assert_eq!(
        months,
        [
            (date("2026-09-01"), false),
            (date("2026-10-01"), false),
            (date("2026-11-01"), true),
        ]
    );
    assert_eq!(series.days[1].total(), amount("203.02"));
    assert_eq!(series.total(), amount("353.03"));
}

#[tokio::test]
async fn cost_drill_down_filters_are_anded_with_the_scope() {
    let (seen, matcher) = recorder::<GetCostAndUsageInput>();
    let answer = mock!(ce::Client::get_cost_and_usage)
        .match_requests(matcher)
        .sequence()
        .output(|| GetCostAndUsageOutput::builder().build())
        .repeatedly()
        .build();
    let client = mock_client!(ce, RuleMode::MatchAny, [&answer]);
    let scoped = adapter(client.clone(), scope());
    let unscoped = adapter(client, CostConfig::default());
    let drilled = CostQuery {
        group_by: GroupBy::UsageType,
        filters: vec![
            CostFilter {
                dimension: GroupBy::Service,
                value: "Amazon Redshift".into(),
            },
            CostFilter {
                dimension: GroupBy::Region,
                value: "eu-west-1".into(),
            },
            CostFilter {
                dimension: GroupBy::Tag("cost-center".into()),
                value: "analytics".into(),
            },
            CostFilter {
                dimension: GroupBy::Tag("owner".into()),
                value: UNTAGGED.into(),
            },
        ],
        ..CostQuery::daily_by_service(date("2026-11-01"), date("2026-11-08"))
    };
    scoped.cost(&drilled).await.expect("drilled down");
    let one_step = CostQuery {
        filters: drilled.filters[..1].to_vec(),
        ..drilled.clone()
    };
    unscoped.cost(&one_step).await.expect("one step down");
    scoped
        .daily_spend(date("2026-11-01"), date("2026-11-08"))
        .await
        .expect("the scope alone");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let service = Expression::builder()
        .dimensions(
            DimensionValues::builder()
                .key(Dimension::Service)
                .values("Amazon Redshift")
                .build(),
        )
        .build();
    let mut all = scope_parts();
    all.extend([
        service.clone(),
        Expression::builder()
            .dimensions(
                DimensionValues::builder()
                    .key(Dimension::Region)
                    .values("eu-west-1")
                    .build(),
            )
            .build(),
        Expression::builder()
            .tags(
                TagValues::builder()
                    .key("cost-center")
                    .values("analytics")
                    .build(),
            )
            .build(),
        Expression::builder()
            .tags(
                TagValues::builder()
                    .key("owner")
                    .match_options(MatchOption::Absent)
                    .build(),
            )
            .build(),
    ]);
    assert_eq!(
        requests[0].filter(),
        Some(&Expression::builder().set_and(Some(all)).build()),
        "the scope, then every drill-down step, in one AND"
    );
    assert_eq!(requests[0].group_by()[0].key(), Some("USAGE_TYPE"));
    assert_eq!(
        requests[1].filter(),
        Some(&service),
        "a single part is not wrapped in an AND"
    );
    assert_eq!(
        requests[2].filter(),
        Some(&Expression::builder().set_and(Some(scope_parts())).build())
    );
}

#[tokio::test]
async fn cost_a_period_whose_daily_amounts_have_many_decimals_totals_exactly() {
    const SERVICES: [&str; 12] = [
        "AWS Database Migration Service",
        "AWS Glue",
        "AWS Key Management Service",
        "AWS Lambda",
        "Amazon CloudWatch",
        "Amazon EC2",
        "Amazon Managed Workflows for Apache Airflow",
        "Amazon Redshift",
        "Amazon S3",
        "Amazon Virtual Private Cloud",
        "AWS Secrets Manager",
        "Amazon Simple Notification Service",
    ];
    // 30 days over two pages: the first 20 days, then the last 10.
    let days = |from: u32, to: u32| -> GetCostAndUsageOutput {
        let mut page = GetCostAndUsageOutput::builder();
        for n in from..to {
            let start = date("2026-10-01") + chrono::Days::new(u64::from(n));
            let end = start + chrono::Days::new(1);
            let groups: Vec<(&str, &str)> = SERVICES.iter().map(|s| (*s, "0.1234567")).collect();
            page = page.results_by_time(period(
                &start.to_string(),
                &end.to_string(),
                "UnblendedCost",
                false,
                &groups,
            ));
        }
        page.build()
    };
    let pages = mock!(ce::Client::get_cost_and_usage)
        .sequence()
        .output(move || {
            let mut first = days(0, 20);
            first.next_page_token = Some("page-2".into());
            first
        })
        .output(move || days(20, 30))
        .build();
    let dir = tempdir();
    let inner = Arc::new(adapter(mock_client!(ce, [&pages]), CostConfig::default()));
    let cache = CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    );
    let (start, end) = (date("2026-10-01"), date("2026-10-31"));
    let fresh = cache.daily_spend(start, end).await.expect("spend");
    assert_eq!(fresh.days.len(), 30);
    assert_eq!(fresh.total(), amount("44.444412"));
    assert_eq!(
        fresh.total().to_string(),
        "44.4444120",
        "not a float's 44.44441199…"
    );

    let restarted = CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    );
    let cached = restarted
        .daily_spend(start, end)
        .await
        .expect("cached spend");
    assert_eq!(
        cached.total(),
        amount("44.444412"),
        "exact through the disk too"
    );
    assert_eq!(cached.days, fresh.days);
    assert_eq!(inner.billed_requests(), Some(2));
    assert_eq!(pages.num_calls(), 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cost_a_refusal_is_billed_and_says_which_permission() {
    let refusal = mock!(ce::Client::get_cost_and_usage).then_http_response(|| {
        json_error(
            400,
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/opsdeck-read/me is not authorized to perform: ce:GetCostAndUsage",
        )
    });
    let cost = adapter(mock_client!(ce, [&refusal]), CostConfig::default());
    let error = cost
        .daily_spend(date("2026-11-01"), date("2026-11-02"))
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Permission);
    assert!(
        error
            .message
            .starts_with("Cost Explorer: AccessDeniedException: User:"),
        "{error}"
    );
    assert!(error.hint.unwrap().contains("docs/iam"));
    assert_eq!(
        cost.billed_requests(),
        Some(1),
        "an answer, even a refusal, is a request"
    );
}

#[tokio::test]
async fn cost_a_throttled_attempt_is_retried_and_each_answer_billed() {
    let answers = mock!(ce::Client::get_cost_and_usage)
        .sequence()
        .http_response(|| json_error(400, "LimitExceededException", "Rate exceeded"))
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-02",
                    "UnblendedCost",
                    false,
                    &[("Amazon S3", "1.5")],
                ))
                .build()
        })
        .build();
    let client = mock_client!(ce, RuleMode::Sequential, [&answers], |c| c
        .retry_config(short_retries()));
    let cost = adapter(client, CostConfig::default());
    let series = cost
        .daily_spend(date("2026-11-01"), date("2026-11-02"))
        .await
        .expect("the SDK retries LimitExceededException");
    assert_eq!(series.total(), amount("1.5"));
    assert_eq!(answers.num_calls(), 2);
    assert_eq!(
        cost.billed_requests(),
        Some(2),
        "the throttled attempt reached AWS too"
    );
}

#[tokio::test]
async fn cost_without_network_is_unreachable_and_bills_nothing() {
    let network = NoNetwork::default();
    let cost = adapter(offline_client(&network), CostConfig::default());
    let error = cost
        .daily_spend(date("2026-11-01"), date("2026-11-02"))
        .await
        .expect_err("no network");
    assert_eq!(error.kind, ErrorKind::Unreachable, "{error}");
    assert_eq!(
        network.attempts.load(Ordering::SeqCst),
        3,
        "the SDK retried"
    );
    assert_eq!(cost.billed_requests(), Some(0), "nothing reached AWS");
    let error = cost
        .forecast(
            date("2026-11-25"),
            date("2026-12-01"),
            Metric::UnblendedCost,
        )
        .await
        .expect_err("no network");
    assert_eq!(error.kind, ErrorKind::Unreachable);
    assert_eq!(cost.billed_requests(), Some(0));
}

#[tokio::test]
async fn cost_a_query_past_the_page_limit_fails_rather_than_answer_in_part() {
    let endless = mock!(ce::Client::get_cost_and_usage)
        .sequence()
        .output(|| {
            GetCostAndUsageOutput::builder()
                .next_page_token("more")
                .build()
        })
        .repeatedly()
        .build();
    let cost = adapter(mock_client!(ce, [&endless]), CostConfig::default());
    let error = cost
        .daily_spend(date("2026-11-01"), date("2026-11-02"))
        .await
        .expect_err("too many pages");
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(
        error.message,
        "Cost Explorer: the cost query runs past 50 pages"
    );
    assert_eq!(endless.num_calls(), 50);
    assert_eq!(cost.billed_requests(), Some(50));
}

fn forecast_answer() -> GetCostForecastOutput {
    let month = |start: &str, end: &str, mean: &str, low: &str, high: &str| {
        ForecastResult::builder()
            .time_period(
                DateInterval::builder()
                    .start(start)
                    .end(end)
                    .build()
                    .unwrap(),
            )
            .mean_value(mean)
            .prediction_interval_lower_bound(low)
            .prediction_interval_upper_bound(high)
            .build()
    };
    GetCostForecastOutput::builder()
        .total(
            MetricValue::builder()
                .amount("1234.5678901")
                .unit("USD")
                .build(),
        )
        .forecast_results_by_time(month(
            "2026-11-25",
            "2026-12-01",
            "234.5678901",
            "200.1",
            "260.2",
        ))
        .forecast_results_by_time(month(
            "2026-12-01",
            "2027-01-01",
            "1000",
            "900.05",
            "1100.15",
        ))
        .build()
}

#[tokio::test]
async fn forecast_asks_monthly_at_80_percent_in_the_forecast_metric_spelling() {
    let (seen, matcher) = recorder::<GetCostForecastInput>();
    let answer = mock!(ce::Client::get_cost_forecast)
        .match_requests(matcher)
        .then_output(forecast_answer);
    let cost = adapter(mock_client!(ce, [&answer]), scope());
    let forecast = cost
        .forecast(
            date("2026-11-25"),
            date("2027-01-01"),
            Metric::AmortizedCost,
        )
        .await
        .expect("forecast");

    let request = seen.lock().unwrap()[0].clone();
    let period = request.time_period().unwrap();
    assert_eq!((period.start(), period.end()), ("2026-11-25", "2027-01-01"));
    assert_eq!(request.metric(), Some(&ce::types::Metric::AmortizedCost));
    assert_eq!(request.metric().unwrap().as_str(), "AMORTIZED_COST");
    assert_eq!(
        request.granularity(),
        Some(&ce::types::Granularity::Monthly)
    );
    assert_eq!(request.prediction_interval_level(), Some(80));
    assert_eq!(
        request.filter(),
        Some(&Expression::builder().set_and(Some(scope_parts())).build())
    );
    assert_eq!(forecast.start, date("2026-11-25"));
    assert_eq!(forecast.end, date("2027-01-01"));
    assert_eq!(forecast.unit, "USD");
    assert_eq!(forecast.mean, amount("1234.5678901"));
    assert_eq!(forecast.low, amount("1100.15"));
    assert_eq!(forecast.high, amount("1360.35"));
    assert_eq!(cost.billed_requests(), Some(1));
}

#[tokio::test]
async fn forecast_without_enough_history_is_not_found_with_a_hint() {
    let refusal = mock!(ce::Client::get_cost_forecast).then_error(|| {
        GetCostForecastError::DataUnavailableException(
            ce::types::error::DataUnavailableException::builder()
                .message("Insufficient amount of historical data to generate forecast.")
                .meta(
                    ErrorMetadata::builder()
                        .code("DataUnavailableException")
                        .message("Insufficient amount of historical data to generate forecast.")
                        .build(),
                )
                .build(),
        )
    });
    let cost = adapter(mock_client!(ce, [&refusal]), CostConfig::default());
    let error = cost
        .forecast(
            date("2026-11-25"),
            date("2026-12-01"),
            Metric::UnblendedCost,
        )
        .await
        .expect_err("no history");
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(
        error.message,
        "Cost Explorer: DataUnavailableException: Insufficient amount of historical data to generate forecast."
    );
    assert!(error.hint.unwrap().contains("too little spend history"));
    assert_eq!(cost.billed_requests(), Some(1));
}

fn anomaly(id: &str, start: Option<&str>, end: Option<&str>, impact: f64) -> Anomaly {
    Anomaly::builder()
        .anomaly_id(id)
        .set_anomaly_start_date(start.map(str::to_string))
        .set_anomaly_end_date(end.map(str::to_string))
        .anomaly_score(
            AnomalyScore::builder()
                .max_score(0.9)
                .current_score(0.8)
                .build(),
        )
        .impact(
            Impact::builder()
                .max_impact(impact)
                .total_impact(impact)
                .build(),
        )
        .monitor_arn("arn:aws:ce::123456789012:anomalymonitor/services")
        .root_causes(
            SdkRootCause::builder()
                .service("Amazon Redshift")
                .region("eu-west-1")
                .linked_account("123456789012")
                .usage_type("EU-Node:ra3.4xlarge")
                .build(),
        )
        .build()
        .expect("an anomaly")
}

#[tokio::test]
async fn anomalies_read_every_page_with_exact_cents_and_root_causes() {
    let (seen, matcher) = recorder::<GetAnomaliesInput>();
    let pages = mock!(ce::Client::get_anomalies)
        .match_requests(matcher)
        .sequence()
        .output(|| {
            GetAnomaliesOutput::builder()
                .anomalies(anomaly(
                    "a-1",
                    Some("2026-11-20"),
                    Some("2026-11-21T00:00:00Z"),
                    0.1 + 0.2,
                ))
                .next_page_token("page-2")
                .build()
                .unwrap()
        })
        .output(|| {
            GetAnomaliesOutput::builder()
                .anomalies(anomaly("a-2", None, None, 1_234.565_000_1))
                .build()
                .unwrap()
        })
        .build();
    let cost = adapter(mock_client!(ce, [&pages]), CostConfig::default());
    let found = cost
        .anomalies(date("2026-11-01"), date("2026-11-26"))
        .await
        .expect("anomalies");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    let interval = AnomalyDateInterval::builder()
        .start_date("2026-11-01")
        .end_date("2026-11-25")
        .build()
        .unwrap();
    for (request, token) in requests.iter().zip([None, Some("page-2")]) {
        assert_eq!(
            request.date_interval(),
            Some(&interval),
            "the end date is the last day, included"
        );
        assert_eq!(request.next_page_token(), token);
    }
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].id, "a-1");
    assert_eq!(found[0].start, date("2026-11-20"));
    assert_eq!(found[0].end, Some(date("2026-11-21")));
    assert_eq!(found[0].unit, "USD");
    assert_eq!(found[0].impact.to_string(), "0.30", "no float drift");
    assert_eq!(
        found[0].root_causes,
        [RootCause {
            service: Some("Amazon Redshift".into()),
            region: Some("eu-west-1".into()),
            account: Some("123456789012".into()),
            usage_type: Some("EU-Node:ra3.4xlarge".into()),
        }]
    );
    assert_eq!(
        found[1].start,
        date("2026-11-01"),
        "no start date: the period's"
    );
    assert_eq!(found[1].end, None, "still going on");
    assert_eq!(found[1].impact, amount("1234.57"));
    assert_eq!(cost.billed_requests(), Some(2));
}

/// Mock rules that answer every GetCostAndUsage, GetCostForecast and GetAnomalies.
fn every_answer() -> (Rule, Rule, Rule) {
    let usage = mock!(ce::Client::get_cost_and_usage)
        .sequence()
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(period(
                    "2026-11-01",
                    "2026-11-02",
                    "UnblendedCost",
                    true,
                    &[("AWS Glue", "0.1000000001")],
                ))
                .build()
        })
        .repeatedly()
        .build();
    let forecast = mock!(ce::Client::get_cost_forecast)
        .sequence()
        .output(forecast_answer)
        .repeatedly()
        .build();
    let anomalies = mock!(ce::Client::get_anomalies)
        .sequence()
        .output(|| {
            GetAnomaliesOutput::builder()
                .anomalies(anomaly("a-1", Some("2026-11-20"), None, 12.0))
                .build()
                .unwrap()
        })
        .repeatedly()
        .build();
    (usage, forecast, anomalies)
}

#[tokio::test]
async fn cache_asks_once_per_question_within_the_ttl_even_after_a_restart() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let inner = Arc::new(adapter(client, scope()));
    let dir = tempdir();
    let (start, end) = (date("2026-11-01"), date("2026-11-02"));
    let by_team = CostQuery {
        group_by: GroupBy::Tag("team".into()),
        ..CostQuery::daily_by_service(start, end)
    };

    let first = CachedCost::new(inner.clone(), &dir, "prod", &scope(), DEFAULT_TTL);
    let fresh = first.cost(&by_team).await.expect("spend");
    assert_eq!(
        fresh.fetched_at, None,
        "a new answer is stamped by the poller"
    );
    let fresh_forecast = first
        .forecast(start, date("2026-12-01"), Metric::UnblendedCost)
        .await
        .expect("forecast");
    let fresh_anomalies = first.anomalies(start, end).await.expect("anomalies");
    let again = first.cost(&by_team).await.expect("cached spend");
    assert_eq!(again.days, fresh.days);
    assert!(
        again.fetched_at.is_some(),
        "a cached answer carries its age"
    );

    // A new cache over the same directory: what a restart sees.
    let restarted = CachedCost::new(inner.clone(), &dir, "prod", &scope(), DEFAULT_TTL);
    let after = restarted
        .cost(&by_team)
        .await
        .expect("spend after a restart");
    assert_eq!(after.days, fresh.days, "decimals survive the disk");
    assert!(after.fetched_at.is_some());
    assert_eq!(
        restarted
            .forecast(start, date("2026-12-01"), Metric::UnblendedCost)
            .await
            .unwrap(),
        fresh_forecast
    );
    assert_eq!(
        restarted.anomalies(start, end).await.unwrap(),
        fresh_anomalies
    );
    // Kept answers say when they were fetched, so the tab can age each one.
    let (_, forecast_at) = restarted
        .forecast_dated(start, date("2026-12-01"), Metric::UnblendedCost)
        .await
        .unwrap();
    let (_, anomalies_at) = restarted.anomalies_dated(start, end).await.unwrap();
    assert!(forecast_at.is_some() && anomalies_at.is_some());

    assert_eq!(
        (
            usage.num_calls(),
            forecast.num_calls(),
            anomalies.num_calls()
        ),
        (1, 1, 1)
    );
    assert_eq!(
        restarted.billed_requests(),
        Some(3),
        "what the mock received"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cache_different_queries_environments_and_scopes_are_different_entries() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let inner = Arc::new(adapter(client, scope()));
    let dir = tempdir();
    let cache = CachedCost::new(inner.clone(), &dir, "prod", &scope(), DEFAULT_TTL);
    let (start, end) = (date("2026-11-01"), date("2026-11-02"));
    let plain = CostQuery::daily_by_service(start, end);
    let variants = [
        plain.clone(),
        CostQuery {
            group_by: GroupBy::Region,
            ..plain.clone()
        },
        CostQuery {
            granularity: Granularity::Monthly,
            ..plain.clone()
        },
        CostQuery {
            metric: Metric::AmortizedCost,
            ..plain.clone()
        },
        CostQuery {
            end: date("2026-11-03"),
            ..plain.clone()
        },
        CostQuery {
            filters: vec![CostFilter {
                dimension: GroupBy::Service,
                value: "Amazon Redshift".into(),
            }],
            ..plain.clone()
        },
        // The same text in a file name as the one above, but another question.
        CostQuery {
            filters: vec![CostFilter {
                dimension: GroupBy::Service,
                value: "Amazon/Redshift".into(),
            }],
            ..plain.clone()
        },
        // GroupBy::Tag("SERVICE") writes the same cache key as GroupBy::Service.
        CostQuery {
            group_by: GroupBy::Tag("SERVICE".into()),
            ..plain.clone()
        },
    ];
    for query in &variants {
        cache.cost(query).await.expect("spend");
    }
    for query in &variants {
        let cached = cache.cost(query).await.expect("cached spend");
        assert!(cached.fetched_at.is_some(), "{query:?} was cached");
    }
    assert_eq!(usage.num_calls(), variants.len());
    // daily_spend is the plain query: the same entry.
    cache.daily_spend(start, end).await.unwrap();
    assert_eq!(usage.num_calls(), variants.len());

    // Another environment, or the same one with another scope, asks for itself.
    CachedCost::new(inner.clone(), &dir, "staging", &scope(), DEFAULT_TTL)
        .cost(&plain)
        .await
        .unwrap();
    CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    )
    .cost(&plain)
    .await
    .unwrap();
    assert_eq!(usage.num_calls(), variants.len() + 2);

    // Forecasts and anomalies are keyed by their arguments.
    for metric in [
        Metric::UnblendedCost,
        Metric::AmortizedCost,
        Metric::UnblendedCost,
    ] {
        cache
            .forecast(start, date("2026-12-01"), metric)
            .await
            .unwrap();
    }
    cache.anomalies(start, end).await.unwrap();
    cache.anomalies(start, date("2026-11-03")).await.unwrap();
    cache.anomalies(start, end).await.unwrap();
    assert_eq!((forecast.num_calls(), anomalies.num_calls()), (2, 2));
    assert_eq!(
        inner.billed_requests(),
        Some((usage.num_calls() + forecast.num_calls() + anomalies.num_calls()) as u64)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cache_past_the_ttl_without_network_serves_the_answer_with_its_age() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let online = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let (start, end) = (date("2026-11-01"), date("2026-11-02"));
    let query = CostQuery::daily_by_service(start, end);
    let before = CachedCost::new(online, &dir, "prod", &CostConfig::default(), Duration::ZERO);
    let fresh = before.cost(&query).await.unwrap();
    let fresh_forecast = before
        .forecast(start, date("2026-12-01"), Metric::UnblendedCost)
        .await
        .unwrap();
    let fresh_anomalies = before.anomalies(start, end).await.unwrap();

    let network = NoNetwork::default();
    let offline = Arc::new(adapter(offline_client(&network), CostConfig::default()));
    let expired = CachedCost::new(
        offline.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        Duration::ZERO,
    );
    let stale = expired.cost(&query).await.expect("the cached answer");
    assert_eq!(stale.days, fresh.days);
    assert!(stale.fetched_at.is_some(), "shown with its age");
    assert_eq!(
        expired
            .forecast(start, date("2026-12-01"), Metric::UnblendedCost)
            .await
            .unwrap(),
        fresh_forecast
    );
    assert_eq!(
        expired.anomalies(start, end).await.unwrap(),
        fresh_anomalies
    );
    assert!(network.attempts.load(Ordering::SeqCst) >= 3, "it did try");
    assert_eq!(expired.billed_requests(), Some(0), "nothing reached AWS");
    // Asked again in the same session, the caller has that answer already: the failure
    // is reported (the console keeps what it shows, with its age, under the error).
    let error = expired.cost(&query).await.expect_err("the failure is said");
    assert_eq!(error.kind, ErrorKind::Unreachable);

    // Nothing cached: the error is the answer.
    let empty = tempdir();
    let nothing = CachedCost::new(
        offline,
        &empty,
        "prod",
        &CostConfig::default(),
        Duration::ZERO,
    );
    let error = nothing.cost(&query).await.expect_err("nothing to show");
    assert_eq!(error.kind, ErrorKind::Unreachable);
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);
}

#[tokio::test]
async fn cache_an_answer_served_because_its_renewal_failed_says_why() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let online = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let query = CostQuery::daily_by_service(date("2026-11-01"), date("2026-11-02"));
    let before = CachedCost::new(online, &dir, "prod", &CostConfig::default(), Duration::ZERO);
    before.cost(&query).await.unwrap();
    assert_eq!(before.renewal_error(), None, "a new answer was renewed");

    let network = NoNetwork::default();
    let offline = Arc::new(adapter(offline_client(&network), CostConfig::default()));
    let expired = CachedCost::new(
        offline,
        &dir,
        "prod",
        &CostConfig::default(),
        Duration::ZERO,
    );
    let stale = expired.cost(&query).await.expect("the cached answer");
    assert!(stale.fetched_at.is_some());
    let error = expired
        .renewal_error()
        .expect("why the older answer was served");
    assert_eq!(error.kind, ErrorKind::Unreachable);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cache_bypass_sends_each_question_of_the_refetch_once() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let inner = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let cache = CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    );
    let (start, end) = (date("2026-11-01"), date("2026-11-02"));
    let query = CostQuery::daily_by_service(start, end);
    let forecast_of = || cache.forecast(start, date("2026-12-01"), Metric::UnblendedCost);
    cache.cost(&query).await.unwrap();
    forecast_of().await.unwrap();
    cache.anomalies(start, end).await.unwrap();

    // A refetch asks several questions at once: each goes to the provider once.
    cache.bypass_cache_once();
    forecast_of().await.unwrap();
    assert_eq!(forecast.num_calls(), 2, "the forecast went to the provider");
    forecast_of().await.unwrap();
    assert_eq!(
        forecast.num_calls(),
        2,
        "an answer fetched since the refetch is used"
    );
    cache.cost(&query).await.unwrap();
    assert_eq!(
        usage.num_calls(),
        2,
        "the breakdown went to the provider too"
    );

    cache.bypass_cache_once();
    let refetched = cache.daily_spend(start, end).await.unwrap();
    assert_eq!(
        refetched.fetched_at, None,
        "a new answer, not the cached one"
    );
    cache.anomalies(start, end).await.unwrap();
    assert_eq!((usage.num_calls(), anomalies.num_calls()), (3, 2));
    assert_eq!(inner.billed_requests(), Some(7));
    let _ = std::fs::remove_dir_all(dir);
}

/// The adapter with a slow network: each question takes a while to answer.
struct Slow(Arc<CostExplorer>);

#[async_trait::async_trait]
impl CostSource for Slow {
    async fn daily_spend(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> opsdeck::source::SourceResult<opsdeck::domain::SpendSeries> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.0.daily_spend(start, end).await
    }
}

#[tokio::test]
async fn cache_two_callers_asking_at_once_pay_for_one_answer() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let inner = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let slow = Arc::new(Slow(inner.clone()));
    let cache = CachedCost::new(slow, &dir, "prod", &CostConfig::default(), DEFAULT_TTL);
    let (start, end) = (date("2026-11-01"), date("2026-11-02"));
    let query = CostQuery::daily_by_service(start, end);
    let (a, b) = tokio::join!(cache.cost(&query), cache.daily_spend(start, end));
    assert_eq!(a.unwrap().days, b.unwrap().days);
    assert_eq!(usage.num_calls(), 1);
    assert_eq!(inner.billed_requests(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cache_a_failed_refetch_is_an_error_and_the_count_is_of_answered_attempts() {
    let answer = || {
        GetCostAndUsageOutput::builder()
            .results_by_time(period(
                "2026-11-01",
                "2026-11-02",
                "UnblendedCost",
                false,
                &[("AWS Glue", "2.5")],
            ))
            .build()
    };
    let usage = mock!(ce::Client::get_cost_and_usage)
        .sequence()
        .output(answer)
        .http_response(|| json_error(500, "InternalServerException", "try again"))
        .times(3)
        .output(answer)
        .build();
    let client = mock_client!(ce, RuleMode::Sequential, [&usage], |c| c
        .retry_config(short_retries()));
    let inner = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let cache = CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    );
    let query = CostQuery::daily_by_service(date("2026-11-01"), date("2026-11-02"));
    let first = cache.cost(&query).await.expect("answered");
    assert_eq!(first.fetched_at, None, "a new answer");
    assert_eq!(inner.billed_requests(), Some(1));

    // The operator's refetch: Cost Explorer answers 500 three times (the SDK retries).
    cache.bypass_cache_once();
    let error = cache.cost(&query).await.expect_err("the refetch failed");
    assert!(error.message.contains("InternalServerException"), "{error}");
    assert_eq!(usage.num_calls(), 4);
    assert_eq!(
        inner.billed_requests(),
        Some(4),
        "each answered attempt, and nothing else"
    );

    // Afterwards (a restart, no refetch): the cached answer with the age of its fetch,
    // and no request.
    let later = CachedCost::new(
        inner.clone(),
        &dir,
        "prod",
        &CostConfig::default(),
        DEFAULT_TTL,
    );
    let kept = later.cost(&query).await.expect("the cached answer");
    assert_eq!(kept.days, first.days);
    let age = chrono::Utc::now() - kept.fetched_at.expect("dated: not `updated 1 s ago`");
    assert!(age >= chrono::Duration::zero());
    assert_eq!(usage.num_calls(), 4, "no request was made");
    assert_eq!(inner.billed_requests(), Some(4));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cache_files_are_named_as_the_configuration_guide_says() {
    let (usage, forecast, anomalies) = every_answer();
    let client = mock_client!(ce, RuleMode::MatchAny, [&usage, &forecast, &anomalies]);
    let inner = Arc::new(adapter(client, CostConfig::default()));
    let dir = tempdir();
    let cache = CachedCost::new(inner, &dir, "prod", &CostConfig::default(), DEFAULT_TTL);
    let (start, end) = (date("2026-11-01"), date("2026-11-26"));
    cache.daily_spend(start, end).await.unwrap();
    cache
        .forecast(end, date("2026-12-01"), Metric::UnblendedCost)
        .await
        .unwrap();
    cache.anomalies(start, end).await.unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    assert!(!guide.contains("spend-NAME"), "no such files");
    for (name, kind) in names.iter().zip(["anomalies", "cost", "forecast"]) {
        // KIND-NAME-SCOPEHASH-…-QUESTIONHASH.json, as the guide spells them.
        let rest = name.strip_prefix(&format!("{kind}-prod-")).expect(name);
        let (scope, rest) = rest.split_once('-').expect(name);
        assert!(
            scope.len() == 8 && scope.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
        let hash = rest
            .strip_suffix(".json")
            .and_then(|r| r.rsplit('-').next());
        assert!(hash.is_some_and(|h| h.len() == 16), "{name}");
        assert!(
            guide.contains(&format!("`{kind}-NAME-SCOPEHASH-")),
            "{kind}"
        );
    }
    assert!(names[1].contains("-2026-11-01_2026-11-26_DAILY_UnblendedCost_SERVICE-"));
    assert!(guide.contains(
        "cost-NAME-SCOPEHASH-2026-11-01_2026-11-26_DAILY_UnblendedCost_SERVICE-QUESTIONHASH.json"
    ));
    assert!(guide.contains("rm ~/.cache/opsdeck/cost/*-NAME-*.json"));
    let _ = std::fs::remove_dir_all(dir);
}
