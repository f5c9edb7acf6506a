//! The hubs' database layer: librarians linked to hubs, and the facts they
//! set over `hubs.toml` (see [`crate::hubs::layer`]).

use sqlx::{AnyConnection, Connection, Row};

use super::{Store, StoreError};
use crate::hubs::layer::{Fact, Value};

/// The hub changes the writer applies.
#[derive(Debug, Clone)]
pub enum HubChange {
    /// Sets one fact of a hub (replacing the one of its kind); answers 1.
    Set {
        hub: String,
        value: Value,
        by: i64,
        at: i64,
        until: Option<i64>,
    },
    /// Takes a fact back; answers 1 if there was one.
    Unset { hub: String, kind: &'static str },
    /// Links a librarian to a hub (or unlinks them), audited as a grant or a
    /// revoke of "librarian HUB"; answers 1 if anything changed.
    Librarian {
        user: i64,
        hub: String,
        grant: bool,
        by: i64,
        now: i64,
    },
    /// Unlinks a librarian from every hub (their role was revoked).
    UnlinkAll { user: i64 },
}

const FACTS: &str =
    "SELECT hub, kind, value, set_by, set_at, until FROM hub_facts ORDER BY hub, kind";

fn facts(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Fact>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (hub, kind, value): (String, String, String) =
            (r.try_get("hub")?, r.try_get("kind")?, r.try_get("value")?);
        match Value::decode(&kind, &value) {
            Some(value) => out.push(Fact {
                hub,
                value,
                by: r.try_get("set_by")?,
                at: r.try_get("set_at")?,
                until: r.try_get("until")?,
            }),
            // Only this program writes the table; a row it cannot read is skipped, not guessed.
            None => tracing::warn!(hub, kind, "an unreadable hub fact is skipped"),
        }
    }
    Ok(out)
}

impl Store {
    /// Every fact librarians set, by hub and kind.
    pub async fn hub_facts(&self) -> Result<Vec<Fact>, StoreError> {
        let rows = sqlx::query(FACTS).fetch_all(&self.read).await?;
        facts(&rows)
    }

    /// Links a librarian to a hub or unlinks them (audited); `by` is 0 from
    /// the command line. Answers whether anything changed.
    pub async fn link_hub(
        &self,
        user: i64,
        hub: &str,
        grant: bool,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let change = super::Change::Hub(HubChange::Librarian {
            user,
            hub: hub.to_string(),
            grant,
            by,
            now,
        });
        Ok(self.change(change).await? > 0)
    }

    /// The hubs a librarian is linked to, by id.
    pub async fn hubs_of(&self, user: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT hub FROM hub_librarians WHERE user_id = $1 ORDER BY hub")
            .bind(user)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| r.try_get("hub").map_err(StoreError::from))
            .collect()
    }
}

/// [`Store::hub_facts`] from the database at `url`, read-only, creating and
/// migrating nothing: `None` when there is no such database or table yet.
pub async fn hub_facts_in(url: &str) -> Result<Option<Vec<Fact>>, StoreError> {
    let Some(mut conn) = super::places::read_only_with(url, "hub_facts").await? else {
        return Ok(None);
    };
    let rows = sqlx::query(FACTS).fetch_all(&mut conn).await?;
    let found = facts(&rows)?;
    conn.close().await?;
    Ok(Some(found))
}

/// Applies one hub change inside the writer's transaction.
pub(super) async fn apply(tx: &mut AnyConnection, change: HubChange) -> Result<i64, StoreError> {
    Ok(match change {
        HubChange::Set {
            hub,
            value,
            by,
            at,
            until,
        } => sqlx::query(
            "INSERT INTO hub_facts (hub, kind, value, set_by, set_at, until) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (hub, kind) DO UPDATE SET value = excluded.value,
                 set_by = excluded.set_by, set_at = excluded.set_at, until = excluded.until",
        )
        .bind(&hub)
        .bind(value.kind())
        .bind(value.encode())
        .bind(by)
        .bind(at)
        .bind(until)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64,
        HubChange::Unset { hub, kind } => {
            sqlx::query("DELETE FROM hub_facts WHERE hub = $1 AND kind = $2")
                .bind(hub)
                .bind(kind)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64
        }
        HubChange::Librarian {
            user,
            hub,
            grant,
            by,
            now,
        } => {
            let changed = if grant {
                sqlx::query(
                    "INSERT INTO hub_librarians (user_id, hub, granted_by, granted_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (user_id, hub) DO NOTHING",
                )
                .bind(user)
                .bind(&hub)
                .bind((by != 0).then_some(by))
                .bind(now)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("DELETE FROM hub_librarians WHERE user_id = $1 AND hub = $2")
                    .bind(user)
                    .bind(&hub)
                    .execute(&mut *tx)
                    .await?
            }
            .rows_affected() as i64;
            if changed > 0 {
                // A grant or revoke of a user, like a role's, so `/delete_me` anonymises it alike.
                let action = if grant { "grant" } else { "revoke" };
                let detail = format!("librarian {hub}");
                super::rows::write_audit(tx, now, by, action, Some(&user.to_string()), Some(&detail))
                    .await?;
            }
            changed
        }
        HubChange::UnlinkAll { user } => sqlx::query("DELETE FROM hub_librarians WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64,
    })
}
