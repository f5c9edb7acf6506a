//! Courses and partner offers: their file formats, their checks and their
//! validated types.
//!
//! A course (`courses/*.toml`) is a list of lessons and a final test drawn from
//! a question bank: every scored question of its lessons plus questions of its
//! own. Passing it earns a signed certificate (`crate::certificates`). The
//! offers file (`offers.toml`) lists what libraries, local businesses and NGOs
//! give to residents who hold a certificate, each until a date.
//!
//! Pure, like the rest of [`super`]: the files are given as text, the checks
//! return diagnostics.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::Source;
use super::fields::{Id, Localized};
use super::file::LocalizedFile;
use super::load::Checker;
use super::{Dialogue, Kind, Text};

/// The folder of course files, under the content folder.
pub const COURSES_DIR: &str = "courses";
/// The file of partner offers, at the top of the content folder.
pub const OFFERS_FILE: &str = "offers.toml";
/// A final test asks at least this many questions ...
pub const MIN_QUESTIONS: usize = 3;
/// ... and at most this many (one at a time, a resident should finish in one sitting).
pub const MAX_QUESTIONS: usize = 30;
/// A course-only question has at least this many options, like a lesson's.
pub const MIN_OPTIONS: usize = 3;
/// A button holds at most this many options' worth of callback data (`z:a:N:M`).
pub const MAX_OPTIONS: usize = 8;

/// A course file under `courses/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseFile {
    /// The course's name in buttons and certificates' records; unique. Never rename a
    /// course that has certificates: they name it.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// Raise it when the lessons or the test change in substance: a certificate records the
    /// version it was earned on.
    #[schemars(with = "u32")]
    pub version: Spanned<u32>,
    /// The course's name in each language, as printed on the certificate.
    #[schemars(with = "Localized")]
    pub title: LocalizedFile,
    /// One or two sentences on what the course covers, shown in /certificates.
    #[schemars(with = "Localized")]
    pub about: LocalizedFile,
    /// The lessons, by id, in the order a resident should take them. All must be completed
    /// before the final test.
    #[schemars(with = "Vec<Id>")]
    pub lessons: Spanned<Vec<Spanned<String>>>,
    /// How many questions the final test asks, drawn from the bank.
    #[schemars(with = "usize")]
    pub questions: Spanned<usize>,
    /// The share of right answers needed to pass, in percent (for example 80).
    #[schemars(with = "u32")]
    pub pass_percent: Spanned<u32>,
    /// After a failed test, how many hours before the next try.
    #[schemars(with = "u32")]
    pub retake_hours: Spanned<u32>,
    /// Questions of the course's own, added to the bank beside the lessons' questions.
    #[serde(default)]
    #[schemars(with = "Vec<ExtraQuestionFile>")]
    pub extra: Vec<Spanned<ExtraQuestionFile>>,
}

/// A question of the course's own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraQuestionFile {
    /// Unique in the course.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// The lesson (one of the course's) to repeat after a wrong answer.
    #[schemars(with = "Id")]
    pub lesson: Spanned<String>,
    /// The question in each language.
    #[schemars(with = "Localized")]
    pub text: LocalizedFile,
    /// The answers; exactly one has `correct = true`.
    pub options: Vec<ExtraOptionFile>,
}

/// One answer to a course-only question.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraOptionFile {
    /// The answer in each language, as shown on its button.
    #[schemars(with = "Localized")]
    pub text: LocalizedFile,
    /// `true` on the right answer.
    #[serde(default)]
    pub correct: bool,
}

/// `offers.toml`: what partners give to certified residents.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffersFile {
    /// The offers, in the order residents see them.
    #[serde(default)]
    #[schemars(with = "Vec<OfferFile>")]
    pub offers: Vec<Spanned<OfferFile>>,
}

/// One partner's offer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferFile {
    /// Unique among the offers.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// Who offers it (a library, a shop, an NGO), in each language.
    #[schemars(with = "Localized")]
    pub partner: LocalizedFile,
    /// What the resident gets, in each language.
    #[schemars(with = "Localized")]
    pub what: LocalizedFile,
    /// How to claim it (for example "show the certificate's QR code at the counter").
    #[schemars(with = "Localized")]
    pub claim: LocalizedFile,
    /// The last day the offer holds, "YYYY-MM-DD"; it disappears by itself after it.
    #[schemars(with = "String")]
    pub until: Spanned<String>,
    /// The courses whose certificate earns it, by id; empty for any certificate.
    #[serde(default)]
    #[schemars(with = "Vec<Id>")]
    pub courses: Vec<Spanned<String>>,
}

/// A validated course.
#[derive(Debug, Clone)]
pub struct Course {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub about: Text,
    /// Lesson ids, every one a lesson of the script.
    pub lessons: Vec<String>,
    /// The question bank: the lessons' scored questions, then the course's own.
    pub bank: Vec<Question>,
    /// How many questions a test asks; at most the bank's size.
    pub questions: usize,
    pub pass_percent: u32,
    pub retake_hours: u32,
    pub path: PathBuf,
}

/// One question of a course's bank.
#[derive(Debug, Clone)]
pub struct Question {
    /// `lesson.step` for a lesson's question, `course.id` for the course's own: stable
    /// across reloads, so a test in progress finds its questions again.
    pub id: String,
    pub text: Text,
    pub options: Vec<(Text, bool)>,
    /// The lesson to repeat after a wrong answer.
    pub lesson: String,
}

impl Course {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.bank.iter().find(|q| q.id == id)
    }

    /// Whether `right` of `total` passes.
    pub fn passes(&self, right: u32, total: u32) -> bool {
        total > 0 && u64::from(right) * 100 >= u64::from(self.pass_percent) * u64::from(total)
    }
}

/// A validated partner offer.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub partner: Text,
    pub what: Text,
    pub claim: Text,
    /// The last day it holds.
    pub until: jiff::civil::Date,
    /// Course ids; empty for any.
    pub courses: Vec<String>,
}

impl Offer {
    /// Whether the offer is for a holder of these courses' certificates on `today`.
    pub fn applies(&self, today: jiff::civil::Date, held: &[&str]) -> bool {
        today <= self.until
            && !held.is_empty()
            && (self.courses.is_empty() || self.courses.iter().any(|c| held.contains(&c.as_str())))
    }
}

/// The bank's questions of one lesson: every quiz that is not a reflection.
fn lesson_questions(lesson: &Dialogue) -> Vec<Question> {
    lesson
        .steps
        .iter()
        .filter_map(|step| {
            let quiz = step.quiz.as_ref().filter(|q| !q.reflection)?;
            Some(Question {
                id: format!("{}.{}", lesson.id, step.id),
                text: step.text.clone(),
                options: quiz
                    .options
                    .iter()
                    .map(|o| (o.text.clone(), o.correct))
                    .collect(),
                lesson: lesson.id.clone(),
            })
        })
        .collect()
}

impl Checker<'_> {
    /// Checks one course file against the dialogues loaded.
    pub(super) fn course(
        &mut self,
        src: &Source,
        file: &CourseFile,
        dialogues: &HashMap<String, Dialogue>,
    ) -> Option<Course> {
        self.id(src, &file.id, "course id");
        let id = file.id.get_ref().clone();
        let title = self.text(src, &file.title, "title");
        let about = self.text(src, &file.about, "about");
        self.readability(src, &file.about, "about");
        let mut lessons = Vec::new();
        let mut bank = Vec::new();
        if file.lessons.get_ref().is_empty() {
            self.error(
                src,
                file.lessons.span(),
                "a course needs at least one lesson".into(),
            );
        }
        for lesson in file.lessons.get_ref() {
            let name = lesson.get_ref();
            match dialogues.get(name) {
                Some(d) if d.kind == Kind::Lesson => {
                    if lessons.contains(name) {
                        self.error(
                            src,
                            lesson.span(),
                            format!("lesson \"{name}\" is listed twice"),
                        );
                        continue;
                    }
                    lessons.push(name.clone());
                    bank.extend(lesson_questions(d));
                }
                Some(d) => self.error(
                    src,
                    lesson.span(),
                    format!("\"{name}\" is a {}, not a lesson", d.kind.as_str()),
                ),
                None => self.error(src, lesson.span(), format!("no lesson with id \"{name}\"")),
            }
        }
        let mut own_ids = HashSet::new();
        for extra in &file.extra {
            let q = extra.get_ref();
            self.id(src, &q.id, "question id");
            if !own_ids.insert(q.id.get_ref().clone()) {
                self.error(
                    src,
                    q.id.span(),
                    format!("question id \"{}\" is used twice", q.id.get_ref()),
                );
            }
            if !lessons.contains(q.lesson.get_ref()) {
                self.error(
                    src,
                    q.lesson.span(),
                    format!(
                        "\"{}\" is not one of this course's lessons ({})",
                        q.lesson.get_ref(),
                        lessons.join(", ")
                    ),
                );
            }
            let text = self.text(src, &q.text, "question");
            let options: Vec<(Text, bool)> = q
                .options
                .iter()
                .map(|o| (self.label(src, &o.text, "option"), o.correct))
                .collect();
            if options.len() < MIN_OPTIONS || options.len() > MAX_OPTIONS {
                self.error(
                    src,
                    extra.span(),
                    format!(
                        "a question has {} options; give {MIN_OPTIONS} to {MAX_OPTIONS}",
                        options.len()
                    ),
                );
            }
            let right = options.iter().filter(|(_, c)| *c).count();
            if right != 1 {
                self.error(
                    src,
                    extra.span(),
                    format!(
                        "a question has {right} right answers; mark exactly one `correct = true`"
                    ),
                );
            }
            if let Some(same) = bank.iter().find(|b| b.text.0.first() == text.0.first()) {
                self.error(
                    src,
                    q.id.span(),
                    format!(
                        "the bank already has this question ({}); a test would ask it twice",
                        same.id
                    ),
                );
            }
            bank.push(Question {
                id: format!("{id}.{}", q.id.get_ref()),
                text,
                options,
                lesson: q.lesson.get_ref().clone(),
            });
        }
        let questions = *file.questions.get_ref();
        if !(MIN_QUESTIONS..=MAX_QUESTIONS).contains(&questions) {
            self.error(
                src,
                file.questions.span(),
                format!(
                    "a test asks {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, not {questions}"
                ),
            );
        } else if bank.len() < questions {
            self.error(
                src,
                file.questions.span(),
                format!(
                    "the test asks {questions} questions but the bank has {} (the lessons' and `extra`); add questions or ask fewer",
                    bank.len()
                ),
            );
        }
        let pass = *file.pass_percent.get_ref();
        if !(1..=100).contains(&pass) {
            self.error(
                src,
                file.pass_percent.span(),
                format!("pass_percent is 1 to 100, not {pass}"),
            );
        }
        if *file.version.get_ref() == 0 {
            self.error(src, file.version.span(), "version starts at 1".into());
        }
        if *file.retake_hours.get_ref() > 24 * 90 {
            self.error(
                src,
                file.retake_hours.span(),
                "retake_hours is at most 2160 (90 days)".into(),
            );
        }
        Some(Course {
            id,
            version: *file.version.get_ref(),
            title,
            about,
            lessons,
            bank,
            questions,
            pass_percent: pass,
            retake_hours: *file.retake_hours.get_ref(),
            path: src.path.clone(),
        })
    }

    /// Checks the offers file against the courses loaded.
    pub(super) fn offers(
        &mut self,
        src: &Source,
        file: &OffersFile,
        courses: &[Course],
    ) -> Vec<Offer> {
        let mut seen = HashSet::new();
        let mut offers = Vec::new();
        for offer in &file.offers {
            let o = offer.get_ref();
            self.id(src, &o.id, "offer id");
            if !seen.insert(o.id.get_ref().clone()) {
                self.error(
                    src,
                    o.id.span(),
                    format!("offer id \"{}\" is used twice", o.id.get_ref()),
                );
            }
            let partner = self.text(src, &o.partner, "partner");
            let what = self.text(src, &o.what, "what");
            let claim = self.text(src, &o.claim, "claim");
            self.readability(src, &o.what, "what");
            let until = match o.until.get_ref().parse::<jiff::civil::Date>() {
                Ok(d) => d,
                Err(_) => {
                    self.error(
                        src,
                        o.until.span(),
                        format!(
                            "until {:?} is not a date like \"2027-06-30\"",
                            o.until.get_ref()
                        ),
                    );
                    jiff::civil::Date::MIN
                }
            };
            for course in &o.courses {
                if !courses.iter().any(|c| &c.id == course.get_ref()) {
                    self.error(
                        src,
                        course.span(),
                        format!("no course with id \"{}\"", course.get_ref()),
                    );
                }
            }
            offers.push(Offer {
                id: o.id.get_ref().clone(),
                partner,
                what,
                claim,
                until,
                courses: o.courses.iter().map(|c| c.get_ref().clone()).collect(),
            });
        }
        offers
    }
}
