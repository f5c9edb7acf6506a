//! `pomichnyk hubs export`: the hubs file with the librarians' facts written
//! into it, for admins to review and commit.
//!
//! Pure text work on the file as it is: only the lines of a fact that
//! changed are replaced, so comments, order and everything else stay as
//! they were. Today's status is not a fact of the file (it ends at
//! midnight) and is never exported, nor is a "confirmed" mark.

use super::layer::{clock, Fact, Value};
use super::season::Season;
use crate::script::limits::WEEKDAYS as WEEKDAYS_KEYS;

/// One `[[hubs]]` block: its lines, from the header to before the next header
/// of another table (its own `[hubs.hours]`, `[hubs.winter]`... belong to it).
struct Block {
    start: usize,
    end: usize,
}

/// Whether a line opens a table that is not part of the hub above it.
fn opens_other_table(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('[') && !t.starts_with("[hubs.") || t.starts_with("[[")
}

fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "[[hubs]]" {
            let start = i;
            i += 1;
            while i < lines.len() && !opens_other_table(lines[i]) {
                i += 1;
            }
            out.push(Block { start, end: i });
        } else {
            i += 1;
        }
    }
    out
}

/// The key a line sets (`phone = ...` → `phone`), if it sets one.
fn key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('[') {
        return None;
    }
    let (k, _) = t.split_once('=')?;
    Some(k.trim())
}

fn id_of(lines: &[&str]) -> Option<String> {
    lines.iter().find_map(|l| {
        (key(l)? == "id").then(|| {
            let v = l.split_once('=').map_or("", |(_, v)| v).trim();
            v.trim_matches('"').to_string()
        })
    })
}

/// The day's intervals as a TOML array.
fn day(spans: &[(jiff::civil::Time, jiff::civil::Time)]) -> String {
    let items: Vec<String> = spans
        .iter()
        .map(|(a, b)| format!("\"{}-{}\"", clock(*a), clock(*b)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The date of a Unix second in the community's calendar, for the comments.
pub type DateOf<'a> = &'a dyn Fn(i64) -> String;

/// `text` (the shipped `hubs.toml`) with `facts` written into it.
pub fn export(text: &str, facts: &[Fact], date_of: DateOf<'_>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut copied = 0;
    for block in blocks(&lines) {
        out.extend(lines[copied..block.start].iter().map(|l| l.to_string()));
        copied = block.end;
        let body = &lines[block.start..block.end];
        let Some(id) = id_of(body) else {
            out.extend(body.iter().map(|l| l.to_string()));
            continue;
        };
        let mine: Vec<&Fact> = facts
            .iter()
            .filter(|f| f.hub == id && !matches!(f.value, Value::Today(_) | Value::Confirmed))
            .collect();
        if mine.is_empty() {
            out.extend(body.iter().map(|l| l.to_string()));
            continue;
        }
        out.extend(rewrite(body, &mine, date_of));
    }
    out.extend(lines[copied..].iter().map(|l| l.to_string()));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The lines of a week's table under `header` ("[hubs.hours]").
fn week_table(header: String, week: &super::layer::Week) -> Vec<String> {
    let mut table = vec![header];
    for (d, spans) in week.iter().enumerate() {
        table.push(format!("{} = {}", WEEKDAYS_KEYS[d], day(spans)));
    }
    table
}

/// One hub's block with its changed facts replaced.
fn rewrite(body: &[&str], facts: &[&Fact], date_of: DateOf<'_>) -> Vec<String> {
    let has = |kind: &str| facts.iter().any(|f| f.value.kind() == kind);
    let drop_key = |k: &str| match k {
        "latitude" | "longitude" | "approximate" => has("location"),
        "phone" => has("phone"),
        "services" => has("services"),
        _ => false,
    };
    // The tables a schedule replaces: the hours, the seasons and their hours.
    let replaced = |header: &str| {
        has("hours")
            && matches!(
                header,
                "[hubs.hours]"
                    | "[hubs.summer]"
                    | "[hubs.summer.hours]"
                    | "[hubs.winter]"
                    | "[hubs.winter.hours]"
            )
    };
    // Blank lines and comments at the end of the block (before the next one) stay at its end.
    let mut end = body.len();
    while end > 1 && {
        let t = body[end - 1].trim();
        t.is_empty() || t.starts_with('#')
    } {
        end -= 1;
    }
    let (rest, tail) = body.split_at(end);
    // The hub's own keys, then its tables ([hubs.hours], [hubs.winter], ...).
    let first_table = rest
        .iter()
        .position(|l| l.trim_start().starts_with("[hubs."))
        .unwrap_or(rest.len());
    let mut main: Vec<String> = rest[..first_table]
        .iter()
        .filter(|l| !key(l).is_some_and(drop_key))
        .map(|l| l.to_string())
        .collect();
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for line in &rest[first_table..] {
        if line.trim_start().starts_with("[hubs.") {
            tables.push((line.trim().to_string(), Vec::new()));
        }
        if let Some((_, lines)) = tables.last_mut() {
            lines.push(line.to_string());
        }
    }
    let mut new: Vec<String> = Vec::new();
    let mut when: Vec<String> = Vec::new();
    let mut new_tables: Vec<Vec<String>> = Vec::new();
    for fact in facts {
        when.push(format!("{} {}", fact.value.kind(), date_of(fact.at)));
        match &fact.value {
            Value::Location(la, lo) => {
                new.push(format!("latitude = {la:?}"));
                new.push(format!("longitude = {lo:?}"));
            }
            Value::Phone(p) => new.push(format!("phone = \"{p}\"")),
            Value::Services(s) => {
                let names: Vec<String> = s.iter().map(|s| format!("\"{}\"", s.name())).collect();
                new.push(format!("services = [{}]", names.join(", ")));
            }
            Value::Hours(week) => new_tables.push(week_table("[hubs.hours]".into(), week)),
            Value::Schedule(schedule) => {
                if let Some(week) = &schedule.hours {
                    new_tables.push(week_table("[hubs.hours]".into(), week));
                }
                for season in Season::ALL {
                    let Some(s) = schedule.seasons.get(season) else {
                        continue;
                    };
                    let name = season.name();
                    new_tables.push(vec![
                        format!("[hubs.{name}]"),
                        format!("from = \"{}\"", s.from),
                    ]);
                    if let Some(week) = &s.hours {
                        new_tables.push(week_table(format!("[hubs.{name}.hours]"), week));
                    }
                }
            }
            Value::Today(_) | Value::Confirmed => {}
        }
    }
    // The new keys go before `verified` (or at the end of the keys).
    let at = main
        .iter()
        .position(|l| key(l) == Some("verified"))
        .unwrap_or(main.len());
    let note = format!(
        "# Set by the hub's librarian in /myhub: {}.",
        when.join(", ")
    );
    let mut inserted = vec![note];
    inserted.extend(new);
    main.splice(at..at, inserted);
    for (header, lines) in tables {
        if !replaced(&header) {
            main.extend(lines);
        }
    }
    for table in new_tables {
        // A blank line before each new table (a comment stays right above it).
        if main
            .last()
            .is_some_and(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        {
            main.push(String::new());
        }
        main.extend(table);
    }
    main.extend(tail.iter().map(|l| l.to_string()));
    main
}
