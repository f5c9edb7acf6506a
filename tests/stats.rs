//! `pomichnyk stats`: the figures, read from a store filled the way the bot fills
//! it, and the command's three formats.

use std::path::Path;
use std::process::{Command, Output};

use pomichnyk::engine::{Event, State, Verdict};
use pomichnyk::stats::{self, Format};
use pomichnyk::store::{
    Commit, HubCount, LanguageCount, LessonFunnel, QuestionCounts, QuizAccuracy, ResidentCounts,
    Stats, Store, TicketCounts, UnansweredQuestion,
};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

// Distinctive ids, so the outputs can be searched for them.
const ANNA: i64 = 987_650_001;
const BOHDAN: i64 = 987_650_002;
const VIRA: i64 = 987_650_003;
const HALYNA: i64 = 987_650_004;

fn state(lang: Option<&str>) -> State {
    State {
        lang: lang.map(str::to_string),
        ..State::default()
    }
}

async fn commit(store: &Store, user: i64, now: i64, lang: Option<&str>, events: &[Event]) {
    store
        .commit(Commit {
            user,
            now,
            state: &state(lang),
            events,
        })
        .await
        .expect("commit");
}

fn started(lesson: &str) -> Event {
    Event::LessonStarted {
        lesson: lesson.into(),
    }
}

fn completed(lesson: &str, correct: u32, total: u32) -> Event {
    Event::LessonCompleted {
        lesson: lesson.into(),
        correct,
        total,
    }
}

fn quiz(dialogue: &str, step: &str, correct: bool, first_try: bool) -> Event {
    Event::QuizAnswered {
        dialogue: dialogue.into(),
        step: step.into(),
        option: 1,
        correct,
        first_try,
    }
}

fn referred(hub: &str) -> Event {
    Event::Referred { hub: hub.into() }
}

fn asked(key: &str, verdict: Verdict, entry: Option<&str>, text: &str) -> Event {
    Event::Asked {
        key: key.into(),
        lang: "uk".into(),
        verdict,
        entry: entry.map(str::to_string),
        text: text.into(),
    }
}

fn voted(key: &str, entry: &str, helpful: bool) -> Event {
    Event::FaqVoted {
        key: key.into(),
        entry: entry.into(),
        helpful,
    }
}

/// Four residents, two lessons, quizzes, questions and tickets; see the
/// expected figures in `figures_match_what_the_bot_wrote`.
async fn fill(store: &Store) {
    // Anna: came from branch_7's poster long ago, finished phishing 2/2 yesterday.
    commit(
        store,
        ANNA,
        NOW - 40 * DAY,
        Some("uk"),
        &[referred("branch_7"), started("phishing")],
    )
    .await;
    commit(
        store,
        ANNA,
        NOW - DAY,
        Some("uk"),
        &[
            quiz("phishing", "q_sms", true, true),
            quiz("phishing", "q_link", false, true),
            quiz("phishing", "q_link", true, false),
            completed("phishing", 2, 2),
        ],
    )
    .await;
    // Bohdan: new, English, also branch_7; phishing 1/2 and passwords opened.
    commit(
        store,
        BOHDAN,
        NOW - 5 * DAY,
        Some("en"),
        &[
            referred("branch_7"),
            started("phishing"),
            quiz("phishing", "q_sms", true, true),
            completed("phishing", 1, 2),
            started("passwords"),
            quiz("passwords", "q_strong", false, true),
        ],
    )
    .await;
    // Vira: branch_9, long gone, blocked the bot; asked something long ago.
    commit(
        store,
        VIRA,
        NOW - 60 * DAY,
        Some("uk"),
        &[referred("branch_9"), started("phishing")],
    )
    .await;
    commit(
        store,
        VIRA,
        NOW - 50 * DAY,
        Some("uk"),
        &[asked("k6", Verdict::Nothing, None, "Old question")],
    )
    .await;
    // Halyna: new, no language chosen yet, asks the FAQ a lot.
    commit(
        store,
        HALYNA,
        NOW - 2 * DAY,
        None,
        &[asked(
            "k1",
            Verdict::Nothing,
            None,
            "Як оплатити комуналку?",
        )],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - DAY,
        None,
        &[
            asked("k2", Verdict::Nothing, None, "  як оплатити КОМУНАЛКУ?  "),
            asked("k7", Verdict::Choices, None, "choose something"),
        ],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - 3 * HOUR,
        None,
        &[asked(
            "k3",
            Verdict::Answered,
            Some("two_factor"),
            "What is 2FA?",
        )],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - 3 * HOUR + 60,
        None,
        &[voted("k3", "two_factor", false)],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - 2 * HOUR,
        None,
        &[asked(
            "k5",
            Verdict::Answered,
            Some("reset_password"),
            "How to reset a password",
        )],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - 2 * HOUR + 60,
        None,
        &[voted("k5", "reset_password", true)],
    )
    .await;
    commit(
        store,
        HALYNA,
        NOW - HOUR,
        None,
        &[asked(
            "k4",
            Verdict::Nothing,
            None,
            "Hello, \"bot\"\nsecond line",
        )],
    )
    .await;

    // Tickets: one opened and closed in the window, one old one closed long
    // ago, one open now.
    let t1 = store
        .open_ticket(ANNA, ANNA, "uk", "help", NOW - 2 * DAY)
        .await
        .expect("ticket");
    let t2 = store
        .open_ticket(BOHDAN, BOHDAN, "en", "old", NOW - 40 * DAY)
        .await
        .expect("ticket");
    store
        .open_ticket(HALYNA, HALYNA, "uk", "still open", NOW - DAY)
        .await
        .expect("ticket");
    assert!(store.close_ticket(t1, 42, NOW - DAY).await.expect("close"));
    assert!(store
        .close_ticket(t2, 42, NOW - 35 * DAY)
        .await
        .expect("close"));

    store.set_blocked(VIRA, true).await.expect("block");
}

#[tokio::test]
async fn figures_match_what_the_bot_wrote() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("open");
    fill(&store).await;
    let s = store.stats(NOW, 30).await.expect("stats");
    store.close().await;

    assert_eq!((s.window.now, s.window.days), (NOW, 30));
    assert_eq!(s.window.since, NOW - 30 * DAY);
    assert_eq!(
        s.residents,
        ResidentCounts {
            total: 4,
            active: 3,
            blocked: 1,
            new: 2,
        }
    );
    let lang = |l: Option<&str>, n| LanguageCount {
        lang: l.map(str::to_string),
        residents: n,
    };
    assert_eq!(
        s.languages,
        vec![lang(Some("uk"), 2), lang(Some("en"), 1), lang(None, 1)]
    );
    assert_eq!(
        s.lessons,
        vec![
            LessonFunnel {
                lesson: "phishing".into(),
                started: 3,
                completed: 2,
                completion_pct: Some(66.7),
                avg_score_pct: Some(75.0),
            },
            LessonFunnel {
                lesson: "passwords".into(),
                started: 1,
                completed: 0,
                completion_pct: Some(0.0),
                avg_score_pct: None,
            },
        ]
    );
    assert_eq!(
        s.quizzes,
        vec![
            QuizAccuracy {
                dialogue: "phishing".into(),
                answers: 4,
                first_try: 3,
                first_try_correct: 2,
                first_try_correct_pct: Some(66.7),
            },
            QuizAccuracy {
                dialogue: "passwords".into(),
                answers: 1,
                first_try: 1,
                first_try_correct: 0,
                first_try_correct_pct: Some(0.0),
            },
        ]
    );
    // "Old question" is outside the window.
    assert_eq!(
        s.questions,
        QuestionCounts {
            asked: 6,
            answered: 2,
            choices: 1,
            nothing: 3,
            helpful: 1,
            unhelpful: 1,
        }
    );
    let miss = |text: &str, count, at| UnansweredQuestion {
        text: text.into(),
        count,
        last_asked_at: at,
    };
    assert_eq!(
        s.unanswered,
        vec![
            // Two spellings of one question, counted together (Cyrillic case folded).
            miss("як оплатити комуналку?", 2, NOW - DAY),
            // Equal counts: newest first.
            miss("hello, \"bot\"\nsecond line", 1, NOW - HOUR),
            // Answered, but voted 👎.
            miss("what is 2fa?", 1, NOW - 3 * HOUR),
        ]
    );
    assert_eq!(
        s.hubs,
        vec![
            HubCount {
                hub: "branch_7".into(),
                residents: 2,
            },
            HubCount {
                hub: "branch_9".into(),
                residents: 1,
            },
        ]
    );
    assert_eq!(
        s.tickets,
        TicketCounts {
            opened: 2,
            closed: 1,
            open_now: 1,
        }
    );

    // A narrower window: only what happened in the last day.
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("reopen");
    let day = store.stats(NOW, 1).await.expect("stats");
    store.close().await;
    assert_eq!(day.residents.total, 4);
    assert_eq!(day.residents.active, 2, "Anna and Halyna");
    assert_eq!(day.residents.new, 0);
    assert_eq!(day.questions.asked, 5);
    assert_eq!(day.unanswered.len(), 3);
    assert_eq!(day.unanswered[0].count, 1, "k1 was two days ago");
    assert_eq!(
        (day.tickets.opened, day.tickets.closed, day.tickets.open_now),
        (1, 1, 1)
    );

    check_formats(&s);
}

/// The three renderings of the same figures, without the binary.
fn check_formats(s: &Stats) {
    let text = stats::render(s, Format::Text);
    for needle in [
        "Residents",
        "Lesson funnels",
        "phishing",
        "66.7%",
        "75.0%",
        "Quiz accuracy",
        "як оплатити комуналку?",
        // The line break of a question is flattened in the text report.
        "hello, \"bot\" second line",
        "branch_7",
        "Tickets",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    // Aligned columns: the hub table's counts end in the same column.
    let hub_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("branch_7") || l.contains("branch_9"))
        .collect();
    assert_eq!(hub_lines.len(), 2, "{text}");
    assert_eq!(hub_lines[0].chars().count(), hub_lines[1].chars().count());

    let csv = stats::render(s, Format::Csv);
    assert!(csv.starts_with("section,key,metric,value\n"), "{csv}");
    for row in [
        "residents,all,total,4",
        "languages,uk,residents,2",
        "languages,,residents,1",
        "lessons,phishing,completion_pct,66.7",
        "lessons,passwords,avg_score_pct,\n",
        "quizzes,phishing,first_try_correct_pct,66.7",
        "unanswered,як оплатити комуналку?,count,2",
        "unanswered,\"hello, \"\"bot\"\"\nsecond line\",count,1",
        "per_hub,branch_7,residents,2",
        "per_hub,branch_9,residents,1",
        "tickets,all,open_now,1",
    ] {
        assert!(csv.contains(row), "{row:?} missing in:\n{csv}");
    }

    let json: serde_json::Value =
        serde_json::from_str(&stats::render(s, Format::Json)).expect("JSON");
    assert_eq!(json["residents"]["total"], 4);
    assert_eq!(json["lessons"][0]["completion_pct"], 66.7);
    assert_eq!(json["lessons"][1]["avg_score_pct"], serde_json::Value::Null);
    assert_eq!(json["hubs"][0]["hub"], "branch_7");
    assert_eq!(json["unanswered"][0]["count"], 2);

    for out in [&text, &csv] {
        for user in [ANNA, BOHDAN, VIRA, HALYNA] {
            assert!(!out.contains(&user.to_string()), "a user id in:\n{out}");
        }
    }
}

#[tokio::test]
async fn an_empty_database_gives_zeros() {
    let store = Store::open("sqlite::memory:").await.expect("open");
    let s = store.stats(NOW, 30).await.expect("stats");
    store.close().await;
    assert_eq!(
        s.residents,
        ResidentCounts {
            total: 0,
            active: 0,
            blocked: 0,
            new: 0,
        }
    );
    assert!(s.languages.is_empty() && s.lessons.is_empty() && s.quizzes.is_empty());
    assert!(s.unanswered.is_empty() && s.hubs.is_empty());
    assert_eq!(
        s.questions,
        QuestionCounts {
            asked: 0,
            answered: 0,
            choices: 0,
            nothing: 0,
            helpful: 0,
            unhelpful: 0,
        }
    );
    assert_eq!(
        s.tickets,
        TicketCounts {
            opened: 0,
            closed: 0,
            open_now: 0,
        }
    );
    for format in [Format::Text, Format::Csv, Format::Json] {
        assert!(!stats::render(&s, format).is_empty());
    }
}

/// Runs `pomichnyk stats ARGS` against the database in `dir`.
fn run_stats(dir: &Path, args: &[&str]) -> Output {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("--config")
        .arg(&config)
        .arg("stats")
        .args(args)
        .current_dir(dir)
        .env(
            "POMICHNYK__DATABASE__URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .env_remove("POMICHNYK_CONFIG_DIR")
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .expect("run pomichnyk stats")
}

fn stdout_of(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

#[tokio::test]
async fn the_command_prints_each_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("open");
    fill(&store).await;
    store.close().await;

    let json = stdout_of(&run_stats(dir.path(), &["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["residents"]["total"], 4, "{json}");
    assert_eq!(json["window"]["days"], 30);
    assert_eq!(json["hubs"][0]["residents"], 2);

    let csv = stdout_of(&run_stats(dir.path(), &["--format", "csv", "--days", "7"]));
    assert!(csv.starts_with("section,key,metric,value\n"), "{csv}");
    assert!(csv.contains("window,all,days,7\n"), "{csv}");
    assert!(csv.contains("per_hub,branch_7,residents,2\n"), "{csv}");

    let text = stdout_of(&run_stats(dir.path(), &[]));
    assert!(text.contains("branch_7"), "{text}");
    assert!(text.contains("branch_9"), "{text}");
    assert!(text.contains("last 30 days"), "{text}");
    assert_eq!(
        text,
        stdout_of(&run_stats(dir.path(), &["--format", "text"])),
        "text is the default"
    );
}

#[test]
fn the_command_works_on_a_fresh_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = stdout_of(&run_stats(dir.path(), &["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["residents"]["total"], 0);
    assert_eq!(json["hubs"], serde_json::json!([]));
    let csv = stdout_of(&run_stats(dir.path(), &["--format", "csv"]));
    assert!(csv.contains("residents,all,total,0\n"), "{csv}");
    let text = stdout_of(&run_stats(dir.path(), &[]));
    assert!(text.contains("(none)"), "{text}");
}

#[test]
fn a_bad_window_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_stats(dir.path(), &["--days", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_stats(dir.path(), &["--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}
