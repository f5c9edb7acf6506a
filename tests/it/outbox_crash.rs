//! The outbox survives crashes: the bot process is killed (SIGKILL) twice in
//! the middle of a broadcast and started again; at the end every recipient
//! has the announcement, and the only repeats are sends that were in flight
//! at a kill (at most one sending slot's worth each time).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fake_api::{strip_tags, FakeApi, TOKEN};
use pomichnyk::broadcast::{Audience, Topic};
use pomichnyk::engine::State;
use pomichnyk::store::{Commit, Store};

const RECIPIENTS: i64 = 600;
/// The most sends waiting for Telegram at once (`telegram::outbox`).
const IN_FLIGHT: usize = 8;
const TEXT: &str = "Вебінар про шахраїв у четвер";

fn start_bot(api: &FakeApi, url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", &api.url)
        .env("POMICHNYK__DATABASE__URL", url)
        .env("POMICHNYK__BROADCAST__PER_SECOND", "150")
        .env("POMICHNYK__BROADCAST__QUIET_HOURS", "")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pomichnyk run")
}

/// Deliveries of the announcement the fake Bot API accepted, per recipient.
fn received(api: &FakeApi) -> Vec<usize> {
    let mut got = vec![0; RECIPIENTS as usize + 1];
    for call in api.calls_to("sendMessage") {
        if let Some(chat) = call.chat().filter(|c| (1..=RECIPIENTS).contains(c)) {
            if call.delivered && strip_tags(call.text()).contains(TEXT) {
                got[chat as usize] += 1;
            }
        }
    }
    got
}

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_survives_being_killed_twice() {
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));

    // Subscribers and a confirmed broadcast, as a librarian would have left them.
    let store = Store::open(&url).await.expect("store");
    crate::support::subscribe(&store, 1..=RECIPIENTS, Topic::Webinars).await;
    let (id, count) = store
        .create_broadcast(9001, Topic::Webinars, &Audience::All, TEXT, None, 0, 1)
        .await
        .expect("broadcast");
    assert_eq!((id, count), (1, RECIPIENTS));
    store.close().await;

    let mut kills = 0;
    for reached in [120, 320] {
        let mut bot = start_bot(&api, &url);
        wait_until("deliveries before the kill", 60, || {
            received(&api).iter().filter(|&&n| n > 0).count() >= reached
        })
        .await;
        bot.kill().expect("SIGKILL");
        bot.wait().expect("reaped");
        kills += 1;
    }
    let mut bot = start_bot(&api, &url);
    wait_until("every recipient", 60, || {
        received(&api)[1..].iter().all(|&n| n > 0)
    })
    .await;
    // The author's report comes once the last row is recorded.
    wait_until("the report", 30, || {
        api.calls_to("sendMessage")
            .iter()
            .any(|c| c.chat() == Some(9001) && c.text().contains("Розсилку 1 завершено"))
    })
    .await;
    let _ = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");

    let got = received(&api);
    let repeats: usize = got[1..].iter().map(|n| n - 1).sum();
    assert!(
        repeats <= kills * IN_FLIGHT,
        "{repeats} repeats after {kills} kills"
    );
    let reports = api
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.chat() == Some(9001) && c.text().contains("Розсилку 1 завершено"))
        .count();
    assert_eq!(reports, 1, "one report");
    let store = Store::open(&url).await.expect("store");
    let progress = store.progress(1).await.expect("read").expect("row");
    assert_eq!((progress.sent, progress.pending), (RECIPIENTS, 0));
    store.close().await;
    println!("repeats after {kills} kills: {repeats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_to_those_signed_up_survive_a_kill_at_their_due_time() {
    const SIGNED_UP: i64 = 300;
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;

    // A webinar tomorrow with 300 sign-ups, cancelled just now: 300 notices due at once.
    let store = Store::open(&url).await.expect("store");
    let state = State {
        lang: Some("uk".into()),
        ..State::default()
    };
    for user in 1..=SIGNED_UP {
        let commit = Commit {
            user,
            now,
            state: &state,
            events: &[],
        };
        store.commit(commit).await.expect("commit");
    }
    let webinar = store
        .create_webinar(
            9001,
            "Безпечні платежі",
            "Опис",
            now + 86_400 + 600,
            "branch_8",
            None,
            now,
        )
        .await
        .expect("webinar");
    for user in 1..=SIGNED_UP {
        store.rsvp(webinar, user, now).await.expect("rsvp");
    }
    assert!(store
        .cancel_webinar(webinar, 9001, now)
        .await
        .expect("cancel"));
    store.close().await;

    let notices = |api: &FakeApi| {
        let mut got = vec![0usize; SIGNED_UP as usize + 1];
        for call in api.calls_to("sendMessage") {
            if let Some(chat) = call.chat().filter(|c| (1..=SIGNED_UP).contains(c)) {
                if call.delivered && call.text().contains("Безпечні платежі") {
                    got[chat as usize] += 1;
                }
            }
        }
        got
    };
    let mut bot = start_bot(&api, &url);
    wait_until("notices before the kill", 60, || {
        notices(&api).iter().filter(|&&n| n > 0).count() >= 100
    })
    .await;
    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");
    let mut bot = start_bot(&api, &url);
    wait_until("every notice", 60, || {
        notices(&api)[1..].iter().all(|&n| n > 0)
    })
    .await;
    let _ = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");
    let got = notices(&api);
    let repeats: usize = got[1..].iter().map(|n| n - 1).sum();
    // Notices go one at a time: at most the one in flight at the kill repeats.
    assert!(repeats <= 1, "{repeats} repeats");
    println!("notice repeats after 1 kill: {repeats}");
}
