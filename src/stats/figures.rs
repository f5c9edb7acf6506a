//! The usage report's figures as plain data, and the arithmetic on them that
//! needs no database: percentages, lesson funnels in the content's step order
//! with the step where most leave, report windows and week boundaries in the
//! community's time zone. The queries that fill them are in `store/stats.rs`.
//! Pure: no I/O, no clock.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::Serialize;

use crate::script::Script;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// How many unanswered questions the report lists.
pub const TOP_UNANSWERED: usize = 20;
/// How many weeks [`Stats::weekly`] has, the current one included.
pub const WEEKS: usize = 12;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub window: Window,
    pub residents: ResidentCounts,
    /// Residents by chosen language, most first.
    pub languages: Vec<LanguageCount>,
    /// Per lesson, most started first, each with its steps (all time).
    pub lessons: Vec<LessonFunnel>,
    /// Per dialogue with quiz questions, most answers first.
    pub quizzes: Vec<QuizAccuracy>,
    /// Every quiz question answered at least once (all time), the largest
    /// share of wrong first answers first, then the most first answers.
    pub confusing: Vec<ConfusingQuestion>,
    /// Questions typed for the FAQ in the window.
    pub questions: QuestionCounts,
    /// FAQ entries that answered a question in the window (at once or chosen
    /// from the choices offered), most often first, with their votes.
    pub faq: Vec<FaqEntryCount>,
    /// The FAQ's misses in the window: most asked first, then newest first.
    pub unanswered: Vec<UnansweredQuestion>,
    /// Residents per referring hub, most first.
    pub hubs: Vec<HubCount>,
    pub tickets: TicketCounts,
    /// Announcements created in the window and how their deliveries ended.
    pub announcements: Announcements,
    /// Webinars starting in the window or later, soonest first.
    pub webinars: Vec<WebinarFigures>,
    /// The last [`WEEKS`] weeks, oldest first, the current (unfinished) week
    /// last; weeks without any activity are there with zeros. A week starts on
    /// Monday 00:00 in [`Window::time_zone`] (Europe/Kyiv by default), so a
    /// week across a daylight-saving change is an hour shorter or longer.
    pub weekly: Vec<Week>,
    /// Final tests and certificates per course, certificates per hub (all time).
    pub certificates: CertificateCounts,
}

/// Final tests and certificates (all time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateCounts {
    /// Per course, by id.
    pub courses: Vec<CourseCount>,
    /// Valid certificates per hub that brought their holder (`""`: none), most first.
    pub hubs: Vec<HubCertificates>,
    /// Certificates revoked.
    pub revoked: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseCount {
    pub course: String,
    /// Final tests finished, passed or not.
    pub tests: i64,
    pub passed: i64,
    /// Valid (not revoked) certificates.
    pub certificates: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubCertificates {
    pub hub: String,
    pub certificates: i64,
}

/// The time the report is for and its window, in Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub now: i64,
    /// The days the window spans: `--days N`, or with `--since` the local
    /// days from that date to today, both counted.
    pub days: u32,
    /// "In the window" means at or after this.
    pub since: i64,
    /// The local date the window starts on at midnight, when it was given as a
    /// date (`--since`); `None` for the last `days` days.
    pub since_date: Option<Date>,
    /// The community's time zone: `since_date` and the weeks are reckoned in
    /// it. Written as its IANA name.
    #[serde(serialize_with = "zone_name")]
    pub time_zone: TimeZone,
}

/// Why a window cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error("{date} is in the future (today is {today} in {zone}); give today or an earlier date")]
    Future {
        date: Date,
        today: Date,
        zone: String,
    },
    #[error("no window can start on {date}: {source}")]
    Time { date: Date, source: jiff::Error },
    #[error("{now} is not a time the report can be made for: {source}")]
    Now { now: i64, source: jiff::Error },
}

impl Window {
    /// The last `days` days up to `now` (Unix seconds).
    pub fn last_days(now: i64, days: u32, time_zone: TimeZone) -> Window {
        Window {
            now,
            days,
            since: now - i64::from(days) * DAY,
            since_date: None,
            time_zone,
        }
    }

    /// From midnight of `date` in `time_zone` up to `now`. A date after
    /// today (in that zone) is refused.
    pub fn since_date(now: i64, date: Date, time_zone: TimeZone) -> Result<Window, WindowError> {
        let today = Timestamp::from_second(now)
            .map_err(|source| WindowError::Now { now, source })?
            .to_zoned(time_zone.clone())
            .date();
        if date > today {
            return Err(WindowError::Future {
                date,
                today,
                zone: zone_label(&time_zone),
            });
        }
        let since = date
            .to_zoned(time_zone.clone())
            .map_err(|source| WindowError::Time { date, source })?
            .timestamp()
            .as_second();
        let days = date
            .until(today)
            .map_err(|source| WindowError::Time { date, source })?
            .get_days();
        Ok(Window {
            now,
            days: u32::try_from(days + 1).unwrap_or(u32::MAX),
            since,
            since_date: Some(date),
            time_zone,
        })
    }
}

/// A time zone's IANA name, for people and for the JSON report.
pub fn zone_label(tz: &TimeZone) -> String {
    tz.iana_name().unwrap_or("a fixed offset").to_string()
}

fn zone_name<S: serde::Serializer>(tz: &TimeZone, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&zone_label(tz))
}

/// The order of each lesson's steps, which only the content knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LessonOrder {
    /// Lesson id → its step ids in file order; `None` when the content could
    /// not be loaded.
    lessons: Option<HashMap<String, Vec<String>>>,
}

impl LessonOrder {
    /// Every lesson of the content, its steps in file order.
    pub fn from_script(script: &Script) -> LessonOrder {
        LessonOrder::new(
            script
                .lessons()
                .map(|d| (d.id.clone(), d.steps.iter().map(|s| s.id.clone()).collect())),
        )
    }

    /// Lesson ids with their step ids in order.
    pub fn new(lessons: impl IntoIterator<Item = (String, Vec<String>)>) -> LessonOrder {
        LessonOrder {
            lessons: Some(lessons.into_iter().collect()),
        }
    }

    /// The content could not be loaded: every lesson's steps go by the number
    /// of residents who reached them, most first.
    pub fn unknown() -> LessonOrder {
        LessonOrder { lessons: None }
    }

    /// Whether the content was loaded.
    pub fn is_known(&self) -> bool {
        self.lessons.is_some()
    }
}

/// How a lesson's steps are ordered in its [`LessonFunnel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOrder {
    /// As in the lesson's file (steps no longer in the file, by residents reached, after them).
    File,
    /// By residents reached, most first: the content could not be loaded.
    ReachedNoContent,
    /// By residents reached, most first: the lesson is not in the content any more.
    ReachedNotInContent,
}

impl StepOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            StepOrder::File => "file",
            StepOrder::ReachedNoContent => "reached_no_content",
            StepOrder::ReachedNotInContent => "reached_not_in_content",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResidentCounts {
    pub total: i64,
    /// Last seen in the window.
    pub active: i64,
    /// Telegram said they blocked the bot.
    pub blocked: i64,
    /// First seen in the window.
    pub new: i64,
    /// Whatever the window: first seen in the last 7 days, last seen in the
    /// last 7 and 30 days (the figures the municipality reports).
    pub new_7d: i64,
    pub active_7d: i64,
    pub active_30d: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageCount {
    /// `None` for residents who have not chosen a language yet.
    pub lang: Option<String>,
    pub residents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LessonFunnel {
    pub lesson: String,
    /// Residents who opened the lesson.
    pub started: i64,
    /// Residents who finished it at least once.
    pub completed: i64,
    /// `completed / started` in percent, one decimal.
    pub completion_pct: Option<f64>,
    /// The mean of `correct / answered` over completed runs with questions,
    /// in percent, one decimal; `None` when there are none.
    pub avg_score_pct: Option<f64>,
    /// How `steps` are ordered.
    pub step_order: StepOrder,
    /// Each step with the residents who ever reached it.
    pub steps: Vec<StepReach>,
    /// The step with the largest drop to the next one (the last step's
    /// "next" is completing the lesson), the first of equal drops; `None`
    /// when no step loses anyone.
    pub most_left: Option<MostLeft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReach {
    pub step: String,
    /// Distinct residents who ever reached the step.
    pub reached: i64,
    /// `reached` minus the next step's (for the last step, minus
    /// `completed`); negative where residents reach the next step by
    /// another path.
    pub left: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MostLeft {
    pub step: String,
    /// Its [`StepReach::left`].
    pub left: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuizAccuracy {
    pub dialogue: String,
    /// Every press of a quiz option.
    pub answers: i64,
    /// Answers that were a resident's first try at the question.
    pub first_try: i64,
    /// First tries that were right.
    pub first_try_correct: i64,
    /// `first_try_correct / first_try` in percent, one decimal.
    pub first_try_correct_pct: Option<f64>,
}

/// One quiz question and how often residents got it wrong at first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusingQuestion {
    pub dialogue: String,
    /// The question's step id.
    pub step: String,
    /// Answers that were a resident's first try at the question (every run of
    /// a lesson has its own first try).
    pub first_answers: i64,
    /// First answers that were wrong.
    pub wrong: i64,
    /// `wrong / first_answers` in percent, one decimal.
    pub wrong_pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuestionCounts {
    pub asked: i64,
    /// The FAQ answered at once.
    pub answered: i64,
    /// The FAQ offered close questions.
    pub choices: i64,
    /// The FAQ found nothing.
    pub nothing: i64,
    /// 👍 votes.
    pub helpful: i64,
    /// 👎 votes.
    pub unhelpful: i64,
}

/// An FAQ entry's use in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaqEntryCount {
    pub entry: String,
    /// Questions it answered at once or was chosen for.
    pub answered: i64,
    /// 👍 votes under it.
    pub helpful: i64,
    /// 👎 votes under it.
    pub unhelpful: i64,
}

/// A question the FAQ could not answer (found nothing, or its answer got 👎).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnansweredQuestion {
    /// The question trimmed and in lower case; equal texts are counted together.
    pub text: String,
    pub count: i64,
    /// When it was last asked, Unix seconds.
    pub last_asked_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubCount {
    pub hub: String,
    /// Residents whose first poster was this hub's.
    pub residents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TicketCounts {
    /// Opened in the window.
    pub opened: i64,
    /// Closed in the window.
    pub closed: i64,
    /// Open now, however old.
    pub open_now: i64,
}

/// How deliveries stand: one row per recipient, each `pending` until it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounts {
    pub sent: i64,
    /// The resident had blocked the bot.
    pub blocked: i64,
    /// The chat is gone or refuses such messages.
    pub skipped: i64,
    /// Given up after retries.
    pub failed: i64,
    /// Not sent yet (quiet hours, retries, or still going).
    pub pending: i64,
}

impl DeliveryCounts {
    pub(crate) fn add(&mut self, other: &DeliveryCounts) {
        self.sent += other.sent;
        self.blocked += other.blocked;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.pending += other.pending;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcements {
    /// Broadcasts created in the window.
    pub broadcasts: i64,
    /// Their deliveries, summed.
    pub deliveries: DeliveryCounts,
    /// Each of them, oldest first.
    pub list: Vec<BroadcastFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastFigures {
    pub id: i64,
    /// `webinars` or `news`.
    pub topic: String,
    /// Unix seconds.
    pub created_at: i64,
    pub deliveries: DeliveryCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebinarFigures {
    pub id: i64,
    /// As the librarian wrote it.
    pub title: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub cancelled: bool,
    /// `None`: no limit.
    pub capacity: Option<i64>,
    /// Residents signed up now.
    pub signups: i64,
}

/// One week of [`Stats::weekly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    /// Monday 00:00 in the community's time zone, Unix seconds.
    pub start: i64,
    /// Distinct residents with any event in the week.
    pub active: i64,
    /// `lesson_completed` events in the week (a resident can complete several
    /// lessons, or one lesson again).
    pub completions: i64,
}

/// `part / whole` in percent with one decimal; `None` when `whole` is 0.
pub(crate) fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Orders a lesson's steps and finds where most residents leave.
pub(crate) fn funnel(
    order: &LessonOrder,
    lesson: &str,
    mut reached: HashMap<String, i64>,
    completed: i64,
) -> (StepOrder, Vec<StepReach>, Option<MostLeft>) {
    let (step_order, mut ordered): (StepOrder, Vec<(String, i64)>) = match &order.lessons {
        None => (StepOrder::ReachedNoContent, Vec::new()),
        Some(lessons) => match lessons.get(lesson) {
            None => (StepOrder::ReachedNotInContent, Vec::new()),
            Some(steps) => (
                StepOrder::File,
                steps
                    .iter()
                    .map(|s| (s.clone(), reached.remove(s).unwrap_or(0)))
                    .collect(),
            ),
        },
    };
    // Steps the file does not have (or every step, without a file): most reached first.
    let mut rest: Vec<(String, i64)> = reached.into_iter().collect();
    rest.sort_by(|(sa, a), (sb, b)| b.cmp(a).then(sa.cmp(sb)));
    ordered.extend(rest);
    let steps: Vec<StepReach> = ordered
        .iter()
        .enumerate()
        .map(|(i, (step, n))| {
            let next = ordered.get(i + 1).map_or(completed, |(_, m)| *m);
            StepReach {
                step: step.clone(),
                reached: *n,
                left: n - next,
            }
        })
        .collect();
    let mut most: Option<&StepReach> = None;
    for s in &steps {
        if s.left > most.map_or(0, |m| m.left) {
            most = Some(s);
        }
    }
    let most_left = most.map(|s| MostLeft {
        step: s.step.clone(),
        left: s.left,
    });
    (step_order, steps, most_left)
}

/// The starts of the last [`WEEKS`] weeks up to `now` and of the week after
/// them ([`WEEKS`] + 1 values, Monday 00:00 in `tz`); empty only for a `now`
/// outside the years jiff can represent.
pub(crate) fn week_starts(now: i64, tz: &TimeZone) -> Vec<i64> {
    let starts = || -> Result<Vec<i64>, jiff::Error> {
        let today = Timestamp::from_second(now)?.to_zoned(tz.clone()).date();
        let back = i64::from(today.weekday().to_monday_zero_offset());
        let monday = today.checked_sub(Span::new().days(back))?;
        let first = -(WEEKS as i64 - 1);
        (first..=1)
            .map(|w| {
                let day = monday.checked_add(Span::new().weeks(w))?;
                Ok(day.to_zoned(tz.clone())?.timestamp().as_second())
            })
            .collect()
    };
    starts().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_decimal_and_never_divide_by_zero() {
        assert_eq!(pct(2, 3), Some(66.7));
        assert_eq!(pct(1, 3), Some(33.3));
        assert_eq!(pct(0, 5), Some(0.0));
        assert_eq!(pct(0, 0), None);
    }

    fn reached(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    }

    fn step(step: &str, reached: i64, left: i64) -> StepReach {
        StepReach {
            step: step.into(),
            reached,
            left,
        }
    }

    #[test]
    fn a_funnel_follows_the_file_and_finds_the_largest_drop() {
        let order = LessonOrder::new([(
            "l".to_string(),
            vec!["a".into(), "b".into(), "c".into(), "end".into()],
        )]);
        let (how, steps, most) = funnel(
            &order,
            "l",
            reached(&[("a", 5), ("b", 4), ("c", 1), ("end", 1), ("gone", 2)]),
            1,
        );
        assert_eq!(how, StepOrder::File);
        assert_eq!(
            steps,
            vec![
                step("a", 5, 1),
                step("b", 4, 3),
                step("c", 1, 0),
                // A step no longer in the file comes after the file's.
                step("end", 1, -1),
                step("gone", 2, 1),
            ]
        );
        assert_eq!(
            most,
            Some(MostLeft {
                step: "b".into(),
                left: 3
            })
        );
    }

    #[test]
    fn without_the_content_steps_go_by_residents_reached() {
        let counts = reached(&[("x", 2), ("a", 3), ("b", 2)]);
        let (how, steps, most) = funnel(&LessonOrder::unknown(), "l", counts.clone(), 2);
        assert_eq!(how, StepOrder::ReachedNoContent);
        assert_eq!(
            steps,
            vec![step("a", 3, 1), step("b", 2, 0), step("x", 2, 0)]
        );
        assert_eq!(most.map(|m| (m.step, m.left)), Some(("a".into(), 1)));
        let other = LessonOrder::new([("m".to_string(), vec!["a".to_string()])]);
        let (how, _, _) = funnel(&other, "l", counts, 2);
        assert_eq!(how, StepOrder::ReachedNotInContent);
        // Nobody left anywhere: no step to name.
        let (_, _, most) = funnel(&other, "m", reached(&[("a", 2)]), 2);
        assert_eq!(most, None);
    }

    #[test]
    fn a_window_since_a_date_starts_at_its_local_midnight() {
        let kyiv = TimeZone::get("Europe/Kyiv").expect("zone");
        // Friday 2026-11-27 01:30 in Kyiv is still Thursday in UTC.
        let now = 1_795_735_800;
        let w = Window::since_date(now, jiff::civil::date(2026, 11, 20), kyiv.clone())
            .expect("a past date");
        // 2026-11-20 00:00 +02:00.
        assert_eq!(w.since, 1_795_125_600);
        assert_eq!(w.days, 8);
        assert_eq!(w.since_date, Some(jiff::civil::date(2026, 11, 20)));
        let today =
            Window::since_date(now, jiff::civil::date(2026, 11, 27), kyiv.clone()).expect("today");
        assert_eq!((today.since, today.days), (now - 5_400, 1));
        let e = Window::since_date(now, jiff::civil::date(2026, 11, 28), kyiv.clone())
            .expect_err("tomorrow");
        assert!(e.to_string().contains("in the future"), "{e}");
        let w = Window::last_days(now, 7, kyiv);
        assert_eq!((w.since, w.days, w.since_date), (now - 7 * DAY, 7, None));
    }

    #[test]
    fn weeks_start_on_kyiv_mondays_across_daylight_saving() {
        let kyiv = TimeZone::get("Europe/Kyiv").expect("zone");
        // Wednesday 2026-11-04 12:00 in Kyiv (EET, +02).
        let now = jiff::civil::date(2026, 11, 4)
            .at(12, 0, 0, 0)
            .to_zoned(kyiv.clone())
            .expect("time")
            .timestamp()
            .as_second();
        let starts = week_starts(now, &kyiv);
        assert_eq!(starts.len(), WEEKS + 1);
        // The current week: Monday 2026-11-02 00:00 +02 = 2026-11-01 22:00 UTC.
        assert_eq!(starts[WEEKS - 1], 1_793_570_400);
        // The week of the change (Sunday 2026-10-25, +03 to +02) is an hour longer.
        assert_eq!(starts[WEEKS - 2] - starts[WEEKS - 3], 7 * DAY + 3_600);
        assert_eq!(starts[WEEKS - 1] - starts[WEEKS - 2], 7 * DAY);
        assert_eq!(starts[WEEKS] - starts[WEEKS - 1], 7 * DAY);
        // Monday 2026-08-17 00:00 +03, eleven weeks before.
        assert_eq!(starts[0], 1_786_914_000);
    }
}
