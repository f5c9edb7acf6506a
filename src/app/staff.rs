//! Librarians' and admins' commands in a private chat with the bot:
//! `/announce` (a short dialogue: text, topic, audience, preview, send),
//! `/broadcasts`, `/grant` and `/revoke`, `/reload` and `/stats`.
//!
//! The role is checked on every use, including every step of a draft. A
//! resident who tries one of these commands gets the same answer as for any
//! unknown command (the engine gives it), so nothing is revealed; the attempt
//! is written to the audit log like every privileged action, in the same
//! transaction as the rest of the update.

use super::{AppError, Body, Handled, Incoming, Outgoing, To, Turn};
use crate::broadcast::{self, Audience, Draft, Stage, Step};
use crate::commands::{self, Access, Cmd};
use crate::engine::{InlineButton, Input, Keyboard, Press};
use crate::script::{Kind, Msg};
use crate::store::{Role, Write};

/// The role a command needs, if it is a privileged one.
pub fn required_role(cmd: Cmd) -> Option<Role> {
    match cmd.access() {
        Access::Librarian => Some(Role::Librarian),
        Access::Admin => Some(Role::Admin),
        Access::Everyone | Access::Group => None,
    }
}

impl super::App {
    /// Privileged commands, and a librarian's draft in progress.
    pub(super) async fn staff(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
        incoming: &Incoming,
    ) -> Result<Handled, AppError> {
        match input {
            Input::Command { name, arg } => {
                let cmd = commands::parse(name);
                let Some((cmd, role)) = cmd.and_then(|c| Some((c, required_role(c)?))) else {
                    // Any other command leaves an unfinished draft behind.
                    if t.drafts.draft.take().is_some() | t.drafts.webinar_draft.take().is_some() {
                        t.dirty = true;
                    }
                    return Ok(Handled::No);
                };
                if !self.store.has_role(t.user, role).await? {
                    t.audit("refused", Some(name), None);
                    tracing::info!(user = t.user, command = %name, "privileged command refused");
                    return Ok(Handled::No);
                }
                match cmd {
                    Cmd::Announce => {
                        t.audit("announce_start", None, None);
                        t.drafts.draft = Some(Draft::new());
                        t.drafts.webinar_draft = None;
                        t.dirty = true;
                        self.show_draft(t, &Draft::new()).await?;
                    }
                    Cmd::Webinar => {
                        t.audit("webinar_start", None, None);
                        t.drafts.draft = None;
                        t.drafts.webinar_draft = Some(broadcast::WebinarDraft::new());
                        t.dirty = true;
                        self.show_webinar_draft(t, &broadcast::WebinarDraft::new())
                            .await?;
                    }
                    Cmd::Reload => {
                        t.audit("reload", None, None);
                        t.commit().await?;
                        let response = self.reload_and_tell(&[t.user]).await;
                        t.commands |= response.commands;
                        t.out.extend(response.out);
                    }
                    Cmd::Stats => {
                        t.audit("stats", None, None);
                        self.stats(t).await?;
                    }
                    Cmd::FaqReview => self.faq_review(t).await?,
                    Cmd::Broadcasts => {
                        t.audit("broadcasts", None, None);
                        self.list_broadcasts(t).await?;
                    }
                    _ => {
                        let forwarded = match incoming {
                            Incoming::Text { forwarded_from, .. } => *forwarded_from,
                            _ => None,
                        };
                        self.change_role(t, cmd == Cmd::Grant, arg, forwarded)
                            .await?;
                    }
                }
                Ok(Handled::Yes)
            }
            Input::Press(data) => {
                if !matches!(Press::decode(data), Some(Press::Draft(_))) {
                    return Ok(Handled::No);
                }
                let Some(mut draft) = t.drafts.draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(t.user, Role::Librarian).await? {
                    return Ok(self.lost_role(t));
                }
                let before = draft.clone();
                match draft.press(data) {
                    Step::Show if self.audience_exists(t, &draft) => {
                        t.drafts.draft = Some(draft.clone());
                        t.dirty = true;
                        self.show_draft(t, &draft).await?;
                    }
                    Step::Show | Step::Stale => self.show_draft(t, &before).await?,
                    Step::Cancel => {
                        t.drafts.draft = None;
                        t.dirty = true;
                        t.say(Msg::AnnounceCancelled, &[]);
                    }
                    Step::Send { urgent } => self.send_draft(t, &draft, urgent).await?,
                }
                Ok(Handled::Yes)
            }
            Input::Text(_) | Input::Other if t.drafts.draft.is_some() => {
                let Some(mut draft) = t.drafts.draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(t.user, Role::Librarian).await? {
                    return Ok(self.lost_role(t));
                }
                let (html, photo) = match incoming {
                    Incoming::Text { text, html, .. } => {
                        (html.clone().unwrap_or_else(|| escape_html(text)), None)
                    }
                    Incoming::Photo {
                        file, caption_html, ..
                    } => (caption_html.clone(), Some(file.clone())),
                    _ => (String::new(), None),
                };
                if draft.text(html, photo) == Step::Show {
                    t.drafts.draft = Some(draft.clone());
                    t.dirty = true;
                }
                self.show_draft(t, &draft).await?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    /// The librarian's role was revoked in the middle of a draft: it is
    /// dropped, and the input goes to the engine like anyone's.
    fn lost_role(&self, t: &mut Turn<'_>) -> Handled {
        t.drafts.draft = None;
        t.dirty = true;
        t.audit("refused", Some("announce"), None);
        Handled::No
    }

    /// Hubs, languages and lessons named by a press must exist in the content.
    fn audience_exists(&self, t: &Turn<'_>, draft: &Draft) -> bool {
        let script = &t.script;
        match &draft.audience {
            None | Some(Audience::All) => true,
            Some(Audience::Hub(h)) => script.hub(h).is_some(),
            Some(Audience::Language(l)) => script.lang_index(l).is_some(),
            Some(Audience::Completed(d)) | Some(Audience::NotCompleted(d)) => {
                script.dialogue(d).is_some_and(|d| d.kind == Kind::Lesson)
            }
        }
    }

    /// The message for the draft's current stage.
    async fn show_draft(&self, t: &mut Turn<'_>, draft: &Draft) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let button = |msg: Msg, what: String| InlineButton {
            label: s.get(msg, lang).to_string(),
            data: Press::Draft(what).encode(),
            url: None,
        };
        let choice = |label: &str, what: String| InlineButton {
            label: label.to_string(),
            data: Press::Draft(what).encode(),
            url: None,
        };
        let (msg, mut rows): (Msg, Vec<Vec<InlineButton>>) = match draft.stage {
            Stage::Text => (Msg::AnnounceText, vec![]),
            Stage::Topic => (
                Msg::AnnounceTopic,
                vec![
                    vec![button(Msg::TopicWebinars, "t:webinars".into())],
                    vec![button(Msg::TopicNews, "t:news".into())],
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
                .map(|(m, a)| vec![button(m, format!("a:{a}"))])
                .collect(),
            ),
            Stage::Hub => (
                Msg::AnnounceChooseHub,
                script
                    .hubs
                    .iter()
                    .map(|h| vec![choice(h.name.get(lang), format!("h:{}", h.id))])
                    .collect(),
            ),
            Stage::Language => (
                Msg::AnnounceChooseLanguage,
                script
                    .languages
                    .iter()
                    .enumerate()
                    .map(|(i, code)| vec![choice(s.get(Msg::LanguageName, i), format!("l:{code}"))])
                    .collect(),
            ),
            Stage::Lesson { .. } => (
                Msg::AnnounceChooseLesson,
                script
                    .lessons()
                    .map(|d| vec![choice(d.title.get(lang), format!("d:{}", d.id))])
                    .collect(),
            ),
            Stage::Preview => return self.preview(t, draft).await,
        };
        rows.push(vec![button(Msg::ButtonCancel, "cancel".into())]);
        t.text(s.get(msg, lang).to_string(), Keyboard::Inline(rows));
        Ok(())
    }

    /// The announcement as residents will see it, the number of recipients,
    /// and the buttons to send or cancel.
    async fn preview(&self, t: &mut Turn<'_>, draft: &Draft) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let (Some(topic), Some(audience)) = (draft.topic, draft.audience.as_ref()) else {
            return Ok(());
        };
        t.out.push(Outgoing {
            to: To::Person(t.user),
            body: Body::Html {
                html: draft.html.clone(),
                photo: draft.photo.clone(),
                keyboard: Keyboard::None,
            },
            reply_to: None,
        });
        let count = self.store.count_audience(topic, audience).await?;
        let mut text = s.fill(Msg::AnnouncePreview, lang, &[("count", &count.to_string())]);
        let button = |msg: Msg, what: &str| InlineButton {
            label: s.get(msg, lang).to_string(),
            data: Press::Draft(what.to_string()).encode(),
            url: None,
        };
        let mut rows = vec![];
        if count == 0 {
            text = format!("{text}\n{}", s.get(Msg::AnnounceNobody, lang));
        } else {
            rows.push(vec![button(Msg::ButtonSend, "send")]);
            let (quiet, at) = self.quiet_until();
            if quiet {
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::AnnounceQuiet, lang, &[("at", &at)])
                );
                rows.push(vec![button(Msg::ButtonSendUrgent, "urgent")]);
            }
        }
        rows.push(vec![button(Msg::ButtonCancel, "cancel")]);
        t.text(text, Keyboard::Inline(rows));
        Ok(())
    }

    /// Whether it is quiet hours now, and when they end ("09:00").
    pub(super) fn quiet_until(&self) -> (bool, String) {
        let now = self.local_now();
        let until = broadcast::not_before(now, self.quiet);
        (
            broadcast::is_quiet(now.time(), self.quiet),
            format!("{:02}:{:02}", until.hour(), until.minute()),
        )
    }

    /// The Unix second an announcement queued now may go out (after quiet
    /// hours unless `urgent`), and that time locally.
    pub(super) fn not_before(&self, urgent: bool) -> (i64, jiff::civil::DateTime) {
        let now = self.now();
        let local = self.local_now();
        let start = if urgent {
            local
        } else {
            broadcast::not_before(local, self.quiet)
        };
        (crate::clock::unix(start, &self.tz, now).max(now), start)
    }

    /// Puts the draft in the outbox, with the cleared draft, in the turn's one
    /// transaction, and tells the librarian.
    async fn send_draft(
        &self,
        t: &mut Turn<'_>,
        draft: &Draft,
        urgent: bool,
    ) -> Result<(), AppError> {
        let (Some(topic), Some(audience)) = (draft.topic, draft.audience.as_ref()) else {
            return self.show_draft(t, draft).await;
        };
        let now = self.now();
        let (not_before, start) = self.not_before(urgent);
        t.writes.push(Write::broadcast(
            t.user,
            topic,
            audience,
            &draft.html,
            draft.photo.as_deref(),
            not_before,
            now,
            None,
        ));
        t.drafts.draft = None;
        t.dirty = true;
        let answers = t.commit().await?;
        let broadcast = answers.last().copied().unwrap_or_default();
        let count = self.store.progress(broadcast).await?.map_or(0, |p| p.total);
        self.wake_outbox();
        tracing::info!(broadcast, count, urgent, "broadcast queued");
        let (b, c) = (broadcast.to_string(), count.to_string());
        if not_before > now {
            let at = format!("{:02}:{:02}", start.hour(), start.minute());
            t.say(
                Msg::AnnounceQueuedLater,
                &[("id", &b), ("count", &c), ("at", &at)],
            );
        } else {
            t.say(Msg::AnnounceQueued, &[("id", &b), ("count", &c)]);
        }
        Ok(())
    }

    async fn list_broadcasts(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
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
        t.text(text, Keyboard::None);
        Ok(())
    }

    /// `/grant USER_ID role` or `/revoke ...`; the user may instead be the
    /// author of a forwarded message the command replies to.
    async fn change_role(
        &self,
        t: &mut Turn<'_>,
        grant: bool,
        arg: &str,
        forwarded_from: Option<i64>,
    ) -> Result<(), AppError> {
        let words: Vec<&str> = arg.split_whitespace().collect();
        let number = |u: &str| u.parse::<i64>().ok();
        let (user, role, hub) = match words.as_slice() {
            [u, r] if number(u).is_some() => (number(u), Role::parse(r), None),
            [u, r, h] if number(u).is_some() => (number(u), Role::parse(r), Some(*h)),
            // `/grant librarian [HUB_ID]` in reply to a forwarded message.
            [r] => (forwarded_from, Role::parse(r), None),
            [r, h] if number(r).is_none() => (forwarded_from, Role::parse(r), Some(*h)),
            _ => (None, None, None),
        };
        let (Some(user), Some(role)) = (user.filter(|u| *u > 0), role) else {
            t.say(Msg::RoleUsage, &[]);
            return Ok(());
        };
        if let Some(hub) = hub {
            // A librarian of one hub: `/grant USER_ID librarian HUB_ID`.
            let link = (role == Role::Librarian)
                .then(|| self.hub_link(t, user, hub, grant))
                .flatten();
            let Some(link) = link else {
                t.say(Msg::MyhubUnknownHub, &[("hub", hub)]);
                return Ok(());
            };
            if grant {
                t.writes.push(Write::Role {
                    user,
                    role: role.as_str(),
                    grant,
                    by: t.user,
                    now: self.now(),
                });
            }
            t.writes.push(link);
            let changed = t.commit().await?.last().copied().unwrap_or_default() > 0;
            tracing::info!(
                by = t.user,
                user,
                hub,
                grant,
                changed,
                "hub librarian change"
            );
            let msg = match (changed, grant) {
                (false, _) => Msg::RoleUnchanged,
                (true, true) => Msg::RoleGrantedHub,
                (true, false) => Msg::RoleRevokedHub,
            };
            let name = t
                .script
                .hub(hub)
                .map(|i| t.script.hubs[i].name.get(t.lang).to_string());
            let name = name.unwrap_or_else(|| hub.to_string());
            t.say(
                msg,
                &[
                    ("user", &user.to_string()),
                    ("hub", &name),
                    ("role", role.as_str()),
                ],
            );
            return Ok(());
        }
        t.writes.push(Write::Role {
            user,
            role: role.as_str(),
            grant,
            by: t.user,
            now: self.now(),
        });
        if !grant && role == Role::Librarian {
            // No longer a librarian: of no hub either.
            t.writes
                .push(Write::Hub(crate::store::HubChange::UnlinkAll { user }));
        }
        let changed = t.commit().await?.first().copied().unwrap_or_default() > 0;
        tracing::info!(
            by = t.user,
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
        t.say(msg, &[("user", &user.to_string()), ("role", role.as_str())]);
        Ok(())
    }
}

/// Plain text as Telegram-style HTML.
pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}
