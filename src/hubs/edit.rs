//! The buttons of a librarian's hub card (`/myhub`), as plain data.
//!
//! Opening hours are built by buttons alone, never parsed from free text:
//! the days chosen so far, the opening time and the closing time travel in
//! each button's data, so a half-made choice needs no saved state and an old
//! button still means what it says. Encoded after `h:<hub>:` (see
//! [`crate::engine::Press::MyHub`]); every encoding fits Telegram's 64 bytes
//! with a hub id of the longest allowed length.

use jiff::civil::Time;

use super::layer::Today;
use super::season::{MonthDay, Season};

/// Which hours a press sets: the all-year ones (`None`) or a season's.
pub type Sched = Option<Season>;

/// What a librarian's next message is for on a hub's card: the library's
/// location or its phone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Awaiting {
    pub hub: String,
    pub what: Wanted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wanted {
    Location,
    Phone,
}

/// One press on a hub card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Show the card.
    Card,
    /// Ask for the library's location (a location-request button).
    Location,
    /// Ask for the phone number.
    Phone,
    /// The days to set, as a mask (bit 0 Monday).
    Days(Sched, u8),
    /// The opening time of these days.
    Opens(Sched, u8),
    /// The closing time of these days, opening at the time given.
    Closes(Sched, u8, Time),
    /// The lunch break of these days.
    Lunch(Sched, u8, Time, Time),
    /// Save: these days open at the first time, close at the second, with a lunch break or not.
    Save(Sched, u8, Time, Time, Option<(Time, Time)>),
    /// Save: these days are days off.
    DaysOff(Sched, u8),
    /// A season's schedule: when it starts, its hours.
    Season(Season),
    /// The choice of the month a season starts in.
    Month(Season),
    /// The choice of the day, in this month, a season starts on.
    Day(Season, i8),
    /// Save: the season starts on this day.
    Starts(Season, MonthDay),
    /// Take both seasons away: the same hours all year.
    NoSeasons,
    /// The services, to turn on and off.
    Services,
    /// Turn the service at this place of [`crate::script::Service::ALL`] on or off.
    Toggle(usize),
    /// The choice of today's status.
    Status,
    /// Set today's status, or (`None`) take it back.
    Today(Option<Today>),
    /// Everything on the card is right.
    Confirm,
}

/// Monday to Friday.
pub const WEEKDAYS: u8 = 0b1_1111;
/// Every day of the week.
pub const ALL_DAYS: u8 = 0b111_1111;

fn hhmm(t: Time) -> String {
    format!("{:02}{:02}", t.hour(), t.minute())
}

fn time(s: &str) -> Option<Time> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (s[..2].parse().ok()?, s[2..].parse().ok()?);
    Time::new(h, m, 0, 0).ok()
}

/// A month or a day: one or two digits, nothing else.
fn number(s: &str) -> Option<i8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The letter a season's presses begin with.
fn prefix(sched: Sched) -> &'static str {
    match sched {
        None => "",
        Some(Season::Summer) => "S",
        Some(Season::Winter) => "W",
    }
}

fn mask(s: &str) -> Option<u8> {
    let m: u8 = s.parse().ok()?;
    (m <= ALL_DAYS).then_some(m)
}

impl Edit {
    pub fn encode(&self) -> String {
        match *self {
            Edit::Card => "card".into(),
            Edit::Location => "loc".into(),
            Edit::Phone => "phone".into(),
            Edit::Days(s, m) => format!("{}d{m}", prefix(s)),
            Edit::Opens(s, m) => format!("{}o{m}", prefix(s)),
            Edit::Closes(s, m, o) => format!("{}c{m}:{}", prefix(s), hhmm(o)),
            Edit::Lunch(s, m, o, c) => format!("{}l{m}:{}:{}", prefix(s), hhmm(o), hhmm(c)),
            Edit::Save(s, m, o, c, lunch) => {
                let (a, b) =
                    lunch.map_or(("0000".into(), "0000".into()), |(a, b)| (hhmm(a), hhmm(b)));
                format!("{}w{m}:{}:{}:{a}:{b}", prefix(s), hhmm(o), hhmm(c))
            }
            Edit::DaysOff(s, m) => format!("{}x{m}", prefix(s)),
            Edit::Season(s) => prefix(Some(s)).into(),
            Edit::Month(s) => format!("{}m", prefix(Some(s))),
            Edit::Day(s, month) => format!("{}m{month}", prefix(Some(s))),
            Edit::Starts(s, at) => format!("{}f{}:{}", prefix(Some(s)), at.month, at.day),
            Edit::NoSeasons => "ns".into(),
            Edit::Services => "sv".into(),
            Edit::Toggle(i) => format!("s{i}"),
            Edit::Status => "t".into(),
            Edit::Today(Some(t)) => format!("t{}", t.name()),
            Edit::Today(None) => "t-".into(),
            Edit::Confirm => "ok".into(),
        }
    }

    /// A press's data after the hub id; anything malformed or forged is `None`.
    pub fn decode(data: &str) -> Option<Edit> {
        let fixed = match data {
            "card" => Some(Edit::Card),
            "loc" => Some(Edit::Location),
            "phone" => Some(Edit::Phone),
            "sv" => Some(Edit::Services),
            "t" => Some(Edit::Status),
            "t-" => Some(Edit::Today(None)),
            "ok" => Some(Edit::Confirm),
            "ns" => Some(Edit::NoSeasons),
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
        // A season's presses begin with its letter.
        let (sched, data) = match data.as_bytes().first() {
            Some(b'S') => (Some(Season::Summer), &data[1..]),
            Some(b'W') => (Some(Season::Winter), &data[1..]),
            _ => (None, data),
        };
        if let Some(season) = sched {
            if data.is_empty() {
                return Some(Edit::Season(season));
            }
            if data == "m" {
                return Some(Edit::Month(season));
            }
        }
        let (tag, rest) = data.split_at(data.char_indices().nth(1)?.0);
        let parts: Vec<&str> = rest.split(':').collect();
        let edit = match (tag, parts.as_slice()) {
            ("d", [m]) => Edit::Days(sched, mask(m)?),
            ("o", [m]) => Edit::Opens(sched, mask(m)?),
            ("c", [m, o]) => Edit::Closes(sched, mask(m)?, time(o)?),
            ("l", [m, o, c]) => {
                let (o, c) = (time(o)?, time(c)?);
                (o < c).then_some(Edit::Lunch(sched, mask(m)?, o, c))?
            }
            ("w", [m, o, c, a, b]) => {
                let (o, c) = (time(o)?, time(c)?);
                let lunch = match (*a, *b) {
                    ("0000", "0000") => None,
                    _ => {
                        let (a, b) = (time(a)?, time(b)?);
                        // A lunch break lies inside the day.
                        if !(o < a && a < b && b < c) {
                            return None;
                        }
                        Some((a, b))
                    }
                };
                (o < c).then_some(Edit::Save(sched, mask(m)?, o, c, lunch))?
            }
            ("x", [m]) => Edit::DaysOff(sched, mask(m)?),
            ("m", [month]) => {
                let month = number(month)?;
                (1..=12)
                    .contains(&month)
                    .then_some(Edit::Day(sched?, month))?
            }
            ("f", [month, day]) => {
                Edit::Starts(sched?, MonthDay::new(number(month)?, number(day)?)?)
            }
            _ if sched.is_some() => return None,
            ("s", [i]) => {
                let i: usize = i.parse().ok()?;
                (i < crate::script::Service::ALL.len()).then_some(Edit::Toggle(i))?
            }
            ("t", [name]) => Edit::Today(Some(Today::parse(name)?)),
            _ => return None,
        };
        Some(edit)
    }

    /// The opening intervals a [`Edit::Save`] gives its days.
    pub fn spans(open: Time, close: Time, lunch: Option<(Time, Time)>) -> Vec<(Time, Time)> {
        match lunch {
            Some((a, b)) => vec![(open, a), (b, close)],
            None => vec![(open, close)],
        }
    }
}

/// The opening times offered.
pub const OPENS: [(i8, i8); 8] = [
    (8, 0),
    (8, 30),
    (9, 0),
    (9, 30),
    (10, 0),
    (10, 30),
    (11, 0),
    (12, 0),
];
/// The closing times offered.
pub const CLOSES: [(i8, i8); 10] = [
    (13, 0),
    (14, 0),
    (15, 0),
    (16, 0),
    (16, 30),
    (17, 0),
    (17, 30),
    (17, 45),
    (18, 0),
    (19, 0),
];
/// The lunch breaks offered (besides none).
pub const LUNCHES: [((i8, i8), (i8, i8)); 3] =
    [((12, 0), (13, 0)), ((13, 0), (14, 0)), ((12, 0), (12, 45))];

/// A time of the lists above.
pub fn at((h, m): (i8, i8)) -> Time {
    Time::constant(h, m, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn every_press_reads_back_and_fits_telegram() {
        let (o, c) = (time(9, 30, 0, 0), time(17, 45, 0, 0));
        let lunch = Some((time(13, 0, 0, 0), time(14, 0, 0, 0)));
        let all = [
            Edit::Card,
            Edit::Location,
            Edit::Phone,
            Edit::Days(None, 0),
            Edit::Days(None, ALL_DAYS),
            Edit::Opens(None, WEEKDAYS),
            Edit::Closes(None, WEEKDAYS, o),
            Edit::Lunch(None, WEEKDAYS, o, c),
            Edit::Save(None, ALL_DAYS, o, c, lunch),
            Edit::Save(None, 1, o, c, None),
            Edit::DaysOff(None, 0b110_0000),
            Edit::Days(Some(Season::Winter), ALL_DAYS),
            Edit::Opens(Some(Season::Summer), WEEKDAYS),
            Edit::Closes(Some(Season::Winter), WEEKDAYS, o),
            Edit::Lunch(Some(Season::Summer), WEEKDAYS, o, c),
            Edit::Save(Some(Season::Winter), ALL_DAYS, o, c, lunch),
            Edit::DaysOff(Some(Season::Summer), 0b110_0000),
            Edit::Season(Season::Summer),
            Edit::Season(Season::Winter),
            Edit::Month(Season::Winter),
            Edit::Day(Season::Summer, 12),
            Edit::Starts(Season::Winter, MonthDay::new(12, 31).unwrap()),
            Edit::Starts(Season::Summer, MonthDay::new(6, 1).unwrap()),
            Edit::NoSeasons,
            Edit::Services,
            Edit::Toggle(7),
            Edit::Status,
            Edit::Today(Some(Today::NoInternet)),
            Edit::Today(None),
            Edit::Confirm,
        ];
        let longest_id = "x".repeat(crate::script::MAX_ID_LEN);
        for e in all {
            assert_eq!(Edit::decode(&e.encode()), Some(e), "{e:?}");
            let data = format!("h:{longest_id}:{}", e.encode());
            assert!(data.len() <= crate::engine::press::MAX_DATA_BYTES, "{data}");
        }
    }

    #[test]
    fn forged_presses_mean_nothing() {
        for bad in [
            "",
            "d",
            "d128",
            "d-1",
            "o",
            "c31:2500",
            "c31:930",
            "l31:1800:0900",
            "w31:0900:1800:1900:2000",
            "w31:1800:0900:0000:0000",
            "w31:0900:1800:1300:0000",
            "s8",
            "sx",
            "tmaybe",
            "zz",
            "card:more",
            "dé",
            "m",
            "m9",
            "f9:1",
            "Sm13",
            "Sm0",
            "Smx",
            "Sf2:29",
            "Sf4:31",
            "Wf9",
            "Wf009:1",
            "Wsv",
            "Wcard",
            "Wt",
            "Wns",
            "SS",
            "Sé",
        ] {
            assert_eq!(Edit::decode(bad), None, "{bad}");
        }
    }
}
