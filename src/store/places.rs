//! Where residents are in the dialogues, for admins changing the content:
//! a reload or `pomichnyk check` says how many stand on steps the new files
//! remove.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Connection, Executor, Row};

use super::Dialect;

use super::{Role, Store, StoreError};

/// Residents at one step, as the store counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub dialogue: String,
    pub step: String,
    pub residents: i64,
}

/// Residents per (dialogue, step) they are at, most first.
fn places_sql(dialect: Dialect) -> String {
    let dialogue = dialect.json_text("state", &["at", "dialogue"]);
    let step = dialect.json_text("state", &["at", "step"]);
    format!(
        "SELECT {dialogue} AS dialogue, {step} AS step, count(*) AS residents
         FROM dialogue_state
         WHERE {dialogue} IS NOT NULL
         GROUP BY 1, 2
         ORDER BY residents DESC, dialogue, step"
    )
}

fn place(row: &sqlx::any::AnyRow) -> Result<Place, StoreError> {
    Ok(Place {
        dialogue: row.try_get("dialogue")?,
        step: row
            .try_get::<Option<String>, _>("step")?
            .unwrap_or_default(),
        residents: row.try_get("residents")?,
    })
}

impl Store {
    /// How many residents are at each step.
    pub async fn places(&self) -> Result<Vec<Place>, StoreError> {
        let rows = sqlx::query(&places_sql(self.dialect))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(place).collect()
    }

    /// The user ids holding `role` (admins only for [`Role::Admin`]).
    pub async fn holders(&self, role: Role) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT user_id FROM roles WHERE role = $1 ORDER BY user_id")
            .bind(role.as_str())
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| r.try_get("user_id").map_err(StoreError::from))
            .collect()
    }
}

/// [`Store::places`] from the database at `url`, read-only, without creating
/// or migrating anything: `None` when there is no such database yet (a fresh
/// machine, an in-memory URL) or it has no residents' table.
pub async fn places_in(url: &str) -> Result<Option<Vec<Place>>, StoreError> {
    let Some(mut conn) = read_only_with(url, "dialogue_state").await? else {
        return Ok(None);
    };
    let rows = sqlx::query(&places_sql(Dialect::of(url)))
        .fetch_all(&mut conn)
        .await?;
    let places = rows.iter().map(place).collect::<Result<Vec<_>, _>>()?;
    conn.close().await?;
    Ok(Some(places))
}

/// The database at `url`, opened read-only without creating or migrating
/// anything, if it exists (not in memory) and has `table`.
pub(super) async fn read_only_with(
    url: &str,
    table: &str,
) -> Result<Option<AnyConnection>, StoreError> {
    sqlx::any::install_default_drivers();
    let (conn, exists) = match Dialect::of(url) {
        Dialect::Sqlite => {
            if url.contains(":memory:") || url.contains("mode=memory") {
                return Ok(None);
            }
            let options =
                SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Url {
                    url: url.to_string(),
                    source,
                })?;
            if !Path::new(options.get_filename()).exists() {
                return Ok(None);
            }
            let base = url.split('?').next().unwrap_or(url);
            let mut conn = AnyConnection::connect(&format!("{base}?mode=ro")).await?;
            let exists: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(&mut conn)
            .await?;
            (conn, exists)
        }
        Dialect::Postgres => {
            let mut conn = AnyConnection::connect(url).await?;
            // Read-only for the whole session: these tools only look.
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                .await?;
            let exists: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_one(&mut conn)
            .await?;
            (conn, exists)
        }
    };
    if exists == 0 {
        conn.close().await?;
        return Ok(None);
    }
    Ok(Some(conn))
}
