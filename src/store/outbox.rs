//! Roles, the audit log, subscriptions and the durable outbox.
//!
//! A broadcast and one `deliveries` row per recipient are written in one
//! transaction ([`Store::create_broadcast`]), so a confirmed announcement is
//! never half-queued. The sender marks each row as soon as Telegram answers
//! ([`Store::delivered`]); after a crash, rows still `pending` are sent again,
//! so only a send that was in flight at the crash may repeat.

use sqlx::Row;

use super::sql::Sql;

use super::change::Change;
pub use super::change::Delivery;
use super::rows::push_audience;
use super::{Dialect, Store, StoreError};
use crate::broadcast::{Audience, Topic};

/// A role above a resident's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Librarian,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Librarian => "librarian",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "librarian" => Some(Role::Librarian),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: i64,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

/// A delivery that is due.
#[derive(Debug, Clone)]
pub struct Due {
    pub broadcast: i64,
    pub user: i64,
    /// The resident's language, for the "do not send any more" button.
    pub lang: Option<String>,
    pub html: String,
    pub photo: Option<String>,
    pub attempts: i64,
    /// The webinar it announces: an "I will come" button goes under it.
    pub webinar: Option<i64>,
}

/// Where a broadcast stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub id: i64,
    pub author: i64,
    pub created_at: i64,
    pub not_before: i64,
    pub finished_at: Option<i64>,
    pub total: i64,
    pub sent: i64,
    pub blocked: i64,
    pub skipped: i64,
    pub failed: i64,
    pub pending: i64,
}

impl Store {
    /// The roles a user holds.
    pub async fn roles_of(&self, user: i64) -> Result<Vec<Role>, StoreError> {
        let rows = sqlx::query("SELECT role FROM roles WHERE user_id = $1 ORDER BY role")
            .bind(user)
            .fetch_all(&self.read)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("role").ok())
            .filter_map(|r| Role::parse(&r))
            .collect())
    }

    /// Whether a user holds a role; an admin holds the librarian's too.
    pub async fn has_role(&self, user: i64, role: Role) -> Result<bool, StoreError> {
        let roles = self.roles_of(user).await?;
        Ok(roles.contains(&role) || roles.contains(&Role::Admin))
    }

    /// Grants a role (and audits it); `by` is 0 from the command line.
    /// Returns whether the user did not have it yet.
    pub async fn grant(
        &self,
        user: i64,
        role: Role,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.set_role(user, role, true, by, now).await
    }

    /// Revokes a role (and audits it). Returns whether the user had it.
    pub async fn revoke(
        &self,
        user: i64,
        role: Role,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.set_role(user, role, false, by, now).await
    }

    /// Grants (`grant`) or revokes a role, audited; answers whether anything changed.
    pub async fn set_role(
        &self,
        user: i64,
        role: Role,
        grant: bool,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let change = Change::Role {
            user,
            role: role.as_str(),
            grant,
            by,
            now,
        };
        self.change(change).await.map(|n| n > 0)
    }

    /// Writes one line of the audit log.
    pub async fn audit(
        &self,
        actor: i64,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.change(Change::Audit {
            actor,
            action: action.to_string(),
            target: target.map(str::to_string),
            detail: detail.map(str::to_string),
            now,
        })
        .await
        .map(drop)
    }

    /// The newest audit entries first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// How many residents an announcement would reach now.
    pub async fn count_audience(
        &self,
        topic: Topic,
        audience: &Audience,
    ) -> Result<i64, StoreError> {
        let mut q = Sql::new("SELECT count(*) AS n");
        push_audience(&mut q, topic, audience);
        let row = q.build()?.fetch_one(&self.read).await?;
        Ok(row.try_get("n")?)
    }

    /// Queues an announcement: the broadcast and a delivery row for every
    /// recipient, in one transaction. Returns (broadcast id, recipients).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_broadcast(
        &self,
        author: i64,
        topic: Topic,
        audience: &Audience,
        html: &str,
        photo: Option<&str>,
        not_before: i64,
        now: i64,
    ) -> Result<(i64, i64), StoreError> {
        let id = self
            .change(Change::broadcast(
                author, topic, audience, html, photo, not_before, now, None,
            ))
            .await?;
        let total = self.progress(id).await?.map_or(0, |p| p.total);
        Ok((id, total))
    }

    /// Deliveries due at `now`, oldest broadcast first; `only` keeps one
    /// resident's.
    pub async fn due(
        &self,
        now: i64,
        limit: i64,
        only: Option<i64>,
    ) -> Result<Vec<Due>, StoreError> {
        // A claim is small (see `replicas::CLAIM_BATCH`).
        let limit = match self.dialect {
            Dialect::Sqlite => limit,
            Dialect::Postgres => limit.min(super::replicas::CLAIM_BATCH),
        };
        let sql = match self.dialect {
            Dialect::Sqlite => {
                "SELECT d.broadcast, d.user_id, d.attempts, b.text, b.photo, b.webinar, r.lang
                 FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast
                 LEFT JOIN residents r ON r.user_id = d.user_id
                 WHERE d.status = 'pending' AND d.next_try <= $1 AND b.not_before <= $1
                   AND ($3 IS NULL OR d.user_id = $3)
                 ORDER BY d.broadcast, d.user_id LIMIT $2"
            }
            // Claimed: rows another process holds are skipped, and those
            // taken wait out the lease before anyone takes them again.
            Dialect::Postgres => {
                "WITH picked AS (
                   SELECT d.broadcast, d.user_id
                   FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast
                   WHERE d.status = 'pending' AND d.next_try <= $1 AND b.not_before <= $1
                     AND ($3::BIGINT IS NULL OR d.user_id = $3)
                   ORDER BY d.broadcast, d.user_id LIMIT $2
                   FOR UPDATE OF d SKIP LOCKED),
                 claimed AS (
                   UPDATE deliveries x SET next_try = $4, claimed_by = $5 FROM picked
                   WHERE x.broadcast = picked.broadcast AND x.user_id = picked.user_id
                   RETURNING x.broadcast, x.user_id, x.attempts)
                 SELECT c.broadcast, c.user_id, c.attempts, b.text, b.photo, b.webinar, r.lang
                 FROM claimed c JOIN broadcasts b ON b.id = c.broadcast
                 LEFT JOIN residents r ON r.user_id = c.user_id
                 ORDER BY c.broadcast, c.user_id"
            }
        };
        let query = sqlx::query(sql).bind(now).bind(limit).bind(only);
        let query = match self.dialect {
            Dialect::Sqlite => query,
            Dialect::Postgres => query.bind(now + super::CLAIM_LEASE).bind(self.claimant),
        };
        let rows = query.fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Due {
                    broadcast: r.try_get("broadcast")?,
                    user: r.try_get("user_id")?,
                    lang: r.try_get("lang")?,
                    attempts: r.try_get("attempts")?,
                    html: r.try_get("text")?,
                    photo: r.try_get("photo")?,
                    webinar: r.try_get("webinar")?,
                })
            })
            .collect()
    }

    /// Records what happened to one delivery (and marks the resident blocked if so).
    pub async fn delivered(
        &self,
        broadcast: i64,
        user: i64,
        outcome: Delivery,
        now: i64,
    ) -> Result<(), StoreError> {
        self.change(Change::Delivery {
            broadcast,
            user,
            outcome,
            now,
        })
        .await
        .map(drop)
    }

    /// Marks a broadcast reported to its author, once; `false` if it already was.
    pub async fn mark_reported(&self, broadcast: i64, now: i64) -> Result<bool, StoreError> {
        self.change(Change::Reported { broadcast, now })
            .await
            .map(|n| n > 0)
    }

    /// A broadcast's counts.
    pub async fn progress(&self, id: i64) -> Result<Option<Progress>, StoreError> {
        Ok(self.progress_where("b.id = $1", id, 1).await?.pop())
    }

    /// The newest broadcasts with their counts.
    pub async fn recent_broadcasts(&self, limit: i64) -> Result<Vec<Progress>, StoreError> {
        self.progress_where("b.id > $1", 0, limit).await
    }

    /// Broadcasts with nothing pending whose author has not had the report yet
    /// (an author who asked to be forgotten is -1: nobody to report to).
    pub async fn unreported(&self) -> Result<Vec<Progress>, StoreError> {
        self.progress_where(
            "b.reported = 0 AND b.author > 0 AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.broadcast = b.id AND x.status = 'pending') AND b.id > $1",
            0,
            100,
        )
        .await
    }

    async fn progress_where(
        &self,
        condition: &str,
        value: i64,
        limit: i64,
    ) -> Result<Vec<Progress>, StoreError> {
        let sql = format!(
            "SELECT b.id, b.author, b.created_at, b.not_before, b.finished_at,
                    count(d.user_id) AS total,
                    count(CASE d.status WHEN 'sent' THEN 1 END) AS sent,
                    count(CASE d.status WHEN 'blocked' THEN 1 END) AS blocked,
                    count(CASE d.status WHEN 'skipped' THEN 1 END) AS skipped,
                    count(CASE d.status WHEN 'failed' THEN 1 END) AS failed,
                    count(CASE d.status WHEN 'pending' THEN 1 END) AS pending
             FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast = b.id
             WHERE {condition}
             GROUP BY b.id ORDER BY b.id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(value)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Progress {
                    id: r.try_get("id")?,
                    author: r.try_get("author")?,
                    created_at: r.try_get("created_at")?,
                    not_before: r.try_get("not_before")?,
                    finished_at: r.try_get("finished_at")?,
                    total: r.try_get("total")?,
                    sent: r.try_get("sent")?,
                    blocked: r.try_get("blocked")?,
                    skipped: r.try_get("skipped")?,
                    failed: r.try_get("failed")?,
                    pending: r.try_get("pending")?,
                })
            })
            .collect()
    }

    /// The status of one resident's delivery of a broadcast.
    pub async fn delivery_status(
        &self,
        broadcast: i64,
        user: i64,
    ) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT status FROM deliveries WHERE broadcast = $1 AND user_id = $2")
                .bind(broadcast)
                .bind(user)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|r| r.try_get("status")).transpose()?)
    }
}
