//! Folding old events: the `events` table keeps only recent events; older ones
//! are deleted. What the statistics need of them is already in tables that
//! triggers fill as each event is written (migrations `20261206000000_counts`
//! and `20261207000000_tally`):
//!
//! - `steps_reached`: each (dialogue, step, resident) reached, once — the
//!   lesson funnels count distinct residents per step over all time, so a
//!   daily count would not do. Keyed by the resident, so it goes with them
//!   (`/delete_me`).
//! - `step_counts`, how many residents reached each step, and `quiz_counts`,
//!   quiz answers per UTC day and question as the quiz figures count them
//!   (answers, first tries, right and wrong at the first try; no resident's
//!   id). The triggers do not touch these: they append to
//!   `step_count_changes` and `quiz_count_changes`, which share no row
//!   between turns, so replicas' turns never wait for each other there.
//!   [`Store::tally_counts`] adds the changes to the counts and deletes them,
//!   every few seconds in the bot; the statistics read counts and changes
//!   together, so a figure is the same before and after.
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
//!
//! Batches suit the hourly fold, which finds an hour's worth of old events.
//! An old database's first fold (after an upgrade, or with
//! `database.fold_after_days` made smaller) finds most of the table, and
//! there batches are slow on SQLite: each deleted event changes a page of
//! each index that is not ordered by time (`events_by_user`,
//! `events_by_kind`), so every batch writes some 40,000 pages to the WAL and
//! back, and tens of millions of events take hours. [`Store::fold_events_at_once`]
//! (`pomichnyk fold --at-once`, with the bot stopped) deletes them in one
//! transaction instead, with those indexes dropped and built again after.

use sqlx::{AnyConnection, Row};

use super::change::Change;
use super::{Dialect, Store, StoreError};

/// About how many events one batch of [`Store::fold_events`] folds (more
/// when the last second of a batch has more).
pub const FOLD_BATCH: i64 = 20_000;

/// What one batch of a fold did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldStep {
    /// `events` were folded; `more` older than the fold's bound may be left.
    Folded { events: u64, more: bool },
    /// Another process is folding.
    Busy,
}

/// The advisory lock key of the folder: negative, so never a resident's id.
const FOLD_KEY: i64 = -7_002;

/// The advisory lock key of the tally.
const TALLY_KEY: i64 = -7_003;

/// At most how many changes of each kind one tally transaction adds up.
pub const TALLY_BATCH: i64 = 50_000;

impl Store {
    /// Folds every event older than `before` (Unix seconds), batch by batch;
    /// answers how many were folded. Cheap when there is nothing to fold (one
    /// index lookup). Stops early, answering what it folded, when another
    /// process is folding.
    pub async fn fold_events(&self, before: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            match self.fold_batch(before, FOLD_BATCH).await? {
                FoldStep::Folded { events, more } => {
                    total += events;
                    if !more {
                        return Ok(total);
                    }
                }
                FoldStep::Busy => return Ok(total),
            }
        }
    }

    /// Folds one batch: the oldest events before `before`, about `batch` of
    /// them (more when the last second of the batch has more), in one writer
    /// transaction. The bot sizes its batches by how long they take
    /// (`app::fold::Folding`), so that a turn never waits long behind one.
    pub async fn fold_batch(&self, before: i64, batch: i64) -> Result<FoldStep, StoreError> {
        let Some((from, bound)) = self.fold_bound(before, batch.max(1)).await? else {
            return Ok(FoldStep::Folded {
                events: 0,
                more: false,
            });
        };
        let answers = self
            .write(vec![Change::Fold {
                from,
                before: bound,
            }])
            .await?;
        Ok(match answers.first() {
            Some(&n) if n >= 0 => FoldStep::Folded {
                events: n as u64,
                more: bound < before,
            },
            // Another process holds the folder's lock.
            _ => FoldStep::Busy,
        })
    }

    /// Folds every event older than `before` in one transaction, and answers
    /// how many (0 when another process is folding). On SQLite, when a
    /// quarter of the events or more go, the events' indexes but
    /// `events_by_at` are dropped first and built again after, which is far
    /// faster then, and holds the
    /// database for minutes at national size: other writers (a running bot)
    /// would wait past their busy timeout. On PostgreSQL it is one `DELETE`,
    /// which turns do not wait for (they only add events).
    pub async fn fold_events_at_once(&self, before: i64) -> Result<u64, StoreError> {
        let answers = self.write(vec![Change::FoldAtOnce { before }]).await?;
        Ok(answers.first().map_or(0, |&n| n.max(0) as u64))
    }

    /// The next batch: from the oldest event's time to just after about
    /// `batch` of the oldest events, at most `before`; `None` when nothing is
    /// older.
    async fn fold_bound(&self, before: i64, batch: i64) -> Result<Option<(i64, i64)>, StoreError> {
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
                .bind(batch - 1)
                .fetch_optional(&self.read)
                .await?
                .map(|r| r.try_get("at"))
                .transpose()?;
        Ok(Some((from, nth.map_or(before, |at| before.min(at + 1)))))
    }

    /// Adds the changes the triggers appended to `step_count_changes` and
    /// `quiz_count_changes` to the counts, batch by batch, and deletes them;
    /// answers how many changes it added. Stops early when another process is
    /// adding them (it adds what is there).
    ///
    /// On PostgreSQL a tally runs on a session of its own, not the writer's:
    /// no turn writes the rows it touches (turns only append changes), so
    /// turns need not wait for it. SQLite has one writer for everything.
    pub async fn tally_counts(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let added = match self.dialect {
                Dialect::Postgres => {
                    let mut tx = self.locks.begin().await?;
                    let added = tally_in(&mut tx, self.dialect, TALLY_BATCH).await?;
                    tx.commit().await?;
                    added
                }
                Dialect::Sqlite => {
                    let answers = self
                        .write(vec![Change::Tally { batch: TALLY_BATCH }])
                        .await?;
                    answers.first().copied().unwrap_or(-1)
                }
            };
            if added < 0 {
                // Another process is adding them.
                return Ok(total);
            }
            total += added as u64;
            if added < TALLY_BATCH {
                return Ok(total);
            }
        }
    }

    /// How many changes wait to be added to the counts, for tests.
    pub async fn changes_to_tally(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM step_count_changes)
                  + (SELECT count(*) FROM quiz_count_changes) AS n",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get("n")?)
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

/// [`Store::fold_events_at_once`] inside the writer's transaction: answers
/// how many events were deleted, or -1 when another process holds the
/// folder's lock. SQLite's DDL is transactional, so a fold killed mid-way
/// leaves the table and its indexes as they were.
pub(super) async fn fold_at_once_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    before: i64,
) -> Result<i64, StoreError> {
    if !super::replicas::try_xact_lock(tx, dialect, FOLD_KEY).await? {
        return Ok(-1);
    }
    let old: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE at < $1")
        .bind(before)
        .fetch_one(&mut *tx)
        .await?;
    if old == 0 {
        return Ok(0);
    }
    // About how many events there are (ids only grow), without counting them all.
    let (first, last): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT min(id), max(id) FROM events")
            .fetch_one(&mut *tx)
            .await?;
    let all = last.zip(first).map_or(0, |(l, f)| l - f + 1);
    // The indexes to build again, as the migrations created them: only when
    // a good part of the table goes (building them reads all that stays).
    let rebuilt: Vec<(String, String)> = match dialect {
        Dialect::Sqlite if old.saturating_mul(4) >= all => sqlx::query(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
               AND name <> 'events_by_at'",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("name")?, row.try_get("sql")?)))
        .collect::<Result<_, sqlx::Error>>()?,
        Dialect::Sqlite | Dialect::Postgres => Vec::new(),
    };
    for (name, _) in &rebuilt {
        sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *tx)
            .await?;
    }
    let deleted = sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    for (_, sql) in &rebuilt {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    Ok(deleted as i64)
}

/// One tally inside the writer's transaction: at most `batch` of the oldest
/// changes of each kind added to their counts and deleted. Answers how many
/// changes were added (below `batch`: none is left), or -1 when another
/// process holds the tally's lock.
///
/// On PostgreSQL the changes added are exactly those deleted (`DELETE …
/// RETURNING`): a change another transaction has written but not committed
/// is neither, and is left for the next tally. On SQLite the one writer
/// holds the database, so what it reads it then deletes.
pub(super) async fn tally_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    batch: i64,
) -> Result<i64, StoreError> {
    if !super::replicas::try_xact_lock(tx, dialect, TALLY_KEY).await? {
        return Ok(-1);
    }
    let steps = match dialect {
        Dialect::Postgres => {
            sqlx::query_scalar(
                "WITH moved AS (
                     DELETE FROM step_count_changes WHERE id IN
                         (SELECT id FROM step_count_changes ORDER BY id LIMIT $1)
                     RETURNING dialogue, step, reached),
                 added AS (
                     INSERT INTO step_counts (dialogue, step, reached)
                     SELECT dialogue, step, sum(reached) FROM moved GROUP BY dialogue, step
                     ON CONFLICT (dialogue, step)
                     DO UPDATE SET reached = step_counts.reached + excluded.reached)
                 SELECT count(*) FROM moved",
            )
            .bind(batch)
            .fetch_one(&mut *tx)
            .await?
        }
        Dialect::Sqlite => {
            let last = last_of(tx, "step_count_changes", batch).await?;
            sqlx::query(
                "INSERT INTO step_counts (dialogue, step, reached)
                 SELECT dialogue, step, sum(reached) FROM step_count_changes WHERE id <= $1
                 GROUP BY dialogue, step
                 ON CONFLICT (dialogue, step) DO UPDATE SET reached = reached + excluded.reached",
            )
            .bind(last)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM step_count_changes WHERE id <= $1")
                .bind(last)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64
        }
    };
    let quizzes = match dialect {
        Dialect::Postgres => {
            sqlx::query_scalar(
                "WITH moved AS (
                     DELETE FROM quiz_count_changes WHERE id IN
                         (SELECT id FROM quiz_count_changes ORDER BY id LIMIT $1)
                     RETURNING day, dialogue, step, first_try, first_try_correct,
                               first_try_wrong),
                 added AS (
                     INSERT INTO quiz_counts (day, dialogue, step, answers, first_try,
                                              first_try_correct, first_try_wrong)
                     SELECT day, dialogue, step, count(*), sum(first_try),
                            sum(first_try_correct), sum(first_try_wrong)
                     FROM moved GROUP BY day, dialogue, step
                     ON CONFLICT (day, dialogue, step) DO UPDATE SET
                         answers = quiz_counts.answers + excluded.answers,
                         first_try = quiz_counts.first_try + excluded.first_try,
                         first_try_correct =
                             quiz_counts.first_try_correct + excluded.first_try_correct,
                         first_try_wrong = quiz_counts.first_try_wrong + excluded.first_try_wrong)
                 SELECT count(*) FROM moved",
            )
            .bind(batch)
            .fetch_one(&mut *tx)
            .await?
        }
        Dialect::Sqlite => {
            let last = last_of(tx, "quiz_count_changes", batch).await?;
            sqlx::query(
                "INSERT INTO quiz_counts (day, dialogue, step, answers, first_try,
                                          first_try_correct, first_try_wrong)
                 SELECT day, dialogue, step, count(*), sum(first_try), sum(first_try_correct),
                        sum(first_try_wrong)
                 FROM quiz_count_changes WHERE id <= $1 GROUP BY day, dialogue, step
                 ON CONFLICT (day, dialogue, step) DO UPDATE SET
                     answers = answers + excluded.answers,
                     first_try = first_try + excluded.first_try,
                     first_try_correct = first_try_correct + excluded.first_try_correct,
                     first_try_wrong = first_try_wrong + excluded.first_try_wrong",
            )
            .bind(last)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM quiz_count_changes WHERE id <= $1")
                .bind(last)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64
        }
    };
    Ok(steps + quizzes)
}

/// The id of the `batch`-th oldest change in `table` (SQLite), or of the
/// newest when there are fewer; 0 when there is none.
async fn last_of(tx: &mut AnyConnection, table: &str, batch: i64) -> Result<i64, StoreError> {
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT max(id) FROM (SELECT id FROM {table} ORDER BY id LIMIT $1)"
    ))
    .bind(batch)
    .fetch_one(&mut *tx)
    .await?;
    Ok(last.unwrap_or(0))
}
