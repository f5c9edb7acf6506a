//! Library hubs: the nearest ones, whether they are open, and finding them by name.
//!
//! Pure: the caller reads the clock (in Europe/Kyiv) and the resident's location
//! and passes them in, so every answer here can be tested with fixed values.

pub mod edit;
pub mod export;
pub mod layer;
pub mod season;

use jiff::civil::{DateTime, Time, Weekday};

use crate::faq::{normalize, tokens};
use crate::script::{Hub, Service, ServiceInfo, Settlement};
use layer::Today;

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance between two (latitude, longitude) points, by haversine.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // Rounding can push `h` just past 1 for antipodal points.
    2.0 * EARTH_RADIUS_KM * h.min(1.0).sqrt().asin()
}

/// A hub and how far it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// Index into the hubs.
    pub hub: usize,
    pub km: f64,
}

/// Up to `limit` hubs with a known location, closest first; equal distances keep file order.
pub fn nearest(hubs: &[Hub], from: (f64, f64), limit: usize) -> Vec<Near> {
    if !(from.0.is_finite() && from.1.is_finite()) {
        return Vec::new();
    }
    let mut near: Vec<Near> = hubs
        .iter()
        .enumerate()
        .filter_map(|(hub, h)| {
            let km = distance_km(from, h.location?);
            km.is_finite().then_some(Near { hub, km })
        })
        .collect();
    // A stable sort, so ties stay in file order.
    near.sort_by(|a, b| a.km.total_cmp(&b.km));
    near.truncate(limit);
    near
}

/// When a hub next opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextOpen {
    pub day: Weekday,
    /// 0 is later today, 1 tomorrow, up to 7 (the same weekday next week).
    pub days_ahead: u8,
    pub at: Time,
}

/// Whether a hub is open at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Open now; `until` joins back-to-back intervals.
    Open { until: Time },
    /// `next` is `None` when the hub has no opening hours on any day.
    Closed { next: Option<NextOpen> },
    /// The hours are not known; the bot must not guess.
    Unknown,
}

/// A hub's state at a local (Kyiv) civil time. Intervals include their start,
/// not their end. Each day's hours are that day's season's (see
/// [`season::hours_on`]), so a week that crosses into another season reads the
/// new season's hours; a day whose hours are not known ends the search.
pub fn opening(hub: &Hub, now: DateTime) -> Opening {
    let date = now.date();
    if season::hours_on(hub, date).is_none() {
        return Opening::Unknown;
    }
    let today = now.weekday();
    let t = now.time();
    // A hub closed today (its librarian said so) has no hours today.
    let closed: &[(Time, Time)] = &[];
    let day = |k: u8| -> Option<&[(Time, Time)]> {
        if k == 0 && hub.today == Some(Today::Closed) {
            return Some(closed);
        }
        let on = date
            .checked_add(jiff::Span::new().days(i64::from(k)))
            .ok()?;
        let week = season::hours_on(hub, on)?;
        Some(&week[on.weekday().to_monday_zero_offset() as usize][..])
    };
    let now_day = day(0).unwrap_or(closed);
    if let Some(&(_, end)) = now_day.iter().find(|(s, e)| *s <= t && t < *e) {
        // Back-to-back intervals ("09:00-13:00", "13:00-18:00") read as one.
        let mut until = end;
        while let Some(&(_, e)) = now_day.iter().find(|(s, e)| *s <= until && until < *e) {
            until = e;
        }
        return Opening::Open { until };
    }
    let mut next = None;
    for k in 0..=7u8 {
        // A day in a season whose hours are not known: the next opening is not known either.
        let Some(spans) = day(k) else { break };
        let first = spans
            .iter()
            .filter(|(s, e)| s < e && (k > 0 || *s > t))
            .map(|(s, _)| *s)
            .min();
        if let Some(at) = first {
            next = Some(NextOpen {
                day: today.wrapping_add(k),
                days_ahead: k,
                at,
            });
            break;
        }
    }
    Opening::Closed { next }
}

/// The first hub (in file order) open now, or else the one that opens soonest.
pub fn soonest(hubs: &[Hub], now: DateTime) -> Option<(usize, Opening)> {
    // Open sorts before closed; `min_by_key` keeps the first of equal keys (file order).
    let key = |o: &Opening| match *o {
        Opening::Open { .. } => Some((false, 0, Time::MIN)),
        Opening::Closed { next: Some(n) } => Some((true, n.days_ahead, n.at)),
        _ => None,
    };
    hubs.iter()
        .map(|h| opening(h, now))
        .enumerate()
        .filter_map(|(i, o)| Some((key(&o)?, i, o)))
        .min_by_key(|&(k, _, _)| k)
        .map(|(_, i, o)| (i, o))
}

/// What a shared location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whereabouts {
    /// In Ukraine: worth looking for hubs near it.
    Ukraine,
    /// No place on Earth (latitude 91), or the (0, 0) a broken GPS sends.
    Impossible,
    /// A real place far outside Ukraine.
    Abroad,
}

/// Whether a shared location can be a resident's in the community's country.
pub fn whereabouts(latitude: f64, longitude: f64) -> Whereabouts {
    let real = latitude.is_finite()
        && longitude.is_finite()
        && (-90.0..=90.0).contains(&latitude)
        && (-180.0..=180.0).contains(&longitude)
        && !(latitude == 0.0 && longitude == 0.0);
    if !real {
        Whereabouts::Impossible
    } else if crate::script::in_ukraine(latitude, longitude) {
        Whereabouts::Ukraine
    } else {
        Whereabouts::Abroad
    }
}

/// Where a hub is for distances: its own coordinates, else (approximately,
/// `true`) the centre of its settlement when a source gives one.
pub fn position(hub: &Hub, settlements: &[Settlement]) -> Option<((f64, f64), bool)> {
    if let Some(l) = hub.location {
        return Some((l, hub.approximate));
    }
    let name = hub.settlement.get(0);
    settlements
        .iter()
        .find(|s| s.name.get(0) == name)
        .and_then(|s| s.centre)
        .map(|c| (c, true))
}

/// A hub and how far it is, and whether that distance is only approximate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Far {
    pub hub: usize,
    pub km: f64,
    pub approximate: bool,
    /// Measured from a settlement's centre, not from where the resident is.
    pub from_settlement: bool,
}

/// Up to `limit` hubs closest to `from`, placed by [`position`]; ties keep file order.
pub fn nearest_placed(
    hubs: &[Hub],
    settlements: &[Settlement],
    from: (f64, f64),
    limit: usize,
) -> Vec<Far> {
    if !(from.0.is_finite() && from.1.is_finite()) {
        return Vec::new();
    }
    let mut near: Vec<Far> = hubs
        .iter()
        .enumerate()
        .filter_map(|(hub, h)| {
            let (at, approximate) = position(h, settlements)?;
            let km = distance_km(from, at);
            km.is_finite().then_some(Far {
                hub,
                km,
                approximate,
                from_settlement: false,
            })
        })
        .collect();
    near.sort_by(|a, b| a.km.total_cmp(&b.km));
    near.truncate(limit);
    near
}

/// The settlement a resident named (typos, endings and Latin letters
/// forgiven), if the text names one: the one with most of its words named,
/// then the one with fewest words ("Колибань" before "Мала Колибань"
/// unless "мала" is typed too), then file order.
pub fn settlement_in(settlements: &[Settlement], text: &str) -> Option<usize> {
    let query: Vec<Vec<String>> = words(text);
    settlements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let names: Vec<Vec<String>> = words(s.name.get(0));
            let latin: Vec<String> = s.name.0.iter().flat_map(|n| words(n)).flatten().collect();
            let hits = query
                .iter()
                .filter(|q| q.iter().any(|a| latin.iter().any(|b| same_word(a, b))))
                .count();
            (hits > 0).then_some((std::cmp::Reverse(hits), names.len(), i))
        })
        .min()
        .map(|(_, _, i)| i)
}

/// Words that ask where there is power or a charger.
const POWER: &str = "зарядити зарядка зарядку зарядки підзарядити світло світла електрика \
     електроенергія генератор незламності незламност charge charger power electricity";
/// Words that ask where.
const WHERE: &str = "де куди where";

/// Whether a text asks where there is power ("де зарядити телефон?", "де є світло?").
pub fn asks_for_power(text: &str) -> bool {
    let typed: Vec<String> = words(text).into_iter().flatten().collect();
    let short: Vec<String> = normalize(text)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let power: Vec<String> = words(POWER).into_iter().flatten().collect();
    let asks_where = WHERE
        .split_whitespace()
        .any(|w| short.iter().any(|t| t == w));
    asks_where && typed.iter().any(|t| power.iter().any(|p| same_word(t, p)))
}

/// Hubs to charge a phone today: first those whose librarian said they have
/// power and heating today, then those that work during power cuts; open
/// now before the rest, none closed today; file order within each.
pub fn with_power_today(hubs: &[Hub], now: DateTime) -> Vec<usize> {
    let mut found: Vec<(u8, bool, usize)> = hubs
        .iter()
        .enumerate()
        .filter(|(_, h)| h.today != Some(Today::Closed))
        .filter_map(|(i, h)| {
            let rank = if h.today == Some(Today::Power) {
                0
            } else if h.services.contains(&Service::PowerBackup) {
                1
            } else {
                return None;
            };
            let open = matches!(opening(h, now), Opening::Open { .. });
            Some((rank, !open, i))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, _, i)| i).collect()
}

/// Words that name no particular hub ("бібліотека", "вулиця", "село").
const GENERIC: &str = "бібліотека бібліотеці бібліотек library libraries філія branch \
     вул вулиця street село селі селище місто місті де where для хаб hub";

/// Each word of a text (3 letters or more) as its forms: the folded, lightly
/// stemmed word and, for a word in Latin letters, its Ukrainian reading too.
/// The FAQ's own tokens are reused so that both searches fold alike.
fn words(text: &str) -> Vec<Vec<String>> {
    normalize(text)
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| {
            tokens(w)
                .into_iter()
                .filter_map(|t| t.strip_prefix("w:").map(str::to_string))
                .collect::<Vec<_>>()
        })
        .filter(|forms| !forms.is_empty())
        .collect()
}

/// Whether two stems are the same word: equal; one a prefix of the other
/// sharing at least 4 letters (endings the stemmer left); or, for stems of 5
/// letters or more, a Damerau–Levenshtein similarity of at least 0.75 (one
/// typo in five letters, two in eight). Shorter stems get no typo allowance:
/// one edit in four letters turns one name into another too easily.
fn same_word(a: &str, b: &str) -> bool {
    let shorter = a.chars().count().min(b.chars().count());
    a == b
        || (shorter >= 4 && (a.starts_with(b) || b.starts_with(a)))
        || (shorter >= 5 && strsim::normalized_damerau_levenshtein(a, b) >= 0.75)
}

/// Hubs whose settlement, name or address (in any language) matches what a
/// resident typed, tolerating typos, case, apostrophes, Ukrainian endings and
/// Latin letters. Ranked by how many of the query's words match, then file order.
pub fn find(hubs: &[Hub], query: &str) -> Vec<usize> {
    let generic: Vec<String> = words(GENERIC).into_iter().flatten().collect();
    let is_generic = |forms: &Vec<String>| forms.iter().any(|f| generic.contains(f));
    let query: Vec<Vec<String>> = words(query)
        .into_iter()
        .filter(|w| !is_generic(w))
        .collect();
    if query.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(usize, usize)> = hubs
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let texts = [Some(&h.settlement), Some(&h.name), h.address.as_ref()];
            let target: Vec<String> = texts
                .into_iter()
                .flatten()
                .flat_map(|t| t.0.iter())
                .flat_map(|s| words(s))
                .filter(|w| !is_generic(w))
                .flatten()
                .collect();
            let hit = |q: &&Vec<String>| q.iter().any(|a| target.iter().any(|b| same_word(a, b)));
            let hits = query.iter().filter(hit).count();
            (hits > 0).then_some((i, hits))
        })
        .collect();
    ranked.sort_by_key(|&(_, hits)| std::cmp::Reverse(hits));
    ranked.into_iter().map(|(i, _)| i).collect()
}

/// The service a resident asks for in their words ("де допоможуть з Дією?"),
/// if any: a word of the text that begins with one of the service's words
/// (folded and stemmed alike). Short words keep their endings, so admins list
/// the forms residents type ("дія", "дії", "дією").
pub fn service_in(text: &str, services: &[ServiceInfo]) -> Option<Service> {
    let typed: Vec<String> = words(text).into_iter().flatten().collect();
    services.iter().find_map(|info| {
        let hit = info.words.iter().flatten().any(|w| {
            words(w)
                .into_iter()
                .flatten()
                .any(|form| typed.iter().any(|t| t.starts_with(form.as_str())))
        });
        hit.then_some(info.service)
    })
}

/// Hubs offering a service, in file order.
pub fn with_service(hubs: &[Hub], service: Service) -> Vec<usize> {
    (0..hubs.len())
        .filter(|&i| hubs[i].services.contains(&service))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Text;
    use jiff::civil::{date, time};
    use Weekday::*;

    fn hub(name: &str, settlement: &str, location: Option<(f64, f64)>) -> Hub {
        let text = |s: &str| Text(vec![s.to_string(), s.to_string()]);
        Hub {
            id: name.to_lowercase(),
            name: text(name),
            address: None,
            settlement: text(settlement),
            location,
            approximate: false,
            phone: None,
            hours: None,
            seasons: Default::default(),
            services: Vec::new(),
            verified: true,
            source: "test".into(),
            today: None,
        }
    }

    /// A hub open at these hours: days (Monday first) split by '|', intervals by spaces.
    fn hours(week: &str) -> Hub {
        let span = |s: &str| {
            let (a, b) = s.split_once('-').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        };
        let days: Vec<Vec<(Time, Time)>> = week
            .split('|')
            .map(|d| d.split_whitespace().map(span).collect())
            .collect();
        let mut h = hub("A", "Лозове", None);
        h.hours = Some(days.try_into().unwrap());
        h
    }

    const WEEK: &str = "09:00-13:00 14:00-18:00|09:00-18:00||09:00-18:00|09:00-18:00|10:00-15:00|";
    const NEVER: &str = "||||||";
    const ONCE: &str = "09:00-10:00||||||";

    /// `day` days after Monday 2025-06-02, at h:m.
    fn at(day: i8, h: i8, m: i8) -> DateTime {
        date(2025, 6, 2 + day).at(h, m, 0, 0)
    }

    fn open(h: i8) -> Opening {
        Opening::Open {
            until: time(h, 0, 0, 0),
        }
    }

    fn next(day: Weekday, days_ahead: u8, h: i8) -> Opening {
        let at = time(h, 0, 0, 0);
        Opening::Closed {
            next: Some(NextOpen {
                day,
                days_ahead,
                at,
            }),
        }
    }

    #[test]
    fn distances() {
        let km = distance_km((49.4229, 26.9871), (50.4501, 30.5234));
        assert!((km - 275.0).abs() <= 5.0, "{km}");
        assert_eq!(distance_km((49.4229, 26.9871), (49.4229, 26.9871)), 0.0);
        let poles = distance_km((90.0, 0.0), (-90.0, 0.0));
        assert!((poles - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
    }

    #[test]
    fn nearest_first_and_without_location_skipped() {
        let hubs = [
            hub("Far", "Київ", Some((50.4501, 30.5234))),
            hub("Unknown", "Лозове", None),
            hub("Close", "Хмельницький", Some((49.43, 26.99))),
            hub("Twin", "Хмельницький", Some((49.43, 26.99))),
        ];
        let near = nearest(&hubs, (49.4229, 26.9871), 10);
        let order: Vec<usize> = near.iter().map(|n| n.hub).collect();
        assert_eq!(order, [2, 3, 0]);
        assert!(near[0].km < 1.0 && near[2].km > 270.0);
        assert_eq!(nearest(&hubs, (49.4229, 26.9871), 1).len(), 1);
        assert!(nearest(&hubs, (f64::NAN, 26.9), 3).is_empty());
        assert!(nearest(&hubs, (49.4, f64::INFINITY), 3).is_empty());
    }

    #[test]
    fn open_or_closed_today() {
        assert_eq!(opening(&hours(WEEK), at(0, 9, 0)), open(13));
        assert_eq!(opening(&hours(WEEK), at(0, 12, 59)), open(13));
        assert_eq!(opening(&hours(WEEK), at(5, 14, 0)), open(15));
        // Exactly at closing time the hub is closed.
        assert_eq!(opening(&hours(WEEK), at(0, 13, 0)), next(Monday, 0, 14));
        assert_eq!(opening(&hours(WEEK), at(0, 7, 30)), next(Monday, 0, 9));
        // Back-to-back intervals read as one.
        let split = hours("09:00-13:00 13:00-18:00||||||");
        assert_eq!(opening(&split, at(0, 10, 0)), open(18));
    }

    #[test]
    fn next_opening_on_a_later_day_or_none() {
        // Tuesday evening: Wednesday is off, so Thursday, two days ahead.
        assert_eq!(opening(&hours(WEEK), at(1, 18, 0)), next(Thursday, 2, 9));
        assert_eq!(opening(&hours(WEEK), at(2, 11, 0)), next(Thursday, 1, 9));
        // Saturday evening and Sunday wrap to Monday.
        assert_eq!(opening(&hours(WEEK), at(5, 15, 0)), next(Monday, 2, 9));
        assert_eq!(opening(&hours(WEEK), at(6, 12, 0)), next(Monday, 1, 9));
        // Open only on Monday morning: on Monday afternoon, next Monday.
        assert_eq!(opening(&hours(ONCE), at(0, 12, 0)), next(Monday, 7, 9));
        // Hours not known, and hours with no opening at all.
        let h = hub("A", "Лозове", None);
        assert_eq!(opening(&h, at(0, 10, 0)), Opening::Unknown);
        let never = Opening::Closed { next: None };
        assert_eq!(opening(&hours(NEVER), at(0, 10, 0)), never);
    }

    #[test]
    fn soonest_prefers_open_then_earliest() {
        let hubs = [
            hub("Unknown", "Лозове", None),
            hours(NEVER),
            hours(&["16:00-20:00"; 7].join("|")),
            hours(WEEK),
        ];
        assert_eq!(soonest(&hubs, at(1, 10, 0)), Some((3, open(18))));
        // Wednesday: the last hub is off, the evening one opens at 16:00.
        let soonest = |day, h| soonest(&hubs, at(day, h, 0));
        assert_eq!(soonest(2, 10), Some((2, next(Wednesday, 0, 16))));
        // Both open: the first in file order.
        assert_eq!(soonest(1, 17), Some((2, open(20))));
        // Wednesday night: Thursday 09:00 comes before Thursday 16:00.
        assert_eq!(soonest(2, 21), Some((3, next(Thursday, 1, 9))));
        assert_eq!(super::soonest(&hubs[..2], at(1, 10, 0)), None);
    }

    fn places() -> Vec<Hub> {
        let mut city = hub("Бібліотека-філія №5", "Хмельницький", None);
        let address = ["вул. Проскурівська, 10", "Proskurivska St, 10"];
        city.address = Some(Text(address.map(String::from).to_vec()));
        vec![
            city,
            hub("Сільська бібліотека", "Лозове", None),
            hub("Бібліотека-філія №2", "Хмельницький", None),
            hub("Library", "Кам'янець-Подільський", None),
        ]
    }

    #[test]
    fn find_by_settlement_with_endings_and_typos() {
        let hubs = places();
        let lozove = "лозове|Лозовому|у лозовом|Lozove|ЛОЗВОЕ|бібліотека в Лозовому";
        for q in lozove.split('|') {
            assert_eq!(find(&hubs, q), [1], "{q}");
        }
        for q in "хмельницкий|у Хмельницькому|хмельнцький|Khmelnytskyi".split('|')
        {
            assert_eq!(find(&hubs, q), [0, 2], "{q}");
        }
        assert_eq!(find(&hubs, "Кам’янець"), [3]);
        assert_eq!(find(&hubs, "kamianets"), [3]);
    }

    #[test]
    fn impossible_and_faraway_places_are_told_apart() {
        assert_eq!(whereabouts(49.4229, 26.9871), Whereabouts::Ukraine);
        for (la, lo) in [(91.0, 0.0), (0.0, 0.0), (-95.5, 200.0), (f64::NAN, 26.9)] {
            assert_eq!(whereabouts(la, lo), Whereabouts::Impossible, "{la}, {lo}");
        }
        for (la, lo) in [(48.8566, 2.3522), (90.0, 0.0), (-33.86, 151.2)] {
            assert_eq!(whereabouts(la, lo), Whereabouts::Abroad, "{la}, {lo}");
        }
    }

    #[test]
    fn a_hub_closed_today_opens_on_its_next_day() {
        let mut h = hours(WEEK);
        h.today = Some(Today::Closed);
        // Monday 10:00, normally open until 13:00.
        assert_eq!(opening(&h, at(0, 10, 0)), next(Tuesday, 1, 9));
        h.today = Some(Today::Power);
        assert_eq!(opening(&h, at(0, 10, 0)), open(13));
    }

    #[test]
    fn where_to_charge_a_phone() {
        for q in [
            "де зарядити телефон?",
            "Де є світло?",
            "where can I charge my phone",
            "де генератор",
        ] {
            assert!(asks_for_power(q), "{q}");
        }
        for q in [
            "як оплатити світло через телефон",
            "зарядити телефон",
            "де бібліотека",
            "",
        ] {
            assert!(!asks_for_power(q), "{q}");
        }
        let mut power = hours(WEEK);
        power.today = Some(Today::Power);
        let mut backup = hours(WEEK);
        backup.services = vec![Service::PowerBackup];
        let mut closed = backup.clone();
        closed.today = Some(Today::Closed);
        let hubs = [hours(WEEK), backup.clone(), closed, power];
        // Monday 10:00: the hub with power today first, then the one with backup; never the closed one.
        assert_eq!(with_power_today(&hubs, at(0, 10, 0)), [3, 1]);
        assert!(with_power_today(&hubs[..1], at(0, 10, 0)).is_empty());
    }

    #[test]
    fn settlements_by_name_typos_and_latin_letters() {
        let text = |uk: &str, en: &str| Text(vec![uk.to_string(), en.to_string()]);
        let place = |uk: &str, en: &str, centre| Settlement {
            name: text(uk, en),
            centre,
            source: "test".into(),
        };
        let all = [
            place("Колибань", "Kolyban", None),
            place("Мала Колибань", "Mala Kolyban", None),
            place("Водички", "Vodychky", Some((49.4225, 26.7469))),
        ];
        for q in ["водички", "у Водичках", "водичкі", "Vodychky"] {
            assert_eq!(settlement_in(&all, q), Some(2), "{q}");
        }
        assert_eq!(settlement_in(&all, "колибань"), Some(0));
        assert_eq!(settlement_in(&all, "мала колибань"), Some(1));
        assert_eq!(settlement_in(&all, "Нью-Йорк"), None);
        // A hub without coordinates is placed at its settlement's centre, approximately.
        let mut h = hub("A", "Водички", None);
        assert_eq!(position(&h, &all), Some(((49.4225, 26.7469), true)));
        h.settlement = text("Колибань", "Kolyban");
        assert_eq!(position(&h, &all), None);
    }

    #[test]
    fn find_ranks_by_matched_words_or_finds_nothing() {
        let hubs = places();
        assert_eq!(find(&hubs, "Проскурівська Хмельницький"), [0, 2]);
        // Two words matched outrank one, whatever the file order.
        let q = "бібліотека Хмельницький Кам'янець-Подільський";
        assert_eq!(find(&hubs, q), [3, 0, 2]);
        assert_eq!(find(&hubs, "лозове проскурівська"), [0, 1]);
        assert_eq!(find(&hubs, "Proskurivska"), [0]);
        // Nothing to do with any hub, or only generic words.
        assert!(find(&hubs, "погода завтра").is_empty());
        assert!(find(&hubs, "").is_empty());
        assert!(find(&hubs, "де бібліотека, вулиця, село").is_empty());
        assert!(find(&hubs, "library").is_empty());
    }

    #[test]
    fn services() {
        let mut hubs = places();
        hubs[1].services = vec![Service::Wifi, Service::Printing];
        hubs[3].services = vec![Service::Wifi];
        assert_eq!(with_service(&hubs, Service::Wifi), [1, 3]);
        assert_eq!(with_service(&hubs, Service::Printing), [1]);
        assert!(with_service(&hubs, Service::PowerBackup).is_empty());
    }

    #[test]
    fn a_service_is_found_in_plain_words() {
        let info = |service, words: &[&str]| ServiceInfo {
            service,
            name: Text(vec![service.name().to_string()]),
            words: vec![words.iter().map(|w| w.to_string()).collect()],
        };
        let services = [
            info(Service::EservicesHelp, &["дія", "дією", "дії", "послуг"]),
            info(Service::Printing, &["друк", "принтер"]),
            info(Service::PowerBackup, &["світл"]),
        ];
        let found = |t: &str| service_in(t, &services);
        assert_eq!(found("де допоможуть з Дією?"), Some(Service::EservicesHelp));
        assert_eq!(found("дия"), Some(Service::EservicesHelp));
        assert_eq!(found("де можна роздрукувати"), None);
        assert_eq!(found("де надрукувати документ"), None);
        assert_eq!(found("друкувати документ"), Some(Service::Printing));
        assert_eq!(
            found("де є світло коли вимкнення"),
            Some(Service::PowerBackup)
        );
        assert_eq!(found("Лозове"), None);
    }
}
