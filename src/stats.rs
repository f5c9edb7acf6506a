//! `pomichnyk stats`: the usage report as text for people, CSV for spreadsheets
//! or JSON for scripts. The figures come from [`Store::stats`](crate::store::Store::stats);
//! this module only formats them. Headings are in English: this is an admin's tool.

use std::fmt::Write as _;

use crate::store::{Stats, TOP_UNANSWERED};

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

/// One table, `section,key,metric,value`, in the order of the text report.
/// `key` is `all` for figures of a whole section (empty for residents without a
/// language); an empty value is "not counted". Unanswered questions are keyed
/// by their text, [defused](defuse) for spreadsheets.
pub fn csv(stats: &Stats) -> String {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut row = |section: &str, key: &str, metric: &str, value: String| {
        rows.push([section.into(), key.into(), metric.into(), value]);
    };
    let w = &stats.window;
    row("window", "all", "now", w.now.to_string());
    row("window", "all", "days", w.days.to_string());
    row("window", "all", "since", w.since.to_string());
    let r = &stats.residents;
    row("residents", "all", "total", r.total.to_string());
    row("residents", "all", "active", r.active.to_string());
    row("residents", "all", "new", r.new.to_string());
    row("residents", "all", "blocked", r.blocked.to_string());
    for l in &stats.languages {
        row(
            "languages",
            l.lang.as_deref().unwrap_or(""),
            "residents",
            l.residents.to_string(),
        );
    }
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
    let q = &stats.questions;
    row("questions", "all", "asked", q.asked.to_string());
    row("questions", "all", "answered", q.answered.to_string());
    row("questions", "all", "choices", q.choices.to_string());
    row("questions", "all", "nothing", q.nothing.to_string());
    row("questions", "all", "helpful", q.helpful.to_string());
    row("questions", "all", "unhelpful", q.unhelpful.to_string());
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
    for h in &stats.hubs {
        row("per_hub", &h.hub, "residents", h.residents.to_string());
    }
    let t = &stats.tickets;
    row("tickets", "all", "opened", t.opened.to_string());
    row("tickets", "all", "closed", t.closed.to_string());
    row("tickets", "all", "open_now", t.open_now.to_string());

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
    let days = w.days;
    let _ = writeln!(
        out,
        "Pomichnyk usage as of {} UTC; window: the last {days} days (since {} UTC)",
        datetime(w.now),
        datetime(w.since)
    );

    section(&mut out, "Residents");
    let r = &stats.residents;
    table(
        &mut out,
        None,
        &[
            vec!["total".into(), r.total.to_string()],
            vec![
                "active".into(),
                r.active.to_string(),
                format!("(seen in the last {days} days)"),
            ],
            vec![
                "new".into(),
                r.new.to_string(),
                format!("(first seen in the last {days} days)"),
            ],
            vec!["blocked".into(), r.blocked.to_string()],
        ],
        &[Left, Right, Left],
    );

    section(&mut out, "Languages");
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
    table(
        &mut out,
        Some(&["language", "residents"]),
        &rows,
        &[Left, Right],
    );

    section(&mut out, "Lesson funnels");
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
        &mut out,
        Some(&["lesson", "started", "completed", "completion", "avg score"]),
        &rows,
        &[Left, Right, Right, Right, Right],
    );

    section(&mut out, "Quiz accuracy");
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
        &mut out,
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

    section(
        &mut out,
        &format!("Questions to the FAQ (last {days} days)"),
    );
    let q = &stats.questions;
    table(
        &mut out,
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

    section(
        &mut out,
        &format!(
            "Unanswered questions (nothing found or voted unhelpful; top {TOP_UNANSWERED}, last {days} days)"
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
        &mut out,
        Some(&["count", "last asked", "question"]),
        &rows,
        &[Right, Left, Left],
    );

    section(&mut out, "Residents per hub (the poster that brought them)");
    let rows: Vec<Vec<String>> = stats
        .hubs
        .iter()
        .map(|h| vec![h.hub.clone(), h.residents.to_string()])
        .collect();
    table(&mut out, Some(&["hub", "residents"]), &rows, &[Left, Right]);

    section(
        &mut out,
        &format!("Tickets to librarians (last {days} days)"),
    );
    let t = &stats.tickets;
    table(
        &mut out,
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
    out
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
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => unix.to_string(),
    }
}

fn date(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%d").to_string(),
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
    fn long_texts_are_cut_to_one_line() {
        assert_eq!(one_line("a\nb\tc", 80), "a b c");
        assert_eq!(one_line("абвгд", 3), "аб…");
    }
}
