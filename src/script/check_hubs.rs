//! The checks of the hubs file: hubs, opening hours, places, services.

use std::collections::HashSet;

use super::diagnostic::Source;
use super::file::{HubFile, HubsFile};
use super::limits::*;
use super::load::Checker;
use super::{Hub, Library, Service, ServiceInfo, Settlement, Text};
use crate::hubs::layer::Week;
use crate::hubs::season::{MonthDay, Season, SeasonHours, Seasons};
use toml::Spanned;

impl Checker<'_> {
    /// The `[[settlements]]`: names in every language, centres only in Ukraine.
    pub(super) fn settlements(&mut self, src: &Source, file: &HubsFile) -> Vec<Settlement> {
        let mut seen = HashSet::new();
        file.settlements
            .iter()
            .map(|spanned| {
                let f = spanned.get_ref();
                let name = self.text(src, &f.name, "settlement: name");
                if !seen.insert(name.get(0).to_lowercase()) {
                    self.error(
                        src,
                        spanned.span(),
                        format!("settlement \"{}\" is listed twice", name.get(0)),
                    );
                }
                let centre = match (&f.latitude, &f.longitude) {
                    (Some(lat), Some(lon)) => {
                        let (la, lo) = (*lat.get_ref(), *lon.get_ref());
                        if !in_ukraine(la, lo) {
                            self.error(
                                src,
                                lat.span(),
                                format!(
                                    "settlement \"{}\": {la}, {lo} is not in Ukraine",
                                    name.get(0)
                                ),
                            );
                            None
                        } else {
                            Some((la, lo))
                        }
                    }
                    (None, None) => None,
                    (Some(x), None) | (None, Some(x)) => {
                        self.error(
                            src,
                            x.span(),
                            format!(
                                "settlement \"{}\": give both latitude and longitude",
                                name.get(0)
                            ),
                        );
                        None
                    }
                };
                Settlement {
                    name,
                    centre,
                    source: f.source.clone(),
                }
            })
            .collect()
    }

    /// The `[library]` table: the library system's name and information line.
    pub(super) fn library(&mut self, src: &Source, file: &HubsFile) -> Option<Library> {
        let f = file.library.as_ref()?;
        let name = self.text(src, &f.name, "library: name");
        let phone = f.phone.get_ref().trim();
        if !phone.starts_with('+') || phone.chars().filter(char::is_ascii_digit).count() < 10 {
            self.error(
                src,
                f.phone.span(),
                format!("library: \"{phone}\" is not a phone number like \"+380382794434\""),
            );
        }
        Some(Library {
            name,
            phone: phone.to_string(),
            source: f.source.clone(),
        })
    }

    /// The services' names and words, one per [`Service::ALL`], in that order.
    pub(super) fn services(&mut self, src: &Source, file: &HubsFile) -> Vec<ServiceInfo> {
        for (name, spanned) in &file.services {
            if Service::parse(name).is_none() {
                let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
                self.error(
                    src,
                    spanned.span(),
                    format!("unknown service \"{name}\"; known: {}", names.join(", ")),
                );
            }
        }
        Service::ALL
            .iter()
            .map(|&service| match file.services.get(service.name()) {
                Some(spanned) => {
                    let f = spanned.get_ref();
                    let what = format!("service \"{}\"", service.name());
                    let name = self.text(src, &f.name, &format!("{what}: name"));
                    let words = self
                        .languages
                        .iter()
                        .map(|lang| f.words.get(lang).cloned().unwrap_or_default())
                        .collect();
                    ServiceInfo {
                        service,
                        name,
                        words,
                    }
                }
                None => {
                    let used = file
                        .hubs
                        .iter()
                        .any(|h| h.get_ref().services.iter().any(|s| s.get_ref() == service.name()));
                    if used {
                        self.warning(
                            src,
                            0..0,
                            format!(
                                "service \"{}\" has no [services.{}] name; residents will see \"{}\"",
                                service.name(),
                                service.name(),
                                service.name()
                            ),
                        );
                    }
                    ServiceInfo {
                        service,
                        name: Text(vec![service.name().to_string(); self.languages.len()]),
                        words: vec![Vec::new(); self.languages.len()],
                    }
                }
            })
            .collect()
    }

    pub(super) fn hubs(&mut self, src: &Source, file: HubsFile) -> Vec<Hub> {
        let mut ids = HashSet::new();
        let mut hubs = Vec::new();
        for spanned in &file.hubs {
            let h = spanned.get_ref();
            let id = h.id.get_ref();
            let what = format!("hub \"{id}\"");
            self.id(src, &h.id, "hub id");
            if !ids.insert(id.clone()) {
                self.error(src, h.id.span(), format!("hub id \"{id}\" is used twice"));
            }
            let name = self.text(src, &h.name, &format!("{what}: name"));
            let settlement = self.text(src, &h.settlement, &format!("{what}: settlement"));
            let address = match &h.address {
                Some(a) => Some(self.text(src, a, &format!("{what}: address"))),
                None => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no address; add it when it is known from a source"),
                    );
                    None
                }
            };
            let location = match (&h.latitude, &h.longitude) {
                (Some(lat), Some(lon)) => {
                    let (la, lo) = (*lat.get_ref(), *lon.get_ref());
                    if !in_ukraine(la, lo) {
                        self.error(
                            src,
                            lat.span(),
                            format!("{what}: {la}, {lo} is not in Ukraine"),
                        );
                        None
                    } else {
                        if h.approximate {
                            self.warning(
                                src,
                                lat.span(),
                                format!("{what}: the coordinates are approximate; confirm them on a map and remove `approximate`"),
                            );
                        }
                        Some((la, lo))
                    }
                }
                (None, None) => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no coordinates, so it is found only by its settlement"),
                    );
                    None
                }
                (Some(x), None) | (None, Some(x)) => {
                    self.error(
                        src,
                        x.span(),
                        format!("{what}: give both latitude and longitude"),
                    );
                    None
                }
            };
            if h.phone.is_none() {
                self.warning(
                    src,
                    h.id.span(),
                    format!("{what}: no phone number; add it when it is known from a source"),
                );
            }
            let seasons = self.seasons(src, &what, h);
            let hours = match &h.hours {
                None if seasons.in_effect() => None,
                None => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no opening hours; the bot will say they are not known"),
                    );
                    None
                }
                Some(table) => {
                    if seasons.in_effect() {
                        self.warning(
                            src,
                            table.span(),
                            format!("{what}: [hubs.hours] is not used while summer and winter are given"),
                        );
                    }
                    Some(self.week(src, &what, table))
                }
            };
            let services = h
                .services
                .iter()
                .filter_map(|s| {
                    let found = Service::parse(s.get_ref());
                    if found.is_none() {
                        let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
                        self.error(
                            src,
                            s.span(),
                            format!(
                                "{what}: unknown service \"{}\"; known: {}",
                                s.get_ref(),
                                names.join(", ")
                            ),
                        );
                    }
                    found
                })
                .collect();
            if !h.verified {
                self.warning(src, h.id.span(), format!("{what}: not verified yet; check it with the library and set `verified = true`"));
            }
            hubs.push(Hub {
                id: id.clone(),
                name,
                address,
                settlement,
                location,
                approximate: h.approximate,
                phone: h.phone.as_ref().map(|p| p.get_ref().clone()),
                hours,
                seasons,
                services,
                verified: h.verified,
                source: h.source.get_ref().clone(),
                today: None,
            });
        }
        hubs
    }
}

type Table = Spanned<std::collections::BTreeMap<String, Vec<Spanned<String>>>>;

impl Checker<'_> {
    /// A table of opening hours (`mon` ... `sun`), each day's intervals in order.
    fn week(&mut self, src: &Source, what: &str, table: &Table) -> Week {
        let mut week: Week = Default::default();
        for (day, intervals) in table.get_ref() {
            let Some(d) = WEEKDAYS.iter().position(|w| w == day) else {
                self.error(
                    src,
                    table.span(),
                    format!("{what}: \"{day}\" is not one of {}", WEEKDAYS.join(", ")),
                );
                continue;
            };
            for interval in intervals {
                match parse_interval(interval.get_ref()) {
                    Some(i) => week[d].push(i),
                    None => self.error(
                        src,
                        interval.span(),
                        format!(
                            "{what}: \"{}\" is not an interval like \"09:00-13:00\"",
                            interval.get_ref()
                        ),
                    ),
                }
            }
        }
        for (d, day) in WEEKDAYS.iter().enumerate() {
            if !table.get_ref().contains_key(*day) {
                self.warning(src, table.span(), format!("{what}: hours for \"{day}\" are not given; write `{day} = []` for a day off"));
            }
            week[d].sort();
        }
        week
    }

    /// `[hubs.summer]` and `[hubs.winter]`: each a start day and its hours.
    fn seasons(&mut self, src: &Source, what: &str, h: &HubFile) -> Seasons {
        let mut seasons = Seasons::default();
        for (season, file) in [(Season::Summer, &h.summer), (Season::Winter, &h.winter)] {
            let Some(file) = file else { continue };
            let f = file.get_ref();
            let name = season.name();
            let Some(from) = MonthDay::parse(f.from.get_ref()) else {
                self.error(
                    src,
                    f.from.span(),
                    format!(
                        "{what}: {name} `from = \"{}\"` is not a day like \"09-01\" (1 September; not 29 February)",
                        f.from.get_ref()
                    ),
                );
                continue;
            };
            let hours = match &f.hours {
                Some(table) => Some(self.week(src, &format!("{what}: {name}"), table)),
                None => {
                    self.warning(
                        src,
                        f.from.span(),
                        format!("{what}: no {name} hours; in {name} the bot will say they are not known"),
                    );
                    None
                }
            };
            seasons.set(season, Some(SeasonHours { from, hours }));
        }
        match (&seasons.summer, &seasons.winter) {
            (Some(s), Some(w)) if s.from == w.from => {
                let span = h.winter.as_ref().map_or(0..0, |w| w.get_ref().from.span());
                self.error(
                    src,
                    span,
                    format!("{what}: summer and winter both start on {}; give each its own day", s.from),
                );
            }
            (Some(_), None) | (None, Some(_)) => self.warning(
                src,
                h.id.span(),
                format!("{what}: only one season is given; the seasons apply once both summer and winter have a `from` day, until then [hubs.hours] is used"),
            ),
            _ => {}
        }
        seasons
    }
}

/// "09:00-13:00" as two times, the first before the second.
fn parse_interval(text: &str) -> Option<(jiff::civil::Time, jiff::civil::Time)> {
    let (from, to) = text.split_once('-')?;
    let from: jiff::civil::Time = from.trim().parse().ok()?;
    let to: jiff::civil::Time = to.trim().parse().ok()?;
    (from < to).then_some((from, to))
}

/// Whether a point lies within Ukraine's bounds (and is not the (0, 0) of a broken GPS).
pub fn in_ukraine(latitude: f64, longitude: f64) -> bool {
    !(latitude == 0.0 && longitude == 0.0)
        && UKRAINE_LAT.contains(&latitude)
        && UKRAINE_LON.contains(&longitude)
}

/// "09:00-13:00" as two times, the first before the second (for the database layer too).
pub fn interval(text: &str) -> Option<(jiff::civil::Time, jiff::civil::Time)> {
    parse_interval(text)
}
