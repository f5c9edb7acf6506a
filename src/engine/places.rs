//! Finding a library hub: from a shared location, a settlement's name (typos
//! and endings forgiven), a settlement chosen from a list, or a service asked
//! for ("де допоможуть з Дією?"). Opening hours are read at the local time the
//! adapter passes in [`Context::now`](super::Context), never from a clock here.
//!
//! The resident's location is used for this one answer and never stored.

use jiff::civil::{Time, Weekday};

use super::{Awaiting, InlineButton, Keyboard, Position, Press, Reply, Turn};
use crate::hubs::layer::Today;
use crate::hubs::{self, Far, Opening, Whereabouts};
use crate::script::{Hub, Msg, MAIN_MENU};

/// How many hubs a shared location answers with.
const NEAREST: usize = 3;
/// The most hubs shown at once for a name or a service.
const MAX_SHOWN: usize = 5;
/// Settlement buttons per row.
const PLACE_COLUMNS: usize = 2;

impl<'s> Turn<'s> {
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

    /// The hubs as residents see them now (with the librarians' facts).
    fn all_hubs(&self) -> &'s [Hub] {
        self.cx.hubs.unwrap_or(&self.script.hubs)
    }

    /// A shared location: the nearest hubs, a pin of the nearest open one, and its phone.
    pub(super) fn nearest_hubs(&mut self, latitude: f64, longitude: f64) {
        let msg = match hubs::whereabouts(latitude, longitude) {
            Whereabouts::Ukraine => None,
            Whereabouts::Impossible => Some(Msg::HubsLocationImpossible),
            Whereabouts::Abroad => Some(Msg::HubsLocationAbroad),
        };
        if let Some(msg) = msg {
            // Not a place to measure from: the resident can name their village instead.
            self.state.awaiting = Some(Awaiting::Place);
            let keyboard = self.menu_keyboard();
            let text = self.text_of(msg).to_string();
            self.replies.push(Reply::Message { text, keyboard });
            return self.offer_places(Msg::HubsPick);
        }
        let near = hubs::nearest_placed(
            self.all_hubs(),
            &self.script.settlements,
            (latitude, longitude),
            NEAREST,
        );
        if near.is_empty() {
            // No hub's place on the map is known: they can still be chosen by settlement.
            let keyboard = self.menu_keyboard();
            let text = self.text_of(Msg::HubsNoLocations).to_string();
            self.replies.push(Reply::Message { text, keyboard });
            self.offer_places(Msg::HubsPick);
        } else {
            let found: Vec<(usize, Option<Far>)> = near.iter().map(|n| (n.hub, Some(*n))).collect();
            self.show(Msg::HubsNearest, None, &found);
        }
        self.offer_lesson();
    }

    /// "Де зарядити телефон?": hubs with power today first, then those that
    /// work during power cuts; never one closed today.
    pub(super) fn power_hubs(&mut self) {
        let found = hubs::with_power_today(self.all_hubs(), self.cx.now);
        if found.is_empty() {
            let keyboard = self.menu_keyboard();
            let text = self.text_of(Msg::HubsPowerNone).to_string();
            self.replies.push(Reply::Message { text, keyboard });
            return self.offer_lesson();
        }
        let found: Vec<(usize, Option<Far>)> = found.into_iter().map(|i| (i, None)).collect();
        self.show(Msg::HubsPower, None, &found);
        self.offer_lesson();
    }

    /// Text after `/hubs`: a settlement or street by name, a service, or both;
    /// a settlement with no hub of its own gets the nearest ones.
    pub(super) fn hubs_named(&mut self, text: &str) {
        if hubs::asks_for_power(text) {
            return self.power_hubs();
        }
        let script = self.script;
        let all = self.all_hubs();
        let service = hubs::service_in(text, &script.services);
        let mut found = hubs::find(all, text);
        if found.is_empty() && service.is_none() {
            if let Some(s) = hubs::settlement_in(&script.settlements, text) {
                return self.near_settlement(s);
            }
        }
        if let Some(s) = service {
            let offering = hubs::with_service(all, s);
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
        let found: Vec<(usize, Option<Far>)> = found.into_iter().map(|i| (i, None)).collect();
        match service {
            Some(s) => {
                let name = script.service_name(s, self.lang);
                self.show(Msg::HubsWithService, Some(name), &found)
            }
            None => self.show(Msg::HubsFound, None, &found),
        }
        self.offer_lesson();
    }

    /// A settlement of the community with no hub of its own: the hubs
    /// nearest its centre, "about N km", or the list when its centre (or
    /// every hub's place) is not known.
    fn near_settlement(&mut self, s: usize) {
        let settlement = &self.script.settlements[s];
        let name = settlement.name.get(self.lang).to_string();
        let near = settlement.centre.map_or_else(Vec::new, |c| {
            hubs::nearest_placed(self.all_hubs(), &self.script.settlements, c, NEAREST)
        });
        if near.is_empty() {
            let text = self.script.strings.fill(
                Msg::HubsSettlementUnknownDistance,
                self.lang,
                &[("settlement", &name)],
            );
            self.state.awaiting = Some(Awaiting::Place);
            let buttons = self.place_buttons();
            let keyboard = Keyboard::Inline(buttons);
            self.replies.push(Reply::Message { text, keyboard });
            return;
        }
        // From a settlement's centre every distance is approximate.
        let found: Vec<(usize, Option<Far>)> = near
            .iter()
            .map(|n| {
                let far = Far {
                    approximate: true,
                    from_settlement: true,
                    ..*n
                };
                (n.hub, Some(far))
            })
            .collect();
        self.show(Msg::HubsNearSettlement, Some(&name), &found);
        self.offer_lesson();
    }

    /// A settlement chosen from the list (by one of its hubs).
    pub(super) fn hubs_in_settlement_of(&mut self, hub: &str) {
        let all = self.all_hubs();
        let Some(i) = all.iter().position(|h| h.id == hub) else {
            return self.stale();
        };
        let place = all[i].settlement.get(0);
        let found: Vec<(usize, Option<Far>)> = (0..all.len())
            .filter(|&j| all[j].settlement.get(0) == place)
            .map(|j| (j, None))
            .collect();
        self.show(Msg::HubsFound, None, &found);
        self.offer_lesson();
    }

    /// The hub open now or opening soonest, for a resident who needs a person.
    pub(super) fn soonest_hub(&mut self) {
        match hubs::soonest(self.all_hubs(), self.cx.now) {
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
    /// of the first open hub whose place is known (else the first with a
    /// place), and a phone: that hub's, else the first listed, else the
    /// library system's information line.
    fn show(&mut self, heading: Msg, value: Option<&str>, found: &[(usize, Option<Far>)]) {
        let script = self.script;
        let all = self.all_hubs();
        let strings = &script.strings;
        let mut parts = vec![match value {
            Some(s) => strings.fill(heading, self.lang, &[("service", s), ("settlement", s)]),
            None => strings.get(heading, self.lang).to_string(),
        }];
        let shown = &found[..found.len().min(MAX_SHOWN)];
        for &(i, near) in shown {
            parts.push(self.card(&all[i], near));
        }
        if shown.iter().any(|&(i, _)| !all[i].verified) {
            parts.push(self.text_of(Msg::HubsUnverified).to_string());
        }
        let keyboard = self.menu_keyboard();
        self.replies.push(Reply::Message {
            text: parts.join("\n\n"),
            keyboard,
        });
        let listed: Vec<&Hub> = shown.iter().map(|&(i, _)| &all[i]).collect();
        let placed = || listed.iter().copied().filter(|h| h.location.is_some());
        let pinned = placed()
            .find(|h| matches!(hubs::opening(h, self.cx.now), Opening::Open { .. }))
            .or_else(|| placed().next());
        if let Some(hub) = pinned {
            if let Some((latitude, longitude)) = hub.location {
                self.replies.push(Reply::Venue {
                    latitude,
                    longitude,
                    title: hub.name.get(self.lang).to_string(),
                    address: self.address(hub),
                });
            }
        }
        let with_phone = pinned
            .filter(|h| h.phone.is_some())
            .or_else(|| listed.iter().copied().find(|h| h.phone.is_some()));
        match (with_phone, &script.library) {
            (Some(hub), _) => self.replies.push(Reply::Contact {
                phone: hub.phone.clone().unwrap_or_default(),
                name: hub.name.get(self.lang).to_string(),
            }),
            (None, Some(library)) if !listed.is_empty() => self.replies.push(Reply::Contact {
                phone: library.phone.clone(),
                name: library.name.get(self.lang).to_string(),
            }),
            _ => {}
        }
    }

    /// One hub: name, address first, distance, whether it is open, today's hours, phone, services.
    fn card(&self, hub: &Hub, near: Option<Far>) -> String {
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
            let (msg, km) = if n.from_settlement {
                // Centre to centre: whole kilometres, "about".
                (
                    Msg::HubDistanceFromSettlement,
                    format!("{:.0}", n.km.max(1.0)),
                )
            } else if n.approximate {
                (Msg::HubDistanceApprox, format!("{:.1}", n.km))
            } else {
                (Msg::HubDistance, format!("{:.1}", n.km))
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
                let today = hubs::season::hours_on(hub, now.date())
                    .map(|w| &w[now.weekday().to_monday_zero_offset() as usize]);
                match today {
                    // Its librarian said it is closed today: that line says so.
                    _ if hub.today == Some(Today::Closed) => {}
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
        if let Some(today) = hub.today {
            lines.push(strings.get(today_msg(today), lang).to_string());
        }
        match (&hub.phone, &self.script.library) {
            (Some(phone), _) => lines.push(strings.fill(Msg::HubPhone, lang, &[("phone", phone)])),
            (None, Some(library)) => {
                lines.push(strings.fill(Msg::HubPhoneUnknown, lang, &[("phone", &library.phone)]))
            }
            (None, None) => lines.push(strings.get(Msg::HubPhoneUnknownNoInfo, lang).to_string()),
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
        let text = self.text_of(heading).to_string();
        let keyboard = Keyboard::Inline(self.place_buttons());
        self.replies.push(Reply::Message { text, keyboard });
    }

    /// A button per settlement that has hubs (or the way back when none has).
    fn place_buttons(&mut self) -> Vec<Vec<InlineButton>> {
        let mut seen: Vec<&str> = Vec::new();
        let mut buttons = Vec::new();
        for hub in self.all_hubs() {
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
        if buttons.is_empty() {
            vec![self.way_back()]
        } else {
            buttons.chunks(PLACE_COLUMNS).map(<[_]>::to_vec).collect()
        }
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

/// What residents read about a hub's status today.
fn today_msg(t: Today) -> Msg {
    match t {
        Today::AsUsual => Msg::HubTodayUsual,
        Today::Closed => Msg::HubTodayClosed,
        Today::Power => Msg::HubTodayPower,
        Today::NoInternet => Msg::HubTodayNoInternet,
    }
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
