//! The one place that reads the clock.
//!
//! Architecture invariant: nothing else in the crate reads the wall clock
//! or the monotonic one (a test in `tests/it/layers.rs` looks). The
//! application layer gets a [`Clock`] injected, so tests fix or move time;
//! the core (script, engine, FAQ, hubs) is handed the local time as data.

use std::sync::Arc;

/// The wall clock as Unix seconds; tests pass a fixed or moving one.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The real wall clock.
pub fn system() -> Clock {
    Arc::new(unix_now)
}

/// The wall clock now, in Unix seconds (0 if the system clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The monotonic clock, for pauses and rate limits (never for dates).
pub fn instant() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// The civil time in `tz` at a Unix second (the epoch if it is out of range).
pub fn local(unix: i64, tz: &jiff::tz::TimeZone) -> jiff::civil::DateTime {
    jiff::Timestamp::from_second(unix)
        .map(|t| tz.to_datetime(t))
        .unwrap_or_default()
}

/// The Unix second of a civil time in `tz` (`fallback` if it does not exist).
pub fn unix(t: jiff::civil::DateTime, tz: &jiff::tz::TimeZone, fallback: i64) -> i64 {
    t.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(fallback)
}
