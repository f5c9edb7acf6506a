//! The two fuzz targets' bodies, shared by `fuzz/` (libFuzzer, `cargo fuzz run
//! content|updates`) and by the test suite, which replays the kept corpora
//! (`fuzz/corpus/*`) through the same functions (`tests/it/fuzz.rs`). Each
//! panics on a broken invariant, which is what a fuzzer reports.
//!
//! Only `pomichnyk`, `tokio` and `tempfile` are used, so the file builds in both crates.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use pomichnyk::app::{App, Chat, Deliver, Incoming, Outgoing, SendError, To, Update, Urgency};
use pomichnyk::app::{Body, CommandMenu, Person};
use pomichnyk::engine::{Keyboard, Reply};
use pomichnyk::script::{Script, Severity};

/// The shipped content folder.
/// (The crate that builds this file is the bot's, or `fuzz/` inside it.)
fn dialogues() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("dialogues"), here.join("..").join("dialogues")]
        .into_iter()
        .find_map(|dir| dir.canonicalize().ok())
        .unwrap_or_else(|| PathBuf::from("dialogues"))
}

fn languages() -> Vec<String> {
    vec!["uk".to_string(), "en".to_string()]
}

/// Every `.toml` file below `dir`, as the loader reads them.
fn read_all(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            read_all(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
}

/// The shipped files, read once.
fn shipped() -> &'static (PathBuf, Vec<(PathBuf, String)>) {
    static SHIPPED: OnceLock<(PathBuf, Vec<(PathBuf, String)>)> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let root = dialogues();
        let mut files = Vec::new();
        read_all(&root, &mut files);
        assert!(!files.is_empty(), "no content in {}", root.display());
        (root, files)
    })
}

/// The file an input names on its first line: one of the content folder's
/// `.toml` files (shipped or new), never outside it.
fn named(root: &Path, line: &[u8]) -> PathBuf {
    let name = String::from_utf8_lossy(line);
    let rel = Path::new(name.trim());
    let inside = !rel.as_os_str().is_empty()
        && rel.components().all(|c| matches!(c, Component::Normal(_)))
        && rel.extension().is_some_and(|e| e == "toml");
    if inside {
        root.join(rel)
    } else {
        root.join("lessons").join("fuzzed.toml")
    }
}

/// Content target. An input is a file's path in the content folder, a
/// newline, and the file's bytes; the file replaces the shipped one of that
/// path (or joins them) and the whole set is checked as `pomichnyk check`
/// checks it. Never a panic; every problem at a real place in a real file;
/// a script exactly when there is no error.
pub fn content(data: &[u8]) {
    let (root, files) = shipped();
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let path = named(root, &data[..split]);
    let bytes = data.get(split + 1..).unwrap_or_default().to_vec();
    let text = match pomichnyk::content::decode(&path, bytes.clone()) {
        Ok(text) => text,
        Err(problem) => {
            assert_eq!(problem.path, path);
            assert_eq!(problem.severity, Severity::Error);
            // The place is that of the first byte that is not UTF-8.
            let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| 0);
            let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            assert_eq!(problem.line, before.matches('\n').count() + 1, "{problem}");
            assert!(problem.col >= 1, "{problem}");
            return;
        }
    };
    let mut sources: Vec<(PathBuf, String)> =
        files.iter().filter(|(p, _)| *p != path).cloned().collect();
    sources.push((path.clone(), text));
    let report = pomichnyk::script::load_sources(root, sources.clone(), &languages());
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(
        report.script.is_some(),
        errors == 0,
        "a script exactly when there is no error: {:#?}",
        report.diagnostics
    );
    for d in &report.diagnostics {
        assert!(d.line >= 1 && d.col >= 1, "{d}");
        if let Some((_, text)) = sources.iter().find(|(p, _)| *p == d.path) {
            let lines = text.split('\n').count();
            assert!(d.line <= lines, "{d}: the file has {lines} lines");
            let line = text.split('\n').nth(d.line - 1).unwrap_or_default();
            assert!(
                d.col <= line.chars().count() + 1,
                "{d}: the line has {} characters",
                line.chars().count()
            );
        } else {
            // A problem of the whole set is reported at the folder or a file
            // it expects (strings.toml, a menu), never at an unrelated place.
            assert!(d.path.starts_with(root), "{d}");
        }
        assert!(!d.message.trim().is_empty(), "{d}");
    }
}

/// A sink that accepts everything and keeps it, as a channel that never fails.
#[derive(Default)]
struct Sink {
    sent: std::sync::Mutex<Vec<Outgoing>>,
    next: std::sync::atomic::AtomicI64,
}

impl Deliver for Sink {
    async fn send(&self, out: &Outgoing, _urgency: Urgency) -> Result<Vec<i64>, SendError> {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(out.clone());
        }
        Ok(vec![id])
    }

    async fn set_commands(&self, _menus: &[CommandMenu]) {}
}

/// Reads an input's bytes, as numbers and strings.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn text(&mut self) -> String {
        let n = usize::from(self.byte().unwrap_or(0) % 64);
        let n = n.min(self.0.len());
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }

    fn f64(&mut self) -> f64 {
        let mut raw = [0u8; 8];
        for b in &mut raw {
            *b = self.byte().unwrap_or(0);
        }
        f64::from_le_bytes(raw)
    }
}

/// People in the fuzzed conversations: three residents, a librarian, an admin.
const PEOPLE: [i64; 5] = [1001, 1002, 1003, 2001, 3001];
const LIBRARIAN: i64 = 2001;
const ADMIN: i64 = 3001;
const GROUP: i64 = -100_777;

/// Texts worth sending: every command, deep links, menu words, questions.
fn texts(script: &Script) -> Vec<String> {
    let mut texts: Vec<String> = pomichnyk::commands::ALL
        .iter()
        .map(|c| format!("/{}", c.name))
        .collect();
    texts.extend(
        script
            .dialogues
            .keys()
            .map(|id| format!("/start lesson_{id}")),
    );
    texts.extend(
        [
            "/start hub_central",
            "/start hub_",
            "/grant 1001 librarian",
            "/revoke 1001 librarian",
            "/grant 1002 admin",
            "/close",
            "Як оплатити комуналку?",
            "де найближчий хаб",
            "котра година",
            "Так",
            "Ні",
            "1",
            "",
            " ",
        ]
        .map(String::from),
    );
    texts
}

/// Updates target. An input is a sequence of steps, each a few bytes: who
/// acts, and what they do — a command or known text, a text of their own,
/// a press of a button the bot showed them (fresh or old), forged button
/// data, a location (any two numbers), a photo, a sticker, a block or unblock,
/// a message in the librarians' group. Through the application layer over the
/// shipped content: never a panic, every press answered, and afterwards every
/// person's state loads back from the database file.
pub fn updates(data: &[u8]) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => panic!("no runtime: {e}"),
    };
    runtime.block_on(run_updates(data));
}

fn app_script() -> Arc<Script> {
    static SCRIPT: OnceLock<Arc<Script>> = OnceLock::new();
    SCRIPT
        .get_or_init(|| {
            let (root, _) = shipped();
            let report = pomichnyk::content::load_dir(root, &languages());
            Arc::new(report.script.expect("the shipped content loads"))
        })
        .clone()
}

async fn run_updates(data: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
    let store = pomichnyk::store::Store::open(&url).await.expect("store");
    let script = app_script();
    let (root, _) = shipped();
    let content = Arc::new(pomichnyk::content::Content::new(
        script.clone(),
        root,
        languages(),
    ));
    let settings = pomichnyk::settings::Settings::load_with_env(
        &root.join("..").join("config"),
        Some(std::collections::HashMap::new()),
    )
    .expect("settings");
    let clock_now = Arc::new(std::sync::atomic::AtomicI64::new(1_764_000_000));
    let now = clock_now.clone();
    let app = App::new(
        content,
        store.clone(),
        &settings,
        Arc::new(move || now.load(std::sync::atomic::Ordering::SeqCst)),
    )
    .with_librarians(Some(GROUP));
    app.seed_admins(&[ADMIN]).await;
    let _ = store
        .grant(LIBRARIAN, pomichnyk::store::Role::Librarian, ADMIN, 1)
        .await;
    let texts = texts(&script);
    let sink = Sink::default();
    // The buttons each person was shown, oldest first.
    let mut shown: Vec<Vec<String>> = vec![Vec::new(); PEOPLE.len()];
    let mut bytes = Bytes(data);
    let mut steps = 0;
    while let Some(op) = bytes.byte() {
        steps += 1;
        if steps > 64 {
            break;
        }
        let who = usize::from(op >> 5) % PEOPLE.len();
        let person = PEOPLE[who];
        let mut chat = Chat::Private;
        let input = match op & 0x1f {
            0..=7 => {
                let i = usize::from(bytes.byte().unwrap_or(0)) % texts.len();
                Incoming::text(texts[i].clone())
            }
            8..=10 => Incoming::text(bytes.text()),
            11..=17 => {
                // A button shown to this person: the newest few, or an old one.
                let pick = usize::from(bytes.byte().unwrap_or(0));
                let buttons = &shown[who];
                match buttons.len() {
                    0 => Incoming::Press { data: bytes.text() },
                    n => {
                        // Mostly one of the newest eight; with the high bit, any.
                        let window = if pick & 0x80 != 0 { n } else { n.min(8) };
                        Incoming::Press {
                            data: buttons[n - 1 - (pick & 0x7f) % window].clone(),
                        }
                    }
                }
            }
            18..=19 => Incoming::Press { data: bytes.text() },
            20..=21 => Incoming::Location {
                latitude: bytes.f64(),
                longitude: bytes.f64(),
            },
            22 => Incoming::Photo {
                file: "AgAC-fuzz".into(),
                caption_html: bytes.text(),
                reply_to: None,
            },
            23 => Incoming::Other { reply_to: None },
            24 => Incoming::Membership {
                blocked: bytes.byte().unwrap_or(0) % 2 == 0,
            },
            25 => Incoming::Resume,
            26 => {
                clock_now.fetch_add(
                    i64::from(bytes.byte().unwrap_or(1)) * 3_600,
                    std::sync::atomic::Ordering::SeqCst,
                );
                continue;
            }
            _ => {
                chat = Chat::Librarians;
                let reply_to = i64::from(bytes.byte().unwrap_or(0));
                Incoming::Text {
                    text: bytes.text(),
                    html: None,
                    reply_to: Some(reply_to),
                    forwarded_from: None,
                }
            }
        };
        let press = matches!(input, Incoming::Press { .. });
        let update = Update {
            from: Person {
                id: person,
                lang_hint: Some(if op & 1 == 0 { "uk" } else { "en" }.into()),
            },
            chat,
            message: Some(i64::from(steps)),
            input,
        };
        let response = app.handle(update).await;
        let to_them = response
            .out
            .iter()
            .filter(|o| o.to == To::Person(person))
            .count();
        if press {
            assert!(to_them > 0, "a press by {person} was not answered");
        }
        for out in &response.out {
            if out.to != To::Person(person) {
                continue;
            }
            if let Body::Reply(Reply::Message {
                keyboard: Keyboard::Inline(rows),
                ..
            }) = &out.body
            {
                shown[who].extend(
                    rows.iter()
                        .flatten()
                        .filter(|b| !b.data.is_empty())
                        .map(|b| b.data.clone()),
                );
            }
        }
        app.deliver(&sink, response).await;
    }
    store.close().await;
    // Every state loads back from the file, without any cache.
    let reopened = pomichnyk::store::Store::open(&url).await.expect("reopen");
    for person in PEOPLE {
        if let Err(e) = reopened.load_turn(person).await {
            panic!("the state of {person} does not load back: {e}");
        }
    }
    reopened.close().await;
}
