//! Review in the database: the lesson questions each resident answered wrong
//! (`review_items`: when each is due again, at which stage, or learned) and
//! the reminder they may turn on (`review_reminders`: on or off, the local
//! day of the last one sent). Both go with the resident on `/delete_me`
//! (ON DELETE CASCADE).

use sqlx::{AnyConnection, Row};

use super::{Store, StoreError};

/// A question waiting for its review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub dialogue: String,
    pub step: String,
    /// 0, 1 or 2: the first, second or third review comes next.
    pub stage: i64,
    /// Unix seconds from which it may be asked.
    pub due_at: i64,
}

/// How a resident's review stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewCounts {
    /// Due now.
    pub due: i64,
    /// Not learned yet (due now or later).
    pub waiting: i64,
    /// Learned.
    pub learned: i64,
    /// When the first one not due yet will be.
    pub next_due: Option<i64>,
}

/// A review reminder to send: to whom, in which language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewReminderDue {
    pub user: i64,
    pub lang: Option<String>,
    /// How many questions are due.
    pub due: i64,
}

/// The review changes the writer applies.
#[derive(Debug, Clone)]
pub enum ReviewWrite {
    /// A wrong answer (in a lesson or a review): back to the first stage, due at `due_at`.
    Wrong {
        user: i64,
        dialogue: String,
        step: String,
        now: i64,
        due_at: i64,
    },
    /// A right answer in a review: the next stage, due at `due_at`; answers 1
    /// if the question was at `stage` (a second press of an old button: 0).
    Advance {
        user: i64,
        dialogue: String,
        step: String,
        stage: i64,
        due_at: i64,
    },
    /// Learned (right at the last review, right at the first try in the
    /// lesson again, or gone from the files); answers 1 if it was waiting.
    Learned {
        user: i64,
        dialogue: String,
        step: String,
        now: i64,
    },
    /// The reminder turned on or off in `/settings`.
    Reminders { user: i64, on: bool },
    /// Today's reminder (local day YYYY-MM-DD) taken to send; answers 1 if
    /// none was taken today (a second process, or a second round, gets 0).
    Remind { user: i64, day: String },
    /// Today's reminder could not go out: given back for a later round.
    Unremind { user: i64, day: String },
}

pub(super) async fn apply(tx: &mut AnyConnection, change: ReviewWrite) -> Result<i64, StoreError> {
    let affected = match change {
        ReviewWrite::Wrong {
            user,
            dialogue,
            step,
            now,
            due_at,
        } => sqlx::query(
            "INSERT INTO review_items (user_id, dialogue, step, stage, wrong_at, due_at)
             VALUES ($1, $2, $3, 0, $4, $5)
             ON CONFLICT (user_id, dialogue, step) DO UPDATE SET
               stage = 0, wrong_at = excluded.wrong_at, due_at = excluded.due_at, done_at = NULL",
        )
        .bind(user)
        .bind(dialogue)
        .bind(step)
        .bind(now)
        .bind(due_at)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ReviewWrite::Advance {
            user,
            dialogue,
            step,
            stage,
            due_at,
        } => sqlx::query(
            "UPDATE review_items SET stage = $4 + 1, due_at = $5
             WHERE user_id = $1 AND dialogue = $2 AND step = $3 AND stage = $4 AND done_at IS NULL",
        )
        .bind(user)
        .bind(dialogue)
        .bind(step)
        .bind(stage)
        .bind(due_at)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ReviewWrite::Learned {
            user,
            dialogue,
            step,
            now,
        } => sqlx::query(
            "UPDATE review_items SET done_at = $4
             WHERE user_id = $1 AND dialogue = $2 AND step = $3 AND done_at IS NULL",
        )
        .bind(user)
        .bind(dialogue)
        .bind(step)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ReviewWrite::Reminders { user, on } => sqlx::query(
            "INSERT INTO review_reminders (user_id, enabled) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled",
        )
        .bind(user)
        .bind(i64::from(on))
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ReviewWrite::Remind { user, day } => sqlx::query(
            "UPDATE review_reminders SET last_day = $2
             WHERE user_id = $1 AND enabled = 1 AND (last_day IS NULL OR last_day < $2)",
        )
        .bind(user)
        .bind(day)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ReviewWrite::Unremind { user, day } => sqlx::query(
            "UPDATE review_reminders SET last_day = NULL WHERE user_id = $1 AND last_day = $2",
        )
        .bind(user)
        .bind(day)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
    };
    Ok(i64::try_from(affected).unwrap_or(i64::MAX))
}

fn item(r: &sqlx::any::AnyRow) -> Result<ReviewItem, StoreError> {
    Ok(ReviewItem {
        dialogue: r.try_get("dialogue")?,
        step: r.try_get("step")?,
        stage: r.try_get("stage")?,
        due_at: r.try_get("due_at")?,
    })
}

impl Store {
    /// A resident's questions due at `now`, the longest waiting first.
    pub async fn review_due(
        &self,
        user: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<ReviewItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT dialogue, step, stage, due_at FROM review_items
             WHERE user_id = $1 AND done_at IS NULL AND due_at <= $2
             ORDER BY due_at, dialogue, step LIMIT $3",
        )
        .bind(user)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(item).collect()
    }

    /// One of a resident's questions still waiting (due or not).
    pub async fn review_item(
        &self,
        user: i64,
        dialogue: &str,
        step: &str,
    ) -> Result<Option<ReviewItem>, StoreError> {
        let row = sqlx::query(
            "SELECT dialogue, step, stage, due_at FROM review_items
             WHERE user_id = $1 AND dialogue = $2 AND step = $3 AND done_at IS NULL",
        )
        .bind(user)
        .bind(dialogue)
        .bind(step)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(item).transpose()
    }

    /// How a resident's review stands at `now`.
    pub async fn review_counts(&self, user: i64, now: i64) -> Result<ReviewCounts, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(coalesce(sum(CASE WHEN done_at IS NULL AND due_at <= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due,
                    CAST(coalesce(sum(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting,
                    CAST(coalesce(sum(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS learned,
                    min(CASE WHEN done_at IS NULL AND due_at > $2 THEN due_at END) AS next_due
             FROM review_items WHERE user_id = $1",
        )
        .bind(user)
        .bind(now)
        .fetch_one(&self.read)
        .await?;
        Ok(ReviewCounts {
            due: row.try_get("due")?,
            waiting: row.try_get("waiting")?,
            learned: row.try_get("learned")?,
            next_due: row.try_get("next_due")?,
        })
    }

    /// Whether a resident turned the review reminder on.
    pub async fn review_reminders_on(&self, user: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT enabled FROM review_reminders WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.read)
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("enabled")? != 0,
            None => false,
        })
    }

    /// The residents to remind now: the reminder on, none sent on local day
    /// `today` (YYYY-MM-DD), something due at `now`, the bot not blocked
    /// (`only`: just this one, for a terminal).
    pub async fn due_review_reminders(
        &self,
        now: i64,
        today: &str,
        limit: i64,
        only: Option<i64>,
    ) -> Result<Vec<ReviewReminderDue>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.user_id, res.lang,
                    (SELECT CAST(count(*) AS BIGINT) FROM review_items i
                     WHERE i.user_id = r.user_id AND i.done_at IS NULL AND i.due_at <= $1) AS due
             FROM review_reminders r JOIN residents res ON res.user_id = r.user_id
             WHERE r.enabled = 1 AND (r.last_day IS NULL OR r.last_day < $2) AND res.blocked = 0
               AND (CAST($4 AS BIGINT) IS NULL OR r.user_id = $4)
               AND EXISTS (SELECT 1 FROM review_items i
                           WHERE i.user_id = r.user_id AND i.done_at IS NULL AND i.due_at <= $1)
             ORDER BY r.user_id LIMIT $3",
        )
        .bind(now)
        .bind(today)
        .bind(limit)
        .bind(only)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewReminderDue {
                    user: r.try_get("user_id")?,
                    lang: r.try_get("lang")?,
                    due: r.try_get("due")?,
                })
            })
            .collect()
    }
}
