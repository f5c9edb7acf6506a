//! The application layer's API: plain data in, plain data out.
//!
//! Nothing here names a messenger. An adapter turns what arrived into an
//! [`Update`], calls [`App::handle`](super::App::handle), and turns each
//! [`Outgoing`] into whatever its channel sends; the outbox reaches it through
//! [`Deliver`].

use std::future::Future;
use std::time::Duration;

use crate::engine::{Keyboard, Reply};

/// Who sent an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The messenger's user id; a private chat with the bot has the same id.
    pub id: i64,
    /// The language their app reports (`uk`, `en-US` ...), if any.
    pub lang_hint: Option<String>,
}

/// Where an update came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chat {
    /// The person's private chat with the bot.
    Private,
    /// The librarians' group (`handoff.librarians_chat_id`).
    Librarians,
}

/// One thing a person did.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub from: Person,
    pub chat: Chat,
    /// The message's own id, or that of the message a pressed button is under.
    pub message: Option<i64>,
    pub input: Incoming,
}

/// What arrived, free of any messenger's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A text message (a `/command` is one too).
    Text {
        text: String,
        /// The text as Telegram-style HTML, where it carries formatting
        /// (a librarian's announcement keeps its bold and links).
        html: Option<String>,
        /// The message this one replies to.
        reply_to: Option<i64>,
        /// The author of a forwarded message this one replies to.
        forwarded_from: Option<i64>,
    },
    /// A photo: its file id and caption (as HTML).
    Photo {
        file: String,
        caption_html: String,
        reply_to: Option<i64>,
    },
    /// An inline button's data.
    Press { data: String },
    /// A shared location.
    Location { latitude: f64, longitude: f64 },
    /// A sticker, voice message, document, contact ...
    Other { reply_to: Option<i64> },
    /// The person blocked the bot (`true`) or let it write again.
    Membership { blocked: bool },
    /// The bot stopped before this person's last replies went out.
    Resume,
}

impl Incoming {
    /// A plain text message.
    pub fn text(text: impl Into<String>) -> Incoming {
        Incoming::Text {
            text: text.into(),
            html: None,
            reply_to: None,
            forwarded_from: None,
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    /// A person's private chat.
    Person(i64),
    /// The librarians' group.
    Librarians,
}

/// What a message is.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// What the engine says (text with `**bold**`, a venue, a contact, the
    /// chosen answer under a question).
    Reply(Reply),
    /// A librarian's own HTML, alone or as a photo's caption.
    Html {
        html: String,
        photo: Option<String>,
        keyboard: Keyboard,
    },
    /// A picture the bot made, with a caption (`**bold**` markup).
    Picture { png: Vec<u8>, caption: String },
    /// A file the bot made, with a caption.
    File {
        bytes: Vec<u8>,
        name: String,
        caption: String,
    },
}

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub to: To,
    pub body: Body,
    /// A message in the same chat this one answers.
    pub reply_to: Option<i64>,
}

impl Outgoing {
    /// A text with `**bold**` markup and a keyboard.
    pub fn text(to: To, text: String, keyboard: Keyboard) -> Outgoing {
        Outgoing {
            to,
            body: Body::Reply(Reply::Message { text, keyboard }),
            reply_to: None,
        }
    }

    /// The same, as an answer to a message.
    pub fn replying(mut self, message: Option<i64>) -> Outgoing {
        self.reply_to = message;
        self
    }
}

/// How hard a channel should try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// An answer to what a person just did: paced per chat, retried through
    /// network trouble and 429s.
    Reply,
    /// The outbox: one attempt, after waiting for the channel's budget; the
    /// outbox decides what to do with a failure.
    Bulk,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The person blocked the bot or is gone: stop writing to them.
    #[error("the person blocked the bot or is gone")]
    Blocked,
    /// The channel asked to wait this long (Telegram's 429).
    #[error("asked to wait {0:?}")]
    Wait(Duration),
    /// Network trouble or a server error: may work later.
    #[error("failed for now: {0}")]
    Transient(String),
    /// Refused for good ("chat not found", a bad request).
    #[error("refused: {0}")]
    Refused(String),
}

/// A channel the application layer sends through (Telegram, a terminal).
pub trait Deliver: Send + Sync {
    /// Sends one message; answers the ids of the messages it made (a long
    /// text may take several), or why it could not.
    fn send(
        &self,
        out: &Outgoing,
        urgency: Urgency,
    ) -> impl Future<Output = Result<Vec<i64>, SendError>> + Send;

    /// Sets the command menu people see (after start-up and each reload).
    fn set_commands(&self, menus: &[CommandMenu]) -> impl Future<Output = ()> + Send;
}

/// The command menu in one language (`None`: the default for every other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandMenu {
    pub lang: Option<String>,
    /// (command without `/`, description).
    pub commands: Vec<(String, String)>,
}
