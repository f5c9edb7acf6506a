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
//!
//! [`load_dir`] is the one place that reads the content folder: only regular
//! `.toml` files, each at most [`MAX_FILE_BYTES`], and pictures (`.png`,
//! `.jpg`, `.jpeg`, each at most 10 MB, Telegram's limit), so a FIFO, a device or a
//! runaway file cannot hang or exhaust the bot; the checks themselves
//! ([`script::load_sources`]) do no I/O.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::script::learned::Phrasing;
use crate::script::limits::SKIPPED_DIRS;
use crate::script::pictures::MAX_PICTURE_BYTES;
use crate::script::{self, Diagnostic, LoadReport, Script, Severity};
pub use crate::store::Place;

/// The largest content file read; a bigger one is an error, not read whole.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Content with errors: every problem, for the admin.
#[derive(Debug, thiserror::Error)]
#[error("the dialogues in {} have errors; fix them (see `pomichnyk check`) and try again", .dir.display())]
pub struct LoadFailed {
    pub dir: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

/// The content of `dir` and its warnings, or every problem if it has errors.
pub fn load(dir: &Path, languages: &[String]) -> Result<(Script, Vec<Diagnostic>), LoadFailed> {
    let report = load_dir(dir, languages);
    match report.script {
        Some(script) => Ok((script, report.diagnostics)),
        None => Err(LoadFailed {
            dir: dir.to_path_buf(),
            diagnostics: report.diagnostics,
        }),
    }
}

/// Reads every `.toml` file below `dir` and checks them together.
pub fn load_dir(dir: &Path, languages: &[String]) -> LoadReport {
    let mut sources = Vec::new();
    let mut pictures = HashMap::new();
    let mut unreadable = Vec::new();
    if let Err(e) = collect(dir, &mut sources, &mut pictures, &mut unreadable) {
        return LoadReport {
            script: None,
            diagnostics: vec![problem(
                dir,
                1,
                1,
                format!("cannot read the content folder: {e}"),
            )],
            files: 0,
            pictures: 0,
        };
    }
    let mut report = script::load_sources_with_pictures(dir, sources, &pictures, languages);
    report.files += unreadable.len();
    if !unreadable.is_empty() {
        report.script = None;
    }
    report.diagnostics.extend(unreadable);
    report
}

fn problem(path: &Path, line: usize, col: usize, message: String) -> Diagnostic {
    Diagnostic {
        path: path.to_path_buf(),
        line,
        col,
        severity: Severity::Error,
        message,
    }
}

fn collect(
    dir: &Path,
    out: &mut Vec<(PathBuf, String)>,
    pictures: &mut HashMap<PathBuf, Vec<u8>>,
    unreadable: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !(SKIPPED_DIRS.contains(&name) || name.starts_with('.')) {
                collect(&path, out, pictures, unreadable)?;
            }
            continue;
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ["png", "jpg", "jpeg"].contains(&extension.to_ascii_lowercase().as_str()) {
            match read_bytes(
                &path,
                MAX_PICTURE_BYTES,
                "Telegram takes photos of at most 10 MB",
            ) {
                Ok(bytes) => {
                    pictures.insert(path, bytes);
                }
                Err(e) => unreadable.push(e),
            }
            continue;
        }
        if extension != "toml" {
            continue;
        }
        match read(&path) {
            Ok(text) => out.push((path, text)),
            Err(e) => unreadable.push(e),
        }
    }
    Ok(())
}

/// One content file: regular, not too big, UTF-8 (else where it is not).
fn read(path: &Path) -> Result<String, Diagnostic> {
    let bytes = read_bytes(path, MAX_FILE_BYTES, "split it into smaller files")?;
    decode(path, bytes)
}

/// A content file's bytes as text, or where they stop being UTF-8.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid part is UTF-8, so lines and columns count characters.
        let before = std::str::from_utf8(good).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        problem(
            path,
            line,
            col,
            "not valid UTF-8 here; save the file as UTF-8".into(),
        )
    })
}

/// One content file's bytes: a regular file of at most `max` bytes.
fn read_bytes(path: &Path, max: u64, remedy: &str) -> Result<Vec<u8>, Diagnostic> {
    // A symbolic link is followed: what it points to must be a regular file.
    let meta = std::fs::metadata(path)
        .map_err(|e| problem(path, 1, 1, format!("cannot read this file: {e}")))?;
    if !meta.is_file() {
        return Err(problem(
            path,
            1,
            1,
            "not a regular file (a pipe, a device or a socket); only ordinary files are read"
                .into(),
        ));
    }
    let too_big = || {
        problem(
            path,
            1,
            1,
            format!("the file is over {} KiB; {remedy}", max / 1024),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let file = std::fs::File::open(path)
        .map_err(|e| problem(path, 1, 1, format!("cannot read this file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| problem(path, 1, 1, format!("cannot read this file: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The live content and where it comes from.
pub struct Content {
    current: ArcSwap<Script>,
    /// The content as the files have it (`current` adds the accepted phrasings).
    files: ArcSwap<Script>,
    dir: PathBuf,
    languages: Vec<String>,
    /// One reload at a time: a `/reload` and the file watcher may meet.
    reloading: tokio::sync::Mutex<()>,
    /// Ways to ask FAQ entries that librarians accepted (kept in the
    /// database), added to the files' content at every load.
    phrasings: std::sync::Mutex<Arc<Vec<Phrasing>>>,
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
            current: ArcSwap::new(script.clone()),
            files: ArcSwap::new(script),
            dir: dir.to_path_buf(),
            languages,
            reloading: tokio::sync::Mutex::new(()),
            phrasings: std::sync::Mutex::new(Arc::new(Vec::new())),
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

    /// The old content stays: the loading itself failed (a task that died).
    fn not_loaded(&self, e: impl std::fmt::Display) -> Reload {
        Reload::Kept {
            errors: vec![Diagnostic {
                path: self.dir.clone(),
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: format!("the content could not be loaded: {e}"),
            }],
        }
    }

    /// Reads and checks the content folder again; swaps the new content in
    /// only if it has no errors.
    pub async fn reload(&self) -> Reload {
        let _one_at_a_time = self.reloading.lock().await;
        let dir = self.dir.clone();
        let languages = self.languages.clone();
        // Reading the files and building the FAQ index takes milliseconds of
        // blocking work: keep it off the threads that answer residents.
        let report = tokio::task::spawn_blocking(move || load_dir(&dir, &languages)).await;
        let report = match report {
            Ok(report) => report,
            Err(e) => return self.not_loaded(e),
        };
        match report.script {
            Some(script) => {
                let phrasings = self.phrasings();
                let script = Arc::new(script);
                self.files.store(script.clone());
                let script = if phrasings.is_empty() {
                    script
                } else {
                    let learned = tokio::task::spawn_blocking(move || {
                        Arc::new(with_phrasings(&script, &phrasings))
                    })
                    .await;
                    match learned {
                        Ok(script) => script,
                        Err(e) => return self.not_loaded(e),
                    }
                };
                let dialogues = script.dialogues.len();
                let faq = script.faq.len();
                self.current.store(script);
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

impl Content {
    /// The content as the files have it, without the accepted phrasings.
    pub fn files(&self) -> Arc<Script> {
        self.files.load_full()
    }

    /// The phrasings librarians accepted, as last set.
    fn phrasings(&self) -> Arc<Vec<Phrasing>> {
        self.phrasings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Serves the content with these phrasings (all that librarians accepted)
    /// added to their entries, the FAQ index built again; every later reload
    /// adds them too. Answers how many could not be added (logged).
    pub async fn set_phrasings(&self, phrasings: Vec<Phrasing>) -> usize {
        let _one_at_a_time = self.reloading.lock().await;
        let phrasings = Arc::new(phrasings);
        *self.phrasings.lock().unwrap_or_else(|p| p.into_inner()) = phrasings.clone();
        let current = self.files.load_full();
        let all = phrasings.len();
        let built = tokio::task::spawn_blocking(move || {
            let script = with_phrasings(&current, &phrasings);
            let refused = phrasings
                .iter()
                .filter(|p| !script.asks(&p.entry, &p.text))
                .count();
            (script, refused)
        })
        .await;
        match built {
            Ok((script, refused)) => {
                self.current.store(Arc::new(script));
                refused
            }
            Err(e) => {
                tracing::error!(error = %e, "the FAQ index could not be built again");
                all
            }
        }
    }
}

/// `script` with `phrasings` added; those it cannot take are logged.
fn with_phrasings(script: &Script, phrasings: &[Phrasing]) -> Script {
    let (script, refused) = script.with_phrasings(phrasings);
    for (p, why) in refused {
        tracing::warn!(entry = %p.entry, lang = %p.lang, reason = %why, "an accepted FAQ phrasing is not used");
    }
    script
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
