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
    Days(u8),
    /// The opening time of these days.
    Opens(u8),
    /// The closing time of these days, opening at the time given.
    Closes(u8, Time),
    /// The lunch break of these days.
    Lunch(u8, Time, Time),
    /// Save: these days open at the first time, close at the second, with a lunch break or not.
    Save(u8, Time, Time, Option<(Time, Time)>),
    /// Save: these days are days off.
    DaysOff(u8),
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
            Edit::Days(m) => format!("d{m}"),
            Edit::Opens(m) => format!("o{m}"),
            Edit::Closes(m, o) => format!("c{m}:{}", hhmm(o)),
            Edit::Lunch(m, o, c) => format!("l{m}:{}:{}", hhmm(o), hhmm(c)),
            Edit::Save(m, o, c, lunch) => {
                let (a, b) =
                    lunch.map_or(("0000".into(), "0000".into()), |(a, b)| (hhmm(a), hhmm(b)));
                format!("w{m}:{}:{}:{a}:{b}", hhmm(o), hhmm(c))
            }
            Edit::DaysOff(m) => format!("x{m}"),
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
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
        let (tag, rest) = data.split_at(data.char_indices().nth(1)?.0);
        let parts: Vec<&str> = rest.split(':').collect();
        let edit = match (tag, parts.as_slice()) {
            ("d", [m]) => Edit::Days(mask(m)?),
            ("o", [m]) => Edit::Opens(mask(m)?),
            ("c", [m, o]) => Edit::Closes(mask(m)?, time(o)?),
            ("l", [m, o, c]) => {
                let (o, c) = (time(o)?, time(c)?);
                (o < c).then_some(Edit::Lunch(mask(m)?, o, c))?
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
                (o < c).then_some(Edit::Save(mask(m)?, o, c, lunch))?
            }
            ("x", [m]) => Edit::DaysOff(mask(m)?),
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
            Edit::Days(0),
            Edit::Days(ALL_DAYS),
            Edit::Opens(WEEKDAYS),
            Edit::Closes(WEEKDAYS, o),
            Edit::Lunch(WEEKDAYS, o, c),
            Edit::Save(ALL_DAYS, o, c, lunch),
            Edit::Save(1, o, c, None),
            Edit::DaysOff(0b110_0000),
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
        ] {
            assert_eq!(Edit::decode(bad), None, "{bad}");
        }
    }
}
