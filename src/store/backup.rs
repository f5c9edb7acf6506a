//! `pomichnyk backup`: a consistent copy of the live database with SQLite's
//! `VACUUM INTO`, taken while the bot keeps running.
//!
//! `VACUUM INTO` only reads the source database, so it runs on a connection of the
//! read pool (SQLite ≥ 3.27 opens the output file read-write even then) and never
//! waits for, or holds up, the writer. The copy is one read transaction: a snapshot of
//! the last commit, compacted, in rollback-journal (not WAL) mode.

use std::path::Path;

use super::{Store, StoreError};

impl Store {
    /// Writes a consistent copy of the database to `path`, which must not exist yet.
    ///
    /// Fails with [`StoreError::Sql`] wrapping an [`std::io::ErrorKind::AlreadyExists`]
    /// I/O error when `path` exists (SQLite itself refuses a non-empty output file, which
    /// also covers a file that appears meanwhile), and with an
    /// [`std::io::ErrorKind::InvalidInput`] one when `path` is not valid UTF-8.
    pub async fn backup(&self, path: &Path) -> Result<(), StoreError> {
        if self.dialect == super::Dialect::Postgres {
            return Err(io_error(
                std::io::ErrorKind::Unsupported,
                "on PostgreSQL, back up with pg_dump (see the README's deployment section)".into(),
            ));
        }
        if path.exists() {
            return Err(io_error(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "the backup target {} already exists; choose a new file name",
                    path.display()
                ),
            ));
        }
        let Some(target) = path.to_str() else {
            return Err(io_error(
                std::io::ErrorKind::InvalidInput,
                format!("the backup target {} is not valid UTF-8", path.display()),
            ));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.read)
            .await?;
        Ok(())
    }
}

impl Store {
    /// [`Store::backup`], answering the size of the copy in bytes.
    pub async fn backup_to(&self, path: &Path) -> Result<u64, StoreError> {
        self.backup(path).await?;
        std::fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| StoreError::Sql(sqlx::Error::Io(e)))
    }
}

fn io_error(kind: std::io::ErrorKind, message: String) -> StoreError {
    StoreError::Sql(sqlx::Error::Io(std::io::Error::new(kind, message)))
}
