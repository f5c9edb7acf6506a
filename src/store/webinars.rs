//! Webinars, RSVPs and their reminders.
//!
//! Saying "I will come" writes the RSVP and its two reminders (24 hours and
//! 1 hour before) in one transaction; cancelling or moving a webinar rewrites
//! the unsent reminders and adds one message to everyone who signed up, due
//! at once. The outbox sender sends due reminders and marks each one sent as
//! soon as Telegram accepts it, so a restart loses none, and only one in
//! flight at a crash can repeat.

use sqlx::{AnyConnection, Row};

use super::change::{Change, WebinarChange};
use super::rows::write_audit;
use super::{Dialect, Store, StoreError};

/// Seconds before the start of each reminder.
pub const DAY_BEFORE: i64 = 24 * 3600;
pub const HOUR_BEFORE: i64 = 3600;

/// A webinar as residents and librarians see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webinar {
    pub id: i64,
    pub author: i64,
    pub title: String,
    pub description: String,
    pub starts_at: i64,
    /// A hub id or an https link.
    pub place: String,
    pub capacity: Option<i64>,
    pub cancelled: bool,
    /// RSVPs so far.
    pub going: i64,
}

/// What came of an "I will come".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rsvp {
    Added,
    Already,
    Full,
    /// Cancelled, past, or unknown.
    Gone,
}

impl Rsvp {
    /// What [`WebinarChange::Rsvp`] answered.
    pub fn from_code(code: i64) -> Rsvp {
        match code {
            RSVP_ADDED => Rsvp::Added,
            RSVP_ALREADY => Rsvp::Already,
            RSVP_FULL => Rsvp::Full,
            _ => Rsvp::Gone,
        }
    }
}

/// A reminder that is due.
#[derive(Debug, Clone)]
pub struct ReminderDue {
    pub webinar: Webinar,
    pub user: i64,
    pub lang: Option<String>,
    /// `day`, `hour`, `moved` or `cancelled`.
    pub kind: String,
}

const RSVP_ADDED: i64 = 1;
const RSVP_ALREADY: i64 = 2;
const RSVP_FULL: i64 = 3;
const RSVP_GONE: i64 = 4;

/// Applies a change inside the writer's transaction; answers a row id or a code.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    change: WebinarChange,
) -> Result<i64, StoreError> {
    match change {
        WebinarChange::Publish {
            author,
            title,
            description,
            starts_at,
            place,
            capacity,
            html,
            not_before,
            now,
        } => {
            let create = WebinarChange::Create {
                author,
                title,
                description,
                starts_at,
                place,
                capacity,
                now,
            };
            let webinar = Box::pin(apply(tx, create)).await?;
            super::rows::insert_broadcast(
                tx,
                author,
                crate::broadcast::Topic::Webinars,
                &crate::broadcast::Audience::All,
                r#"{"kind":"all"}"#,
                &html,
                None,
                not_before,
                now,
                Some(webinar),
            )
            .await?;
            Ok(webinar)
        }
        WebinarChange::Create {
            author,
            title,
            description,
            starts_at,
            place,
            capacity,
            now,
        } => {
            let id = sqlx::query(
                "INSERT INTO webinars (author, title, description, starts_at, place, capacity, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(author)
            .bind(&title)
            .bind(description)
            .bind(starts_at)
            .bind(place)
            .bind(capacity)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("id")?;
            audit(tx, now, author, "webinar", id, &title).await?;
            Ok(id)
        }
        WebinarChange::Rsvp { webinar, user, now } => {
            let row = sqlx::query(
                "SELECT starts_at, capacity, cancelled,
                        (SELECT count(*) FROM rsvps WHERE webinar = w.id) AS going,
                        (SELECT count(*) FROM rsvps WHERE webinar = w.id AND user_id = $1) AS mine
                 FROM webinars w WHERE id = $2",
            )
            .bind(user)
            .bind(webinar)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Ok(RSVP_GONE);
            };
            let starts_at: i64 = row.try_get("starts_at")?;
            let capacity: Option<i64> = row.try_get("capacity")?;
            let cancelled: i64 = row.try_get("cancelled")?;
            let going: i64 = row.try_get("going")?;
            let mine: i64 = row.try_get("mine")?;
            if cancelled != 0 || starts_at <= now {
                return Ok(RSVP_GONE);
            }
            if mine > 0 {
                return Ok(RSVP_ALREADY);
            }
            if capacity.is_some_and(|c| going >= c) {
                return Ok(RSVP_FULL);
            }
            sqlx::query("INSERT INTO rsvps (webinar, user_id, at) VALUES ($1, $2, $3)")
                .bind(webinar)
                .bind(user)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            schedule(tx, webinar, Some(user), starts_at, now).await?;
            Ok(RSVP_ADDED)
        }
        WebinarChange::Unrsvp { webinar, user } => {
            sqlx::query("DELETE FROM reminders WHERE webinar = $1 AND user_id = $2 AND sent_at IS NULL")
                .bind(webinar)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            Ok(sqlx::query("DELETE FROM rsvps WHERE webinar = $1 AND user_id = $2")
                .bind(webinar)
                .bind(user)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64)
        }
        WebinarChange::Cancel { webinar, by, now } => {
            let changed = sqlx::query("UPDATE webinars SET cancelled = 1 WHERE id = $1 AND cancelled = 0")
                .bind(webinar)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            if changed > 0 {
                sqlx::query(
                    "DELETE FROM reminders WHERE webinar = $1 AND sent_at IS NULL AND kind IN ('day', 'hour', 'moved')",
                )
                .bind(webinar)
                .execute(&mut *tx)
                .await?;
                notify_all(tx, webinar, "cancelled", now).await?;
                audit(tx, now, by, "webinar_cancel", webinar, "").await?;
            }
            Ok(changed)
        }
        WebinarChange::Move {
            webinar,
            starts_at,
            by,
            now,
        } => {
            let changed = sqlx::query(
                "UPDATE webinars SET starts_at = $1 WHERE id = $2 AND cancelled = 0",
            )
            .bind(starts_at)
            .bind(webinar)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
            if changed > 0 {
                // The old reminders go; new ones follow the new time.
                sqlx::query(
                    "DELETE FROM reminders WHERE webinar = $1 AND kind IN ('day', 'hour')",
                )
                .bind(webinar)
                .execute(&mut *tx)
                .await?;
                schedule(tx, webinar, None, starts_at, now).await?;
                notify_all(tx, webinar, "moved", now).await?;
                audit(tx, now, by, "webinar_move", webinar, &starts_at.to_string()).await?;
            }
            Ok(changed)
        }
        WebinarChange::ReminderSent {
            webinar,
            user,
            kind,
            now,
        } => Ok(sqlx::query(
            "UPDATE reminders SET sent_at = $1, claimed_by = NULL WHERE webinar = $2 AND user_id = $3 AND kind = $4 AND sent_at IS NULL",
        )
        .bind(now)
        .bind(webinar)
        .bind(user)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64),
        WebinarChange::ReminderLater {
            webinar,
            user,
            kind,
            at,
        } => Ok(sqlx::query(
            "UPDATE reminders SET due_at = $1, claimed_by = NULL WHERE webinar = $2 AND user_id = $3 AND kind = $4 AND sent_at IS NULL",
        )
        .bind(at)
        .bind(webinar)
        .bind(user)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64),
    }
}

/// The day-before and hour-before reminders still ahead, for one resident or all who signed up.
async fn schedule(
    tx: &mut AnyConnection,
    webinar: i64,
    user: Option<i64>,
    starts_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    for (kind, before) in [("day", DAY_BEFORE), ("hour", HOUR_BEFORE)] {
        let due = starts_at - before;
        if due > now {
            remind(tx, webinar, user, kind, due).await?;
        }
    }
    Ok(())
}

/// A message due now to everyone who signed up (the webinar was moved or cancelled).
async fn notify_all(
    tx: &mut AnyConnection,
    webinar: i64,
    kind: &str,
    now: i64,
) -> Result<(), StoreError> {
    remind(tx, webinar, None, kind, now).await
}

/// A reminder of `kind` due at `due` for one who signed up (or all of them);
/// one already there is due again, unsent.
async fn remind(
    tx: &mut AnyConnection,
    webinar: i64,
    user: Option<i64>,
    kind: &str,
    due: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO reminders (webinar, user_id, kind, due_at)
         SELECT webinar, user_id, $1, $2 FROM rsvps WHERE webinar = $3 AND ($4 IS NULL OR user_id = $5)
         ON CONFLICT (webinar, user_id, kind)
         DO UPDATE SET due_at = excluded.due_at, sent_at = NULL, claimed_by = NULL",
    )
    .bind(kind)
    .bind(due)
    .bind(webinar)
    .bind(user)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An audit line about a webinar.
async fn audit(
    tx: &mut AnyConnection,
    now: i64,
    actor: i64,
    action: &str,
    webinar: i64,
    detail: &str,
) -> Result<(), StoreError> {
    let target = webinar.to_string();
    write_audit(tx, now, actor, action, Some(&target), Some(detail)).await
}

const WEBINAR_COLUMNS: &str =
    "w.id, w.author, w.title, w.description, w.starts_at, w.place, w.capacity, w.cancelled,
     (SELECT count(*) FROM rsvps r WHERE r.webinar = w.id) AS going";

fn webinar(r: &sqlx::any::AnyRow) -> Result<Webinar, StoreError> {
    Ok(Webinar {
        id: r.try_get("id")?,
        author: r.try_get("author")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        starts_at: r.try_get("starts_at")?,
        place: r.try_get("place")?,
        capacity: r.try_get("capacity")?,
        cancelled: r.try_get::<i64, _>("cancelled")? != 0,
        going: r.try_get("going")?,
    })
}

impl Store {
    /// Records a new webinar; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_webinar(
        &self,
        author: i64,
        title: &str,
        description: &str,
        starts_at: i64,
        place: &str,
        capacity: Option<i64>,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.webinar_change(WebinarChange::Create {
            author,
            title: title.to_string(),
            description: description.to_string(),
            starts_at,
            place: place.to_string(),
            capacity,
            now,
        })
        .await
    }

    pub async fn rsvp(&self, webinar: i64, user: i64, now: i64) -> Result<Rsvp, StoreError> {
        let code = self
            .webinar_change(WebinarChange::Rsvp { webinar, user, now })
            .await?;
        Ok(Rsvp::from_code(code))
    }

    /// How many residents a webinar's announcement went (or goes) to.
    pub async fn webinar_recipients(&self, webinar: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT count(*) AS n FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast
             WHERE b.webinar = $1",
        )
        .bind(webinar)
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Withdraws an RSVP; `false` if there was none.
    pub async fn unrsvp(&self, webinar: i64, user: i64) -> Result<bool, StoreError> {
        Ok(self
            .webinar_change(WebinarChange::Unrsvp { webinar, user })
            .await?
            > 0)
    }

    /// Cancels a webinar and tells everyone who signed up; `false` if it was already.
    pub async fn cancel_webinar(
        &self,
        webinar: i64,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .webinar_change(WebinarChange::Cancel { webinar, by, now })
            .await?
            > 0)
    }

    /// Moves a webinar, reschedules reminders and tells everyone who signed up.
    pub async fn move_webinar(
        &self,
        webinar: i64,
        starts_at: i64,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .webinar_change(WebinarChange::Move {
                webinar,
                starts_at,
                by,
                now,
            })
            .await?
            > 0)
    }

    pub async fn reminder_sent(
        &self,
        webinar: i64,
        user: i64,
        kind: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.webinar_change(WebinarChange::ReminderSent {
            webinar,
            user,
            kind: kind.to_string(),
            now,
        })
        .await
        .map(drop)
    }

    async fn webinar_change(&self, change: WebinarChange) -> Result<i64, StoreError> {
        self.change(Change::Webinar(change)).await
    }

    pub async fn webinar(&self, id: i64) -> Result<Option<Webinar>, StoreError> {
        let sql = format!("SELECT {WEBINAR_COLUMNS} FROM webinars w WHERE w.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(webinar).transpose()
    }

    /// Webinars not cancelled that have not started, soonest first.
    pub async fn upcoming_webinars(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Webinar>, StoreError> {
        let sql = format!(
            "SELECT {WEBINAR_COLUMNS} FROM webinars w WHERE w.cancelled = 0 AND w.starts_at > $1
             ORDER BY w.starts_at LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(webinar).collect()
    }

    /// Whether a resident signed up for a webinar.
    pub async fn is_going(&self, webinar: i64, user: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM rsvps WHERE webinar = $1 AND user_id = $2")
            .bind(webinar)
            .bind(user)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }

    /// Reminders due at `now`, oldest first; `only` keeps one resident's.
    pub async fn due_reminders(
        &self,
        now: i64,
        limit: i64,
        only: Option<i64>,
    ) -> Result<Vec<ReminderDue>, StoreError> {
        // A claim is small (see `replicas::CLAIM_BATCH`).
        let limit = match self.dialect {
            Dialect::Sqlite => limit,
            Dialect::Postgres => limit.min(super::replicas::CLAIM_BATCH),
        };
        let sql = match self.dialect {
            Dialect::Sqlite => format!(
                "SELECT {WEBINAR_COLUMNS}, m.user_id, m.kind, res.lang
                 FROM reminders m JOIN webinars w ON w.id = m.webinar
                 LEFT JOIN residents res ON res.user_id = m.user_id
                 WHERE m.sent_at IS NULL AND m.due_at <= $1 AND coalesce(res.blocked, 0) = 0
                   AND ($3 IS NULL OR m.user_id = $3)
                 ORDER BY m.due_at, m.webinar, m.user_id LIMIT $2"
            ),
            // Claimed (see `replicas`): a reminder taken is due again only
            // after the lease, should its process die before sending it.
            Dialect::Postgres => format!(
                "WITH picked AS (
                   SELECT m.webinar, m.user_id, m.kind, m.due_at
                   FROM reminders m LEFT JOIN residents res ON res.user_id = m.user_id
                   WHERE m.sent_at IS NULL AND m.due_at <= $1 AND coalesce(res.blocked, 0) = 0
                     AND ($3::BIGINT IS NULL OR m.user_id = $3)
                   ORDER BY m.due_at, m.webinar, m.user_id LIMIT $2
                   FOR UPDATE OF m SKIP LOCKED),
                 claimed AS (
                   UPDATE reminders x SET due_at = $4, claimed_by = $5 FROM picked
                   WHERE x.webinar = picked.webinar AND x.user_id = picked.user_id
                     AND x.kind = picked.kind
                   RETURNING x.webinar, x.user_id, x.kind, picked.due_at AS was_due)
                 SELECT {WEBINAR_COLUMNS}, m.user_id, m.kind, res.lang
                 FROM claimed m JOIN webinars w ON w.id = m.webinar
                 LEFT JOIN residents res ON res.user_id = m.user_id
                 ORDER BY m.was_due, m.webinar, m.user_id"
            ),
        };
        let query = sqlx::query(&sql).bind(now).bind(limit).bind(only);
        let query = match self.dialect {
            Dialect::Sqlite => query,
            Dialect::Postgres => query.bind(now + super::CLAIM_LEASE).bind(self.claimant),
        };
        let rows = query.fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(ReminderDue {
                    webinar: webinar(r)?,
                    user: r.try_get("user_id")?,
                    lang: r.try_get("lang")?,
                    kind: r.try_get("kind")?,
                })
            })
            .collect()
    }
}
