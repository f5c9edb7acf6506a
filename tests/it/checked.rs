//! `checked = "2026-12"` on lessons and FAQ answers: `pomichnyk check` warns
//! of a lesson without it, of facts checked over a year before today (which
//! the edge passes in), and refuses a date that is not a month.

use crate::support::{content_copy, languages};

/// `pomichnyk check`'s lines about files other than `hubs.toml`, after `edit`
/// on a copy of the shipped content, on `today`.
fn check_on(today: jiff::civil::Date, edit: impl FnOnce(&std::path::Path)) -> Vec<String> {
    let dir = content_copy();
    edit(dir.path());
    let mut out = Vec::new();
    pomichnyk::check::check(dir.path(), &languages(), None, today, &mut out).expect("check");
    let prefix = format!("{}/", dir.path().display());
    String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| l.replace(&prefix, ""))
        .filter(|l| !l.starts_with("hubs.toml"))
        .collect()
}

fn rewrite(dir: &std::path::Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn every_shipped_lesson_was_checked_in_december_2026_and_is_not_due_for_a_year() {
    let script = crate::support::shipped_script();
    for lesson in script.lessons() {
        let checked = lesson.checked.as_ref().expect("a checked date");
        assert_eq!((checked.year, checked.month), (2026, 12), "{}", lesson.id);
    }
    let today = jiff::civil::date(2027, 12, 31);
    let lines = check_on(today, |_| {});
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].ends_with("errors: 0, warnings: 32"), "{lines:#?}");
}

#[test]
fn facts_checked_over_a_year_ago_are_due_and_a_lesson_without_a_date_is_told_so() {
    let today = jiff::civil::date(2026, 12, 1);
    let lines = check_on(today, |dir| {
        rewrite(
            dir,
            "lessons/phishing.toml",
            "checked = \"2026-12\"",
            "checked = \"2025-11\"",
        );
        rewrite(dir, "lessons/cnap.toml", "checked = \"2026-12\"\n", "");
        rewrite(
            dir,
            "lessons/fakes.toml",
            "checked = \"2026-12\"",
            "checked = \"2027-03\"",
        );
        rewrite(
            dir,
            "faq/safety.toml",
            "[[entries]]\n",
            "[[entries]]\nchecked = \"2024-06\"\n",
        );
    });
    let expect = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no {needle:?} in {lines:#?}"
        );
    };
    expect("lessons/phishing.toml:");
    expect("warning: lesson \"phishing\": its facts were checked in 2025-11, 13 months ago");
    expect("lessons/cnap.toml:");
    expect("warning: a lesson needs `checked = \"YYYY-MM\"`");
    expect("warning: lesson \"fakes\": checked = \"2027-03\" is after this month");
    expect("faq/safety.toml:");
    expect("months ago; check them against its sources again");
    // Exactly a year is not yet due.
    let lines = check_on(jiff::civil::date(2026, 11, 30), |dir| {
        rewrite(
            dir,
            "lessons/phishing.toml",
            "checked = \"2026-12\"",
            "checked = \"2025-11\"",
        );
    });
    assert!(lines.iter().all(|l| !l.contains("phishing")), "{lines:#?}");
}

#[test]
fn a_checked_date_that_is_not_a_month_is_an_error() {
    let lines = check_on(jiff::civil::date(2026, 12, 1), |dir| {
        rewrite(
            dir,
            "lessons/phishing.toml",
            "checked = \"2026-12\"",
            "checked = \"12.2026\"",
        );
    });
    assert!(
        lines.iter().any(|l| l.starts_with("lessons/phishing.toml:")
            && l.contains("error: dialogue: checked = \"12.2026\" is not a year and a month")),
        "{lines:#?}"
    );
}
