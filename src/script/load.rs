//! Checking content: [`load_sources`] parses the files it is given (path and
//! text; reading the folder is [`crate::content::load_dir`]'s job), converts
//! them into a validated [`Script`] and reports every problem as a
//! [`Diagnostic`] (`path:line:col: severity: message`), not only the first. A
//! [`Script`] is returned only when no diagnostic is an error. The checks of
//! each kind of file are in `check_dialogue.rs`, `check_faq.rs` and
//! `check_hubs.rs`; the limits they apply in `limits.rs`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::diagnostic::Source;
pub use super::diagnostic::{Diagnostic, LoadReport, Severity};
use super::file::{DialogueFile, FaqFile, HubsFile, LocalizedFile, StringsFile};
use super::limits::*;
use super::strings::{Msg, Strings};
use super::{
    markup, valid_id, Action, Dialogue, Kind, Script, Text, LESSONS_MENU, MAIN_MENU, MAX_ID_LEN,
};

/// Parses and checks the given files (path and text). `root` is the content
/// folder: `root/strings.toml` holds the bot's sentences, every other file a
/// dialogue.
pub fn load_sources(
    root: &Path,
    sources: Vec<(PathBuf, String)>,
    languages: &[String],
) -> LoadReport {
    load_sources_with_pictures(root, sources, &HashMap::new(), languages)
}

/// The same, with the picture files of the content folder (path and bytes)
/// that steps may name.
pub fn load_sources_with_pictures(
    root: &Path,
    sources: Vec<(PathBuf, String)>,
    pictures: &HashMap<PathBuf, Vec<u8>>,
    languages: &[String],
) -> LoadReport {
    let files = sources.len();
    let mut cx = Checker {
        languages,
        diagnostics: Vec::new(),
        root,
        pictures,
        used_pictures: HashSet::new(),
    };
    let strings_path = root.join(STRINGS_FILE);
    let faq_dir = root.join(FAQ_DIR);
    let hubs_path = root.join(HUBS_FILE);
    let synonyms_path = root.join(super::synonyms::SYNONYMS_FILE);
    let glossary_path = root.join(super::glossary::GLOSSARY_FILE);
    let mut glossary = super::glossary::Glossary::default();
    let mut synonyms = crate::faq::Synonyms::default();
    let mut hubs = Vec::new();
    let mut services = Vec::new();
    let mut settlements = Vec::new();
    let mut library = None;
    let mut strings = None;
    let mut parsed: Vec<(Source, DialogueFile)> = Vec::new();
    let mut faq_files: Vec<(Source, FaqFile)> = Vec::new();
    let courses_dir = root.join(super::courses::COURSES_DIR);
    let offers_path = root.join(super::courses::OFFERS_FILE);
    let mut course_files: Vec<(Source, super::courses::CourseFile)> = Vec::new();
    let mut offers_file: Option<(Source, super::courses::OffersFile)> = None;
    for (path, text) in sources {
        let src = Source { path, text };
        if src.path.starts_with(&courses_dir) {
            if let Some(file) = cx.parse(&src) {
                course_files.push((src, file));
            }
        } else if src.path == offers_path {
            if let Some(file) = cx.parse(&src) {
                offers_file = Some((src, file));
            }
        } else if src.path == hubs_path {
            if let Some(file) = cx.parse::<HubsFile>(&src) {
                services = cx.services(&src, &file);
                settlements = cx.settlements(&src, &file);
                library = cx.library(&src, &file);
                hubs = cx.hubs(&src, file);
            }
        } else if src.path.starts_with(&faq_dir) {
            if let Some(file) = cx.parse::<FaqFile>(&src) {
                faq_files.push((src, file));
            }
        } else if src.path == synonyms_path {
            if let Some(file) = cx.parse::<super::synonyms::SynonymsFile>(&src) {
                let (groups, problems) = super::synonyms::check(&file);
                for p in problems {
                    let severity = if p.error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    cx.report(&src, p.span, severity, p.message);
                }
                synonyms = groups;
            }
        } else if src.path == glossary_path {
            if let Some(file) = cx.parse::<super::glossary::GlossaryFile>(&src) {
                glossary = cx.glossary(&src, file);
            }
        } else if src.path == strings_path {
            if let Some(file) = cx.parse::<StringsFile>(&src) {
                strings = Some(cx.strings(&src, file));
            }
        } else if let Some(file) = cx.parse::<DialogueFile>(&src) {
            parsed.push((src, file));
        }
    }
    let strings = match strings {
        Some(s) => s,
        None => {
            if !cx.diagnostics.iter().any(|d| d.path == strings_path) {
                cx.at_start(
                    &strings_path,
                    Severity::Error,
                    "the bot's own sentences are missing: create this file".to_string(),
                );
            }
            Strings::new(
                Msg::ALL
                    .iter()
                    .map(|_| Text(vec![String::new(); languages.len()]))
                    .collect(),
            )
        }
    };

    // First pass: which dialogue ids exist, so links between files can be checked.
    let mut known: HashMap<String, (PathBuf, Kind)> = HashMap::new();
    let mut unique = Vec::new();
    for (src, file) in parsed {
        let id = file.id.get_ref().clone();
        if let Some((first, _)) = known.get(&id) {
            let message = format!(
                "dialogue id \"{id}\" is already used by {}",
                first.display()
            );
            cx.error(&src, file.id.span(), message);
            continue;
        }
        let kind = Kind::parse(file.kind.get_ref()).unwrap_or(Kind::Flow);
        known.insert(id, (src.path.clone(), kind));
        unique.push((src, file));
    }

    let mut dialogues = HashMap::new();
    let mut linked: HashSet<String> = HashSet::new();
    for (src, file) in &unique {
        let dialogue = cx.dialogue(src, file, &known, &strings, &mut linked);
        dialogues.insert(dialogue.id.clone(), dialogue);
    }

    let mut faq = Vec::new();
    let mut faq_ids: HashMap<String, PathBuf> = HashMap::new();
    for (src, file) in &faq_files {
        for entry in &file.entries {
            if let Some(e) = cx.faq_entry(src, entry, &known, &dialogues, &strings, &mut faq_ids) {
                faq.push(e);
            }
        }
    }

    // More ways to ask, after every entry is known (what `faq export` writes).
    for (src, file) in &faq_files {
        cx.phrasings(src, &file.phrasings, &mut faq);
    }
    // Courses name lessons; offers name courses.
    let mut courses: Vec<super::courses::Course> = Vec::new();
    for (src, file) in &course_files {
        if let Some(course) = cx.course(src, file, &dialogues) {
            if let Some(first) = courses.iter().find(|c| c.id == course.id) {
                let message = format!(
                    "course id \"{}\" is already used by {}",
                    course.id,
                    first.path.display()
                );
                cx.error(src, file.id.span(), message);
                continue;
            }
            courses.push(course);
        }
    }
    let offers = match &offers_file {
        Some((src, file)) => cx.offers(src, file, &courses),
        None => Vec::new(),
    };

    // Checks of the whole set.
    for (id, kind) in [(MAIN_MENU, Kind::Menu), (LESSONS_MENU, Kind::Flow)] {
        match dialogues.get(id) {
            None => cx.at_start(
                root,
                Severity::Error,
                format!(
                    "no dialogue with id \"{id}\": the bot opens it for /{}",
                    if id == MAIN_MENU { "menu" } else { "lessons" }
                ),
            ),
            Some(d) if id == MAIN_MENU && d.kind != kind => cx.at_start(
                &d.path,
                Severity::Error,
                format!(
                    "the main menu must have kind = \"menu\", not \"{}\"",
                    d.kind.as_str()
                ),
            ),
            Some(_) => {}
        }
    }
    let mut lessons: Vec<&Dialogue> = dialogues
        .values()
        .filter(|d| d.kind == Kind::Lesson)
        .collect();
    lessons.sort_by(|a, b| a.path.cmp(&b.path));
    for lesson in lessons {
        if !linked.contains(&lesson.id) {
            cx.at_start(
                &lesson.path,
                Severity::Warning,
                format!(
                    "lesson \"{}\" is not linked from any menu; residents can open it only by a link",
                    lesson.id
                ),
            );
        }
    }

    let mut unused: Vec<&PathBuf> = pictures
        .keys()
        .filter(|p| !cx.used_pictures.contains(*p))
        .collect();
    unused.sort();
    for path in unused {
        cx.at_start(
            path,
            Severity::Warning,
            "no step shows this picture".to_string(),
        );
    }

    cx.diagnostics.sort_by(|a, b| {
        (&a.path, a.line, a.col, a.severity).cmp(&(&b.path, b.line, b.col, b.severity))
    });
    let has_errors = cx.diagnostics.iter().any(|d| d.severity == Severity::Error);
    LoadReport {
        script: (!has_errors).then(|| Script {
            languages: languages.to_vec(),
            dialogues,
            strings,
            faq_index: crate::faq::FaqIndex::with_synonyms(&faq, &synonyms),
            synonyms,
            faq,
            hubs,
            services,
            settlements,
            library,
            glossary,
            courses,
            offers,
        }),
        diagnostics: cx.diagnostics,
        files,
        pictures: pictures.len(),
    }
}

pub(super) struct Checker<'a> {
    pub(super) languages: &'a [String],
    pub(super) diagnostics: Vec<Diagnostic>,
    /// The content folder.
    pub(super) root: &'a Path,
    /// Every picture file under it, by path.
    pub(super) pictures: &'a HashMap<PathBuf, Vec<u8>>,
    /// The pictures some step shows.
    pub(super) used_pictures: HashSet<PathBuf>,
}

impl Checker<'_> {
    pub(super) fn report(
        &mut self,
        src: &Source,
        span: Range<usize>,
        severity: Severity,
        message: String,
    ) {
        let (line, col) = src.line_col(span.start);
        self.diagnostics.push(Diagnostic {
            path: src.path.clone(),
            line,
            col,
            severity,
            message,
        });
    }

    pub(super) fn error(&mut self, src: &Source, span: Range<usize>, message: String) {
        self.report(src, span, Severity::Error, message);
    }

    pub(super) fn warning(&mut self, src: &Source, span: Range<usize>, message: String) {
        self.report(src, span, Severity::Warning, message);
    }

    pub(super) fn at_start(&mut self, path: &Path, severity: Severity, message: String) {
        self.diagnostics.push(Diagnostic {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            severity,
            message,
        });
    }

    pub(super) fn parse<T: serde::de::DeserializeOwned>(&mut self, src: &Source) -> Option<T> {
        match toml::from_str::<T>(&src.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().replace('\n', " ");
                self.error(src, span, message);
                None
            }
        }
    }

    /// Converts a text given per language, reporting missing, empty and extra languages.
    pub(super) fn text(&mut self, src: &Source, field: &LocalizedFile, what: &str) -> Text {
        let map = field.get_ref();
        let mut texts = Vec::with_capacity(self.languages.len());
        for lang in self.languages {
            match map.get(lang) {
                Some(t) if !t.get_ref().trim().is_empty() => {
                    let text = t.get_ref();
                    if let Some(problem) = markup::problem(text) {
                        self.error(src, t.span(), format!("{what} ({lang}): {problem}"));
                    }
                    for name in crate::commands::unknown_in(text) {
                        self.error(
                            src,
                            t.span(),
                            format!(
                                "{what} ({lang}) names /{name}, which is not a command of the bot"
                            ),
                        );
                    }
                    let chars = text.chars().count();
                    if chars > MAX_TEXT_CHARS {
                        self.error(
                            src,
                            t.span(),
                            format!("{what} ({lang}) has {chars} characters; Telegram allows {MAX_TEXT_CHARS}"),
                        );
                    }
                    texts.push(text.clone());
                }
                Some(t) => {
                    self.error(src, t.span(), format!("{what} ({lang}) is empty"));
                    texts.push(String::new());
                }
                None => {
                    self.error(
                        src,
                        field.span(),
                        format!("{what} has no text in \"{lang}\""),
                    );
                    texts.push(String::new());
                }
            }
        }
        for (lang, t) in map {
            if !self.languages.contains(lang) {
                self.warning(
                    src,
                    t.span(),
                    format!(
                        "{what}: language \"{lang}\" is not in locale.languages ({}); it is never shown",
                        self.languages.join(", ")
                    ),
                );
            }
        }
        Text(texts)
    }

    /// Warns about texts too long for a beginner to read on a phone: one idea per
    /// message, short sentences.
    pub(super) fn readability(&mut self, src: &Source, field: &LocalizedFile, what: &str) {
        for (lang, t) in field.get_ref() {
            let text = markup::to_plain(t.get_ref());
            let chars = text.chars().count();
            if chars > READABLE_CHARS && chars <= MAX_TEXT_CHARS {
                self.warning(
                    src,
                    t.span(),
                    format!("{what} ({lang}) has {chars} characters; keep a message under {READABLE_CHARS}, one idea each"),
                );
            }
            if let Some(sentence) = long_sentence(&text) {
                self.warning(
                    src,
                    t.span(),
                    format!(
                        "{what} ({lang}): a sentence of more than {SENTENCE_WORDS} words: \"{}\"; split it",
                        sentence
                    ),
                );
            }
        }
    }

    /// A text shown on a button: also checks the length a phone can show.
    pub(super) fn label(&mut self, src: &Source, field: &LocalizedFile, what: &str) -> Text {
        let text = self.text(src, field, what);
        for (lang, label) in self.languages.iter().zip(&text.0) {
            let chars = label.chars().count();
            if chars > BUTTON_MAX_CHARS {
                self.error(
                    src,
                    field.span(),
                    format!("{what} ({lang}) has {chars} characters; a button holds at most {BUTTON_MAX_CHARS}"),
                );
            } else if chars > BUTTON_WARN_CHARS {
                self.warning(
                    src,
                    field.span(),
                    format!("{what} ({lang}) has {chars} characters; a phone shows about {BUTTON_WARN_CHARS} on a button"),
                );
            }
        }
        text
    }

    pub(super) fn id(&mut self, src: &Source, id: &Spanned<String>, what: &str) {
        if !valid_id(id.get_ref()) {
            self.error(
                src,
                id.span(),
                format!(
                    "{what} \"{}\" must be 1 to {MAX_ID_LEN} characters of a-z, 0-9 and _",
                    id.get_ref()
                ),
            );
        }
    }

    pub(super) fn unknown_action(&mut self, src: &Source, action: &Spanned<String>) {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        self.error(
            src,
            action.span(),
            format!(
                "unknown action \"{}\"; the bot knows: {}",
                action.get_ref(),
                names.join(", ")
            ),
        );
    }
}
