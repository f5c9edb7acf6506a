//! `pomichnyk chat`: the engine and store in a terminal.
//!
//! An adapter like the Telegram one: each line typed becomes an
//! [`Input`](crate::engine::Input), the engine steps, the store commits, and only
//! then are the replies printed. Buttons are numbered; typing a number presses
//! one. It reads to the end of its input, so a whole conversation can be piped
//! in; a newcomer can try the bot this way without a Telegram token.

use std::io::Write;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::engine::{self, Context, Input, Keyboard, Reply, State};
use crate::script::{markup, Msg, Script};
use crate::store::{Store, StoreError};

/// The time zone opening hours are read in, unless told otherwise.
const DEFAULT_TIME_ZONE: &str = "Europe/Kyiv";

/// What a number typed in the terminal stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    /// An inline button: its callback data.
    Press(String),
    /// A big menu button: Telegram sends its label as text.
    Text(String),
}

/// One resident talking to the bot, through the store, as Telegram would.
pub struct Session<'a> {
    script: &'a Script,
    store: Store,
    user: i64,
    /// Set the language on the first message (from `--lang`).
    lang: Option<String>,
    /// The buttons last shown, in the order they were numbered.
    pending: Vec<Pending>,
    /// The community's time zone, for opening hours.
    tz: jiff::tz::TimeZone,
}

impl<'a> Session<'a> {
    pub fn new(script: &'a Script, store: Store, user: i64, lang: Option<String>) -> Session<'a> {
        Session {
            script,
            store,
            user,
            lang,
            pending: Vec::new(),
            tz: jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    /// Reads opening hours in this time zone instead of Europe/Kyiv.
    pub fn with_time_zone(mut self, tz: jiff::tz::TimeZone) -> Session<'a> {
        self.tz = tz;
        self
    }

    /// Handles one line typed by the resident and returns the bot's replies,
    /// after their state is committed.
    pub async fn send(&mut self, line: &str, now: i64) -> Result<Vec<Reply>, StoreError> {
        let input = match line.trim().parse::<usize>() {
            Ok(n) if (1..=self.pending.len()).contains(&n) => match &self.pending[n - 1] {
                Pending::Press(data) => Input::Press(data.clone()),
                Pending::Text(label) => Input::Text(label.clone()),
            },
            _ => location(line).unwrap_or_else(|| Input::from_text(line)),
        };
        self.input(&input, now).await
    }

    /// Steps the engine with any input (tests use this for locations and stickers).
    pub async fn input(&mut self, input: &Input, now: i64) -> Result<Vec<Reply>, StoreError> {
        let mut state = self
            .store
            .load_state(self.user)
            .await?
            .unwrap_or_else(State::default);
        if let Some(lang) = self.lang.take() {
            state.lang = Some(lang);
        }
        // A terminal has no librarians' chat: the engine points to the hubs instead.
        let cx = Context::at(Context::local(now, &self.tz));
        let outcome = engine::step(self.script, state, input, &cx);
        self.store.save(self.user, now, &outcome).await?;
        let numbered = number(&outcome.replies);
        if !numbered.is_empty() {
            self.pending = numbered;
        }
        Ok(outcome.replies)
    }
}

/// `/location LAT LON`: a shared location, as Telegram would send it.
fn location(line: &str) -> Option<Input> {
    let mut words = line.split_whitespace();
    if words.next()? != "/location" {
        return None;
    }
    let latitude: f64 = words.next()?.trim_end_matches(',').parse().ok()?;
    let longitude: f64 = words.next()?.parse().ok()?;
    let valid = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
    valid.then_some(Input::Location {
        latitude,
        longitude,
    })
}

/// The buttons of a batch of replies, numbered from 1 in order.
fn number(replies: &[Reply]) -> Vec<Pending> {
    let mut pending = Vec::new();
    for reply in replies {
        if let Reply::Message { keyboard, .. } = reply {
            match keyboard {
                Keyboard::None => {}
                // Links are shown with their address, not numbered.
                Keyboard::Inline(rows) => pending.extend(
                    rows.iter()
                        .flatten()
                        .filter(|b| b.url.is_none())
                        .map(|b| Pending::Press(b.data.clone())),
                ),
                Keyboard::Menu(rows) => {
                    pending.extend(rows.iter().flatten().map(|l| Pending::Text(l.clone())))
                }
                // A terminal cannot share a location: only the way back is numbered.
                Keyboard::AskLocation { back, .. } => pending.push(Pending::Text(back.clone())),
            }
        }
    }
    pending
}

/// The replies as the terminal shows them: text, then numbered buttons.
/// `location_hint` tells how to share a place where a button would ask for it.
pub fn render(replies: &[Reply], location_hint: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for reply in replies {
        match reply {
            Reply::Message { text, keyboard } => {
                out.push_str(&markup::to_plain(text));
                out.push('\n');
                let labels: Vec<Vec<&str>> = match keyboard {
                    Keyboard::None => Vec::new(),
                    Keyboard::Inline(rows) => {
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
                    Keyboard::Menu(rows) => rows
                        .iter()
                        .map(|r| r.iter().map(String::as_str).collect())
                        .collect(),
                    Keyboard::AskLocation { share, back } => {
                        out.push_str(&format!("   {share} {location_hint}\n"));
                        vec![vec![back.as_str()]]
                    }
                };
                for row in labels.into_iter().filter(|r| !r.is_empty()) {
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
            Reply::Venue {
                latitude,
                longitude,
                title,
                address,
            } => {
                out.push_str(&format!(
                    "   📍 {title}, {address} ({latitude:.5}, {longitude:.5})\n\n"
                ));
            }
            Reply::Contact { phone, name } => {
                out.push_str(&format!("   📞 {name}: {phone}\n\n"));
            }
            Reply::Answered { note } => {
                out.push_str("   ✔ ");
                out.push_str(&markup::to_plain(note));
                out.push_str("\n\n");
            }
        }
    }
    out
}

/// Runs a terminal conversation until the input ends.
pub async fn run<R, W>(
    mut session: Session<'_>,
    input: R,
    mut output: W,
    echo: bool,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: Write,
{
    let script = session.script;
    let hint_lang = session
        .lang
        .as_deref()
        .and_then(|l| script.lang_index(l))
        .unwrap_or(0);
    eprintln!("{}", script.strings.get(Msg::ChatHint, hint_lang));
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        if echo {
            writeln!(output, "» {}\n", line.trim())?;
        }
        let replies = session.send(&line, unix_now()).await?;
        let hint = script.strings.get(Msg::ChatLocationHint, hint_lang);
        write!(output, "{}", render(&replies, hint))?;
        output.flush()?;
    }
    Ok(())
}

/// The wall clock, read only at the edge and passed inward.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
