//! Finding a library hub: from a shared location, a settlement's name (typos
//! and endings forgiven), a settlement chosen from a list, or a service asked
//! for ("де допоможуть з Дією?"). Opening hours are read at the local time the
//! adapter passes in [`Context::now`](super::Context), never from a clock here.
//!
//! The resident's location is used for this one answer and never stored.

use jiff::civil::{Time, Weekday};

use super::{Awaiting, InlineButton, Keyboard, Position, Press, Reply, Turn};
use crate::hubs::{self, Near, Opening};
use crate::script::{Hub, Msg, MAIN_MENU};

/// How many hubs a shared location answers with.
const NEAREST: usize = 3;
/// The most hubs shown at once for a name or a service.
const MAX_SHOWN: usize = 5;
/// Settlement buttons per row.
const PLACE_COLUMNS: usize = 2;

impl Turn<'_> {
    /// `/hubs` or the menu's button: asks for the resident's location or a place's name.
    pub(super) fn hubs(&mut self) {
        self.state.awaiting = Some(Awaiting::Place);
        let strings = &self.script.strings;
        let keyboard = Keyboard::AskLocation {
            share: strings.get(Msg::ButtonShareLocation, self.lang).to_string(),
            back: strings.get(Msg::ButtonMenu, self.lang).to_string(),
        };
        let text = self.text_of(Msg::HubsAsk).to_string();
        self.replies.push(Reply::Message { text, keyboard });
        self.offer_places(Msg::HubsPick);
    }

    /// A shared location: the nearest hubs, a pin of the nearest, and its phone.
    pub(super) fn nearest_hubs(&mut self, latitude: f64, longitude: f64) {
        let near = hubs::nearest(&self.script.hubs, (latitude, longitude), NEAREST);
        if near.is_empty() {
            // No hub's place on the map is known: they can still be chosen by settlement.
            let keyboard = self.menu_keyboard();
            let text = self.text_of(Msg::HubsNoLocations).to_string();
            self.replies.push(Reply::Message { text, keyboard });
            self.offer_places(Msg::HubsPick);
        } else {
            let found: Vec<(usize, Option<Near>)> =
                near.iter().map(|n| (n.hub, Some(*n))).collect();
            self.show(Msg::HubsNearest, None, &found);
        }
        self.offer_lesson();
    }

    /// Text after `/hubs`: a settlement or street by name, a service, or both.
    pub(super) fn hubs_named(&mut self, text: &str) {
        let script = self.script;
        let service = hubs::service_in(text, &script.services);
        let mut found = hubs::find(&script.hubs, text);
        if let Some(s) = service {
            let offering = hubs::with_service(&script.hubs, s);
            if found.is_empty() {
                found = offering;
            } else if found.iter().any(|i| offering.contains(i)) {
                found.retain(|i| offering.contains(i));
            }
        }
        if found.is_empty() {
            // Keep listening: the resident may try another spelling.
            self.state.awaiting = Some(Awaiting::Place);
            return self.offer_places(Msg::HubsNotFound);
        }
        let found: Vec<(usize, Option<Near>)> = found.into_iter().map(|i| (i, None)).collect();
        match service {
            Some(s) => {
                let name = script.service_name(s, self.lang);
                self.show(Msg::HubsWithService, Some(name), &found)
            }
            None => self.show(Msg::HubsFound, None, &found),
        }
        self.offer_lesson();
    }

    /// A settlement chosen from the list (by one of its hubs).
    pub(super) fn hubs_in_settlement_of(&mut self, hub: &str) {
        let script = self.script;
        let Some(i) = script.hub(hub) else {
            return self.stale();
        };
        let place = script.hubs[i].settlement.get(0);
        let found: Vec<(usize, Option<Near>)> = (0..script.hubs.len())
            .filter(|&j| script.hubs[j].settlement.get(0) == place)
            .map(|j| (j, None))
            .collect();
        self.show(Msg::HubsFound, None, &found);
        self.offer_lesson();
    }

    /// The hub open now or opening soonest, for a resident who needs a person.
    pub(super) fn soonest_hub(&mut self) {
        match hubs::soonest(&self.script.hubs, self.cx.now) {
            Some((i, _)) => self.show(Msg::HubsSoonest, None, &[(i, None)]),
            None => {
                let keyboard = self.menu_keyboard();
                let text = self.text_of(Msg::HubHoursUnknown).to_string();
                self.replies.push(Reply::Message { text, keyboard });
                self.offer_places(Msg::HubsPick);
            }
        }
    }

    /// A list of hubs under a heading, the big menu buttons back, then a pin
    /// and the phone of the first hub that has them.
    fn show(&mut self, heading: Msg, service: Option<&str>, found: &[(usize, Option<Near>)]) {
        let script = self.script;
        let strings = &script.strings;
        let mut parts = vec![match service {
            Some(s) => strings.fill(heading, self.lang, &[("service", s)]),
            None => strings.get(heading, self.lang).to_string(),
        }];
        let shown = &found[..found.len().min(MAX_SHOWN)];
        for &(i, near) in shown {
            parts.push(self.card(&script.hubs[i], near));
        }
        if shown.iter().any(|&(i, _)| !script.hubs[i].verified) {
            parts.push(self.text_of(Msg::HubsUnverified).to_string());
        }
        let keyboard = self.menu_keyboard();
        self.replies.push(Reply::Message {
            text: parts.join("\n\n"),
            keyboard,
        });
        let hubs = shown.iter().map(|&(i, _)| &script.hubs[i]);
        if let Some((hub, (latitude, longitude))) =
            hubs.clone().find_map(|h| h.location.map(|l| (h, l)))
        {
            self.replies.push(Reply::Venue {
                latitude,
                longitude,
                title: hub.name.get(self.lang).to_string(),
                address: self.address(hub),
            });
        }
        if let Some((hub, phone)) = hubs.clone().find_map(|h| h.phone.as_ref().map(|p| (h, p))) {
            self.replies.push(Reply::Contact {
                phone: phone.clone(),
                name: hub.name.get(self.lang).to_string(),
            });
        }
    }

    /// One hub: name, address first, distance, whether it is open, today's hours, phone, services.
    fn card(&self, hub: &Hub, near: Option<Near>) -> String {
        let strings = &self.script.strings;
        let lang = self.lang;
        let mut lines = vec![format!("**{}**", hub.name.get(lang))];
        lines.push(match &hub.address {
            Some(a) => strings.fill(
                Msg::HubAddress,
                lang,
                &[
                    ("address", a.get(lang)),
                    ("settlement", hub.settlement.get(lang)),
                ],
            ),
            None => strings.fill(
                Msg::HubSettlementOnly,
                lang,
                &[("settlement", hub.settlement.get(lang))],
            ),
        });
        if let Some(n) = near {
            let km = format!("{:.1}", n.km);
            let msg = if hub.approximate {
                Msg::HubDistanceApprox
            } else {
                Msg::HubDistance
            };
            lines.push(strings.fill(msg, lang, &[("km", &km)]));
        }
        let now = self.cx.now;
        match hubs::opening(hub, now) {
            Opening::Unknown | Opening::Closed { next: None } => {
                lines.push(strings.get(Msg::HubHoursUnknown, lang).to_string())
            }
            opening => {
                lines.push(match opening {
                    Opening::Open { until } => {
                        strings.fill(Msg::HubOpenNow, lang, &[("until", &clock(until))])
                    }
                    Opening::Closed { next: Some(n) } => {
                        let at = clock(n.at);
                        match n.days_ahead {
                            0 => strings.fill(Msg::HubOpensToday, lang, &[("at", &at)]),
                            1 => strings.fill(Msg::HubOpensTomorrow, lang, &[("at", &at)]),
                            _ => strings.fill(
                                Msg::HubOpensOn,
                                lang,
                                &[("day", strings.get(day(n.day), lang)), ("at", &at)],
                            ),
                        }
                    }
                    _ => String::new(),
                });
                let today = hub
                    .hours
                    .as_ref()
                    .map(|w| &w[now.weekday().to_monday_zero_offset() as usize]);
                match today {
                    Some(spans) if !spans.is_empty() => {
                        let hours: Vec<String> = spans
                            .iter()
                            .map(|(a, b)| format!("{}–{}", clock(*a), clock(*b)))
                            .collect();
                        lines.push(strings.fill(
                            Msg::HubToday,
                            lang,
                            &[("hours", &hours.join(", "))],
                        ));
                    }
                    _ => lines.push(strings.get(Msg::HubTodayOff, lang).to_string()),
                }
            }
        }
        if let Some(phone) = &hub.phone {
            lines.push(strings.fill(Msg::HubPhone, lang, &[("phone", phone)]));
        }
        if !hub.services.is_empty() {
            let names: Vec<&str> = hub
                .services
                .iter()
                .map(|s| self.script.service_name(*s, lang))
                .collect();
            lines.push(strings.fill(Msg::HubServices, lang, &[("services", &names.join(", "))]));
        }
        lines.join("\n")
    }

    /// A hub's address for a map pin: the street if known, and the settlement.
    fn address(&self, hub: &Hub) -> String {
        match &hub.address {
            Some(a) => format!("{}, {}", a.get(self.lang), hub.settlement.get(self.lang)),
            None => hub.settlement.get(self.lang).to_string(),
        }
    }

    /// A message with a button per settlement that has hubs.
    fn offer_places(&mut self, heading: Msg) {
        let script = self.script;
        let mut seen: Vec<&str> = Vec::new();
        let mut buttons = Vec::new();
        for hub in &script.hubs {
            let key = hub.settlement.get(0);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            buttons.push(InlineButton {
                url: None,
                label: hub.settlement.get(self.lang).to_string(),
                data: Press::Place(hub.id.clone()).encode(),
            });
        }
        let text = self.text_of(heading).to_string();
        let keyboard = if buttons.is_empty() {
            Keyboard::Inline(vec![self.way_back()])
        } else {
            Keyboard::Inline(buttons.chunks(PLACE_COLUMNS).map(<[_]>::to_vec).collect())
        };
        self.replies.push(Reply::Message { text, keyboard });
    }

    /// After a detour in the middle of a lesson, a button back to it.
    fn offer_lesson(&mut self) {
        if let Some(back) = self.lesson_back() {
            let text = self.text_of(Msg::LessonContinue).to_string();
            self.replies.push(Reply::Message {
                text,
                keyboard: Keyboard::Inline(vec![vec![back]]),
            });
        }
    }

    /// The main menu's big buttons, to put back after a one-off keyboard.
    fn menu_keyboard(&mut self) -> Keyboard {
        let script = self.script;
        let Some((d, s)) = script
            .dialogue(MAIN_MENU)
            .and_then(|d| d.steps.get(d.start).map(|s| (d, s)))
        else {
            return Keyboard::None;
        };
        self.state.keyboard = Some(Position {
            dialogue: d.id.clone(),
            step: s.id.clone(),
            wrong: 0,
        });
        let labels: Vec<String> = s
            .buttons
            .iter()
            .map(|b| self.decorate(b.label.get(self.lang), &b.target))
            .collect();
        Keyboard::Menu(labels.chunks(s.columns).map(<[String]>::to_vec).collect())
    }
}

/// "09:00" for a time of day.
fn clock(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn day(d: Weekday) -> Msg {
    match d {
        Weekday::Monday => Msg::DayMon,
        Weekday::Tuesday => Msg::DayTue,
        Weekday::Wednesday => Msg::DayWed,
        Weekday::Thursday => Msg::DayThu,
        Weekday::Friday => Msg::DayFri,
        Weekday::Saturday => Msg::DaySat,
        Weekday::Sunday => Msg::DaySun,
    }
}
