//! Announcements to many residents, the pure part: who gets one (the
//! audience), when it may go out (quiet hours), and the librarian's draft as
//! it moves through the `/announce` dialogue. The outbox itself (one delivery
//! row per recipient, sent at a steady rate, resumed after a crash) is in
//! `store` and `telegram::outbox`.

use jiff::civil::{DateTime, Time};
use serde::{Deserialize, Serialize};

/// What an announcement is about; residents subscribe per topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Webinars,
    News,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Webinars => "webinars",
            Topic::News => "news",
        }
    }
}

/// Which of a topic's subscribers get an announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Audience {
    All,
    /// Subscribers whose hub (chosen, or the one whose poster brought them) is this one.
    Hub(String),
    /// Subscribers who read the bot in this language.
    Language(String),
    /// Subscribers who completed this lesson.
    Completed(String),
    /// Subscribers who have not completed this lesson.
    NotCompleted(String),
}

/// A librarian's announcement being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub stage: Stage,
    /// The text as Telegram HTML (the librarian's own formatting kept).
    #[serde(default)]
    pub html: String,
    /// A photo's file id; the text is then its caption.
    #[serde(default)]
    pub photo: Option<String>,
    #[serde(default)]
    pub topic: Option<Topic>,
    #[serde(default)]
    pub audience: Option<Audience>,
}

/// Where the draft is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the text (or a photo with a caption).
    Text,
    Topic,
    Audience,
    Hub,
    Language,
    /// Choosing a lesson; `completed` tells which side of it.
    Lesson {
        completed: bool,
    },
    /// Shown as it will be sent, with the number of recipients; send or cancel.
    Preview,
}

/// What a press in the draft asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Show the draft's current stage.
    Show,
    /// Put it in the outbox; `urgent` ignores quiet hours.
    Send {
        urgent: bool,
    },
    Cancel,
    /// Not a press of this draft (an old button): show the current stage again.
    Stale,
}

/// What a librarian is writing, kept between updates beside (not in) the
/// dialogue engine's state: the application layer alone reads and writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drafts {
    /// An announcement being written (`/announce`).
    #[serde(default)]
    pub draft: Option<Draft>,
    /// A webinar being written or moved (`/webinar`).
    #[serde(default)]
    pub webinar_draft: Option<WebinarDraft>,
    /// What a librarian's next message is for on a hub's card (`/myhub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<crate::hubs::edit::Awaiting>,
    /// A course's final test in progress, or the name for its certificate
    /// (anyone's, not only a librarian's: the application layer keeps it here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam: Option<crate::certificates::exam::Exam>,
}

impl Drafts {
    pub fn is_empty(&self) -> bool {
        self.draft.is_none()
            && self.webinar_draft.is_none()
            && self.hub.is_none()
            && self.exam.is_none()
    }
}

/// Callback data of the draft's buttons start with this.
pub const PREFIX: &str = "b:";

impl Draft {
    pub fn new() -> Draft {
        Draft {
            stage: Stage::Text,
            html: String::new(),
            photo: None,
            topic: None,
            audience: None,
        }
    }

    /// The text (or photo) arrived.
    pub fn text(&mut self, html: String, photo: Option<String>) -> Step {
        if self.stage != Stage::Text || (html.trim().is_empty() && photo.is_none()) {
            return Step::Stale;
        }
        self.html = html;
        self.photo = photo;
        self.stage = Stage::Topic;
        Step::Show
    }

    /// A button of the draft was pressed (`b:...`). Ids are checked by the
    /// adapter against the content (a hub, a language, a lesson that exists).
    pub fn press(&mut self, data: &str) -> Step {
        let Some(rest) = data.strip_prefix(PREFIX) else {
            return Step::Stale;
        };
        let (what, arg) = rest.split_once(':').unwrap_or((rest, ""));
        match (self.stage, what) {
            (_, "cancel") => return Step::Cancel,
            (Stage::Topic, "t") => {
                self.topic = match arg {
                    "webinars" => Some(Topic::Webinars),
                    "news" => Some(Topic::News),
                    _ => return Step::Stale,
                };
                self.stage = Stage::Audience;
            }
            (Stage::Audience, "a") => match arg {
                "all" => self.choose(Audience::All),
                "hub" => self.stage = Stage::Hub,
                "lang" => self.stage = Stage::Language,
                "done" => self.stage = Stage::Lesson { completed: true },
                "notdone" => self.stage = Stage::Lesson { completed: false },
                _ => return Step::Stale,
            },
            (Stage::Hub, "h") if !arg.is_empty() => self.choose(Audience::Hub(arg.to_string())),
            (Stage::Language, "l") if !arg.is_empty() => {
                self.choose(Audience::Language(arg.to_string()))
            }
            (Stage::Lesson { completed }, "d") if !arg.is_empty() => {
                let lesson = arg.to_string();
                self.choose(if completed {
                    Audience::Completed(lesson)
                } else {
                    Audience::NotCompleted(lesson)
                })
            }
            (Stage::Preview, "send") => return Step::Send { urgent: false },
            (Stage::Preview, "urgent") => return Step::Send { urgent: true },
            _ => return Step::Stale,
        }
        Step::Show
    }

    fn choose(&mut self, audience: Audience) {
        self.audience = Some(audience);
        self.stage = Stage::Preview;
    }
}

impl Default for Draft {
    fn default() -> Draft {
        Draft::new()
    }
}

/// Whether a local time falls in the quiet hours `(from, to)`; they may cross midnight.
pub fn is_quiet(t: Time, quiet: Option<(Time, Time)>) -> bool {
    match quiet {
        None => false,
        Some((from, to)) if from <= to => from <= t && t < to,
        Some((from, to)) => t >= from || t < to,
    }
}

/// When an announcement made at local time `now` may start: at once, or
/// when the quiet hours end.
pub fn not_before(now: DateTime, quiet: Option<(Time, Time)>) -> DateTime {
    let Some((from, to)) = quiet else {
        return now;
    };
    if !is_quiet(now.time(), quiet) {
        return now;
    }
    let today_end = now.date().to_datetime(to);
    // Crossing midnight, an evening moment ends tomorrow morning.
    if from > to && now.time() >= from {
        now.date()
            .tomorrow()
            .map(|d| d.to_datetime(to))
            .unwrap_or(today_end)
    } else {
        today_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    const QUIET: Option<(Time, Time)> = Some((time(21, 0, 0, 0), time(9, 0, 0, 0)));

    #[test]
    fn quiet_hours_hold_until_the_morning() {
        let day = date(2026, 11, 27);
        // Daytime: at once.
        assert_eq!(not_before(day.at(12, 0, 0, 0), QUIET), day.at(12, 0, 0, 0));
        // Evening: tomorrow at nine.
        assert_eq!(
            not_before(day.at(22, 30, 0, 0), QUIET),
            date(2026, 11, 28).at(9, 0, 0, 0)
        );
        // Night after midnight: this morning at nine.
        assert_eq!(not_before(day.at(3, 0, 0, 0), QUIET), day.at(9, 0, 0, 0));
        // The edges: 21:00 is quiet, 09:00 is not.
        assert!(is_quiet(time(21, 0, 0, 0), QUIET));
        assert!(!is_quiet(time(9, 0, 0, 0), QUIET));
        assert!(!is_quiet(time(3, 0, 0, 0), None));
        // Quiet hours within one day.
        let lunch = Some((time(13, 0, 0, 0), time(14, 0, 0, 0)));
        assert_eq!(not_before(day.at(13, 30, 0, 0), lunch), day.at(14, 0, 0, 0));
    }

    #[test]
    fn a_draft_goes_through_its_stages() {
        let mut d = Draft::new();
        assert_eq!(d.press("b:t:news"), Step::Stale, "no topic before the text");
        assert_eq!(
            d.text("  ".into(), None),
            Step::Stale,
            "an empty text is refused"
        );
        assert_eq!(d.text("<b>Вебінар</b> у четвер".into(), None), Step::Show);
        assert_eq!(d.stage, Stage::Topic);
        assert_eq!(d.press("b:t:coffee"), Step::Stale);
        assert_eq!(d.press("b:t:webinars"), Step::Show);
        assert_eq!(d.press("b:a:done"), Step::Show);
        assert_eq!(d.stage, Stage::Lesson { completed: true });
        assert_eq!(d.press("b:d:phishing"), Step::Show);
        assert_eq!(d.audience, Some(Audience::Completed("phishing".into())));
        assert_eq!(d.stage, Stage::Preview);
        assert_eq!(d.press("b:t:news"), Step::Stale, "an old button");
        assert_eq!(d.press("b:urgent"), Step::Send { urgent: true });
        assert_eq!(d.press("b:cancel"), Step::Cancel);
    }

    #[test]
    fn the_audience_is_stored_as_readable_json() {
        let json = serde_json::to_string(&Audience::Hub("branch_7".into())).expect("json");
        assert_eq!(json, r#"{"kind":"hub","id":"branch_7"}"#);
        assert_eq!(
            serde_json::to_string(&Audience::All).expect("json"),
            r#"{"kind":"all"}"#
        );
    }
}

/// Where a webinar takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "at")]
pub enum Place {
    /// At a library hub, by id.
    Hub(String),
    /// Online, at this https link.
    Online(String),
}

impl Place {
    /// As stored: a hub id, or the link.
    pub fn encode(&self) -> String {
        match self {
            Place::Hub(id) => id.clone(),
            Place::Online(link) => link.clone(),
        }
    }

    pub fn decode(stored: &str) -> Place {
        if stored.starts_with("https://") {
            Place::Online(stored.to_string())
        } else {
            Place::Hub(stored.to_string())
        }
    }
}

/// A librarian's webinar being written (`/webinar`), or a new time for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebinarDraft {
    pub stage: WebinarStage,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Local (Kyiv) date and time.
    #[serde(default)]
    pub starts: Option<DateTime>,
    #[serde(default)]
    pub place: Option<Place>,
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Moving this webinar: only a new time is asked.
    #[serde(default)]
    pub moving: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebinarStage {
    Title,
    Description,
    When,
    Place,
    Link,
    Capacity,
    Preview,
}

impl WebinarDraft {
    pub fn new() -> WebinarDraft {
        WebinarDraft {
            stage: WebinarStage::Title,
            title: String::new(),
            description: String::new(),
            starts: None,
            place: None,
            capacity: None,
            moving: None,
        }
    }

    /// A new time for an existing webinar.
    pub fn moving(id: i64) -> WebinarDraft {
        WebinarDraft {
            stage: WebinarStage::When,
            moving: Some(id),
            ..WebinarDraft::new()
        }
    }

    /// Text typed at the current stage; `false` when it does not fit (the
    /// stage is asked again). `now` is local time, for "in the future".
    pub fn text(&mut self, text: &str, now: DateTime) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return false;
        }
        match self.stage {
            WebinarStage::Title => {
                self.title = text.chars().take(200).collect();
                self.stage = WebinarStage::Description;
            }
            WebinarStage::Description => {
                self.description = text.chars().take(2000).collect();
                self.stage = WebinarStage::When;
            }
            WebinarStage::When => match parse_when(text, now) {
                Some(when) => {
                    self.starts = Some(when);
                    self.stage = if self.moving.is_some() {
                        WebinarStage::Preview
                    } else {
                        WebinarStage::Place
                    };
                }
                None => return false,
            },
            WebinarStage::Link => match url::Url::parse(text) {
                Ok(u) if u.scheme() == "https" && u.host().is_some() => {
                    self.place = Some(Place::Online(u.to_string()));
                    self.stage = WebinarStage::Capacity;
                }
                _ => return false,
            },
            WebinarStage::Capacity => match text.parse::<u32>() {
                Ok(n) if n > 0 => {
                    self.capacity = Some(n);
                    self.stage = WebinarStage::Preview;
                }
                _ => return false,
            },
            WebinarStage::Place | WebinarStage::Preview => return false,
        }
        true
    }

    /// A press: `place:<hub>`, `online`, `nolimit`; `false` if it does not fit the stage.
    pub fn press(&mut self, what: &str) -> bool {
        match (self.stage, what) {
            (WebinarStage::Place, "online") => self.stage = WebinarStage::Link,
            (WebinarStage::Place, hub) if hub.starts_with("place:") => {
                self.place = Some(Place::Hub(hub["place:".len()..].to_string()));
                self.stage = WebinarStage::Capacity;
            }
            (WebinarStage::Capacity, "nolimit") => {
                self.capacity = None;
                self.stage = WebinarStage::Preview;
            }
            _ => return false,
        }
        true
    }
}

impl Default for WebinarDraft {
    fn default() -> WebinarDraft {
        WebinarDraft::new()
    }
}

/// "28.11.2026 15:00", "28.11 15:00" or "28.11.2026 о 15:00" (local time),
/// if it is in the future; a date without a year is this year's, or next
/// year's if that day has passed.
pub fn parse_when(text: &str, now: DateTime) -> Option<DateTime> {
    let cleaned = text.replace(" о ", " ").replace(" at ", " ");
    let mut parts = cleaned.split_whitespace();
    let date = parts.next()?;
    let clock = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let mut d = date.split(['.', '/']);
    let day: i8 = d.next()?.parse().ok()?;
    let month: i8 = d.next()?.parse().ok()?;
    let year: Option<i16> = match d.next() {
        Some(y) => Some(y.parse().ok()?),
        None => None,
    };
    let (h, m) = clock.split_once([':', '.'])?;
    let time = Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()?;
    let at = |y: i16| {
        jiff::civil::Date::new(y, month, day)
            .ok()
            .map(|d| d.to_datetime(time))
    };
    let when = match year {
        Some(y) => at(y)?,
        None => {
            let this = at(now.year())?;
            if this > now {
                this
            } else {
                at(now.year() + 1)?
            }
        }
    };
    (when > now).then_some(when)
}

#[cfg(test)]
mod webinar_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_are_read_as_librarians_write_them() {
        let now = date(2026, 11, 27).at(10, 0, 0, 0);
        let at = |t: &str| parse_when(t, now);
        assert_eq!(
            at("28.11.2026 15:00"),
            Some(date(2026, 11, 28).at(15, 0, 0, 0))
        );
        assert_eq!(
            at("28.11 о 15:00"),
            Some(date(2026, 11, 28).at(15, 0, 0, 0))
        );
        assert_eq!(at("2.12 9.30"), Some(date(2026, 12, 2).at(9, 30, 0, 0)));
        // A day that has passed this year is next year's.
        assert_eq!(at("20.01 12:00"), Some(date(2027, 1, 20).at(12, 0, 0, 0)));
        // The past, nonsense, impossible dates.
        assert_eq!(at("26.11.2026 15:00"), None);
        assert_eq!(at("завтра"), None);
        assert_eq!(at("31.02 10:00"), None);
        assert_eq!(at("28.11 25:00"), None);
    }

    #[test]
    fn a_webinar_draft_asks_one_thing_at_a_time() {
        let now = date(2026, 11, 27).at(10, 0, 0, 0);
        let mut d = WebinarDraft::new();
        assert!(d.text("Шахраї в месенджерах", now));
        assert!(d.text("Як розпізнати підробку", now));
        assert!(!d.text("колись", now));
        assert_eq!(d.stage, WebinarStage::When);
        assert!(d.text("03.12 15:00", now));
        assert!(!d.press("nolimit"), "not yet");
        assert!(d.press("online"));
        assert!(!d.text("http://insecure.example", now));
        assert!(d.text("https://meet.example/abc", now));
        assert!(!d.text("0", now));
        assert!(d.text("25", now));
        assert_eq!(d.stage, WebinarStage::Preview);
        assert_eq!(d.capacity, Some(25));
        assert_eq!(
            d.place,
            Some(Place::Online("https://meet.example/abc".into()))
        );
        let mut m = WebinarDraft::moving(4);
        assert!(m.text("04.12 11:00", now));
        assert_eq!(m.stage, WebinarStage::Preview);
    }
}
