//! A course's final test in progress, and the name to print: pure data the
//! application layer keeps beside the resident's state (`Drafts::exam`).
//!
//! The fair-quiz rules of lessons hold: one question at a time, no time limit,
//! each resident their own order of options (from their seed, the same every
//! time they see the question), scored by the option, never by its place.

use serde::{Deserialize, Serialize};

use crate::engine::shuffle;
use crate::script::courses::Course;

/// The longest printed name, in characters (it must fit one line of the A4 page).
pub const MAX_NAME_CHARS: usize = 60;

/// A test being taken, or passed and waiting for the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exam {
    pub course: String,
    pub version: u32,
    /// The questions' ids, in the order asked.
    pub questions: Vec<String>,
    /// Whether each answer so far was right, in order.
    #[serde(default)]
    pub answers: Vec<bool>,
    #[serde(default)]
    pub stage: Stage,
}

/// Where a test stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Questions are being asked.
    #[default]
    Asking,
    /// Passed: the name to print is asked for; `typed` waits for a yes.
    /// `listening`: the next typed text is the name (another command turns it off).
    Name {
        typed: Option<String>,
        #[serde(default)]
        listening: bool,
    },
}

impl Exam {
    /// A new test of `course`, its questions drawn with `draw` (a random number
    /// the application layer takes once per test).
    pub fn new(course: &Course, draw: u64) -> Exam {
        let ids: Vec<&str> = course.bank.iter().map(|q| q.id.as_str()).collect();
        let order = shuffle::order(draw, &course.id, "draw", ids.len());
        Exam {
            course: course.id.clone(),
            version: course.version,
            questions: order
                .into_iter()
                .take(course.questions)
                .map(|i| ids[i].to_string())
                .collect(),
            answers: Vec::new(),
            stage: Stage::Asking,
        }
    }

    /// The question asked now (its place and id), if any is left.
    pub fn current(&self) -> Option<(usize, &str)> {
        let at = self.answers.len();
        self.questions.get(at).map(|q| (at, q.as_str()))
    }

    pub fn right(&self) -> u32 {
        self.answers.iter().filter(|r| **r).count() as u32
    }

    pub fn total(&self) -> u32 {
        self.questions.len() as u32
    }

    /// The lessons to repeat: those of wrongly answered questions, in the course's order.
    pub fn to_repeat<'c>(&self, course: &'c Course) -> Vec<&'c str> {
        let missed: Vec<&str> = self
            .questions
            .iter()
            .zip(&self.answers)
            .filter(|(_, right)| !**right)
            .filter_map(|(q, _)| course.question(q).map(|q| q.lesson.as_str()))
            .collect();
        course
            .lessons
            .iter()
            .map(String::as_str)
            .filter(|l| missed.contains(l))
            .collect()
    }
}

/// The order in which one person sees a question's options.
pub fn option_order(seed: u64, course: &str, question: &str, n: usize) -> Vec<usize> {
    shuffle::order(seed, course, question, n)
}

/// Why a typed name is not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    /// Digits, emoji or other signs that are not part of a name.
    Signs,
}

/// A typed name, tidied (spaces squeezed), or why it cannot be printed. Letters
/// of any alphabet, spaces, apostrophes, hyphens and dots are allowed.
pub fn clean_name(typed: &str) -> Result<String, NameProblem> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return Err(if name.is_empty() {
            NameProblem::Empty
        } else {
            NameProblem::Signs
        });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong);
    }
    let allowed = |c: char| c.is_alphabetic() || " '’ʼ-.".contains(c);
    if !name.chars().all(allowed) {
        return Err(NameProblem::Signs);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_odd_ones_refused() {
        assert_eq!(clean_name("  Олена   Коваль "), Ok("Олена Коваль".into()));
        assert_eq!(
            clean_name("Мар’яна О'Браєн-Петрук"),
            Ok("Мар’яна О'Браєн-Петрук".into())
        );
        assert_eq!(clean_name("   "), Err(NameProblem::Empty));
        assert_eq!(clean_name("Олена 😀"), Err(NameProblem::Signs));
        assert_eq!(clean_name("<b>Олена</b>"), Err(NameProblem::Signs));
        assert_eq!(clean_name(&"я".repeat(61)), Err(NameProblem::TooLong));
    }
}
