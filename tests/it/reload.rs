//! Live reload: admins change the content files while the bot runs. Broken
//! files never reach residents (the old content stays and the admins get the
//! exact errors); fixed files are swapped in without a restart.

use std::path::Path;

use crate::support::fake_api::FakeApi;
use crate::support::tg::*;
use crate::support::{content_copy, languages};
use pomichnyk::script;

const ADMIN: i64 = 9001;

/// The phishing lesson of the content folder `dir`.
fn phishing(dir: &Path) -> std::path::PathBuf {
    dir.join("lessons").join("phishing.toml")
}

/// The errors `pomichnyk check` prints for `dir`, one line each.
fn check_errors(dir: &Path) -> Vec<String> {
    let report = pomichnyk::content::load_dir(dir, &languages());
    assert!(report.script.is_none(), "the content should be broken");
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == script::Severity::Error)
        .map(|d| d.to_string())
        .collect()
}

/// The bot serving the content in `dir`, `watch`ing it or not, with one admin.
async fn bot_on(api: &FakeApi, db: &Path, dir: &Path, watch: bool) -> RunningBot {
    let dir_text = dir.display().to_string();
    let extra = [
        ("POMICHNYK__DIALOGUES__DIR", dir_text.as_str()),
        (
            "POMICHNYK__DIALOGUES__WATCH",
            if watch { "true" } else { "false" },
        ),
        ("POMICHNYK__DIALOGUES__DEBOUNCE_MS", "200"),
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let report = pomichnyk::content::load_dir(dir, &languages());
    let content = report.script.expect("the copied content is valid");
    spawn_bot_with(api, db, &extra, content, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_lesson_keeps_the_old_content_and_a_fixed_one_is_served_without_a_restart() {
    let content = content_copy();
    let api = FakeApi::start().await;
    let (_db_dir, db) = temp_db();
    let bot = bot_on(&api, &db, content.path(), true).await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    let mut resident = Resident::new(&api, 1001, "uk");
    resident
        .says("/start lesson_phishing")
        .sees("це обман")
        .await;

    // An admin saves the lesson with a typing mistake.
    let lesson = phishing(content.path());
    let good = std::fs::read_to_string(&lesson).expect("read the lesson");
    let broken = good.replacen("next = \"signs\"", "next = \"signs", 1);
    assert_ne!(broken, good);
    admin.mark = api.call_count();
    std::fs::write(&lesson, &broken).expect("break the lesson");
    // The broken file, and the lessons and menus that lead to it now, are errors.
    let errors = check_errors(content.path());
    let line = 1 + good
        .lines()
        .position(|l| l == "next = \"signs\"")
        .expect("the line to break");
    let syntax = format!(
        "{}:{line}:14: error: invalid basic string, expected `\"`",
        lesson.display()
    );
    assert!(errors.contains(&syntax), "{errors:#?}");
    // The admin is told, with every error exactly as `pomichnyk check` prints it.
    admin.sees("Зміст не оновлено").await;
    for e in &errors {
        admin.sees(e).await;
    }

    // The resident goes on with the lesson as it was.
    resident.taps("Далі").await.sees("Ознаки фішингу").await;

    // The admin fixes the file and rewrites the next question.
    admin.mark = api.call_count();
    let fixed = good.replacen("Вам прийшло SMS:", "Вам прийшло повідомлення:", 1);
    assert_ne!(fixed, good);
    std::fs::write(&lesson, &fixed).expect("fix the lesson");
    admin.sees("Новий зміст уже працює").await;

    // Without a restart, the resident's next tap gets the new words.
    resident
        .taps("Далі")
        .await
        .sees("Вам прийшло повідомлення:")
        .await;
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_for_admins_and_says_who_stood_on_a_removed_step() {
    let content = content_copy();
    let api = FakeApi::start().await;
    let (_db_dir, db) = temp_db();
    let bot = bot_on(&api, &db, content.path(), false).await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    let mut resident = Resident::new(&api, 1001, "uk");

    // A resident's /reload is an unknown command, and reloads nothing.
    resident
        .says("/reload")
        .sees("Такої команди я не знаю")
        .await;
    assert!(
        resident.said().iter().all(|t| !t.contains("зміст")),
        "{:#?}",
        resident.said()
    );

    // The resident stands on the step "signs".
    resident
        .says("/start lesson_phishing")
        .sees("це обман")
        .await;
    resident.taps("Далі").await.sees("Ознаки фішингу").await;

    // The admin breaks a file: /reload reports the error, the old content stays.
    let lesson = phishing(content.path());
    let good = std::fs::read_to_string(&lesson).expect("read the lesson");
    std::fs::write(
        &lesson,
        good.replacen("kind = \"lesson\"", "kind = \"lessen\"", 1),
    )
    .expect("break the lesson");
    let errors = check_errors(content.path());
    admin.says("/reload").sees("Зміст не оновлено").await;
    for e in &errors {
        admin.sees(e).await;
    }

    // The admin removes the step "signs" (the intro now leads to the question).
    let start = good
        .find("[[steps]]\nid = \"signs\"")
        .expect("the signs step");
    let end = good
        .find("[[steps]]\nid = \"q_sms\"")
        .expect("the next step");
    let without = format!("{}{}", &good[..start], &good[end..]).replacen(
        "next = \"signs\"",
        "next = \"q_sms\"",
        1,
    );
    std::fs::write(&lesson, without).expect("remove a step");
    admin
        .says("/reload")
        .sees("Новий зміст уже працює")
        .await
        .sees("Мешканців на кроках, яких більше немає: 1 (phishing/signs: 1)")
        .await;

    // The resident is told the lesson changed and starts it again.
    resident
        .taps("Далі")
        .await
        .sees("Урок «Як розпізнати фішинг» оновили")
        .await;
    let store = bot.stop().await;
    let audit = store.audit_log(50).await.expect("audit");
    assert_eq!(
        audit.iter().filter(|a| a.action == "reload").count(),
        2,
        "{audit:#?}"
    );
    assert!(
        audit.iter().any(|a| a.action == "refused"
            && a.actor == 1001
            && a.target.as_deref() == Some("reload")),
        "{audit:#?}"
    );
    store.close().await;
}
