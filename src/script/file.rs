//! The file format admins write, as serde types.
//!
//! These types mirror the TOML one to one and keep the position of every value
//! (`Spanned`), so that `check` can point at the line an admin must fix. They
//! are converted once, in [`super::load`], into the validated types of
//! [`super`]; nothing else reads them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A text in every language, side by side: `text.uk = "..."`, `text.en = "..."`.
pub type LocalizedFile = Spanned<BTreeMap<String, Spanned<String>>>;

/// One dialogue file: a lesson, a menu or a flow.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialogueFile {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub title: LocalizedFile,
    /// DigComp 2.2 competence, such as "4.2".
    #[serde(default)]
    pub digcomp: Option<Spanned<String>>,
    /// Where the facts come from, by title (lessons).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The step to begin with; the first step when absent.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    #[serde(default)]
    pub steps: Vec<Spanned<StepFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub id: Spanned<String>,
    pub text: LocalizedFile,
    /// A single "Next" button to this step.
    #[serde(default)]
    pub next: Option<Spanned<String>>,
    #[serde(default)]
    pub buttons: Vec<Spanned<ButtonFile>>,
    /// Buttons side by side in one row (1 to 8); one per row when absent.
    #[serde(default)]
    pub columns: Option<Spanned<i64>>,
    /// Answer options: present on a quiz question.
    #[serde(default)]
    pub options: Vec<Spanned<OptionFile>>,
    /// After a wrong answer, may the resident try again? Default: yes.
    #[serde(default)]
    pub retry: Option<bool>,
    /// Several options may be correct (otherwise exactly one must be).
    #[serde(default)]
    pub several_correct: Option<bool>,
    /// Wait for free text.
    #[serde(default)]
    pub input: Option<Spanned<InputFile>>,
    /// The last step: reaching it completes a lesson.
    #[serde(default)]
    pub end: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonFile {
    pub label: LocalizedFile,
    /// A step of this dialogue.
    #[serde(default)]
    pub goto: Option<Spanned<String>>,
    /// Another dialogue (lesson, menu or flow).
    #[serde(default)]
    pub dialogue: Option<Spanned<String>>,
    /// A named action of the bot, such as "progress".
    #[serde(default)]
    pub action: Option<Spanned<String>>,
    /// A web page (https) the button opens.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionFile {
    pub text: LocalizedFile,
    #[serde(default)]
    pub correct: bool,
    /// Why this answer is right or wrong; shown after it is chosen.
    pub explain: LocalizedFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// Where to go once the text arrives.
    pub next: Spanned<String>,
    /// An action that receives the text (none: the text is not kept).
    #[serde(default)]
    pub action: Option<Spanned<String>>,
}

/// `strings.toml`: every sentence the bot says outside the dialogues.
/// `[key]` tables with one entry per language.
pub type StringsFile = BTreeMap<Spanned<String>, LocalizedFile>;

/// A FAQ file under `faq/`: many entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqFile {
    #[serde(default)]
    pub entries: Vec<Spanned<FaqEntryFile>>,
}

/// One question residents ask, in their own words, and its answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntryFile {
    pub id: Spanned<String>,
    /// A short topic name, such as "cards" or "diia".
    pub topic: Spanned<String>,
    /// Several ways residents put the question, per language.
    pub questions: Spanned<BTreeMap<String, Vec<Spanned<String>>>>,
    /// Words that point to this entry, per language.
    #[serde(default)]
    pub keywords: BTreeMap<String, Vec<Spanned<String>>>,
    /// The answer per language; may be left out when `lesson` answers it.
    #[serde(default)]
    pub answer: Option<LocalizedFile>,
    /// A lesson that explains more; shown as a button under the answer.
    #[serde(default)]
    pub lesson: Option<Spanned<String>>,
    /// More buttons under the answer (a dialogue or an action).
    #[serde(default)]
    pub buttons: Vec<Spanned<ButtonFile>>,
}

/// `hubs.toml`: the library hubs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubsFile {
    /// What each service is called, and the words residents use for it.
    #[serde(default)]
    pub services: BTreeMap<String, Spanned<ServiceFile>>,
    #[serde(default)]
    pub hubs: Vec<Spanned<HubFile>>,
}

/// `[services.<name>]` in `hubs.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// Shown in a hub's description.
    pub name: LocalizedFile,
    /// Words that ask for this service ("дія", "друк"), per language.
    #[serde(default)]
    pub words: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubFile {
    pub id: Spanned<String>,
    pub name: LocalizedFile,
    /// Street and house; absent when unknown.
    #[serde(default)]
    pub address: Option<LocalizedFile>,
    /// The village or city district.
    pub settlement: LocalizedFile,
    #[serde(default)]
    pub latitude: Option<Spanned<f64>>,
    #[serde(default)]
    pub longitude: Option<Spanned<f64>>,
    /// The coordinates were estimated from the street address, not measured.
    #[serde(default)]
    pub approximate: bool,
    #[serde(default)]
    pub phone: Option<Spanned<String>>,
    /// Opening hours per weekday (`mon` ... `sun`), each a list of "HH:MM-HH:MM";
    /// an empty list is a day off. Absent: not known.
    #[serde(default)]
    pub hours: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
    #[serde(default)]
    pub services: Vec<Spanned<String>>,
    /// Checked against the source by an admin.
    #[serde(default)]
    pub verified: bool,
    /// Where the facts come from.
    pub source: Spanned<String>,
    /// Anything admins should know (never shown to residents).
    #[serde(default)]
    pub note: Option<String>,
}
