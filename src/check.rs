//! `pomichnyk check [DIR]`: validates the content folder and prints every problem.

use std::io::Write;
use std::path::Path;

use crate::script::{self, LoadReport};

/// Loads `dir` exactly as `run` and `chat` do and writes one line per problem
/// (`path:line:col: error|warning: message`), then a summary. Returns the report;
/// the caller exits with 1 when it has errors.
pub fn check(
    dir: &Path,
    languages: &[String],
    out: &mut impl Write,
) -> std::io::Result<LoadReport> {
    let report = script::load_dir(dir, languages);
    for d in &report.diagnostics {
        writeln!(out, "{d}")?;
    }
    let dialogues = report.script.as_ref().map_or(0, |s| s.dialogues.len());
    writeln!(
        out,
        "{}: {} files, {} dialogues; errors: {}, warnings: {}",
        dir.display(),
        report.files,
        dialogues,
        report.errors(),
        report.warnings()
    )?;
    Ok(report)
}
