//! When a poller asks next: its interval, faster while its tab is visible, and an
//! exponential backoff with jitter after failures.

use std::time::Duration;

/// A source's polling intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Interval while the source's tab is not on screen.
    pub background: Duration,
    /// Interval while it is (never slower than `background`).
    pub visible: Duration,
    /// The longest wait after repeated failures.
    pub max_backoff: Duration,
}

impl Cadence {
    /// The wait before the next request after `failures` failures in a row.
    ///
    /// `jitter` in [0, 1) spreads retries ("equal jitter"): the wait after a failure lies
    /// between half and all of the exponential step, so pollers of many consoles do not
    /// retry in step against a throttled API.
    pub fn delay(&self, visible: bool, failures: u32, jitter: f64) -> Duration {
        let interval = if visible {
            self.visible.min(self.background)
        } else {
            self.background
        };
        if failures == 0 {
            return interval;
        }
        let exponent = failures.saturating_sub(1).min(16);
        let step = interval
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff.max(interval));
        let jitter = jitter.clamp(0.0, 1.0);
        step.mul_f64(0.5 + jitter / 2.0)
            .max(Duration::from_millis(500))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cadence() -> Cadence {
        Cadence {
            background: Duration::from_secs(30),
            visible: Duration::from_secs(5),
            max_backoff: Duration::from_secs(300),
        }
    }

    #[test]
    fn visible_polls_faster() {
        assert_eq!(cadence().delay(false, 0, 0.3), Duration::from_secs(30));
        assert_eq!(cadence().delay(true, 0, 0.3), Duration::from_secs(5));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let c = cadence();
        assert_eq!(c.delay(true, 1, 1.0), Duration::from_secs(5));
        assert_eq!(c.delay(true, 1, 0.0), Duration::from_millis(2500));
        assert_eq!(c.delay(true, 3, 1.0), Duration::from_secs(20));
        assert_eq!(c.delay(false, 4, 1.0), Duration::from_secs(240));
        assert_eq!(c.delay(false, 9, 1.0), Duration::from_secs(300));
        assert_eq!(c.delay(false, 60, 0.0), Duration::from_secs(150));
    }
}
