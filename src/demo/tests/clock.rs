//! The same seed and time give the same state, however the time was reached; the clock.

use chrono::Duration;

use super::super::{DemoOptions, DemoPlatform};
use super::{snapshot_time, state};

#[test]
fn same_seed_and_time_give_the_same_state() {
    let a = DemoPlatform::frozen(7, snapshot_time());
    let b = DemoPlatform::frozen(7, snapshot_time());
    assert_eq!(state(&a), state(&b));
    a.advance(Duration::hours(5));
    b.advance(Duration::hours(5));
    assert_eq!(state(&a), state(&b));
}

#[test]
fn reading_in_between_does_not_change_the_state() {
    let often = DemoPlatform::frozen(7, snapshot_time());
    let once = DemoPlatform::frozen(7, snapshot_time());
    let small = Duration::seconds(7 * 60 + 13);
    for _ in 0..40 {
        often.advance(small);
        let _ = state(&often);
    }
    once.advance(small * 40);
    assert_eq!(often.now(), once.now());
    assert_eq!(state(&often), state(&once));
}

#[test]
fn a_different_seed_gives_a_different_state() {
    let seven = state(&DemoPlatform::frozen(7, snapshot_time()));
    let eight = state(&DemoPlatform::frozen(8, snapshot_time()));
    assert_ne!(seven.tasks, eight.tasks);
    assert_ne!(seven.runs, eight.runs);
    assert_ne!(seven.queries, eight.queries);
    assert_ne!(seven.spend, eight.spend);
}

#[test]
fn a_live_platform_follows_the_wall_clock_at_its_speed() {
    let start = snapshot_time();
    let platform = DemoPlatform::new(DemoOptions {
        seed: 7,
        speed: 3600.0,
        start,
        story: None,
        keep_faults: false,
    });
    let first = platform.now();
    assert!(first >= start && first < start + Duration::hours(6));
    assert!(!platform.tasks().is_empty());
    assert!(platform.now() >= first);
    platform.advance(Duration::hours(1));
    assert!(platform.now() >= first + Duration::hours(1));
    let stopped = DemoPlatform::new(DemoOptions {
        seed: 7,
        speed: 0.0,
        start,
        story: None,
        keep_faults: false,
    });
    assert_eq!(stopped.now(), start);
}

/// A new platform has its whole backstory, and a read a few seconds later steps only those
/// seconds. (How long both take is measured by the `demo` benchmarks in
/// `benches/console.rs`, not asserted here: a busy machine would fail a timing.)
#[test]
fn a_new_platform_has_its_backstory_and_a_later_read_steps_on() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let before = state(&platform);
    assert!(!before.tasks.is_empty() && !before.runs.is_empty() && !before.queries.is_empty());
    platform.advance(Duration::seconds(5));
    assert_eq!(platform.now(), snapshot_time() + Duration::seconds(5));
    assert!(!platform.queries().is_empty());
}

#[test]
fn long_jumps_and_backward_clocks_stay_sane() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let before = platform.runs();
    // Backwards: the simulation cannot undo steps, it keeps showing what it showed.
    platform.advance(Duration::hours(-6));
    assert_eq!(platform.runs(), before);
    platform.advance(Duration::hours(6));
    // A year later, reads skip ahead rather than replay every minute (the time it takes
    // is a benchmark's).
    platform.advance(Duration::days(365));
    let runs = platform.runs();
    assert!(
        runs.iter()
            .all(|r| r.logical_date > Some(platform.now() - Duration::days(8)))
    );
    assert!(!platform.tasks().is_empty() && !platform.queries().is_empty());
    // Absurd advances saturate instead of overflowing.
    platform.advance(Duration::MAX);
    assert!(platform.now() > snapshot_time() + Duration::days(36_000));
    let today = platform.now().date_naive();
    assert_eq!(
        platform
            .daily_spend(today, today + Duration::days(3))
            .days
            .len(),
        1
    );
}
