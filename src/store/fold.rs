//! Folding old events: the `events` table keeps only recent events; older ones
//! leave what the statistics need of them in two tables, and are deleted.
//!
//! - `fold_steps`: each (dialogue, step, resident) reached, once — the lesson
//!   funnels count distinct residents per step over all time, so a daily count
//!   would not do. Keyed by the resident, so it goes with them (`/delete_me`).
//! - `fold_quizzes`: quiz answers counted per UTC day and question, as the
//!   quiz figures count them (answers, first tries, right and wrong at the
//!   first try). No resident's id.
//!
//! The weekly series counts distinct residents per week of the last
//! [`WEEKS`](crate::stats::figures::WEEKS) weeks; the caller never folds
//! events that recent (see `app::fold`), so it always reads raw events.
//! Every other kind of event has its figures in tables of its own
//! (`lesson_progress`, `questions`), so it is dropped when folded.
//!
//! Each batch is one transaction (the aggregates written and the events
//! deleted together): a fold killed mid-way leaves every event either folded
//! and gone, or raw. On PostgreSQL a batch holds a transaction-scoped advisory
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
/// before `before` folded and deleted (an older one, written late, is in a
/// later batch). Answers how many, or -1 when another process holds the
/// folder's lock. Both bounds are given so that a prepared statement's plan
/// reads a range of `events_by_at` even on PostgreSQL, whose generic plan
/// for `at < $1` alone would read the whole table.
pub(super) async fn fold_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    from: i64,
    before: i64,
) -> Result<i64, StoreError> {
    if !super::replicas::try_xact_lock(tx, dialect, FOLD_KEY).await? {
        return Ok(-1);
    }
    // `kind || ''`: the batch is read by time (`events_by_at`), not as every event of a
    // kind (`events_by_kind`), which SQLite would otherwise pick for the equality.
    sqlx::query(
        "INSERT INTO fold_steps (dialogue, step, user_id, first_day)
         SELECT dialogue, step, user_id, min(at) / 86400 FROM events
         WHERE at >= $2 AND at < $1 AND kind || '' = 'step_reached'
           AND dialogue IS NOT NULL AND step IS NOT NULL AND user_id IS NOT NULL
         GROUP BY dialogue, step, user_id
         ON CONFLICT (dialogue, step, user_id) DO NOTHING",
    )
    .bind(before)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    // The same expressions as the quiz figures (`store::stats`).
    let first_try = dialect.json_flag("data", &["first_try"]);
    let correct = dialect.json_flag("data", &["correct"]);
    let sql = format!(
        "INSERT INTO fold_quizzes
           (day, dialogue, step, answers, first_try, first_try_correct, first_try_wrong)
         SELECT at / 86400, coalesce(dialogue, ''), coalesce(step, ''), count(*),
                count(CASE WHEN {first_try} = 1 THEN 1 END),
                count(CASE WHEN {first_try} = 1 AND {correct} = 1 THEN 1 END),
                count(CASE WHEN {first_try} = 1 AND {correct} = 0 THEN 1 END)
         FROM events WHERE at >= $2 AND at < $1 AND kind || '' = 'quiz_answered'
         GROUP BY 1, 2, 3
         ON CONFLICT (day, dialogue, step) DO UPDATE SET
           answers = fold_quizzes.answers + excluded.answers,
           first_try = fold_quizzes.first_try + excluded.first_try,
           first_try_correct = fold_quizzes.first_try_correct + excluded.first_try_correct,
           first_try_wrong = fold_quizzes.first_try_wrong + excluded.first_try_wrong"
    );
    sqlx::query(&sql)
        .bind(before)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM events WHERE at >= $2 AND at < $1")
        .bind(before)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    Ok(deleted.rows_affected() as i64)
}
