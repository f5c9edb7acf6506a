//! Opening the two pools a store uses, on SQLite or PostgreSQL.
//!
//! Both run through sqlx's `Any` driver, so every query in the store is
//! written once. SQLite gets its settings as pragmas on every new
//! connection: WAL with `synchronous = NORMAL` (a commit survives a crash of
//! the process; the last few may be lost only on power loss), a busy timeout
//! and foreign keys. PostgreSQL needs no settings.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, Executor};

use super::StoreError;

/// The writer's pool (its one connection is the only one that writes) and
/// the readers' pool.
pub(super) struct Pools {
    pub write: AnyPool,
    pub read: AnyPool,
    /// Sessions that hold advisory locks (PostgreSQL; the readers' pool on SQLite).
    pub locks: AnyPool,
    /// What the logs may say about the database: no path, no credentials.
    pub name: String,
}

/// What a pool's `after_connect` hook answers.
type Hooked<'c> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// Runs `sql` on every new connection of a pool.
fn on_connect(
    sql: &'static str,
) -> impl for<'c> Fn(&'c mut AnyConnection, PoolConnectionMetadata) -> Hooked<'c> + Send + Sync + 'static
{
    move |conn, _| Box::pin(async move { conn.execute(sql).await.map(drop) })
}

const WRITER_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                              PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";
const READER_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";
const MEMORY_PRAGMAS: &str = "PRAGMA foreign_keys = ON;";

/// `url` with its `mode` parameter replaced by `mode` (SQLite's open mode).
fn with_mode(url: &str, mode: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    let mode = format!("mode={mode}");
    params.push(&mode);
    format!("{base}?{}", params.join("&"))
}

pub(super) async fn sqlite(url: &str) -> Result<Pools, StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Url {
        url: url.to_string(),
        source,
    })?;
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if in_memory {
        // An in-memory database lives only while a connection to it is open,
        // and each `:memory:` connection would be a database of its own: one
        // named, shared-cache database per store, on connections that never
        // close, for writing and reading alike.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let shared = format!(
            "sqlite:file:pomichnyk-memory-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        );
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .min_connections(2)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(on_connect(MEMORY_PRAGMAS))
            .connect(&shared)
            .await?;
        return Ok(Pools {
            write: pool.clone(),
            locks: pool.clone(),
            read: pool,
            name: "memory".to_string(),
        });
    }
    let file = options.get_filename();
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    // The writer task keeps its one connection for good.
    let write = AnyPoolOptions::new()
        .max_connections(1)
        .idle_timeout(Some(Duration::from_secs(600)))
        .max_lifetime(Some(Duration::from_secs(3600)))
        .after_connect(on_connect(WRITER_PRAGMAS))
        .connect(&with_mode(url, "rwc"))
        .await?;
    let read = AnyPoolOptions::new()
        .max_connections(4)
        .after_connect(on_connect(READER_PRAGMAS))
        .connect(&with_mode(url, "ro"))
        .await?;
    Ok(Pools {
        write,
        locks: read.clone(),
        read,
        name: file_name(file),
    })
}

pub(super) async fn postgres(url: &str) -> Result<Pools, StoreError> {
    let write = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    let read = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    // One session per resident's turn in progress (each holds that
    // resident's advisory lock), plus the poller's.
    let locks = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    Ok(Pools {
        write,
        read,
        locks,
        name: redact_postgres(url),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "(database)".to_string())
}

/// `postgres://user:secret@host:5432/db?…` → `host:5432/db`.
fn redact_postgres(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('?').next().unwrap_or(rest).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_is_replaced_and_other_parameters_kept() {
        assert_eq!(
            with_mode("sqlite://data/p.db", "ro"),
            "sqlite://data/p.db?mode=ro"
        );
        assert_eq!(
            with_mode("sqlite:p.db?mode=rwc&vfs=unix", "ro"),
            "sqlite:p.db?vfs=unix&mode=ro"
        );
    }

    #[test]
    fn logs_never_see_credentials() {
        assert_eq!(
            redact_postgres("postgres://bot:s3cret@db.local:5432/pomichnyk?sslmode=require"),
            "db.local:5432/pomichnyk"
        );
        assert_eq!(file_name(Path::new("data/pomichnyk.db")), "pomichnyk.db");
    }
}
