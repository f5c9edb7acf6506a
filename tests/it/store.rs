//! The store keeps a resident's place: stop mid-lesson, reopen, carry on.

use crate::support::{option_number, reply_text, shipped_script, Terminal};
use pomichnyk::store::Store;

const USER: i64 = 7001;

#[tokio::test]
async fn a_resident_resumes_at_the_same_step_after_the_store_is_reopened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("state.db"));

    let store = Store::open(&url).await.expect("open");
    let mut session = Terminal::new(store.clone(), USER, None);
    session
        .send("/start lesson_phishing", 100)
        .await
        .expect("send");
    session.send("1", 101).await.expect("send");
    let replies = session.send("1", 102).await.expect("send");
    assert!(reply_text(&replies).contains("Що зробите?"));
    // The button the resident will press after the restart, from the message they see.
    let right_answer = match &replies[0] {
        pomichnyk::engine::Reply::Message {
            keyboard: pomichnyk::engine::Keyboard::Inline(rows),
            ..
        } => rows
            .iter()
            .flatten()
            .find(|b| {
                matches!(
                    pomichnyk::engine::Press::decode(&b.data),
                    Some(pomichnyk::engine::Press::Answer { option: 1, .. })
                )
            })
            .map(|b| b.data.clone())
            .expect("the right answer (option 2 in the file)"),
        other => panic!("expected a question with options, got {other:?}"),
    };
    store.close().await;
    drop(session);

    let store = Store::open(&url).await.expect("reopen");
    let state = store.load_state(USER).await.expect("load").expect("saved");
    let at = state.at.as_ref().expect("a position");
    assert_eq!(
        (at.dialogue.as_str(), at.step.as_str()),
        ("phishing", "q_sms")
    );

    let mut session = Terminal::new(store.clone(), USER, None);
    let replies = session
        .input(pomichnyk::app::Incoming::Press { data: right_answer }, 200)
        .await
        .expect("press");
    let said = reply_text(&replies);
    assert!(said.contains("Правильно!"), "{said}");
    assert!(said.contains("адресу сайту"), "{said}");

    let progress = store.lesson_progress(USER).await.expect("progress");
    assert_eq!(progress.len(), 1);
    assert_eq!(progress[0].lesson, "phishing");
    assert_eq!(progress[0].started_at, 100);
    assert_eq!(progress[0].completed_at, None);
    assert_eq!(
        store
            .count_events(USER, "quiz_answered")
            .await
            .expect("count"),
        1
    );
    store.close().await;
}

#[tokio::test]
async fn residents_events_and_completion_are_committed_together() {
    let store = Store::open(&crate::support::db::memory())
        .await
        .expect("open");
    let mut session = Terminal::new(store.clone(), USER, Some("en".into()));
    session.send("/start hub_branch_8", 10).await.expect("send");
    session.send("/start hub_branch_9", 11).await.expect("send");
    // The right answers, at the places this resident sees them.
    let script = shipped_script();
    let strong = option_number(&script, USER, "passwords", "q_strong", 2);
    let code = option_number(&script, USER, "passwords", "q_code", 1);
    let lines = [
        "/start lesson_passwords",
        "1",
        "1",
        &strong,
        "1",
        "1",
        &code,
        "1",
    ];
    for (i, line) in lines.iter().enumerate() {
        session.send(line, 20 + i as i64).await.expect("send");
    }
    let resident = store
        .resident(USER)
        .await
        .expect("read")
        .expect("a resident row");
    assert_eq!(resident.lang.as_deref(), Some("en"));
    assert_eq!(resident.first_seen, 10);
    assert_eq!(resident.last_seen, 27);
    assert_eq!(
        resident.referring_hub.as_deref(),
        Some("branch_8"),
        "the first poster wins"
    );
    assert!(!resident.blocked);

    let progress = store.lesson_progress(USER).await.expect("progress");
    assert_eq!(progress[0].completed_at, Some(27));
    assert_eq!(
        (progress[0].correct, progress[0].answered),
        (Some(2), Some(2))
    );
    assert_eq!(
        store
            .count_events(USER, "lesson_completed")
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        store
            .count_events(USER, "lesson_started")
            .await
            .expect("count"),
        1
    );
    store.close().await;
}

#[tokio::test]
async fn a_bad_database_url_is_a_clear_error() {
    let err = Store::open("sqlite:///proc/no/such/place/x.db")
        .await
        .expect_err("must fail");
    let text = err.to_string();
    assert!(text.contains("/proc/no/such/place"), "{text}");
}

#[tokio::test]
async fn a_state_read_back_is_the_committed_one_from_memory_or_from_the_file() {
    use pomichnyk::engine::State;
    use pomichnyk::store::Commit;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("state.db"));
    let bot = Store::open(&url).await.expect("open");
    // A second handle has its own memory, so it reads what the file holds.
    let file = Store::open(&url).await.expect("open again");
    let state = |lang: &str| State {
        lang: Some(lang.into()),
        ..State::default()
    };
    assert_eq!(bot.load_state(USER).await.expect("load"), None);
    for lang in ["uk", "en", "uk"] {
        let s = state(lang);
        bot.commit(Commit {
            user: USER,
            now: 100,
            state: &s,
            events: &[],
        })
        .await
        .expect("commit");
        assert_eq!(bot.load_state(USER).await.expect("load"), Some(s.clone()));
        assert_eq!(file.load_state(USER).await.expect("load"), Some(s));
    }
    bot.forget(USER).await.expect("forget");
    assert_eq!(bot.load_state(USER).await.expect("load"), None);
    assert_eq!(file.load_state(USER).await.expect("load"), None);
    file.close().await;
    bot.close().await;
}
