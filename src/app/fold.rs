//! Folding old events (`store::fold`): once an hour in the bot, and on
//! demand (`pomichnyk fold`); and adding the changes the triggers appended to
//! the statistics' counts, every [`TALLY_EVERY`] in the bot and with each
//! fold. With several bot processes on one PostgreSQL database, one folds (or
//! tallies) at a time; the others find nothing left, or the lock taken, and
//! wait for the next time.

use std::time::Duration;

use crate::stats::figures::{week_starts, DAY};
use crate::store::{Store, StoreError};

use super::App;

/// How often the bot folds.
pub const FOLD_EVERY: Duration = Duration::from_secs(3600);

/// How often the bot adds the changes to the statistics' counts: the
/// statistics read the changes not added yet too, so this only bounds how
/// many they read (at 1,000 turns a second, some ten thousand).
pub const TALLY_EVERY: Duration = Duration::from_secs(10);

/// The time before which events are folded at `now`: `days` days back, and
/// a day before the first week the weekly series reads (which counts
/// distinct residents per week from raw events), whichever is earlier.
pub fn fold_before(now: i64, tz: &jiff::tz::TimeZone, days: u32) -> i64 {
    let by_age = now - i64::from(days) * DAY;
    let weeks = week_starts(now, tz).first().map_or(by_age, |&w| w - DAY);
    by_age.min(weeks)
}

/// How long after a week ends its figures are kept (`store::weeks`): by
/// then no event of it can still be on its way (replicas' clocks differ by
/// less).
pub const WEEK_SETTLES: i64 = 3600;

/// How a fold deletes the old events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldHow {
    /// Batch by batch, other writers going on in between: the bot's hourly
    /// fold, and `pomichnyk fold`.
    InBatches,
    /// In one transaction (`Store::fold_events_at_once`): an old database's
    /// first fold with the bot stopped, `pomichnyk fold --at-once`.
    AtOnce,
}

/// Folds what is older than [`fold_before`] at `now`, keeps the figures of
/// the weekly series' weeks that ended, and tallies the counts; answers how
/// many events were folded.
pub async fn fold(
    store: &Store,
    now: i64,
    tz: &jiff::tz::TimeZone,
    days: u32,
    how: FoldHow,
) -> Result<u64, StoreError> {
    store.tally_counts().await?;
    let before = fold_before(now, tz, days);
    let folded = match how {
        FoldHow::InBatches => store.fold_events(before).await?,
        FoldHow::AtOnce => store.fold_events_at_once(before).await?,
    };
    store
        .keep_weeks(&week_starts(now, tz), now - WEEK_SETTLES)
        .await?;
    Ok(folded)
}

impl App {
    /// Folds once now, then every [`FOLD_EVERY`], and tallies every
    /// [`TALLY_EVERY`] in between, until `stop`.
    pub fn spawn_folder(
        &self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        use tokio::time::MissedTickBehavior;

        let app = self.clone();
        tokio::spawn(async move {
            let mut folds = tokio::time::interval(FOLD_EVERY);
            let mut tallies = tokio::time::interval(TALLY_EVERY);
            // A fold or tally that took long is not made up for with a burst.
            folds.set_missed_tick_behavior(MissedTickBehavior::Delay);
            tallies.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    // The hourly fold first when both are due (it tallies too).
                    biased;
                    _ = stop.changed() => break,
                    _ = folds.tick() => {
                        let now = (app.clock)();
                        match fold(&app.store, now, &app.tz, app.fold_after_days, FoldHow::InBatches).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(events = n, "old events folded"),
                            Err(e) => tracing::warn!(error = %e, "cannot fold old events"),
                        }
                    }
                    _ = tallies.tick() => {
                        if let Err(e) = app.store.tally_counts().await {
                            tracing::warn!(error = %e, "cannot add up the statistics' counts");
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_by_age_but_never_into_the_weekly_series() {
        let tz = jiff::tz::TimeZone::get("Europe/Kyiv").expect("zone");
        // Friday 27 November 2026, 10:00 in Kyiv.
        let now = 1_795_766_400;
        let first_week = week_starts(now, &tz)[0];
        assert_eq!(fold_before(now, &tz, 90), now - 90 * DAY);
        assert!(now - 90 * DAY < first_week);
        assert_eq!(fold_before(now, &tz, 7), first_week - DAY);
        assert_eq!(fold_before(now, &tz, 1), first_week - DAY);
    }
}
