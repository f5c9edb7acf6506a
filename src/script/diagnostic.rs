//! What a check of the content reports: each problem with its place
//! (`path:line:col: severity: message`), and the outcome of a whole load.

use std::fmt;
use std::path::PathBuf;

use super::Script;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one place of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.col,
            severity,
            self.message
        )
    }
}

/// What a load produced: the script when valid, and every diagnostic.
#[derive(Debug)]
pub struct LoadReport {
    pub script: Option<Script>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many text files (`.toml`) were read.
    pub files: usize,
    /// How many picture files were read.
    pub pictures: usize,
}

impl LoadReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// A file's path and text, to turn byte offsets into lines and columns.
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}
