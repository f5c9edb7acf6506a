//! The one send path to Telegram: [`Out`] turns the application layer's
//! [`Outgoing`] messages into Bot API requests, paces them, and sorts
//! Telegram's answers into [`SendError`]s — 403 blocked, 429 wait, network
//! and 5xx transient, any other refusal ("chat not found") for good. The
//! application layer decides what each means ([`App::deliver`](crate::app::App::deliver),
//! the outbox).

use std::future::{Future, IntoFuture};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ButtonRequest, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    KeyboardButton, KeyboardMarkup, MessageEntity, MessageId, ParseMode, ReplyMarkup,
    ReplyParameters,
};
use teloxide::{ApiError, RequestError};

use crate::app::{Body, CommandMenu, Deliver, Outgoing, SendError, To, Urgency};
use crate::engine::{Keyboard, Reply};
use crate::script::pieces::{split, split_html, units, visible, visible_units};
use crate::script::{markup, Picture};
use crate::settings::Settings;

/// Telegram's limit on one message's text, in UTF-16 code units of the text
/// after entity parsing (HTML tags do not count).
pub const MAX_MESSAGE: usize = 4096;
/// Telegram's limit on a photo's or a document's caption, counted alike.
pub const MAX_CAPTION: usize = 1024;
/// How many times an interactive request is tried when the network or server fails.
const ATTEMPTS: u32 = 4;

/// Sends to Telegram. One per bot, shared by the handlers and the outbox.
pub struct Out {
    bot: Bot,
    /// The librarians' group, where [`To::Librarians`] goes.
    librarians: Option<ChatId>,
    /// Spaces out messages to one chat.
    pace: DefaultKeyedRateLimiter<ChatId>,
    /// Telegram's overall budget: replies take from it first, without
    /// waiting; the outbox waits for what is left.
    global: DefaultDirectRateLimiter,
    /// The file id Telegram gave each picture on its first upload, by its file
    /// and digest: later sends name it instead of uploading it again.
    file_ids: std::sync::Mutex<std::collections::HashMap<(String, u64), FileId>>,
}

/// The message a pressed button was under, to mark the chosen answer on it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub chat: ChatId,
    pub id: MessageId,
    pub text: String,
    pub entities: Option<Vec<MessageEntity>>,
}

impl Out {
    pub fn new(bot: Bot, settings: &Settings) -> Arc<Out> {
        let quota = |burst: u32, period_ms: u64| {
            Quota::with_period(Duration::from_millis(period_ms.max(1)))
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        let t = &settings.telegram;
        let per_second = settings
            .broadcast
            .per_second
            .max(crate::app::outbox::TELEGRAM_PER_SECOND);
        Arc::new(Out {
            bot,
            librarians: settings.handoff.librarians_chat_id.map(ChatId),
            pace: RateLimiter::keyed(quota(t.pace_burst, t.pace_period_ms)),
            global: RateLimiter::direct(Quota::per_second(
                NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN),
            )),
            file_ids: Default::default(),
        })
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// Sends `out`; an [`Reply::Answered`] note edits `origin` (the message
    /// whose button was pressed) where it can.
    pub async fn send_to(
        &self,
        out: &Outgoing,
        urgency: Urgency,
        origin: Option<&Origin>,
    ) -> Result<Vec<i64>, SendError> {
        let chat = match out.to {
            To::Person(id) => ChatId(id),
            To::Librarians => self
                .librarians
                .ok_or_else(|| SendError::Refused("no librarians' chat is set".into()))?,
        };
        let reply = out
            .reply_to
            .and_then(|m| i32::try_from(m).ok())
            .map(|m| ReplyParameters::new(MessageId(m)).allow_sending_without_reply());
        let bot = &self.bot;
        let mut ids = Vec::new();
        match &out.body {
            Body::Reply(Reply::Message { text, keyboard }) => {
                self.send_pieces(chat, html_pieces(text), keyboard, reply, urgency, &mut ids)
                    .await?;
            }
            Body::Reply(Reply::Photo {
                picture,
                text,
                keyboard,
                ..
            }) => {
                self.send_picture(chat, picture, text, keyboard, reply, urgency, &mut ids)
                    .await?;
            }
            Body::Reply(Reply::Venue {
                latitude,
                longitude,
                title,
                address,
            }) => {
                self.pace(chat, urgency).await;
                let sent = call(urgency, || {
                    bot.send_venue(chat, *latitude, *longitude, title.clone(), address.clone())
                        .into_future()
                })
                .await?;
                ids.push(i64::from(sent.id.0));
            }
            Body::Reply(Reply::Contact { phone, name }) => {
                self.pace(chat, urgency).await;
                let sent = call(urgency, || {
                    bot.send_contact(chat, phone.clone(), name.clone())
                        .into_future()
                })
                .await?;
                ids.push(i64::from(sent.id.0));
            }
            Body::Reply(Reply::Answered { note }) => {
                let note = markup::to_plain(note);
                // A photo's caption is not edited: its note follows as a message.
                let fits = |o: &&Origin| {
                    o.chat == chat
                        && !o.text.is_empty()
                        && units(&o.text) + units(&note) + 2 <= MAX_MESSAGE
                };
                match origin.filter(fits) {
                    // Already marked (the answer pressed again): an edit to the same text
                    // is refused by Telegram ("message is not modified").
                    Some(o)
                        if note.trim().is_empty() || o.text.trim_end().ends_with(note.trim()) =>
                    {
                        ids.push(i64::from(o.id.0));
                    }
                    Some(o) => {
                        // The question stays as it was, without its buttons, with the answer under it.
                        let text = format!("{}\n\n{}", o.text, note);
                        self.pace(chat, urgency).await;
                        let edited = call(urgency, || {
                            let mut r = bot.edit_message_text(chat, o.id, text.clone());
                            if let Some(e) = &o.entities {
                                r = r.entities(e.clone());
                            }
                            r.into_future()
                        })
                        .await;
                        match edited {
                            Ok(_) => ids.push(i64::from(o.id.0)),
                            Err(SendError::Blocked) => return Err(SendError::Blocked),
                            // An old message may no longer be editable; the answer still counts.
                            Err(e) => {
                                tracing::debug!(error = %e, "could not mark the chosen answer")
                            }
                        }
                    }
                    None if note.trim().is_empty() => {}
                    None => {
                        for piece in split(&note, MAX_MESSAGE) {
                            if piece.trim().is_empty() {
                                continue;
                            }
                            self.pace(chat, urgency).await;
                            let sent = call(urgency, || {
                                bot.send_message(chat, piece.clone()).into_future()
                            })
                            .await?;
                            ids.push(i64::from(sent.id.0));
                        }
                    }
                }
            }
            Body::Html {
                html,
                photo,
                keyboard,
            } => match photo {
                Some(file) => {
                    let fits = visible_units(html) <= MAX_CAPTION;
                    let markup = reply_markup(keyboard).filter(|_| fits);
                    self.pace(chat, urgency).await;
                    let sent = call(urgency, || {
                        let mut r = bot.send_photo(chat, InputFile::file_id(file.clone().into()));
                        if fits && !html.trim().is_empty() {
                            r = r.caption(html.clone()).parse_mode(ParseMode::Html);
                        }
                        if let Some(m) = &markup {
                            r = r.reply_markup(m.clone());
                        }
                        r.into_future()
                    })
                    .await?;
                    ids.push(i64::from(sent.id.0));
                    if !fits {
                        // A caption too long for a photo follows it as text.
                        let pieces = split_html(html, MAX_MESSAGE);
                        self.send_pieces(chat, pieces, keyboard, None, urgency, &mut ids)
                            .await?;
                    }
                }
                None => {
                    let pieces = split_html(html, MAX_MESSAGE);
                    self.send_pieces(chat, pieces, keyboard, reply, urgency, &mut ids)
                        .await?;
                }
            },
            Body::Picture { png, caption } => {
                let html = markup::to_html(caption);
                let fits = visible_units(&html) <= MAX_CAPTION;
                self.pace(chat, urgency).await;
                let sent = call(urgency, || {
                    let mut r = bot.send_photo(
                        chat,
                        InputFile::memory(png.clone()).file_name("picture.png"),
                    );
                    if fits && !html.trim().is_empty() {
                        r = r.caption(html.clone()).parse_mode(ParseMode::Html);
                    }
                    r.into_future()
                })
                .await?;
                ids.push(i64::from(sent.id.0));
                if !fits {
                    let pieces = html_pieces(caption);
                    self.send_pieces(chat, pieces, &Keyboard::None, None, urgency, &mut ids)
                        .await?;
                }
            }
            Body::File {
                bytes,
                name,
                caption,
            } => {
                let html = markup::to_html(caption);
                let fits = visible_units(&html) <= MAX_CAPTION;
                self.pace(chat, urgency).await;
                let sent = call(urgency, || {
                    let mut r = bot.send_document(
                        chat,
                        InputFile::memory(bytes.clone()).file_name(name.clone()),
                    );
                    if fits && !html.trim().is_empty() {
                        r = r.caption(html.clone()).parse_mode(ParseMode::Html);
                    }
                    r.into_future()
                })
                .await?;
                ids.push(i64::from(sent.id.0));
                if !fits {
                    let pieces = html_pieces(caption);
                    self.send_pieces(chat, pieces, &Keyboard::None, None, urgency, &mut ids)
                        .await?;
                }
            }
        }
        Ok(ids)
    }

    /// A step's picture with its text as the caption and its keyboard under it;
    /// a text too long for a caption follows the picture, with the keyboard.
    /// The first upload of a picture is remembered by the file id Telegram
    /// gives it, and later sends name that id.
    #[allow(clippy::too_many_arguments)]
    async fn send_picture(
        &self,
        chat: ChatId,
        picture: &Picture,
        text: &str,
        keyboard: &Keyboard,
        reply: Option<ReplyParameters>,
        urgency: Urgency,
        ids: &mut Vec<i64>,
    ) -> Result<(), SendError> {
        let key = (picture.file.clone(), picture.digest);
        let html = match markup::problem(text) {
            None => markup::to_html(text),
            Some(_) => markup::to_html(&markup::to_plain(text)),
        };
        let fits = visible_units(&html) <= MAX_CAPTION;
        let markup = reply_markup(keyboard).filter(|_| fits);
        let known = self.known_file(&key);
        let send = |file: InputFile| {
            let mut r = self.bot.send_photo(chat, file);
            if fits && !html.trim().is_empty() {
                r = r.caption(html.clone()).parse_mode(ParseMode::Html);
            }
            if let Some(m) = &markup {
                r = r.reply_markup(m.clone());
            }
            if let Some(p) = &reply {
                r = r.reply_parameters(p.clone());
            }
            r.into_future()
        };
        let upload =
            || InputFile::memory(picture.bytes.to_vec()).file_name(picture.file_name().to_string());
        self.pace(chat, urgency).await;
        let sent = match &known {
            Some(id) => match call(urgency, || send(InputFile::file_id(id.clone()))).await {
                // Telegram no longer knows the file (another bot token, a cleared
                // cache): upload it again.
                Err(SendError::Refused(why)) => {
                    tracing::debug!(%why, "a remembered file id was refused; uploading");
                    self.forget_file(&key);
                    call(urgency, || send(upload())).await?
                }
                other => other?,
            },
            None => call(urgency, || send(upload())).await?,
        };
        if known.is_none() {
            if let Some(largest) = sent.photo().and_then(|sizes| sizes.last()) {
                self.remember_file(key, largest.file.id.clone());
            }
        }
        ids.push(i64::from(sent.id.0));
        if !fits {
            self.send_pieces(chat, html_pieces(text), keyboard, None, urgency, ids)
                .await?;
        }
        Ok(())
    }

    fn known_file(&self, key: &(String, u64)) -> Option<FileId> {
        self.file_ids
            .lock()
            .ok()
            .and_then(|ids| ids.get(key).cloned())
    }

    fn remember_file(&self, key: (String, u64), id: FileId) {
        if let Ok(mut ids) = self.file_ids.lock() {
            ids.insert(key, id);
        }
    }

    fn forget_file(&self, key: &(String, u64)) {
        if let Ok(mut ids) = self.file_ids.lock() {
            ids.remove(key);
        }
    }

    /// Sends HTML pieces in order, the keyboard under the last, the first as a
    /// reply to `reply`; pieces with no visible text are left out.
    async fn send_pieces(
        &self,
        chat: ChatId,
        pieces: Vec<String>,
        keyboard: &Keyboard,
        reply: Option<ReplyParameters>,
        urgency: Urgency,
        ids: &mut Vec<i64>,
    ) -> Result<(), SendError> {
        let pieces: Vec<String> = pieces
            .into_iter()
            .filter(|p| !visible(p).trim().is_empty())
            .collect();
        if pieces.is_empty() {
            tracing::debug!("nothing to send: the text is empty");
        }
        let last = pieces.len().saturating_sub(1);
        for (i, html) in pieces.iter().enumerate() {
            let markup = (i == last).then(|| reply_markup(keyboard)).flatten();
            let reply = reply.clone().filter(|_| i == 0);
            self.pace(chat, urgency).await;
            let sent = call(urgency, || {
                let mut r = self
                    .bot
                    .send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html);
                if let Some(m) = &markup {
                    r = r.reply_markup(m.clone());
                }
                if let Some(p) = &reply {
                    r = r.reply_parameters(p.clone());
                }
                r.into_future()
            })
            .await?;
            ids.push(i64::from(sent.id.0));
        }
        Ok(())
    }

    /// Waits for this chat's turn; a reply takes from Telegram's overall
    /// budget without waiting for it, the outbox waits.
    async fn pace(&self, chat: ChatId, urgency: Urgency) {
        match urgency {
            Urgency::Reply => {
                let _ = self.global.check();
            }
            Urgency::Bulk => self.global.until_ready().await,
        }
        self.pace.until_key_ready(&chat).await;
    }
}

impl Deliver for Out {
    async fn send(&self, out: &Outgoing, urgency: Urgency) -> Result<Vec<i64>, SendError> {
        self.send_to(out, urgency, None).await
    }

    async fn set_commands(&self, menus: &[CommandMenu]) {
        for menu in menus {
            let commands: Vec<BotCommand> = menu
                .commands
                .iter()
                .map(|(name, description)| BotCommand::new(name, description))
                .collect();
            let result = call(Urgency::Reply, || {
                let mut r = self.bot.set_my_commands(commands.clone());
                if let Some(lang) = &menu.lang {
                    r = r.language_code(lang.clone());
                }
                r.into_future()
            })
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not set the command menu");
                return;
            }
        }
    }
}

/// The sink for one update's replies: the message a button was under is
/// edited to show the chosen answer.
pub struct Turn<'a> {
    pub out: &'a Out,
    pub origin: Option<Origin>,
}

impl Deliver for Turn<'_> {
    async fn send(&self, out: &Outgoing, urgency: Urgency) -> Result<Vec<i64>, SendError> {
        self.out.send_to(out, urgency, self.origin.as_ref()).await
    }

    async fn set_commands(&self, menus: &[CommandMenu]) {
        self.out.set_commands(menus).await
    }
}

/// Runs one request: interactively it retries what may succeed later; for
/// the outbox it tries once and says why it failed. An interactive request
/// Telegram tells to wait (429) is tried again after each wait for as long as
/// the waits add up to no more than [`REPLY_WAITS`]: the wait is Telegram's
/// own word that it will take the request then, so a storm of 429s delays a
/// reply instead of losing it. A network or server failure is tried
/// [`ATTEMPTS`] times.
pub async fn call<T, F, Fut>(urgency: Urgency, mut request: F) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let (attempts, patience) = match urgency {
        Urgency::Reply => (ATTEMPTS, REPLY_WAITS),
        Urgency::Bulk => (1, Duration::ZERO),
    };
    let mut failed = 0;
    let mut waited = Duration::ZERO;
    loop {
        let e = match request().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let error = classify(&e);
        match &error {
            SendError::Wait(wait) if waited + *wait <= patience => {
                tracing::warn!(seconds = wait.as_secs(), "Telegram asked to wait (429)");
                waited += *wait;
                tokio::time::sleep(*wait).await;
            }
            SendError::Transient(_) if failed + 1 < attempts => {
                failed += 1;
                let wait = Duration::from_millis(200 << failed);
                tracing::warn!(error = %e, attempt = failed, "Telegram request failed; retrying");
                tokio::time::sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}

/// How long, in all, a reply waits out Telegram's 429s before it is given
/// up: long enough for any flood wait a bot at Telegram's rate is told,
/// short enough that a chat is not held for minutes.
pub const REPLY_WAITS: Duration = Duration::from_secs(60);

/// How long after a press its answer is still tried: Telegram refuses an
/// answer to a query much older than this, and until it is answered the
/// button's spinner turns on the resident's phone.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(12);

/// Answers a button press: like [`call`] for a reply, but a 429 or a
/// transient failure is tried again for as long as the answer is still
/// worth sending ([`ANSWER_WITHIN`]), not a fixed number of times, so a
/// storm of 429s slows the answer without losing it.
pub async fn answer_press<T, F, Fut>(mut request: F) -> Result<(), SendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let deadline = crate::clock::instant() + ANSWER_WITHIN;
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let e = match request().await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let error = classify(&e);
        let wait = match &error {
            SendError::Wait(wait) => *wait,
            SendError::Transient(_) => Duration::from_millis(200u64 << attempt.min(3)),
            _ => return Err(error),
        };
        if crate::clock::instant() + wait >= deadline {
            return Err(error);
        }
        tracing::debug!(error = %e, attempt, "answering a press failed; retrying");
        tokio::time::sleep(wait).await;
    }
}

/// What a Telegram error means for the sender.
pub fn classify(e: &RequestError) -> SendError {
    match e {
        RequestError::RetryAfter(wait) => SendError::Wait(wait.duration()),
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup,
        ) => SendError::Blocked,
        // A 400 teloxide has no name for (it matches Telegram's words
        // exactly: "query ID is invalid" is not its "query id is invalid")
        // is still a refusal, which trying again cannot change.
        RequestError::Api(ApiError::Unknown(why)) if why.starts_with("Bad Request") => {
            SendError::Refused(e.to_string())
        }
        // Network trouble, a server error, or an answer that is not Telegram's JSON.
        RequestError::Network(_)
        | RequestError::Io(_)
        | RequestError::InvalidJson { .. }
        | RequestError::Api(ApiError::Unknown(_)) => SendError::Transient(e.to_string()),
        other => SendError::Refused(other.to_string()),
    }
}

fn reply_markup(keyboard: &Keyboard) -> Option<ReplyMarkup> {
    match keyboard {
        Keyboard::None => None,
        Keyboard::Inline(rows) => Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(
            rows.iter().map(|row| {
                row.iter()
                    .map(
                        |b| match b.url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
                            Some(url) => InlineKeyboardButton::url(b.label.clone(), url),
                            None => InlineKeyboardButton::callback(b.label.clone(), b.data.clone()),
                        },
                    )
                    .collect::<Vec<_>>()
            }),
        ))),
        Keyboard::Menu(rows) => Some(ReplyMarkup::Keyboard(
            KeyboardMarkup::new(
                rows.iter()
                    .map(|row| row.iter().map(KeyboardButton::new).collect::<Vec<_>>()),
            )
            .resize_keyboard()
            .persistent(),
        )),
        Keyboard::AskLocation { share, back } => Some(ReplyMarkup::Keyboard(
            KeyboardMarkup::new([
                vec![KeyboardButton::new(share).request(ButtonRequest::Location)],
                vec![KeyboardButton::new(back)],
            ])
            .resize_keyboard()
            .one_time_keyboard(),
        )),
    }
}

/// A text with markup as Telegram HTML, in pieces that each fit one message;
/// a piece whose `**` would not close is sent plain.
fn html_pieces(text: &str) -> Vec<String> {
    split(text, MAX_MESSAGE)
        .iter()
        .map(|chunk| match markup::problem(chunk) {
            None => markup::to_html(chunk),
            Some(_) => markup::to_html(&markup::to_plain(chunk)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::Seconds;

    #[tokio::test(start_paused = true)]
    async fn a_press_answer_told_to_wait_again_and_again_goes_once_telegram_lets_it() {
        let mut tries = 0;
        let answered = answer_press(|| {
            tries += 1;
            let t = tries;
            async move {
                if t < 8 {
                    Err(RequestError::RetryAfter(Seconds::from_seconds(1)))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert!(answered.is_ok(), "{answered:?}");
        assert_eq!(tries, 8, "seven 429s in a row, then the answer");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_told_to_wait_again_and_again_goes_once_telegram_lets_it() {
        let mut tries = 0;
        let sent = call(Urgency::Reply, || {
            tries += 1;
            let t = tries;
            async move {
                if t < 10 {
                    Err(RequestError::RetryAfter(Seconds::from_seconds(1)))
                } else {
                    Ok(t)
                }
            }
        })
        .await;
        assert_eq!(sent, Ok(10), "nine 429s in a row, then the reply");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_waits_out_no_more_than_a_minute_of_429s() {
        let mut tries = 0;
        let started = crate::clock::instant();
        let sent = call(Urgency::Reply, || {
            tries += 1;
            async { Err::<(), _>(RequestError::RetryAfter(Seconds::from_seconds(25))) }
        })
        .await;
        assert!(matches!(sent, Err(SendError::Wait(_))), "{sent:?}");
        // Tried at 0, 25 and 50 s; a third wait would take it past a minute.
        assert_eq!(tries, 3);
        assert_eq!(started.elapsed(), Duration::from_secs(50));
    }

    #[tokio::test(start_paused = true)]
    async fn an_announcement_told_to_wait_is_left_to_the_outbox() {
        let mut tries = 0;
        let sent = call(Urgency::Bulk, || {
            tries += 1;
            async { Err::<(), _>(RequestError::RetryAfter(Seconds::from_seconds(1))) }
        })
        .await;
        assert!(matches!(sent, Err(SendError::Wait(_))), "{sent:?}");
        assert_eq!(tries, 1, "the outbox keeps it and tries when the wait ends");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_the_network_keeps_failing_is_tried_four_times() {
        let mut tries = 0;
        let sent = call(Urgency::Reply, || {
            tries += 1;
            async {
                Err::<(), _>(RequestError::Io(std::sync::Arc::new(
                    std::io::Error::other("connection reset"),
                )))
            }
        })
        .await;
        assert!(matches!(sent, Err(SendError::Transient(_))), "{sent:?}");
        assert_eq!(tries, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_press_answered_before_is_refused_at_once_not_tried_for_twelve_seconds() {
        // Telegram's own words, which teloxide does not recognise.
        let why =
            "Bad Request: query is too old and response timeout expired or query ID is invalid";
        let mut tries = 0;
        let started = crate::clock::instant();
        let answered = answer_press(|| {
            tries += 1;
            async { Err::<(), _>(RequestError::Api(ApiError::Unknown(why.into()))) }
        })
        .await;
        assert!(
            matches!(answered, Err(SendError::Refused(_))),
            "{answered:?}"
        );
        assert_eq!(tries, 1);
        assert_eq!(started.elapsed(), Duration::ZERO);
        // A server error teloxide has no name for is still tried again.
        let bad_gateway = RequestError::Api(ApiError::Unknown("Bad Gateway".into()));
        assert!(matches!(classify(&bad_gateway), SendError::Transient(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_press_answer_is_given_up_when_it_would_be_too_old() {
        let mut tries = 0;
        let answered = answer_press(|| {
            tries += 1;
            async { Err::<(), _>(RequestError::RetryAfter(Seconds::from_seconds(5))) }
        })
        .await;
        assert!(matches!(answered, Err(SendError::Wait(_))), "{answered:?}");
        // Tried at 0, 5 and 10 s; the next try would come after ANSWER_WITHIN.
        assert_eq!(tries, 3);
    }
}
