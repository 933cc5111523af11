//! Counting billed requests: Cost Explorer bills every request it answers, so the count is
//! of the attempts that got an answer (a service error included, the SDK's own retries
//! each counted), never of the ones that did not leave the machine or reach the service
//! (no connection, no credentials, a timeout before an answer).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_costexplorer::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_costexplorer::config::{ConfigBag, Intercept, RuntimeComponents};

/// An interceptor that adds one to a counter per answered attempt.
#[derive(Debug, Clone)]
pub(super) struct BilledAttempts(Arc<AtomicU64>);

impl BilledAttempts {
    pub(super) fn new(counter: Arc<AtomicU64>) -> Self {
        BilledAttempts(counter)
    }
}

impl Intercept for BilledAttempts {
    fn name(&self) -> &'static str {
        "BilledAttempts"
    }

    // Runs once per attempt, only when an HTTP answer arrived: the request reached AWS.
    fn read_before_deserialization(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
