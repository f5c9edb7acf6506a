//! The engine's data: what it remembers about a resident ([`State`]), what it
//! is given ([`Input`], [`Context`]) and what it gives back ([`Outcome`]:
//! replies, events, effects). Plain data; the store saves `State` as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Subscription;

/// Everything the engine remembers about one resident between inputs.
/// Saved as JSON by the store; new fields must have serde defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The language the resident reads, once known.
    #[serde(default)]
    pub lang: Option<String>,
    /// Where the resident is: the step whose message they last got.
    #[serde(default)]
    pub at: Option<Position>,
    /// The menu step whose big buttons are under the input field.
    #[serde(default)]
    pub keyboard: Option<Position>,
    /// Lessons opened so far, by id.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonRecord>,
    /// What the resident's next text is for, when the bot asked for something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting: Option<Awaiting>,
    /// The announcements they want.
    #[serde(default, skip_serializing_if = "Subscription::is_none")]
    pub subscription: Subscription,
    /// The quiz answer of the resident's last input, so that after a crash
    /// the verdict can be shown again ([`Input::Resume`]); cleared by the next input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<Answered>,
    /// The lesson steps left for the current one, oldest first, at most
    /// [`HISTORY_LEN`]: where "⬅️ Back" goes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Position>,
    /// The key of the question the resident's last input asked the FAQ (or
    /// voted 👎 on), so that going to a librarian next is recorded with it;
    /// cleared by the next input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<String>,
}

/// How many steps "⬅️ Back" can go back.
pub const HISTORY_LEN: usize = 8;

/// A quiz option chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    pub dialogue: String,
    pub step: String,
    pub option: usize,
}

/// Text the bot has asked the resident to type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    /// A question for the FAQ (after /ask).
    Question,
    /// A question for a librarian (after /librarian): it opens a ticket.
    Librarian,
    /// An answer to the librarian in this ticket.
    Ticket(u64),
    /// A village or street, to find library hubs by name (after /hubs).
    Place,
}

/// What the engine knows of the world beyond the resident's state. The
/// adapter supplies it, so the engine itself reads no clock and no settings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The language the resident's app reports; used when the resident has not
    /// chosen one and it is configured.
    pub lang_hint: Option<&'a str>,
    /// The community's local time (Europe/Kyiv), for opening hours.
    pub now: jiff::civil::DateTime,
    /// A librarians' chat is configured, so questions can go to a person.
    pub handoff: bool,
    /// A number fixed for the person (the application layer makes it from
    /// their id, see [`Context::seed_of`]): the order of quiz options comes
    /// from it, so each person sees their own order, the same every time.
    pub seed: u64,
    /// The hubs as residents see them now: the file with the librarians'
    /// facts laid over it (the application layer merges them). `None`: the
    /// script's own.
    pub hubs: Option<&'a [crate::script::Hub]>,
    /// How the resident's review stands, for `/progress` (the application
    /// layer reads it when the input may show progress). `None`: not shown.
    pub review: Option<ReviewTally>,
}

/// A resident's review questions, for `/progress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewTally {
    /// Still coming back (due now or later).
    pub waiting: u32,
    /// Learned.
    pub learned: u32,
}

impl Context<'_> {
    /// The civil time in `tz` at a Unix second (the epoch if it is out of range).
    pub fn local(unix: i64, tz: &jiff::tz::TimeZone) -> jiff::civil::DateTime {
        crate::clock::local(unix, tz)
    }

    /// A context at a given local time, with no language hint and no librarians' chat.
    pub fn at(now: jiff::civil::DateTime) -> Context<'static> {
        Context {
            lang_hint: None,
            now,
            handoff: false,
            seed: 0,
            hubs: None,
            review: None,
        }
    }

    /// The seed of a person: a fixed mixing of their id.
    pub fn seed_of(user: i64) -> u64 {
        super::shuffle::splitmix64(user as u64 ^ 0x5EED_0F0F_7E57_u64)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub dialogue: String,
    pub step: String,
    /// Wrong answers given to the question at this step so far.
    #[serde(default)]
    pub wrong: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonRecord {
    /// Completed at least once.
    #[serde(default)]
    pub done: bool,
    /// Right first answers / questions answered in the current run.
    #[serde(default)]
    pub correct: u32,
    #[serde(default)]
    pub answered: u32,
    /// The score of the last completed run.
    #[serde(default)]
    pub score: Option<(u32, u32)>,
    /// The last step reached, to resume an unfinished lesson.
    #[serde(default)]
    pub step: Option<String>,
    /// The questions already counted in the current run, so that going back
    /// to one and answering again does not count twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<String>,
}

/// What a resident did, free of any messenger's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `/name arg`.
    Command { name: String, arg: String },
    /// Any other text, as typed (or a big menu button's label).
    Text(String),
    /// An inline button's callback data.
    Press(String),
    /// A shared location.
    Location { latitude: f64, longitude: f64 },
    /// A sticker, photo, voice message, document, contact ...
    Other,
    /// The bot stopped before this resident's last replies went out: show
    /// them where they stand (a finished lesson with its score).
    Resume,
}

impl Input {
    /// A message's text: a `/command` (with `@botname` removed) or plain text.
    pub fn from_text(text: &str) -> Input {
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix('/') {
            let (head, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let name = head.split('@').next().unwrap_or(head).to_lowercase();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Input::Command {
                    name,
                    arg: arg.trim().to_string(),
                };
            }
        }
        Input::Text(text.to_string())
    }
}

/// Something to show the resident.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A message; `text` may hold `**bold**` markup.
    Message { text: String, keyboard: Keyboard },
    /// A picture with a message as its caption (a step with a `picture`);
    /// `alt` says what it shows, as a terminal prints it ("[картинка: ...]").
    Photo {
        picture: std::sync::Arc<crate::script::Picture>,
        alt: String,
        text: String,
        keyboard: Keyboard,
    },
    /// Marks the answer chosen under the question whose button was pressed
    /// (Telegram edits that message; a terminal prints the note).
    Answered { note: String },
    /// A pin on the map with the place's name and address.
    Venue {
        latitude: f64,
        longitude: f64,
        title: String,
        address: String,
    },
    /// A phone number as a contact card, which a phone can call with one tap.
    Contact { phone: String, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyboard {
    None,
    /// Buttons under the message, in rows.
    Inline(Vec<Vec<InlineButton>>),
    /// Big buttons under the input field, in rows; pressing one sends its label as text.
    Menu(Vec<Vec<String>>),
    /// Big buttons for one answer: `share` sends the resident's location,
    /// `back` its label as text.
    AskLocation {
        share: String,
        back: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineButton {
    pub label: String,
    /// Encoded [`Press`]; empty for a link.
    pub data: String,
    /// A web page the button opens instead of pressing anything.
    pub url: Option<String>,
}

/// What happened, for progress and statistics. The store stamps the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    LessonStarted {
        lesson: String,
    },
    StepReached {
        dialogue: String,
        step: String,
    },
    QuizAnswered {
        dialogue: String,
        step: String,
        option: usize,
        correct: bool,
        first_try: bool,
    },
    LessonCompleted {
        lesson: String,
        correct: u32,
        total: u32,
    },
    LanguageChanged {
        lang: String,
    },
    /// `/start hub_<id>`: a hub's poster brought the resident.
    Referred {
        hub: String,
    },
    /// The resident's saved step or dialogue was removed from the files.
    StepVanished {
        dialogue: String,
        step: String,
    },
    /// A button from an older message was pressed.
    StalePress,
    /// Free text went to the FAQ. The text is kept apart from the resident
    /// (the store writes it without the user id) and never in the event log.
    Asked {
        /// Ties later choices and votes to this question.
        key: String,
        lang: String,
        verdict: Verdict,
        /// The entry answered at once.
        entry: Option<String>,
        #[serde(skip)]
        text: String,
    },
    /// One of the offered questions was chosen.
    FaqChosen {
        key: String,
        entry: String,
    },
    /// 👍 or 👎 under an answer.
    FaqVoted {
        key: String,
        entry: String,
        helpful: bool,
    },
    /// Right after the FAQ's answer to a question (choices, nothing, or an
    /// answer voted 👎), the resident went to a librarian.
    FaqToLibrarian {
        key: String,
    },
    /// The resident tried to reach a librarian but no librarians' chat is set.
    HandoffUnavailable,
    /// What the resident subscribed to, as it now is.
    SubscriptionChanged {
        webinars: bool,
        news: bool,
        hub: Option<String>,
    },
}

/// How the FAQ met a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Answered,
    Choices,
    Nothing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Answered => "answered",
            Verdict::Choices => "choices",
            Verdict::Nothing => "nothing",
        }
    }
}

/// Something only the adapter can do, asked for by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Delete every personal row of the resident instead of saving the new state.
    Forget,
    /// Open a ticket with this question and post it to the librarians' chat;
    /// the adapter tells the resident the ticket's number.
    OpenTicket { text: String },
    /// Add the resident's answer to a ticket and post it to the librarians.
    TicketMessage { ticket: u64, text: String },
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: State,
    pub replies: Vec<Reply>,
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
}
