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
        let report = tokio::task::spawn_blocking(move || load_dir(&dir, &languages)).await;
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
