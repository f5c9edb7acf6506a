//! Read-only usage figures for `pomichnyk stats`: residents, languages, lesson
//! funnels, quiz accuracy, questions, hubs and tickets.
//!
//! Everything is read in one read transaction, so the figures agree with each
//! other even while the bot keeps writing. No figure carries a resident's id.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use super::{Store, StoreError};

/// Seconds in a day.
const DAY: i64 = 86_400;
/// How many unanswered questions the report lists.
pub const TOP_UNANSWERED: usize = 20;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub window: Window,
    pub residents: ResidentCounts,
    /// Residents by chosen language, most first.
    pub languages: Vec<LanguageCount>,
    /// Per lesson, most started first.
    pub lessons: Vec<LessonFunnel>,
    /// Per dialogue with quiz questions, most answers first.
    pub quizzes: Vec<QuizAccuracy>,
    /// Questions typed for the FAQ in the window.
    pub questions: QuestionCounts,
    /// The FAQ's misses in the window: most asked first, then newest first.
    pub unanswered: Vec<UnansweredQuestion>,
    /// Residents per referring hub, most first.
    pub hubs: Vec<HubCount>,
    pub tickets: TicketCounts,
}

/// The time the report is for and its window, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub now: i64,
    pub days: u32,
    /// `now - days` days; "in the window" means at or after this.
    pub since: i64,
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

/// `part / whole` in percent with one decimal; `None` when `whole` is 0.
fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Store {
    /// The usage report as of `now` (Unix seconds); "active", "new", questions
    /// and tickets count the last `days` days.
    pub async fn stats(&self, now: i64, days: u32) -> Result<Stats, StoreError> {
        let since = now - i64::from(days) * DAY;
        // One snapshot for every figure (WAL readers see the database as of
        // their transaction's first read).
        let mut tx = self.read.begin().await?;
        let conn: &mut SqliteConnection = &mut tx;
        let stats = Stats {
            window: Window { now, days, since },
            residents: residents(conn, since).await?,
            languages: languages(conn).await?,
            lessons: lessons(conn).await?,
            quizzes: quizzes(conn).await?,
            questions: questions(conn, since).await?,
            unanswered: unanswered(conn, since).await?,
            hubs: hubs(conn).await?,
            tickets: tickets(conn, since).await?,
        };
        tx.rollback().await?;
        Ok(stats)
    }
}

async fn residents(conn: &mut SqliteConnection, since: i64) -> Result<ResidentCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS total,
                coalesce(sum(last_seen >= ?1), 0) AS active,
                coalesce(sum(blocked != 0), 0) AS blocked,
                coalesce(sum(first_seen >= ?1), 0) AS new_residents
         FROM residents",
    )
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ResidentCounts {
        total: r.try_get("total")?,
        active: r.try_get("active")?,
        blocked: r.try_get("blocked")?,
        new: r.try_get("new_residents")?,
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

async fn lessons(conn: &mut SqliteConnection) -> Result<Vec<LessonFunnel>, StoreError> {
    let rows = sqlx::query(
        "SELECT lesson, count(*) AS started, count(completed_at) AS completed,
                avg(CASE WHEN completed_at IS NOT NULL AND answered > 0
                         THEN CAST(correct AS REAL) / answered END) AS score
         FROM lesson_progress GROUP BY lesson
         ORDER BY started DESC, lesson",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let started: i64 = r.try_get("started")?;
            let completed: i64 = r.try_get("completed")?;
            let score: Option<f64> = r.try_get("score")?;
            Ok(LessonFunnel {
                lesson: r.try_get("lesson")?,
                started,
                completed,
                completion_pct: pct(completed, started),
                avg_score_pct: score.map(|s| round1(s * 100.0)),
            })
        })
        .collect()
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
}
