//! Library hubs kept by their librarians: `/myhub` (the card of the hub they
//! keep, with buttons for its place on the map, hours, phone, services and
//! today's status), the location or phone it asks for, and the hubs as
//! residents see them (the file with every fact laid over it, at once).
//!
//! A librarian may change only the hubs they are linked to
//! (`/grant USER_ID librarian HUB_ID`); an admin may change any. The role and
//! the link are checked on every press; every change and every refusal is
//! written to the audit log in the same transaction as the change.

use super::{AppError, Handled, Turn};
use crate::commands::{self, Cmd};
use crate::engine::{InlineButton, Input, Keyboard, Press};
use crate::hubs::edit::Sched;
use crate::hubs::edit::{self, Awaiting, Edit, Wanted};
use crate::hubs::layer::{self, Fact, Today, Value, Week};
use crate::hubs::season::{self, MonthDay, Season, SeasonHours};
use crate::script::{Hub, Msg, Service};
use crate::store::{HubChange, Role, Write};

/// Buttons per row for times and days.
const COLUMNS: usize = 4;
/// Buttons per row for the days of a month.
const DAYS_A_ROW: usize = 7;

impl super::App {
    /// The hubs as residents see them now: the file's, with the librarians' facts.
    pub(super) async fn hubs_now(&self, t: &Turn<'_>) -> Result<Vec<Hub>, AppError> {
        let facts = self.hub_facts().await?;
        Ok(layer::merge(&t.script.hubs, &facts, self.now()))
    }

    /// Hears of other processes' changes to the hub facts (PostgreSQL; on
    /// SQLite it ends at once), so that this process may keep them in memory:
    /// keeps them while it listens, drops them at each change, and keeps
    /// nothing from when its session is lost until a new one listens (tried
    /// again every second), until `stop`.
    pub fn spawn_hub_listener(
        &self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                let listener = tokio::select! {
                    _ = stop.changed() => return,
                    listener = app.store.listen_hub_facts() => listener,
                };
                match listener {
                    Ok(None) => return,
                    Ok(Some(mut listener)) => {
                        app.hub_facts.keep(true);
                        loop {
                            let heard = tokio::select! {
                                _ = stop.changed() => return,
                                heard = listener.changed() => heard,
                            };
                            if !heard {
                                break;
                            }
                            app.hub_facts.invalidate();
                        }
                        app.hub_facts.keep(false);
                        tracing::warn!("lost the session that hears of hub changes; the hub facts are read at every update until it is back");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for hub changes; the hub facts are read at every update");
                    }
                }
                tokio::select! {
                    _ = stop.changed() => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
            }
        })
    }

    /// Whether this process keeps the hub facts in memory now (always on
    /// SQLite; on PostgreSQL while [`Self::spawn_hub_listener`] listens).
    pub fn keeps_hub_facts(&self) -> bool {
        self.hub_facts.keeping()
    }

    /// The librarians' facts: kept in memory, read from the database after a change.
    pub(super) async fn hub_facts(&self) -> Result<std::sync::Arc<Vec<Fact>>, AppError> {
        let generation = match self.hub_facts.get() {
            Ok(facts) => return Ok(facts),
            Err(generation) => generation,
        };
        let facts = std::sync::Arc::new(self.store.hub_facts().await?);
        self.hub_facts.fill(generation, facts.clone());
        Ok(facts)
    }

    /// `/myhub`, a press on a hub card, and the location or phone a card asked for.
    pub(super) async fn my_hub(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
    ) -> Result<Handled, AppError> {
        match input {
            Input::Command { name, arg } if commands::parse(name) == Some(Cmd::MyHub) => {
                if !self.store.has_role(t.user, Role::Librarian).await? {
                    // The staff commands' check refuses it (and audits the try) like any other.
                    return Ok(Handled::No);
                }
                if t.drafts.hub.take().is_some() {
                    t.dirty = true;
                }
                let arg = arg.trim();
                if !arg.is_empty() {
                    self.open_card(t, arg).await?;
                    return Ok(Handled::Yes);
                }
                let mine = self.hubs_kept_by(t).await?;
                match mine.as_slice() {
                    [] => {
                        let user = t.user.to_string();
                        t.say(Msg::MyhubNoHub, &[("user", &user)]);
                    }
                    [one] => {
                        // After `/myhub`, sharing a location sets the hub's place.
                        t.drafts.hub = Some(Awaiting {
                            hub: one.clone(),
                            what: Wanted::Location,
                        });
                        t.dirty = true;
                        self.card(t, one).await?
                    }
                    many => {
                        let rows = many
                            .iter()
                            .filter_map(|id| {
                                let i = t.script.hub(id)?;
                                Some(vec![button(
                                    t.script.hubs[i].name.get(t.lang),
                                    id,
                                    Edit::Card,
                                )])
                            })
                            .collect();
                        let text = t.script.strings.get(Msg::MyhubChoose, t.lang).to_string();
                        t.text(text, Keyboard::Inline(rows));
                    }
                }
                Ok(Handled::Yes)
            }
            Input::Command { .. } => {
                // Any other command: what the card asked for is no longer awaited.
                if t.drafts.hub.take().is_some() {
                    t.dirty = true;
                }
                Ok(Handled::No)
            }
            Input::Press(data) => match Press::decode(data) {
                Some(Press::MyHub { hub, edit }) => {
                    if self.may_change(t, &hub, edit).await? {
                        self.press(t, &hub, edit).await?;
                    }
                    Ok(Handled::Yes)
                }
                _ => Ok(Handled::No),
            },
            Input::Location {
                latitude,
                longitude,
            } => {
                let Some(Awaiting {
                    hub,
                    what: Wanted::Location,
                }) = t.drafts.hub.clone()
                else {
                    return Ok(Handled::No);
                };
                if !self.may_change(t, &hub, Edit::Location).await? {
                    t.drafts.hub = None;
                    t.dirty = true;
                    return Ok(Handled::Yes);
                }
                if !crate::script::in_ukraine(*latitude, *longitude) {
                    t.say(Msg::MyhubLocationBad, &[]);
                    return Ok(Handled::Yes);
                }
                t.drafts.hub = None;
                t.dirty = true;
                let place = place(*latitude, *longitude);
                self.set(t, &hub, Value::Location(*latitude, *longitude), None);
                t.say(Msg::MyhubLocationSet, &[("place", &place)]);
                self.card(t, &hub).await?;
                Ok(Handled::Yes)
            }
            Input::Text(text) => {
                let Some(awaiting) = t.drafts.hub.clone() else {
                    return Ok(Handled::No);
                };
                if awaiting.what == Wanted::Location {
                    // Something else than the location: the card no longer waits.
                    t.drafts.hub = None;
                    t.dirty = true;
                    return Ok(Handled::No);
                }
                if !self.may_change(t, &awaiting.hub, Edit::Phone).await? {
                    t.drafts.hub = None;
                    t.dirty = true;
                    return Ok(Handled::Yes);
                }
                match layer::phone(text) {
                    Some(phone) => {
                        t.drafts.hub = None;
                        t.dirty = true;
                        self.set(t, &awaiting.hub, Value::Phone(phone.clone()), None);
                        t.say(Msg::MyhubPhoneSet, &[("phone", &phone)]);
                        self.card(t, &awaiting.hub).await?;
                    }
                    None => t.say(Msg::MyhubPhoneBad, &[]),
                }
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    /// The hubs a librarian keeps; every hub for an admin.
    async fn hubs_kept_by(&self, t: &Turn<'_>) -> Result<Vec<String>, AppError> {
        if self.store.roles_of(t.user).await?.contains(&Role::Admin) {
            return Ok(t.script.hubs.iter().map(|h| h.id.clone()).collect());
        }
        let linked = self.store.hubs_of(t.user).await?;
        // A link to a hub the file no longer has leads nowhere.
        Ok(linked
            .into_iter()
            .filter(|h| t.script.hub(h).is_some())
            .collect())
    }

    /// Whether this person may change `hub` now: a librarian of that hub or
    /// an admin. A refusal is told and audited.
    async fn may_change(&self, t: &mut Turn<'_>, hub: &str, edit: Edit) -> Result<bool, AppError> {
        let roles = self.store.roles_of(t.user).await?;
        let allowed = roles.contains(&Role::Admin)
            || (roles.contains(&Role::Librarian)
                && self.store.hubs_of(t.user).await?.iter().any(|h| h == hub));
        if !allowed {
            let target = format!("myhub:{hub}");
            t.audit("refused", Some(&target), Some(&edit.encode()));
            tracing::info!(
                user = t.user,
                hub,
                "a hub's card refused to someone who does not keep it"
            );
            t.say(Msg::MyhubNotYours, &[]);
            return Ok(false);
        }
        if t.script.hub(hub).is_none() {
            t.say(Msg::MyhubUnknownHub, &[("hub", hub)]);
            return Ok(false);
        }
        Ok(true)
    }

    /// `/myhub HUB_ID`.
    async fn open_card(&self, t: &mut Turn<'_>, hub: &str) -> Result<(), AppError> {
        if !crate::script::valid_id(hub) || t.script.hub(hub).is_none() {
            t.say(Msg::MyhubUnknownHub, &[("hub", hub)]);
            return Ok(());
        }
        if self.may_change(t, hub, Edit::Card).await? {
            self.card(t, hub).await?;
        }
        Ok(())
    }

    /// Queues a change of the schedule made on a season (audited as that).
    fn set_as(&self, t: &mut Turn<'_>, hub: &str, value: Value, action: &str) {
        let detail = value.encode();
        t.writes.push(Write::Hub(HubChange::Set {
            hub: hub.to_string(),
            value,
            by: t.user,
            at: self.now(),
            until: None,
        }));
        t.audit(action, Some(hub), Some(&detail));
    }

    /// Queues a fact (and its audit line) with the turn.
    fn set(&self, t: &mut Turn<'_>, hub: &str, value: Value, until: Option<i64>) {
        let detail = value.encode();
        let action = format!("hub_{}", value.kind());
        t.writes.push(Write::Hub(HubChange::Set {
            hub: hub.to_string(),
            value,
            by: t.user,
            at: self.now(),
            until,
        }));
        t.audit(&action, Some(hub), Some(&detail));
    }

    /// One press on a hub card (the person may change the hub).
    async fn press(&self, t: &mut Turn<'_>, hub: &str, edit: Edit) -> Result<(), AppError> {
        let Some(now_hub) = self.hub_now(t, hub).await? else {
            t.say(Msg::MyhubUnknownHub, &[("hub", hub)]);
            return Ok(());
        };
        let (s, lang) = (t.script.clone(), t.lang);
        let strings = &s.strings;
        let back = || {
            vec![button(
                strings.get(Msg::ButtonMyhubBack, lang),
                hub,
                Edit::Card,
            )]
        };
        // The hours of a season go back to that season's menu.
        let back_to = |sched: Sched| match sched {
            None => back(),
            Some(season) => vec![button(
                strings.get(Msg::ButtonMyhubSeasonBack, lang),
                hub,
                Edit::Season(season),
            )],
        };
        // A season's hours are asked under its name.
        let titled = |sched: Sched, text: String| match sched {
            None => text,
            Some(season) => format!("{}\n{text}", strings.get(season_button(season), lang)),
        };
        match edit {
            Edit::Card => self.card(t, hub).await?,
            Edit::Location => {
                t.drafts.hub = Some(Awaiting {
                    hub: hub.to_string(),
                    what: Wanted::Location,
                });
                t.dirty = true;
                let keyboard = Keyboard::AskLocation {
                    share: strings.get(Msg::ButtonShareLocation, lang).to_string(),
                    back: strings.get(Msg::ButtonMenu, lang).to_string(),
                };
                t.text(
                    strings.get(Msg::MyhubAskLocation, lang).to_string(),
                    keyboard,
                );
            }
            Edit::Phone => {
                t.drafts.hub = Some(Awaiting {
                    hub: hub.to_string(),
                    what: Wanted::Phone,
                });
                t.dirty = true;
                let keyboard = Keyboard::Inline(vec![back()]);
                t.text(strings.get(Msg::MyhubAskPhone, lang).to_string(), keyboard);
            }
            Edit::Days(sched, mask) => {
                let names = day_names(&s, lang);
                let mut days: Vec<InlineButton> = (0..7)
                    .map(|d| {
                        let on = mask & (1 << d) != 0;
                        let label = if on {
                            format!("✅ {}", names[d])
                        } else {
                            names[d].clone()
                        };
                        button(&label, hub, Edit::Days(sched, mask ^ (1 << d)))
                    })
                    .collect();
                let mut rows: Vec<Vec<InlineButton>> = Vec::new();
                while !days.is_empty() {
                    let rest = days.split_off(days.len().min(COLUMNS));
                    rows.push(std::mem::replace(&mut days, rest));
                }
                rows.push(vec![button(
                    strings.get(Msg::ButtonMyhubWeekdays, lang),
                    hub,
                    Edit::Days(sched, edit::WEEKDAYS),
                )]);
                if mask != 0 {
                    rows.push(vec![
                        button(
                            strings.get(Msg::ButtonMyhubNext, lang),
                            hub,
                            Edit::Opens(sched, mask),
                        ),
                        button(
                            strings.get(Msg::ButtonMyhubDaysOff, lang),
                            hub,
                            Edit::DaysOff(sched, mask),
                        ),
                    ]);
                }
                rows.push(back_to(sched));
                let text = titled(
                    sched,
                    strings.fill(
                        Msg::MyhubDays,
                        lang,
                        &[("days", &days_text(&s, lang, mask))],
                    ),
                );
                t.text(text, Keyboard::Inline(rows));
            }
            Edit::Opens(sched, mask) => {
                let times = edit::OPENS.map(edit::at);
                let rows = time_rows(
                    hub,
                    &times,
                    |o| Edit::Closes(sched, mask, o),
                    back_to(sched),
                );
                let text = titled(
                    sched,
                    strings.fill(
                        Msg::MyhubOpens,
                        lang,
                        &[("days", &days_text(&s, lang, mask))],
                    ),
                );
                t.text(text, Keyboard::Inline(rows));
            }
            Edit::Closes(sched, mask, open) => {
                let times: Vec<_> = edit::CLOSES
                    .map(edit::at)
                    .into_iter()
                    .filter(|c| *c > open)
                    .collect();
                let rows = time_rows(
                    hub,
                    &times,
                    |c| Edit::Lunch(sched, mask, open, c),
                    back_to(sched),
                );
                let values = [
                    ("days", days_text(&s, lang, mask)),
                    ("open", layer::clock(open)),
                ];
                let text = titled(sched, strings.fill(Msg::MyhubCloses, lang, &pairs(&values)));
                t.text(text, Keyboard::Inline(rows));
            }
            Edit::Lunch(sched, mask, open, close) => {
                let mut rows = vec![vec![button(
                    strings.get(Msg::ButtonMyhubNoLunch, lang),
                    hub,
                    Edit::Save(sched, mask, open, close, None),
                )]];
                for (a, b) in edit::LUNCHES.map(|(a, b)| (edit::at(a), edit::at(b))) {
                    if open < a && b < close {
                        let label = format!("{}–{}", layer::clock(a), layer::clock(b));
                        rows.push(vec![button(
                            &label,
                            hub,
                            Edit::Save(sched, mask, open, close, Some((a, b))),
                        )]);
                    }
                }
                rows.push(back_to(sched));
                let values = [
                    ("days", days_text(&s, lang, mask)),
                    ("open", layer::clock(open)),
                    ("close", layer::clock(close)),
                ];
                let text = titled(sched, strings.fill(Msg::MyhubLunch, lang, &pairs(&values)));
                t.text(text, Keyboard::Inline(rows));
            }
            Edit::Save(None, mask, open, close, lunch) => {
                let spans = Edit::spans(open, close, lunch);
                let week = layer::set_days(now_hub.hours.as_ref(), mask, &spans);
                let value = Value::schedule(Some(week), now_hub.seasons.clone());
                self.set(t, hub, value, None);
                let days = format!("{} {}", days_text(&s, lang, mask), spans_text(&spans));
                t.say(Msg::MyhubHoursSet, &[("days", &days)]);
                self.card(t, hub).await?;
            }
            Edit::DaysOff(None, mask) => {
                let week = layer::set_days(now_hub.hours.as_ref(), mask, &[]);
                let value = Value::schedule(Some(week), now_hub.seasons.clone());
                self.set(t, hub, value, None);
                t.say(
                    Msg::MyhubDaysOffSet,
                    &[("days", &days_text(&s, lang, mask))],
                );
                self.card(t, hub).await?;
            }
            Edit::Save(Some(season), mask, open, close, lunch) => {
                let spans = Edit::spans(open, close, lunch);
                let days = format!("{} {}", days_text(&s, lang, mask), spans_text(&spans));
                self.season_days(t, hub, &now_hub, season, mask, &spans, &days)
                    .await?;
            }
            Edit::DaysOff(Some(season), mask) => {
                let days = strings.fill(
                    Msg::MyhubSeasonDaysOff,
                    lang,
                    &[("days", &days_text(&s, lang, mask))],
                );
                self.season_days(t, hub, &now_hub, season, mask, &[], &days)
                    .await?;
            }
            Edit::Season(season) => match now_hub.seasons.get(season) {
                // A season starts somewhere: its day comes first.
                None => self.month_menu(t, hub, season, Msg::MyhubSeasonAskMonth),
                Some(_) => self.season_menu(t, hub, season).await?,
            },
            Edit::Month(season) => self.month_menu(t, hub, season, Msg::MyhubSeasonAskMonth),
            Edit::Day(season, month) => {
                let dates: Vec<MonthDay> = (1..=season::days_in(month))
                    .filter_map(|d| MonthDay::new(month, d))
                    .collect();
                let mut rows: Vec<Vec<InlineButton>> = dates
                    .chunks(DAYS_A_ROW)
                    .map(|week| {
                        week.iter()
                            .map(|at| button(&at.day.to_string(), hub, Edit::Starts(season, *at)))
                            .collect()
                    })
                    .collect();
                rows.push(back_to(Some(season)));
                let month_name = month_names(&s, lang)[(month - 1) as usize].clone();
                let text = strings.fill(
                    Msg::MyhubSeasonAskDay,
                    lang,
                    &[
                        ("season", strings.get(season_button(season), lang)),
                        ("month", &month_name),
                    ],
                );
                t.text(text, Keyboard::Inline(rows));
            }
            Edit::Starts(season, from) => {
                let other = now_hub.seasons.get(season.other());
                if other.is_some_and(|o| o.from == from) {
                    let date = day_of_year(&s, lang, from);
                    t.say(
                        Msg::MyhubSeasonSameDay,
                        &[
                            ("season", strings.get(season_button(season.other()), lang)),
                            ("date", &date),
                        ],
                    );
                    self.month_menu(t, hub, season, Msg::MyhubSeasonAskMonth);
                    return Ok(());
                }
                let hours = now_hub.seasons.get(season).and_then(|x| x.hours.clone());
                let mut seasons = now_hub.seasons.clone();
                seasons.set(season, Some(SeasonHours { from, hours }));
                let value = Value::schedule(now_hub.hours.clone(), seasons);
                self.set_as(t, hub, value, &season_action(season));
                let date = day_of_year(&s, lang, from);
                t.say(
                    Msg::MyhubSeasonStartSet,
                    &[
                        ("season", strings.get(season_button(season), lang)),
                        ("date", &date),
                    ],
                );
                if other.is_none() {
                    // Both seasons need a start day: one question at a time.
                    self.month_menu(t, hub, season.other(), Msg::MyhubSeasonAskOther);
                } else {
                    self.season_menu(t, hub, season).await?;
                }
            }
            Edit::NoSeasons => {
                let value = Value::schedule(now_hub.hours.clone(), Default::default());
                self.set_as(t, hub, value, "hub_seasons_removed");
                t.say(Msg::MyhubSeasonsRemoved, &[]);
                self.card(t, hub).await?;
            }
            Edit::Services => self.services_menu(t, hub, &now_hub.services),
            Edit::Toggle(i) => {
                let service = Service::ALL[i];
                let mut services = now_hub.services.clone();
                if let Some(at) = services.iter().position(|s| *s == service) {
                    services.remove(at);
                } else {
                    services.push(service);
                }
                // The file's order, whatever the order of the presses.
                services.sort_by_key(|s| Service::ALL.iter().position(|a| a == s));
                self.set(t, hub, Value::Services(services.clone()), None);
                self.services_menu(t, hub, &services);
            }
            Edit::Status => {
                let mut rows: Vec<Vec<InlineButton>> = Today::ALL
                    .iter()
                    .map(|&today| {
                        vec![button(
                            strings.get(today_button(today), lang),
                            hub,
                            Edit::Today(Some(today)),
                        )]
                    })
                    .collect();
                rows.push(vec![button(
                    strings.get(Msg::ButtonTodayClear, lang),
                    hub,
                    Edit::Today(None),
                )]);
                rows.push(back());
                t.text(
                    strings.get(Msg::MyhubStatusAsk, lang).to_string(),
                    Keyboard::Inline(rows),
                );
            }
            Edit::Today(Some(today)) => {
                // It ends at the community's next midnight unless said again.
                let midnight = layer::next_midnight(self.local_now());
                let until = crate::clock::unix(midnight, &self.tz, self.now() + 24 * 3600);
                self.set(t, hub, Value::Today(today), Some(until));
                let status = strings.get(today_button(today), lang).to_string();
                t.say(Msg::MyhubStatusSet, &[("status", &status)]);
                self.card(t, hub).await?;
            }
            Edit::Today(None) => {
                t.writes.push(Write::Hub(HubChange::Unset {
                    hub: hub.to_string(),
                    kind: "today",
                }));
                t.audit("hub_today_cleared", Some(hub), None);
                t.say(Msg::MyhubStatusCleared, &[]);
                self.card(t, hub).await?;
            }
            Edit::Confirm => {
                self.set(t, hub, Value::Confirmed, None);
                let date = self.date(self.now());
                t.say(Msg::MyhubConfirmed, &[("date", &date)]);
            }
        }
        Ok(())
    }

    /// A season's days set (or made days off), then its menu again.
    #[allow(clippy::too_many_arguments)]
    async fn season_days(
        &self,
        t: &mut Turn<'_>,
        hub: &str,
        now_hub: &Hub,
        season: Season,
        mask: u8,
        spans: &[(jiff::civil::Time, jiff::civil::Time)],
        days: &str,
    ) -> Result<(), AppError> {
        let label = t
            .script
            .strings
            .get(season_button(season), t.lang)
            .to_string();
        let Some(current) = now_hub.seasons.get(season) else {
            // An old or forged press: the season has no start day yet.
            t.say(Msg::MyhubSeasonNoStart, &[("season", &label)]);
            self.month_menu(t, hub, season, Msg::MyhubSeasonAskMonth);
            return Ok(());
        };
        let week = layer::set_days(current.hours.as_ref(), mask, spans);
        let mut seasons = now_hub.seasons.clone();
        seasons.set(
            season,
            Some(SeasonHours {
                from: current.from,
                hours: Some(week),
            }),
        );
        let value = Value::schedule(now_hub.hours.clone(), seasons);
        self.set_as(t, hub, value, &season_action(season));
        t.say(
            Msg::MyhubSeasonHoursSet,
            &[("season", &label), ("days", days)],
        );
        self.season_menu(t, hub, season).await
    }

    /// The twelve months, to choose the one a season starts in.
    fn month_menu(&self, t: &mut Turn<'_>, hub: &str, season: Season, ask: Msg) {
        let (s, lang) = (t.script.clone(), t.lang);
        let names = month_names(&s, lang);
        let buttons: Vec<InlineButton> = (1..=12)
            .map(|m| button(&names[(m - 1) as usize], hub, Edit::Day(season, m)))
            .collect();
        let mut rows: Vec<Vec<InlineButton>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
        rows.push(vec![button(
            s.strings.get(Msg::ButtonMyhubBack, lang),
            hub,
            Edit::Card,
        )]);
        let text = s.strings.fill(
            ask,
            lang,
            &[("season", s.strings.get(season_button(season), lang))],
        );
        t.text(text, Keyboard::Inline(rows));
    }

    /// A season's menu: its start day and hours, and the buttons to change them.
    /// Read after this turn's writes are committed.
    async fn season_menu(
        &self,
        t: &mut Turn<'_>,
        hub: &str,
        season: Season,
    ) -> Result<(), AppError> {
        t.commit().await?;
        let Some(h) = self.hub_now(t, hub).await? else {
            return Ok(());
        };
        let (s, lang) = (t.script.clone(), t.lang);
        let strings = &s.strings;
        let Some(this) = h.seasons.get(season) else {
            self.month_menu(t, hub, season, Msg::MyhubSeasonAskMonth);
            return Ok(());
        };
        let mut text = strings.fill(
            Msg::MyhubSeasonMenu,
            lang,
            &[
                ("season", strings.get(season_button(season), lang)),
                ("date", &day_of_year(&s, lang, this.from)),
                ("hours", &season_hours_text(&s, lang, this)),
            ],
        );
        if !h.seasons.in_effect() {
            text.push_str("\n\n");
            text.push_str(strings.get(Msg::MyhubSeasonsIncomplete, lang));
        }
        let rows = [
            (Msg::ButtonMyhubSeasonDays, Edit::Days(Some(season), 0)),
            (Msg::ButtonMyhubSeasonStart, Edit::Month(season)),
            (Msg::ButtonMyhubNoSeasons, Edit::NoSeasons),
            (Msg::ButtonMyhubBack, Edit::Card),
        ]
        .into_iter()
        .map(|(msg, edit)| vec![button(strings.get(msg, lang), hub, edit)])
        .collect();
        t.text(text, Keyboard::Inline(rows));
        Ok(())
    }

    /// The hub as residents see it now, with what this turn has queued so far
    /// not yet counted (each press is its own turn).
    async fn hub_now(&self, t: &Turn<'_>, hub: &str) -> Result<Option<Hub>, AppError> {
        let hubs = self.hubs_now(t).await?;
        Ok(hubs.into_iter().find(|h| h.id == hub))
    }

    /// The services with a ✅ on those the hub has; a press turns one on or off.
    fn services_menu(&self, t: &mut Turn<'_>, hub: &str, has: &[Service]) {
        let (s, lang) = (t.script.clone(), t.lang);
        let mut rows: Vec<Vec<InlineButton>> = Service::ALL
            .iter()
            .enumerate()
            .map(|(i, service)| {
                let name = s.service_name(*service, lang);
                let label = if has.contains(service) {
                    format!("✅ {name}")
                } else {
                    name.to_string()
                };
                vec![button(&label, hub, Edit::Toggle(i))]
            })
            .collect();
        rows.push(vec![button(
            s.strings.get(Msg::ButtonMyhubBack, lang),
            hub,
            Edit::Card,
        )]);
        t.text(
            s.strings.get(Msg::MyhubServicesAsk, lang).to_string(),
            Keyboard::Inline(rows),
        );
    }

    /// The hub's card: every fact, when those set from Telegram were set, and
    /// the buttons to change them. Read after this turn's writes are committed.
    async fn card(&self, t: &mut Turn<'_>, hub: &str) -> Result<(), AppError> {
        t.commit().await?;
        let facts = self.hub_facts().await?;
        let merged = layer::merge(&t.script.hubs, &facts, self.now());
        let Some(i) = t.script.hub(hub) else {
            return Ok(());
        };
        let h = &merged[i];
        let (s, lang) = (t.script.clone(), t.lang);
        let strings = &s.strings;
        let mine: Vec<&Fact> = facts.iter().filter(|f| f.hub == hub).collect();
        let when = |kind: &str| {
            mine.iter()
                .find(|f| f.value.kind() == kind)
                .map(|f| {
                    format!(
                        " {}",
                        strings.fill(Msg::MyhubSetOn, lang, &[("date", &self.date(f.at))])
                    )
                })
                .unwrap_or_default()
        };
        let mut lines = Vec::new();
        lines.push(match h.location {
            Some((la, lo)) => {
                strings.fill(Msg::MyhubLocation, lang, &[("place", &place(la, lo))])
                    + &when("location")
            }
            None => strings.get(Msg::MyhubNoLocation, lang).to_string(),
        });
        let seasonal = h.seasons.in_effect();
        if !seasonal {
            lines.push(match &h.hours {
                Some(week) => {
                    strings.fill(
                        Msg::MyhubHours,
                        lang,
                        &[("hours", &week_text(&s, lang, week))],
                    ) + &when("hours")
                }
                None => strings.get(Msg::MyhubNoHours, lang).to_string(),
            });
        }
        for season in Season::ALL {
            if let Some(this) = h.seasons.get(season) {
                let line = strings.fill(
                    Msg::MyhubSeason,
                    lang,
                    &[
                        ("season", strings.get(season_button(season), lang)),
                        ("date", &day_of_year(&s, lang, this.from)),
                        ("hours", &season_hours_text(&s, lang, this)),
                    ],
                );
                lines.push(line + &when("hours"));
            }
        }
        if seasonal {
            if let Some(now) = season::season_on(&h.seasons, self.local_now().date()) {
                let name = strings.get(season_button(now), lang);
                lines.push(strings.fill(Msg::MyhubSeasonNow, lang, &[("season", name)]));
            }
        } else if h.seasons.any() {
            lines.push(strings.get(Msg::MyhubSeasonsIncomplete, lang).to_string());
        }
        lines.push(match &h.phone {
            Some(p) => strings.fill(Msg::MyhubPhone, lang, &[("phone", p)]) + &when("phone"),
            None => strings.get(Msg::MyhubNoPhone, lang).to_string(),
        });
        lines.push(if h.services.is_empty() {
            strings.get(Msg::MyhubNoServices, lang).to_string()
        } else {
            let names: Vec<&str> = h
                .services
                .iter()
                .map(|x| s.service_name(*x, lang))
                .collect();
            strings.fill(Msg::MyhubServices, lang, &[("services", &names.join(", "))])
                + &when("services")
        });
        lines.push(match h.today {
            Some(today) => strings.fill(
                Msg::MyhubToday,
                lang,
                &[("status", strings.get(today_button(today), lang))],
            ),
            None => strings.get(Msg::MyhubTodayNone, lang).to_string(),
        });
        if let Some(f) = mine.iter().find(|f| f.value == Value::Confirmed) {
            lines.push(strings.fill(Msg::MyhubConfirmedOn, lang, &[("date", &self.date(f.at))]));
        }
        let text = strings.fill(
            Msg::MyhubCard,
            lang,
            &[("name", h.name.get(lang)), ("facts", &lines.join("\n"))],
        );
        // While the seasons decide, the all-year hours are not offered.
        let all_year = (!seasonal).then_some((Msg::ButtonMyhubHours, Edit::Days(None, 0)));
        let rows = [
            Some((Msg::ButtonMyhubLocation, Edit::Location)),
            all_year,
            Some((Msg::ButtonMyhubSummer, Edit::Season(Season::Summer))),
            Some((Msg::ButtonMyhubWinter, Edit::Season(Season::Winter))),
            Some((Msg::ButtonMyhubPhone, Edit::Phone)),
            Some((Msg::ButtonMyhubServices, Edit::Services)),
            Some((Msg::ButtonMyhubToday, Edit::Status)),
            Some((Msg::ButtonMyhubConfirm, Edit::Confirm)),
        ]
        .into_iter()
        .flatten()
        .map(|(msg, edit)| vec![button(strings.get(msg, lang), hub, edit)])
        .collect();
        t.text(text, Keyboard::Inline(rows));
        Ok(())
    }

    /// "02.12.2026": a Unix second's date in the community's calendar.
    fn date(&self, unix: i64) -> String {
        let d = crate::clock::local(unix, &self.tz).date();
        format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
    }

    /// `/grant USER_ID librarian HUB_ID` and `/revoke …`: the writes that
    /// link (or unlink) a librarian and a hub; `None` when there is no such hub.
    pub(super) fn hub_link(
        &self,
        t: &Turn<'_>,
        user: i64,
        hub: &str,
        grant: bool,
    ) -> Option<Write> {
        t.script.hub(hub)?;
        Some(Write::Hub(HubChange::Librarian {
            user,
            hub: hub.to_string(),
            grant,
            by: t.user,
            now: self.now(),
        }))
    }
}

/// Whether a turn's writes change the librarians' facts (and so the hubs residents see).
pub(super) fn changes_facts(writes: &[Write]) -> bool {
    writes.iter().any(|w| {
        matches!(
            w,
            Write::Hub(HubChange::Set { .. } | HubChange::Unset { .. })
        )
    })
}

/// A button of a hub card.
fn button(label: &str, hub: &str, edit: Edit) -> InlineButton {
    InlineButton {
        label: label.to_string(),
        data: Press::MyHub {
            hub: hub.to_string(),
            edit,
        }
        .encode(),
        url: None,
    }
}

/// Buttons with times, a few a row, and the way back.
fn time_rows(
    hub: &str,
    times: &[jiff::civil::Time],
    edit: impl Fn(jiff::civil::Time) -> Edit,
    back: Vec<InlineButton>,
) -> Vec<Vec<InlineButton>> {
    let buttons: Vec<InlineButton> = times
        .iter()
        .map(|&t| button(&layer::clock(t), hub, edit(t)))
        .collect();
    let mut rows: Vec<Vec<InlineButton>> = buttons.chunks(COLUMNS).map(<[_]>::to_vec).collect();
    rows.push(back);
    rows
}

fn pairs<'v>(values: &'v [(&'static str, String)]) -> Vec<(&'static str, &'v str)> {
    values.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The label residents' status is named by on the librarian's buttons.
fn today_button(today: Today) -> Msg {
    match today {
        Today::AsUsual => Msg::ButtonTodayUsual,
        Today::Closed => Msg::ButtonTodayClosed,
        Today::Power => Msg::ButtonTodayPower,
        Today::NoInternet => Msg::ButtonTodayNoInternet,
    }
}

/// The audit action of a change made on a season: "hub_winter".
fn season_action(season: Season) -> String {
    format!("hub_{}", season.name())
}

/// The label a season is named by.
fn season_button(season: Season) -> Msg {
    match season {
        Season::Summer => Msg::ButtonMyhubSummer,
        Season::Winter => Msg::ButtonMyhubWinter,
    }
}

/// Twelve words of a string, January first; a short list is made up with numbers.
fn twelve(s: &crate::script::Script, lang: usize, msg: Msg) -> Vec<String> {
    let mut names: Vec<String> = s
        .strings
        .get(msg, lang)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    names.truncate(12);
    while names.len() < 12 {
        names.push((names.len() + 1).to_string());
    }
    names
}

/// The months' names for buttons ("Вересень").
fn month_names(s: &crate::script::Script, lang: usize) -> Vec<String> {
    twelve(s, lang, Msg::MyhubMonthNames)
}

/// "1 вересня": a day of the year.
fn day_of_year(s: &crate::script::Script, lang: usize, at: MonthDay) -> String {
    let months = twelve(s, lang, Msg::MyhubMonthDates);
    format!(
        "{} {}",
        at.day,
        months[(at.month - 1).clamp(0, 11) as usize]
    )
}

/// A season's week, a day a line, or that its hours are not known.
fn season_hours_text(s: &crate::script::Script, lang: usize, season: &SeasonHours) -> String {
    match &season.hours {
        Some(week) => week_text(s, lang, week),
        None => s.strings.get(Msg::MyhubSeasonNoHours, lang).to_string(),
    }
}

/// "49.42290, 26.98710".
fn place(latitude: f64, longitude: f64) -> String {
    format!("{latitude:.5}, {longitude:.5}")
}

fn day_names(s: &crate::script::Script, lang: usize) -> Vec<String> {
    let mut names: Vec<String> = s
        .strings
        .get(Msg::MyhubDayNames, lang)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    // `check` keeps the seven names; a short list still names every day.
    while names.len() < 7 {
        names.push((names.len() + 1).to_string());
    }
    names
}

/// "Пн, Вт, Ср" for the days of a mask.
fn days_text(s: &crate::script::Script, lang: usize, mask: u8) -> String {
    let names = day_names(s, lang);
    let chosen: Vec<&str> = (0..7)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d| names[d].as_str())
        .collect();
    if chosen.is_empty() {
        s.strings.get(Msg::MyhubNothing, lang).to_string()
    } else {
        chosen.join(", ")
    }
}

/// "09:00–13:00, 14:00–18:00".
fn spans_text(spans: &[(jiff::civil::Time, jiff::civil::Time)]) -> String {
    spans
        .iter()
        .map(|(a, b)| format!("{}–{}", layer::clock(*a), layer::clock(*b)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The week, a day a line.
fn week_text(s: &crate::script::Script, lang: usize, week: &Week) -> String {
    let names = day_names(s, lang);
    week.iter()
        .enumerate()
        .map(|(d, spans)| {
            let hours = if spans.is_empty() {
                s.strings.get(Msg::MyhubDayOff, lang).to_string()
            } else {
                spans_text(spans)
            };
            format!("{}: {hours}", names[d])
        })
        .collect::<Vec<_>>()
        .join("\n")
}
