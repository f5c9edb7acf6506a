//! Live reload of the content: `/reload` for admins, and a watcher on the
//! content folder that reloads by itself once the files stop changing.
//!
//! Both go through [`Content::reload`](crate::content::Content::reload): the
//! new files are checked in full, and only a set without errors is swapped in.
//! The admin who asked (or, for the watcher, every admin) is told the outcome:
//! the figures of the new content and how many residents stood on removed
//! steps, or every error as `path:line:col: error: message`, exactly as
//! `pomichnyk check` prints it.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use notify::{Event, EventKind, RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{App, Deliver, Outgoing, Response, To};
use crate::content::{self, Reload};
use crate::engine::Keyboard;
use crate::script::{markup, Msg};
use crate::store::Role;

/// How many errors one message lists; `pomichnyk check` shows the rest.
const ERRORS_SHOWN: usize = 15;

impl App {
    /// Reloads the content and answers what to tell each of `admins`; after
    /// a swap the command menu is set anew ([`Response::commands`]).
    pub(super) async fn reload_and_tell(&self, admins: &[i64]) -> Response {
        let outcome = self.content.reload().await;
        let script = self.script();
        let stranded = match &outcome {
            Reload::Swapped {
                dialogues,
                faq,
                warnings,
            } => {
                tracing::info!(
                    dialogues,
                    faq,
                    warnings = warnings.len(),
                    "content reloaded"
                );
                match self.store.places().await {
                    Ok(places) => {
                        let (count, gone) = content::stranded(&script, &places);
                        let steps: Vec<String> = gone
                            .iter()
                            .map(|p| format!("{}/{}: {}", p.dialogue, p.step, p.residents))
                            .collect();
                        Some((count, steps.join(", ")))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot count residents on removed steps");
                        None
                    }
                }
            }
            Reload::Kept { errors } => {
                tracing::warn!(
                    errors = errors.len(),
                    "content not reloaded: the files have errors; the old content stays"
                );
                for e in errors {
                    tracing::warn!("{e}");
                }
                None
            }
        };
        let mut out = Vec::new();
        for &admin in admins {
            let lang = self.lang_of_user(admin, None).await;
            let text = match &outcome {
                Reload::Swapped {
                    dialogues,
                    faq,
                    warnings,
                } => {
                    let mut text = script.strings.fill(
                        Msg::ReloadDone,
                        lang,
                        &[
                            ("dialogues", &dialogues.to_string()),
                            ("faq", &faq.to_string()),
                            ("warnings", &warnings.len().to_string()),
                        ],
                    );
                    if let Some((count, steps)) = stranded.as_ref().filter(|(n, _)| *n > 0) {
                        text.push_str("\n\n");
                        text.push_str(&script.strings.fill(
                            Msg::ReloadStranded,
                            lang,
                            &[("count", &count.to_string()), ("steps", steps)],
                        ));
                    }
                    text
                }
                Reload::Kept { errors } => {
                    let mut lines: Vec<String> = errors
                        .iter()
                        .take(ERRORS_SHOWN)
                        .map(|e| markup::literal(&e.to_string()))
                        .collect();
                    if errors.len() > ERRORS_SHOWN {
                        lines.push(script.strings.fill(
                            Msg::ReloadMore,
                            lang,
                            &[("count", &(errors.len() - ERRORS_SHOWN).to_string())],
                        ));
                    }
                    script.strings.fill(
                        Msg::ReloadFailed,
                        lang,
                        &[
                            ("count", &errors.len().to_string()),
                            ("errors", &lines.join("\n")),
                        ],
                    )
                }
            };
            out.push(Outgoing::text(To::Person(admin), text, Keyboard::None));
        }
        let mut response = Response::new(out);
        response.commands = matches!(outcome, Reload::Swapped { .. });
        response
    }
}

/// Watches `dir` and reloads once its files have been quiet for `debounce`
/// (an editor saving, or `git pull` touching ten files, makes one reload);
/// every admin hears the outcome. Stops when `stop` turns true. `None` when
/// the folder cannot be watched (logged; `/reload` still works).
pub fn spawn_watcher<D: Deliver + 'static>(
    app: App,
    sink: Arc<D>,
    dir: &Path,
    debounce: Duration,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let (changed, mut changes) = mpsc::unbounded_channel::<()>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| match event {
        // Reading the files (a reload does) opens them: only changes count.
        Ok(event) => {
            let change = matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            );
            if change && event.paths.iter().any(|p| is_content_file(p)) {
                // Fails only when the watcher task has stopped.
                let _ = changed.send(());
            }
        }
        Err(e) => tracing::warn!(error = %e, "watching the content folder failed"),
    });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the content folder; /reload still works");
            return None;
        }
    };
    if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
        tracing::warn!(
            dir = %dir.display(),
            error = %e,
            "cannot watch the content folder; /reload still works"
        );
        return None;
    }
    tracing::info!(dir = %dir.display(), "watching the content folder for changes");
    Some(tokio::spawn(async move {
        // Watching lasts as long as the watcher lives: as long as this task.
        let _watcher = watcher;
        loop {
            // The first change of a batch...
            tokio::select! {
                change = changes.recv() => if change.is_none() { break },
                _ = stop.changed() => break,
            }
            // ...then wait until the files have been quiet for `debounce`.
            loop {
                tokio::select! {
                    change = tokio::time::timeout(debounce, changes.recv()) => match change {
                        Ok(Some(())) => continue,
                        Ok(None) | Err(_) => break,
                    },
                    _ = stop.changed() => return,
                }
            }
            let admins = match app.store.holders(Role::Admin).await {
                Ok(admins) => admins,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the admins' list");
                    Vec::new()
                }
            };
            let response = app.reload_and_tell(&admins).await;
            app.deliver(sink.as_ref(), response).await;
        }
    }))
}

/// Whether a changed path can be part of the content: a `.toml` file that is
/// not an editor's lock or backup file.
fn is_content_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.extension().is_some_and(|e| e == "toml") && !name.starts_with(['.', '#'])
}

#[cfg(test)]
mod tests {
    use super::is_content_file;
    use std::path::Path;

    #[test]
    fn only_content_files_trigger_a_reload() {
        assert!(is_content_file(Path::new(
            "dialogues/lessons/phishing.toml"
        )));
        assert!(!is_content_file(Path::new(
            "dialogues/lessons/.#phishing.toml"
        )));
        assert!(!is_content_file(Path::new(
            "dialogues/lessons/.phishing.toml.swp"
        )));
        assert!(!is_content_file(Path::new(
            "dialogues/lessons/phishing.toml~"
        )));
        assert!(!is_content_file(Path::new(
            "dialogues/schema/faq.schema.json"
        )));
    }
}
