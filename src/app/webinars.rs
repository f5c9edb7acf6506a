//! Webinars: `/webinars` and "I will come" for residents; `/webinar`
//! (publish), move and cancel for librarians. Reminders are rows the outbox
//! sends ([`super::outbox`]).

use super::{AppError, Handled, Turn};
use crate::broadcast::{Place, WebinarDraft, WebinarStage};
use crate::commands::{self, Cmd};
use crate::engine::{InlineButton, Input, Keyboard, Press};
use crate::script::{markup, Msg, Script};
use crate::store::{Role, Rsvp, Webinar, WebinarWrite, Write};

impl super::App {
    /// Webinar commands, buttons and a librarian's webinar draft.
    pub(super) async fn webinars(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
    ) -> Result<Handled, AppError> {
        match input {
            Input::Command { name, .. } => {
                if commands::parse(name) == Some(Cmd::Webinars) {
                    if t.drafts.webinar_draft.take().is_some() {
                        t.dirty = true;
                    }
                    self.list_webinars(t).await?;
                    return Ok(Handled::Yes);
                }
                // Another command leaves the webinar draft (the staff part
                // and the engine see to the rest).
                if t.drafts.webinar_draft.take().is_some() {
                    t.dirty = true;
                }
                Ok(Handled::No)
            }
            Input::Press(data) => self.webinar_press(t, data).await,
            Input::Text(text) => {
                let Some(mut draft) = t.drafts.webinar_draft.clone() else {
                    return Ok(Handled::No);
                };
                if !self.store.has_role(t.user, Role::Librarian).await? {
                    t.drafts.webinar_draft = None;
                    t.dirty = true;
                    return Ok(Handled::No);
                }
                if draft.text(text, self.local_now()) {
                    t.drafts.webinar_draft = Some(draft.clone());
                    t.dirty = true;
                } else {
                    t.say(Msg::WebinarTryAgain, &[]);
                }
                self.show_webinar_draft(t, &draft).await?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    async fn webinar_press(&self, t: &mut Turn<'_>, data: &str) -> Result<Handled, AppError> {
        let press = match Press::decode(data) {
            Some(
                p @ (Press::Rsvp { .. }
                | Press::WebinarDraft(_)
                | Press::WebinarMove(_)
                | Press::WebinarCancel(_)),
            ) => p,
            _ => return Ok(Handled::No),
        };
        if let Press::Rsvp { webinar, going } = press {
            self.rsvp(t, webinar, going).await?;
            return Ok(Handled::Yes);
        }
        if !self.store.has_role(t.user, Role::Librarian).await? {
            // Librarians' buttons pressed by someone else: as stale as any.
            t.audit("refused", Some(data), None);
            return Ok(Handled::No);
        }
        match press {
            Press::WebinarMove(w) => {
                let draft = WebinarDraft::moving(w);
                t.drafts.webinar_draft = Some(draft.clone());
                t.dirty = true;
                self.show_webinar_draft(t, &draft).await?;
            }
            Press::WebinarCancel(w) => self.cancel_webinar(t, w).await?,
            Press::WebinarDraft(what) => {
                let Some(mut draft) = t.drafts.webinar_draft.clone() else {
                    return Ok(Handled::No);
                };
                match what.as_str() {
                    "cancel" => {
                        t.drafts.webinar_draft = None;
                        t.dirty = true;
                        t.say(Msg::AnnounceCancelled, &[]);
                    }
                    "publish" if draft.stage == WebinarStage::Preview => {
                        t.drafts.webinar_draft = None;
                        t.dirty = true;
                        self.publish(t, &draft).await?;
                    }
                    _ => {
                        let valid = what
                            .strip_prefix("place:")
                            .is_none_or(|hub| t.script.hub(hub).is_some());
                        if valid && draft.press(&what) {
                            t.drafts.webinar_draft = Some(draft.clone());
                            t.dirty = true;
                        }
                        self.show_webinar_draft(t, &draft).await?;
                    }
                }
            }
            _ => return Ok(Handled::No),
        }
        Ok(Handled::Yes)
    }

    /// The question for the draft's stage.
    pub(super) async fn show_webinar_draft(
        &self,
        t: &mut Turn<'_>,
        draft: &WebinarDraft,
    ) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let button = |label: &str, what: &str| InlineButton {
            label: label.to_string(),
            data: Press::WebinarDraft(what.to_string()).encode(),
            url: None,
        };
        let cancel = button(s.get(Msg::ButtonCancel, lang), "cancel");
        let (text, mut rows) = match draft.stage {
            WebinarStage::Title => (s.get(Msg::WebinarAskTitle, lang).to_string(), vec![]),
            WebinarStage::Description => {
                (s.get(Msg::WebinarAskDescription, lang).to_string(), vec![])
            }
            WebinarStage::When => (s.get(Msg::WebinarAskWhen, lang).to_string(), vec![]),
            WebinarStage::Place => {
                let mut rows: Vec<Vec<InlineButton>> = script
                    .hubs
                    .iter()
                    .map(|h| vec![button(h.name.get(lang), &format!("place:{}", h.id))])
                    .collect();
                rows.push(vec![button(s.get(Msg::ButtonOnline, lang), "online")]);
                (s.get(Msg::WebinarAskPlace, lang).to_string(), rows)
            }
            WebinarStage::Link => (s.get(Msg::WebinarAskLink, lang).to_string(), vec![]),
            WebinarStage::Capacity => (
                s.get(Msg::WebinarAskCapacity, lang).to_string(),
                vec![vec![button(s.get(Msg::ButtonNoLimit, lang), "nolimit")]],
            ),
            WebinarStage::Preview => {
                let when = draft
                    .starts
                    .map(|d| when_local(&script, d, lang))
                    .unwrap_or_default();
                let text = match draft.moving {
                    Some(w) => {
                        let title = self.webinar_title(w).await?;
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
                            .map(|p| place_text(&script, &p.encode(), lang))
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
                    vec![vec![button(s.get(Msg::ButtonPublish, lang), "publish")]],
                )
            }
        };
        rows.push(vec![cancel]);
        t.text(text, Keyboard::Inline(rows));
        Ok(())
    }

    /// Publishes a new webinar with its announcement, or moves one, in the
    /// turn's one transaction (with the cleared draft).
    async fn publish(&self, t: &mut Turn<'_>, draft: &WebinarDraft) -> Result<(), AppError> {
        let now = self.now();
        let Some(starts) = draft.starts else {
            return Ok(());
        };
        let starts_at = crate::clock::unix(starts, &self.tz, now);
        let script = t.script.clone();
        if let Some(w) = draft.moving {
            t.writes.push(Write::Webinar(WebinarWrite::Move {
                webinar: w,
                starts_at,
                by: t.user,
                now,
            }));
            t.commit().await?;
            self.wake_outbox();
            let title = self.webinar_title(w).await?;
            let when = when(&script, &self.tz, starts_at, t.lang);
            t.say(Msg::WebinarMovedDone, &[("title", &title), ("when", &when)]);
            return Ok(());
        }
        let Some(place) = draft.place.as_ref() else {
            return Ok(());
        };
        let place = place.encode();
        // The announcement is in the community's first language, like the librarians' own.
        let text = script.strings.fill(
            Msg::WebinarAnnouncement,
            0,
            &[
                ("title", &markup::literal(&draft.title)),
                ("when", &when(&script, &self.tz, starts_at, 0)),
                ("place", &place_text(&script, &place, 0)),
                ("description", &markup::literal(&draft.description)),
            ],
        );
        let (not_before, _) = self.not_before(false);
        t.writes.push(Write::Webinar(WebinarWrite::Publish {
            author: t.user,
            title: draft.title.clone(),
            description: draft.description.clone(),
            starts_at,
            place,
            capacity: draft.capacity.map(i64::from),
            html: markup::to_html(&text),
            not_before,
            now,
        }));
        let webinar = t.commit().await?.last().copied().unwrap_or_default();
        self.wake_outbox();
        let count = self.store.webinar_recipients(webinar).await?;
        t.say(
            Msg::WebinarPublished,
            &[("id", &webinar.to_string()), ("count", &count.to_string())],
        );
        Ok(())
    }

    /// A webinar's title (empty if it is gone).
    async fn webinar_title(&self, w: i64) -> Result<String, AppError> {
        Ok(self
            .store
            .webinar(w)
            .await?
            .map(|w| w.title)
            .unwrap_or_default())
    }

    async fn cancel_webinar(&self, t: &mut Turn<'_>, w: i64) -> Result<(), AppError> {
        let Some(webinar) = self.store.webinar(w).await? else {
            return Ok(());
        };
        t.writes.push(Write::Webinar(WebinarWrite::Cancel {
            webinar: w,
            by: t.user,
            now: self.now(),
        }));
        t.commit().await?;
        self.wake_outbox();
        t.say(Msg::WebinarCancelledDone, &[("title", &webinar.title)]);
        Ok(())
    }

    async fn rsvp(&self, t: &mut Turn<'_>, w: i64, going: bool) -> Result<(), AppError> {
        let now = self.now();
        if !going {
            t.writes.push(Write::Webinar(WebinarWrite::Unrsvp {
                webinar: w,
                user: t.user,
            }));
            t.commit().await?;
            t.say(Msg::RsvpWithdrawn, &[]);
            return Ok(());
        }
        t.writes.push(Write::Webinar(WebinarWrite::Rsvp {
            webinar: w,
            user: t.user,
            now,
        }));
        let code = t.commit().await?.last().copied().unwrap_or_default();
        match Rsvp::from_code(code) {
            Rsvp::Added => {
                let webinar = self.store.webinar(w).await?;
                let (title, when) = webinar
                    .map(|x| (x.title, when(&t.script, &self.tz, x.starts_at, t.lang)))
                    .unwrap_or_default();
                t.say(Msg::RsvpAdded, &[("title", &title), ("when", &when)]);
            }
            Rsvp::Already => t.say(Msg::RsvpAlready, &[]),
            Rsvp::Full => t.say(Msg::RsvpFull, &[]),
            Rsvp::Gone => t.say(Msg::RsvpGone, &[]),
        }
        Ok(())
    }

    /// Upcoming webinars, each with its button; librarians also see the
    /// sign-ups and the buttons to move or cancel.
    async fn list_webinars(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let upcoming = self.store.upcoming_webinars(self.now(), 10).await?;
        if upcoming.is_empty() {
            t.say(Msg::WebinarsNone, &[]);
            return Ok(());
        }
        let librarian = self.store.has_role(t.user, Role::Librarian).await?;
        for w in upcoming {
            let mut text = card(&script, &self.tz, &w, lang);
            if let Some(c) = w.capacity {
                let left = (c - w.going).max(0).to_string();
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::WebinarSeats, lang, &[("left", &left)])
                );
            }
            let going = self.store.is_going(w.id, t.user).await?;
            let button = |msg: Msg, press: Press| InlineButton {
                label: s.get(msg, lang).to_string(),
                data: press.encode(),
                url: None,
            };
            let rsvp = Press::Rsvp {
                webinar: w.id,
                going: !going,
            };
            let mut rows = vec![vec![if going {
                button(Msg::ButtonUnrsvp, rsvp)
            } else {
                button(Msg::ButtonRsvp, rsvp)
            }]];
            if librarian {
                text = format!(
                    "{text}\n{}",
                    s.fill(Msg::WebinarGoing, lang, &[("count", &w.going.to_string())])
                );
                rows.push(vec![
                    button(Msg::ButtonWebinarMove, Press::WebinarMove(w.id)),
                    button(Msg::ButtonWebinarCancel, Press::WebinarCancel(w.id)),
                ]);
            }
            t.text(text, Keyboard::Inline(rows));
        }
        Ok(())
    }
}

/// A webinar as residents read it.
pub(super) fn card(script: &Script, tz: &jiff::tz::TimeZone, w: &Webinar, lang: usize) -> String {
    script.strings.fill(
        Msg::WebinarCard,
        lang,
        &[
            ("title", &markup::literal(&w.title)),
            ("when", &when(script, tz, w.starts_at, lang)),
            ("place", &place_text(script, &w.place, lang)),
            ("description", &markup::literal(&w.description)),
        ],
    )
}

/// "28.11.2026 о 15:00" in the community's time zone.
pub(super) fn when(script: &Script, tz: &jiff::tz::TimeZone, unix: i64, lang: usize) -> String {
    when_local(script, crate::clock::local(unix, tz), lang)
}

fn when_local(script: &Script, t: jiff::civil::DateTime, lang: usize) -> String {
    let date = format!("{:02}.{:02}.{}", t.day(), t.month(), t.year());
    let time = format!("{:02}:{:02}", t.hour(), t.minute());
    script
        .strings
        .fill(Msg::WebinarWhen, lang, &[("date", &date), ("time", &time)])
}

/// A hub's name and address, or the online link.
pub(super) fn place_text(script: &Script, stored: &str, lang: usize) -> String {
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

#[cfg(test)]
mod tests {
    use crate::engine::Press;

    #[test]
    fn webinar_buttons_are_presses() {
        for data in [
            "w:go:1",
            "w:no:2",
            "wb:cancel",
            "wb:place:x",
            "wm:3",
            "wx:4",
        ] {
            assert!(Press::decode(data).is_some(), "{data}");
        }
    }
}
