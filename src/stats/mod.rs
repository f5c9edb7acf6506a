//! `pomichnyk stats`: the usage report as text for people, CSV for spreadsheets
//! or JSON for scripts. The figures come from [`Store::stats`](crate::store::Store::stats);
//! this module only formats them. Headings are in English: this is an admin's tool.

pub mod figures;

use std::fmt::Write as _;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::store::{zone_label, Stats, StepOrder, TOP_UNANSWERED, WEEKS};

/// How many of the most confusing quiz questions the text report lists (CSV and JSON have all).
pub const TOP_CONFUSING: usize = 10;
/// How many FAQ entries the text report lists (CSV and JSON have all).
pub const TOP_FAQ: usize = 10;

/// The output formats of `pomichnyk stats --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Csv,
    Json,
}

/// The report in `format`, ending with a newline.
pub fn render(stats: &Stats, format: Format) -> String {
    match format {
        Format::Text => text(stats),
        Format::Csv => csv(stats),
        Format::Json => json(stats),
    }
}

/// One JSON object with every figure (percentages are `null` where nothing was counted).
pub fn json(stats: &Stats) -> String {
    let mut out = serde_json::to_string_pretty(stats).expect("the report is plain data");
    out.push('\n');
    out
}

/// `pomichnyk stats --since`: a date written `YYYY-MM-DD`, and nothing else.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let shape = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return Err(format!(
            "{text:?} is not a date written YYYY-MM-DD (for example 2026-11-20)"
        ));
    }
    text.parse::<Date>()
        .map_err(|e| format!("{text:?} is not a date: {e}"))
}

/// One table, `section,key,metric,value`, in the order of the text report.
/// `key` is `all` for figures of a whole section (empty for residents without a
/// language); an empty value is "not counted". Steps and quiz questions are
/// keyed `lesson/step`, broadcasts and webinars by id, weeks by their Monday's
/// local date. Unanswered questions are keyed by their text and webinars'
/// titles are values, both [defused](defuse) for spreadsheets.
pub fn csv(stats: &Stats) -> String {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut row = |section: &str, key: &str, metric: &str, value: String| {
        rows.push([section.into(), key.into(), metric.into(), value]);
    };
    for part in PARTS {
        csv_part(part, stats, &mut row);
    }

    let mut out = String::from("section,key,metric,value\n");
    for cells in &rows {
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// RFC 4180 quoting: a field with a comma, quote or line break goes in quotes,
/// its quotes doubled. Questions are residents' free text, so they can hold any of these.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// A resident's text that a spreadsheet would run as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so
/// opening the CSV cannot run what a stranger typed to the bot.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Short sections with aligned columns.
pub fn text(stats: &Stats) -> String {
    let mut out = String::new();
    let w = &stats.window;
    let zone = zone_label(&w.time_zone);
    // "last 30 days" or "since 2026-11-20", for titles; "in the last 30 days" or the same, in sentences.
    let (period, in_period) = match w.since_date {
        Some(d) => (format!("since {d}"), format!("since {d}")),
        None => (
            format!("last {} days", w.days),
            format!("in the last {} days", w.days),
        ),
    };
    let cx = TextContext {
        zone,
        period,
        in_period,
    };
    for part in PARTS {
        text_part(part, stats, &cx, &mut out);
    }
    out
}

/// The report's sections, in order: the text report and the CSV both go
/// through this one list, each section rendered by [`csv_part`] and [`text_part`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Window,
    Residents,
    Languages,
    Lessons,
    Funnel,
    Quizzes,
    Confusing,
    Questions,
    Faq,
    Unanswered,
    Hubs,
    Tickets,
    Announcements,
    Webinars,
    Weekly,
    Certificates,
}

const PARTS: [Part; 16] = [
    Part::Window,
    Part::Residents,
    Part::Languages,
    Part::Lessons,
    Part::Funnel,
    Part::Quizzes,
    Part::Confusing,
    Part::Questions,
    Part::Faq,
    Part::Unanswered,
    Part::Hubs,
    Part::Tickets,
    Part::Announcements,
    Part::Webinars,
    Part::Weekly,
    Part::Certificates,
];

/// One section's rows of the CSV, `section,key,metric,value`.
fn csv_part(part: Part, stats: &Stats, row: &mut dyn FnMut(&str, &str, &str, String)) {
    let w = &stats.window;
    match part {
        Part::Window => {
            let w = &stats.window;
            row("window", "all", "now", w.now.to_string());
            row("window", "all", "days", w.days.to_string());
            row("window", "all", "since", w.since.to_string());
            row(
                "window",
                "all",
                "since_date",
                w.since_date.map(|d| d.to_string()).unwrap_or_default(),
            );
            row("window", "all", "time_zone", zone_label(&w.time_zone));
        }
        Part::Residents => {
            let r = &stats.residents;
            row("residents", "all", "total", r.total.to_string());
            row("residents", "all", "active", r.active.to_string());
            row("residents", "all", "new", r.new.to_string());
            row("residents", "all", "blocked", r.blocked.to_string());
            row("residents", "all", "new_7d", r.new_7d.to_string());
            row("residents", "all", "active_7d", r.active_7d.to_string());
            row("residents", "all", "active_30d", r.active_30d.to_string());
        }
        Part::Languages => {
            for l in &stats.languages {
                row(
                    "languages",
                    l.lang.as_deref().unwrap_or(""),
                    "residents",
                    l.residents.to_string(),
                );
            }
        }
        Part::Lessons => {
            for l in &stats.lessons {
                row("lessons", &l.lesson, "started", l.started.to_string());
                row("lessons", &l.lesson, "completed", l.completed.to_string());
                row(
                    "lessons",
                    &l.lesson,
                    "completion_pct",
                    opt(l.completion_pct),
                );
                row("lessons", &l.lesson, "avg_score_pct", opt(l.avg_score_pct));
            }
        }
        Part::Funnel => {
            for l in &stats.lessons {
                let lesson = &l.lesson;
                row("funnel", lesson, "step_order", l.step_order.as_str().into());
                row("funnel", lesson, "started", l.started.to_string());
                for s in &l.steps {
                    let key = format!("{lesson}/{}", s.step);
                    row("funnel", &key, "reached", s.reached.to_string());
                    row("funnel", &key, "left", s.left.to_string());
                }
                row("funnel", lesson, "completed", l.completed.to_string());
                let (step, left) = match &l.most_left {
                    Some(m) => (m.step.clone(), m.left.to_string()),
                    None => (String::new(), String::new()),
                };
                row("funnel", lesson, "most_left_step", step);
                row("funnel", lesson, "most_left_count", left);
            }
        }
        Part::Quizzes => {
            for q in &stats.quizzes {
                row("quizzes", &q.dialogue, "answers", q.answers.to_string());
                row("quizzes", &q.dialogue, "first_try", q.first_try.to_string());
                row(
                    "quizzes",
                    &q.dialogue,
                    "first_try_correct",
                    q.first_try_correct.to_string(),
                );
                row(
                    "quizzes",
                    &q.dialogue,
                    "first_try_correct_pct",
                    opt(q.first_try_correct_pct),
                );
            }
        }
        Part::Confusing => {
            for c in &stats.confusing {
                let key = format!("{}/{}", c.dialogue, c.step);
                row(
                    "confusing",
                    &key,
                    "first_answers",
                    c.first_answers.to_string(),
                );
                row("confusing", &key, "wrong", c.wrong.to_string());
                row("confusing", &key, "wrong_pct", opt(c.wrong_pct));
            }
        }
        Part::Questions => {
            let q = &stats.questions;
            row("questions", "all", "asked", q.asked.to_string());
            row("questions", "all", "answered", q.answered.to_string());
            row("questions", "all", "choices", q.choices.to_string());
            row("questions", "all", "nothing", q.nothing.to_string());
            row("questions", "all", "helpful", q.helpful.to_string());
            row("questions", "all", "unhelpful", q.unhelpful.to_string());
        }
        Part::Faq => {
            for f in &stats.faq {
                row("faq", &f.entry, "answered", f.answered.to_string());
                row("faq", &f.entry, "helpful", f.helpful.to_string());
                row("faq", &f.entry, "unhelpful", f.unhelpful.to_string());
            }
        }
        Part::Unanswered => {
            for u in &stats.unanswered {
                let text = defuse(&u.text);
                row("unanswered", &text, "count", u.count.to_string());
                row(
                    "unanswered",
                    &text,
                    "last_asked_at",
                    u.last_asked_at.to_string(),
                );
            }
        }
        Part::Hubs => {
            for h in &stats.hubs {
                row("per_hub", &h.hub, "residents", h.residents.to_string());
            }
        }
        Part::Certificates => {
            let c = &stats.certificates;
            for course in &c.courses {
                row(
                    "per_course",
                    &course.course,
                    "tests",
                    course.tests.to_string(),
                );
                row(
                    "per_course",
                    &course.course,
                    "passed",
                    course.passed.to_string(),
                );
                row(
                    "per_course",
                    &course.course,
                    "certificates",
                    course.certificates.to_string(),
                );
            }
            for hub in &c.hubs {
                row(
                    "certificates_per_hub",
                    &hub.hub,
                    "certificates",
                    hub.certificates.to_string(),
                );
            }
            row("certificates", "all", "revoked", c.revoked.to_string());
        }
        Part::Tickets => {
            let t = &stats.tickets;
            row("tickets", "all", "opened", t.opened.to_string());
            row("tickets", "all", "closed", t.closed.to_string());
            row("tickets", "all", "open_now", t.open_now.to_string());
        }
        Part::Announcements => {
            let a = &stats.announcements;
            row(
                "announcements",
                "all",
                "broadcasts",
                a.broadcasts.to_string(),
            );
            let deliveries = |d: &crate::store::DeliveryCounts| {
                [
                    ("sent", d.sent),
                    ("blocked", d.blocked),
                    ("skipped", d.skipped),
                    ("failed", d.failed),
                    ("pending", d.pending),
                ]
            };
            for (metric, n) in deliveries(&a.deliveries) {
                row("announcements", "all", metric, n.to_string());
            }
            for b in &a.list {
                let id = b.id.to_string();
                row("broadcast", &id, "topic", b.topic.clone());
                row("broadcast", &id, "created_at", b.created_at.to_string());
                for (metric, n) in deliveries(&b.deliveries) {
                    row("broadcast", &id, metric, n.to_string());
                }
            }
        }
        Part::Webinars => {
            for wb in &stats.webinars {
                let id = wb.id.to_string();
                row("webinars", &id, "title", defuse(&wb.title));
                row("webinars", &id, "starts_at", wb.starts_at.to_string());
                row(
                    "webinars",
                    &id,
                    "cancelled",
                    u8::from(wb.cancelled).to_string(),
                );
                row(
                    "webinars",
                    &id,
                    "capacity",
                    wb.capacity.map(|c| c.to_string()).unwrap_or_default(),
                );
                row("webinars", &id, "signups", wb.signups.to_string());
            }
        }
        Part::Weekly => {
            for week in &stats.weekly {
                let key = local_date(week.start, &w.time_zone);
                row("weekly", &key, "start", week.start.to_string());
                row("weekly", &key, "active", week.active.to_string());
                row("weekly", &key, "completions", week.completions.to_string());
            }
        }
    }
}

/// What every section of the text report says the same way.
struct TextContext {
    zone: String,
    /// "last 30 days" or "since 2026-11-20", for titles.
    period: String,
    /// "in the last 30 days" or the same, in sentences.
    in_period: String,
}

/// One section of the text report.
fn text_part(part: Part, stats: &Stats, cx: &TextContext, out: &mut String) {
    let TextContext {
        zone,
        period,
        in_period,
    } = cx;
    let w = &stats.window;
    match part {
        Part::Window => match w.since_date {
            Some(d) => {
                let _ = writeln!(
                    out,
                    "Pomichnyk usage as of {} UTC; window: since {d} 00:00 {zone} ({} UTC, {} days)",
                    datetime(w.now),
                    datetime(w.since),
                    w.days
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "Pomichnyk usage as of {} UTC; window: the last {} days (since {} UTC)",
                    datetime(w.now),
                    w.days,
                    datetime(w.since)
                );
            }
        },
        Part::Residents => {
            section(out, "Residents");
            let r = &stats.residents;
            table(
                out,
                None,
                &[
                    vec!["total".into(), r.total.to_string()],
                    vec![
                        "active".into(),
                        r.active.to_string(),
                        format!("(seen {in_period})"),
                    ],
                    vec![
                        "new".into(),
                        r.new.to_string(),
                        format!("(first seen {in_period})"),
                    ],
                    vec!["blocked".into(), r.blocked.to_string()],
                    vec![
                        "new this week".into(),
                        r.new_7d.to_string(),
                        "(first seen in the last 7 days)".into(),
                    ],
                    vec![
                        "active, 7 days".into(),
                        r.active_7d.to_string(),
                        "(seen in the last 7 days)".into(),
                    ],
                    vec![
                        "active, 30 days".into(),
                        r.active_30d.to_string(),
                        "(seen in the last 30 days)".into(),
                    ],
                ],
                &[Left, Right, Left],
            );
        }
        Part::Languages => {
            section(out, "Languages");
            let rows: Vec<Vec<String>> = stats
                .languages
                .iter()
                .map(|l| {
                    vec![
                        l.lang.clone().unwrap_or_else(|| "(not chosen)".into()),
                        l.residents.to_string(),
                    ]
                })
                .collect();
            table(out, Some(&["language", "residents"]), &rows, &[Left, Right]);
        }
        Part::Lessons => {
            section(out, "Lesson funnels");
            let rows: Vec<Vec<String>> = stats
                .lessons
                .iter()
                .map(|l| {
                    vec![
                        l.lesson.clone(),
                        l.started.to_string(),
                        l.completed.to_string(),
                        percent(l.completion_pct),
                        percent(l.avg_score_pct),
                    ]
                })
                .collect();
            table(
                out,
                Some(&["lesson", "started", "completed", "completion", "avg score"]),
                &rows,
                &[Left, Right, Right, Right, Right],
            );
        }
        Part::Funnel => {
            steps(out, stats);
        }
        Part::Quizzes => {
            section(out, "Quiz accuracy");
            let rows: Vec<Vec<String>> = stats
                .quizzes
                .iter()
                .map(|q| {
                    vec![
                        q.dialogue.clone(),
                        q.answers.to_string(),
                        q.first_try.to_string(),
                        q.first_try_correct.to_string(),
                        percent(q.first_try_correct_pct),
                    ]
                })
                .collect();
            table(
                out,
                Some(&[
                    "dialogue",
                    "answers",
                    "first tries",
                    "right first time",
                    "accuracy",
                ]),
                &rows,
                &[Left, Right, Right, Right, Right],
            );
        }
        Part::Confusing => {
            section(
                out,
                &format!(
                "Most confusing quiz questions (wrong first answers, all time; top {TOP_CONFUSING})"
            ),
            );
            let rows: Vec<Vec<String>> = stats
                .confusing
                .iter()
                .take(TOP_CONFUSING)
                .map(|c| {
                    vec![
                        c.dialogue.clone(),
                        c.step.clone(),
                        c.first_answers.to_string(),
                        c.wrong.to_string(),
                        percent(c.wrong_pct),
                    ]
                })
                .collect();
            table(
                out,
                Some(&[
                    "dialogue",
                    "question",
                    "first answers",
                    "wrong",
                    "wrong share",
                ]),
                &rows,
                &[Left, Left, Right, Right, Right],
            );
        }
        Part::Questions => {
            section(out, &format!("Questions to the FAQ ({period})"));
            let q = &stats.questions;
            table(
                out,
                None,
                &[
                    vec!["asked".into(), q.asked.to_string()],
                    vec!["answered at once".into(), q.answered.to_string()],
                    vec!["offered choices".into(), q.choices.to_string()],
                    vec!["nothing found".into(), q.nothing.to_string()],
                    vec!["helpful votes".into(), q.helpful.to_string()],
                    vec!["unhelpful votes".into(), q.unhelpful.to_string()],
                ],
                &[Left, Right],
            );
        }
        Part::Faq => {
            section(
                out,
                &format!("FAQ answers given (at once or chosen; top {TOP_FAQ}, {period})"),
            );
            let rows: Vec<Vec<String>> = stats
                .faq
                .iter()
                .take(TOP_FAQ)
                .map(|f| {
                    vec![
                        f.entry.clone(),
                        f.answered.to_string(),
                        f.helpful.to_string(),
                        f.unhelpful.to_string(),
                    ]
                })
                .collect();
            table(
                out,
                Some(&["entry", "answered", "👍", "👎"]),
                &rows,
                &[Left, Right, Right, Right],
            );
        }
        Part::Unanswered => {
            section(
            out,
            &format!(
                "Unanswered questions (nothing found or voted unhelpful; top {TOP_UNANSWERED}, {period})"
            ),
        );
            let rows: Vec<Vec<String>> = stats
                .unanswered
                .iter()
                .map(|u| {
                    vec![
                        u.count.to_string(),
                        date(u.last_asked_at),
                        one_line(&u.text, 80),
                    ]
                })
                .collect();
            table(
                out,
                Some(&["count", "last asked", "question"]),
                &rows,
                &[Right, Left, Left],
            );
        }
        Part::Hubs => {
            section(out, "Residents per hub (the poster that brought them)");
            let rows: Vec<Vec<String>> = stats
                .hubs
                .iter()
                .map(|h| vec![h.hub.clone(), h.residents.to_string()])
                .collect();
            table(out, Some(&["hub", "residents"]), &rows, &[Left, Right]);
        }
        Part::Certificates => {
            section(out, "Courses: final tests and certificates (all time)");
            let c = &stats.certificates;
            let rows: Vec<Vec<String>> = c
                .courses
                .iter()
                .map(|k| {
                    vec![
                        k.course.clone(),
                        k.tests.to_string(),
                        k.passed.to_string(),
                        k.certificates.to_string(),
                    ]
                })
                .collect();
            table(
                out,
                Some(&["course", "tests", "passed", "certificates"]),
                &rows,
                &[Left, Right, Right, Right],
            );
            let rows: Vec<Vec<String>> = c
                .hubs
                .iter()
                .map(|h| {
                    let hub = if h.hub.is_empty() { "(none)" } else { &h.hub };
                    vec![hub.to_string(), h.certificates.to_string()]
                })
                .collect();
            table(out, Some(&["hub", "certificates"]), &rows, &[Left, Right]);
            table(
                out,
                None,
                &[vec!["revoked".into(), c.revoked.to_string()]],
                &[Left, Right],
            );
        }
        Part::Tickets => {
            section(out, &format!("Tickets to librarians ({period})"));
            let t = &stats.tickets;
            table(
                out,
                None,
                &[
                    vec!["opened".into(), t.opened.to_string()],
                    vec!["closed".into(), t.closed.to_string()],
                    vec![
                        "open now".into(),
                        t.open_now.to_string(),
                        "(however old)".into(),
                    ],
                ],
                &[Left, Right, Left],
            );
        }
        Part::Announcements => {
            announcements(out, stats, period);
        }
        Part::Webinars => {
            webinars(out, stats, zone);
        }
        Part::Weekly => {
            weekly(out, stats, zone);
        }
    }
}

/// Each lesson's steps in order, how many reached each, and where most leave.
fn steps(out: &mut String, stats: &Stats) {
    section(
        out,
        "Step funnels (all time; distinct residents who ever reached each step)",
    );
    if stats.lessons.is_empty() {
        out.push_str("  (none)\n");
        return;
    }
    if stats
        .lessons
        .iter()
        .any(|l| l.step_order == StepOrder::ReachedNoContent)
    {
        out.push_str(
            "  The content could not be loaded, so steps are ordered by residents reached, most first.\n",
        );
    }
    for (i, l) in stats.lessons.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let how = match l.step_order {
            StepOrder::File => "steps in file order",
            StepOrder::ReachedNoContent => {
                "steps by residents reached: the content could not be loaded"
            }
            StepOrder::ReachedNotInContent => {
                "steps by residents reached: the lesson is not in the content"
            }
        };
        let _ = writeln!(out, "  {} ({how}; started {})", l.lesson, l.started);
        let mut rows: Vec<Vec<String>> = l
            .steps
            .iter()
            .map(|s| vec![s.step.clone(), s.reached.to_string(), s.left.to_string()])
            .collect();
        rows.push(vec!["(completed)".into(), l.completed.to_string()]);
        table(
            out,
            Some(&["step", "reached", "left"]),
            &rows,
            &[Left, Right, Right],
        );
        match &l.most_left {
            Some(m) => {
                let _ = writeln!(out, "  most leave at: {} ({} left)", m.step, m.left);
            }
            None => out.push_str("  most leave at: (no step loses anyone)\n"),
        }
    }
}

fn announcements(out: &mut String, stats: &Stats, period: &str) {
    section(out, &format!("Announcements ({period})"));
    let a = &stats.announcements;
    let d = &a.deliveries;
    table(
        out,
        None,
        &[
            vec!["broadcasts".into(), a.broadcasts.to_string()],
            vec!["sent".into(), d.sent.to_string()],
            vec![
                "blocked".into(),
                d.blocked.to_string(),
                "(the resident had blocked the bot)".into(),
            ],
            vec![
                "skipped".into(),
                d.skipped.to_string(),
                "(chat gone or refused)".into(),
            ],
            vec![
                "failed".into(),
                d.failed.to_string(),
                "(gave up after retries)".into(),
            ],
            vec!["pending".into(), d.pending.to_string()],
        ],
        &[Left, Right, Left],
    );
    if a.list.is_empty() {
        return;
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = a
        .list
        .iter()
        .map(|b| {
            let d = &b.deliveries;
            vec![
                b.id.to_string(),
                b.topic.clone(),
                date(b.created_at),
                d.sent.to_string(),
                d.blocked.to_string(),
                d.skipped.to_string(),
                d.failed.to_string(),
                d.pending.to_string(),
            ]
        })
        .collect();
    table(
        out,
        Some(&[
            "id", "topic", "created", "sent", "blocked", "skipped", "failed", "pending",
        ]),
        &rows,
        &[Left, Left, Left, Right, Right, Right, Right, Right],
    );
}

fn webinars(out: &mut String, stats: &Stats, zone: &str) {
    let w = &stats.window;
    let from = match w.since_date {
        Some(d) => d.to_string(),
        None => format!("{} UTC", datetime(w.since)),
    };
    section(
        out,
        &format!("Webinars (starting since {from} or later; times in {zone})"),
    );
    let rows: Vec<Vec<String>> = stats
        .webinars
        .iter()
        .map(|wb| {
            vec![
                wb.id.to_string(),
                local_datetime(wb.starts_at, &w.time_zone),
                wb.capacity
                    .map_or_else(|| "no limit".into(), |c| c.to_string()),
                wb.signups.to_string(),
                if wb.cancelled { "cancelled" } else { "" }.into(),
                one_line(&wb.title, 60),
            ]
        })
        .collect();
    table(
        out,
        Some(&["id", "starts", "capacity", "sign-ups", "status", "title"]),
        &rows,
        &[Left, Left, Right, Right, Left, Left],
    );
}

fn weekly(out: &mut String, stats: &Stats, zone: &str) {
    section(
        out,
        &format!("Weekly activity (the last {WEEKS} weeks, the current one last; weeks start Monday 00:00 {zone})"),
    );
    let rows: Vec<Vec<String>> = stats
        .weekly
        .iter()
        .map(|week| {
            vec![
                local_date(week.start, &stats.window.time_zone),
                week.active.to_string(),
                week.completions.to_string(),
            ]
        })
        .collect();
    table(
        out,
        Some(&["week of", "active residents", "lessons completed"]),
        &rows,
        &[Left, Right, Right],
    );
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}
use Align::{Left, Right};

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

/// Writes rows indented and separated by two spaces, columns padded to their widest cell
/// (counted in characters); "(none)" for no rows.
fn table(out: &mut String, header: Option<&[&str]>, rows: &[Vec<String>], align: &[Align]) {
    if rows.is_empty() {
        out.push_str("  (none)\n");
        return;
    }
    let mut all: Vec<Vec<String>> = Vec::new();
    if let Some(h) = header {
        all.push(h.iter().map(|c| c.to_string()).collect());
    }
    all.extend(rows.iter().cloned());
    let columns = all.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            all.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &all {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            line.push_str("  ");
            match align.get(i).copied().unwrap_or(Left) {
                Left => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
                Right => {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))
}

fn opt(p: Option<f64>) -> String {
    p.map_or_else(String::new, |p| format!("{p:.1}"))
}

/// A resident's text on one line (line breaks and tabs as spaces), at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max - 1).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

fn datetime(unix: i64) -> String {
    local(unix, &TimeZone::UTC, "%Y-%m-%d %H:%M")
}

fn date(unix: i64) -> String {
    local(unix, &TimeZone::UTC, "%Y-%m-%d")
}

/// The local date of a time in `tz`.
fn local_date(unix: i64, tz: &TimeZone) -> String {
    local(unix, tz, "%Y-%m-%d")
}

fn local_datetime(unix: i64, tz: &TimeZone) -> String {
    local(unix, tz, "%Y-%m-%d %H:%M")
}

/// A Unix time as local time in `tz`, written with a `strftime` pattern; the
/// number itself if it is out of range.
pub fn local(unix: i64, tz: &TimeZone, pattern: &str) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.to_zoned(tz.clone()).strftime(pattern).to_string(),
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(""), "");
    }

    #[test]
    fn formulas_in_residents_text_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1+2"), "'-1+2");
        assert_eq!(defuse("як справи?"), "як справи?");
    }

    #[test]
    fn since_dates_are_written_year_month_day() {
        assert_eq!(
            parse_date("2026-11-20"),
            Ok(jiff::civil::date(2026, 11, 20))
        );
        for bad in [
            "20.11.2026",
            "2026-1-20",
            "2026-11-20T10:00",
            "20261120",
            "",
            "yesterday",
        ] {
            let e = parse_date(bad).expect_err(bad);
            assert!(e.contains("YYYY-MM-DD"), "{e}");
        }
        let e = parse_date("2026-02-30").expect_err("no such day");
        assert!(e.contains("not a date"), "{e}");
    }

    #[test]
    fn long_texts_are_cut_to_one_line() {
        assert_eq!(one_line("a\nb\tc", 80), "a b c");
        assert_eq!(one_line("абвгд", 3), "аб…");
    }
}
