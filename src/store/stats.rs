//! Read-only usage figures for `pomichnyk stats`: residents, languages, lesson
//! funnels step by step, quiz accuracy and the most confusing questions, FAQ
//! questions and answers, hubs, tickets, announcements, webinars and a weekly
//! series for a chart.
//!
//! The all-time figures that come from events (the funnels' steps, the quiz
//! figures) read counts (`step_counts`, `quiz_counts`) together with the
//! changes the triggers appended as events were written and the tally has not
//! added to them yet (`step_count_changes`, `quiz_count_changes`), in one
//! statement each. So they cost the same at any size, and are the same before
//! and after old events are folded away or the changes tallied (`store::fold`). The
//! weekly series reads the raw events of its weeks, which are never folded.
//!
//! Everything is read in one read transaction, so the figures agree with each
//! other even while the bot keeps writing. No figure carries a resident's id.
//!
//! The store does not know the content, so the order of each lesson's steps
//! comes from the caller as a [`LessonOrder`].

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{Store, StoreError};
use crate::stats::figures::*;

impl Store {
    /// The usage report for `window` (as of `window.now`): "active", "new",
    /// questions, FAQ answers, tickets and announcements count the window;
    /// webinars are those starting in it or later; the lesson funnels, quiz
    /// figures, languages and hubs are all time. `order` gives each lesson's
    /// steps their order.
    pub async fn stats(&self, window: &Window, order: &LessonOrder) -> Result<Stats, StoreError> {
        let since = window.since;
        // One snapshot for every figure: WAL readers see the database as of
        // their transaction's first read; PostgreSQL's default (read
        // committed) takes a snapshot per statement, so the transaction asks
        // for one snapshot for all.
        let mut tx = self.read.begin().await?;
        let conn: &mut AnyConnection = &mut tx;
        if self.dialect == super::Dialect::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *conn)
                .await?;
        }
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
            certificates: super::certificates::counts(conn).await?,
        };
        tx.rollback().await?;
        Ok(stats)
    }
}

async fn residents(
    conn: &mut AnyConnection,
    since: i64,
    now: i64,
) -> Result<ResidentCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS total,
                count(CASE WHEN last_seen >= $1 THEN 1 END) AS active,
                count(CASE WHEN blocked != 0 THEN 1 END) AS blocked,
                count(CASE WHEN first_seen >= $1 THEN 1 END) AS new_residents,
                count(CASE WHEN first_seen >= $2 THEN 1 END) AS new_7d,
                count(CASE WHEN last_seen >= $2 THEN 1 END) AS active_7d,
                count(CASE WHEN last_seen >= $3 THEN 1 END) AS active_30d
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

async fn languages(conn: &mut AnyConnection) -> Result<Vec<LanguageCount>, StoreError> {
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
    conn: &mut AnyConnection,
    order: &LessonOrder,
) -> Result<Vec<LessonFunnel>, StoreError> {
    let rows = sqlx::query(
        "SELECT lesson, count(*) AS started, count(completed_at) AS completed,
                avg(CASE WHEN completed_at IS NOT NULL AND answered > 0
                         THEN CAST(correct AS DOUBLE PRECISION) / answered END) AS score
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

/// Dialogue → step → distinct residents who ever reached it, from
/// `step_counts` and the changes not tallied yet (a trigger appends +1 or -1
/// as `steps_reached` grows and shrinks; see the migration
/// `20261207000000_tally.sql`). A forgotten resident's steps go with them and
/// count for none.
async fn steps_reached(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, HashMap<String, i64>>, StoreError> {
    let rows = sqlx::query(
        "SELECT dialogue, step, CAST(sum(reached) AS BIGINT) AS reached
         FROM (SELECT dialogue, step, reached FROM step_counts
               UNION ALL SELECT dialogue, step, reached FROM step_count_changes) AS c
         GROUP BY dialogue, step HAVING sum(reached) > 0",
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

/// Every quiz answer ever given, as counts per day and question: those
/// tallied and those a trigger appended since (one row per answer).
const QUIZ_COUNTS: &str = "(SELECT dialogue, step, answers, first_try, first_try_correct,
                                  first_try_wrong FROM quiz_counts
                           UNION ALL
                           SELECT dialogue, step, 1, first_try, first_try_correct,
                                  first_try_wrong FROM quiz_count_changes) AS q";

/// Quiz answers by lesson, from [`QUIZ_COUNTS`].
async fn quizzes(conn: &mut AnyConnection) -> Result<Vec<QuizAccuracy>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT dialogue, CAST(sum(answers) AS BIGINT) AS n,
                CAST(sum(first_try) AS BIGINT) AS first_try,
                CAST(sum(first_try_correct) AS BIGINT) AS first_try_correct
         FROM {QUIZ_COUNTS} GROUP BY dialogue ORDER BY n DESC, dialogue"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let first_try: i64 = r.try_get("first_try")?;
            let first_try_correct: i64 = r.try_get("first_try_correct")?;
            Ok(QuizAccuracy {
                dialogue: r.try_get("dialogue")?,
                answers: r.try_get("n")?,
                first_try,
                first_try_correct,
                first_try_correct_pct: pct(first_try_correct, first_try),
            })
        })
        .collect()
}

/// Questions by their share of wrong first answers, from [`QUIZ_COUNTS`].
async fn confusing(conn: &mut AnyConnection) -> Result<Vec<ConfusingQuestion>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT dialogue, step, CAST(sum(first_try) AS BIGINT) AS first_answers,
                CAST(sum(first_try_wrong) AS BIGINT) AS wrong
         FROM {QUIZ_COUNTS} GROUP BY dialogue, step HAVING sum(first_try) > 0"
    ))
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

async fn questions(conn: &mut AnyConnection, since: i64) -> Result<QuestionCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS asked,
                count(CASE WHEN verdict = 'answered' THEN 1 END) AS answered,
                count(CASE WHEN verdict = 'choices' THEN 1 END) AS choices,
                count(CASE WHEN verdict = 'nothing' THEN 1 END) AS nothing_found,
                count(CASE WHEN helpful = 1 THEN 1 END) AS helpful,
                count(CASE WHEN helpful = 0 THEN 1 END) AS unhelpful
         FROM questions WHERE asked_at >= $1",
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

async fn faq(conn: &mut AnyConnection, since: i64) -> Result<Vec<FaqEntryCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT entry, count(*) AS answered,
                count(CASE WHEN helpful = 1 THEN 1 END) AS helpful,
                count(CASE WHEN helpful = 0 THEN 1 END) AS unhelpful
         FROM questions WHERE asked_at >= $1 AND entry IS NOT NULL
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
    conn: &mut AnyConnection,
    since: i64,
) -> Result<Vec<UnansweredQuestion>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, asked_at, text FROM questions
         WHERE asked_at >= $1 AND (verdict = 'nothing' OR helpful = 0)",
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

async fn hubs(conn: &mut AnyConnection) -> Result<Vec<HubCount>, StoreError> {
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

async fn tickets(conn: &mut AnyConnection, since: i64) -> Result<TicketCounts, StoreError> {
    let r = sqlx::query(
        "SELECT count(CASE WHEN opened_at >= $1 THEN 1 END) AS opened,
                count(CASE WHEN closed_at IS NOT NULL AND closed_at >= $1 THEN 1 END) AS closed,
                count(CASE WHEN closed_at IS NULL THEN 1 END) AS open_now
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

async fn announcements(conn: &mut AnyConnection, since: i64) -> Result<Announcements, StoreError> {
    let rows = sqlx::query(
        "SELECT b.id, b.topic, b.created_at,
                count(CASE WHEN d.status = 'sent' THEN 1 END) AS sent,
                count(CASE WHEN d.status = 'blocked' THEN 1 END) AS blocked,
                count(CASE WHEN d.status = 'skipped' THEN 1 END) AS skipped,
                count(CASE WHEN d.status = 'failed' THEN 1 END) AS failed,
                count(CASE WHEN d.status = 'pending' THEN 1 END) AS pending
         FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast = b.id
         WHERE b.created_at >= $1
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

async fn webinars(conn: &mut AnyConnection, since: i64) -> Result<Vec<WebinarFigures>, StoreError> {
    let rows = sqlx::query(
        "SELECT w.id, w.title, w.starts_at, w.cancelled, w.capacity,
                (SELECT count(*) FROM rsvps r WHERE r.webinar = w.id) AS signups
         FROM webinars w WHERE w.starts_at >= $1
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

/// The weeks between consecutive `bounds`: those kept once they ended
/// (`store::weeks`) as kept, the others (the current one always) from their
/// raw events.
async fn weekly(conn: &mut AnyConnection, bounds: &[i64]) -> Result<Vec<Week>, StoreError> {
    let Some(&first) = bounds.first() else {
        return Ok(Vec::new());
    };
    let kept = super::weeks::kept(&mut *conn, first).await?;
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for pair in bounds.windows(2) {
        let (start, until) = (pair[0], pair[1]);
        let week = match kept.iter().find(|w| (w.0, w.1) == (start, until)) {
            Some(&(_, _, active, completions)) => Week {
                start,
                active,
                completions,
            },
            None => super::weeks::week_figures(conn, start, until).await?,
        };
        out.push(week);
    }
    Ok(out)
}
