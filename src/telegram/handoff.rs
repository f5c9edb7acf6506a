//! Hand-off to a librarian: tickets between residents' private chats and the
//! librarians' group chat (`handoff.librarians_chat_id`).
//!
//! - A resident's question ([`Effect::OpenTicket`](crate::engine::Effect)) is
//!   stored as a ticket and posted to the group with its number, the
//!   resident's language and a "close" button; never their name or phone.
//! - A librarian answers by replying (Telegram's reply) to a ticket's post; the
//!   answer is delivered to that ticket's resident only, with a button to
//!   answer back. The resident's answer is posted to the group as a reply in
//!   the same thread, and so on.
//! - `/close` sent as a reply to a ticket's post, or the button, closes it.
//!
//! Only messages in the configured group act on tickets, and only replies to a
//! ticket's own posts are passed on, so nothing else said in the group reaches
//! any resident. Every ticket and post is in the store, so threads go on after
//! a restart.

use teloxide::prelude::*;
use teloxide::types::MessageId;

use super::render::{self, DeliveryError};
use super::{user_key, App, HandlerResult};
use crate::engine::{InlineButton, Input, Keyboard, Press};
use crate::script::{markup, Msg};

/// The librarians' chat reads the bot's sentences in the first configured language.
const GROUP_LANG: usize = 0;

impl App {
    /// A resident's question for the librarians: a new ticket.
    pub(super) async fn open_ticket(
        &self,
        bot: &Bot,
        user: UserId,
        chat: ChatId,
        lang: usize,
        text: &str,
    ) -> HandlerResult {
        let Some(group) = self.librarians else {
            return self.say(bot, chat, lang, Msg::LibrarianNone, &[]).await;
        };
        let script = self.script();
        let strings = &script.strings;
        let code = script.languages[lang].as_str();
        let ticket = self
            .store
            .open_ticket(user_key(user), chat.0, code, text, self.now())
            .await?;
        let number = ticket.to_string();
        let post = strings.fill(
            Msg::TicketPost,
            GROUP_LANG,
            &[
                ("ticket", &number),
                ("language", strings.get(Msg::LanguageName, lang)),
                ("text", &markup::literal(text)),
            ],
        );
        match render::send(bot, group, &post, &self.close_button(ticket), None).await {
            Ok(sent) => {
                for message in &sent {
                    self.store
                        .map_post(group.0, message.id.0.into(), ticket)
                        .await?;
                }
                tracing::info!(ticket, user = user.0, "ticket opened");
                self.say(bot, chat, lang, Msg::TicketOpened, &[("ticket", &number)])
                    .await
            }
            Err(e) => {
                // The question stays in the store; the resident is told to try later.
                tracing::error!(ticket, error = %e, "could not post a ticket to the librarians' chat");
                self.store.close_ticket(ticket, 0, self.now()).await?;
                self.say(bot, chat, lang, Msg::HandoffFailed, &[]).await
            }
        }
    }

    /// A resident's further message in a ticket, posted in its thread.
    pub(super) async fn ticket_message(
        &self,
        bot: &Bot,
        user: UserId,
        chat: ChatId,
        lang: usize,
        ticket: i64,
        text: &str,
    ) -> HandlerResult {
        let number = ticket.to_string();
        let open = self
            .store
            .ticket(ticket)
            .await?
            .filter(|t| t.user == user_key(user) && !t.closed);
        let (Some(group), Some(_)) = (self.librarians, open) else {
            return self
                .say(bot, chat, lang, Msg::TicketNotOpen, &[("ticket", &number)])
                .await;
        };
        self.store
            .add_ticket_message(ticket, None, text, self.now())
            .await?;
        let post = self.script().strings.fill(
            Msg::TicketFollowUp,
            GROUP_LANG,
            &[("ticket", &number), ("text", &markup::literal(text))],
        );
        let thread = self.store.last_post(ticket, group.0).await?;
        let reply_to = thread.and_then(|m| i32::try_from(m).ok()).map(MessageId);
        match render::send(bot, group, &post, &self.close_button(ticket), reply_to).await {
            Ok(sent) => {
                for message in &sent {
                    self.store
                        .map_post(group.0, message.id.0.into(), ticket)
                        .await?;
                }
                self.say(bot, chat, lang, Msg::TicketSent, &[("ticket", &number)])
                    .await
            }
            Err(e) => {
                tracing::error!(ticket, error = %e, "could not post to the librarians' chat");
                self.say(bot, chat, lang, Msg::HandoffFailed, &[]).await
            }
        }
    }

    /// A message in the librarians' chat: an answer or `/close` in reply to a
    /// ticket's post acts on that ticket; anything else is none of the bot's business.
    pub(super) async fn in_librarians_chat(&self, bot: &Bot, msg: &Message) -> HandlerResult {
        let Some(librarian) = msg.from.as_ref().filter(|u| !u.is_bot) else {
            return Ok(());
        };
        let group = msg.chat.id;
        let command = msg.text().map(Input::from_text);
        let closing = matches!(&command, Some(Input::Command { name, .. }) if name == "close");
        let ticket = match msg.reply_to_message() {
            Some(post) => self.store.ticket_of_post(group.0, post.id.0.into()).await?,
            None => None,
        };
        let Some(ticket) = ticket else {
            if closing {
                self.tell_group(bot, group, msg.id, Msg::TicketHowTo, &[])
                    .await;
            }
            return Ok(());
        };
        if closing {
            return self.close(bot, group, msg.id, ticket, librarian.id).await;
        }
        let number = ticket.to_string();
        let Some(text) = msg.text().filter(|t| !t.trim().is_empty()) else {
            self.tell_group(bot, group, msg.id, Msg::TextOnly, &[])
                .await;
            return Ok(());
        };
        let Some(t) = self.store.ticket(ticket).await? else {
            return Ok(());
        };
        if t.closed {
            self.tell_group(
                bot,
                group,
                msg.id,
                Msg::TicketNotOpen,
                &[("ticket", &number)],
            )
            .await;
            return Ok(());
        }
        self.store
            .add_ticket_message(ticket, Some(user_key(librarian.id)), text, self.now())
            .await?;
        // The librarian may reply to their own answer later: it belongs to the thread too.
        self.store
            .map_post(group.0, msg.id.0.into(), ticket)
            .await?;
        let lang = self.script().lang_index(&t.lang).unwrap_or(0);
        let answer = self.script().strings.fill(
            Msg::LibrarianSays,
            lang,
            &[("ticket", &number), ("text", &markup::literal(text))],
        );
        let keyboard = Keyboard::Inline(vec![vec![InlineButton {
            url: None,
            label: self
                .script()
                .strings
                .get(Msg::ButtonReply, lang)
                .to_string(),
            data: Press::Reply(ticket as u64).encode(),
        }]]);
        let resident = ChatId(t.chat);
        self.pace.until_key_ready(&resident).await;
        match render::send(bot, resident, &answer, &keyboard, None).await {
            Ok(sent) => {
                for message in &sent {
                    self.store
                        .map_post(resident.0, message.id.0.into(), ticket)
                        .await?;
                }
                tracing::info!(ticket, librarian = librarian.id.0, "librarian answered");
                self.tell_group(
                    bot,
                    group,
                    msg.id,
                    Msg::TicketDelivered,
                    &[("ticket", &number)],
                )
                .await;
            }
            Err(DeliveryError::Blocked(e)) => {
                tracing::info!(ticket, error = %e, "resident blocked the bot");
                self.store.set_blocked(t.user, true).await?;
                self.tell_group(
                    bot,
                    group,
                    msg.id,
                    Msg::TicketUndelivered,
                    &[("ticket", &number)],
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Closes a ticket (`/close` or its button) and tells both sides.
    pub(super) async fn close(
        &self,
        bot: &Bot,
        group: ChatId,
        post: MessageId,
        ticket: i64,
        librarian: UserId,
    ) -> HandlerResult {
        let number = ticket.to_string();
        if !self
            .store
            .close_ticket(ticket, user_key(librarian), self.now())
            .await?
        {
            self.tell_group(bot, group, post, Msg::TicketNotOpen, &[("ticket", &number)])
                .await;
            return Ok(());
        }
        tracing::info!(ticket, librarian = librarian.0, "ticket closed");
        self.tell_group(
            bot,
            group,
            post,
            Msg::TicketClosedGroup,
            &[("ticket", &number)],
        )
        .await;
        if let Some(t) = self.store.ticket(ticket).await? {
            let lang = self.script().lang_index(&t.lang).unwrap_or(0);
            if let Err(e) = self
                .say(
                    bot,
                    ChatId(t.chat),
                    lang,
                    Msg::TicketClosed,
                    &[("ticket", &number)],
                )
                .await
            {
                tracing::info!(ticket, error = %e, "could not tell the resident the ticket is closed");
            }
        }
        Ok(())
    }

    /// The resident replied (Telegram's reply) to a librarian's answer: the
    /// ticket that answer belongs to, if any.
    pub(super) async fn replied_ticket(&self, chat: ChatId, msg: &Message) -> Option<i64> {
        let post = msg.reply_to_message()?;
        // A command stays a command, even sent as a reply.
        msg.text().filter(|t| !t.trim_start().starts_with('/'))?;
        match self.store.ticket_of_post(chat.0, post.id.0.into()).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "could not look up a ticket");
                None
            }
        }
    }

    fn close_button(&self, ticket: i64) -> Keyboard {
        Keyboard::Inline(vec![vec![InlineButton {
            url: None,
            label: self
                .script()
                .strings
                .get(Msg::ButtonCloseTicket, GROUP_LANG)
                .to_string(),
            data: Press::Close(ticket as u64).encode(),
        }]])
    }

    /// One of the bot's sentences in the librarians' chat, as a reply; a
    /// failure is logged, since the librarians' action itself is done.
    async fn tell_group(
        &self,
        bot: &Bot,
        group: ChatId,
        reply_to: MessageId,
        msg: Msg,
        values: &[(&str, &str)],
    ) {
        let text = self.script().strings.fill(msg, GROUP_LANG, values);
        if let Err(e) = render::send(bot, group, &text, &Keyboard::None, Some(reply_to)).await {
            tracing::warn!(error = %e, "could not write to the librarians' chat");
        }
    }
}
