//! Which database a test's store lives in.
//!
//! By default every test gets SQLite: a file in its temporary folder, or
//! memory. With `POMICHNYK_TEST_POSTGRES` set to a PostgreSQL server's URL
//! (`.ci/run` starts a throw-away cluster and sets it), the same tests run
//! on PostgreSQL instead: each test file path, or each in-memory store, gets
//! a database of its own on that server, created on first use.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL server the tests run on, if any.
pub fn postgres() -> Option<String> {
    std::env::var("POMICHNYK_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// The store URL for a database file `db`: the file itself on SQLite, or
/// the PostgreSQL database standing for that path (the same one each time,
/// so a restarted bot finds its data).
pub fn url(db: &Path) -> String {
    match postgres() {
        None => format!("sqlite://{}", db.display()),
        Some(server) => {
            let mut h = DefaultHasher::new();
            db.hash(&mut h);
            database(&server, &format!("t_{:016x}", h.finish()))
        }
    }
}

/// A store URL for a database nobody else uses, that need not outlive the
/// test: SQLite in memory, or a fresh PostgreSQL database.
pub fn memory() -> String {
    match postgres() {
        None => "sqlite::memory:".to_string(),
        Some(server) => {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let name = format!(
                "m_{}_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
            );
            database(&server, &name)
        }
    }
}

/// Creates database `name` on `server` unless it exists; answers its URL.
/// Runs on a thread of its own so that it works from sync and async code alike.
fn database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    let url = if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    };
    let server = server.to_string();
    let name = name.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut conn = sqlx::PgConnection::connect(&server)
                .await
                .expect("POMICHNYK_TEST_POSTGRES: cannot connect");
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(&mut conn)
                    .await
                    .expect("look up database");
            if exists.is_none() {
                // Two tests never share a name, so a race here is only a retry.
                let _ = conn
                    .execute(format!("CREATE DATABASE \"{name}\"").as_str())
                    .await;
            }
            let _ = conn.close().await;
        });
    })
    .join()
    .expect("create database");
    url
}
