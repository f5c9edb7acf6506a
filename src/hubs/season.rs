//! Summer and winter opening hours: which season a date falls in, and a
//! hub's hours on a date.
//!
//! A hub with a seasonal schedule has two seasons, each starting on a day of
//! the year ("09-01") and lasting until the other one starts, so one of them
//! spans the new year. The seasons apply only when both have a start date
//! (and the two differ); until then the hub's all-year hours are used. A
//! season whose hours are not known gives no hours: the bot says it does not
//! know, never a guess. Pure: the caller passes the date in.

use jiff::civil::Date;

use super::layer::Week;
use crate::script::Hub;

/// One of a hub's two seasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Season {
    Summer,
    Winter,
}

impl Season {
    pub const ALL: [Season; 2] = [Season::Summer, Season::Winter];

    /// Its name in the file (`[hubs.summer]`) and in the store.
    pub fn name(self) -> &'static str {
        match self {
            Season::Summer => "summer",
            Season::Winter => "winter",
        }
    }

    pub fn parse(name: &str) -> Option<Season> {
        Season::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The other season.
    pub fn other(self) -> Season {
        match self {
            Season::Summer => Season::Winter,
            Season::Winter => Season::Summer,
        }
    }
}

/// A day of the year, without the year: where a season starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    pub month: i8,
    pub day: i8,
}

impl MonthDay {
    /// A day that every year has: 29 February is not one (a season starting
    /// on it would not start at all in three years of four).
    pub fn new(month: i8, day: i8) -> Option<MonthDay> {
        ((1..=12).contains(&month) && (1..=days_in(month)).contains(&day))
            .then_some(MonthDay { month, day })
    }

    /// "09-01", as the file writes it.
    pub fn parse(text: &str) -> Option<MonthDay> {
        let (m, d) = text.trim().split_once('-')?;
        if m.len() != 2 || d.len() != 2 {
            return None;
        }
        MonthDay::new(m.parse().ok()?, d.parse().ok()?)
    }

    pub fn of(date: Date) -> MonthDay {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }
}

impl std::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// The days of a month in a year that is not a leap year.
pub fn days_in(month: i8) -> i8 {
    match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A season of a hub: when it starts and its hours (`None`: not known).
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonHours {
    pub from: MonthDay,
    pub hours: Option<Week>,
}

/// A hub's seasons, either or both of which may be missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seasons {
    pub summer: Option<SeasonHours>,
    pub winter: Option<SeasonHours>,
}

impl Seasons {
    pub fn get(&self, season: Season) -> Option<&SeasonHours> {
        match season {
            Season::Summer => self.summer.as_ref(),
            Season::Winter => self.winter.as_ref(),
        }
    }

    pub fn set(&mut self, season: Season, value: Option<SeasonHours>) {
        match season {
            Season::Summer => self.summer = value,
            Season::Winter => self.winter = value,
        }
    }

    /// Whether the seasons decide the hours: both start, on different days.
    pub fn in_effect(&self) -> bool {
        matches!((&self.summer, &self.winter), (Some(s), Some(w)) if s.from != w.from)
    }

    /// Whether either season is given at all.
    pub fn any(&self) -> bool {
        self.summer.is_some() || self.winter.is_some()
    }
}

/// The season a date falls in; `None` when the seasons are not in effect.
/// A season starts on its day (inclusive) and ends the day before the other
/// one starts; the season whose start comes later in the calendar spans the
/// new year.
pub fn season_on(seasons: &Seasons, date: Date) -> Option<Season> {
    if !seasons.in_effect() {
        return None;
    }
    let (summer, winter) = (seasons.summer.as_ref()?.from, seasons.winter.as_ref()?.from);
    let today = MonthDay::of(date);
    let (first, second) = if summer < winter {
        ((summer, Season::Summer), (winter, Season::Winter))
    } else {
        ((winter, Season::Winter), (summer, Season::Summer))
    };
    Some(if first.0 <= today && today < second.0 {
        first.1
    } else {
        second.1
    })
}

/// A hub's opening hours on a date: its season's when the seasons are in
/// effect (`None` when that season's hours are not known), else the all-year ones.
pub fn hours_on(hub: &Hub, date: Date) -> Option<&Week> {
    match season_on(&hub.seasons, date) {
        Some(season) => hub.seasons.get(season)?.hours.as_ref(),
        None => hub.hours.as_ref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn md(month: i8, day: i8) -> MonthDay {
        MonthDay::new(month, day).unwrap()
    }

    fn seasons(summer: Option<MonthDay>, winter: Option<MonthDay>) -> Seasons {
        let season = |from| SeasonHours { from, hours: None };
        Seasons {
            summer: summer.map(season),
            winter: winter.map(season),
        }
    }

    #[test]
    fn a_season_starts_on_its_day_and_ends_the_day_before_the_other() {
        // Summer from 1 June, winter from 1 September (the branches' cards).
        let s = seasons(Some(md(6, 1)), Some(md(9, 1)));
        let on = |y, m, d| season_on(&s, date(y, m, d));
        assert_eq!(on(2026, 5, 31), Some(Season::Winter));
        assert_eq!(on(2026, 6, 1), Some(Season::Summer));
        assert_eq!(on(2026, 8, 31), Some(Season::Summer));
        assert_eq!(on(2026, 9, 1), Some(Season::Winter));
        // Winter spans the new year.
        assert_eq!(on(2026, 12, 31), Some(Season::Winter));
        assert_eq!(on(2027, 1, 1), Some(Season::Winter));
        // A leap day falls where its neighbours do.
        assert_eq!(on(2028, 2, 29), Some(Season::Winter));
    }

    #[test]
    fn the_season_spanning_new_year_may_be_either() {
        // Summer from 15 April to 14 October: winter starts later in the calendar.
        let s = seasons(Some(md(4, 15)), Some(md(10, 15)));
        assert_eq!(season_on(&s, date(2026, 4, 14)), Some(Season::Winter));
        assert_eq!(season_on(&s, date(2026, 4, 15)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2026, 10, 14)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2026, 10, 15)), Some(Season::Winter));
        // Summer from 1 November (the southern way round): summer spans the new year.
        let s = seasons(Some(md(11, 1)), Some(md(3, 1)));
        assert_eq!(season_on(&s, date(2026, 12, 31)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2027, 1, 1)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2027, 2, 28)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2027, 3, 1)), Some(Season::Winter));
        assert_eq!(season_on(&s, date(2027, 10, 31)), Some(Season::Winter));
        // A season starting on 1 January and one on 31 December.
        let s = seasons(Some(md(1, 1)), Some(md(12, 31)));
        assert_eq!(season_on(&s, date(2026, 12, 30)), Some(Season::Summer));
        assert_eq!(season_on(&s, date(2026, 12, 31)), Some(Season::Winter));
        assert_eq!(season_on(&s, date(2027, 1, 1)), Some(Season::Summer));
    }

    #[test]
    fn without_both_start_dates_there_are_no_seasons() {
        let day = date(2026, 7, 1);
        assert_eq!(season_on(&seasons(None, None), day), None);
        assert_eq!(season_on(&seasons(Some(md(6, 1)), None), day), None);
        assert_eq!(season_on(&seasons(None, Some(md(9, 1))), day), None);
        // The same day for both cannot decide anything.
        assert_eq!(
            season_on(&seasons(Some(md(6, 1)), Some(md(6, 1))), day),
            None
        );
    }

    #[test]
    fn days_of_the_year_every_year_has() {
        assert_eq!(MonthDay::parse("09-01"), Some(md(9, 1)));
        assert_eq!(md(9, 1).to_string(), "09-01");
        assert_eq!(MonthDay::parse(" 12-31 "), Some(md(12, 31)));
        for bad in [
            "02-29", "02-30", "04-31", "13-01", "00-10", "9-1", "09/01", "", "09-1x",
        ] {
            assert_eq!(MonthDay::parse(bad), None, "{bad}");
        }
        assert_eq!(MonthDay::new(2, 28), Some(md(2, 28)));
        assert_eq!(MonthDay::new(6, 0), None);
    }

    #[test]
    fn a_hub_has_its_seasons_hours_or_else_its_all_year_ones() {
        let text = |s: &str| crate::script::Text(vec![s.to_string(), s.to_string()]);
        let week = |h: i8| -> Week {
            let mut w: Week = Default::default();
            w[0] = vec![(time(h, 0, 0, 0), time(h + 4, 0, 0, 0))];
            w
        };
        let mut hub = Hub {
            id: "a".into(),
            name: text("A"),
            address: None,
            settlement: text("Лозове"),
            location: None,
            approximate: false,
            phone: None,
            hours: Some(week(8)),
            seasons: Seasons::default(),
            services: Vec::new(),
            verified: true,
            source: "test".into(),
            today: None,
        };
        let july = date(2026, 7, 6);
        let december = date(2026, 12, 7);
        assert_eq!(hours_on(&hub, july), Some(&week(8)));
        // Only winter given: the all-year hours still apply.
        hub.seasons.winter = Some(SeasonHours {
            from: md(9, 1),
            hours: Some(week(9)),
        });
        assert_eq!(hours_on(&hub, december), Some(&week(8)));
        // Summer given too, its hours not known: in summer the bot does not know.
        hub.seasons.summer = Some(SeasonHours {
            from: md(6, 1),
            hours: None,
        });
        assert_eq!(hours_on(&hub, december), Some(&week(9)));
        assert_eq!(hours_on(&hub, july), None);
    }
}
