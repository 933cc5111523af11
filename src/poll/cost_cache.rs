//! The disk cache in front of a billed cost source: one JSON file per query (environment,
//! period) with its fetch time. Within the TTL the source is not asked at all — not by a
//! tab switch, not by a restart; past it, a failed request falls back to the cached answer,
//! shown with its real age.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::SpendSeries;
use crate::source::{CostSource, SourceResult};

/// How long a cached answer is used without asking (Cost Explorer refreshes its data about
/// three times a day).
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// A cost source behind a disk cache.
pub struct CachedCost {
    inner: Arc<dyn CostSource>,
    dir: PathBuf,
    /// Tells one environment's answers from another's in the same directory.
    scope: String,
    ttl: Duration,
    /// Set by [`CostSource::bypass_cache_once`]; the next fetch skips the fresh check.
    bypass: AtomicBool,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fetched_at: DateTime<Utc>,
    series: SpendSeries,
}

impl CachedCost {
    /// `inner` behind a cache in `dir`, for the environment called `scope`.
    pub fn new(inner: Arc<dyn CostSource>, dir: &Path, scope: &str, ttl: Duration) -> Self {
        CachedCost {
            inner,
            dir: dir.to_path_buf(),
            scope: scope.to_string(),
            ttl,
            bypass: AtomicBool::new(false),
        }
    }

    fn path(&self, start: NaiveDate, end: NaiveDate) -> PathBuf {
        let scope: String = self
            .scope
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("spend-{scope}-{start}-{end}.json"))
    }

    fn read(&self, path: &Path) -> Option<Entry> {
        let text = std::fs::read_to_string(path).ok()?;
        match serde_json::from_str(&text) {
            Ok(entry) => Some(entry),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "ignoring an unreadable cost cache file");
                None
            }
        }
    }

    fn write(&self, path: &Path, entry: &Entry) {
        let result = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let text = serde_json::to_string(entry).map_err(std::io::Error::other)?;
            // Write then rename, so a reader never sees half a file.
            let partial = path.with_extension("json.partial");
            std::fs::write(&partial, text)?;
            std::fs::rename(&partial, path)
        })();
        if let Err(error) = result {
            tracing::warn!(path = %path.display(), %error, "cannot write the cost cache");
        }
    }
}

#[async_trait]
impl CostSource for CachedCost {
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries> {
        let path = self.path(start, end);
        let cached = self.read(&path);
        let now = Utc::now();
        let bypass = self.bypass.swap(false, Ordering::Relaxed);
        if let Some(entry) = cached.as_ref().filter(|_| !bypass) {
            let age = (now - entry.fetched_at).to_std().unwrap_or(Duration::ZERO);
            if age < self.ttl {
                let mut series = entry.series.clone();
                series.fetched_at = Some(entry.fetched_at);
                return Ok(series);
            }
        }
        match self.inner.daily_spend(start, end).await {
            Ok(series) => {
                let fetched_at = Utc::now();
                self.write(
                    &path,
                    &Entry {
                        fetched_at,
                        series: series.clone(),
                    },
                );
                Ok(series)
            }
            Err(error) => match cached {
                // Stale data with its real age beats an empty pane; the error is logged.
                Some(entry) => {
                    tracing::warn!(%error, "cost source failed; showing the cached answer");
                    let mut series = entry.series;
                    series.fetched_at = Some(entry.fetched_at);
                    Ok(series)
                }
                None => Err(error),
            },
        }
    }

    fn billed_requests(&self) -> Option<u64> {
        self.inner.billed_requests()
    }

    fn bypass_cache_once(&self) {
        self.bypass.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DailySpend;
    use crate::source::{ErrorKind, SourceError};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A cost source that counts its calls and can be told to fail.
    struct Counting {
        calls: AtomicUsize,
        fail: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl CostSource for Counting {
        async fn daily_spend(
            &self,
            start: NaiveDate,
            _end: NaiveDate,
        ) -> SourceResult<SpendSeries> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.fail.load(Ordering::SeqCst) {
                return Err(SourceError::new(ErrorKind::Unreachable, "offline"));
            }
            Ok(SpendSeries {
                unit: "USD".into(),
                days: vec![DailySpend {
                    date: start,
                    by_service: vec![("AWS Glue".into(), "0.1000000001".parse().unwrap())],
                    estimated: true,
                }],
                ..SpendSeries::default()
            })
        }
    }

    fn dates() -> (NaiveDate, NaiveDate) {
        (
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        )
    }

    #[tokio::test]
    async fn within_the_ttl_the_source_is_asked_once_even_after_a_restart() {
        let dir = tempdir();
        let inner = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            fail: false.into(),
        });
        let (start, end) = dates();
        let first = CachedCost::new(inner.clone(), &dir, "prod", DEFAULT_TTL);
        let fresh = first.daily_spend(start, end).await.unwrap();
        assert_eq!(
            fresh.fetched_at, None,
            "a fresh answer is stamped by the poller"
        );
        let again = first.daily_spend(start, end).await.unwrap();
        // A new cache over the same directory: what a restart sees.
        let restarted = CachedCost::new(inner.clone(), &dir, "prod", DEFAULT_TTL);
        let after_restart = restarted.daily_spend(start, end).await.unwrap();
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        assert_eq!(again.days, fresh.days, "decimals survive the round trip");
        assert_eq!(after_restart.days, fresh.days);
        assert!(
            after_restart.fetched_at.is_some(),
            "a cached answer carries its age"
        );
        // Another environment or period is another query.
        CachedCost::new(inner.clone(), &dir, "staging", DEFAULT_TTL)
            .daily_spend(start, end)
            .await
            .unwrap();
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn past_the_ttl_a_failure_falls_back_to_the_cached_answer() {
        let dir = tempdir();
        let inner = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            fail: false.into(),
        });
        let (start, end) = dates();
        let expired = CachedCost::new(inner.clone(), &dir, "prod", Duration::ZERO);
        expired.daily_spend(start, end).await.unwrap();
        inner.fail.store(true, Ordering::SeqCst);
        let offline = expired.daily_spend(start, end).await.unwrap();
        assert_eq!(
            inner.calls.load(Ordering::SeqCst),
            2,
            "past the TTL it asks again"
        );
        assert!(offline.fetched_at.is_some());
        let empty = tempdir();
        let nothing = CachedCost::new(inner, &empty, "prod", Duration::ZERO);
        assert!(nothing.daily_spend(start, end).await.is_err());
    }

    #[tokio::test]
    async fn a_bypass_asks_once_past_a_fresh_answer_then_the_cache_serves_again() {
        let dir = tempdir();
        let inner = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            fail: false.into(),
        });
        let (start, end) = dates();
        let cache = CachedCost::new(inner.clone(), &dir, "prod", DEFAULT_TTL);
        cache.daily_spend(start, end).await.unwrap();
        cache.bypass_cache_once();
        let refetched = cache.daily_spend(start, end).await.unwrap();
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            refetched.fetched_at, None,
            "a new answer, not the cached one"
        );
        cache.daily_spend(start, end).await.unwrap();
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2, "the bypass is spent");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "opsdeck-cost-cache-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
