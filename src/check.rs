//! `pomichnyk check [DIR]`: validates the content folder and prints every problem.

use std::io::Write;
use std::path::Path;

use crate::content::{self, Place};
use crate::script::{Diagnostic, LoadReport, Severity};

/// Loads `dir` exactly as `run` and `chat` do and writes one line per problem
/// (`path:line:col: error|warning: message`), then a summary. Returns the report;
/// the caller exits with 1 when it has errors.
///
/// `places`: where residents stand now, from the database, when there is one;
/// a step these files remove while residents stand on it is a warning.
///
/// `today`: the community's date, to warn of facts checked over a year ago.
pub fn check(
    dir: &Path,
    languages: &[String],
    places: Option<&[Place]>,
    today: jiff::civil::Date,
    out: &mut impl Write,
) -> std::io::Result<LoadReport> {
    let mut report = crate::content::load_dir(dir, languages);
    if let Some(script) = &report.script {
        report
            .diagnostics
            .extend(crate::script::checked::overdue(script, today));
    }
    if let (Some(script), Some(places)) = (&report.script, places) {
        let (count, gone) = content::stranded(script, places);
        if count > 0 {
            let steps: Vec<String> = gone
                .iter()
                .map(|p| format!("{}/{} ({})", p.dialogue, p.step, p.residents))
                .collect();
            report.diagnostics.push(Diagnostic {
                path: dir.to_path_buf(),
                line: 1,
                col: 1,
                severity: Severity::Warning,
                message: format!(
                    "{count} resident(s) in the database stand on steps these files remove: {}; \
                     when they next write, the bot takes them to the lesson's start or the menu",
                    steps.join(", ")
                ),
            });
        }
    }
    for d in &report.diagnostics {
        writeln!(out, "{d}")?;
    }
    let dialogues = report.script.as_ref().map_or(0, |s| s.dialogues.len());
    writeln!(
        out,
        "{}: {} files, {} pictures, {} dialogues; errors: {}, warnings: {}",
        dir.display(),
        report.files,
        report.pictures,
        dialogues,
        report.errors(),
        report.warnings()
    )?;
    Ok(report)
}

/// The hubs' review for admins, after `check` and `stats`: each hub's
/// missing facts and when each known one was last confirmed (see
/// [`crate::hubs::layer::review`]); `facts` are the librarians' (none
/// without a database).
pub fn hubs_review(
    script: &crate::script::Script,
    facts: &[crate::hubs::layer::Fact],
    now: i64,
    tz: &jiff::tz::TimeZone,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let date_of = |at: i64| crate::clock::local(at, tz).date().to_string();
    writeln!(
        out,
        "hubs: what is missing, and when each fact was last confirmed in /myhub"
    )?;
    for line in crate::hubs::layer::review(&script.hubs, facts, now, &date_of) {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}
