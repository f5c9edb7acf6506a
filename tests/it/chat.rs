//! Whole conversations piped through the `pomichnyk chat` binary, with a real
//! SQLite database: what the resident types, what the terminal shows.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{content_copy, option_number, shipped_script};
use pomichnyk::script::{markup, Msg, Script};

/// Runs `pomichnyk chat` with `lines` on its input and returns what it printed.
pub(crate) fn chat(db: &Path, content: Option<&Path>, args: &[&str], lines: &[&str]) -> String {
    chat_with(db, content, args, lines, &[])
}

/// [`chat`] with more environment.
fn chat_with(
    db: &Path,
    content: Option<&Path>,
    args: &[&str],
    lines: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pomichnyk"));
    cmd.envs(env.iter().copied());
    cmd.arg("chat")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(db))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = content {
        cmd.env("POMICHNYK__DIALOGUES__DIR", dir);
    }
    let mut child = cmd.spawn().expect("start pomichnyk chat");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(lines.join("\n").as_bytes())
        .expect("write input");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "chat failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The explanation shown for option `option` of question `step` in `lesson`.
fn explanation(script: &Script, lesson: &str, step: &str, option: usize, lang: usize) -> String {
    let (_, step) = script
        .dialogue(lesson)
        .and_then(|d| d.step(step))
        .expect("step exists");
    let quiz = step.quiz.as_ref().expect("a question");
    markup::to_plain(quiz.options[option].explain.get(lang))
}

fn assert_shows(output: &str, expected: &str) {
    assert!(
        output.contains(expected),
        "expected {expected:?} in:\n{output}"
    );
}

#[test]
fn the_phishing_lesson_in_ukrainian_with_one_wrong_answer() {
    let script = shipped_script();
    let db = tempfile::tempdir().expect("temp dir");
    // The options come in the order of user 1 (the terminal's default).
    let number = |step, option| option_number(&script, 1, "phishing", step, option);
    let out = chat(
        &db.path().join("p.db"),
        None,
        &[],
        &[
            "/start",
            "1", // main menu: Lessons
            "3", // staying safe online (after the phone and e-services groups)
            "1", // the phishing lesson
            "1",
            "1",                 // intro, signs
            &number("q_sms", 1), // "call the bank on the card's number": right
            "1",
            "1",                 // address, secrets
            &number("q_aid", 0), // "a real payment": wrong
            &number("q_aid", 2), // "scammers": right on the second try
            "1",                 // what to do if caught
        ],
    );
    assert_shows(&out, "Ваша відповідь: Подзвоню в банк за номером з картки");
    assert_shows(&out, &explanation(&script, "phishing", "q_sms", 1, 0));
    assert_shows(&out, "❌ Не зовсім.");
    assert_shows(&out, &explanation(&script, "phishing", "q_aid", 0, 0));
    assert_shows(&out, script.strings.get(Msg::QuizTryAgain, 0));
    assert_shows(&out, &explanation(&script, "phishing", "q_aid", 2, 0));
    assert_shows(
        &out,
        "🎉 Урок «Як розпізнати фішинг» пройдено!\nПравильних відповідей з першої спроби: 1 з 2.",
    );
    assert_shows(&out, "[1] 📚 Уроки   [2] 🏠 Меню");
}

#[test]
fn the_passwords_lesson_in_english_with_one_wrong_answer() {
    let script = shipped_script();
    let db = tempfile::tempdir().expect("temp dir");
    let number = |step, option| option_number(&script, 42, "passwords", step, option);
    let out = chat(
        &db.path().join("p.db"),
        None,
        &["--lang", "en", "--user", "42"],
        &[
            "/lessons",
            "3", // staying safe online (after the phone and e-services groups)
            "4", // the passwords lesson
            "1",
            "1",                    // intro, three words
            &number("q_strong", 0), // Maria1955: wrong
            &number("q_strong", 2), // AppleRiverButton: right on the second try
            "1",
            "1",                  // one password each, two-step login
            &number("q_code", 1), // give the code to nobody: right
            "1",                  // sessions
        ],
    );
    assert_shows(&out, "Your answer: Maria1955");
    assert_shows(&out, "❌ Not quite.");
    assert_shows(&out, &explanation(&script, "passwords", "q_strong", 0, 1));
    assert_shows(&out, &explanation(&script, "passwords", "q_strong", 2, 1));
    assert_shows(&out, &explanation(&script, "passwords", "q_code", 1, 1));
    assert_shows(&out, "🎉 You have finished “Strong passwords and two-step login”!\nRight on the first try: 1 of 2.");
    assert!(
        !out.contains("Вітаю"),
        "no Ukrainian in an English chat:\n{out}"
    );
}

#[test]
fn progress_survives_between_runs() {
    let db = tempfile::tempdir().expect("temp dir");
    let db = db.path().join("p.db");
    chat(&db, None, &[], &["/start lesson_passwords", "1", "1"]);
    let out = chat(&db, None, &[], &["/progress"]);
    let total = shipped_script().lessons().count();
    assert_shows(
        &out,
        &format!(
            "Пройдено уроків: 0 з {total}.\n▶️ Надійні паролі та двоетапна перевірка — розпочато"
        ),
    );
}

#[test]
fn a_step_removed_under_a_resident_restarts_the_lesson_with_a_note() {
    let content = content_copy();
    let db = tempfile::tempdir().expect("temp dir");
    let db = db.path().join("p.db");
    let out = chat(
        &db,
        Some(content.path()),
        &[],
        &["/start lesson_phishing", "1", "1"],
    );
    assert_shows(&out, "Що зробите?");

    // An admin removes the question the resident is looking at.
    let file = content.path().join("lessons/phishing.toml");
    let text = std::fs::read_to_string(&file).expect("read");
    let start = text.find("[[steps]]\nid = \"q_sms\"").expect("q_sms step");
    let end = text
        .find("[[steps]]\nid = \"address\"")
        .expect("address step");
    let edited = format!("{}{}", &text[..start], &text[end..])
        .replace("next = \"q_sms\"", "next = \"address\"");
    std::fs::write(&file, edited).expect("write");

    // The resident answers the old question.
    let out = chat(
        &db,
        Some(content.path()),
        &[],
        &["Подзвоню в банк за номером з картки"],
    );
    assert_shows(
        &out,
        "Урок «Як розпізнати фішинг» оновили. Почнімо його спочатку.",
    );
    assert_shows(&out, "Фішинг — це обман");
    assert!(
        !out.contains("Правильно"),
        "the old question is not answered:\n{out}"
    );
}

#[test]
fn broken_content_stops_chat_with_the_errors() {
    let content = content_copy();
    std::fs::write(
        content.path().join("lessons/broken.toml"),
        "id = \"broken\"\nkind = \n",
    )
    .expect("write");
    let db = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("chat")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "POMICHNYK__DATABASE__URL",
            crate::support::db::url(&db.path().join("p.db")),
        )
        .env("POMICHNYK__DIALOGUES__DIR", content.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("lessons/broken.toml:2:"), "{stderr}");
    assert!(stderr.contains("have errors"), "{stderr}");
}

#[test]
fn a_wrong_setting_stops_start_up_naming_the_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("POMICHNYK__LOCALE__DEFAULT", "ua")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locale.default"), "{stderr}");
}

/// `pomichnyk` with arguments (`role grant ...`), against the same database.
fn pomichnyk(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(db))
        .output()
        .expect("run pomichnyk");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn residents_and_a_librarian_do_in_the_terminal_what_they_do_in_telegram() {
    let script = shipped_script();
    let s = |m: Msg| markup::to_plain(script.strings.get(m, 0));
    let group = |text: &str| script.strings.fill(Msg::ChatGroup, 0, &[("text", text)]);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("terminal.db");
    // Daytime or night, announcements go at once in this test.
    let env = [("POMICHNYK__BROADCAST__QUIET_HOURS", "")];
    const LIBRARIAN: &str = "9001";
    const RESIDENT: &str = "9002";

    assert_shows(
        &pomichnyk(&db, &["role", "grant", LIBRARIAN, "librarian"]),
        "librarian granted to 9001",
    );

    // The resident subscribes to webinars and library news.
    let said = chat_with(
        &db,
        None,
        &["--user", RESIDENT],
        &["/subscribe", "вебінари", "новини бібліотек", "Готово"],
        &env,
    );
    assert_shows(&said, "вебінари, новини бібліотек");

    // The librarian publishes a webinar, then writes an announcement.
    let said = chat_with(
        &db,
        None,
        &["--user", LIBRARIAN],
        &[
            "/webinar",
            "Як користуватися Дією",
            "Покажемо застосунок крок за кроком.",
            "15.12.2099 15:00",
            "Бібліотека-філія № 8 імені І. Іова",
            "20",
            &s(Msg::ButtonPublish),
            "/announce",
            "У суботу бібліотека № 8 відчинена до 18:00.",
            &s(Msg::TopicNews),
            &s(Msg::ButtonAudienceAll),
            &s(Msg::ButtonSend),
        ],
        &env,
    );
    let published = script
        .strings
        .fill(Msg::WebinarPublished, 0, &[("id", "1"), ("count", "1")]);
    assert_shows(&said, &markup::to_plain(&published));
    let queued = script
        .strings
        .fill(Msg::AnnounceQueued, 0, &[("id", "2"), ("count", "1")]);
    assert_shows(&said, &markup::to_plain(&queued));
    // Deliveries to others wait for their own session; none is shown here.
    assert!(!said.contains("→ 9002"), "{said}");

    // The resident's next session shows both announcements, then the
    // webinar list takes an "I will come"; a question goes to the
    // librarians' lines, and the answer typed there comes back.
    let said = chat_with(
        &db,
        None,
        &["--user", RESIDENT],
        &[
            "/webinars",
            &s(Msg::ButtonRsvp),
            "/librarian",
            "Чи можна прийти з онуком?",
            "/group 1 Так, приходьте разом!",
        ],
        &env,
    );
    assert_shows(&said, "У суботу бібліотека № 8 відчинена до 18:00.");
    assert_shows(&said, "Як користуватися Дією");
    assert_shows(&said, "Чудово, я вас записав на «Як користуватися Дією»");
    let post = said
        .lines()
        .find(|l| l.starts_with(&group("")))
        .unwrap_or_else(|| panic!("no librarians' line in:\n{said}"));
    assert!(post.contains('1'), "{post}");
    assert_shows(&said, "Чи можна прийти з онуком?");
    let answer = said
        .split("» /group 1")
        .nth(1)
        .unwrap_or_else(|| panic!("no answer in:\n{said}"));
    assert_shows(answer, "Так, приходьте разом!");
    let delivered = script
        .strings
        .fill(Msg::TicketDelivered, 0, &[("ticket", "1")]);
    assert_shows(answer, &group(&markup::to_plain(&delivered)));

    // Sent once: a further session shows neither announcement again.
    let said = chat_with(&db, None, &["--user", RESIDENT], &["/progress"], &env);
    assert!(!said.contains("У суботу бібліотека"), "{said}");
}

#[test]
fn an_admin_reads_the_statistics_in_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("stats.db");
    pomichnyk(&db, &["role", "grant", "9100", "admin"]);
    let said = chat(
        &db,
        None,
        &["--user", "9100"],
        &["/start", "/stats", "/reload"],
    );
    assert_shows(&said, "📊 Мешканці");
    assert_shows(&said, "📎 pomichnyk-stats-");
    // The report itself, as `pomichnyk stats --format csv` writes it.
    assert_shows(&said, "section,key,metric,value");
    assert_shows(&said, "residents,all,total,1");
    assert_shows(&said, "✅ Новий зміст уже працює");
}
