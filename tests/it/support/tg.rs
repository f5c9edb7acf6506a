//! The bot on Telegram for tests: `telegram::run` against the fake Bot API,
//! with a resident and the librarians' group who talk to it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::fake_api::{self, strip_tags, Call, FakeApi, TOKEN};
use super::shipped_script;
use pomichnyk::settings::Settings;
use pomichnyk::store::Store;
use pomichnyk::telegram;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// The bot running in this process against a fake API, with its own database.
pub struct RunningBot {
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub store: Store,
}

pub fn settings(api: &FakeApi, db: &Path, extra: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = HashMap::from([
        ("POMICHNYK__TELEGRAM__TOKEN".into(), TOKEN.into()),
        ("POMICHNYK__TELEGRAM__API_URL".into(), api.url.clone()),
        ("POMICHNYK__DATABASE__URL".into(), super::db::url(db)),
        // Tests that want the content watched say so; the others must not
        // pick up an edit of the shipped files made while they run.
        ("POMICHNYK__DIALOGUES__WATCH".into(), "false".into()),
    ]);
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    Settings::load_with_env(&dir, Some(env)).expect("settings")
}

pub async fn spawn_bot(api: &FakeApi, db: &Path, extra: &[(&str, &str)]) -> RunningBot {
    spawn_bot_with(api, db, extra, shipped_script(), None).await
}

/// The bot with given content and, if given, its clock (Unix seconds).
pub async fn spawn_bot_with(
    api: &FakeApi,
    db: &Path,
    extra: &[(&str, &str)],
    script: pomichnyk::script::Script,
    clock: Option<telegram::Clock>,
) -> RunningBot {
    let settings = settings(api, db, extra);
    let bot = telegram::bot(&settings).expect("bot");
    let store = Store::open(&settings.database.url).await.expect("store");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = {
        let store = store.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            let script = Arc::new(script);
            match clock {
                Some(clock) => {
                    telegram::run_with_clock(&settings, bot, store, script, shutdown, clock).await
                }
                None => telegram::run(&settings, bot, store, script, shutdown).await,
            }
        })
    };
    // Ready once its commands are set and its update listener is set up.
    api.wait_for(10, "the bot to start", |calls| {
        calls
            .iter()
            .any(|c| c.method == "getWebhookInfo" || c.method == "setWebhook")
            .then_some(())
    })
    .await;
    RunningBot {
        stop: Some(stop),
        task,
        store,
    }
}

/// A fake Bot API, a fresh database and the bot running against them.
pub async fn start(extra: &[(&str, &str)]) -> (FakeApi, tempfile::TempDir, PathBuf, RunningBot) {
    let api = FakeApi::start().await;
    let (dir, db) = temp_db();
    let bot = spawn_bot(&api, &db, extra).await;
    (api, dir, db, bot)
}

impl RunningBot {
    pub async fn stop(mut self) -> Store {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .expect("the bot stops within 5 s")
            .expect("task");
        result.expect("run ends cleanly");
        self.store
    }
}

/// A resident in a private chat with the bot.
pub struct Resident<'a> {
    pub api: &'a FakeApi,
    pub id: i64,
    pub lang: &'static str,
    /// Calls before this index were answers to earlier messages.
    pub mark: usize,
    pub next_message: i64,
    pub queries: u32,
}

impl<'a> Resident<'a> {
    pub fn new(api: &'a FakeApi, id: i64, lang: &'static str) -> Self {
        Resident {
            api,
            id,
            lang,
            mark: 0,
            next_message: 1,
            queries: 0,
        }
    }

    pub fn send(&mut self, update: Value) {
        self.mark = self.api.call_count();
        self.api.push(update);
    }

    pub fn says(&mut self, text: &str) -> &mut Self {
        self.next_message += 1;
        let update = fake_api::text(self.id, self.lang, self.next_message, text);
        self.send(update);
        self
    }

    pub fn sends(&mut self, fields: Value) -> &mut Self {
        self.next_message += 1;
        let update = fake_api::message(self.id, self.lang, self.next_message, fields);
        self.send(update);
        self
    }

    pub fn is_mine(&self, call: &Call) -> bool {
        call.delivered
            && call.chat() == Some(self.id)
            && matches!(
                call.method.as_str(),
                "sendMessage" | "editMessageText" | "sendPhoto"
            )
    }

    /// Waits until the bot has said something containing `text` since the last input.
    pub async fn sees(&mut self, text: &str) -> &mut Self {
        let (mark, id) = (self.mark, self.id);
        self.api
            .wait_for(15, &format!("{text:?} to {id}"), |calls| {
                calls[mark.min(calls.len())..]
                    .iter()
                    .any(|c| self.is_mine(c) && strip_tags(c.text()).contains(text))
                    .then_some(())
            })
            .await;
        self
    }

    /// The last message to this resident since their last input with a button
    /// whose label contains `label`.
    pub async fn button(&self, label: &str) -> (Call, Value) {
        let (id, mark) = (self.id, self.mark);
        self.api
            .wait_for(15, &format!("a button {label:?} for {id}"), |calls| {
                calls[mark.min(calls.len())..]
                    .iter()
                    .rev()
                    .filter(|c| self.is_mine(c))
                    .find_map(|c| {
                        let markup = &c.params["reply_markup"];
                        let rows = markup["inline_keyboard"]
                            .as_array()
                            .or_else(|| markup["keyboard"].as_array())?;
                        rows.iter()
                            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                            .find(|b| b["text"].as_str().is_some_and(|t| t.contains(label)))
                            .map(|b| (c.clone(), b))
                    })
            })
            .await
    }

    /// Taps a button: an inline one sends a callback query, a menu one its label.
    pub async fn taps(&mut self, label: &str) -> &mut Self {
        let (call, button) = self.button(label).await;
        match button["callback_data"].as_str() {
            Some(data) => {
                let message = self
                    .api
                    .sent_message(call.message_id.expect("a sent message"))
                    .expect("the message");
                self.queries += 1;
                let query = format!("q{}-{}", self.id, self.queries);
                let update = fake_api::callback(self.id, self.lang, message, data, &query);
                self.send(update);
            }
            None => {
                let text = button["text"].as_str().unwrap_or_default().to_string();
                self.says(&text);
            }
        }
        self
    }

    /// Everything sent to this resident since the last input, as text.
    pub fn said(&self) -> Vec<String> {
        self.api.calls()[self.mark..]
            .iter()
            .filter(|c| self.is_mine(c))
            .map(|c| strip_tags(c.text()))
            .collect()
    }
}

pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bot.db");
    (dir, db)
}

pub const LIBRARIANS: i64 = -100_500;

/// The librarians' group chat, as its members use it.
pub struct Librarians<'a> {
    pub api: &'a FakeApi,
    pub mark: usize,
    pub next_message: i64,
}

impl<'a> Librarians<'a> {
    pub fn new(api: &'a FakeApi) -> Self {
        Librarians {
            api,
            mark: 0,
            next_message: 10_000,
        }
    }

    /// Waits for the bot's latest post in the group containing `text`, since
    /// the group's last action; returns the call and the message as Telegram holds it.
    pub async fn post(&self, text: &str) -> (Call, Value) {
        let mark = self.mark;
        let call = self
            .api
            .wait_for(15, &format!("{text:?} in the librarians' chat"), |calls| {
                calls[mark.min(calls.len())..]
                    .iter()
                    .rev()
                    .find(|c| {
                        c.delivered
                            && c.method == "sendMessage"
                            && c.chat() == Some(LIBRARIANS)
                            && strip_tags(c.text()).contains(text)
                    })
                    .cloned()
            })
            .await;
        let message = self
            .api
            .sent_message(call.message_id.expect("a sent message"))
            .expect("the message");
        (call, message)
    }

    /// A member writes in the group, as a reply to `to` when given; returns the message.
    pub fn says(&mut self, member: i64, text: &str, to: Option<&Value>) -> Value {
        self.next_message += 1;
        self.mark = self.api.call_count();
        let update = fake_api::group_text(LIBRARIANS, member, self.next_message, text, to.cloned());
        self.api.push(update.clone());
        update["message"].clone()
    }

    /// A member taps an inline button under one of the bot's posts.
    pub fn taps(&mut self, member: i64, post: &Value, data: &str) {
        self.mark = self.api.call_count();
        let query = format!("g{}", self.api.call_count());
        self.api
            .push(fake_api::callback(member, "uk", post.clone(), data, &query));
    }
}

impl Resident<'_> {
    /// Replies (Telegram's reply) to one of the bot's messages.
    pub fn replies_to(&mut self, message: &Value, text: &str) -> &mut Self {
        self.next_message += 1;
        let update = fake_api::message(
            self.id,
            self.lang,
            self.next_message,
            json!({ "text": text, "reply_to_message": message }),
        );
        self.send(update);
        self
    }
}

/// A clock that starts at `start` (Unix seconds) and runs at the real pace.
pub fn clock_from(start: i64) -> telegram::Clock {
    let t0 = std::time::Instant::now();
    Arc::new(move || start + t0.elapsed().as_secs() as i64)
}
