//! `/subscribe` and `/unsubscribe`: which announcements a resident wants
//! (webinars, library news) and, optionally, from which hub. The choice lives
//! in the state; a `subscription_changed` event carries it to the store's
//! `subscriptions` table, which the outbox reads.

use serde::{Deserialize, Serialize};

use super::{Event, InlineButton, Keyboard, Press, Reply, Turn};
use crate::script::Msg;

/// What a resident wants to hear about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    #[serde(default)]
    pub webinars: bool,
    #[serde(default)]
    pub news: bool,
    /// Their library hub, by id.
    #[serde(default)]
    pub hub: Option<String>,
}

/// A press in the subscription message, after `s:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Webinars,
    News,
    /// Show the hubs to choose from.
    Hubs,
    /// Choose a hub, or none.
    Hub(Option<String>),
    /// "Не надсилати більше": everything off.
    Off,
    Done,
}

impl Subscription {
    /// Nothing chosen (left out of the saved state, to keep it small).
    pub fn is_none(&self) -> bool {
        *self == Subscription::default()
    }
}

impl Choice {
    pub fn encode(&self) -> String {
        match self {
            Choice::Webinars => "s:w".into(),
            Choice::News => "s:n".into(),
            Choice::Hubs => "s:hubs".into(),
            Choice::Hub(Some(id)) => format!("s:h:{id}"),
            Choice::Hub(None) => "s:h:-".into(),
            Choice::Off => "s:off".into(),
            Choice::Done => "s:ok".into(),
        }
    }

    pub fn decode(rest: &str) -> Option<Choice> {
        Some(match rest {
            "w" => Choice::Webinars,
            "n" => Choice::News,
            "hubs" => Choice::Hubs,
            "h:-" => Choice::Hub(None),
            "off" => Choice::Off,
            "ok" => Choice::Done,
            _ => Choice::Hub(Some(
                rest.strip_prefix("h:")
                    .filter(|id| !id.is_empty())?
                    .to_string(),
            )),
        })
    }
}

impl Turn<'_> {
    /// `/subscribe`: the toggles.
    pub(super) fn subscribe(&mut self) {
        let text = self.text_of(Msg::SubscribeChoose).to_string();
        let keyboard = self.toggles();
        self.replies.push(Reply::Message { text, keyboard });
    }

    /// `/unsubscribe` or "Не надсилати більше".
    pub(super) fn unsubscribe(&mut self) {
        let hub = self.state.subscription.hub.clone();
        self.set(Subscription {
            webinars: false,
            news: false,
            hub,
        });
        self.say(Msg::Unsubscribed);
    }

    pub(super) fn choose(&mut self, choice: Choice) {
        let mut s = self.state.subscription.clone();
        match choice {
            Choice::Webinars => s.webinars = !s.webinars,
            Choice::News => s.news = !s.news,
            Choice::Hubs => return self.hub_choice(),
            Choice::Hub(hub) => {
                if hub.as_deref().is_some_and(|h| self.script.hub(h).is_none()) {
                    return self.stale();
                }
                s.hub = hub;
            }
            Choice::Off => return self.unsubscribe(),
            Choice::Done => {
                let text = self.summary();
                self.replies.push(Reply::Message {
                    text,
                    keyboard: Keyboard::None,
                });
                return self.main_menu();
            }
        }
        self.set(s);
        self.subscribe();
    }

    fn set(&mut self, s: Subscription) {
        if s != self.state.subscription {
            self.events.push(Event::SubscriptionChanged {
                webinars: s.webinars,
                news: s.news,
                hub: s.hub.clone(),
            });
            self.state.subscription = s;
        }
    }

    fn toggles(&self) -> Keyboard {
        let s = &self.state.subscription;
        let strings = &self.script.strings;
        let lang = self.lang;
        let mark = |on: bool| if on { "✅" } else { "⬜" };
        let button = |label: String, choice: Choice| InlineButton {
            url: None,
            label,
            data: Press::Subscribe(choice).encode(),
        };
        let hub = s
            .hub
            .as_deref()
            .and_then(|h| self.script.hub(h))
            .map(|i| self.script.hubs[i].name.get(lang).to_string())
            .unwrap_or_else(|| strings.get(Msg::SubscribeAnyHub, lang).to_string());
        Keyboard::Inline(vec![
            vec![button(
                format!(
                    "{} {}",
                    mark(s.webinars),
                    strings.get(Msg::TopicWebinars, lang)
                ),
                Choice::Webinars,
            )],
            vec![button(
                format!("{} {}", mark(s.news), strings.get(Msg::TopicNews, lang)),
                Choice::News,
            )],
            vec![button(
                strings.fill(Msg::ButtonSubscribeHub, lang, &[("hub", &hub)]),
                Choice::Hubs,
            )],
            vec![button(
                strings.get(Msg::ButtonDone, lang).to_string(),
                Choice::Done,
            )],
        ])
    }

    fn hub_choice(&mut self) {
        let lang = self.lang;
        let mut rows: Vec<Vec<InlineButton>> = self
            .script
            .hubs
            .iter()
            .map(|h| {
                vec![InlineButton {
                    url: None,
                    label: h.name.get(lang).to_string(),
                    data: Press::Subscribe(Choice::Hub(Some(h.id.clone()))).encode(),
                }]
            })
            .collect();
        rows.push(vec![InlineButton {
            url: None,
            label: self.text_of(Msg::SubscribeAnyHub).to_string(),
            data: Press::Subscribe(Choice::Hub(None)).encode(),
        }]);
        let text = self.text_of(Msg::SubscribeChooseHub).to_string();
        self.replies.push(Reply::Message {
            text,
            keyboard: Keyboard::Inline(rows),
        });
    }

    fn summary(&self) -> String {
        let s = &self.state.subscription;
        let strings = &self.script.strings;
        let mut topics = Vec::new();
        if s.webinars {
            topics.push(strings.get(Msg::TopicWebinars, self.lang));
        }
        if s.news {
            topics.push(strings.get(Msg::TopicNews, self.lang));
        }
        if topics.is_empty() {
            strings.get(Msg::Unsubscribed, self.lang).to_string()
        } else {
            strings.fill(
                Msg::Subscribed,
                self.lang,
                &[("topics", &topics.join(", "))],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip() {
        for c in [
            Choice::Webinars,
            Choice::News,
            Choice::Hubs,
            Choice::Hub(Some("branch_7".into())),
            Choice::Hub(None),
            Choice::Off,
            Choice::Done,
        ] {
            let data = c.encode();
            assert_eq!(
                Choice::decode(data.strip_prefix("s:").unwrap_or("")),
                Some(c)
            );
        }
        assert_eq!(Choice::decode("x"), None);
        assert_eq!(Choice::decode("h:"), None);
    }
}
