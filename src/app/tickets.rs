//! Hand-off to a librarian: tickets between residents' private chats and the
//! librarians' group.
//!
//! - A resident's question opens a ticket. The ticket and its post to the
//!   group are written in the same transaction as the resident's step; the
//!   outbox posts it (number, language and the words; never a name or phone),
//!   so a crash at any point loses no question.
//! - A librarian answers by replying to one of a ticket's posts; the answer is
//!   queued for that ticket's resident only, with a button to answer back. The
//!   resident's answers are queued for the group, in the same thread.
//! - `/close` as a reply to a ticket's post, or the post's button, closes it;
//!   the resident is told through the outbox.
//!
//! Only updates from the configured group act on tickets, and only replies to
//! a ticket's own posts are passed on, so nothing else said in the group
//! reaches any resident.

use super::{AppError, Chat, Incoming, Outgoing, Response, Turn, Update};
use crate::commands::{self, Cmd};
use crate::engine::{Input, Press};
use crate::script::{Msg, Script};
use crate::store::Write;

impl super::App {
    /// The ticket a message in the group belongs to. A reply can reach the
    /// bot before the post it answers is recorded (a post is recorded once
    /// Telegram has taken it, and a quick librarian, or a busy database, can
    /// beat that): while a post is on its way, a reply to an unknown message
    /// is looked up again for up to two seconds before it is taken for talk.
    async fn ticket_of_post(&self, group: i64, post: i64) -> Result<Option<i64>, AppError> {
        for _ in 0..10 {
            // Asked first: a post recorded after this is found just below.
            let on_their_way = self.store.posts_on_their_way().await?;
            if let Some(ticket) = self.store.ticket_of_post(group, post).await? {
                return Ok(Some(ticket));
            }
            if !on_their_way {
                return Ok(None);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        Ok(None)
    }

    /// A resident's question for the librarians: a new ticket, queued for
    /// the group with the step.
    pub(super) async fn open_ticket(&self, t: &mut Turn<'_>, text: &str) -> Result<(), AppError> {
        if self.librarians.is_none() {
            t.say(Msg::LibrarianNone, &[]);
            return Ok(());
        }
        let code = t.script.languages[t.lang].clone();
        t.writes.push(Write::OpenTicket {
            user: t.user,
            chat: t.user,
            lang: code,
            text: text.to_string(),
            now: self.now(),
        });
        let answers = t.commit().await?;
        let ticket = answers.last().copied().unwrap_or_default();
        tracing::info!(ticket, user = t.user, "ticket opened");
        self.wake_outbox();
        t.say(Msg::TicketOpened, &[("ticket", &ticket.to_string())]);
        Ok(())
    }

    /// A resident's further message in a ticket, queued for its thread.
    pub(super) async fn ticket_message(
        &self,
        t: &mut Turn<'_>,
        ticket: i64,
        text: &str,
    ) -> Result<(), AppError> {
        let number = ticket.to_string();
        let open = self
            .store
            .ticket(ticket)
            .await?
            .filter(|x| x.user == t.user && !x.closed);
        if open.is_none() || self.librarians.is_none() {
            t.say(Msg::TicketNotOpen, &[("ticket", &number)]);
            return Ok(());
        }
        t.writes.push(Write::TicketMessage {
            ticket,
            librarian: None,
            text: text.to_string(),
            reply_to: None,
            now: self.now(),
        });
        t.commit().await?;
        self.wake_outbox();
        t.say(Msg::TicketSent, &[("ticket", &number)]);
        Ok(())
    }

    /// An update in the librarians' group: an answer or `/close` in reply to
    /// a ticket's post, or the close button, acts on that ticket; anything
    /// else is none of the bot's business.
    /// A message or press in the librarians' group; what it changes records
    /// Telegram's update `id` (if given) with it, so it is not handled twice.
    pub(super) async fn in_librarians_chat(&self, update: Update, id: Option<i64>) -> Response {
        match self.group_update(&update, id).await {
            Ok(out) => Response::new(out),
            Err(e) => {
                tracing::error!(error = %e, "a librarians' message could not be handled");
                let script = self.script();
                let note = self.to_group(&script, Msg::Failure, &[]);
                Response::new(vec![note.replying(update.message)])
            }
        }
    }

    async fn group_update(
        &self,
        update: &Update,
        id: Option<i64>,
    ) -> Result<Vec<Outgoing>, AppError> {
        debug_assert_eq!(update.chat, Chat::Librarians);
        let (Some(group), script) = (self.librarians, self.script()) else {
            return Ok(Vec::new());
        };
        let librarian = update.from.id;
        let here = update.message;
        let (text, reply_to) = match &update.input {
            Incoming::Press { data } => {
                return match Press::decode(data) {
                    Some(Press::Close(ticket)) => {
                        let ticket = i64::try_from(ticket).unwrap_or(i64::MAX);
                        self.close(&script, ticket, librarian, here, id).await
                    }
                    _ => Ok(Vec::new()),
                };
            }
            Incoming::Text { text, reply_to, .. } => (Some(text.as_str()), *reply_to),
            Incoming::Photo { reply_to, .. } | Incoming::Other { reply_to } => (None, *reply_to),
            _ => return Ok(Vec::new()),
        };
        let closing = matches!(
            text.map(Input::from_text),
            Some(Input::Command { name, .. }) if commands::parse(&name) == Some(Cmd::Close)
        );
        let ticket = match reply_to {
            Some(post) => self.ticket_of_post(group, post).await?,
            None => None,
        };
        let Some(ticket) = ticket else {
            return Ok(if closing {
                vec![self.to_group(&script, Msg::TicketHowTo, &[]).replying(here)]
            } else {
                Vec::new()
            });
        };
        if closing {
            return self.close(&script, ticket, librarian, here, id).await;
        }
        let number = ticket.to_string();
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(vec![self
                .to_group(&script, Msg::TextOnly, &[])
                .replying(here)]);
        };
        let Some(found) = self.store.ticket(ticket).await? else {
            return Ok(Vec::new());
        };
        if found.closed {
            return Ok(vec![self
                .to_group(&script, Msg::TicketNotOpen, &[("ticket", &number)])
                .replying(here)]);
        }
        let mut writes = vec![Write::TicketMessage {
            ticket,
            librarian: Some(librarian),
            text: text.to_string(),
            reply_to: here,
            now: self.now(),
        }];
        // The librarian may reply to their own answer later: it belongs to the thread too.
        if let Some(message) = here {
            writes.push(Write::Post {
                chat: group,
                message,
                ticket,
            });
        }
        writes.extend(handled(id, self.now()));
        self.store.write(writes).await?;
        self.wake_outbox();
        tracing::info!(ticket, librarian, "librarian answered");
        Ok(Vec::new())
    }

    /// Closes a ticket (`/close` or its button) and tells the group; the
    /// resident hears it through the outbox.
    async fn close(
        &self,
        script: &Script,
        ticket: i64,
        librarian: i64,
        here: Option<i64>,
        id: Option<i64>,
    ) -> Result<Vec<Outgoing>, AppError> {
        let number = ticket.to_string();
        let mut writes = vec![Write::CloseTicket {
            ticket,
            by: librarian,
            now: self.now(),
        }];
        writes.extend(handled(id, self.now()));
        let closed = self
            .store
            .write(writes)
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
        let msg = if closed > 0 {
            tracing::info!(ticket, librarian, "ticket closed");
            self.wake_outbox();
            Msg::TicketClosedGroup
        } else {
            Msg::TicketNotOpen
        };
        Ok(vec![self
            .to_group(script, msg, &[("ticket", &number)])
            .replying(here)])
    }
}

/// The record that Telegram's update `id` took effect, written with its change.
fn handled(id: Option<i64>, now: i64) -> Option<Write> {
    id.map(|update| Write::Handled { update, now })
}

/// The button under a ticket's post in the group.
pub(super) fn close_button(script: &Script, ticket: i64) -> crate::engine::Keyboard {
    crate::engine::Keyboard::Inline(vec![vec![crate::engine::InlineButton {
        url: None,
        label: script
            .strings
            .get(Msg::ButtonCloseTicket, super::GROUP_LANG)
            .to_string(),
        data: Press::Close(ticket.max(0) as u64).encode(),
    }]])
}
