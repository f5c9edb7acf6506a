//! The weekly series' closed weeks, kept: the series counts distinct
//! residents per week, which no running count can give, and counting them
//! from the raw events of twelve weeks is the report's slowest part at
//! national size. A week that has ended no longer changes, but for
//! `/delete_me` (a forgotten resident's events lose their id, so they count
//! for none), so its figures are worked out once, after it ends, and kept in
//! `weekly_figures`; the report reads them and works out only the weeks not
//! kept (the current one always).
//!
//! A week is known by its bounds (Unix seconds), which the caller computes in
//! its time zone, so weeks of another zone are simply not found. Forgetting a
//! resident drops every kept week and moves the generation in `meta` on; a
//! week worked out before that is then not kept (`keep_in` checks the
//! generation, and on PostgreSQL holds its row until commit, so a forget
//! running meanwhile waits and then drops what was kept).

use sqlx::{AnyConnection, Row};

use super::change::Change;
use super::{Dialect, Store, StoreError};
use crate::stats::figures::Week;

/// The `meta` key of the generation of kept weeks.
const GENERATION: &str = "weeks_generation";

impl Store {
    /// Works out and keeps the figures of the weeks between consecutive
    /// `bounds` that ended before `closed_before` and are not kept yet; drops
    /// weeks older than the first bound. Answers how many were kept.
    pub async fn keep_weeks(&self, bounds: &[i64], closed_before: i64) -> Result<u64, StoreError> {
        let Some(&first) = bounds.first() else {
            return Ok(0);
        };
        let generation = generation(&self.read).await?;
        let kept = kept(&self.read, first).await?;
        let mut weeks = Vec::new();
        for pair in bounds.windows(2) {
            let (start, until) = (pair[0], pair[1]);
            if until > closed_before || kept.iter().any(|w| (w.0, w.1) == (start, until)) {
                continue;
            }
            let mut conn = self.read.acquire().await?;
            let week = week_figures(&mut conn, start, until).await?;
            weeks.push((start, until, week.active, week.completions));
        }
        let answers = self
            .write(vec![Change::KeepWeeks {
                generation,
                oldest: first,
                weeks,
            }])
            .await?;
        Ok(answers.first().map_or(0, |&n| n.max(0) as u64))
    }
}

impl Store {
    /// How many weeks are kept, for tests and the command line.
    pub async fn weeks_kept(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT count(*) AS n FROM weekly_figures")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }
}

async fn generation(pool: &sqlx::AnyPool) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(GENERATION)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("value")?,
        None => 0,
    })
}

/// The kept weeks from `first` on: (start, until, active, completions).
pub(super) async fn kept<'c, E>(
    conn: E,
    first: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT week_start, week_end, active, completions FROM weekly_figures WHERE week_start >= $1",
    )
    .bind(first)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.try_get("week_start")?,
                r.try_get("week_end")?,
                r.try_get("active")?,
                r.try_get("completions")?,
            ))
        })
        .collect()
}

/// One week's figures from the raw events: distinct residents and lesson
/// completions between `start` and `until`.
pub(super) async fn week_figures(
    conn: &mut AnyConnection,
    start: i64,
    until: i64,
) -> Result<Week, StoreError> {
    let r = sqlx::query(
        "SELECT count(DISTINCT user_id) AS active,
                count(CASE WHEN kind = 'lesson_completed' THEN 1 END) AS completions
         FROM events WHERE at >= $1 AND at < $2",
    )
    .bind(start)
    .bind(until)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Week {
        start,
        active: r.try_get("active")?,
        completions: r.try_get("completions")?,
    })
}

/// Inside the writer's transaction: keeps `weeks` if no resident was
/// forgotten since `generation` was read, and drops weeks before `oldest`.
/// Answers how many were kept, or -1 when a forget came between.
pub(super) async fn keep_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    generation: i64,
    oldest: i64,
    weeks: &[(i64, i64, i64, i64)],
) -> Result<i64, StoreError> {
    sqlx::query("DELETE FROM weekly_figures WHERE week_start < $1")
        .bind(oldest)
        .execute(&mut *tx)
        .await?;
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    let now: Option<i64> = sqlx::query(&format!("SELECT value FROM meta WHERE key = $1{lock}"))
        .bind(GENERATION)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("value"))
        .transpose()?;
    if now.unwrap_or(0) != generation {
        return Ok(-1);
    }
    let mut kept = 0;
    for &(start, until, active, completions) in weeks {
        let done = sqlx::query(
            "INSERT INTO weekly_figures (week_start, week_end, active, completions)
             VALUES ($1, $2, $3, $4) ON CONFLICT (week_start, week_end) DO NOTHING",
        )
        .bind(start)
        .bind(until)
        .bind(active)
        .bind(completions)
        .execute(&mut *tx)
        .await?;
        kept += done.rows_affected() as i64;
    }
    Ok(kept)
}

/// Inside a forget's transaction, after the resident's events lost their id:
/// every kept week may have counted them.
pub(super) async fn forget_in(tx: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET value = meta.value + 1",
    )
    .bind(GENERATION)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM weekly_figures")
        .execute(&mut *tx)
        .await?;
    Ok(())
}
