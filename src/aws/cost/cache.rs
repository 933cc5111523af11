//! The disk cache in front of a billed cost source: one JSON file per question (cost query,
//! forecast, anomalies) of one environment and scope, with its fetch time. Within the TTL
//! the source is not asked at all — not by a tab switch, not by a restart; past it, a
//! failed request falls back to the cached answer, shown with its real age, the first time.
//! A refetch (past the cache, after the operator's yes) that fails, or the renewal of an
//! answer this session already has, is an error: the console keeps what it shows, with
//! its age, under the error.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::CostConfig;
use crate::domain::SpendSeries;
use crate::domain::cost::{CostAnomaly, CostQuery, Forecast, Metric};
use crate::source::{CostSource, SourceError, SourceResult};

/// How long a cached answer is used without asking (Cost Explorer refreshes its data about
/// three times a day).
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// How much of a query's readable key goes into a file name (the rest is in the hash).
const READABLE_KEY: usize = 96;

/// A cost source behind a disk cache.
pub struct CachedCost {
    inner: Arc<dyn CostSource>,
    dir: PathBuf,
    /// `ENVIRONMENT-SCOPEHASH`: one environment's answers, or one scope's, are never
    /// another's.
    owner: String,
    /// The environment's name as configured and its scope in full, which every question
    /// includes: the file name has only a safe spelling and a hash of them.
    identity: String,
    ttl: Duration,
    /// When [`CostSource::bypass_cache_once`] was last called (Unix microseconds; 0:
    /// never). Every question asked within [`BYPASS_WINDOW`] after it skips the fresh
    /// check: a refetch of the cost review asks several questions at once.
    bypass_since: AtomicI64,
    /// One lock per file: two callers asking the same question at once pay for one answer.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The files whose answer this session has already handed out: the caller has it, so
    /// a later failure to renew it is reported, not hidden behind the same answer.
    served: Mutex<std::collections::HashSet<String>>,
    /// Why the last cached answer served past its time was not renewed (cleared by an
    /// answer renewed or fresh).
    renewal_error: Mutex<Option<SourceError>>,
}

/// A file of the cache.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    /// The whole question, so that two questions whose file names meet never share an
    /// answer.
    question: String,
    fetched_at: DateTime<Utc>,
    answer: T,
}

impl CachedCost {
    /// `inner` behind a cache in `dir`, for the environment called `environment` whose part
    /// of the bill is `scope`.
    pub fn new(
        inner: Arc<dyn CostSource>,
        dir: &Path,
        environment: &str,
        scope: &CostConfig,
        ttl: Duration,
    ) -> Self {
        CachedCost {
            inner,
            dir: dir.to_path_buf(),
            owner: format!(
                "{}-{:08x}",
                file_safe(environment),
                fnv1a(&canonical(scope)) as u32
            ),
            identity: format!("{environment} {}", canonical(scope)),
            ttl,
            bypass_since: AtomicI64::new(0),
            in_flight: Mutex::new(HashMap::new()),
            served: Mutex::new(std::collections::HashSet::new()),
            renewal_error: Mutex::new(None),
        }
    }

    /// The answer to a question, from the cache when it is fresh, else from `ask`; with the
    /// fetch time of a cached answer (`None` for a new one).
    async fn answer<T, F>(
        &self,
        kind: &str,
        readable: &str,
        question: String,
        ask: F,
    ) -> SourceResult<(T, Option<DateTime<Utc>>)>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Future<Output = SourceResult<T>> + Send,
    {
        let question = format!("{kind} {} {question}", self.identity);
        let readable: String = file_safe(readable).chars().take(READABLE_KEY).collect();
        let name = format!(
            "{kind}-{}-{readable}-{:016x}.json",
            self.owner,
            fnv1a(&question)
        );
        let path = self.dir.join(&name);
        let since = self.bypass_since.load(Ordering::Relaxed);
        let bypass = since > 0 && Utc::now().timestamp_micros() - since < BYPASS_WINDOW_MICROS;
        let asked_at = DateTime::from_timestamp_micros(since).unwrap_or_else(Utc::now);
        let gate = self.gate(&name);
        let _one_at_a_time = gate.lock().await;

        let cached: Option<Entry<T>> = self.read(&path, &question).await;
        let usable = cached.as_ref().is_some_and(|entry| {
            if bypass {
                // Only an answer fetched since the bypass (by a caller we waited for).
                entry.fetched_at > asked_at
            } else {
                // An entry from the future (the clock went back) is not trusted.
                (Utc::now() - entry.fetched_at)
                    .to_std()
                    .is_ok_and(|age| age < self.ttl)
            }
        });
        if usable && let Some(entry) = cached {
            self.set_renewal_error(None);
            self.serve(&name);
            return Ok((entry.answer, Some(entry.fetched_at)));
        }
        let served_before = self
            .served
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&name);
        match ask.await {
            Ok(answer) => {
                let entry = Entry {
                    question,
                    fetched_at: Utc::now(),
                    answer,
                };
                self.write(&path, &entry).await;
                self.set_renewal_error(None);
                self.serve(&name);
                Ok((entry.answer, None))
            }
            // A refetch the operator asked for, or the renewal of an answer this session
            // already has, that fails is reported as failed: the console keeps what it
            // shows, with its real age, under the error (the same older answer served
            // again would hide the failure).
            Err(error) if bypass || served_before => Err(error),
            // Otherwise (a start, `opsdeck status`) stale data with its real age beats an
            // empty pane; the error is logged.
            Err(error) => match cached {
                Some(entry) => {
                    tracing::warn!(%error, file = %name, "cost source failed; serving the cached answer");
                    self.set_renewal_error(Some(error));
                    self.serve(&name);
                    Ok((entry.answer, Some(entry.fetched_at)))
                }
                None => Err(error),
            },
        }
    }

    fn set_renewal_error(&self, error: Option<SourceError>) {
        *self.renewal_error.lock().unwrap_or_else(|p| p.into_inner()) = error;
    }

    fn serve(&self, name: &str) {
        self.served
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string());
    }

    fn gate(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(gates.entry(name.to_string()).or_default())
    }

    /// The cached entry of `question`, read on a blocking thread (never on the console's).
    async fn read<T: DeserializeOwned>(&self, path: &Path, question: &str) -> Option<Entry<T>> {
        let file = path.to_path_buf();
        let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(file))
            .await
            .ok()?
            .ok()?;
        match serde_json::from_str::<Entry<T>>(&text) {
            Ok(entry) if entry.question == question => Some(entry),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "ignoring an unreadable cost cache file");
                None
            }
        }
    }

    /// Writes an entry, on a blocking thread (never on the console's).
    async fn write<T: Serialize>(&self, path: &Path, entry: &Entry<T>) {
        let text = match serde_json::to_string(entry) {
            Ok(text) => text,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot write the cost cache");
                return;
            }
        };
        let (dir, file) = (self.dir.clone(), path.to_path_buf());
        let result = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            // Write then rename, so a reader (another opsdeck too) never sees half a file.
            let partial = file.with_extension(format!("{}.partial", std::process::id()));
            std::fs::write(&partial, text)?;
            std::fs::rename(&partial, &file)
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Err(error) = result {
            tracing::warn!(path = %path.display(), %error, "cannot write the cost cache");
        }
    }
}

#[async_trait]
impl CostSource for CachedCost {
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries> {
        self.cost(&CostQuery::daily_by_service(start, end)).await
    }

    async fn cost(&self, query: &CostQuery) -> SourceResult<SpendSeries> {
        let question = serde_json::to_string(query).unwrap_or_else(|_| query.cache_key());
        let (mut series, fetched_at) = self
            .answer("cost", &query.cache_key(), question, self.inner.cost(query))
            .await?;
        series.fetched_at = fetched_at;
        Ok(series)
    }

    async fn forecast(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        metric: Metric,
    ) -> SourceResult<Forecast> {
        Ok(self.forecast_dated(start, end, metric).await?.0)
    }

    async fn anomalies(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<Vec<CostAnomaly>> {
        Ok(self.anomalies_dated(start, end).await?.0)
    }

    async fn forecast_dated(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        metric: Metric,
    ) -> SourceResult<(Forecast, Option<DateTime<Utc>>)> {
        let key = format!("{start}_{end}_{metric}");
        let ask = self.inner.forecast(start, end, metric);
        self.answer("forecast", &key, key.clone(), ask).await
    }

    async fn anomalies_dated(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> SourceResult<(Vec<CostAnomaly>, Option<DateTime<Utc>>)> {
        let key = format!("{start}_{end}");
        let ask = self.inner.anomalies(start, end);
        self.answer("anomalies", &key, key.clone(), ask).await
    }

    fn billed_requests(&self) -> Option<u64> {
        self.inner.billed_requests()
    }

    fn renewal_error(&self) -> Option<SourceError> {
        self.renewal_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn bypass_cache_once(&self) {
        self.bypass_since
            .store(Utc::now().timestamp_micros(), Ordering::Relaxed);
    }
}

/// How long after a refetch's yes the questions asked go past the cache.
const BYPASS_WINDOW_MICROS: i64 = 10_000_000;

/// A name with only letters, digits, `-`, `_`, `=` and `.` in it.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_=.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A scope as one text: the same accounts and tags, in any order, give the same text.
fn canonical(scope: &CostConfig) -> String {
    let mut accounts = scope.linked_accounts.clone();
    accounts.sort();
    let mut tags: Vec<(String, Vec<String>)> = scope
        .tags
        .iter()
        .map(|(key, values)| {
            let mut values = values.clone();
            values.sort();
            (key.clone(), values)
        })
        .collect();
    tags.sort();
    serde_json::json!({ "accounts": accounts, "tags": tags }).to_string()
}

/// FNV-1a: a hash that stays the same across Rust versions, unlike std's `DefaultHasher`,
/// so file names made by one build are found by the next.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    #[async_trait]
    impl CostSource for Nothing {
        async fn daily_spend(&self, _: NaiveDate, _: NaiveDate) -> SourceResult<SpendSeries> {
            unreachable!("never asked")
        }
    }

    #[test]
    fn a_scope_names_its_files_the_same_in_any_order_and_differs_from_another() {
        let scope = CostConfig {
            linked_accounts: vec!["2".into(), "1".into()],
            tags: vec![
                ("team".into(), vec!["b".into(), "a".into()]),
                ("env".into(), vec!["prod".into()]),
            ],
        };
        let reordered = CostConfig {
            linked_accounts: vec!["1".into(), "2".into()],
            tags: vec![
                ("env".into(), vec!["prod".into()]),
                ("team".into(), vec!["a".into(), "b".into()]),
            ],
        };
        assert_eq!(canonical(&scope), canonical(&reordered));
        assert_ne!(canonical(&scope), canonical(&CostConfig::default()));
        let cache = |scope: &CostConfig| {
            CachedCost::new(
                Arc::new(Nothing),
                Path::new("/nowhere"),
                "prod",
                scope,
                DEFAULT_TTL,
            )
        };
        assert_eq!(cache(&scope).owner, cache(&reordered).owner);
        assert_ne!(cache(&scope).owner, cache(&CostConfig::default()).owner);
        assert_eq!(cache(&CostConfig::default()).owner.len(), "prod-".len() + 8);
        // Pinned: a change would orphan every cache file on disk.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
