//! Librarians' and admins' commands in a private chat with the bot:
//! `/announce` (a short dialogue: text, topic, audience, preview, send),
//! `/broadcasts`, `/grant` and `/revoke`; `/reload` lives in `reload.rs`, `/stats` in `report.rs`.
//!
//! The role is checked on every use, including every step of a draft. A
//! resident who tries one of these commands gets the same answer as for any
//! unknown command (the engine gives it), so nothing is revealed; the attempt
//! is written to the audit log like every privileged action.

use std::future::IntoFuture;

use teloxide::prelude::*;
use teloxide::types::{InputFile, ParseMode};

use super::render::{self, DeliveryError};
use super::{user_key, App, HandlerResult};
use crate::broadcast::{self, Audience, Draft, Stage, Step};
use crate::engine::{InlineButton, Input, Keyboard, State};
use crate::script::{Kind, Msg};
use crate::store::{Commit, Role};

/// What a librarian sent besides the plain input: the text as Telegram HTML
/// (their bold and links kept) and a photo's file id.
#[derive(Debug, Clone)]
pub struct Rich {
    pub html: String,
    pub photo: Option<String>,
    /// The author of a forwarded message this one replies to (for `/grant librarian`).
    pub forwarded_from: Option<i64>,
}

/// The role a command needs, if it is a privileged one.
pub fn required_role(command: &str) -> Option<Role> {
    match command {
        "announce" | "broadcasts" | "webinar" => Some(Role::Librarian),
        "grant" | "revoke" | "reload" | "stats" => Some(Role::Admin),
        _ => None,
    }
}

/// Whether the staff part took the input; if not, the engine gets it.
pub(super) enum Handled {
    Yes,
    No,
}

impl App {
    /// Privileged commands, and a librarian's draft in progress.
    pub(super) async fn staff(
        &self,
        bot: &Bot,
        user: UserId,
        chat: ChatId,
        state: &mut State,
        input: &Input,
        rich: Option<&Rich>,
    ) -> Result<Handled, Box<dyn std::error::Error + Send + Sync>> {
        let id = user_key(user);
        let lang = self.lang_of(state);
        match input {
            Input::Command { name, arg } => {
                let Some(role) = required_role(name) else {
                    // Any other command leaves an unfinished draft behind.
                    if state.draft.take().is_some() | state.webinar_draft.take().is_some() {
                        self.save_state(id, state).await?;
                    }
                    return Ok(Handled::No);
                };
                if !self.store.has_role(id, role).await? {
                    self.store
                        .audit(id, "refused", Some(name), None, self.now())
                        .await?;
                    tracing::info!(user = user.0, command = %name, "privileged command refused");
                    return Ok(Handled::No);
                }
                match name.as_str() {
                    "announce" => {
                        self.store
                            .audit(id, "announce_start", None, None, self.now())
                            .await?;
                        state.draft = Some(Draft::new());
                        self.save_state(id, state).await?;
                        self.show_draft(bot, chat, lang, &Draft::new()).await?;
                    }
                    "webinar" => {
                        self.store
                            .audit(id, "webinar_start", None, None, self.now())
                            .await?;
                        state.draft = None;
                        state.webinar_draft = Some(broadcast::WebinarDraft::new());
                        self.save_state(id, state).await?;
                        self.show_webinar_draft(bot, chat, lang, &broadcast::WebinarDraft::new())
                            .await?;
                    }
                    "reload" => {
                        self.store
                            .audit(id, "reload", None, None, self.now())
                            .await?;
                        self.reload_and_tell(bot, &[chat.0]).await;
                    }
                    "stats" => {
                        self.store
                            .audit(id, "stats", None, None, self.now())
                            .await?;
                        self.send_stats(bot, chat, lang).await?;
                    }
                    "broadcasts" => {
                        self.store
                            .audit(id, "broadcasts", None, None, self.now())
                            .await?;
                        self.list_broadcasts(bot, chat, lang).await?;
                    }
                    _ => {
                        let grant = name == "grant";
                        self.change_role(bot, chat, lang, id, grant, arg, rich)
                            .await?;
                    }
                }
                Ok(Handled::Yes)
            }
            Input::Press(data) if data.starts_with(broadcast::PREFIX) => {
                let Some(mut draft) = state.draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(id, Role::Librarian).await? {
                    return self.lost_role(id, state).await;
                }
                let before = draft.clone();
                match draft.press(data) {
                    Step::Show if self.audience_exists(&draft) => {
                        state.draft = Some(draft.clone());
                        self.save_state(id, state).await?;
                        self.show_draft(bot, chat, lang, &draft).await?;
                    }
                    Step::Show | Step::Stale => self.show_draft(bot, chat, lang, &before).await?,
                    Step::Cancel => {
                        state.draft = None;
                        self.save_state(id, state).await?;
                        self.say(bot, chat, lang, Msg::AnnounceCancelled, &[])
                            .await?;
                    }
                    Step::Send { urgent } => {
                        self.send_draft(bot, chat, lang, id, state, &draft, urgent)
                            .await?
                    }
                }
                Ok(Handled::Yes)
            }
            Input::Text(_) | Input::Other if state.draft.is_some() => {
                let Some(mut draft) = state.draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(id, Role::Librarian).await? {
                    return self.lost_role(id, state).await;
                }
                let (html, photo) = rich
                    .map(|r| (r.html.clone(), r.photo.clone()))
                    .unwrap_or_default();
                if draft.text(html, photo) == Step::Show {
                    state.draft = Some(draft.clone());
                    self.save_state(id, state).await?;
                }
                self.show_draft(bot, chat, lang, &draft).await?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    /// The librarian's role was revoked in the middle of a draft: it is dropped.
    async fn lost_role(
        &self,
        id: i64,
        state: &mut State,
    ) -> Result<Handled, Box<dyn std::error::Error + Send + Sync>> {
        state.draft = None;
        self.save_state(id, state).await?;
        self.store
            .audit(id, "refused", Some("announce"), None, self.now())
            .await?;
        Ok(Handled::No)
    }

    /// Hubs, languages and lessons named by a press must exist in the content.
    fn audience_exists(&self, draft: &Draft) -> bool {
        match &draft.audience {
            None | Some(Audience::All) => true,
            Some(Audience::Hub(h)) => self.script().hub(h).is_some(),
            Some(Audience::Language(l)) => self.script().lang_index(l).is_some(),
            Some(Audience::Completed(d)) | Some(Audience::NotCompleted(d)) => self
                .script()
                .dialogue(d)
                .is_some_and(|d| d.kind == Kind::Lesson),
        }
    }

    /// The message for the draft's current stage.
    async fn show_draft(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        draft: &Draft,
    ) -> HandlerResult {
        let s = &self.script().strings;
        let button = |msg: Msg, data: String| InlineButton {
            label: s.get(msg, lang).to_string(),
            data,
            url: None,
        };
        let cancel = || button(Msg::ButtonCancel, "b:cancel".into());
        let (msg, mut rows): (Msg, Vec<Vec<InlineButton>>) = match draft.stage {
            Stage::Text => (Msg::AnnounceText, vec![]),
            Stage::Topic => (
                Msg::AnnounceTopic,
                vec![
                    vec![button(Msg::TopicWebinars, "b:t:webinars".into())],
                    vec![button(Msg::TopicNews, "b:t:news".into())],
                ],
            ),
            Stage::Audience => (
                Msg::AnnounceAudience,
                [
                    (Msg::ButtonAudienceAll, "all"),
                    (Msg::ButtonAudienceHub, "hub"),
                    (Msg::ButtonAudienceLanguage, "lang"),
                    (Msg::ButtonAudienceDone, "done"),
                    (Msg::ButtonAudienceNotDone, "notdone"),
                ]
                .into_iter()
                .map(|(m, a)| vec![button(m, format!("b:a:{a}"))])
                .collect(),
            ),
            Stage::Hub => (
                Msg::AnnounceChooseHub,
                self.script()
                    .hubs
                    .iter()
                    .map(|h| {
                        vec![InlineButton {
                            label: h.name.get(lang).to_string(),
                            data: format!("b:h:{}", h.id),
                            url: None,
                        }]
                    })
                    .collect(),
            ),
            Stage::Language => (
                Msg::AnnounceChooseLanguage,
                self.script()
                    .languages
                    .iter()
                    .enumerate()
                    .map(|(i, code)| {
                        vec![InlineButton {
                            label: s.get(Msg::LanguageName, i).to_string(),
                            data: format!("b:l:{code}"),
                            url: None,
                        }]
                    })
                    .collect(),
            ),
            Stage::Lesson { .. } => (
                Msg::AnnounceChooseLesson,
                self.script()
                    .lessons()
                    .map(|d| {
                        vec![InlineButton {
                            label: d.title.get(lang).to_string(),
                            data: format!("b:d:{}", d.id),
                            url: None,
                        }]
                    })
                    .collect(),
            ),
            Stage::Preview => return self.preview(bot, chat, lang, draft).await,
        };
        rows.push(vec![cancel()]);
        self.reply(
            bot,
            chat,
            s.get(msg, lang).to_string(),
            Keyboard::Inline(rows),
        )
        .await
    }

    /// The announcement as residents will see it, the number of recipients,
    /// and the buttons to send or cancel.
    async fn preview(&self, bot: &Bot, chat: ChatId, lang: usize, draft: &Draft) -> HandlerResult {
        let s = &self.script().strings;
        let (Some(topic), Some(audience)) = (draft.topic, draft.audience.as_ref()) else {
            return Ok(());
        };
        self.send_html(bot, chat, &draft.html, draft.photo.as_deref(), None)
            .await?;
        let count = self.store.count_audience(topic, audience).await?;
        let mut text = s.fill(Msg::AnnouncePreview, lang, &[("count", &count.to_string())]);
        let button = |msg: Msg, data: &str| InlineButton {
            label: s.get(msg, lang).to_string(),
            data: data.to_string(),
            url: None,
        };
        let mut rows = vec![];
        if count == 0 {
            text = format!("{text}\n{}", s.get(Msg::AnnounceNobody, lang));
        } else {
            rows.push(vec![button(Msg::ButtonSend, "b:send")]);
            let (quiet, at) = self.quiet_until();
            if quiet {
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::AnnounceQuiet, lang, &[("at", &at)])
                );
                rows.push(vec![button(Msg::ButtonSendUrgent, "b:urgent")]);
            }
        }
        rows.push(vec![button(Msg::ButtonCancel, "b:cancel")]);
        self.reply(bot, chat, text, Keyboard::Inline(rows)).await
    }

    /// Whether it is quiet hours now, and when they end ("09:00").
    pub(super) fn quiet_until(&self) -> (bool, String) {
        let now = crate::engine::Context::local(self.now(), &self.tz);
        let quiet = self.quiet;
        let until = broadcast::not_before(now, quiet);
        (
            broadcast::is_quiet(now.time(), quiet),
            format!("{:02}:{:02}", until.hour(), until.minute()),
        )
    }

    /// Puts the draft in the outbox (one transaction) and tells the librarian.
    #[allow(clippy::too_many_arguments)]
    async fn send_draft(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        id: i64,
        state: &mut State,
        draft: &Draft,
        urgent: bool,
    ) -> HandlerResult {
        let (Some(topic), Some(audience)) = (draft.topic, draft.audience.as_ref()) else {
            return self.show_draft(bot, chat, lang, draft).await;
        };
        let now = self.now();
        let local = crate::engine::Context::local(now, &self.tz);
        let start = if urgent {
            local
        } else {
            broadcast::not_before(local, self.quiet)
        };
        let not_before = start
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now)
            .max(now);
        let (broadcast, count) = self
            .store
            .create_broadcast(
                id,
                topic,
                audience,
                &draft.html,
                draft.photo.as_deref(),
                not_before,
                now,
            )
            .await?;
        state.draft = None;
        self.save_state(id, state).await?;
        self.outbox_wake.notify_one();
        tracing::info!(broadcast, count, urgent, "broadcast queued");
        let (b, c) = (broadcast.to_string(), count.to_string());
        if not_before > now {
            let at = format!("{:02}:{:02}", start.hour(), start.minute());
            self.say(
                bot,
                chat,
                lang,
                Msg::AnnounceQueuedLater,
                &[("id", &b), ("count", &c), ("at", &at)],
            )
            .await
        } else {
            self.say(
                bot,
                chat,
                lang,
                Msg::AnnounceQueued,
                &[("id", &b), ("count", &c)],
            )
            .await
        }
    }

    async fn list_broadcasts(&self, bot: &Bot, chat: ChatId, lang: usize) -> HandlerResult {
        let s = &self.script().strings;
        let recent = self.store.recent_broadcasts(10).await?;
        let text = if recent.is_empty() {
            s.get(Msg::BroadcastsNone, lang).to_string()
        } else {
            recent
                .iter()
                .map(|p| {
                    s.fill(
                        Msg::BroadcastLine,
                        lang,
                        &[
                            ("id", &p.id.to_string()),
                            ("sent", &p.sent.to_string()),
                            ("total", &p.total.to_string()),
                            ("blocked", &p.blocked.to_string()),
                            ("failed", &(p.failed + p.skipped).to_string()),
                            ("pending", &p.pending.to_string()),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        self.reply(bot, chat, text, Keyboard::None).await
    }

    /// `/grant USER_ID role` or `/revoke ...`; the user may instead be the
    /// author of a forwarded message the command replies to.
    #[allow(clippy::too_many_arguments)]
    async fn change_role(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        by: i64,
        grant: bool,
        arg: &str,
        rich: Option<&Rich>,
    ) -> HandlerResult {
        let mut words = arg.split_whitespace();
        let (user, role) = match (words.next(), words.next()) {
            (Some(u), Some(r)) => (u.parse::<i64>().ok(), Role::parse(r)),
            (Some(r), None) => (rich.and_then(|r| r.forwarded_from), Role::parse(r)),
            _ => (None, None),
        };
        let (Some(user), Some(role)) = (user.filter(|u| *u > 0), role) else {
            return self.say(bot, chat, lang, Msg::RoleUsage, &[]).await;
        };
        let now = self.now();
        let changed = if grant {
            self.store.grant(user, role, by, now).await?
        } else {
            self.store.revoke(user, role, by, now).await?
        };
        tracing::info!(
            by,
            user,
            role = role.as_str(),
            grant,
            changed,
            "role change"
        );
        let msg = match (changed, grant) {
            (false, _) => Msg::RoleUnchanged,
            (true, true) => Msg::RoleGranted,
            (true, false) => Msg::RoleRevoked,
        };
        let u = user.to_string();
        self.say(
            bot,
            chat,
            lang,
            msg,
            &[("user", &u), ("role", role.as_str())],
        )
        .await
    }

    pub(super) fn lang_of(&self, state: &State) -> usize {
        state
            .lang
            .as_deref()
            .and_then(|l| self.script().lang_index(l))
            .unwrap_or(0)
    }

    pub(super) async fn save_state(
        &self,
        id: i64,
        state: &State,
    ) -> Result<(), crate::store::StoreError> {
        self.store
            .commit(Commit {
                user: id,
                now: self.now(),
                state,
                events: &[],
            })
            .await
    }

    /// An announcement's own HTML (or photo with it as caption), as residents get it.
    pub(super) async fn send_html(
        &self,
        bot: &Bot,
        chat: ChatId,
        html: &str,
        photo: Option<&str>,
        keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
    ) -> Result<Message, DeliveryError> {
        match photo {
            Some(file) => {
                render::call(|| {
                    let mut r = bot
                        .send_photo(chat, InputFile::file_id(file.to_string().into()))
                        .caption(html.to_string())
                        .parse_mode(ParseMode::Html);
                    if let Some(k) = &keyboard {
                        r = r.reply_markup(k.clone());
                    }
                    r.into_future()
                })
                .await
            }
            None => {
                render::call(|| {
                    let mut r = bot
                        .send_message(chat, html.to_string())
                        .parse_mode(ParseMode::Html);
                    if let Some(k) = &keyboard {
                        r = r.reply_markup(k.clone());
                    }
                    r.into_future()
                })
                .await
            }
        }
    }
}
