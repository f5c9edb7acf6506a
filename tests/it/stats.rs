//! `pomichnyk stats`: the figures, read from a store filled the way the bot fills
//! it (by events, or by residents talking to the engine), and the command's
//! three formats.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{shipped_dir, shipped_script, Resident};
use jiff::civil::{date, Date};
use jiff::tz::TimeZone;
use pomichnyk::broadcast::{Audience, Topic};
use pomichnyk::engine::{Event, State, Verdict};
use pomichnyk::script::Script;
use pomichnyk::stats::{self, Format};
use pomichnyk::store::{
    Announcements, BroadcastFigures, Commit, Delivery, DeliveryCounts, FaqEntryCount, HubCount,
    LanguageCount, LessonFunnel, LessonOrder, QuestionCounts, QuizAccuracy, ResidentCounts, Rsvp,
    Stats, StepOrder, Store, TicketCounts, UnansweredQuestion, WebinarFigures, Week, Window, WEEKS,
};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

// Distinctive ids, so the outputs can be searched for them.
const ANNA: i64 = 987_650_001;
const BOHDAN: i64 = 987_650_002;
const VIRA: i64 = 987_650_003;
const HALYNA: i64 = 987_650_004;

fn kyiv() -> TimeZone {
    TimeZone::get("Europe/Kyiv").expect("the Kyiv time zone")
}

/// The report for the last `days` days, steps ordered without the content.
async fn report(store: &Store, now: i64, days: u32) -> Stats {
    store
        .stats(
            &Window::last_days(now, days, kyiv()),
            &LessonOrder::unknown(),
        )
        .await
        .expect("stats")
}

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
            Event::FaqChosen {
                key: "k7".into(),
                entry: "two_factor".into(),
            },
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
    let store = Store::open(&crate::support::db::url(&dir.path().join("t.db")))
        .await
        .expect("open");
    fill(&store).await;
    let s = report(&store, NOW, 30).await;
    store.close().await;

    assert_eq!((s.window.now, s.window.days), (NOW, 30));
    assert_eq!(s.window.since, NOW - 30 * DAY);
    assert_eq!(s.window.since_date, None);
    assert_eq!(
        s.residents,
        ResidentCounts {
            total: 4,
            active: 3,
            blocked: 1,
            new: 2,
            // Bohdan and Halyna came this week; Anna, Bohdan and Halyna wrote in it.
            new_7d: 2,
            active_7d: 3,
            active_30d: 3,
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
            // No step_reached events here: no steps, and no step where anyone left.
            LessonFunnel {
                lesson: "phishing".into(),
                started: 3,
                completed: 2,
                completion_pct: Some(66.7),
                avg_score_pct: Some(75.0),
                step_order: StepOrder::ReachedNoContent,
                steps: vec![],
                most_left: None,
            },
            LessonFunnel {
                lesson: "passwords".into(),
                started: 1,
                completed: 0,
                completion_pct: Some(0.0),
                avg_score_pct: None,
                step_order: StepOrder::ReachedNoContent,
                steps: vec![],
                most_left: None,
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
    // two_factor: answered at once (👎) and chosen from the choices.
    let entry = |entry: &str, answered, helpful, unhelpful| FaqEntryCount {
        entry: entry.into(),
        answered,
        helpful,
        unhelpful,
    };
    assert_eq!(
        s.faq,
        vec![
            entry("two_factor", 2, 0, 1),
            entry("reset_password", 1, 1, 0),
        ]
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
    let store = Store::open(&crate::support::db::url(&dir.path().join("t.db")))
        .await
        .expect("reopen");
    let day = report(&store, NOW, 1).await;
    store.close().await;
    assert_eq!(day.residents.total, 4);
    assert_eq!(day.residents.active, 2, "Anna and Halyna");
    assert_eq!(day.residents.new, 0);
    assert_eq!(day.questions.asked, 5);
    assert_eq!(
        day.faq,
        vec![
            entry("two_factor", 2, 0, 1),
            entry("reset_password", 1, 1, 0)
        ],
        "k7 (chosen two_factor) was exactly a day ago: in the window"
    );
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
        "funnel,passwords,step_order,reached_no_content\n",
        "faq,two_factor,answered,2\nfaq,two_factor,helpful,0\nfaq,two_factor,unhelpful,1\n",
        "announcements,all,broadcasts,0\n",
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
    let store = Store::open(&crate::support::db::memory())
        .await
        .expect("open");
    let s = report(&store, NOW, 30).await;
    store.close().await;
    assert_eq!(
        s.residents,
        ResidentCounts {
            total: 0,
            active: 0,
            blocked: 0,
            new: 0,
            new_7d: 0,
            active_7d: 0,
            active_30d: 0,
        }
    );
    assert!(s.languages.is_empty() && s.lessons.is_empty() && s.quizzes.is_empty());
    assert!(s.unanswered.is_empty() && s.hubs.is_empty());
    assert!(s.confusing.is_empty() && s.faq.is_empty() && s.webinars.is_empty());
    assert_eq!(
        s.announcements,
        Announcements {
            broadcasts: 0,
            deliveries: DeliveryCounts::default(),
            list: vec![],
        }
    );
    assert_eq!(s.weekly.len(), WEEKS);
    assert!(s.weekly.iter().all(|w| (w.active, w.completions) == (0, 0)));
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

/// Runs `pomichnyk stats ARGS` against the database in `dir`, without content
/// (its dialogues folder does not exist).
fn run_stats(dir: &Path, args: &[&str]) -> Output {
    run_stats_with(dir, &dir.join("no-content"), args)
}

/// Runs `pomichnyk stats ARGS` against the database in `dir` and the content in `content`.
fn run_stats_with(dir: &Path, content: &Path, args: &[&str]) -> Output {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("--config")
        .arg(&config)
        .arg("stats")
        .args(args)
        .current_dir(dir)
        .env(
            "POMICHNYK__DATABASE__URL",
            crate::support::db::url(&dir.join("t.db")),
        )
        .env("POMICHNYK__DIALOGUES__DIR", content)
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
    let store = Store::open(&crate::support::db::url(&dir.path().join("t.db")))
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

/// One resident talking to the engine, each turn committed to the store as
/// the bot commits it, a minute after the one before.
struct Talk<'a> {
    store: &'a Store,
    user: i64,
    at: i64,
    resident: Resident<'a>,
}

impl<'a> Talk<'a> {
    fn new(store: &'a Store, script: &'a Script, user: i64, at: i64) -> Self {
        Talk {
            store,
            user,
            at,
            resident: Resident::new(script),
        }
    }

    /// The resident types `text`; the bot's answer contains `answer`.
    async fn says(&mut self, text: &str, answer: &str) -> &mut Self {
        self.resident.says(text).sees(answer);
        self.save().await
    }

    /// The resident taps the button labelled `label`; the bot's answer contains `answer`.
    async fn taps(&mut self, label: &str, answer: &str) -> &mut Self {
        self.resident.taps(label).sees(answer);
        self.save().await
    }

    async fn save(&mut self) -> &mut Self {
        self.store
            .commit(Commit {
                user: self.user,
                now: self.at,
                state: &self.resident.state,
                events: &self.resident.events,
            })
            .await
            .expect("commit");
        self.at += 60;
        self
    }

    /// Opens the phishing lesson from a poster's lesson link.
    async fn opens_phishing(&mut self) -> &mut Self {
        self.says("/start lesson_phishing", "Фішинг — це обман")
            .await
    }

    /// From the lesson's first screen to its first question.
    async fn reads_to_the_first_question(&mut self) -> &mut Self {
        self.taps("Далі", "Ознаки фішингу").await;
        self.taps("Далі", "Що зробите?").await
    }

    /// From the screen after the first question to the second question.
    async fn reads_to_the_second_question(&mut self) -> &mut Self {
        self.taps("Далі", "Нікому не кажіть").await;
        self.taps("Далі", "Що це?").await
    }
}

/// Six residents open the phishing lesson: one leaves at once, three after
/// the second screen, two finish it. Anna (ten days ago) gets the first
/// question right and the second wrong at first; Bohdan (yesterday) gets
/// both wrong at first. Returns the Kyiv date three days ago, for `--since`.
async fn a_class(store: &Store, now: i64) -> Date {
    let script = shipped_script();
    let long_ago = now - 10 * DAY;
    let yesterday = now - DAY;

    let mut anna = Talk::new(store, &script, ANNA, long_ago);
    anna.opens_phishing()
        .await
        .reads_to_the_first_question()
        .await;
    anna.taps("Подзвоню в банк", "Правильно!").await;
    anna.resident.sees("адресу сайту");
    anna.reads_to_the_second_question().await;
    anna.taps("Справжня виплата", "Спробуйте ще раз").await;
    anna.taps("Шахраї", "Уже ввели дані картки").await;
    anna.taps("Далі", "з першої спроби: 1 з 2").await;

    let mut bohdan = Talk::new(store, &script, BOHDAN, yesterday);
    bohdan
        .opens_phishing()
        .await
        .reads_to_the_first_question()
        .await;
    bohdan.taps("Перейду", "Спробуйте ще раз").await;
    bohdan.taps("Подзвоню в банк", "адресу сайту").await;
    bohdan.reads_to_the_second_question().await;
    bohdan.taps("Справжня виплата", "Спробуйте ще раз").await;
    bohdan.taps("Шахраї", "Уже ввели дані картки").await;
    bohdan.taps("Далі", "з першої спроби: 0 з 2").await;

    // Three read the signs of phishing and leave: two long ago, one yesterday.
    for (user, at) in [
        (VIRA, long_ago),
        (HALYNA, long_ago),
        (987_650_005, yesterday),
    ] {
        let mut r = Talk::new(store, &script, user, at);
        r.opens_phishing().await;
        r.taps("Далі", "Ознаки фішингу").await;
    }
    // One leaves at the very first screen, yesterday.
    Talk::new(store, &script, 987_650_006, yesterday)
        .opens_phishing()
        .await;

    jiff::Timestamp::from_second(now)
        .expect("now")
        .to_zoned(kyiv())
        .date()
        .checked_sub(jiff::Span::new().days(3))
        .expect("three days ago")
}

/// The rows of one section of a CSV report, in order.
fn section_rows<'a>(csv: &'a str, section: &str) -> Vec<&'a str> {
    let prefix = format!("{section},");
    csv.lines().filter(|l| l.starts_with(&prefix)).collect()
}

#[tokio::test]
async fn the_command_reports_step_funnels_and_confusing_questions_of_a_class() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&crate::support::db::url(&dir.path().join("t.db")))
        .await
        .expect("open");
    // The binary reads the real clock, so the class happened relative to it.
    let now = pomichnyk::clock::unix_now();
    let three_days_ago = a_class(&store, now).await;
    store.close().await;

    let csv = stdout_of(&run_stats_with(
        dir.path(),
        &shipped_dir(),
        &["--format", "csv"],
    ));
    // Steps in the order of dialogues/lessons/phishing.toml; "left" is the
    // drop to the next step, and for the last step to completing the lesson.
    assert_eq!(
        section_rows(&csv, "funnel"),
        vec![
            "funnel,phishing,step_order,file",
            "funnel,phishing,started,6",
            "funnel,phishing/intro,reached,6",
            "funnel,phishing/intro,left,1",
            "funnel,phishing/signs,reached,5",
            "funnel,phishing/signs,left,3",
            "funnel,phishing/q_sms,reached,2",
            "funnel,phishing/q_sms,left,0",
            "funnel,phishing/address,reached,2",
            "funnel,phishing/address,left,0",
            "funnel,phishing/secrets,reached,2",
            "funnel,phishing/secrets,left,0",
            "funnel,phishing/q_aid,reached,2",
            "funnel,phishing/q_aid,left,0",
            "funnel,phishing/if_caught,reached,2",
            "funnel,phishing/if_caught,left,0",
            "funnel,phishing/done,reached,2",
            "funnel,phishing/done,left,0",
            "funnel,phishing,completed,2",
            "funnel,phishing,most_left_step,signs",
            "funnel,phishing,most_left_count,3",
        ],
        "{csv}"
    );
    assert_eq!(
        section_rows(&csv, "lessons"),
        vec![
            "lessons,phishing,started,6",
            "lessons,phishing,completed,2",
            "lessons,phishing,completion_pct,33.3",
            // Anna 1 of 2, Bohdan 0 of 2 right at the first try.
            "lessons,phishing,avg_score_pct,25.0",
        ]
    );
    // Only first answers count: the second question was wrong at first for
    // both, the first question for Bohdan only.
    assert_eq!(
        section_rows(&csv, "confusing"),
        vec![
            "confusing,phishing/q_aid,first_answers,2",
            "confusing,phishing/q_aid,wrong,2",
            "confusing,phishing/q_aid,wrong_pct,100.0",
            "confusing,phishing/q_sms,first_answers,2",
            "confusing,phishing/q_sms,wrong,1",
            "confusing,phishing/q_sms,wrong_pct,50.0",
        ]
    );
    assert!(
        csv.contains("quizzes,phishing,answers,7\nquizzes,phishing,first_try,4\n"),
        "{csv}"
    );
    for user in [ANNA, BOHDAN, VIRA, HALYNA, 987_650_005, 987_650_006] {
        assert!(!csv.contains(&user.to_string()), "a user id in:\n{csv}");
    }

    let text = stdout_of(&run_stats_with(dir.path(), &shipped_dir(), &[]));
    assert!(
        text.contains("phishing (steps in file order; started 6)"),
        "{text}"
    );
    assert!(text.contains("most leave at: signs (3 left)"), "{text}");
    assert!(!text.contains("could not be loaded"), "{text}");

    // Without the content the same counts come, ordered by residents reached
    // (equal counts by step id), and the text report says why.
    let csv = stdout_of(&run_stats(dir.path(), &["--format", "csv"]));
    let steps: Vec<&str> = section_rows(&csv, "funnel")
        .into_iter()
        .filter(|r| r.contains("/") && r.contains(",reached,"))
        .collect();
    assert_eq!(
        steps,
        vec![
            "funnel,phishing/intro,reached,6",
            "funnel,phishing/signs,reached,5",
            "funnel,phishing/address,reached,2",
            "funnel,phishing/done,reached,2",
            "funnel,phishing/if_caught,reached,2",
            "funnel,phishing/q_aid,reached,2",
            "funnel,phishing/q_sms,reached,2",
            "funnel,phishing/secrets,reached,2",
        ]
    );
    assert!(csv.contains("funnel,phishing,step_order,reached_no_content\n"));
    assert!(
        csv.contains("funnel,phishing,most_left_step,signs\nfunnel,phishing,most_left_count,3\n")
    );
    let out = run_stats(dir.path(), &[]);
    let text = stdout_of(&out);
    assert!(
        text.contains("The content could not be loaded, so steps are ordered by residents reached"),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("lesson steps are ordered by residents reached"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // --since: from midnight in Kyiv three days ago; Bohdan and the two who
    // came yesterday are active and new, Anna and the others are not.
    let since = three_days_ago.to_string();
    let midnight = three_days_ago
        .to_zoned(kyiv())
        .expect("midnight")
        .timestamp()
        .as_second();
    assert!((now - 4 * DAY..=now - 2 * DAY).contains(&midnight));
    let csv = stdout_of(&run_stats_with(
        dir.path(),
        &shipped_dir(),
        &["--format", "csv", "--since", &since],
    ));
    assert_eq!(
        section_rows(&csv, "window")[1..],
        [
            "window,all,days,4".to_string(),
            format!("window,all,since,{midnight}"),
            format!("window,all,since_date,{since}"),
            "window,all,time_zone,Europe/Kyiv".to_string(),
        ],
        "{csv}"
    );
    assert!(
        csv.contains("residents,all,total,6\nresidents,all,active,3\nresidents,all,new,3\n"),
        "{csv}"
    );
    // The funnels are all time: the same with any window.
    assert!(csv.contains("funnel,phishing/signs,left,3\n"), "{csv}");
    let text = stdout_of(&run_stats_with(
        dir.path(),
        &shipped_dir(),
        &["--since", &since],
    ));
    assert!(
        text.contains(&format!("window: since {since} 00:00 Europe/Kyiv")),
        "{text}"
    );
    assert!(text.contains(&format!("(seen since {since})")), "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&run_stats_with(
        dir.path(),
        &shipped_dir(),
        &["--format", "json", "--since", &since],
    )))
    .expect("JSON");
    assert_eq!(json["window"]["since"], midnight);
    assert_eq!(json["window"]["since_date"], since.as_str());
    assert_eq!(json["lessons"][0]["steps"][1]["step"], "signs");
    assert_eq!(json["lessons"][0]["steps"][1]["reached"], 5);
    assert_eq!(json["lessons"][0]["most_left"]["left"], 3);
    assert_eq!(json["confusing"][0]["wrong_pct"], 100.0);
}

#[test]
fn since_must_be_a_date_not_after_today() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tomorrow = jiff::Timestamp::from_second(pomichnyk::clock::unix_now())
        .expect("now")
        .to_zoned(kyiv())
        .date()
        .tomorrow()
        .expect("tomorrow")
        .to_string();
    let out = run_stats(dir.path(), &["--since", &tomorrow]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("--since {tomorrow}")), "{err}");
    assert!(err.contains("is in the future"), "{err}");

    for bad in ["20.11.2026", "2026-02-30", "last week"] {
        let out = run_stats(dir.path(), &["--since", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--since"), "{err}");
        assert!(err.contains("is not a date"), "{err}");
    }

    let out = run_stats(dir.path(), &["--since", "2026-11-20", "--days", "7"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[tokio::test]
async fn announcements_and_webinars_are_counted_for_the_window() {
    let store = Store::open(&crate::support::db::memory())
        .await
        .expect("open");
    let users = [ANNA, BOHDAN, VIRA, HALYNA];
    crate::support::subscribe(&store, users, Topic::News).await;
    let librarian = 42;
    let news = |at: i64| {
        let store = store.clone();
        async move {
            store
                .create_broadcast(
                    librarian,
                    Topic::News,
                    &Audience::All,
                    "Новини",
                    None,
                    at,
                    at,
                )
                .await
                .expect("broadcast")
        }
    };
    // Ten days ago: outside a seven-day window.
    let (old, _) = news(NOW - 10 * DAY).await;
    let (first, recipients) = news(NOW - 2 * DAY).await;
    assert_eq!(recipients, 4);
    let (second, _) = news(NOW - HOUR).await;
    for user in users {
        store
            .delivered(old, user, Delivery::Sent { message_id: 1 }, NOW - 10 * DAY)
            .await
            .expect("delivered");
    }
    let ends = [
        (ANNA, Delivery::Sent { message_id: 7 }),
        (BOHDAN, Delivery::Blocked),
        (VIRA, Delivery::Skipped),
        (HALYNA, Delivery::Failed),
    ];
    for (user, end) in ends {
        store
            .delivered(first, user, end, NOW - 2 * DAY)
            .await
            .expect("delivered");
    }
    // The second: one sent, one to be tried again, two not tried yet.
    store
        .delivered(second, ANNA, Delivery::Sent { message_id: 8 }, NOW)
        .await
        .expect("delivered");
    store
        .delivered(second, VIRA, Delivery::Retry { at: NOW + 60 }, NOW)
        .await
        .expect("delivered");

    let webinar = |title: &'static str, starts_at: i64, capacity: Option<i64>| {
        let store = store.clone();
        async move {
            store
                .create_webinar(
                    librarian,
                    title,
                    "Про що",
                    starts_at,
                    "branch_7",
                    capacity,
                    NOW - 20 * DAY,
                )
                .await
                .expect("webinar")
        }
    };
    let long_ago = webinar("Давній", NOW - 10 * DAY, None).await;
    let yesterday = webinar("Вчорашній", NOW - DAY, Some(10)).await;
    let cancelled = webinar("=SUM(A1) у бібліотеці", NOW + 3 * DAY, None).await;
    let full = webinar("Маленький", NOW + 5 * DAY, Some(1)).await;
    let rsvp = |webinar: i64, user: i64| {
        let store = store.clone();
        async move {
            store
                .rsvp(webinar, user, NOW - 15 * DAY)
                .await
                .expect("rsvp")
        }
    };
    assert_eq!(rsvp(long_ago, ANNA).await, Rsvp::Added);
    assert_eq!(rsvp(yesterday, ANNA).await, Rsvp::Added);
    assert_eq!(rsvp(yesterday, BOHDAN).await, Rsvp::Added);
    assert_eq!(rsvp(cancelled, VIRA).await, Rsvp::Added);
    assert_eq!(rsvp(full, HALYNA).await, Rsvp::Added);
    assert_eq!(rsvp(full, ANNA).await, Rsvp::Full);
    assert!(store
        .cancel_webinar(cancelled, librarian, NOW - DAY)
        .await
        .expect("cancel"));

    let s = report(&store, NOW, 7).await;
    store.close().await;
    let counts = |sent, blocked, skipped, failed, pending| DeliveryCounts {
        sent,
        blocked,
        skipped,
        failed,
        pending,
    };
    assert_eq!(
        s.announcements,
        Announcements {
            broadcasts: 2,
            deliveries: counts(2, 1, 1, 1, 3),
            list: vec![
                BroadcastFigures {
                    id: first,
                    topic: "news".into(),
                    created_at: NOW - 2 * DAY,
                    deliveries: counts(1, 1, 1, 1, 0),
                },
                BroadcastFigures {
                    id: second,
                    topic: "news".into(),
                    created_at: NOW - HOUR,
                    deliveries: counts(1, 0, 0, 0, 3),
                },
            ],
        }
    );
    let figures = |id, title: &str, starts_at, cancelled, capacity, signups| WebinarFigures {
        id,
        title: title.into(),
        starts_at,
        cancelled,
        capacity,
        signups,
    };
    assert_eq!(
        s.webinars,
        vec![
            figures(yesterday, "Вчорашній", NOW - DAY, false, Some(10), 2),
            // Cancelled: who had signed up stays counted.
            figures(
                cancelled,
                "=SUM(A1) у бібліотеці",
                NOW + 3 * DAY,
                true,
                None,
                1
            ),
            figures(full, "Маленький", NOW + 5 * DAY, false, Some(1), 1),
        ]
    );

    let csv = stats::render(&s, Format::Csv);
    let id = |n: i64| n.to_string();
    let expected_announcements = [
        "announcements,all,broadcasts,2".to_string(),
        "announcements,all,sent,2".into(),
        "announcements,all,blocked,1".into(),
        "announcements,all,skipped,1".into(),
        "announcements,all,failed,1".into(),
        "announcements,all,pending,3".into(),
    ];
    assert_eq!(section_rows(&csv, "announcements"), expected_announcements);
    let broadcast_rows = section_rows(&csv, "broadcast");
    assert_eq!(broadcast_rows.len(), 14, "{csv}");
    assert_eq!(
        broadcast_rows[..7],
        [
            format!("broadcast,{},topic,news", id(first)),
            format!("broadcast,{},created_at,{}", id(first), NOW - 2 * DAY),
            format!("broadcast,{},sent,1", id(first)),
            format!("broadcast,{},blocked,1", id(first)),
            format!("broadcast,{},skipped,1", id(first)),
            format!("broadcast,{},failed,1", id(first)),
            format!("broadcast,{},pending,0", id(first)),
        ]
    );
    assert_eq!(
        broadcast_rows[13],
        format!("broadcast,{},pending,3", id(second))
    );
    assert_eq!(
        section_rows(&csv, "webinars")[5..10],
        [
            // A librarian's text that a spreadsheet would run is defused.
            format!("webinars,{},title,'=SUM(A1) у бібліотеці", id(cancelled)),
            format!("webinars,{},starts_at,{}", id(cancelled), NOW + 3 * DAY),
            format!("webinars,{},cancelled,1", id(cancelled)),
            format!("webinars,{},capacity,", id(cancelled)),
            format!("webinars,{},signups,1", id(cancelled)),
        ]
    );

    let text = stats::render(&s, Format::Text);
    for needle in [
        "Announcements (last 7 days)",
        "Webinars (starting since",
        "no limit",
        "cancelled",
        "Вчорашній",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&stats::render(&s, Format::Json)).expect("JSON");
    assert_eq!(json["announcements"]["deliveries"]["pending"], 3);
    assert_eq!(json["announcements"]["list"][0]["deliveries"]["blocked"], 1);
    assert_eq!(json["webinars"][1]["cancelled"], true);
    assert_eq!(json["webinars"][1]["capacity"], serde_json::Value::Null);
    assert_eq!(json["webinars"][2]["signups"], 1);
}

/// Unix seconds of a local time in Kyiv.
fn kyiv_time(day: Date, hour: i8, minute: i8, second: i8) -> i64 {
    day.at(hour, minute, second, 0)
        .to_zoned(kyiv())
        .expect("a Kyiv time")
        .timestamp()
        .as_second()
}

#[tokio::test]
async fn the_weekly_series_has_twelve_kyiv_weeks() {
    let store = Store::open(&crate::support::db::memory())
        .await
        .expect("open");
    // Wednesday 2026-11-04, noon in Kyiv; the clocks went back on Sunday 2026-10-25.
    let now = kyiv_time(date(2026, 11, 4), 12, 0, 0);
    let stale = [Event::StalePress];
    // Anna: late on Sunday and just after midnight on Monday, Kyiv time. Both
    // are Sunday in UTC; only Kyiv weeks put them in different weeks.
    commit(
        &store,
        ANNA,
        kyiv_time(date(2026, 11, 1), 23, 30, 0),
        Some("uk"),
        &stale,
    )
    .await;
    commit(
        &store,
        ANNA,
        kyiv_time(date(2026, 11, 2), 0, 30, 0),
        Some("uk"),
        &[started("phishing"), completed("phishing", 2, 2)],
    )
    .await;
    // Bohdan finishes two lessons this week, one of them again.
    commit(
        &store,
        BOHDAN,
        kyiv_time(date(2026, 11, 3), 9, 0, 0),
        Some("en"),
        &[
            started("phishing"),
            completed("phishing", 1, 2),
            started("passwords"),
            completed("passwords", 1, 1),
        ],
    )
    .await;
    commit(
        &store,
        BOHDAN,
        now,
        Some("en"),
        &[completed("passwords", 1, 1)],
    )
    .await;
    // Halyna: on the evening the clocks went back.
    commit(
        &store,
        HALYNA,
        kyiv_time(date(2026, 10, 25), 23, 30, 0),
        None,
        &stale,
    )
    .await;
    // Vira: the first second of the oldest week, and the last second before it.
    commit(
        &store,
        VIRA,
        kyiv_time(date(2026, 8, 17), 0, 0, 0),
        Some("uk"),
        &stale,
    )
    .await;
    commit(
        &store,
        VIRA,
        kyiv_time(date(2026, 8, 16), 23, 59, 59),
        Some("uk"),
        &stale,
    )
    .await;

    let s = report(&store, now, 30).await;
    store.close().await;

    let mondays: Vec<Date> = (0..12)
        .map(|w| {
            date(2026, 8, 17)
                .checked_add(jiff::Span::new().weeks(w))
                .expect("a Monday")
        })
        .collect();
    assert_eq!(mondays[11], date(2026, 11, 2));
    let mut expected: Vec<Week> = mondays
        .iter()
        .map(|&d| Week {
            start: kyiv_time(d, 0, 0, 0),
            active: 0,
            completions: 0,
        })
        .collect();
    expected[0].active = 1; // Vira
    expected[9].active = 1; // Halyna, the week of 2026-10-19
    expected[10].active = 1; // Anna on Sunday
    expected[11].active = 2; // Anna and Bohdan
    expected[11].completions = 4;
    assert_eq!(s.weekly, expected);
    // Monday 2026-11-02 00:00 at +02:00 is 2026-11-01 22:00 UTC; the week
    // before is an hour longer (it began at +03:00).
    assert_eq!(s.weekly[11].start, 1_793_570_400);
    assert_eq!(s.weekly[10].start, 1_793_570_400 - 7 * DAY);
    assert_eq!(s.weekly[9].start, 1_793_570_400 - 14 * DAY - HOUR);

    let csv = stats::render(&s, Format::Csv);
    let weekly = section_rows(&csv, "weekly");
    assert_eq!(weekly.len(), 3 * WEEKS);
    assert_eq!(
        weekly[3 * 11..],
        [
            "weekly,2026-11-02,start,1793570400",
            "weekly,2026-11-02,active,2",
            "weekly,2026-11-02,completions,4",
        ]
    );
    assert_eq!(weekly[0], "weekly,2026-08-17,start,1786914000");
    let text = stats::render(&s, Format::Text);
    assert!(
        text.contains("weeks start Monday 00:00 Europe/Kyiv"),
        "{text}"
    );
    assert!(text.contains("2026-11-02"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&stats::render(&s, Format::Json)).expect("JSON");
    assert_eq!(json["weekly"][11]["start"], 1_793_570_400);
    assert_eq!(json["weekly"][11]["completions"], 4);
    assert_eq!(json["window"]["time_zone"], "Europe/Kyiv");
}
