//! The content the bot serves right now, and its live reload.
//!
//! The bot holds one [`Script`] behind an atomic pointer. A reload reads and
//! checks the whole content folder again, exactly as `pomichnyk check` does;
//! only a set without errors replaces the old one, in one atomic swap. A
//! conversation that already took its [`Script`] finishes its step with it; the
//! next update sees the new one. So residents never meet half-loaded content,
//! and broken files never reach them.
//!
//! Residents whose step the new files removed are handled by the engine when
//! they next write (a short note, then the lesson's start or the menu);
//! [`stranded`] counts them so an admin can be told beforehand.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::script::{self, Diagnostic, Script, Severity};

/// The live content and where it comes from.
pub struct Content {
    current: ArcSwap<Script>,
    dir: PathBuf,
    languages: Vec<String>,
    /// One reload at a time: a `/reload` and the file watcher may meet.
    reloading: tokio::sync::Mutex<()>,
}

/// What a reload did.
#[derive(Debug)]
pub enum Reload {
    /// The new content is being served.
    Swapped {
        dialogues: usize,
        faq: usize,
        /// Problems that do not stop the content from working.
        warnings: Vec<Diagnostic>,
    },
    /// The files have errors; the old content is still being served.
    Kept {
        /// Every error, in `path:line:col: error: message` form when displayed.
        errors: Vec<Diagnostic>,
    },
}

impl Content {
    /// Serves `script`, which was loaded from `dir` for `languages`.
    pub fn new(script: Arc<Script>, dir: &Path, languages: Vec<String>) -> Content {
        Content {
            current: ArcSwap::new(script),
            dir: dir.to_path_buf(),
            languages,
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The content being served. Take it once per update and use that one
    /// throughout, so one step never mixes old and new files.
    pub fn get(&self) -> Arc<Script> {
        self.current.load_full()
    }

    /// The content folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads and checks the content folder again; swaps the new content in
    /// only if it has no errors.
    pub async fn reload(&self) -> Reload {
        let _one_at_a_time = self.reloading.lock().await;
        let dir = self.dir.clone();
        let languages = self.languages.clone();
        // Reading the files and building the FAQ index takes milliseconds of
        // blocking work: keep it off the threads that answer residents.
        let report = tokio::task::spawn_blocking(move || script::load_dir(&dir, &languages)).await;
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                return Reload::Kept {
                    errors: vec![Diagnostic {
                        path: self.dir.clone(),
                        line: 1,
                        col: 1,
                        severity: Severity::Error,
                        message: format!("the content could not be loaded: {e}"),
                    }],
                }
            }
        };
        match report.script {
            Some(script) => {
                let dialogues = script.dialogues.len();
                let faq = script.faq.len();
                self.current.store(Arc::new(script));
                Reload::Swapped {
                    dialogues,
                    faq,
                    warnings: report
                        .diagnostics
                        .into_iter()
                        .filter(|d| d.severity == Severity::Warning)
                        .collect(),
                }
            }
            None => Reload::Kept {
                errors: report
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect(),
            },
        }
    }
}

/// Residents at one step, as the store counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub dialogue: String,
    pub step: String,
    pub residents: i64,
}

/// The places of `places` that `script` no longer has, and how many residents
/// are at them in all.
pub fn stranded<'a>(script: &Script, places: &'a [Place]) -> (i64, Vec<&'a Place>) {
    let gone: Vec<&Place> = places
        .iter()
        .filter(|p| {
            script
                .dialogue(&p.dialogue)
                .and_then(|d| d.step(&p.step))
                .is_none()
        })
        .collect();
    (gone.iter().map(|p| p.residents).sum(), gone)
}
