//! The file format admins write, as serde types.
//!
//! These types mirror the TOML one to one and keep the position of every value
//! (`Spanned`), so that `check` can point at the line an admin must fix. They
//! are converted once, in [`super::load`], into the validated types of
//! [`super`]; nothing else reads them.
//!
//! They also describe the files to editors: [`super::schema`] turns them into
//! the JSON Schemas in `dialogues/schema/`, and every `///` comment on a field
//! becomes the help an admin sees on hover, so those comments are written for
//! admins. `#[schemars(with = ...)]` gives the schema of a field as written in
//! the file (`Spanned` only records where a value was).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::fields::{
    ActionName, Id, Interval, KindName, Localized, ServiceName, WebAddress, Weekday,
};

/// A text in every language, side by side: `text.uk = "..."`, `text.en = "..."`.
pub type LocalizedFile = Spanned<BTreeMap<String, Spanned<String>>>;

/// One dialogue file: a lesson, a menu or a flow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DialogueFile {
    /// The dialogue's name, used by buttons that open it (`dialogue = "..."`); unique.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// What the dialogue is: `lesson` (counts in progress; reaching an `end` step completes it),
    /// `menu` (its buttons become the big keyboard at the bottom of the screen) or `flow`
    /// (any other conversation).
    #[schemars(with = "KindName")]
    pub kind: Spanned<String>,
    /// The title in each language, as in lists of lessons and in messages about the dialogue.
    #[schemars(with = "Localized")]
    pub title: LocalizedFile,
    /// The DigComp 2.2 competence a lesson teaches, such as "4.2".
    #[serde(default)]
    #[schemars(with = "String")]
    pub digcomp: Option<Spanned<String>>,
    /// Where the facts come from, by title (lessons).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The month the facts were last checked against the sources, as "2026-12" (lessons;
    /// `pomichnyk check` warns when it is missing from a lesson or over a year ago).
    #[serde(default)]
    #[schemars(with = "String", regex(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub checked: Option<Spanned<String>>,
    /// The id of the step to begin with; the first step when absent.
    #[serde(default)]
    #[schemars(with = "Id")]
    pub start: Option<Spanned<String>>,
    /// The steps, in order: each `[[steps]]` table is one message of the bot.
    #[serde(default)]
    #[schemars(with = "Vec<StepFile>")]
    pub steps: Vec<Spanned<StepFile>>,
}

/// One message of the bot and the ways on from it: `next`, `buttons`, a quiz question
/// (`options`), `input` or `end`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    /// The step's name, used by `next`, `goto` and `start`; unique in the dialogue.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// The message in each language; `**bold**` is allowed; at most 4,096 characters.
    #[schemars(with = "Localized")]
    pub text: LocalizedFile,
    /// The same message in simpler words, in each language: a lesson step shows a "🐢 Simpler"
    /// button that sends it. Optional; lessons only.
    #[serde(default)]
    #[schemars(with = "Localized")]
    pub simpler: Option<LocalizedFile>,
    /// A picture sent with the message as its caption:
    /// `picture = { file = "pictures/sms.png", alt.uk = "...", alt.en = "..." }`.
    #[serde(default)]
    #[schemars(with = "PictureFile")]
    pub picture: Option<Spanned<PictureFile>>,
    /// The id of the step that follows: a single "Next" button, or where a quiz question goes
    /// on after the answer.
    #[serde(default)]
    #[schemars(with = "Id")]
    pub next: Option<Spanned<String>>,
    /// Buttons under the message, in order.
    #[serde(default)]
    #[schemars(with = "Vec<ButtonFile>")]
    pub buttons: Vec<Spanned<ButtonFile>>,
    /// Buttons side by side in one row (1 to 8); one per row when absent.
    #[serde(default)]
    #[schemars(with = "i64", range(min = 1, max = super::limits::MAX_COLUMNS))]
    pub columns: Option<Spanned<i64>>,
    /// Answer options: present on a quiz question, which also needs `next`.
    #[serde(default)]
    #[schemars(with = "Vec<OptionFile>")]
    pub options: Vec<Spanned<OptionFile>>,
    /// After a wrong answer, may the resident try again? Default: yes.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub retry: Option<bool>,
    /// Several options may be correct (otherwise exactly one must be).
    #[serde(default)]
    #[schemars(with = "bool")]
    pub several_correct: Option<bool>,
    /// A question about the resident, such as "Will you need this?": no option is `correct`,
    /// each option's `explain` is a kind reply to that choice, and nothing is scored. The
    /// options are shown in the order written (other questions' options are shuffled).
    #[serde(default)]
    #[schemars(with = "bool")]
    pub reflection: Option<bool>,
    /// Wait for the resident to type something, then go on: `input = { next = "step_id" }`.
    #[serde(default)]
    #[schemars(with = "InputFile")]
    pub input: Option<Spanned<InputFile>>,
    /// The last step: reaching it completes a lesson and shows the score.
    #[serde(default)]
    #[schemars(with = "bool")]
    pub end: Option<bool>,
}

/// A picture of a step: a PNG or JPEG file and what it shows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PictureFile {
    /// The picture, from the content folder: `pictures/name.png` (PNG or JPEG, at most 10 MB;
    /// width and height at most 10,000 pixels together; best about 1080 pixels wide and no more
    /// than 2.5 times wider than high, under 1 MiB).
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// What the picture shows, in each language, in one or two plain sentences: for a resident
    /// whose phone does not show pictures or who cannot see them (the terminal prints it as
    /// "[картинка: ...]").
    #[schemars(with = "Localized")]
    pub alt: LocalizedFile,
}

/// A button: a `label` in each language and exactly one of `goto`, `dialogue`, `action` or
/// `url`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonFile {
    /// The text on the button in each language; about 40 characters fit on a phone.
    #[schemars(with = "Localized")]
    pub label: LocalizedFile,
    /// The id of a step of this dialogue to go to.
    #[serde(default)]
    #[schemars(with = "Id")]
    pub goto: Option<Spanned<String>>,
    /// The id of another dialogue (lesson, menu or flow) to open.
    #[serde(default)]
    #[schemars(with = "Id")]
    pub dialogue: Option<Spanned<String>>,
    /// A named action of the bot, such as "progress".
    #[serde(default)]
    #[schemars(with = "ActionName")]
    pub action: Option<Spanned<String>>,
    /// A web page the button opens: an address starting with https://.
    #[serde(default)]
    #[schemars(with = "WebAddress")]
    pub url: Option<Spanned<String>>,
}

/// One answer to a quiz question.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionFile {
    /// The answer in each language, as shown on its button.
    #[schemars(with = "Localized")]
    pub text: LocalizedFile,
    /// `true` on the right answer (on every right answer with `several_correct`).
    #[serde(default)]
    pub correct: bool,
    /// Why this answer is right or wrong (in a `reflection` question: a kind reply to it);
    /// shown after it is chosen.
    #[schemars(with = "Localized")]
    pub explain: LocalizedFile,
}

/// Waiting for the resident to type something.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// The id of the step to go to once the text arrives.
    #[schemars(with = "Id")]
    pub next: Spanned<String>,
    /// An action that receives the text (none: the text is not kept).
    #[serde(default)]
    #[schemars(with = "String")]
    pub action: Option<Spanned<String>>,
}

/// `strings.toml`: every sentence the bot says outside the dialogues.
/// `[key]` tables with one entry per language.
pub type StringsFile = BTreeMap<Spanned<String>, LocalizedFile>;

/// A FAQ file under `faq/`: many entries.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqFile {
    /// The questions, one `[[entries]]` table each.
    #[serde(default)]
    #[schemars(with = "Vec<FaqEntryFile>")]
    pub entries: Vec<Spanned<FaqEntryFile>>,
    /// More ways to ask entries of any FAQ file, one `[[phrasings]]` table each:
    /// what `pomichnyk faq export` writes from the phrasings librarians accepted.
    #[serde(default)]
    #[schemars(with = "Vec<PhrasingsFile>")]
    pub phrasings: Vec<Spanned<PhrasingsFile>>,
}

/// More ways residents ask an entry that is defined in a FAQ file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhrasingsFile {
    /// The id of the FAQ entry they ask.
    #[schemars(with = "Id")]
    pub entry: Spanned<String>,
    /// The ways to ask, per language, as residents typed them.
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub questions: Spanned<BTreeMap<String, Vec<Spanned<String>>>>,
}

/// One question residents ask, in their own words, and its answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqEntryFile {
    /// The entry's name; unique among all FAQ files.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// A short topic name, such as "cards" or "diia", for statistics.
    #[schemars(with = "String")]
    pub topic: Spanned<String>,
    /// Several ways residents put the question, per language: at least three each, the way
    /// residents really type them.
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub questions: Spanned<BTreeMap<String, Vec<Spanned<String>>>>,
    /// Words that point to this entry, per language.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub keywords: BTreeMap<String, Vec<Spanned<String>>>,
    /// The answer per language; may be left out when `lesson` answers it.
    #[serde(default)]
    #[schemars(with = "Localized")]
    pub answer: Option<LocalizedFile>,
    /// The id of a lesson that explains more; shown as a button under the answer.
    #[serde(default)]
    #[schemars(with = "Id")]
    pub lesson: Option<Spanned<String>>,
    /// More buttons under the answer (a dialogue, an action or a web page).
    #[serde(default)]
    #[schemars(with = "Vec<ButtonFile>")]
    pub buttons: Vec<Spanned<ButtonFile>>,
    /// A picture sent with the answer as its caption, as on a lesson step.
    #[serde(default)]
    #[schemars(with = "PictureFile")]
    pub picture: Option<Spanned<PictureFile>>,
    /// The month the answer's facts were last checked, as "2026-12" (`pomichnyk check` warns
    /// when it is over a year ago).
    #[serde(default)]
    #[schemars(with = "String", regex(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub checked: Option<Spanned<String>>,
}

/// `hubs.toml`: the library hubs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubsFile {
    /// What each service is called, and the words residents use for it.
    #[serde(default)]
    #[schemars(with = "BTreeMap<ServiceName, ServiceFile>")]
    pub services: BTreeMap<String, Spanned<ServiceFile>>,
    /// The hubs, one `[[hubs]]` table each.
    #[serde(default)]
    #[schemars(with = "Vec<HubFile>")]
    pub hubs: Vec<Spanned<HubFile>>,
    /// The library system's information line, offered when a hub's phone is not known.
    #[serde(default)]
    pub library: Option<LibraryFile>,
    /// The community's settlements, one `[[settlements]]` table each.
    #[serde(default)]
    #[schemars(with = "Vec<SettlementFile>")]
    pub settlements: Vec<Spanned<SettlementFile>>,
}

/// `[library]` in `hubs.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LibraryFile {
    /// The library system's name in each language.
    #[schemars(with = "Localized")]
    pub name: LocalizedFile,
    /// Its information line, as residents should dial it.
    #[schemars(with = "String")]
    pub phone: Spanned<String>,
    /// Where the number comes from.
    pub source: String,
}

/// One `[[settlements]]` table in `hubs.toml`: a village, the city or a micro-district.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementFile {
    /// Its name in each language, as residents write it.
    #[schemars(with = "Localized")]
    pub name: LocalizedFile,
    /// Degrees north of its centre; only from a named source, with `longitude`.
    #[serde(default)]
    #[schemars(with = "f64")]
    pub latitude: Option<Spanned<f64>>,
    /// Degrees east of its centre; only from a named source, with `latitude`.
    #[serde(default)]
    #[schemars(with = "f64")]
    pub longitude: Option<Spanned<f64>>,
    /// Where the name and the centre come from.
    pub source: String,
}

/// `[hubs.summer]` or `[hubs.winter]`: a season of a hub's opening hours, lasting
/// from its day until the other season's.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeasonFile {
    /// The first day of the season, as "MM-DD" ("09-01" is 1 September); not 29 February.
    #[schemars(with = "String", regex(pattern = r"^[0-9]{2}-[0-9]{2}$"))]
    pub from: Spanned<String>,
    /// Opening hours per weekday (`mon` ... `sun`), each a list of "HH:MM-HH:MM";
    /// an empty list is a day off. Absent: not known.
    #[serde(default)]
    #[schemars(with = "BTreeMap<Weekday, Vec<Interval>>")]
    pub hours: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
}

/// `[services.<name>]` in `hubs.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// Shown in a hub's description.
    #[schemars(with = "Localized")]
    pub name: LocalizedFile,
    /// Words that ask for this service ("дія", "друк"), per language; matched by the start of
    /// a word.
    #[serde(default)]
    pub words: BTreeMap<String, Vec<String>>,
}

/// One library hub. Leave out what no source gives: `check` lists each gap.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubFile {
    /// The hub's short name, used in the link of its QR poster (`pomichnyk qr <id>`); unique.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// The hub's name in each language.
    #[schemars(with = "Localized")]
    pub name: LocalizedFile,
    /// Street and house; absent when unknown.
    #[serde(default)]
    #[schemars(with = "Localized")]
    pub address: Option<LocalizedFile>,
    /// The village or city district.
    #[schemars(with = "Localized")]
    pub settlement: LocalizedFile,
    /// Degrees north, such as 49.42; give it together with `longitude`.
    #[serde(default)]
    #[schemars(with = "f64")]
    pub latitude: Option<Spanned<f64>>,
    /// Degrees east, such as 26.98; give it together with `latitude`.
    #[serde(default)]
    #[schemars(with = "f64")]
    pub longitude: Option<Spanned<f64>>,
    /// The coordinates were estimated from the street address, not measured.
    #[serde(default)]
    pub approximate: bool,
    /// The phone number, as residents should dial it.
    #[serde(default)]
    #[schemars(with = "String")]
    pub phone: Option<Spanned<String>>,
    /// Opening hours per weekday (`mon` ... `sun`), each a list of "HH:MM-HH:MM";
    /// an empty list is a day off. Absent: not known.
    #[serde(default)]
    #[schemars(with = "BTreeMap<Weekday, Vec<Interval>>")]
    pub hours: Option<Spanned<BTreeMap<String, Vec<Spanned<String>>>>>,
    /// Summer hours: the day they start (`from = "06-01"`) and, in `[hubs.summer.hours]`,
    /// the hours (absent: not known). With `winter`, the seasons decide instead of `hours`.
    #[serde(default)]
    #[schemars(with = "SeasonFile")]
    pub summer: Option<Spanned<SeasonFile>>,
    /// Winter hours: the day they start (`from = "09-01"`) and, in `[hubs.winter.hours]`,
    /// the hours (absent: not known). With `summer`, the seasons decide instead of `hours`.
    #[serde(default)]
    #[schemars(with = "SeasonFile")]
    pub winter: Option<Spanned<SeasonFile>>,
    /// What the hub offers.
    #[serde(default)]
    #[schemars(with = "Vec<ServiceName>")]
    pub services: Vec<Spanned<String>>,
    /// Checked against the source by an admin.
    #[serde(default)]
    pub verified: bool,
    /// Where the facts come from.
    #[schemars(with = "String")]
    pub source: Spanned<String>,
    /// Anything admins should know (never shown to residents).
    #[serde(default)]
    #[schemars(with = "String")]
    pub note: Option<String>,
}
