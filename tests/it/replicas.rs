//! Two bot processes on one database, as replicas behind a webhook run: a
//! resident's turn is held by one at a time, an update handled by one is
//! not handled again by the other, each announcement is claimed by one
//! sender, and one of them long-polls. On SQLite there is one process and
//! each guard lets everything through; on PostgreSQL (`.ci/run` sets
//! `POMICHNYK_TEST_POSTGRES`) the two stores below stand for two processes.

use std::collections::HashSet;
use std::time::Duration;

use pomichnyk::broadcast::{Audience, Topic};
use pomichnyk::engine::State;
use pomichnyk::store::{Commit, Store, Write, CLAIM_LEASE};

use crate::support::{db, subscribe};

const RESIDENT: i64 = 5150;
const NOW: i64 = 1_796_000_000;

/// Two stores on one database: two processes' worth of connections.
async fn two_processes() -> (Store, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db::url(&dir.path().join("shared.db"));
    let a = Store::open(&url).await.expect("open a");
    let b = Store::open(&url).await.expect("open b");
    (a, b, dir)
}

fn on_postgres() -> bool {
    db::postgres().is_some()
}

#[tokio::test]
async fn a_residents_turn_is_held_by_one_process_and_an_update_is_handled_once() {
    let (a, b, _dir) = two_processes().await;
    // Process A takes update 42 of the resident.
    let held = a.begin_turn(RESIDENT, Some(42)).await.expect("turn a");
    assert!(!held.handled);

    // Process B got the same update (a webhook retry to another replica).
    let waiting = tokio::spawn({
        let b = b.clone();
        async move { b.begin_turn(RESIDENT, Some(42)).await.expect("turn b") }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        waiting.is_finished(),
        !on_postgres(),
        "on PostgreSQL B waits for A's turn; with one process there is nothing to wait for"
    );

    // A commits its turn, recording the update, and lets go.
    let state = State::default();
    a.commit_turn(
        Commit {
            user: RESIDENT,
            now: NOW,
            state: &state,
            events: &[],
        },
        &Default::default(),
        vec![Write::Handled {
            update: 42,
            now: NOW,
        }],
        1,
    )
    .await
    .expect("commit a");
    held.release().await;

    let second = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("B goes on once A let go")
        .expect("task");
    if on_postgres() {
        assert!(second.handled, "B sees that A handled update 42");
    }
    second.release().await;
    // Another resident's turn never waits for this one.
    let other = tokio::time::timeout(Duration::from_secs(2), b.begin_turn(RESIDENT + 1, Some(43)))
        .await
        .expect("no wait")
        .expect("turn");
    assert!(!other.handled);
    other.release().await;
}

#[tokio::test]
async fn each_delivery_of_an_announcement_is_claimed_by_one_sender() {
    let (a, b, _dir) = two_processes().await;
    let residents: Vec<i64> = (0..60).map(|i| 9_000 + i).collect();
    subscribe(&a, residents.iter().copied(), Topic::News).await;
    let (_, total) = a
        .create_broadcast(900, Topic::News, &Audience::All, "Новини", None, NOW, NOW)
        .await
        .expect("broadcast");
    assert_eq!(total, 60);

    // Both senders ask for work at the same moment, again and again.
    let mut seen: Vec<i64> = Vec::new();
    loop {
        let (x, y) = tokio::join!(a.due(NOW, 7, None), b.due(NOW, 7, None));
        let (x, y) = (x.expect("due a"), y.expect("due b"));
        if x.is_empty() && y.is_empty() {
            break;
        }
        seen.extend(x.iter().chain(y.iter()).map(|d| d.user));
        if !on_postgres() {
            // One process: a read, not a claim; the sender marks each one.
            break;
        }
    }
    if on_postgres() {
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert_eq!(seen.len(), 60, "every delivery handed out once: {seen:?}");
        assert_eq!(unique.len(), 60);
        // Nothing was marked sent: after the lease the rows are due again,
        // for a sender that died holding them.
        assert!(a.due(NOW + 1, 100, None).await.expect("due").is_empty());
        let mut again = 0;
        loop {
            let claimed = b
                .due(NOW + CLAIM_LEASE + 1, 100, None)
                .await
                .expect("due after the lease");
            if claimed.is_empty() {
                break;
            }
            assert!(claimed.len() <= 32, "a claim is small: {}", claimed.len());
            again += claimed.len();
        }
        assert_eq!(again, 60);
    } else {
        assert_eq!(seen.len(), 14, "two reads of seven, the same seven");
    }
}

#[tokio::test]
async fn a_replica_started_again_takes_back_its_own_claims_at_once_and_no_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db::url(&dir.path().join("shared.db"));
    // Two webhook replicas, on slots 8441 and 8442.
    let a = Store::open(&url)
        .await
        .expect("open a")
        .claiming_as(Some(8441));
    let b = Store::open(&url)
        .await
        .expect("open b")
        .claiming_as(Some(8442));
    let residents: Vec<i64> = (0..40).map(|i| 9_500 + i).collect();
    subscribe(&a, residents.iter().copied(), Topic::News).await;
    let (broadcast, _) = a
        .create_broadcast(900, Topic::News, &Audience::All, "Новини", None, NOW, NOW)
        .await
        .expect("broadcast");
    // Each claims twenty; then 8441 is killed before it records a send.
    let held_by_a: HashSet<i64> = a
        .due(NOW, 20, None)
        .await
        .expect("due a")
        .iter()
        .map(|d| d.user)
        .collect();
    let held_by_b = b.due(NOW, 20, None).await.expect("due b");
    assert_eq!((held_by_a.len(), held_by_b.len()), (20, 20));
    a.close().await;

    // 8441 starts again: a new process with the same slot.
    let again = Store::open(&url)
        .await
        .expect("open a again")
        .claiming_as(Some(8441));
    let taken = again.take_back_claims(NOW + 1).await.expect("take back");
    if !on_postgres() {
        // One process claims nothing: there is nothing to take back.
        assert_eq!(taken, 0);
        return;
    }
    assert_eq!(taken, 20, "8441's claims, and only those");
    // Due at once, well inside the lease: 8441's twenty, not 8442's.
    let due: HashSet<i64> = again
        .due(NOW + 1, 100, None)
        .await
        .expect("due again")
        .iter()
        .map(|d| d.user)
        .collect();
    assert_eq!(due, held_by_a);
    assert!(b.due(NOW + 1, 100, None).await.expect("due b").is_empty());
    // A send recorded lets go of its claim: nothing is taken back twice.
    for user in &due {
        again
            .delivered(
                broadcast,
                *user,
                pomichnyk::store::Delivery::Sent { message_id: 1 },
                NOW + 1,
            )
            .await
            .expect("delivered");
    }
    assert_eq!(again.take_back_claims(NOW + 2).await.expect("again"), 0);
}

#[tokio::test]
async fn one_process_long_polls_and_another_takes_over_when_it_stops() {
    let (a, b, _dir) = two_processes().await;
    let first = a.poller_lock().await.expect("lock a");
    assert!(first.is_some());
    let second = b.poller_lock().await.expect("lock b");
    assert_eq!(second.is_some(), !on_postgres());
    drop(second);
    drop(first);
    // The lock goes with A's session; B gets it on its next try.
    let mut took_over = false;
    for _ in 0..50 {
        if b.poller_lock().await.expect("lock b").is_some() {
            took_over = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(took_over);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_keep_together_to_one_send_budget() {
    const PER_SECOND: u32 = 5;
    let (a, b, _dir) = two_processes().await;
    // Both senders take as fast as they are let for 2.5 s.
    let run = Duration::from_millis(2_500);
    let sender = |store: Store| async move {
        let started = std::time::Instant::now();
        let mut granted = 0usize;
        while started.elapsed() < run {
            match store.take_send_turn(PER_SECOND).await.expect("budget") {
                None => granted += 1,
                Some(wait) => {
                    assert!(wait <= Duration::from_secs(1), "wait {wait:?}");
                    tokio::time::sleep(wait.min(run.saturating_sub(started.elapsed()))).await;
                }
            }
            if granted > 10_000 {
                break;
            }
        }
        granted
    };
    let (ga, gb) = tokio::join!(sender(a.clone()), sender(b.clone()));
    eprintln!("send budget: A {ga}, B {gb} in 2.5 s");
    if on_postgres() {
        // 2.5 s touch at most 4 seconds of the database's clock and hold 2 whole ones.
        let total = ga + gb;
        assert!(
            total <= 4 * PER_SECOND as usize,
            "{total} sends in 2.5 s at {PER_SECOND} a second in all"
        );
        assert!(total >= 2 * PER_SECOND as usize, "only {total} sends");
        assert!(ga > 0 && gb > 0, "both processes send: {ga} and {gb}");
    } else {
        // One process paces its own sends; the store does not hold it back.
        assert!(ga + gb > 10_000, "{ga} + {gb}");
    }
    a.close().await;
    b.close().await;
}
