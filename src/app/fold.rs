//! Folding old events (`store::fold`): once an hour in the bot, and on
//! demand (`pomichnyk fold`); and adding the changes the triggers appended to
//! the statistics' counts, every [`TALLY_EVERY`] in the bot and with each
//! fold. With several bot processes on one PostgreSQL database, one folds (or
//! tallies) at a time; the others find nothing left, or the lock taken, and
//! wait for the next time.

use std::time::Duration;

use crate::stats::figures::{week_starts, DAY};
use crate::store::{FoldStep, Store, StoreError};

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
    /// Batch by batch of [`crate::store::FOLD_BATCH`], other writers going
    /// on in between: `pomichnyk fold` (the bot folds in [`Folding`]'s
    /// smaller batches).
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

/// How long one batch of the bot's fold should hold the writer: a turn that
/// comes meanwhile waits at most about that long.
pub const FOLD_BATCH_TIME: Duration = Duration::from_millis(50);

/// The most a slice of the bot's fold goes on before the folder looks at
/// its other work (stopping, tallies) again.
pub const FOLD_SLICE: Duration = Duration::from_secs(1);

/// The fewest and the most events in one batch of the bot's fold.
const BATCH_RANGE: (i64, i64) = (100, crate::store::FOLD_BATCH);

/// The bot's fold, gentle with the turns. An hour's worth of old events is
/// one small batch; an old database's first fold (tens of millions of old
/// events) goes on in the background for as long as it needs, in batches
/// sized to take about [`FOLD_BATCH_TIME`] each, with as long a pause after
/// each, so that turns get the writer at least half the time and never wait
/// long behind a batch. (`pomichnyk fold --at-once`, with the bot stopped,
/// is the fast way through such a backlog.)
#[derive(Debug)]
pub struct Folding {
    /// Events before this are folded; `None` between folds.
    before: Option<i64>,
    /// The size of the next batch, learnt from how long the last one took.
    batch: i64,
    /// Folded since this fold began.
    folded: u64,
}

impl Default for Folding {
    fn default() -> Self {
        Folding {
            before: None,
            batch: 1_000,
            folded: 0,
        }
    }
}

impl Folding {
    /// A fold whose first batch is `batch` events (later ones are sized by
    /// how long it took).
    pub fn starting_with(batch: i64) -> Self {
        Folding {
            batch: batch.max(1),
            ..Folding::default()
        }
    }

    /// Whether a fold is under way (more slices are due).
    pub fn under_way(&self) -> bool {
        self.before.is_some()
    }

    /// Begins a fold of what is older than [`fold_before`] at `now` (one
    /// already under way goes on to the new bound).
    pub fn begin(&mut self, now: i64, tz: &jiff::tz::TimeZone, days: u32) {
        self.before = Some(fold_before(now, tz, days));
    }

    /// Folds for at most about [`FOLD_SLICE`]. When nothing older is left
    /// (or another process is folding), the fold ends: the weekly series'
    /// weeks that ended are kept, and the answer is how many events this
    /// fold deleted in all. `None`: more to do, call again.
    pub async fn slice(
        &mut self,
        store: &Store,
        now: i64,
        tz: &jiff::tz::TimeZone,
    ) -> Result<Option<u64>, StoreError> {
        let Some(before) = self.before else {
            return Ok(Some(0));
        };
        let began = crate::clock::instant();
        loop {
            let t0 = crate::clock::instant();
            let step = store.fold_batch(before, self.batch).await?;
            let took = crate::clock::instant().saturating_duration_since(t0);
            let more = match step {
                FoldStep::Folded { events, more } => {
                    self.folded += events;
                    // The next batch sized to take FOLD_BATCH_TIME, if this one's
                    // events were a full batch to judge by.
                    if events as i64 >= self.batch {
                        let per_event = took.as_secs_f64() / events.max(1) as f64;
                        let fits = FOLD_BATCH_TIME.as_secs_f64() / per_event.max(1e-9);
                        self.batch = (fits as i64).clamp(BATCH_RANGE.0, BATCH_RANGE.1);
                    }
                    more
                }
                FoldStep::Busy => false,
            };
            if !more {
                store
                    .keep_weeks(&week_starts(now, tz), now - WEEK_SETTLES)
                    .await?;
                self.before = None;
                return Ok(Some(std::mem::take(&mut self.folded)));
            }
            // Turns have the writer for as long as the batch had it.
            tokio::time::sleep(took.min(FOLD_SLICE)).await;
            if crate::clock::instant().saturating_duration_since(began) >= FOLD_SLICE {
                return Ok(None);
            }
        }
    }
}

impl App {
    /// Folds once now, then every [`FOLD_EVERY`] (each fold in slices, see
    /// [`Folding`]), and tallies every [`TALLY_EVERY`] in between, until
    /// `stop`.
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
            let mut folding = Folding::default();
            loop {
                let under_way = folding.under_way();
                tokio::select! {
                    // A new fold first when one is due (it tallies when it begins).
                    biased;
                    _ = stop.changed() => break,
                    _ = folds.tick() => {
                        if let Err(e) = app.store.tally_counts().await {
                            tracing::warn!(error = %e, "cannot add up the statistics' counts");
                        }
                        folding.begin((app.clock)(), &app.tz, app.fold_after_days);
                        app.fold_slice(&mut folding).await;
                    }
                    _ = tallies.tick() => {
                        if let Err(e) = app.store.tally_counts().await {
                            tracing::warn!(error = %e, "cannot add up the statistics' counts");
                        }
                    }
                    // The next slice of a fold under way, whenever nothing above is due.
                    _ = std::future::ready(()), if under_way => {
                        app.fold_slice(&mut folding).await;
                    }
                }
            }
        })
    }

    /// One slice of the fold under way, and what to log of it.
    async fn fold_slice(&self, folding: &mut Folding) {
        match folding.slice(&self.store, (self.clock)(), &self.tz).await {
            Ok(None) | Ok(Some(0)) => {}
            Ok(Some(n)) => tracing::info!(events = n, "old events folded"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot fold old events");
                // Tried again at the next hourly fold.
                *folding = Folding::default();
            }
        }
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
