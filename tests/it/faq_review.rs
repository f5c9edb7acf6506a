//! The FAQ learns: a question the bot was not sure of is reviewed by a
//! librarian (`/faq_review` in Telegram, `pomichnyk faq review` in a
//! terminal), and from then on it is answered at once, also after a restart;
//! `pomichnyk faq export` writes the accepted phrasings in the FAQ files'
//! format, the files take them, and `check` reports a broken one at its
//! `path:line:col`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::fake_api::FakeApi;
use crate::support::tg::*;
use crate::support::{content_copy, languages, shipped_script};
use pomichnyk::faq::Verdict;
use pomichnyk::script::{markup, Msg, Script};

const ADMIN: i64 = 9001;
const LIBRARIAN: i64 = 5002;
/// The shipped FAQ offers choices for it (the clinic or the ЦНАП); the
/// resident means the family doctor.
const QUESTION: &str = "як записатися";
const ENTRY: &str = "doctor_booking";
/// The FAQ does not know it.
const UNKNOWN: &str = "котра година";

/// Runs the `pomichnyk` binary on `db` with `args` and `stdin`; answers the
/// exit code, standard output and standard error.
fn pomichnyk(
    db: &Path,
    content: Option<&Path>,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pomichnyk"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(db))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = content {
        cmd.env("POMICHNYK__DIALOGUES__DIR", dir);
    }
    let mut child = cmd.spawn().expect("start pomichnyk");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write input");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The first way to ask an entry, in Ukrainian: the label of its button.
fn first_question(script: &Script, entry: &str) -> String {
    let i = script.faq_entry(entry).expect("the entry exists");
    script.faq[i].questions[0][0].clone()
}

/// The first line of an entry's Ukrainian answer, as a resident sees it.
fn answer_start(script: &Script, entry: &str) -> String {
    let i = script.faq_entry(entry).expect("the entry exists");
    let answer = markup::to_plain(script.faq[i].answer.get(0));
    answer.lines().next().unwrap_or_default().to_string()
}

fn assert_shows(output: &str, expected: &str) {
    assert!(
        output.contains(expected),
        "expected {expected:?} in:\n{output}"
    );
}

const EXTRA: [(&str, &str); 3] = [
    ("POMICHNYK__ACCESS__ADMINS", "9001"),
    ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100500"),
    ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_a_librarian_accepts_is_answered_at_once_after_a_restart_and_in_the_files() {
    let script = shipped_script();
    let choices = script.strings.get(Msg::FaqChoices, 0).to_string();
    let nothing = script.strings.get(Msg::FaqNothing, 0).to_string();
    let doctor = first_question(&script, ENTRY);
    let answer = answer_start(&script, ENTRY);
    // The shipped FAQ is not sure of the question, and the right entry is among its choices.
    match script.faq_index.judge(QUESTION) {
        Verdict::Close(entries) => {
            assert!(entries.contains(&script.faq_entry(ENTRY).expect("entry")))
        }
        other => panic!("{QUESTION:?} is expected to get choices, got {other:?}"),
    }

    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let bot = spawn_bot(&api, &db, &EXTRA).await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    admin
        .says("/grant 5002 librarian")
        .sees("5002 тепер має роль")
        .await;

    // A resident asks; the bot is not sure and offers choices; she picks the doctor.
    let mut olha = Resident::new(&api, 5001, "uk");
    olha.says(QUESTION).sees(&choices).await;
    olha.taps(&doctor).await.sees(&answer).await;
    // Another asks what the FAQ does not know, and goes to a librarian.
    let mut petro = Resident::new(&api, 5003, "uk");
    petro.says(UNKNOWN).sees(&nothing).await;
    petro
        .taps("Запитати бібліотекаря")
        .await
        .sees("Напишіть")
        .await;

    // Residents cannot review.
    petro
        .says("/faq_review")
        .sees("Такої команди я не знаю")
        .await;

    // The librarian reviews: the resident's own pick comes first.
    let mut librarian = Resident::new(&api, LIBRARIAN, "uk");
    librarian
        .says("/faq_review")
        .sees(&format!("«{QUESTION}»"))
        .await
        .sees("чекають розгляду: 2")
        .await
        .sees(&format!("вибрав «{doctor}»"))
        .await;
    let (_, first) = librarian.button("👤").await;
    assert_eq!(
        first["text"].as_str(),
        Some(format!("👤 {doctor}").as_str())
    );
    librarian
        .taps(&format!("👤 {doctor}"))
        .await
        .sees("✅ Записано")
        .await
        // The next question, with what its resident did.
        .sees(&format!("«{UNKNOWN}»"))
        .await
        .sees("звернувся до бібліотекаря")
        .await;
    librarian
        .taps("Потрібна нова відповідь")
        .await
        .sees("список для адміністраторів")
        .await
        .sees("Усі запитання розглянуто")
        .await;

    // The same question is now answered at once.
    let mut ivan = Resident::new(&api, 5004, "uk");
    ivan.says(QUESTION).sees(&answer).await;
    assert!(
        ivan.said().iter().all(|t| !t.contains(&choices)),
        "{:?}",
        ivan.said()
    );
    // Nothing waits any more.
    librarian
        .says("/faq_review")
        .sees("Усі запитання розглянуто")
        .await;

    let store = bot.stop().await;
    let audit = store.audit_log(100).await.expect("audit");
    let decisions: Vec<(i64, &str, Option<&str>, Option<&str>)> = audit
        .iter()
        .filter(|e| e.action.starts_with("faq_") && e.action != "faq_review")
        .map(|e| {
            (
                e.actor,
                e.action.as_str(),
                e.target.as_deref(),
                e.detail.as_deref(),
            )
        })
        .collect();
    assert!(
        decisions.contains(&(LIBRARIAN, "faq_accept", Some(ENTRY), Some(QUESTION))),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&(LIBRARIAN, "faq_new_answer", None, Some(UNKNOWN))),
        "{decisions:?}"
    );
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    store.close().await;

    // After a restart the phrasing is still used: it lives in the database.
    let bot = spawn_bot(&api, &db, &EXTRA).await;
    let mut maria = Resident::new(&api, 5005, "uk");
    maria.says(QUESTION).sees(&answer).await;
    assert!(maria.said().iter().all(|t| !t.contains(&choices)));
    bot.stop().await.close().await;

    // The admins export it in the FAQ files' format, with the list of questions to answer.
    let (code, export, err) = pomichnyk(&db, None, &["faq", "export"], "", &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(
        &export,
        &format!("[[phrasings]]\nentry = \"{ENTRY}\"\nquestions.uk = [\"{QUESTION}\"]\n"),
    );
    assert_shows(&export, "# Questions that need a new answer");
    assert_shows(&export, &format!("[uk] ×1: {UNKNOWN}"));

    // Saved under faq/, the files have the phrasing; the index answers it with no database.
    let content = content_copy();
    let accepted = content.path().join("faq").join("accepted.toml");
    std::fs::write(&accepted, &export).expect("write the export");
    let report = pomichnyk::content::load_dir(content.path(), &languages());
    let problems: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    let files = report.script.unwrap_or_else(|| panic!("{problems:#?}"));
    assert!(
        problems.iter().all(|p| !p.contains("accepted.toml")),
        "{problems:#?}"
    );
    let i = files.faq_entry(ENTRY).expect("entry");
    assert!(files.faq[i].questions[0].iter().any(|q| q == QUESTION));
    assert_eq!(files.faq_index.judge(QUESTION), Verdict::Confident(i));
    let (code, out, err) = pomichnyk(
        &db,
        None,
        &["check", &content.path().display().to_string()],
        "",
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    // A second export from those files has nothing new to add.
    let (code, again, err) = pomichnyk(&db, Some(content.path()), &["faq", "export"], "", &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(&again, "No accepted phrasing is missing from the files");
    assert!(!again.contains("[[phrasings]]"), "{again}");

    // An edit that points the phrasing to an entry that does not exist: an error at its place.
    let broken = export.replace(&format!("entry = \"{ENTRY}\""), "entry = \"doctor_bookin\"");
    std::fs::write(&accepted, &broken).expect("write the broken export");
    let line = broken
        .lines()
        .position(|l| l.starts_with("entry = \"doctor_bookin\""))
        .expect("the line")
        + 1;
    let (code, out, _) = pomichnyk(
        &db,
        None,
        &["check", &content.path().display().to_string()],
        "",
        &[],
    );
    assert_ne!(code, 0, "{out}");
    assert_shows(
        &out,
        &format!(
            "{}:{line}:9: error: phrasings: there is no FAQ entry \"doctor_bookin\"",
            accepted.display()
        ),
    );
    // A phrasing that already asks another entry is an error too.
    let other = first_question(&script, "cnap_queue");
    let conflict = export.replace(
        &format!("questions.uk = [\"{QUESTION}\"]"),
        &format!("questions.uk = [\"{other}\"]"),
    );
    std::fs::write(&accepted, &conflict).expect("write the conflict");
    let (code, out, _) = pomichnyk(
        &db,
        None,
        &["check", &content.path().display().to_string()],
        "",
        &[],
    );
    assert_ne!(code, 0, "{out}");
    assert_shows(&out, "is already a way to ask FAQ \"cnap_queue\"");
}

#[test]
fn a_librarian_reviews_in_the_terminal_and_the_next_session_is_answered_at_once() {
    let script = shipped_script();
    let doctor = first_question(&script, ENTRY);
    let answer = answer_start(&script, ENTRY);
    let db = tempfile::tempdir().expect("temp dir");
    let db = db.path().join("t.db");
    // A resident in the terminal asks; the bot offers choices; they leave.
    let (code, out, err) = pomichnyk(&db, None, &["chat", "--user", "7"], QUESTION, &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(&out, script.strings.get(Msg::FaqChoices, 0));

    // Not a librarian yet: refused, with the way to become one.
    let (code, _, err) = pomichnyk(&db, None, &["faq", "review", "--user", "42"], "", &[]);
    assert_ne!(code, 0);
    assert_shows(&err, "pomichnyk role grant 42 librarian");
    let (code, _, err) = pomichnyk(&db, None, &["role", "grant", "42", "librarian"], "", &[]);
    assert_eq!(code, 0, "{err}");

    // The review: the question, its choices as numbered buttons; the doctor's is pressed.
    let (code, shown, err) = pomichnyk(&db, None, &["faq", "review", "--user", "42"], "", &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(&shown, &format!("«{QUESTION}»"));
    assert_shows(&shown, "більше нічого не вибрав");
    let number = shown
        .lines()
        .flat_map(|l| l.split("   "))
        .find_map(|cell| {
            let rest = cell.trim().strip_prefix('[')?;
            let (n, label) = rest.split_once("] ")?;
            (label == doctor).then(|| n.to_string())
        })
        .unwrap_or_else(|| panic!("no button {doctor:?} in:\n{shown}"));
    let (code, out, err) = pomichnyk(&db, None, &["faq", "review", "--user", "42"], &number, &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(&out, "✅ Записано");
    assert_shows(&out, "Усі запитання розглянуто");

    // Another resident's session (a new process) gets the answer at once.
    let (code, out, err) = pomichnyk(&db, None, &["chat", "--user", "8"], QUESTION, &[]);
    assert_eq!(code, 0, "{err}");
    assert_shows(&out, &answer);
    assert!(
        !out.contains(script.strings.get(Msg::FaqChoices, 0)),
        "{out}"
    );
}
