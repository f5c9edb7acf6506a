//! Folding old events: the `events` table keeps only recent events; older ones
//! are deleted. What the statistics need of them is already in tables that
//! triggers fill as each event is written (migration `20261206000000_counts`):
//!
//! - `steps_reached`: each (dialogue, step, resident) reached, once — the
//!   lesson funnels count distinct residents per step over all time, so a
//!   daily count would not do — and `step_counts`, how many residents reached
//!   each step. Keyed by the resident, so it goes with them (`/delete_me`).
//! - `quiz_counts`: quiz answers counted per UTC day and question, as the
//!   quiz figures count them (answers, first tries, right and wrong at the
//!   first try). No resident's id.
//!
//! The weekly series counts distinct residents per week of the last
//! [`WEEKS`](crate::stats::figures::WEEKS) weeks; the caller never folds
//! events that recent (see `app::fold`), so it always reads raw events.
//! Every other kind of event has its figures in tables of its own
//! (`lesson_progress`, `questions`), so it is dropped when folded.
//!
//! Each batch is one transaction: a fold killed mid-way leaves every event
//! either gone or there. On PostgreSQL a batch holds a transaction-scoped advisory
//! lock, so one process folds at a time.

use sqlx::{AnyConnection, Row};

use super::change::Change;
use super::{Dialect, Store, StoreError};

/// About how many events one batch folds (more when the last second of a
/// batch has more).
pub const FOLD_BATCH: i64 = 20_000;

/// The advisory lock key of the folder: negative, so never a resident's id.
const FOLD_KEY: i64 = -7_002;

impl Store {
    /// Folds every event older than `before` (Unix seconds), batch by batch;
    /// answers how many were folded. Cheap when there is nothing to fold (one
    /// index lookup). Stops early, answering what it folded, when another
    /// process is folding.
    pub async fn fold_events(&self, before: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let Some((from, bound)) = self.fold_bound(before).await? else {
                return Ok(total);
            };
            let answers = self
                .write(vec![Change::Fold {
                    from,
                    before: bound,
                }])
                .await?;
            match answers.first() {
                Some(&n) if n >= 0 => total += n as u64,
                // Another process holds the folder's lock.
                _ => return Ok(total),
            }
            if bound >= before {
                return Ok(total);
            }
        }
    }

    /// The next batch: from the oldest event's time to just after about
    /// [`FOLD_BATCH`] of the oldest events, at most `before`; `None` when
    /// nothing is older.
    async fn fold_bound(&self, before: i64) -> Result<Option<(i64, i64)>, StoreError> {
        let oldest: Option<i64> = sqlx::query("SELECT min(at) AS at FROM events")
            .fetch_one(&self.read)
            .await?
            .try_get("at")?;
        let Some(from) = oldest.filter(|&at| at < before) else {
            return Ok(None);
        };
        let nth: Option<i64> =
            sqlx::query("SELECT at FROM events WHERE at < $1 ORDER BY at LIMIT 1 OFFSET $2")
                .bind(before)
                .bind(FOLD_BATCH - 1)
                .fetch_optional(&self.read)
                .await?
                .map(|r| r.try_get("at"))
                .transpose()?;
        Ok(Some((from, nth.map_or(before, |at| before.min(at + 1)))))
    }

    /// How many events are older than `before`, for tests and the command line.
    pub async fn events_before(&self, before: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT count(*) AS n FROM events WHERE at < $1")
            .bind(before)
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }
}

/// One batch inside the writer's transaction: every event from `from` to
/// before `before` deleted (an older one, written late, is in a later batch);
/// what the statistics need of them was counted as they were written. Answers
/// how many, or -1 when another process holds the folder's lock. Both bounds
/// are given so that a prepared statement's plan reads a range of
/// `events_by_at` even on PostgreSQL, whose generic plan for `at < $1` alone
/// would read the whole table.
pub(super) async fn fold_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    from: i64,
    before: i64,
) -> Result<i64, StoreError> {
    if !super::replicas::try_xact_lock(tx, dialect, FOLD_KEY).await? {
        return Ok(-1);
    }
    let deleted = sqlx::query("DELETE FROM events WHERE at >= $2 AND at < $1")
        .bind(before)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    Ok(deleted.rows_affected() as i64)
}
