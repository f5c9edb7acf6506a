//! Engine replies as Telegram requests, and sending them through Telegram's
//! errors: 429 waits `retry_after`, network and server errors retry with
//! back-off, and "blocked by the user" stops the sending.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    MessageId, ParseMode, ReplyMarkup, ReplyParameters,
};
use teloxide::{ApiError, RequestError};

use crate::engine::{Keyboard, Reply};
use crate::script::markup;

/// Telegram's limit on one message's text.
pub const MAX_MESSAGE: usize = 4096;
/// How many times one request is tried when the network or server fails.
const ATTEMPTS: u32 = 4;

/// Why replies could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The resident blocked the bot or deleted their account: stop sending.
    #[error("the resident blocked the bot or is gone: {0}")]
    Blocked(RequestError),
    #[error("Telegram request failed: {0}")]
    Failed(RequestError),
}

/// The message a pressed button was under, to mark the chosen answer on it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub id: MessageId,
    pub text: String,
    pub entities: Option<Vec<teloxide::types::MessageEntity>>,
}

/// Sends every reply in order; stops at the first failure.
pub async fn deliver<F, Fut>(
    bot: &Bot,
    chat: ChatId,
    replies: &[Reply],
    origin: Option<&Origin>,
    mut pace: F,
) -> Result<(), DeliveryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for reply in replies {
        match reply {
            Reply::Message { text, keyboard } => {
                let chunks = html_pieces(text);
                let last = chunks.len().saturating_sub(1);
                for (i, html) in chunks.iter().enumerate() {
                    let markup = if i == last {
                        reply_markup(keyboard)
                    } else {
                        None
                    };
                    pace().await;
                    call(|| {
                        let mut request = bot
                            .send_message(chat, html.clone())
                            .parse_mode(ParseMode::Html);
                        if let Some(m) = &markup {
                            request = request.reply_markup(m.clone());
                        }
                        request.into_future()
                    })
                    .await?;
                }
            }
            Reply::Venue {
                latitude,
                longitude,
                title,
                address,
            } => {
                pace().await;
                call(|| {
                    bot.send_venue(chat, *latitude, *longitude, title.clone(), address.clone())
                        .into_future()
                })
                .await?;
            }
            Reply::Contact { phone, name } => {
                pace().await;
                call(|| {
                    bot.send_contact(chat, phone.clone(), name.clone())
                        .into_future()
                })
                .await?;
            }
            Reply::Answered { note } => {
                let note = markup::to_plain(note);
                match origin {
                    Some(o) if o.text.chars().count() + note.chars().count() + 2 <= MAX_MESSAGE => {
                        // The question stays as it was, without its buttons, with the answer under it.
                        let text = format!("{}\n\n{}", o.text, note);
                        pace().await;
                        let edited = call(|| {
                            let mut request = bot.edit_message_text(chat, o.id, text.clone());
                            if let Some(e) = &o.entities {
                                request = request.entities(e.clone());
                            }
                            request.into_future()
                        })
                        .await;
                        match edited {
                            Ok(_) => {}
                            // An old message may no longer be editable; the answer still counts.
                            Err(DeliveryError::Failed(e)) => {
                                tracing::debug!(error = %e, "could not mark the chosen answer")
                            }
                            Err(blocked) => return Err(blocked),
                        }
                    }
                    _ => {
                        pace().await;
                        call(|| bot.send_message(chat, note.clone()).into_future()).await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Sends a text (with `**bold**` markup) as one or more messages and returns
/// them, for messages whose ids must be remembered (tickets). The keyboard goes
/// under the last piece; the first piece replies to `reply_to`, if given.
pub async fn send(
    bot: &Bot,
    chat: ChatId,
    text: &str,
    keyboard: &Keyboard,
    reply_to: Option<MessageId>,
) -> Result<Vec<Message>, DeliveryError> {
    let chunks = html_pieces(text);
    let last = chunks.len().saturating_sub(1);
    let mut sent = Vec::with_capacity(chunks.len());
    for (i, html) in chunks.iter().enumerate() {
        let markup = if i == last {
            reply_markup(keyboard)
        } else {
            None
        };
        let reply = reply_to
            .filter(|_| i == 0)
            .map(|id| ReplyParameters::new(id).allow_sending_without_reply());
        let message = call(|| {
            let mut request = bot
                .send_message(chat, html.clone())
                .parse_mode(ParseMode::Html);
            if let Some(m) = &markup {
                request = request.reply_markup(m.clone());
            }
            if let Some(r) = &reply {
                request = request.reply_parameters(r.clone());
            }
            request.into_future()
        })
        .await?;
        sent.push(message);
    }
    Ok(sent)
}

/// Runs one request, retrying what may succeed later.
pub async fn call<T, F, Fut>(mut request: F) -> Result<T, DeliveryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match request().await {
            Ok(v) => return Ok(v),
            Err(RequestError::RetryAfter(wait)) if attempt <= ATTEMPTS => {
                tracing::warn!(seconds = wait.seconds(), "Telegram asked to wait (429)");
                tokio::time::sleep(wait.duration()).await;
            }
            Err(e) if is_blocked(&e) => return Err(DeliveryError::Blocked(e)),
            Err(e) if is_transient(&e) && attempt < ATTEMPTS => {
                let wait = Duration::from_millis(200 << attempt);
                tracing::warn!(error = %e, attempt, "Telegram request failed; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(DeliveryError::Failed(e)),
        }
    }
}

pub(super) fn is_blocked(e: &RequestError) -> bool {
    matches!(
        e,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::UserDeactivated
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
        )
    )
}

/// Network trouble, a server error, or an answer that is not Telegram's JSON.
pub(super) fn is_transient(e: &RequestError) -> bool {
    matches!(
        e,
        RequestError::Network(_)
            | RequestError::Io(_)
            | RequestError::InvalidJson { .. }
            | RequestError::Api(ApiError::Unknown(_))
    )
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

/// Splits a text into pieces of at most `max` characters, at line breaks where it can.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for line in text.split_inclusive('\n') {
        let line_len = line.chars().count();
        if len + line_len > max && len > 0 {
            chunks.push(std::mem::take(&mut current).trim_end().to_string());
            len = 0;
        }
        if line_len > max {
            // One line longer than a message: cut it at character boundaries.
            let chars: Vec<char> = line.chars().collect();
            for piece in chars.chunks(max) {
                chunks.push(piece.iter().collect());
            }
            continue;
        }
        current.push_str(line);
        len += line_len;
    }
    if !current.trim().is_empty() || chunks.is_empty() {
        chunks.push(current.trim_end().to_string());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split("Привіт\nсвіт", 4096), vec!["Привіт\nсвіт"]);
    }

    #[test]
    fn long_text_is_split_at_lines_below_the_limit() {
        let line = format!("{}\n", "ї".repeat(1000));
        let text = line.repeat(10);
        let chunks = split(&text, MAX_MESSAGE);
        assert!(chunks.len() >= 3, "{}", chunks.len());
        assert!(chunks.iter().all(|c| c.chars().count() <= MAX_MESSAGE));
        assert_eq!(chunks.concat().replace('\n', ""), text.replace('\n', ""));
    }

    #[test]
    fn one_huge_line_is_cut() {
        let text = "я".repeat(10_000);
        let chunks = split(&text, MAX_MESSAGE);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|c| c.chars().count() <= MAX_MESSAGE));
    }
}
