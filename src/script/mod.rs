//! Dialogue scripts: the validated content the engine runs.
//!
//! Admins write TOML files ([`file`]); [`load`] turns a folder of them into a
//! [`Script`] and a list of [`Diagnostic`]s. A `Script` exists only when there
//! are no errors, so the engine may rely on every link in it: a step named by a
//! button exists, every text has every configured language, every action is
//! known.
//!
//! Architecture invariant: reading the folder is [`crate::content::load_dir`]'s job;
//! this module does no I/O and knows nothing of Telegram.

mod check_dialogue;
mod check_faq;
mod check_hubs;
pub use check_hubs::{in_ukraine, interval as hours_interval};
pub mod checked;
pub mod courses;
pub mod diagnostic;
mod fields;
pub mod file;
pub mod glossary;
pub mod learned;
pub mod limits;
pub mod load;
pub mod markup;
pub mod pictures;
pub mod pieces;
pub mod schema;
pub mod strings;
pub mod synonyms;

use std::collections::HashMap;
use std::path::PathBuf;

pub use diagnostic::{Diagnostic, LoadReport, Severity};
pub use load::{load_sources, load_sources_with_pictures};
pub use pictures::Picture;
pub use strings::{Msg, Strings};

/// Identifiers of dialogues and steps: `[a-z0-9_]`, at most this many bytes.
/// Callback data carries two of them, so this keeps it under Telegram's 64 bytes.
pub const MAX_ID_LEN: usize = 24;

/// The dialogue `/menu` opens; every content set must have it.
pub const MAIN_MENU: &str = "main";
/// The dialogue `/lessons` opens; every content set must have it.
pub const LESSONS_MENU: &str = "lessons";

/// All the content of one load: dialogues and the bot's own sentences.
#[derive(Debug, Clone)]
pub struct Script {
    /// Configured language codes; the first is the default. Texts are indexed alike.
    pub languages: Vec<String>,
    pub dialogues: HashMap<String, Dialogue>,
    pub strings: Strings,
    /// The questions residents ask in their own words, in file order.
    pub faq: Vec<FaqEntry>,
    /// The library hubs, in file order.
    pub hubs: Vec<Hub>,
    /// The FAQ's search index, built with the script.
    pub faq_index: crate::faq::FaqIndex,
    /// The synonym groups the index was built with (`synonyms.toml`).
    pub synonyms: crate::faq::Synonyms,
    /// One per [`Service::ALL`], in that order.
    pub services: Vec<ServiceInfo>,
    /// The community's settlements (`[[settlements]]` in `hubs.toml`), for finding
    /// hubs by a village's name and the distance from it.
    pub settlements: Vec<Settlement>,
    /// The library system's information line (`[library]` in `hubs.toml`),
    /// offered when a hub's own phone is not known.
    pub library: Option<Library>,
    /// The words the lessons use, explained (`glossary.toml`).
    pub glossary: glossary::Glossary,
    /// The courses that lead to certificates, in file order.
    pub courses: Vec<courses::Course>,
    /// Partners' offers to certified residents, in file order.
    pub offers: Vec<courses::Offer>,
}

/// A village, the city or a micro-district of the community.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub name: Text,
    /// The centre (latitude, longitude), when a source gives it.
    pub centre: Option<(f64, f64)>,
    pub source: String,
}

/// The library system as a whole.
#[derive(Debug, Clone)]
pub struct Library {
    pub name: Text,
    pub phone: String,
    pub source: String,
}

/// How a service is named to residents and asked for by them.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub service: Service,
    pub name: Text,
    /// Words that ask for it, indexed like [`Script::languages`].
    pub words: Vec<Vec<String>>,
}

/// A library hub. Unknown facts are `None`, never guessed.
#[derive(Debug, Clone)]
pub struct Hub {
    pub id: String,
    pub name: Text,
    pub address: Option<Text>,
    pub settlement: Text,
    /// Latitude and longitude.
    pub location: Option<(f64, f64)>,
    /// The location was estimated from the address.
    pub approximate: bool,
    pub phone: Option<String>,
    /// Opening intervals per weekday, Monday first; `None` when the hours are not known.
    pub hours: Option<[Vec<(jiff::civil::Time, jiff::civil::Time)>; 7]>,
    /// Summer and winter hours; when both start, they decide instead of `hours`.
    pub seasons: crate::hubs::season::Seasons,
    pub services: Vec<Service>,
    pub verified: bool,
    pub source: String,
    /// What a librarian said about today (merged from the database; never
    /// from the file): `None` when nothing was said or it has expired.
    pub today: Option<crate::hubs::layer::Today>,
}

/// What a hub offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Computers,
    Wifi,
    EservicesHelp,
    Printing,
    Webinars,
    Accessible,
    SmartphoneClasses,
    PowerBackup,
}

impl Service {
    pub const ALL: [Service; 8] = [
        Service::Computers,
        Service::Wifi,
        Service::EservicesHelp,
        Service::Printing,
        Service::Webinars,
        Service::Accessible,
        Service::SmartphoneClasses,
        Service::PowerBackup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Computers => "computers",
            Service::Wifi => "wifi",
            Service::EservicesHelp => "eservices_help",
            Service::Printing => "printing",
            Service::Webinars => "webinars",
            Service::Accessible => "accessible",
            Service::SmartphoneClasses => "smartphone_classes",
            Service::PowerBackup => "power_backup",
        }
    }

    pub fn parse(name: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One FAQ entry, valid: every language has phrasings and an answer.
#[derive(Debug, Clone)]
pub struct FaqEntry {
    pub id: String,
    pub topic: String,
    /// Phrasings of the question, indexed like [`Script::languages`].
    pub questions: Vec<Vec<String>>,
    /// Keywords, indexed like [`Script::languages`] (may be empty).
    pub keywords: Vec<Vec<String>>,
    pub answer: Text,
    /// Buttons under the answer; a `lesson` comes first.
    pub buttons: Vec<Button>,
    /// When its facts were last checked.
    pub checked: Option<checked::Checked>,
    /// A picture sent with the answer as its caption.
    pub picture: Option<std::sync::Arc<Picture>>,
}

impl crate::faq::Entry for FaqEntry {
    fn topic(&self) -> &str {
        &self.topic
    }

    fn questions(&self) -> &[Vec<String>] {
        &self.questions
    }

    fn keywords(&self) -> &[Vec<String>] {
        &self.keywords
    }

    fn answers(&self) -> &[String] {
        &self.answer.0
    }
}

impl Script {
    /// The index of a language code in every [`Text`], or `None` if it is not configured.
    pub fn lang_index(&self, code: &str) -> Option<usize> {
        self.languages.iter().position(|l| l == code)
    }

    /// The one way to tell the language a person reads: their saved choice if
    /// it is configured, else their app's language matched by its primary part
    /// (`en-US` and `EN` are English, `uk-UA` Ukrainian), else the first.
    pub fn resolve_lang(&self, saved: Option<&str>, hint: Option<&str>) -> usize {
        saved
            .and_then(|code| self.lang_index(code))
            .or_else(|| {
                let hint = hint?;
                let primary = hint.split(['-', '_']).next().unwrap_or(hint);
                self.languages
                    .iter()
                    .position(|l| l.eq_ignore_ascii_case(primary))
            })
            .unwrap_or(0)
    }

    /// How a service is named, in a language.
    pub fn service_name(&self, service: Service, lang: usize) -> &str {
        self.services
            .iter()
            .find(|s| s.service == service)
            .map_or(service.name(), |s| s.name.get(lang))
    }

    pub fn hub(&self, id: &str) -> Option<usize> {
        self.hubs.iter().position(|h| h.id == id)
    }

    /// An FAQ entry's position by id.
    pub fn faq_entry(&self, id: &str) -> Option<usize> {
        self.faq.iter().position(|e| e.id == id)
    }

    pub fn course(&self, id: &str) -> Option<&courses::Course> {
        self.courses.iter().find(|c| c.id == id)
    }

    pub fn dialogue(&self, id: &str) -> Option<&Dialogue> {
        self.dialogues.get(id)
    }

    /// Lessons in a stable order (by id), for listings such as `/progress`.
    pub fn lessons(&self) -> impl Iterator<Item = &Dialogue> {
        let mut lessons: Vec<&Dialogue> = self
            .dialogues
            .values()
            .filter(|d| d.kind == Kind::Lesson)
            .collect();
        lessons.sort_by(|a, b| a.id.cmp(&b.id));
        lessons.into_iter()
    }
}

/// A text in every configured language, indexed like [`Script::languages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub Vec<String>);

impl Text {
    pub fn get(&self, lang: usize) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.first())
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Teaches something; reaching an end step completes it and counts in `/progress`.
    Lesson,
    /// Navigation; its buttons become the big keyboard under the input field.
    Menu,
    /// Any other conversation (a survey, a form).
    Flow,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "lesson" => Some(Kind::Lesson),
            "menu" => Some(Kind::Menu),
            "flow" => Some(Kind::Flow),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lesson => "lesson",
            Kind::Menu => "menu",
            Kind::Flow => "flow",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dialogue {
    pub id: String,
    pub kind: Kind,
    pub title: Text,
    pub digcomp: Option<String>,
    pub sources: Vec<String>,
    /// Index into `steps` of the first step.
    pub start: usize,
    pub steps: Vec<Step>,
    /// Step id → index into `steps`.
    pub index: HashMap<String, usize>,
    /// The file it came from, for messages to admins.
    pub path: PathBuf,
    /// When its facts were last checked (lessons).
    pub checked: Option<checked::Checked>,
}

impl Dialogue {
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.index.get(id).map(|&i| (i, &self.steps[i]))
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub text: Text,
    /// The message in simpler words ("🐢 Simpler" on a lesson step).
    pub simpler: Option<Text>,
    /// A picture sent with the message as its caption.
    pub picture: Option<std::sync::Arc<Picture>>,
    /// Buttons in display order, including the "Next" button made from `next`.
    pub buttons: Vec<Button>,
    /// Buttons per row, 1 to 8.
    pub columns: usize,
    pub quiz: Option<Quiz>,
    pub input: Option<TextInput>,
    pub end: bool,
}

#[derive(Debug, Clone)]
pub struct Button {
    pub label: Text,
    pub target: Target,
}

/// Where a button leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A step of the same dialogue, by id.
    Step(String),
    /// The start of a dialogue, by id.
    Dialogue(String),
    Action(Action),
    /// A web page, by its https address.
    Link(String),
}

#[derive(Debug, Clone)]
pub struct Quiz {
    pub options: Vec<QuizOption>,
    /// After a wrong answer the question is asked again.
    pub retry: bool,
    /// A question about the resident ("Will you need this?"): no answer is
    /// right or wrong, each gets a kind reply, nothing is scored, and the
    /// options keep their order.
    pub reflection: bool,
    /// The step that follows the question, by id.
    pub next: String,
}

#[derive(Debug, Clone)]
pub struct QuizOption {
    pub text: Text,
    pub correct: bool,
    pub explain: Text,
}

#[derive(Debug, Clone)]
pub struct TextInput {
    /// The step that follows, by id.
    pub next: String,
}

/// Named actions a button can trigger. `check` refuses any other name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Shows lessons done and in progress with quiz scores.
    Progress,
    /// Lets the resident choose the bot's language.
    Language,
    /// Explains what the bot can do.
    Help,
    /// Asks the resident to type a question for the FAQ.
    Ask,
    /// Lets the resident write to a librarian.
    Librarian,
    /// Finds the nearest library hub.
    Hubs,
    /// Chooses which announcements to get.
    Subscribe,
    /// The glossary: words of the lessons, explained.
    Glossary,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Progress,
        Action::Language,
        Action::Help,
        Action::Ask,
        Action::Librarian,
        Action::Hubs,
        Action::Subscribe,
        Action::Glossary,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Progress => "progress",
            Action::Language => "language",
            Action::Help => "help",
            Action::Ask => "ask",
            Action::Librarian => "librarian",
            Action::Hubs => "hubs",
            Action::Subscribe => "subscribe",
            Action::Glossary => "glossary",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the action takes the resident's free text (an `input` step).
    pub fn takes_text(self) -> bool {
        false
    }
}

/// Whether `id` may name a dialogue or step.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
