//! Helpers shared by the integration tests: the shipped content, a temporary
//! content folder, and a resident who talks to the engine.

#![allow(dead_code)]

pub mod db;
pub mod fake_api;
pub mod tg;

use std::path::{Path, PathBuf};

use pomichnyk::engine::{self, Effect, Event, Input, Keyboard, Reply, State};
use pomichnyk::script::{markup, Script};

/// The languages of `config/default.toml`.
pub fn languages() -> Vec<String> {
    vec!["uk".to_string(), "en".to_string()]
}

/// The `dialogues/` folder shipped in the repository.
pub fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues")
}

pub fn shipped_script() -> Script {
    let report = pomichnyk::content::load_dir(&shipped_dir(), &languages());
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    report
        .script
        .unwrap_or_else(|| panic!("shipped content has errors: {errors:#?}"))
}

/// A copy of the shipped content in a temporary folder, to break or edit.
pub fn content_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&shipped_dir(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The number a terminal shows on option `option` (its place in the file) of
/// question `step` of `lesson` for the person `user`: options come in an order
/// of each person's own.
pub fn option_number(
    script: &Script,
    user: i64,
    lesson: &str,
    step: &str,
    option: usize,
) -> String {
    let n = script
        .dialogue(lesson)
        .and_then(|d| d.step(step))
        .and_then(|(_, s)| s.quiz.as_ref())
        .map_or(0, |q| q.options.len());
    let seed = engine::Context::seed_of(user);
    let order = engine::shuffle::order(seed, lesson, step, n);
    let place = order
        .iter()
        .position(|&o| o == option)
        .unwrap_or_else(|| panic!("{lesson}/{step} has no option {option}"));
    (place + 1).to_string()
}

/// A resident talking straight to the engine (no store): what they send, what the bot answers.
pub struct Resident<'a> {
    pub script: &'a Script,
    pub state: State,
    pub lang_hint: Option<&'a str>,
    /// The community's local time the engine is told.
    pub now: jiff::civil::DateTime,
    /// Whether a librarians' chat is configured.
    pub handoff: bool,
    /// The seed the application layer would make from the person's id.
    pub seed: u64,
    /// The replies to the last input.
    pub replies: Vec<Reply>,
    /// Buttons shown most recently, as (label, input).
    buttons: Vec<(String, Input)>,
    pub events: Vec<Event>,
    /// What the last input asked of the adapter.
    pub effects: Vec<Effect>,
}

impl<'a> Resident<'a> {
    pub fn new(script: &'a Script) -> Self {
        Resident {
            script,
            state: State::default(),
            lang_hint: None,
            // A Friday morning in Khmelnytskyi.
            now: jiff::civil::date(2026, 11, 27).at(10, 0, 0, 0),
            handoff: true,
            seed: engine::Context::seed_of(1),
            replies: Vec::new(),
            buttons: Vec::new(),
            events: Vec::new(),
            effects: Vec::new(),
        }
    }

    pub fn send(&mut self, input: Input) -> &mut Self {
        let cx = engine::Context {
            lang_hint: self.lang_hint,
            now: self.now,
            handoff: self.handoff,
            seed: self.seed,
            hubs: None,
            review: None,
        };
        let outcome = engine::step(self.script, std::mem::take(&mut self.state), &input, &cx);
        self.state = outcome.state;
        self.events = outcome.events;
        self.effects = outcome.effects;
        let mut buttons = Vec::new();
        for reply in &outcome.replies {
            if let Reply::Message { keyboard, .. } | Reply::Photo { keyboard, .. } = reply {
                match keyboard {
                    Keyboard::None => {}
                    Keyboard::Inline(rows) => buttons.extend(
                        rows.iter()
                            .flatten()
                            .map(|b| (b.label.clone(), Input::Press(b.data.clone()))),
                    ),
                    Keyboard::Menu(rows) => buttons.extend(
                        rows.iter()
                            .flatten()
                            .map(|l| (l.clone(), Input::Text(l.clone()))),
                    ),
                    Keyboard::AskLocation { back, .. } => {
                        buttons.push((back.clone(), Input::Text(back.clone())))
                    }
                }
            }
        }
        if !buttons.is_empty() {
            self.buttons = buttons;
        }
        self.replies = outcome.replies;
        self
    }

    /// Types a message (or a /command).
    pub fn says(&mut self, text: &str) -> &mut Self {
        self.send(Input::from_text(text))
    }

    /// Taps the most recent button whose label contains `label`.
    pub fn taps(&mut self, label: &str) -> &mut Self {
        let input = self
            .buttons
            .iter()
            .find(|(l, _)| l.contains(label))
            .map(|(_, i)| i.clone())
            .unwrap_or_else(|| panic!("no button {label:?} among {:?}", self.labels()));
        self.send(input)
    }

    /// The data of the most recent button whose label contains `label`, to press later.
    pub fn button(&self, label: &str) -> Input {
        self.buttons
            .iter()
            .find(|(l, _)| l.contains(label))
            .map(|(_, i)| i.clone())
            .unwrap_or_else(|| panic!("no button {label:?} among {:?}", self.labels()))
    }

    pub fn labels(&self) -> Vec<String> {
        self.buttons.iter().map(|(l, _)| l.clone()).collect()
    }

    /// Everything the bot said in answer to the last input, without markup.
    pub fn said(&self) -> String {
        reply_text(&self.replies)
    }

    /// Asserts the last answer contains `text`.
    pub fn sees(&mut self, text: &str) -> &mut Self {
        let said = self.said();
        assert!(
            said.contains(text),
            "expected {text:?} in the bot's answer:\n{said}"
        );
        self
    }

    pub fn does_not_see(&mut self, text: &str) -> &mut Self {
        let said = self.said();
        assert!(
            !said.contains(text),
            "did not expect {text:?} in the bot's answer:\n{said}"
        );
        self
    }
}

pub fn reply_text(replies: &[Reply]) -> String {
    replies
        .iter()
        .map(|r| match r {
            Reply::Message { text, .. } => markup::to_plain(text),
            Reply::Photo { alt, text, .. } => format!("{alt}\n{}", markup::to_plain(text)),
            Reply::Answered { note } => markup::to_plain(note),
            Reply::Venue { title, address, .. } => format!("📍 {title}, {address}"),
            Reply::Contact { phone, name } => format!("📞 {name}: {phone}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hubs file for tests: made-up hubs at made-up places, with the shapes the
/// shipped file will have once admins fill it in (hours with a lunch break,
/// days off, phones, services, one hub with no coordinates, one approximate).
pub const TEST_HUBS: &str = r#"
[services.eservices_help]
name.uk = "допомога з е-послугами"
name.en = "help with e-services"
words.uk = ["дія", "дії", "дією"]
words.en = ["diia"]

[services.printing]
name.uk = "друк"
name.en = "printing"
words.uk = ["друк"]
words.en = ["print"]

[[hubs]]
id = "centre"
name.uk = "Центральна бібліотека"
name.en = "Central library"
address.uk = "вул. Проскурівська, 1"
address.en = "1 Proskurivska Street"
settlement.uk = "Хмельницький"
settlement.en = "Khmelnytskyi"
latitude = 49.4230
longitude = 26.9870
phone = "+380 00 000 00 01"
services = ["eservices_help", "printing"]
verified = true
source = "test"

[hubs.hours]
mon = ["09:00-13:00", "14:00-18:00"]
tue = ["09:00-13:00", "14:00-18:00"]
wed = ["09:00-13:00", "14:00-18:00"]
thu = ["09:00-13:00", "14:00-18:00"]
fri = ["09:00-13:00", "14:00-18:00"]
sat = ["10:00-15:00"]
sun = []

[[hubs]]
id = "east"
name.uk = "Бібліотека на Сході"
name.en = "East library"
address.uk = "вул. Свободи, 5"
address.en = "5 Svobody Street"
settlement.uk = "Хмельницький"
settlement.en = "Khmelnytskyi"
latitude = 49.4300
longitude = 27.0300
approximate = true
verified = true
source = "test"

[[hubs]]
id = "lozove"
name.uk = "Бібліотека села Лозове"
name.en = "Lozove village library"
settlement.uk = "Лозове"
settlement.en = "Lozove"
latitude = 49.3800
longitude = 26.9000
services = ["eservices_help"]
verified = false
source = "test"

[hubs.hours]
mon = []
tue = ["09:00-12:00"]
wed = []
thu = ["14:00-17:00"]
fri = []
sat = []
sun = []

[[hubs]]
id = "far"
name.uk = "Бібліотека в Шаровечці"
name.en = "Sharovechka library"
settlement.uk = "Шаровечка"
settlement.en = "Sharovechka"
verified = true
source = "test"
"#;

/// The shipped content with [`TEST_HUBS`] instead of the shipped hubs.
pub fn script_with_test_hubs() -> Script {
    let dir = content_copy();
    std::fs::write(dir.path().join("hubs.toml"), TEST_HUBS).expect("write hubs");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    report
        .script
        .unwrap_or_else(|| panic!("test hubs have errors: {errors:#?}"))
}

/// Ukrainian-speaking residents subscribed to a topic, written through the
/// store as the bot itself would write them.
pub async fn subscribe(
    store: &pomichnyk::store::Store,
    users: impl IntoIterator<Item = i64>,
    topic: pomichnyk::broadcast::Topic,
) {
    use pomichnyk::broadcast::Topic;
    let state = State {
        lang: Some("uk".into()),
        ..State::default()
    };
    let events = [Event::SubscriptionChanged {
        webinars: topic == Topic::Webinars,
        news: topic == Topic::News,
        hub: None,
    }];
    for user in users {
        let commit = pomichnyk::store::Commit {
            user,
            now: 1_795_766_400,
            state: &state,
            events: &events,
        };
        store.commit(commit).await.expect("commit");
    }
}

/// [`subscribe`] into the database file of a bot that is not running yet.
pub async fn subscribers(
    db: &Path,
    users: impl IntoIterator<Item = i64>,
    topic: pomichnyk::broadcast::Topic,
) {
    let store = pomichnyk::store::Store::open(&crate::support::db::url(db))
        .await
        .expect("store");
    subscribe(&store, users, topic).await;
    store.close().await;
}

/// A librarian's (9001) announcement `text` to every subscriber of
/// webinars, sent at once, as the crash and replica tests leave it for the
/// outbox; answers the broadcast's id.
pub async fn announce_to_all(store: &pomichnyk::store::Store, text: &str, now: i64) -> i64 {
    use pomichnyk::broadcast::{Audience, Topic};
    let (id, _) = store
        .create_broadcast(9001, Topic::Webinars, &Audience::All, text, None, 0, now)
        .await
        .expect("broadcast");
    id
}

/// A person in `pomichnyk chat`'s session, in-process, with the clock the
/// test sets for each line: what they type, what the bot shows them.
pub struct Terminal {
    pub session: pomichnyk::chat::Session,
    clock: std::sync::Arc<std::sync::atomic::AtomicI64>,
    pub user: i64,
}

impl Terminal {
    pub fn new(store: pomichnyk::store::Store, user: i64, lang: Option<String>) -> Terminal {
        use std::sync::atomic::{AtomicI64, Ordering};
        use std::sync::Arc;
        let clock = Arc::new(AtomicI64::new(1));
        let now = clock.clone();
        let settings = pomichnyk::settings::Settings::load_with_env(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
            Some(std::collections::HashMap::new()),
        )
        .expect("settings");
        let content = Arc::new(pomichnyk::content::Content::new(
            Arc::new(shipped_script()),
            &shipped_dir(),
            languages(),
        ));
        let app = pomichnyk::app::App::new(
            content,
            store,
            &settings,
            Arc::new(move || now.load(Ordering::SeqCst)),
        );
        Terminal {
            session: pomichnyk::chat::Session::new(app, user, lang),
            clock,
            user,
        }
    }

    /// One line typed at Unix second `now`; the replies to this person.
    pub async fn send(
        &mut self,
        line: &str,
        now: i64,
    ) -> Result<Vec<Reply>, std::convert::Infallible> {
        self.clock.store(now, std::sync::atomic::Ordering::SeqCst);
        let shown = self.session.send(line).await;
        Ok(self.mine(shown))
    }

    /// Any input at Unix second `now`.
    pub async fn input(
        &mut self,
        input: pomichnyk::app::Incoming,
        now: i64,
    ) -> Result<Vec<Reply>, std::convert::Infallible> {
        self.clock.store(now, std::sync::atomic::Ordering::SeqCst);
        let shown = self
            .session
            .input(pomichnyk::app::Chat::Private, input)
            .await;
        Ok(self.mine(shown))
    }

    fn mine(&self, shown: Vec<pomichnyk::app::Outgoing>) -> Vec<Reply> {
        shown
            .into_iter()
            .filter(|o| o.to == pomichnyk::app::To::Person(self.user))
            .filter_map(|o| match o.body {
                pomichnyk::app::Body::Reply(r) => Some(r),
                _ => None,
            })
            .collect()
    }
}
