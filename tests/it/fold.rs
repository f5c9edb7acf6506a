//! Folding old events (`database.fold_after_days`): residents do the phishing
//! lesson long ago and lately; the same conversations go into two stores, one
//! of which is folded. Every figure of `pomichnyk stats` stays the same, the
//! old raw events are gone, the recent ones stay, and `/delete_me` still
//! leaves nothing of the resident.

use std::path::Path;
use std::process::Command;

use crate::support::{shipped_script, Resident};
use jiff::tz::TimeZone;
use pomichnyk::app::fold::{fold, fold_before, FoldHow, Folding};
use pomichnyk::script::Script;
use pomichnyk::stats::{self, Format};
use pomichnyk::store::{Commit, LessonOrder, Stats, Store, Window};

/// Friday 27 November 2026, 10:00 in Kyiv.
const NOW: i64 = 1_795_766_400;
const DAY: i64 = 86_400;
const FOLD_AFTER_DAYS: u32 = 90;

const ANNA: i64 = 731_000_001;
const BOHDAN: i64 = 731_000_002;
const VIRA: i64 = 731_000_003;
const HALYNA: i64 = 731_000_004;
const OLEH: i64 = 731_000_005;

fn kyiv() -> TimeZone {
    TimeZone::get("Europe/Kyiv").expect("the Kyiv time zone")
}

/// The whole report, as `pomichnyk stats` computes it (steps in the lesson's order).
async fn report(store: &Store, script: &Script) -> Stats {
    store
        .stats(
            &Window::last_days(NOW, 30, kyiv()),
            &LessonOrder::from_script(script),
        )
        .await
        .expect("stats")
}

/// One resident talking to the engine; each turn committed to both stores
/// as the bot commits it, a minute after the one before.
struct Talk<'a> {
    stores: [&'a Store; 2],
    user: i64,
    at: i64,
    resident: Resident<'a>,
}

impl<'a> Talk<'a> {
    fn new(stores: [&'a Store; 2], script: &'a Script, user: i64, at: i64) -> Self {
        Talk {
            stores,
            user,
            at,
            resident: Resident::new(script),
        }
    }

    /// Later on, the same resident (and the same state) comes back.
    fn on(&mut self, at: i64) -> &mut Self {
        self.at = at;
        self
    }

    async fn says(&mut self, text: &str, answer: &str) -> &mut Self {
        self.resident.says(text).sees(answer);
        self.save().await
    }

    async fn taps(&mut self, label: &str, answer: &str) -> &mut Self {
        self.resident.taps(label).sees(answer);
        self.save().await
    }

    async fn save(&mut self) -> &mut Self {
        for store in self.stores {
            store
                .commit(Commit {
                    user: self.user,
                    now: self.at,
                    state: &self.resident.state,
                    events: &self.resident.events,
                })
                .await
                .expect("commit");
        }
        self.at += 60;
        self
    }

    async fn opens_phishing(&mut self) -> &mut Self {
        self.says("/start lesson_phishing", "Фішинг — це обман")
            .await
    }

    async fn reads_to_the_first_question(&mut self) -> &mut Self {
        self.taps("Далі", "Ознаки фішингу").await;
        self.taps("Далі", "Що зробите?").await
    }

    async fn reads_to_the_second_question(&mut self) -> &mut Self {
        self.taps("Далі", "Нікому не кажіть").await;
        self.taps("Далі", "Що це?").await
    }
}

/// Five residents: some only long ago (to be folded), some only lately,
/// some both, one of whom redoes the lesson lately after folding's cutoff.
async fn a_year_of_lessons(stores: [&Store; 2], script: &Script) {
    let long_ago = NOW - 200 * DAY;
    let months_ago = NOW - 120 * DAY;
    let lately = NOW - 10 * DAY;

    // Anna: the whole lesson long ago (first question right, second wrong at
    // first), opens it again lately and gets the first question wrong.
    let mut anna = Talk::new(stores, script, ANNA, long_ago);
    anna.opens_phishing()
        .await
        .reads_to_the_first_question()
        .await;
    anna.taps("Подзвоню в банк", "Правильно!").await;
    anna.reads_to_the_second_question().await;
    anna.taps("Справжня виплата", "Спробуйте ще раз").await;
    anna.taps("Шахраї", "Уже ввели дані картки").await;
    anna.taps("Далі", "з першої спроби: 1 з 2").await;
    anna.on(lately);
    anna.opens_phishing()
        .await
        .reads_to_the_first_question()
        .await;
    anna.taps("Перейду", "Спробуйте ще раз").await;

    // Bohdan: both questions wrong at first, months ago.
    let mut bohdan = Talk::new(stores, script, BOHDAN, months_ago);
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

    // Vira: reads the signs long ago and leaves; comes back lately to the question.
    let mut vira = Talk::new(stores, script, VIRA, long_ago);
    vira.opens_phishing().await;
    vira.taps("Далі", "Ознаки фішингу").await;
    vira.on(lately);
    vira.taps("Далі", "Що зробите?").await;
    vira.taps("Подзвоню в банк", "Правильно!").await;

    // Halyna: only lately, the whole lesson right.
    let mut halyna = Talk::new(stores, script, HALYNA, lately);
    halyna
        .opens_phishing()
        .await
        .reads_to_the_first_question()
        .await;
    halyna.taps("Подзвоню в банк", "Правильно!").await;
    halyna.reads_to_the_second_question().await;
    halyna.taps("Шахраї", "Уже ввели дані картки").await;
    halyna.taps("Далі", "з першої спроби: 2 з 2").await;

    // Oleh: opens the lesson months ago and leaves at the first screen.
    Talk::new(stores, script, OLEH, months_ago)
        .opens_phishing()
        .await;
}

/// Two stores with the same conversations; the first one is folded.
async fn twins(dir: &Path, script: &Script) -> (Store, Store) {
    let folded = Store::open(&crate::support::db::url(&dir.join("folded.db")))
        .await
        .expect("open");
    let raw = Store::open(&crate::support::db::url(&dir.join("raw.db")))
        .await
        .expect("open");
    a_year_of_lessons([&folded, &raw], script).await;
    (folded, raw)
}

fn same(folded: &Stats, raw: &Stats, when: &str) {
    assert_eq!(folded, raw, "{when}");
    for format in [Format::Text, Format::Csv, Format::Json] {
        assert_eq!(
            stats::render(folded, format),
            stats::render(raw, format),
            "{when}"
        );
    }
}

#[tokio::test]
async fn folding_old_events_keeps_every_figure_and_drops_the_events() {
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let (folded, raw) = twins(dir.path(), &script).await;
    let before = report(&raw, &script).await;
    assert_eq!(before, report(&folded, &script).await);
    // What the figures say, so that "the same" means something.
    let phishing = before
        .lessons
        .iter()
        .find(|l| l.lesson == "phishing")
        .expect("the phishing funnel");
    assert_eq!((phishing.started, phishing.completed), (5, 3));
    assert!(
        phishing.steps.iter().any(|s| s.reached == 5),
        "{phishing:?}"
    );
    let quizzes = &before.quizzes[0];
    // Anna 3 + 1 lately, Bohdan 4, Vira 1, Halyna 2 = 11 answers; first tries:
    // Anna 2 + 1 lately, Bohdan 2, Vira 1, Halyna 2 = 8, right: 1 + 0 + 1 + 2 = 4.
    assert_eq!(
        (
            quizzes.answers,
            quizzes.first_try,
            quizzes.first_try_correct
        ),
        (11, 8, 4),
        "{quizzes:?}"
    );

    let cutoff = fold_before(NOW, &kyiv(), FOLD_AFTER_DAYS);
    assert_eq!(cutoff, NOW - 90 * DAY);
    let old = folded.events_before(cutoff).await.expect("count");
    assert!(old > 20, "old events: {old}");
    let recent = folded.events_before(NOW + DAY).await.expect("count") - old;

    // In two goes, as an hourly fold would: first what is older than 150 days
    // (Anna's and Vira's first visits), then the rest up to 90 days.
    let first = folded.fold_events(NOW - 150 * DAY).await.expect("fold");
    assert!(first > 0 && (first as i64) < old, "{first} of {old}");
    same(
        &report(&folded, &script).await,
        &before,
        "after the first fold",
    );
    let second = fold(&folded, NOW, &kyiv(), FOLD_AFTER_DAYS, FoldHow::InBatches)
        .await
        .expect("fold");
    assert_eq!(first + second, old as u64);
    same(
        &report(&folded, &script).await,
        &before,
        "after the second fold",
    );
    // Each fold also added the triggers' changes to the counts; the raw
    // store's figures come from its changes alone.
    assert_eq!(folded.changes_to_tally().await.expect("changes"), 0);
    assert!(raw.changes_to_tally().await.expect("changes") > 0);
    // The weekly series' eleven weeks that ended are kept (the current one is
    // always counted from its events).
    assert_eq!(folded.weeks_kept().await.expect("weeks"), 11);
    assert_eq!(raw.weeks_kept().await.expect("weeks"), 0);
    assert_eq!(folded.events_before(cutoff).await.expect("count"), 0);
    assert_eq!(
        folded.events_before(NOW + DAY).await.expect("count"),
        recent,
        "the recent events stay"
    );
    assert_eq!(raw.events_before(cutoff).await.expect("count"), old);

    // Nothing more to fold: nothing changes.
    assert_eq!(
        fold(&folded, NOW, &kyiv(), FOLD_AFTER_DAYS, FoldHow::InBatches)
            .await
            .expect("fold"),
        0
    );
    same(
        &report(&folded, &script).await,
        &before,
        "after a fold with nothing to fold",
    );

    // Anna (folded and recent events) and Bohdan (folded only) leave with
    // /delete_me: nothing about them stays in the folded store either, and
    // both stores still agree on every figure.
    for user in [ANNA, BOHDAN] {
        for store in [&folded, &raw] {
            store.forget(user).await.expect("forget");
            assert_eq!(store.rows_about(user).await.expect("rows"), 0);
        }
    }
    let after = report(&raw, &script).await;
    // The kept weeks counted Anna, so they are dropped with her, and worked
    // out again from the events at the next fold.
    assert_eq!(folded.weeks_kept().await.expect("weeks"), 0);
    // Their steps came off as changes (-1) not added to the counts yet.
    assert!(folded.changes_to_tally().await.expect("changes") > 0);
    same(&report(&folded, &script).await, &after, "after /delete_me");
    let active = |s: &Stats| s.weekly.iter().map(|w| w.active).sum::<i64>();
    // Anna, Vira and Halyna came lately, in the same week; Anna is gone.
    assert_eq!((active(&before), active(&after)), (3, 2));
    fold(&folded, NOW, &kyiv(), FOLD_AFTER_DAYS, FoldHow::InBatches)
        .await
        .expect("fold");
    assert_eq!(folded.weeks_kept().await.expect("weeks"), 11);
    same(
        &report(&folded, &script).await,
        &after,
        "kept again after /delete_me",
    );
    assert_eq!(folded.changes_to_tally().await.expect("changes"), 0);
    let reached = |stats: &Stats| -> i64 {
        let phishing = stats.lessons.iter().find(|l| l.lesson == "phishing");
        phishing.map_or(0, |l| l.steps.iter().map(|s| s.reached).max().unwrap_or(0))
    };
    assert_eq!(
        (reached(&before), reached(&after)),
        (5, 3),
        "the funnels lost two residents"
    );

    folded.close().await;
    raw.close().await;
}

/// The events' indexes of the database at `url`, each with what it indexes.
async fn indexes_of_events(url: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let sql = if crate::support::db::postgres().is_some() {
        "SELECT indexdef AS d FROM pg_indexes WHERE tablename = 'events' ORDER BY indexname"
    } else {
        "SELECT sql AS d FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'
         AND sql IS NOT NULL ORDER BY name"
    };
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.expect(sql);
    pool.close().await;
    rows
}

#[tokio::test]
async fn folding_at_once_keeps_every_figure_and_the_indexes() {
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let (folded, raw) = twins(dir.path(), &script).await;
    let before = report(&raw, &script).await;
    let cutoff = fold_before(NOW, &kyiv(), FOLD_AFTER_DAYS);
    let old = folded.events_before(cutoff).await.expect("count");
    assert!(old > 20, "old events: {old}");
    let recent = folded.events_before(NOW + DAY).await.expect("count") - old;

    let n = fold(&folded, NOW, &kyiv(), FOLD_AFTER_DAYS, FoldHow::AtOnce)
        .await
        .expect("fold at once");
    assert_eq!(n, old as u64);
    same(
        &report(&folded, &script).await,
        &before,
        "after the fold at once",
    );
    assert_eq!(folded.events_before(cutoff).await.expect("count"), 0);
    assert_eq!(
        folded.events_before(NOW + DAY).await.expect("count"),
        recent,
        "the recent events stay"
    );
    assert_eq!(folded.weeks_kept().await.expect("weeks"), 11);
    // The indexes dropped for the delete are there again, as they were.
    let indexes = indexes_of_events(&crate::support::db::url(&dir.path().join("folded.db"))).await;
    assert_eq!(
        indexes,
        indexes_of_events(&crate::support::db::url(&dir.path().join("raw.db"))).await
    );
    for name in ["events_by_at", "events_by_user", "events_by_kind"] {
        assert!(
            indexes.iter().any(|d| d.contains(name)),
            "{name}: {indexes:?}"
        );
    }

    // The store goes on as before: Vira comes back to the lesson, Anna
    // leaves with /delete_me, and both stores still agree.
    Talk::new([&folded, &raw], &script, VIRA, NOW + 60)
        .opens_phishing()
        .await;
    for store in [&folded, &raw] {
        store.forget(ANNA).await.expect("forget");
        assert_eq!(store.rows_about(ANNA).await.expect("rows"), 0);
    }
    same(
        &report(&folded, &script).await,
        &report(&raw, &script).await,
        "after more turns and /delete_me",
    );
    // Nothing more to fold, either way.
    assert_eq!(
        fold(&folded, NOW, &kyiv(), FOLD_AFTER_DAYS, FoldHow::AtOnce)
            .await
            .expect("fold"),
        0
    );
    folded.close().await;
    raw.close().await;
}

#[tokio::test]
async fn the_bots_fold_goes_in_slices_and_keeps_every_figure() {
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let (folded, raw) = twins(dir.path(), &script).await;
    let before = report(&raw, &script).await;
    let cutoff = fold_before(NOW, &kyiv(), FOLD_AFTER_DAYS);
    let old = folded.events_before(cutoff).await.expect("count");
    assert!(old > 5, "old events: {old}");

    // A first batch of 5 events, then batches sized by how long that took.
    let mut folding = Folding::starting_with(5);
    assert!(!folding.under_way());
    folding.begin(NOW, &kyiv(), FOLD_AFTER_DAYS);
    assert!(folding.under_way());
    let mut slices = 0;
    let n = loop {
        slices += 1;
        assert!(slices < 100, "the fold never ends");
        if let Some(n) = folding.slice(&folded, NOW, &kyiv()).await.expect("slice") {
            break n;
        }
    };
    assert!(!folding.under_way());
    assert_eq!(n, old as u64, "every old event, once");
    assert_eq!(folded.events_before(cutoff).await.expect("count"), 0);
    assert_eq!(folded.weeks_kept().await.expect("weeks"), 11);
    same(
        &report(&folded, &script).await,
        &before,
        "after the bot's fold",
    );
    // The next hour finds nothing more.
    folding.begin(NOW + 3600, &kyiv(), FOLD_AFTER_DAYS);
    assert_eq!(
        folding
            .slice(&folded, NOW + 3600, &kyiv())
            .await
            .expect("slice"),
        Some(0)
    );
    folded.close().await;
    raw.close().await;
}

#[tokio::test]
async fn the_weekly_series_is_never_folded() {
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let (folded, raw) = twins(dir.path(), &script).await;
    let before = report(&raw, &script).await;
    // Even with the shortest age, the last twelve weeks stay raw.
    fold(&folded, NOW, &kyiv(), 1, FoldHow::InBatches)
        .await
        .expect("fold");
    same(
        &report(&folded, &script).await,
        &before,
        "folded after 1 day",
    );
    assert!(
        before.weekly.iter().any(|w| w.active > 0),
        "{:?}",
        before.weekly
    );
    folded.close().await;
    raw.close().await;
}

#[tokio::test]
async fn the_fold_command_folds_and_says_how_many() {
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let (folded, raw) = twins(dir.path(), &script).await;
    let cutoff = fold_before(NOW, &kyiv(), FOLD_AFTER_DAYS);
    let old = folded.events_before(cutoff).await.expect("count");
    folded.close().await;
    raw.close().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
            .arg("--config")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
            .arg("fold")
            .args(args)
            .current_dir(dir.path())
            .env(
                "POMICHNYK__DATABASE__URL",
                crate::support::db::url(&dir.path().join("folded.db")),
            )
            // The conversations happened before this test's NOW; the command
            // reads the real clock, so it is given an age that reaches them.
            .env("POMICHNYK__DATABASE__FOLD_AFTER_DAYS", "1")
            .env_remove("POMICHNYK_CONFIG_DIR")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run pomichnyk fold")
    };
    // An old database's first fold, in one go; then the hourly kind finds nothing.
    let out = run(&["--at-once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let folded_n: i64 = said
        .trim()
        .strip_prefix("events folded: ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        folded_n >= old,
        "{folded_n} folded, {old} older than 90 days"
    );
    let again = run(&[]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "events folded: 0"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("--config")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .arg("fold")
        .current_dir(dir.path())
        .env("POMICHNYK__DATABASE__FOLD_AFTER_DAYS", "0")
        .env_remove("POMICHNYK_CONFIG_DIR")
        .output()
        .expect("run pomichnyk fold");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("database.fold_after_days"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// A database written before the counts were kept as events are written
/// (migration `20261206000000_counts`): some steps and quiz answers already
/// folded into the old tables, others still raw events, one pair in both.
/// Opening it with this version counts every one of them once, and new
/// turns add to the counts.
#[tokio::test]
async fn a_database_from_before_the_counts_keeps_its_figures() {
    use std::borrow::Cow;

    sqlx::any::install_default_drivers();
    let script = shipped_script();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("old.db"));
    let postgres = crate::support::db::postgres().is_some();
    if !postgres {
        std::fs::File::create(dir.path().join("old.db")).expect("create the file");
    }
    let folder = if postgres {
        "migrations/postgres"
    } else {
        "migrations/sqlite"
    };
    let mut old = sqlx::migrate::Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(folder))
        .await
        .expect("the migrations");
    let before_counts: Vec<_> = old
        .migrations
        .iter()
        .filter(|m| m.version < 20_261_206_000_000)
        .cloned()
        .collect();
    assert!(before_counts.len() < old.migrations.len());
    old.migrations = Cow::Owned(before_counts);
    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    old.run(&pool).await.expect("the older migrations");
    let at = NOW - 200 * DAY;
    for sql in [
        format!(
            "INSERT INTO residents (user_id, lang, first_seen, last_seen) VALUES
             ({ANNA}, 'uk', {at}, {at}), ({BOHDAN}, 'uk', {at}, {at})"
        ),
        format!(
            "INSERT INTO lesson_progress (user_id, lesson, started_at) VALUES
             ({ANNA}, 'phishing', {at}), ({BOHDAN}, 'phishing', {at})"
        ),
        // Folded long ago: Anna and Bohdan reached `intro`, Anna `signs`.
        format!(
            "INSERT INTO fold_steps (dialogue, step, user_id, first_day) VALUES
             ('phishing', 'intro', {ANNA}, 1), ('phishing', 'intro', {BOHDAN}, 1),
             ('phishing', 'signs', {ANNA}, 1)"
        ),
        // Five folded answers to `q_sms`, four at the first try, three of them right.
        "INSERT INTO fold_quizzes
           (day, dialogue, step, answers, first_try, first_try_correct, first_try_wrong)
         VALUES (1, 'phishing', 'q_sms', 5, 4, 3, 1)"
            .to_string(),
        // Raw: Anna reaches `signs` again (counted once), Bohdan reaches it too,
        // and Bohdan answers `q_sms` wrong at the first try.
        format!(
            "INSERT INTO events (user_id, at, kind, dialogue, step, data) VALUES
             ({ANNA}, {at}, 'step_reached', 'phishing', 'signs',
              '{{\"kind\":\"step_reached\",\"dialogue\":\"phishing\",\"step\":\"signs\"}}'),
             ({BOHDAN}, {at}, 'step_reached', 'phishing', 'signs',
              '{{\"kind\":\"step_reached\",\"dialogue\":\"phishing\",\"step\":\"signs\"}}'),
             ({BOHDAN}, {at}, 'quiz_answered', 'phishing', 'q_sms',
              '{{\"kind\":\"quiz_answered\",\"dialogue\":\"phishing\",\"step\":\"q_sms\",\
                \"option\":2,\"correct\":false,\"first_try\":true}}')"
        ),
    ] {
        sqlx::query(&sql).execute(&pool).await.expect(&sql);
    }
    pool.close().await;

    let store = Store::open(&url).await.expect("open and migrate");
    let stats = report(&store, &script).await;
    let steps = |stats: &Stats| -> Vec<(String, i64)> {
        let mut steps: Vec<(String, i64)> = stats
            .lessons
            .iter()
            .flat_map(|l| l.steps.iter())
            .filter(|s| s.reached > 0)
            .map(|s| (s.step.clone(), s.reached))
            .collect();
        steps.sort();
        steps
    };
    assert_eq!(
        steps(&stats),
        [("intro".to_string(), 2), ("signs".to_string(), 2)]
    );
    let quiz = |stats: &Stats| {
        let q = &stats.quizzes[0];
        (
            q.dialogue.clone(),
            q.answers,
            q.first_try,
            q.first_try_correct,
        )
    };
    assert_eq!(quiz(&stats), ("phishing".to_string(), 6, 5, 3));
    assert_eq!(
        (stats.confusing[0].first_answers, stats.confusing[0].wrong),
        (5, 2)
    );

    // Bohdan goes on with the lesson today: what he does now counts too.
    let mut bohdan = Talk::new([&store, &store], &script, BOHDAN, NOW - DAY);
    bohdan.opens_phishing().await;
    bohdan.reads_to_the_first_question().await;
    let now = report(&store, &script).await;
    assert!(
        now.lessons
            .iter()
            .flat_map(|l| l.steps.iter())
            .any(|s| s.step != "intro" && s.step != "signs" && s.reached == 1),
        "{:?}",
        steps(&now)
    );
    // Forgetting Anna takes her out of every step she reached.
    store.forget(ANNA).await.expect("forget");
    assert_eq!(
        steps(&report(&store, &script).await)
            .into_iter()
            .filter(|(s, _)| s == "intro" || s == "signs")
            .collect::<Vec<_>>(),
        [("intro".to_string(), 1), ("signs".to_string(), 1)]
    );
    store.close().await;
}

/// Every turn of one resident doing the start of the phishing lesson, as the
/// bot would commit them: opens it, reads to the first question, answers it
/// wrong, then right, and sees the next screen.
fn turns_of_the_first_question(
    script: &Script,
) -> Vec<(pomichnyk::engine::State, Vec<pomichnyk::engine::Event>)> {
    let mut resident = Resident::new(script);
    let mut turns = Vec::new();
    for (tap, answer) in [
        (None, "Фішинг — це обман"),
        (Some("Далі"), "Ознаки фішингу"),
        (Some("Далі"), "Що зробите?"),
        (Some("Перейду"), "Спробуйте ще раз"),
        (Some("Подзвоню в банк"), "адресу сайту"),
    ] {
        match tap {
            None => resident.says("/start lesson_phishing"),
            Some(label) => resident.taps(label),
        }
        .sees(answer);
        turns.push((resident.state.clone(), resident.events.clone()));
    }
    turns
}

/// Two bot processes on one database, residents' turns going to both, while
/// both add the changes to the counts over and over: every change is added
/// exactly once, none is left, and the figures are those of a store that was
/// never tallied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tallying_while_residents_learn_counts_everything_once() {
    const RESIDENTS: i64 = 24;
    let script = shipped_script();
    let turns = turns_of_the_first_question(&script);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("shared.db"));
    let one = Store::open(&url).await.expect("open");
    let two = Store::open(&url).await.expect("open");
    let untallied = Store::open(&crate::support::db::url(&dir.path().join("untallied.db")))
        .await
        .expect("open");

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let talliers: Vec<_> = [one.clone(), two.clone()]
        .into_iter()
        .map(|store| {
            let done = done.clone();
            tokio::spawn(async move {
                let mut added = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    added += store.tally_counts().await.expect("tally");
                    tokio::task::yield_now().await;
                }
                added
            })
        })
        .collect();
    let residents: Vec<_> = (0..RESIDENTS)
        .map(|i| {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            let untallied = untallied.clone();
            let turns = turns.clone();
            tokio::spawn(async move {
                for (n, (state, events)) in turns.iter().enumerate() {
                    for store in [&store, &untallied] {
                        store
                            .commit(Commit {
                                user: 731_100_000 + i,
                                now: NOW - DAY + n as i64 * 60,
                                state,
                                events,
                            })
                            .await
                            .expect("commit");
                    }
                }
            })
        })
        .collect();
    for r in residents {
        r.await.expect("a resident's turns");
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut added = 0;
    for t in talliers {
        added += t.await.expect("a tallier");
    }
    added += one.tally_counts().await.expect("the last tally");
    assert_eq!(one.changes_to_tally().await.expect("changes"), 0);
    assert!(untallied.changes_to_tally().await.expect("changes") > 0);

    let stats = report(&one, &script).await;
    same(&stats, &report(&untallied, &script).await, "tallied or not");
    let phishing = stats
        .lessons
        .iter()
        .find(|l| l.lesson == "phishing")
        .expect("the phishing funnel");
    let reached: Vec<i64> = phishing
        .steps
        .iter()
        .map(|s| s.reached)
        .filter(|&n| n > 0)
        .collect();
    // Four screens (the right answer leads on to the next), each reached by
    // every resident once.
    assert_eq!(reached, [RESIDENTS; 4], "{phishing:?}");
    let quiz = &stats.quizzes[0];
    assert_eq!(
        (quiz.answers, quiz.first_try, quiz.first_try_correct),
        (2 * RESIDENTS, RESIDENTS, 0)
    );
    // Each change (a step reached, an answer) added once over all tallies.
    assert_eq!(added as i64, 4 * RESIDENTS + 2 * RESIDENTS);
    for store in [one, two, untallied] {
        store.close().await;
    }
}
