//! `pomichnyk backup`: a consistent copy of the database, taken while the store is
//! open (as it is while the bot runs), that opens as a store of its own.

use std::path::Path;
use std::process::Command;

use pomichnyk::engine::State;
use pomichnyk::store::{Commit, Store, StoreError};

const NOW: i64 = 1_795_766_400;

fn url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

async fn commit(store: &Store, user: i64, lang: &str, now: i64) {
    let state = State {
        lang: Some(lang.into()),
        ..State::default()
    };
    store
        .commit(Commit {
            user,
            now,
            state: &state,
            events: &[],
        })
        .await
        .expect("commit");
}

#[tokio::test]
async fn a_backup_of_an_open_store_opens_with_every_committed_resident() {
    let dir = tempfile::tempdir().expect("temp dir");
    let live = dir.path().join("live.db");
    let store = Store::open(&url(&live)).await.expect("open");
    for user in 1..=20 {
        commit(
            &store,
            user,
            if user % 2 == 0 { "uk" } else { "en" },
            NOW + user,
        )
        .await;
    }

    let copy = dir.path().join("copy.db");
    store.backup(&copy).await.expect("backup");
    // The live store carries on after the backup; the copy does not see this.
    commit(&store, 99, "uk", NOW + 99).await;
    assert!(copy.metadata().expect("copy written").len() > 0);

    let restored = Store::open(&url(&copy)).await.expect("open the copy");
    for user in 1..=20 {
        let r = restored
            .resident(user)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("resident {user} is in the copy"));
        assert_eq!(r.last_seen, NOW + user);
    }
    assert_eq!(
        restored
            .load_state(2)
            .await
            .expect("state")
            .and_then(|s| s.lang),
        Some("uk".into())
    );
    assert_eq!(restored.resident(99).await.expect("read"), None);
    restored.close().await;

    // A second backup to the same file is refused, and leaves the first one alone.
    let before = std::fs::read(&copy).expect("read copy");
    let err = store.backup(&copy).await.expect_err("the file exists");
    match &err {
        StoreError::Sql(sqlx::Error::Io(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists, "{err}")
        }
        other => panic!("expected an already-exists error, got {other:?}"),
    }
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&copy).expect("read copy"), before);

    // The live store still works.
    assert!(store.resident(99).await.expect("read").is_some());
    store.close().await;
}

#[tokio::test]
async fn the_binary_backs_up_a_database_in_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let live = dir.path().join("live.db");
    // Kept open for the whole test, like a running bot.
    let store = Store::open(&url(&live)).await.expect("open");
    commit(&store, 42, "uk", NOW).await;

    let copy = dir.path().join("backups").join("copy.db");
    std::fs::create_dir_all(copy.parent().expect("parent")).expect("backups folder");
    let run = |target: &Path| {
        Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
            .arg("backup")
            .arg(target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .env("POMICHNYK__DATABASE__URL", url(&live))
            .output()
            .expect("run pomichnyk backup")
    };
    let out = run(&copy);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let size = copy.metadata().expect("the copy exists").len();
    assert_eq!(
        stdout.trim(),
        format!("backup written: {} ({size} bytes)", copy.display())
    );

    let again = run(&copy);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");

    commit(&store, 43, "en", NOW + 1).await;
    store.close().await;
    let restored = Store::open(&url(&copy)).await.expect("open the copy");
    assert!(restored.resident(42).await.expect("read").is_some());
    assert!(restored.resident(43).await.expect("read").is_none());
    restored.close().await;
}
