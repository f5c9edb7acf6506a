//! Read-only usage figures for `pomichnyk stats`: residents, languages, lesson
//! funnels step by step, quiz accuracy and the most confusing questions, FAQ
//! questions and answers, hubs, tickets, announcements, webinars and a weekly
//! series for a chart.
//!
//! Everything is read in one read transaction, so the figures agree with each
//! other even while the bot keeps writing. No figure carries a resident's id.
//!
//! The store does not know the content, so the order of each lesson's steps
//! comes from the caller as a [`LessonOrder`].

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use super::{Store, StoreError};
use crate::script::Script;

/// Seconds in a day.
const DAY: i64 = 86_400;
/// How many unanswered questions the report lists.
pub const TOP_UNANSWERED: usize = 20;
/// How many weeks [`Stats::weekly`] has, the current one included.
pub const WEEKS: usize = 12;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub window: Window,
    pub residents: ResidentCounts,
    /// Residents by chosen language, most first.
    pub languages: Vec<LanguageCount>,
    /// Per lesson, most started first, each with its steps (all time).
    pub lessons: Vec<LessonFunnel>,
    /// Per dialogue with quiz questions, most answers first.
    pub quizzes: Vec<QuizAccuracy>,
    /// Every quiz question answered at least once (all time), the largest
    /// share of wrong first answers first, then the most first answers.
    pub confusing: Vec<ConfusingQuestion>,
    /// Questions typed for the FAQ in the window.
    pub questions: QuestionCounts,
    /// FAQ entries that answered a question in the window (at once or chosen
    /// from the choices offered), most often first, with their votes.
    pub faq: Vec<FaqEntryCount>,
    /// The FAQ's misses in the window: most asked first, then newest first.
    pub unanswered: Vec<UnansweredQuestion>,
    /// Residents per referring hub, most first.
    pub hubs: Vec<HubCount>,
    pub tickets: TicketCounts,
    /// Announcements created in the window and how their deliveries ended.
    pub announcements: Announcements,
    /// Webinars starting in the window or later, soonest first.
    pub webinars: Vec<WebinarFigures>,
    /// The last [`WEEKS`] weeks, oldest first, the current (unfinished) week
    /// last; weeks without any activity are there with zeros. A week starts on
    /// Monday 00:00 in [`Window::time_zone`] (Europe/Kyiv by default), so a
    /// week across a daylight-saving change is an hour shorter or longer.
    pub weekly: Vec<Week>,
}

/// The time the report is for and its window, in Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub now: i64,
    /// The days the window spans: `--days N`, or with `--since` the local
    /// days from that date to today, both counted.
    pub days: u32,
    /// "In the window" means at or after this.
    pub since: i64,
    /// The local date the window starts on at midnight, when it was given as a
    /// date (`--since`); `None` for the last `days` days.
    pub since_date: Option<Date>,
    /// The community's time zone: `since_date` and the weeks are reckoned in
    /// it. Written as its IANA name.
    #[serde(serialize_with = "zone_name")]
    pub time_zone: TimeZone,
}

/// Why a window cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error("{date} is in the future (today is {today} in {zone}); give today or an earlier date")]
    Future {
        date: Date,
        today: Date,
        zone: String,
    },
    #[error("no window can start on {date}: {source}")]
    Time { date: Date, source: jiff::Error },
    #[error("{now} is not a time the report can be made for: {source}")]
    Now { now: i64, source: jiff::Error },
}

impl Window {
    /// The last `days` days up to `now` (Unix seconds).
    pub fn last_days(now: i64, days: u32, time_zone: TimeZone) -> Window {
        Window {
            now,
            days,
            since: now - i64::from(days) * DAY,
            since_date: None,
            time_zone,
        }
    }

    /// From midnight of `date` in `time_zone` up to `now`. A date after
    /// today (in that zone) is refused.
    pub fn since_date(now: i64, date: Date, time_zone: TimeZone) -> Result<Window, WindowError> {
        let today = Timestamp::from_second(now)
            .map_err(|source| WindowError::Now { now, source })?
            .to_zoned(time_zone.clone())
            .date();
        if date > today {
            return Err(WindowError::Future {
                date,
                today,
                zone: zone_label(&time_zone),
            });
        }
        let since = date
            .to_zoned(time_zone.clone())
            .map_err(|source| WindowError::Time { date, source })?
            .timestamp()
            .as_second();
        let days = date
            .until(today)
            .map_err(|source| WindowError::Time { date, source })?
            .get_days();
        Ok(Window {
            now,
            days: u32::try_from(days + 1).unwrap_or(u32::MAX),
            since,
            since_date: Some(date),
            time_zone,
        })
    }
}

/// A time zone's IANA name, for people and for the JSON report.
pub fn zone_label(tz: &TimeZone) -> String {
    tz.iana_name().unwrap_or("a fixed offset").to_string()
}

fn zone_name<S: serde::Serializer>(tz: &TimeZone, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&zone_label(tz))
}

/// The order of each lesson's steps, which only the content knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LessonOrder {
    /// Lesson id → its step ids in file order; `None` when the content could
    /// not be loaded.
    lessons: Option<HashMap<String, Vec<String>>>,
}

impl LessonOrder {
    /// Every lesson of the content, its steps in file order.
    pub fn from_script(script: &Script) -> LessonOrder {
        LessonOrder::new(
            script
                .lessons()
                .map(|d| (d.id.clone(), d.steps.iter().map(|s| s.id.clone()).collect())),
        )
    }

    /// Lesson ids with their step ids in order.
    pub fn new(lessons: impl IntoIterator<Item = (String, Vec<String>)>) -> LessonOrder {
        LessonOrder {
            lessons: Some(lessons.into_iter().collect()),
        }
    }

    /// The content could not be loaded: every lesson's steps go by the number
    /// of residents who reached them, most first.
    pub fn unknown() -> LessonOrder {
        LessonOrder { lessons: None }
    }

    /// Whether the content was loaded.
    pub fn is_known(&self) -> bool {
        self.lessons.is_some()
    }
}

/// How a lesson's steps are ordered in its [`LessonFunnel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOrder {
    /// As in the lesson's file (steps no longer in the file, by residents reached, after them).
    File,
    /// By residents reached, most first: the content could not be loaded.
    ReachedNoContent,
    /// By residents reached, most first: the lesson is not in the content any more.
    ReachedNotInContent,
}

impl StepOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            StepOrder::File => "file",
            StepOrder::ReachedNoContent => "reached_no_content",
            StepOrder::ReachedNotInContent => "reached_not_in_content",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResidentCounts {
    pub total: i64,
    /// Last seen in the window.
    pub active: i64,
    /// Telegram said they blocked the bot.
    pub blocked: i64,
    /// First seen in the window.
    pub new: i64,
    /// Whatever the window: first seen in the last 7 days, last seen in the
    /// last 7 and 30 days (the figures the municipality reports).
    pub new_7d: i64,
    pub active_7d: i64,
    pub active_30d: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageCount {
    /// `None` for residents who have not chosen a language yet.
    pub lang: Option<String>,
    pub residents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LessonFunnel {
    pub lesson: String,
    /// Residents who opened the lesson.
    pub started: i64,
    /// Residents who finished it at least once.
    pub completed: i64,
    /// `completed / started` in percent, one decimal.
    pub completion_pct: Option<f64>,
    /// The mean of `correct / answered` over completed runs with questions,
    /// in percent, one decimal; `None` when there are none.
    pub avg_score_pct: Option<f64>,
    /// How `steps` are ordered.
    pub step_order: StepOrder,
    /// Each step with the residents who ever reached it.
    pub steps: Vec<StepReach>,
    /// The step with the largest drop to the next one (the last step's
    /// "next" is completing the lesson), the first of equal drops; `None`
    /// when no step loses anyone.
    pub most_left: Option<MostLeft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReach {
    pub step: String,
    /// Distinct residents who ever reached the step.
    pub reached: i64,
    /// `reached` minus the next step's (for the last step, minus
    /// `completed`); negative where residents reach the next step by
    /// another path.
    pub left: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MostLeft {
    pub step: String,
    /// Its [`StepReach::left`].
    pub left: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuizAccuracy {
    pub dialogue: String,
    /// Every press of a quiz option.
    pub answers: i64,
    /// Answers that were a resident's first try at the question.
    pub first_try: i64,
    /// First tries that were right.
    pub first_try_correct: i64,
    /// `first_try_correct / first_try` in percent, one decimal.
    pub first_try_correct_pct: Option<f64>,
}

/// One quiz question and how often residents got it wrong at first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusingQuestion {
    pub dialogue: String,
    /// The question's step id.
    pub step: String,
    /// Answers that were a resident's first try at the question (every run of
    /// a lesson has its own first try).
    pub first_answers: i64,
    /// First answers that were wrong.
    pub wrong: i64,
    /// `wrong / first_answers` in percent, one decimal.
    pub wrong_pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuestionCounts {
    pub asked: i64,
    /// The FAQ answered at once.
    pub answered: i64,
    /// The FAQ offered close questions.
    pub choices: i64,
    /// The FAQ found nothing.
    pub nothing: i64,
    /// 👍 votes.
    pub helpful: i64,
    /// 👎 votes.
    pub unhelpful: i64,
}

/// An FAQ entry's use in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaqEntryCount {
    pub entry: String,
    /// Questions it answered at once or was chosen for.
    pub answered: i64,
    /// 👍 votes under it.
    pub helpful: i64,
    /// 👎 votes under it.
    pub unhelpful: i64,
}

/// A question the FAQ could not answer (found nothing, or its answer got 👎).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnansweredQuestion {
    /// The question trimmed and in lower case; equal texts are counted together.
    pub text: String,
    pub count: i64,
    /// When it was last asked, Unix seconds.
    pub last_asked_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubCount {
    pub hub: String,
    /// Residents whose first poster was this hub's.
    pub residents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TicketCounts {
    /// Opened in the window.
    pub opened: i64,
    /// Closed in the window.
    pub closed: i64,
    /// Open now, however old.
    pub open_now: i64,
}

/// How deliveries stand: one row per recipient, each `pending` until it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounts {
    pub sent: i64,
    /// The resident had blocked the bot.
    pub blocked: i64,
    /// The chat is gone or refuses such messages.
    pub skipped: i64,
    /// Given up after retries.
    pub failed: i64,
    /// Not sent yet (quiet hours, retries, or still going).
    pub pending: i64,
}

impl DeliveryCounts {
    fn add(&mut self, other: &DeliveryCounts) {
        self.sent += other.sent;
        self.blocked += other.blocked;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.pending += other.pending;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcements {
    /// Broadcasts created in the window.
    pub broadcasts: i64,
    /// Their deliveries, summed.
    pub deliveries: DeliveryCounts,
    /// Each of them, oldest first.
    pub list: Vec<BroadcastFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastFigures {
    pub id: i64,
    /// `webinars` or `news`.
    pub topic: String,
    /// Unix seconds.
    pub created_at: i64,
    pub deliveries: DeliveryCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebinarFigures {
    pub id: i64,
    /// As the librarian wrote it.
    pub title: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub cancelled: bool,
    /// `None`: no limit.
    pub capacity: Option<i64>,
    /// Residents signed up now.
    pub signups: i64,
}

/// One week of [`Stats::weekly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    /// Monday 00:00 in the community's time zone, Unix seconds.
    pub start: i64,
    /// Distinct residents with any event in the week.
    pub active: i64,
    /// `lesson_completed` events in the week (a resident can complete several
    /// lessons, or one lesson again).
    pub completions: i64,
}

/// `part / whole` in percent with one decimal; `None` when `whole` is 0.
fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Store {
    /// The usage report for `window` (as of `window.now`): "active", "new",
    /// questions, FAQ answers, tickets and announcements count the window;
    /// webinars are those starting in it or later; the lesson funnels, quiz
    /// figures, languages and hubs are all time. `order` gives each lesson's
    /// steps their order.
    pub async fn stats(&self, window: &Window, order: &LessonOrder) -> Result<Stats, StoreError> {
        let since = window.since;
        // One snapshot for every figure (WAL readers see the database as of
        // their transaction's first read).
        let mut tx = self.read.begin().await?;
        let conn: &mut SqliteConnection = &mut tx;
        let stats = Stats {
            window: window.clone(),
            residents: residents(conn, since, window.now).await?,
            languages: languages(conn).await?,
            lessons: lessons(conn, order).await?,
            quizzes: quizzes(conn).await?,
            confusing: confusing(conn).await?,
            questions: questions(conn, since).await?,
            faq: faq(conn, since).await?,
            unanswered: unanswered(conn, since).await?,
            hubs: hubs(conn).await?,
            tickets: tickets(conn, since).await?,
            announcements: announcements(conn, since).await?,
            webinars: webinars(conn, since).await?,
            weekly: weekly(conn, &week_starts(window.now, &window.time_zone)).await?,
        };
        tx.rollback().await?;
        Ok(stats)
    }
}

async fn residents(
    conn: &mut SqliteConnection,
    since: i64,
    now: i64,
) -> Result<ResidentCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS total,
                coalesce(sum(last_seen >= ?1), 0) AS active,
                coalesce(sum(blocked != 0), 0) AS blocked,
                coalesce(sum(first_seen >= ?1), 0) AS new_residents,
                coalesce(sum(first_seen >= ?2), 0) AS new_7d,
                coalesce(sum(last_seen >= ?2), 0) AS active_7d,
                coalesce(sum(last_seen >= ?3), 0) AS active_30d
         FROM residents",
    )
    .bind(since)
    .bind(now - 7 * DAY)
    .bind(now - 30 * DAY)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ResidentCounts {
        total: r.try_get("total")?,
        active: r.try_get("active")?,
        blocked: r.try_get("blocked")?,
        new: r.try_get("new_residents")?,
        new_7d: r.try_get("new_7d")?,
        active_7d: r.try_get("active_7d")?,
        active_30d: r.try_get("active_30d")?,
    })
}

async fn languages(conn: &mut SqliteConnection) -> Result<Vec<LanguageCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT lang, count(*) AS n FROM residents GROUP BY lang
         ORDER BY n DESC, lang IS NULL, lang",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(LanguageCount {
                lang: r.try_get("lang")?,
                residents: r.try_get("n")?,
            })
        })
        .collect()
}

async fn lessons(
    conn: &mut SqliteConnection,
    order: &LessonOrder,
) -> Result<Vec<LessonFunnel>, StoreError> {
    let rows = sqlx::query(
        "SELECT lesson, count(*) AS started, count(completed_at) AS completed,
                avg(CASE WHEN completed_at IS NOT NULL AND answered > 0
                         THEN CAST(correct AS REAL) / answered END) AS score
         FROM lesson_progress GROUP BY lesson
         ORDER BY started DESC, lesson",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut reached = steps_reached(conn).await?;
    rows.into_iter()
        .map(|r| {
            let lesson: String = r.try_get("lesson")?;
            let started: i64 = r.try_get("started")?;
            let completed: i64 = r.try_get("completed")?;
            let score: Option<f64> = r.try_get("score")?;
            let steps = reached.remove(&lesson).unwrap_or_default();
            let (step_order, steps, most_left) = funnel(order, &lesson, steps, completed);
            Ok(LessonFunnel {
                lesson,
                started,
                completed,
                completion_pct: pct(completed, started),
                avg_score_pct: score.map(|s| round1(s * 100.0)),
                step_order,
                steps,
                most_left,
            })
        })
        .collect()
}

/// Dialogue → step → distinct residents who ever reached it.
async fn steps_reached(
    conn: &mut SqliteConnection,
) -> Result<HashMap<String, HashMap<String, i64>>, StoreError> {
    let rows = sqlx::query(
        "SELECT dialogue, step, count(DISTINCT user_id) AS reached FROM events
         WHERE kind = 'step_reached' AND dialogue IS NOT NULL AND step IS NOT NULL
         GROUP BY dialogue, step",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for r in rows {
        let dialogue: String = r.try_get("dialogue")?;
        out.entry(dialogue)
            .or_default()
            .insert(r.try_get("step")?, r.try_get("reached")?);
    }
    Ok(out)
}

/// Orders a lesson's steps and finds where most residents leave.
fn funnel(
    order: &LessonOrder,
    lesson: &str,
    mut reached: HashMap<String, i64>,
    completed: i64,
) -> (StepOrder, Vec<StepReach>, Option<MostLeft>) {
    let (step_order, mut ordered): (StepOrder, Vec<(String, i64)>) = match &order.lessons {
        None => (StepOrder::ReachedNoContent, Vec::new()),
        Some(lessons) => match lessons.get(lesson) {
            None => (StepOrder::ReachedNotInContent, Vec::new()),
            Some(steps) => (
                StepOrder::File,
                steps
                    .iter()
                    .map(|s| (s.clone(), reached.remove(s).unwrap_or(0)))
                    .collect(),
            ),
        },
    };
    // Steps the file does not have (or every step, without a file): most reached first.
    let mut rest: Vec<(String, i64)> = reached.into_iter().collect();
    rest.sort_by(|(sa, a), (sb, b)| b.cmp(a).then(sa.cmp(sb)));
    ordered.extend(rest);
    let steps: Vec<StepReach> = ordered
        .iter()
        .enumerate()
        .map(|(i, (step, n))| {
            let next = ordered.get(i + 1).map_or(completed, |(_, m)| *m);
            StepReach {
                step: step.clone(),
                reached: *n,
                left: n - next,
            }
        })
        .collect();
    let mut most: Option<&StepReach> = None;
    for s in &steps {
        if s.left > most.map_or(0, |m| m.left) {
            most = Some(s);
        }
    }
    let most_left = most.map(|s| MostLeft {
        step: s.step.clone(),
        left: s.left,
    });
    (step_order, steps, most_left)
}

async fn quizzes(conn: &mut SqliteConnection) -> Result<Vec<QuizAccuracy>, StoreError> {
    let rows = sqlx::query(
        "SELECT coalesce(dialogue, '') AS dialogue, count(*) AS answers,
                coalesce(sum(json_extract(data, '$.first_try') = 1), 0) AS first_try,
                coalesce(sum(json_extract(data, '$.first_try') = 1
                             AND json_extract(data, '$.correct') = 1), 0) AS first_try_correct
         FROM events WHERE kind = 'quiz_answered'
         GROUP BY 1 ORDER BY answers DESC, 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let first_try: i64 = r.try_get("first_try")?;
            let first_try_correct: i64 = r.try_get("first_try_correct")?;
            Ok(QuizAccuracy {
                dialogue: r.try_get("dialogue")?,
                answers: r.try_get("answers")?,
                first_try,
                first_try_correct,
                first_try_correct_pct: pct(first_try_correct, first_try),
            })
        })
        .collect()
}

async fn confusing(conn: &mut SqliteConnection) -> Result<Vec<ConfusingQuestion>, StoreError> {
    let rows = sqlx::query(
        "SELECT coalesce(dialogue, '') AS dialogue, coalesce(step, '') AS step,
                count(*) AS first_answers,
                coalesce(sum(json_extract(data, '$.correct') = 0), 0) AS wrong
         FROM events
         WHERE kind = 'quiz_answered' AND json_extract(data, '$.first_try') = 1
         GROUP BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut list = rows
        .into_iter()
        .map(|r| {
            let first_answers: i64 = r.try_get("first_answers")?;
            let wrong: i64 = r.try_get("wrong")?;
            Ok(ConfusingQuestion {
                dialogue: r.try_get("dialogue")?,
                step: r.try_get("step")?,
                first_answers,
                wrong,
                wrong_pct: pct(wrong, first_answers),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Shares compared exactly: a/b > c/d ⇔ a·d > c·b (b, d > 0).
    list.sort_by(|a, b| {
        (b.wrong * a.first_answers)
            .cmp(&(a.wrong * b.first_answers))
            .then(b.first_answers.cmp(&a.first_answers))
            .then_with(|| a.dialogue.cmp(&b.dialogue))
            .then_with(|| a.step.cmp(&b.step))
    });
    Ok(list)
}

async fn questions(conn: &mut SqliteConnection, since: i64) -> Result<QuestionCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS asked,
                coalesce(sum(verdict = 'answered'), 0) AS answered,
                coalesce(sum(verdict = 'choices'), 0) AS choices,
                coalesce(sum(verdict = 'nothing'), 0) AS nothing_found,
                coalesce(sum(helpful = 1), 0) AS helpful,
                coalesce(sum(helpful = 0), 0) AS unhelpful
         FROM questions WHERE asked_at >= ?",
    )
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(QuestionCounts {
        asked: r.try_get("asked")?,
        answered: r.try_get("answered")?,
        choices: r.try_get("choices")?,
        nothing: r.try_get("nothing_found")?,
        helpful: r.try_get("helpful")?,
        unhelpful: r.try_get("unhelpful")?,
    })
}

async fn faq(conn: &mut SqliteConnection, since: i64) -> Result<Vec<FaqEntryCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT entry, count(*) AS answered,
                coalesce(sum(helpful = 1), 0) AS helpful,
                coalesce(sum(helpful = 0), 0) AS unhelpful
         FROM questions WHERE asked_at >= ? AND entry IS NOT NULL
         GROUP BY entry ORDER BY answered DESC, entry",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(FaqEntryCount {
                entry: r.try_get("entry")?,
                answered: r.try_get("answered")?,
                helpful: r.try_get("helpful")?,
                unhelpful: r.try_get("unhelpful")?,
            })
        })
        .collect()
}

/// Grouped here rather than in SQL: SQLite's `lower()` folds only ASCII, and
/// most questions are in Ukrainian.
async fn unanswered(
    conn: &mut SqliteConnection,
    since: i64,
) -> Result<Vec<UnansweredQuestion>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, asked_at, text FROM questions
         WHERE asked_at >= ? AND (verdict = 'nothing' OR helpful = 0)",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    // text -> (count, last asked, last id)
    let mut groups: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let at: i64 = r.try_get("asked_at")?;
        let text: String = r.try_get("text")?;
        let key = text.trim().to_lowercase();
        let g = groups.entry(key).or_insert((0, at, id));
        g.0 += 1;
        if (at, id) > (g.1, g.2) {
            g.1 = at;
            g.2 = id;
        }
    }
    let mut list: Vec<(String, (i64, i64, i64))> = groups.into_iter().collect();
    list.sort_by(|(ta, a), (tb, b)| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(ta.cmp(tb))
    });
    Ok(list
        .into_iter()
        .take(TOP_UNANSWERED)
        .map(|(text, (count, last_asked_at, _))| UnansweredQuestion {
            text,
            count,
            last_asked_at,
        })
        .collect())
}

async fn hubs(conn: &mut SqliteConnection) -> Result<Vec<HubCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT referring_hub AS hub, count(*) AS n FROM residents
         WHERE referring_hub IS NOT NULL GROUP BY referring_hub
         ORDER BY n DESC, hub",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HubCount {
                hub: r.try_get("hub")?,
                residents: r.try_get("n")?,
            })
        })
        .collect()
}

async fn tickets(conn: &mut SqliteConnection, since: i64) -> Result<TicketCounts, StoreError> {
    let r = sqlx::query(
        "SELECT coalesce(sum(opened_at >= ?1), 0) AS opened,
                coalesce(sum(closed_at IS NOT NULL AND closed_at >= ?1), 0) AS closed,
                coalesce(sum(closed_at IS NULL), 0) AS open_now
         FROM tickets",
    )
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(TicketCounts {
        opened: r.try_get("opened")?,
        closed: r.try_get("closed")?,
        open_now: r.try_get("open_now")?,
    })
}

async fn announcements(
    conn: &mut SqliteConnection,
    since: i64,
) -> Result<Announcements, StoreError> {
    let rows = sqlx::query(
        "SELECT b.id, b.topic, b.created_at,
                coalesce(sum(d.status = 'sent'), 0) AS sent,
                coalesce(sum(d.status = 'blocked'), 0) AS blocked,
                coalesce(sum(d.status = 'skipped'), 0) AS skipped,
                coalesce(sum(d.status = 'failed'), 0) AS failed,
                coalesce(sum(d.status = 'pending'), 0) AS pending
         FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast = b.id
         WHERE b.created_at >= ?
         GROUP BY b.id ORDER BY b.created_at, b.id",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let list = rows
        .into_iter()
        .map(|r| {
            Ok(BroadcastFigures {
                id: r.try_get("id")?,
                topic: r.try_get("topic")?,
                created_at: r.try_get("created_at")?,
                deliveries: DeliveryCounts {
                    sent: r.try_get("sent")?,
                    blocked: r.try_get("blocked")?,
                    skipped: r.try_get("skipped")?,
                    failed: r.try_get("failed")?,
                    pending: r.try_get("pending")?,
                },
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut deliveries = DeliveryCounts::default();
    for b in &list {
        deliveries.add(&b.deliveries);
    }
    Ok(Announcements {
        broadcasts: list.len() as i64,
        deliveries,
        list,
    })
}

async fn webinars(
    conn: &mut SqliteConnection,
    since: i64,
) -> Result<Vec<WebinarFigures>, StoreError> {
    let rows = sqlx::query(
        "SELECT w.id, w.title, w.starts_at, w.cancelled, w.capacity,
                (SELECT count(*) FROM rsvps r WHERE r.webinar = w.id) AS signups
         FROM webinars w WHERE w.starts_at >= ?
         ORDER BY w.starts_at, w.id",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(WebinarFigures {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                starts_at: r.try_get("starts_at")?,
                cancelled: r.try_get::<i64, _>("cancelled")? != 0,
                capacity: r.try_get("capacity")?,
                signups: r.try_get("signups")?,
            })
        })
        .collect()
}

/// The starts of the last [`WEEKS`] weeks up to `now` and of the week after
/// them ([`WEEKS`] + 1 values, Monday 00:00 in `tz`); empty only for a `now`
/// outside the years jiff can represent.
fn week_starts(now: i64, tz: &TimeZone) -> Vec<i64> {
    let starts = || -> Result<Vec<i64>, jiff::Error> {
        let today = Timestamp::from_second(now)?.to_zoned(tz.clone()).date();
        let back = i64::from(today.weekday().to_monday_zero_offset());
        let monday = today.checked_sub(Span::new().days(back))?;
        let first = -(WEEKS as i64 - 1);
        (first..=1)
            .map(|w| {
                let day = monday.checked_add(Span::new().weeks(w))?;
                Ok(day.to_zoned(tz.clone())?.timestamp().as_second())
            })
            .collect()
    };
    starts().unwrap_or_default()
}

/// The weeks between consecutive `bounds`, in one pass over their events.
async fn weekly(conn: &mut SqliteConnection, bounds: &[i64]) -> Result<Vec<Week>, StoreError> {
    let Some(weeks) = bounds.len().checked_sub(1).filter(|&n| n > 0) else {
        return Ok(Vec::new());
    };
    // ?1 is the first start, ?(i + 2) the end of week i.
    let mut case = String::from("CASE");
    for i in 0..weeks - 1 {
        case.push_str(&format!(" WHEN at < ?{} THEN {i}", i + 2));
    }
    case.push_str(&format!(" ELSE {} END", weeks - 1));
    let sql = format!(
        "SELECT {case} AS week, count(DISTINCT user_id) AS active,
                coalesce(sum(kind = 'lesson_completed'), 0) AS completions
         FROM events WHERE at >= ?1 AND at < ?{}
         GROUP BY week",
        weeks + 1
    );
    let mut query = sqlx::query(&sql);
    for b in bounds {
        query = query.bind(*b);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut out: Vec<Week> = bounds[..weeks]
        .iter()
        .map(|&start| Week {
            start,
            active: 0,
            completions: 0,
        })
        .collect();
    for r in rows {
        let week: i64 = r.try_get("week")?;
        if let Some(w) = usize::try_from(week).ok().and_then(|i| out.get_mut(i)) {
            w.active = r.try_get("active")?;
            w.completions = r.try_get("completions")?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_decimal_and_never_divide_by_zero() {
        assert_eq!(pct(2, 3), Some(66.7));
        assert_eq!(pct(1, 3), Some(33.3));
        assert_eq!(pct(0, 5), Some(0.0));
        assert_eq!(pct(0, 0), None);
    }

    fn reached(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    }

    fn step(step: &str, reached: i64, left: i64) -> StepReach {
        StepReach {
            step: step.into(),
            reached,
            left,
        }
    }

    #[test]
    fn a_funnel_follows_the_file_and_finds_the_largest_drop() {
        let order = LessonOrder::new([(
            "l".to_string(),
            vec!["a".into(), "b".into(), "c".into(), "end".into()],
        )]);
        let (how, steps, most) = funnel(
            &order,
            "l",
            reached(&[("a", 5), ("b", 4), ("c", 1), ("end", 1), ("gone", 2)]),
            1,
        );
        assert_eq!(how, StepOrder::File);
        assert_eq!(
            steps,
            vec![
                step("a", 5, 1),
                step("b", 4, 3),
                step("c", 1, 0),
                // A step no longer in the file comes after the file's.
                step("end", 1, -1),
                step("gone", 2, 1),
            ]
        );
        assert_eq!(
            most,
            Some(MostLeft {
                step: "b".into(),
                left: 3
            })
        );
    }

    #[test]
    fn without_the_content_steps_go_by_residents_reached() {
        let counts = reached(&[("x", 2), ("a", 3), ("b", 2)]);
        let (how, steps, most) = funnel(&LessonOrder::unknown(), "l", counts.clone(), 2);
        assert_eq!(how, StepOrder::ReachedNoContent);
        assert_eq!(
            steps,
            vec![step("a", 3, 1), step("b", 2, 0), step("x", 2, 0)]
        );
        assert_eq!(most.map(|m| (m.step, m.left)), Some(("a".into(), 1)));
        let other = LessonOrder::new([("m".to_string(), vec!["a".to_string()])]);
        let (how, _, _) = funnel(&other, "l", counts, 2);
        assert_eq!(how, StepOrder::ReachedNotInContent);
        // Nobody left anywhere: no step to name.
        let (_, _, most) = funnel(&other, "m", reached(&[("a", 2)]), 2);
        assert_eq!(most, None);
    }

    #[test]
    fn a_window_since_a_date_starts_at_its_local_midnight() {
        let kyiv = TimeZone::get("Europe/Kyiv").expect("zone");
        // Friday 2026-11-27 01:30 in Kyiv is still Thursday in UTC.
        let now = 1_795_735_800;
        let w = Window::since_date(now, jiff::civil::date(2026, 11, 20), kyiv.clone())
            .expect("a past date");
        // 2026-11-20 00:00 +02:00.
        assert_eq!(w.since, 1_795_125_600);
        assert_eq!(w.days, 8);
        assert_eq!(w.since_date, Some(jiff::civil::date(2026, 11, 20)));
        let today =
            Window::since_date(now, jiff::civil::date(2026, 11, 27), kyiv.clone()).expect("today");
        assert_eq!((today.since, today.days), (now - 5_400, 1));
        let e = Window::since_date(now, jiff::civil::date(2026, 11, 28), kyiv.clone())
            .expect_err("tomorrow");
        assert!(e.to_string().contains("in the future"), "{e}");
        let w = Window::last_days(now, 7, kyiv);
        assert_eq!((w.since, w.days, w.since_date), (now - 7 * DAY, 7, None));
    }

    #[test]
    fn weeks_start_on_kyiv_mondays_across_daylight_saving() {
        let kyiv = TimeZone::get("Europe/Kyiv").expect("zone");
        // Wednesday 2026-11-04 12:00 in Kyiv (EET, +02).
        let now = jiff::civil::date(2026, 11, 4)
            .at(12, 0, 0, 0)
            .to_zoned(kyiv.clone())
            .expect("time")
            .timestamp()
            .as_second();
        let starts = week_starts(now, &kyiv);
        assert_eq!(starts.len(), WEEKS + 1);
        // The current week: Monday 2026-11-02 00:00 +02 = 2026-11-01 22:00 UTC.
        assert_eq!(starts[WEEKS - 1], 1_793_570_400);
        // The week of the change (Sunday 2026-10-25, +03 to +02) is an hour longer.
        assert_eq!(starts[WEEKS - 2] - starts[WEEKS - 3], 7 * DAY + 3_600);
        assert_eq!(starts[WEEKS - 1] - starts[WEEKS - 2], 7 * DAY);
        assert_eq!(starts[WEEKS] - starts[WEEKS - 1], 7 * DAY);
        // Monday 2026-08-17 00:00 +03, eleven weeks before.
        assert_eq!(starts[0], 1_786_914_000);
    }
}
