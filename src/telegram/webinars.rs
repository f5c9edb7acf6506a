//! Webinars on Telegram: `/webinars` and "I will come" for residents;
//! `/webinar` (publish), move and cancel for librarians; reminders sent by
//! the outbox task from the persisted schedule.

use std::future::IntoFuture;

use teloxide::prelude::*;
use teloxide::types::ParseMode;
use teloxide::RequestError;

use super::render;
use super::staff::Handled;
use super::{user_key, App, HandlerResult};
use crate::broadcast::{self, Place, WebinarDraft, WebinarStage};
use crate::engine::{InlineButton, Input, Keyboard, State};
use crate::script::{markup, Msg};
use crate::store::{ReminderDue, Role, Rsvp, Webinar};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Whether an input is about webinars.
pub(super) fn is_webinar_input(input: &Input, state: &State) -> bool {
    match input {
        Input::Command { name, .. } => name == "webinars" || state.webinar_draft.is_some(),
        Input::Press(data) => ["w:", "wb:", "wm:", "wx:"]
            .iter()
            .any(|p| data.starts_with(p)),
        _ => state.webinar_draft.is_some(),
    }
}

impl App {
    pub(super) async fn webinar_input(
        &self,
        bot: &Bot,
        user: UserId,
        chat: ChatId,
        state: &mut State,
        input: &Input,
    ) -> Result<Handled, Error> {
        let id = user_key(user);
        let lang = self.lang_of(state);
        match input {
            Input::Command { name, .. } if name == "webinars" => {
                self.list_webinars(bot, chat, lang, id).await?;
                Ok(Handled::Yes)
            }
            Input::Command { .. } => {
                // Another command leaves the webinar draft.
                state.webinar_draft = None;
                self.save_state(id, state).await?;
                Ok(Handled::No)
            }
            Input::Press(data) => {
                if let Some(w) = data.strip_prefix("w:go:").and_then(|w| w.parse().ok()) {
                    self.rsvp(bot, chat, lang, id, w, true).await?;
                } else if let Some(w) = data.strip_prefix("w:no:").and_then(|w| w.parse().ok()) {
                    self.rsvp(bot, chat, lang, id, w, false).await?;
                } else if !self.store.has_role(id, Role::Librarian).await? {
                    // Librarians' buttons pressed by someone else: as stale as any.
                    self.store
                        .audit(id, "refused", Some(data), None, self.now())
                        .await?;
                    return Ok(Handled::No);
                } else if let Some(w) = data.strip_prefix("wm:").and_then(|w| w.parse().ok()) {
                    let draft = WebinarDraft::moving(w);
                    state.webinar_draft = Some(draft.clone());
                    self.save_state(id, state).await?;
                    self.show_webinar_draft(bot, chat, lang, &draft).await?;
                } else if let Some(w) = data.strip_prefix("wx:").and_then(|w| w.parse().ok()) {
                    self.cancel_webinar(bot, chat, lang, id, w).await?;
                } else if let Some(what) = data.strip_prefix("wb:") {
                    let Some(mut draft) = state.webinar_draft.clone() else {
                        return Ok(Handled::No);
                    };
                    match what {
                        "cancel" => {
                            state.webinar_draft = None;
                            self.save_state(id, state).await?;
                            self.say(bot, chat, lang, Msg::AnnounceCancelled, &[])
                                .await?;
                        }
                        "publish" if draft.stage == WebinarStage::Preview => {
                            state.webinar_draft = None;
                            self.save_state(id, state).await?;
                            self.publish(bot, chat, lang, id, &draft).await?;
                        }
                        _ => {
                            let valid = !what.starts_with("place:")
                                || self.script().hub(&what["place:".len()..]).is_some();
                            if valid && draft.press(what) {
                                state.webinar_draft = Some(draft.clone());
                                self.save_state(id, state).await?;
                            }
                            self.show_webinar_draft(bot, chat, lang, &draft).await?;
                        }
                    }
                } else {
                    return Ok(Handled::No);
                }
                Ok(Handled::Yes)
            }
            Input::Text(text) => {
                let Some(mut draft) = state.webinar_draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(id, Role::Librarian).await? {
                    state.webinar_draft = None;
                    self.save_state(id, state).await?;
                    return Ok(Handled::No);
                }
                let now = crate::engine::Context::local(self.now(), &self.tz);
                if draft.text(text, now) {
                    state.webinar_draft = Some(draft.clone());
                    self.save_state(id, state).await?;
                } else {
                    self.say(bot, chat, lang, Msg::WebinarTryAgain, &[]).await?;
                }
                self.show_webinar_draft(bot, chat, lang, &draft).await?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    /// The question for the draft's stage.
    pub(super) async fn show_webinar_draft(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        draft: &WebinarDraft,
    ) -> HandlerResult {
        let s = &self.script().strings;
        let button = |label: &str, data: String| InlineButton {
            label: label.to_string(),
            data,
            url: None,
        };
        let cancel = button(s.get(Msg::ButtonCancel, lang), "wb:cancel".into());
        let (text, mut rows) = match draft.stage {
            WebinarStage::Title => (s.get(Msg::WebinarAskTitle, lang).to_string(), vec![]),
            WebinarStage::Description => {
                (s.get(Msg::WebinarAskDescription, lang).to_string(), vec![])
            }
            WebinarStage::When => (s.get(Msg::WebinarAskWhen, lang).to_string(), vec![]),
            WebinarStage::Place => {
                let mut rows: Vec<Vec<InlineButton>> = self
                    .script()
                    .hubs
                    .iter()
                    .map(|h| vec![button(h.name.get(lang), format!("wb:place:{}", h.id))])
                    .collect();
                rows.push(vec![button(
                    s.get(Msg::ButtonOnline, lang),
                    "wb:online".into(),
                )]);
                (s.get(Msg::WebinarAskPlace, lang).to_string(), rows)
            }
            WebinarStage::Link => (s.get(Msg::WebinarAskLink, lang).to_string(), vec![]),
            WebinarStage::Capacity => (
                s.get(Msg::WebinarAskCapacity, lang).to_string(),
                vec![vec![button(
                    s.get(Msg::ButtonNoLimit, lang),
                    "wb:nolimit".into(),
                )]],
            ),
            WebinarStage::Preview => {
                let when = draft
                    .starts
                    .map(|d| self.when_local(d, lang))
                    .unwrap_or_default();
                let text = match draft.moving {
                    Some(w) => {
                        let title = self
                            .store
                            .webinar(w)
                            .await?
                            .map(|w| w.title)
                            .unwrap_or_default();
                        s.fill(
                            Msg::WebinarMovePreview,
                            lang,
                            &[("title", &markup::literal(&title)), ("when", &when)],
                        )
                    }
                    None => {
                        let place = draft
                            .place
                            .as_ref()
                            .map(|p| self.place_text(&p.encode(), lang))
                            .unwrap_or_default();
                        let capacity = draft
                            .capacity
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| s.get(Msg::WebinarNoLimit, lang).to_string());
                        s.fill(
                            Msg::WebinarPreview,
                            lang,
                            &[
                                ("title", &markup::literal(&draft.title)),
                                ("when", &when),
                                ("place", &place),
                                ("capacity", &capacity),
                            ],
                        )
                    }
                };
                (
                    text,
                    vec![vec![button(
                        s.get(Msg::ButtonPublish, lang),
                        "wb:publish".into(),
                    )]],
                )
            }
        };
        rows.push(vec![cancel]);
        self.reply(bot, chat, text, Keyboard::Inline(rows)).await
    }

    /// Publishes a new webinar (with its announcement) or moves one.
    async fn publish(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        author: i64,
        draft: &WebinarDraft,
    ) -> HandlerResult {
        let now = self.now();
        let Some(starts) = draft.starts else {
            return Ok(());
        };
        let starts_at = starts
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now);
        if let Some(w) = draft.moving {
            self.store.move_webinar(w, starts_at, author, now).await?;
            self.outbox_wake.notify_one();
            let title = self
                .store
                .webinar(w)
                .await?
                .map(|w| w.title)
                .unwrap_or_default();
            let when = self.when(starts_at, lang);
            return self
                .say(
                    bot,
                    chat,
                    lang,
                    Msg::WebinarMovedDone,
                    &[("title", &title), ("when", &when)],
                )
                .await;
        }
        let (Some(place), title) = (draft.place.as_ref(), draft.title.as_str()) else {
            return Ok(());
        };
        let place = place.encode();
        let capacity = draft.capacity.map(i64::from);
        let webinar = self
            .store
            .create_webinar(
                author,
                title,
                &draft.description,
                starts_at,
                &place,
                capacity,
                now,
            )
            .await?;
        // The announcement is in the community's first language, like the librarians' own.
        let text = self.script().strings.fill(
            Msg::WebinarAnnouncement,
            0,
            &[
                ("title", &markup::literal(title)),
                ("when", &self.when(starts_at, 0)),
                ("place", &self.place_text(&place, 0)),
                ("description", &markup::literal(&draft.description)),
            ],
        );
        let local = crate::engine::Context::local(now, &self.tz);
        let not_before = broadcast::not_before(local, self.quiet)
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now)
            .max(now);
        let (_, count) = self
            .store
            .announce_webinar(author, webinar, &markup::to_html(&text), not_before, now)
            .await?;
        self.outbox_wake.notify_one();
        self.say(
            bot,
            chat,
            lang,
            Msg::WebinarPublished,
            &[("id", &webinar.to_string()), ("count", &count.to_string())],
        )
        .await
    }

    async fn cancel_webinar(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        by: i64,
        w: i64,
    ) -> HandlerResult {
        let Some(webinar) = self.store.webinar(w).await? else {
            return Ok(());
        };
        self.store.cancel_webinar(w, by, self.now()).await?;
        self.outbox_wake.notify_one();
        self.say(
            bot,
            chat,
            lang,
            Msg::WebinarCancelledDone,
            &[("title", &webinar.title)],
        )
        .await
    }

    async fn rsvp(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        user: i64,
        w: i64,
        going: bool,
    ) -> HandlerResult {
        let now = self.now();
        if !going {
            self.store.unrsvp(w, user).await?;
            return self.say(bot, chat, lang, Msg::RsvpWithdrawn, &[]).await;
        }
        match self.store.rsvp(w, user, now).await? {
            Rsvp::Added => {
                let webinar = self.store.webinar(w).await?;
                let (title, when) = webinar
                    .map(|x| (x.title, self.when(x.starts_at, lang)))
                    .unwrap_or_default();
                self.say(
                    bot,
                    chat,
                    lang,
                    Msg::RsvpAdded,
                    &[("title", &title), ("when", &when)],
                )
                .await
            }
            Rsvp::Already => self.say(bot, chat, lang, Msg::RsvpAlready, &[]).await,
            Rsvp::Full => self.say(bot, chat, lang, Msg::RsvpFull, &[]).await,
            Rsvp::Gone => self.say(bot, chat, lang, Msg::RsvpGone, &[]).await,
        }
    }

    /// Upcoming webinars, each with its button; librarians also see the
    /// sign-ups and the buttons to move or cancel.
    async fn list_webinars(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        user: i64,
    ) -> HandlerResult {
        let s = &self.script().strings;
        let upcoming = self.store.upcoming_webinars(self.now(), 10).await?;
        if upcoming.is_empty() {
            return self.say(bot, chat, lang, Msg::WebinarsNone, &[]).await;
        }
        let librarian = self.store.has_role(user, Role::Librarian).await?;
        for w in upcoming {
            let mut text = self.card(&w, lang);
            if let Some(c) = w.capacity {
                let left = (c - w.going).max(0).to_string();
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::WebinarSeats, lang, &[("left", &left)])
                );
            }
            let going = self.store.is_going(w.id, user).await?;
            let button = |msg: Msg, data: String| InlineButton {
                label: s.get(msg, lang).to_string(),
                data,
                url: None,
            };
            let mut rows = vec![vec![if going {
                button(Msg::ButtonUnrsvp, format!("w:no:{}", w.id))
            } else {
                button(Msg::ButtonRsvp, format!("w:go:{}", w.id))
            }]];
            if librarian {
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::WebinarGoing, lang, &[("count", &w.going.to_string())])
                );
                rows.push(vec![
                    button(Msg::ButtonWebinarMove, format!("wm:{}", w.id)),
                    button(Msg::ButtonWebinarCancel, format!("wx:{}", w.id)),
                ]);
            }
            self.reply(bot, chat, text, Keyboard::Inline(rows)).await?;
        }
        Ok(())
    }

    fn card(&self, w: &Webinar, lang: usize) -> String {
        self.script().strings.fill(
            Msg::WebinarCard,
            lang,
            &[
                ("title", &markup::literal(&w.title)),
                ("when", &self.when(w.starts_at, lang)),
                ("place", &self.place_text(&w.place, lang)),
                ("description", &markup::literal(&w.description)),
            ],
        )
    }

    /// "28.11.2026 о 15:00" in the community's time zone.
    fn when(&self, unix: i64, lang: usize) -> String {
        self.when_local(crate::engine::Context::local(unix, &self.tz), lang)
    }

    fn when_local(&self, t: jiff::civil::DateTime, lang: usize) -> String {
        let date = format!("{:02}.{:02}.{}", t.day(), t.month(), t.year());
        let time = format!("{:02}:{:02}", t.hour(), t.minute());
        self.script()
            .strings
            .fill(Msg::WebinarWhen, lang, &[("date", &date), ("time", &time)])
    }

    /// A hub's name and address, or the online link.
    fn place_text(&self, stored: &str, lang: usize) -> String {
        let script = self.script();
        match Place::decode(stored) {
            Place::Online(link) => script
                .strings
                .fill(Msg::PlaceOnline, lang, &[("link", &link)]),
            Place::Hub(id) => match script.hub(&id).map(|i| &script.hubs[i]) {
                Some(h) => match &h.address {
                    Some(a) => format!("{}, {}", h.name.get(lang), a.get(lang)),
                    None => format!("{}, {}", h.name.get(lang), h.settlement.get(lang)),
                },
                None => id,
            },
        }
    }

    /// Sends the reminders that are due; each is marked sent when Telegram accepts it.
    /// Returns how many were due.
    pub(super) async fn send_reminders(&self, bot: &Bot) -> usize {
        let due = match self.store.due_reminders(self.now(), 64).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read due reminders");
                return 0;
            }
        };
        let count = due.len();
        for r in due {
            self.global.until_ready().await;
            self.pace.until_key_ready(&ChatId(r.user)).await;
            if let Err(e) = self.remind(bot, &r).await {
                tracing::warn!(webinar = r.webinar.id, user = r.user, error = %e, "reminder not sent");
            }
        }
        count
    }

    async fn remind(&self, bot: &Bot, r: &ReminderDue) -> Result<(), Error> {
        let lang = r
            .lang
            .as_deref()
            .and_then(|l| self.script().lang_index(l))
            .unwrap_or(0);
        let w = &r.webinar;
        let msg = match r.kind.as_str() {
            "day" => Msg::ReminderDay,
            "hour" => Msg::ReminderHour,
            "moved" => Msg::WebinarMovedNote,
            _ => Msg::WebinarCancelledNote,
        };
        let text = self.script().strings.fill(
            msg,
            lang,
            &[
                ("title", &markup::literal(&w.title)),
                ("when", &self.when(w.starts_at, lang)),
                ("place", &self.place_text(&w.place, lang)),
            ],
        );
        let html = markup::to_html(&text);
        let sent = bot
            .send_message(ChatId(r.user), html)
            .parse_mode(ParseMode::Html)
            .into_future()
            .await;
        let now = self.now();
        match sent {
            Ok(_) => {}
            Err(RequestError::RetryAfter(wait)) => {
                // Left unsent: the next round takes it.
                tokio::time::sleep(wait.duration()).await;
                return Ok(());
            }
            Err(e) if render::is_blocked(&e) => {
                self.store.set_blocked(r.user, true).await?;
            }
            Err(e) if render::is_transient(&e) => return Err(e.into()),
            // Any other refusal will not change by trying again.
            Err(e) => tracing::info!(user = r.user, error = %e, "reminder refused"),
        }
        self.store.reminder_sent(w.id, r.user, &r.kind, now).await?;
        Ok(())
    }
}
