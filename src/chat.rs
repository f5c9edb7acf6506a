//! `pomichnyk chat`: the application layer in a terminal.
//!
//! An adapter like the Telegram one: each line typed becomes an
//! [`Update`], the application layer handles it (one transaction), and its
//! messages are printed. Buttons are numbered; typing a number presses one.
//! The terminal is also the librarians' group: what the bot posts there is
//! printed as its own lines, and `/group N text` answers ticket N (`/group N
//! /close` closes it). The outbox runs after every line, for this person and
//! the group only: what is queued for others waits for their own session.
//! It reads to the end of its input, so a whole conversation can be piped
//! in; a newcomer can try the bot this way without a Telegram token.

use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::watch;

use crate::app::outbox::Outbox;
use crate::app::{
    App, Body, Chat, CommandMenu, Deliver, Incoming, Outgoing, Person, SendError, To, Update,
    Urgency,
};
use crate::engine::{Keyboard, Reply};
use crate::script::{markup, Msg, Script};

/// The librarians' group's chat id in a terminal, when none is configured.
pub const TERMINAL_GROUP: i64 = -100;

/// What a number (or a button's words) typed in the terminal stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    /// An inline button: its callback data.
    Press(String),
    /// A button under a message in the librarians' group.
    GroupPress(String),
    /// A big menu button: Telegram sends its label as text.
    Text(String),
}

/// The terminal as a channel: what is sent is kept to be printed.
#[derive(Debug)]
pub struct Terminal {
    shown: Mutex<Vec<Outgoing>>,
    /// Message ids, rising across runs (ticket threads outlive a session).
    next_id: AtomicI64,
}

impl Terminal {
    fn new(start: i64) -> Terminal {
        Terminal {
            shown: Mutex::new(Vec::new()),
            next_id: AtomicI64::new(start),
        }
    }

    fn take(&self) -> Vec<Outgoing> {
        std::mem::take(&mut *self.shown.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Deliver for Terminal {
    async fn send(&self, out: &Outgoing, _: Urgency) -> Result<Vec<i64>, SendError> {
        self.shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(out.clone());
        Ok(vec![self.next_id.fetch_add(1, Ordering::SeqCst)])
    }

    async fn set_commands(&self, _: &[CommandMenu]) {}
}

/// One person talking to the bot, through the application layer, as
/// Telegram would carry it.
pub struct Session {
    app: App,
    user: i64,
    /// Set the language on the first message (from `--lang`).
    lang: Option<String>,
    /// The buttons last shown, in the order they were numbered, with their labels.
    pending: Vec<(String, Pending)>,
    sink: Arc<Terminal>,
    outbox: Arc<Outbox<Terminal>>,
    /// Never set: the outbox's rounds run to the end.
    stop: watch::Receiver<bool>,
    _stop: watch::Sender<bool>,
}

impl Session {
    /// A session of `user` (their language is set to `lang` at the first line).
    pub fn new(app: App, user: i64, lang: Option<String>) -> Session {
        let group = app.librarians().unwrap_or(TERMINAL_GROUP);
        let app = app.with_librarians(Some(group));
        let sink = Arc::new(Terminal::new(app.now().max(1) * 1000));
        let outbox = Outbox::for_person(app.clone(), sink.clone(), user);
        let (stop_tx, stop) = watch::channel(false);
        Session {
            app,
            user,
            lang,
            pending: Vec::new(),
            sink,
            outbox,
            stop,
            _stop: stop_tx,
        }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// What waits for this person when the session opens: replies a crash
    /// swallowed, announcements, reminders, librarians' answers.
    pub async fn open(&mut self) -> anyhow::Result<Vec<Outgoing>> {
        for response in self.app.recover(Some(self.user)).await? {
            self.app.deliver(self.sink.as_ref(), response).await;
        }
        self.app.record_delivered().await;
        Ok(self.flush().await)
    }

    /// Handles one line typed by the person and answers everything shown
    /// after it (their replies, the group's lines, what the outbox had).
    pub async fn send(&mut self, line: &str) -> Vec<Outgoing> {
        let trimmed = line.trim();
        // A button by its number, or by its words (as typing a label would in Telegram).
        let typed = crate::engine::normalize(trimmed);
        let button = match trimmed.parse::<usize>() {
            Ok(n) if (1..=self.pending.len()).contains(&n) => Some(&self.pending[n - 1].1),
            _ => self
                .pending
                .iter()
                .find(|(label, _)| !typed.is_empty() && crate::engine::normalize(label) == typed)
                .map(|(_, p)| p),
        };
        let (chat, input) = match button {
            Some(Pending::Press(data)) => (Chat::Private, Incoming::Press { data: data.clone() }),
            Some(Pending::GroupPress(data)) => {
                (Chat::Librarians, Incoming::Press { data: data.clone() })
            }
            Some(Pending::Text(label)) => (Chat::Private, Incoming::text(label.clone())),
            None => match self.group_line(trimmed).await {
                Some(update) => update,
                None => (
                    Chat::Private,
                    location(trimmed).unwrap_or_else(|| Incoming::text(line)),
                ),
            },
        };
        self.input(chat, input).await
    }

    /// `/group N text`: the librarians' group replies to ticket N's last post.
    async fn group_line(&self, line: &str) -> Option<(Chat, Incoming)> {
        let rest = line.strip_prefix("/group")?.trim_start();
        let (number, text) = rest.split_once(char::is_whitespace)?;
        let ticket: i64 = number.parse().ok()?;
        let group = self.app.librarians()?;
        let post = self
            .app
            .store()
            .last_post(ticket, group)
            .await
            .ok()
            .flatten();
        Some((
            Chat::Librarians,
            Incoming::Text {
                text: text.trim().to_string(),
                html: None,
                reply_to: post,
                forwarded_from: None,
            },
        ))
    }

    /// Handles any input (tests use this for locations and stickers).
    pub async fn input(&mut self, chat: Chat, input: Incoming) -> Vec<Outgoing> {
        if let Some(lang) = self.lang.take() {
            self.set_language(&lang).await;
        }
        let update = Update {
            from: Person {
                id: self.user,
                lang_hint: None,
            },
            chat,
            message: Some(self.sink.next_id.fetch_add(1, Ordering::SeqCst)),
            input,
        };
        let response = self.app.handle(update).await;
        self.app.deliver(self.sink.as_ref(), response).await;
        self.flush().await
    }

    /// Chooses the language as the `/language` buttons would, once.
    async fn set_language(&mut self, lang: &str) {
        let press = crate::engine::Press::Language(lang.to_string()).encode();
        let state = self.app.store().load_state(self.user).await.ok().flatten();
        if state.and_then(|s| s.lang).as_deref() == Some(lang) {
            return;
        }
        let update = Update {
            from: Person {
                id: self.user,
                lang_hint: Some(lang.to_string()),
            },
            chat: Chat::Private,
            message: None,
            input: Incoming::Press { data: press },
        };
        // The note "language set" and the menu are not shown: the first
        // line's answer follows at once.
        let response = self.app.handle(update).await;
        self.app.deliver(self.sink.as_ref(), response).await;
        self.sink.take();
    }

    /// Runs the outbox for this person and the group, and takes what was shown.
    async fn flush(&mut self) -> Vec<Outgoing> {
        self.outbox.round(&self.stop).await;
        let shown = self.sink.take();
        let numbered = number(self.user, &shown);
        if !numbered.is_empty() {
            self.pending = numbered;
        }
        shown
    }
}

/// `/location LAT LON`: a shared location, as Telegram would send it.
fn location(line: &str) -> Option<Incoming> {
    let mut words = line.split_whitespace();
    if words.next()? != "/location" {
        return None;
    }
    let latitude: f64 = words.next()?.trim_end_matches(',').parse().ok()?;
    let longitude: f64 = words.next()?.parse().ok()?;
    // Any numbers pass, as a phone could send them: the bot says when a place cannot be real.
    let valid = latitude.is_finite() && longitude.is_finite();
    valid.then_some(Incoming::Location {
        latitude,
        longitude,
    })
}

/// The keyboard of a message, if it has one.
fn keyboard(body: &Body) -> Option<&Keyboard> {
    match body {
        Body::Reply(Reply::Message { keyboard, .. } | Reply::Photo { keyboard, .. })
        | Body::Html { keyboard, .. } => Some(keyboard),
        _ => None,
    }
}

/// The buttons of what was shown, numbered from 1 in order, with their labels.
fn number(user: i64, shown: &[Outgoing]) -> Vec<(String, Pending)> {
    let mut pending = Vec::new();
    for out in shown {
        let group = out.to == To::Librarians;
        if !group && out.to != To::Person(user) {
            continue;
        }
        match keyboard(&out.body) {
            None | Some(Keyboard::None) => {}
            // Links are shown with their address, not numbered.
            Some(Keyboard::Inline(rows)) => {
                pending.extend(rows.iter().flatten().filter(|b| b.url.is_none()).map(|b| {
                    let press = if group {
                        Pending::GroupPress(b.data.clone())
                    } else {
                        Pending::Press(b.data.clone())
                    };
                    (b.label.clone(), press)
                }))
            }
            Some(Keyboard::Menu(rows)) => pending.extend(
                rows.iter()
                    .flatten()
                    .map(|l| (l.clone(), Pending::Text(l.clone()))),
            ),
            // A terminal cannot share a location: only the way back is numbered.
            Some(Keyboard::AskLocation { back, .. }) => {
                pending.push((back.clone(), Pending::Text(back.clone())))
            }
        }
    }
    pending
}

/// What was shown, as the terminal prints it: text, then numbered buttons;
/// the librarians' group's lines marked as such.
pub fn render(script: &Script, lang: usize, user: i64, shown: &[Outgoing]) -> String {
    let location_hint = script.strings.get(Msg::ChatLocationHint, lang);
    let mut out = String::new();
    let mut n = 0;
    for message in shown {
        let mut text = String::new();
        match &message.body {
            Body::Reply(Reply::Message { text: t, .. }) => text.push_str(&markup::to_plain(t)),
            // A terminal shows no pictures: what the picture shows, then its caption.
            Body::Reply(Reply::Photo { alt, text: t, .. }) => {
                text.push_str(alt);
                text.push('\n');
                text.push_str(&markup::to_plain(t));
            }
            Body::Html { html, photo, .. } => {
                if photo.is_some() {
                    text.push_str("🖼 ");
                }
                text.push_str(&html_to_plain(html));
            }
            Body::Reply(Reply::Venue {
                latitude,
                longitude,
                title,
                address,
            }) => text.push_str(&format!(
                "   📍 {title}, {address} ({latitude:.5}, {longitude:.5})"
            )),
            Body::Reply(Reply::Contact { phone, name }) => {
                text.push_str(&format!("   📞 {name}: {phone}"))
            }
            Body::Reply(Reply::Answered { note }) => {
                text.push_str("   ✔ ");
                text.push_str(&markup::to_plain(note));
            }
            Body::Picture { caption, .. } => {
                text.push_str(&format!("🖼 {}", markup::to_plain(caption)))
            }
            Body::File {
                name,
                bytes,
                caption,
            } => {
                text.push_str(&format!(
                    "📎 {name} ({} B): {}",
                    bytes.len(),
                    markup::to_plain(caption)
                ));
                // A text file (the /stats report) is shown as it is.
                if let Ok(content) = std::str::from_utf8(bytes) {
                    text.push('\n');
                    text.push_str(content.trim_end());
                }
            }
        }
        let text = match message.to {
            To::Librarians => script
                .strings
                .fill(Msg::ChatGroup, lang, &[("text", &text)]),
            To::Person(other) if other != user => format!("→ {other}: {text}"),
            To::Person(_) => text,
        };
        out.push_str(&text);
        out.push('\n');
        let labels: Vec<Vec<&str>> = match keyboard(&message.body) {
            None | Some(Keyboard::None) => Vec::new(),
            Some(Keyboard::Inline(rows)) => {
                for b in rows.iter().flatten() {
                    if let Some(url) = &b.url {
                        out.push_str(&format!("   🔗 {}: {url}\n", b.label));
                    }
                }
                rows.iter()
                    .map(|r| {
                        r.iter()
                            .filter(|b| b.url.is_none())
                            .map(|b| b.label.as_str())
                            .collect()
                    })
                    .collect()
            }
            Some(Keyboard::Menu(rows)) => rows
                .iter()
                .map(|r| r.iter().map(String::as_str).collect())
                .collect(),
            Some(Keyboard::AskLocation { share, back }) => {
                out.push_str(&format!("   {share} {location_hint}\n"));
                vec![vec![back.as_str()]]
            }
        };
        let other = matches!(message.to, To::Person(p) if p != user);
        for row in labels.into_iter().filter(|r| !r.is_empty() && !other) {
            let cells: Vec<String> = row
                .into_iter()
                .map(|label| {
                    n += 1;
                    format!("[{n}] {label}")
                })
                .collect();
            out.push_str("   ");
            out.push_str(&cells.join("   "));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Telegram-style HTML as plain text: tags dropped, entities decoded.
fn html_to_plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Runs a terminal conversation until the input ends.
pub async fn run<R, W>(
    mut session: Session,
    input: R,
    mut output: W,
    echo: bool,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: Write,
{
    let script = session.app.script();
    let lang = script.resolve_lang(session.lang.as_deref(), None);
    eprintln!("{}", script.strings.get(Msg::ChatHint, lang));
    eprintln!("{}", script.strings.get(Msg::ChatGroupHint, lang));
    let user = session.user;
    let waiting = session.open().await?;
    write!(output, "{}", render(&script, lang, user, &waiting))?;
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        if echo {
            writeln!(output, "» {}\n", line.trim())?;
        }
        let shown = session.send(&line).await;
        let script = session.app.script();
        let lang = session.app.lang_of_user(user, None).await;
        write!(output, "{}", render(&script, lang, user, &shown))?;
        output.flush()?;
    }
    session.app.record_delivered().await;
    Ok(())
}
