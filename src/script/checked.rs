//! `checked = "2026-12"`: the month a lesson's (or an FAQ answer's) facts were
//! last checked against their sources, so admins see what to check again.
//!
//! The date's form is checked with the rest of the content; how old it is
//! needs today's date, which the core does not read: the edge (`pomichnyk
//! check`) passes it to [`overdue`].

use std::path::PathBuf;

use super::diagnostic::Source;
use super::{Diagnostic, Kind, Script, Severity};

/// Facts checked longer ago than this many months are due to be checked again.
pub const MAX_AGE_MONTHS: i32 = 12;

/// A `checked` month and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub year: i32,
    pub month: i32,
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl Checked {
    fn months(&self) -> i32 {
        self.year * 12 + self.month - 1
    }
}

/// "2026-12" as (2026, 12), or `None` when it is not a year and a month.
pub fn parse(text: &str) -> Option<(i32, i32)> {
    let (year, month) = text.split_once('-')?;
    let plain = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !plain(year, 4) || !plain(month, 2) {
        return None;
    }
    let (year, month): (i32, i32) = (year.parse().ok()?, month.parse().ok()?);
    ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}

impl super::load::Checker<'_> {
    /// A `checked` field: its form, and where it is.
    pub(super) fn checked(
        &mut self,
        src: &Source,
        field: Option<&toml::Spanned<String>>,
        what: &str,
    ) -> Option<Checked> {
        let field = field?;
        match parse(field.get_ref()) {
            Some((year, month)) => {
                let (line, col) = src.line_col(field.span().start);
                Some(Checked {
                    year,
                    month,
                    path: src.path.clone(),
                    line,
                    col,
                })
            }
            None => {
                self.error(
                    src,
                    field.span(),
                    format!(
                        "{what}: checked = \"{}\" is not a year and a month; write it like \"2026-12\"",
                        field.get_ref()
                    ),
                );
                None
            }
        }
    }
}

/// A warning for every lesson and FAQ answer whose facts were checked more
/// than [`MAX_AGE_MONTHS`] before `today`, and for a date after it.
pub fn overdue(script: &Script, today: jiff::civil::Date) -> Vec<Diagnostic> {
    let now = i32::from(today.year()) * 12 + i32::from(today.month()) - 1;
    let mut dated: Vec<(String, &Checked)> = script
        .dialogues
        .values()
        .filter(|d| d.kind == Kind::Lesson)
        .filter_map(|d| Some((format!("lesson \"{}\"", d.id), d.checked.as_ref()?)))
        .chain(
            script
                .faq
                .iter()
                .filter_map(|e| Some((format!("FAQ entry \"{}\"", e.id), e.checked.as_ref()?))),
        )
        .collect();
    dated.sort_by(|a, b| (&a.1.path, a.1.line).cmp(&(&b.1.path, b.1.line)));
    dated
        .into_iter()
        .filter_map(|(what, c)| {
            let age = now - c.months();
            let message = if age > MAX_AGE_MONTHS {
                format!(
                    "{what}: its facts were checked in {}-{:02}, {age} months ago; check them \
                     against its sources again and write the new month in `checked`",
                    c.year, c.month
                )
            } else if age < 0 {
                format!(
                    "{what}: checked = \"{}-{:02}\" is after this month; write the month the facts were checked",
                    c.year, c.month
                )
            } else {
                return None;
            };
            Some(Diagnostic {
                path: c.path.clone(),
                line: c.line,
                col: c.col,
                severity: Severity::Warning,
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_month_is_a_year_and_two_digits() {
        assert_eq!(parse("2026-12"), Some((2026, 12)));
        assert_eq!(parse("2026-01"), Some((2026, 1)));
        for bad in [
            "2026-13",
            "2026-1",
            "12-2026",
            "2026/12",
            "2026-12-01",
            "",
            "1999-05",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
