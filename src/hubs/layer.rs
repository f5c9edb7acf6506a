//! The librarians' layer over `hubs.toml`: what they set from Telegram (a
//! hub's place on the map, hours, phone, services, today's status), as plain
//! facts the store keeps, merged over the file's hubs for residents.
//!
//! Pure: the caller passes the facts and the time in. A fact names its hub by
//! id; facts of a hub the file no longer has are ignored (and listed by
//! `check`).

use jiff::civil::{DateTime, Time};

use super::season::{MonthDay, Season, SeasonHours, Seasons};
use crate::script::{Hub, Service};

/// Opening intervals per weekday, Monday first.
pub type Week = [Vec<(Time, Time)>; 7];

/// What a librarian says about today; it ends at local midnight unless renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Today {
    /// Open as usual.
    AsUsual,
    /// Closed today.
    Closed,
    /// Open with power and heating: a place to charge a phone and get online.
    Power,
    /// Open, but no internet today.
    NoInternet,
}

impl Today {
    pub const ALL: [Today; 4] = [
        Today::AsUsual,
        Today::Closed,
        Today::Power,
        Today::NoInternet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Today::AsUsual => "usual",
            Today::Closed => "closed",
            Today::Power => "power",
            Today::NoInternet => "no_internet",
        }
    }

    pub fn parse(name: &str) -> Option<Today> {
        Today::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One fact a librarian (or an admin) set.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Location(f64, f64),
    /// The all-year hours, and no seasons.
    Hours(Week),
    /// The whole schedule: the all-year hours (`None`: not known) and the seasons.
    Schedule(Box<Schedule>),
    Phone(String),
    Services(Vec<Service>),
    Today(Today),
    /// "Everything on the card is right", as of the fact's date.
    Confirmed,
}

/// A hub's opening schedule as one fact (the store's kind "hours"): what a
/// librarian sets on any of its parts keeps the others as they were.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub hours: Option<Week>,
    pub seasons: Seasons,
}

impl Value {
    /// A schedule as a fact: plain [`Value::Hours`] when it has no seasons.
    pub fn schedule(hours: Option<Week>, seasons: Seasons) -> Value {
        match hours {
            Some(week) if !seasons.any() => Value::Hours(week),
            hours => Value::Schedule(Box::new(Schedule { hours, seasons })),
        }
    }
}

/// A fact about a hub with who set it (`None` once they asked to be
/// forgotten) and when (Unix seconds); `until` ends a status.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub hub: String,
    pub value: Value,
    pub by: Option<i64>,
    pub at: i64,
    pub until: Option<i64>,
}

/// The kinds of fact, as the store names them.
pub const KINDS: [&str; 6] = [
    "location",
    "hours",
    "phone",
    "services",
    "today",
    "confirmed",
];

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Location(..) => "location",
            Value::Hours(_) => "hours",
            Value::Schedule(_) => "hours",
            Value::Phone(_) => "phone",
            Value::Services(_) => "services",
            Value::Today(_) => "today",
            Value::Confirmed => "confirmed",
        }
    }

    /// The value as the store keeps it: plain text, read back by [`Value::decode`].
    pub fn encode(&self) -> String {
        match self {
            Value::Location(la, lo) => format!("{la},{lo}"),
            Value::Hours(week) => encode_week(week),
            // The all-year week or "-" (not known), then each season given:
            // ";winter=09-01" (its hours not known) or ";winter=09-01=" and its week.
            Value::Schedule(schedule) => {
                let Schedule { hours, seasons } = schedule.as_ref();
                let mut text = hours.as_ref().map_or("-".to_string(), encode_week);
                for season in Season::ALL {
                    if let Some(SeasonHours { from, hours }) = seasons.get(season) {
                        text.push_str(&format!(";{}={from}", season.name()));
                        if let Some(week) = hours {
                            text.push('=');
                            text.push_str(&encode_week(week));
                        }
                    }
                }
                text
            }
            Value::Phone(p) => p.clone(),
            Value::Services(s) => s.iter().map(|s| s.name()).collect::<Vec<_>>().join(","),
            Value::Today(t) => t.name().to_string(),
            Value::Confirmed => String::new(),
        }
    }

    /// A stored value; `None` for anything malformed (never guessed).
    pub fn decode(kind: &str, text: &str) -> Option<Value> {
        Some(match kind {
            "location" => {
                let (la, lo) = text.split_once(',')?;
                let (la, lo) = (la.trim().parse().ok()?, lo.trim().parse().ok()?);
                crate::script::in_ukraine(la, lo).then_some(Value::Location(la, lo))?
            }
            "hours" if !text.contains(';') && text != "-" => Value::Hours(decode_week(text)?),
            "hours" => {
                let mut parts = text.split(';');
                let hours = match parts.next()? {
                    "-" => None,
                    week => Some(decode_week(week)?),
                };
                let mut seasons = Seasons::default();
                for part in parts {
                    let (name, rest) = part.split_once('=')?;
                    let season = Season::parse(name)?;
                    if seasons.get(season).is_some() {
                        return None;
                    }
                    let (from, hours) = match rest.split_once('=') {
                        Some((from, week)) => (from, Some(decode_week(week)?)),
                        None => (rest, None),
                    };
                    let from = MonthDay::parse(from)?;
                    seasons.set(season, Some(SeasonHours { from, hours }));
                }
                Value::Schedule(Box::new(Schedule { hours, seasons }))
            }
            "phone" => Value::Phone(phone(text)?),
            "services" => Value::Services(
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(Service::parse)
                    .collect::<Option<Vec<_>>>()?,
            ),
            "today" => Value::Today(Today::parse(text)?),
            "confirmed" => Value::Confirmed,
            _ => return None,
        })
    }
}

/// A week as the store keeps it: days split by '|', intervals by spaces.
fn encode_week(week: &Week) -> String {
    week.iter()
        .map(|day| {
            day.iter()
                .map(|(a, b)| format!("{}-{}", clock(*a), clock(*b)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn decode_week(text: &str) -> Option<Week> {
    let days: Vec<&str> = text.split('|').collect();
    if days.len() != 7 {
        return None;
    }
    let mut week: Week = Default::default();
    for (d, day) in days.iter().enumerate() {
        for span in day.split_whitespace() {
            week[d].push(crate::script::hours_interval(span)?);
        }
    }
    Some(week)
}

/// The file's hubs with the facts laid over them, as residents see them at
/// Unix second `now` (a status past its `until` is gone).
pub fn merge(hubs: &[Hub], facts: &[Fact], now: i64) -> Vec<Hub> {
    let mut merged = hubs.to_vec();
    for fact in facts {
        let Some(hub) = merged.iter_mut().find(|h| h.id == fact.hub) else {
            continue;
        };
        match &fact.value {
            Value::Location(la, lo) => {
                hub.location = Some((*la, *lo));
                hub.approximate = false;
            }
            // A schedule set from Telegram is the whole schedule: seasons too.
            Value::Hours(week) => {
                hub.hours = Some(week.clone());
                hub.seasons = Seasons::default();
            }
            Value::Schedule(schedule) => {
                hub.hours = schedule.hours.clone();
                hub.seasons = schedule.seasons.clone();
            }
            Value::Phone(p) => hub.phone = Some(p.clone()),
            Value::Services(s) => hub.services = s.clone(),
            Value::Today(t) if fact.until.is_none_or(|u| now < u) => hub.today = Some(*t),
            Value::Today(_) | Value::Confirmed => {}
        }
    }
    merged
}

/// What is still not known about a hub, in the words `check` and `stats` use.
pub fn missing(hub: &Hub) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    if hub.address.is_none() {
        gaps.push("address");
    }
    if hub.location.is_none() {
        gaps.push("coordinates");
    }
    if hub.phone.is_none() {
        gaps.push("phone");
    }
    if hub.seasons.in_effect() {
        for season in Season::ALL {
            if hub.seasons.get(season).is_none_or(|s| s.hours.is_none()) {
                gaps.push(season_hours(season));
            }
        }
    } else if hub.hours.is_none() {
        gaps.push("hours");
    }
    gaps
}

/// "summer hours", as `check` and `stats` name a season's hours.
fn season_hours(season: Season) -> &'static str {
    match season {
        Season::Summer => "summer hours",
        Season::Winter => "winter hours",
    }
}

/// A year, in seconds: a fact confirmed longer ago than this is flagged.
pub const STALE_AFTER: i64 = 366 * 24 * 3600;

/// The first moment of the next local day: where a status ends.
pub fn next_midnight(now: DateTime) -> DateTime {
    now.date()
        .tomorrow()
        .map(|d| d.at(0, 0, 0, 0))
        .unwrap_or(DateTime::MAX)
}

/// The week with the days in `mask` (bit 0 Monday) set to `spans` (none: a
/// day off). When the hours were not known, the other days are days off:
/// the librarian sees the whole week on the card right after.
pub fn set_days(week: Option<&Week>, mask: u8, spans: &[(Time, Time)]) -> Week {
    let mut out: Week = week.cloned().unwrap_or_default();
    for (d, day) in out.iter_mut().enumerate() {
        if mask & (1 << d) != 0 {
            *day = spans.to_vec();
        }
    }
    out
}

/// A phone number as residents dial it ("+380683348030"), from what a
/// librarian typed ("068 334 80 30", "+38 (068) 334-80-30"); `None` if it is
/// not a Ukrainian number.
pub fn phone(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        || text.chars().skip(1).any(|c| c == '+')
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        12 if digits.starts_with("380") => &digits[2..],
        11 if digits.starts_with("80") => &digits[1..],
        10 if digits.starts_with('0') => &digits[..],
        _ => return None,
    };
    Some(format!("+38{national}"))
}

/// "09:00" for a time of day.
pub fn clock(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// One line per hub for admins (`check`, `stats`): what is still missing,
/// and when each known fact was last set or confirmed from Telegram ("never":
/// only the file has it); a date more than a year back is flagged. Then one
/// line per hub id the database has facts for but the file no longer has.
pub fn review(
    hubs: &[Hub],
    facts: &[Fact],
    now: i64,
    date_of: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let merged = merge(hubs, facts, now);
    let mut lines = Vec::new();
    for hub in &merged {
        let mine: Vec<&Fact> = facts.iter().filter(|f| f.hub == hub.id).collect();
        let confirmed = mine
            .iter()
            .find(|f| f.value == Value::Confirmed)
            .map(|f| f.at);
        let mut known = vec![
            ("coordinates", "location", hub.location.is_some()),
            ("phone", "phone", hub.phone.is_some()),
        ];
        if hub.seasons.in_effect() {
            for season in Season::ALL {
                let has = hub.seasons.get(season).is_some_and(|s| s.hours.is_some());
                known.push((season_hours(season), "hours", has));
            }
        } else {
            known.push(("hours", "hours", hub.hours.is_some()));
        }
        known.push(("services", "services", !hub.services.is_empty()));
        let dates: Vec<String> = known
            .iter()
            .filter(|(_, _, known)| *known)
            .map(|(name, kind, _)| {
                let set = mine.iter().find(|f| f.value.kind() == *kind).map(|f| f.at);
                match set.max(confirmed) {
                    Some(at) if now - at > STALE_AFTER => {
                        format!("{name} {} (more than a year ago: confirm it)", date_of(at))
                    }
                    Some(at) => format!("{name} {}", date_of(at)),
                    None => format!("{name} never"),
                }
            })
            .collect();
        let gaps = missing(hub);
        lines.push(format!(
            "hub \"{}\": missing: {}; last confirmed: {}{}",
            hub.id,
            if gaps.is_empty() {
                "nothing".to_string()
            } else {
                gaps.join(", ")
            },
            if dates.is_empty() {
                "nothing known".to_string()
            } else {
                dates.join(", ")
            },
            if hub.verified {
                ""
            } else {
                "; the file's facts are not verified"
            },
        ));
    }
    let mut orphans: Vec<&str> = facts
        .iter()
        .map(|f| f.hub.as_str())
        .filter(|id| !hubs.iter().any(|h| h.id == *id))
        .collect();
    orphans.sort_unstable();
    orphans.dedup();
    for id in orphans {
        lines.push(format!(
            "hub \"{id}\": the database has librarians' facts for it, but hubs.toml has no such hub"
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Text;
    use jiff::civil::{date, time};

    fn hub(id: &str) -> Hub {
        let text = |s: &str| Text(vec![s.to_string(), s.to_string()]);
        Hub {
            id: id.into(),
            name: text(id),
            address: None,
            settlement: text("Лозове"),
            location: None,
            approximate: true,
            phone: None,
            hours: None,
            seasons: Default::default(),
            services: Vec::new(),
            verified: false,
            source: "test".into(),
            today: None,
        }
    }

    fn fact(hub: &str, value: Value, until: Option<i64>) -> Fact {
        Fact {
            hub: hub.into(),
            value,
            by: Some(7),
            at: 100,
            until,
        }
    }

    #[test]
    fn values_read_back_as_written_and_nonsense_is_refused() {
        let week = set_days(None, 0b1_1111, &[(time(9, 0, 0, 0), time(13, 0, 0, 0))]);
        for v in [
            Value::Location(49.42, 26.98),
            Value::Hours(week),
            Value::Phone("+380683348030".into()),
            Value::Services(vec![Service::Wifi, Service::PowerBackup]),
            Value::Services(vec![]),
            Value::Today(Today::Power),
            Value::Confirmed,
            Value::schedule(None, Seasons::default()),
            Value::schedule(
                None,
                Seasons {
                    summer: Some(SeasonHours {
                        from: MonthDay::new(6, 1).unwrap(),
                        hours: None,
                    }),
                    winter: None,
                },
            ),
            Value::schedule(
                Some(set_days(
                    None,
                    0b100,
                    &[(time(8, 0, 0, 0), time(12, 0, 0, 0))],
                )),
                Seasons {
                    summer: Some(SeasonHours {
                        from: MonthDay::new(6, 1).unwrap(),
                        hours: None,
                    }),
                    winter: Some(SeasonHours {
                        from: MonthDay::new(9, 1).unwrap(),
                        hours: Some(set_days(
                            None,
                            0b1,
                            &[(time(9, 0, 0, 0), time(13, 0, 0, 0))],
                        )),
                    }),
                },
            ),
        ] {
            assert_eq!(
                Value::decode(v.kind(), &v.encode()),
                Some(v.clone()),
                "{v:?}"
            );
        }
        assert_eq!(Value::decode("location", "91,0"), None);
        assert_eq!(Value::decode("location", "0,0"), None);
        assert_eq!(Value::decode("hours", "09:00-13:00"), None);
        assert_eq!(Value::decode("services", "teleport"), None);
        assert_eq!(Value::decode("today", "maybe"), None);
        assert_eq!(Value::decode("colour", "red"), None);
        // A schedule written before there were seasons still reads.
        let week = "09:00-13:00||||||";
        assert!(matches!(
            Value::decode("hours", week),
            Some(Value::Hours(_))
        ));
        for bad in [
            "-;winter=02-29",
            "-;winter=09-01=09:00-13:00",
            "-;spring=03-01",
            "-;winter=09-01;winter=10-01",
            "-;winter",
            ";winter=09-01",
        ] {
            assert_eq!(Value::decode("hours", bad), None, "{bad}");
        }
    }

    #[test]
    fn facts_lay_over_the_file_and_a_status_ends_at_its_time() {
        let hubs = [hub("a"), hub("b")];
        let facts = [
            fact("a", Value::Location(49.4, 26.9), None),
            fact("a", Value::Phone("+380671112233".into()), None),
            fact("a", Value::Today(Today::Power), Some(1000)),
            fact("gone", Value::Phone("+380671112233".into()), None),
        ];
        let merged = merge(&hubs, &facts, 999);
        assert_eq!(merged[0].location, Some((49.4, 26.9)));
        assert!(!merged[0].approximate);
        assert_eq!(merged[0].phone.as_deref(), Some("+380671112233"));
        assert_eq!(merged[0].today, Some(Today::Power));
        assert_eq!(merged[1].phone, None);
        assert_eq!(merge(&hubs, &facts, 1000)[0].today, None);
        assert_eq!(missing(&merged[0]), ["address", "hours"]);
        assert_eq!(
            missing(&merged[1]),
            ["address", "coordinates", "phone", "hours"]
        );
    }

    #[test]
    fn review_lists_gaps_dates_and_stale_facts() {
        let mut a = hub("a");
        a.phone = Some("+380683348030".into());
        let facts = [
            fact("a", Value::Location(49.4, 26.9), None),
            fact("gone", Value::Phone("+380671112233".into()), None),
        ];
        let date = |at: i64| format!("day{at}");
        let lines = review(&[a.clone(), hub("b")], &facts, 200, &date);
        assert_eq!(
            lines[0],
            "hub \"a\": missing: address, hours; last confirmed: coordinates day100, phone never; the file's facts are not verified"
        );
        assert!(lines[1].starts_with(
            "hub \"b\": missing: address, coordinates, phone, hours; last confirmed: nothing known"
        ));
        assert!(lines[2].contains("\"gone\"") && lines[2].contains("no such hub"));
        let later = review(&[a], &facts[..1], 100 + STALE_AFTER + 1, &date);
        assert!(
            later[0].contains("coordinates day100 (more than a year ago"),
            "{later:?}"
        );
    }

    #[test]
    fn midnight_is_the_start_of_the_next_day() {
        let now = date(2026, 12, 2).at(23, 59, 0, 0);
        assert_eq!(next_midnight(now), date(2026, 12, 3).at(0, 0, 0, 0));
        let now = date(2026, 12, 31).at(0, 0, 0, 0);
        assert_eq!(next_midnight(now), date(2027, 1, 1).at(0, 0, 0, 0));
    }

    #[test]
    fn setting_some_days_keeps_the_others() {
        let nine = [(time(9, 0, 0, 0), time(18, 0, 0, 0))];
        let week = set_days(None, 0b1_1111, &nine);
        assert_eq!(week[0], nine);
        assert_eq!(week[4], nine);
        assert!(week[5].is_empty() && week[6].is_empty());
        let week = set_days(
            Some(&week),
            0b10_0000,
            &[(time(10, 0, 0, 0), time(14, 0, 0, 0))],
        );
        assert_eq!(week[0], nine);
        assert_eq!(week[5].len(), 1);
        let week = set_days(Some(&week), 0b1, &[]);
        assert!(week[0].is_empty());
    }

    #[test]
    fn phones_in_the_ways_people_type_them() {
        for typed in [
            "068 334 80 30",
            "+38 (068) 334-80-30",
            "380683348030",
            "0683348030",
        ] {
            assert_eq!(phone(typed).as_deref(), Some("+380683348030"), "{typed}");
        }
        assert_eq!(phone("(0382) 79-44-34").as_deref(), Some("+380382794434"));
        for bad in [
            "",
            "12345",
            "call me",
            "+1 202 555 0100",
            "068+334",
            "0683348030123",
        ] {
            assert_eq!(phone(bad), None, "{bad}");
        }
    }
}
