//! Loading and checking a folder of content files.
//!
//! One code path serves `pomichnyk check`, `run` and `chat`: [`load_dir`] reads
//! the files, [`load_sources`] parses and validates them without I/O. Every
//! problem found is reported as a [`Diagnostic`] (`path:line:col: severity:
//! message`), not only the first; a [`Script`] is returned only when no
//! diagnostic is an error.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::file::{
    ButtonFile, DialogueFile, FaqEntryFile, FaqFile, HubsFile, LocalizedFile, StepFile, StringsFile,
};
use super::strings::{placeholders, Msg, Strings};
use super::{
    markup, valid_id, Action, Button, Dialogue, FaqEntry, Hub, Kind, Quiz, QuizOption, Script,
    Service, ServiceInfo, Step, Target, Text, TextInput, LESSONS_MENU, MAIN_MENU, MAX_ID_LEN,
};

/// Telegram refuses longer message texts.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longer button labels are cut off on a phone screen.
pub const BUTTON_WARN_CHARS: usize = 40;
/// Longer button labels are refused.
pub const BUTTON_MAX_CHARS: usize = 64;
/// Telegram shows at most 8 buttons in a row.
pub const MAX_COLUMNS: i64 = 8;
/// Telegram allows at most 100 buttons under one message.
pub const MAX_BUTTONS: usize = 100;

/// Longer messages are hard to read on a phone (a warning).
pub const READABLE_CHARS: usize = 600;
/// Longer sentences are hard to follow (a warning).
pub const SENTENCE_WORDS: usize = 20;

/// The first sentence of more than [`SENTENCE_WORDS`] words, if any. Sentences end
/// at `.`, `!`, `?`, `…`, `;` and line breaks.
pub fn long_sentence(text: &str) -> Option<String> {
    text.split(['.', '!', '?', '…', ';', '\n'])
        .map(str::trim)
        .find(|s| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
                > SENTENCE_WORDS
        })
        .map(str::to_string)
}

/// The file of library hubs, at the top of the content folder.
pub const HUBS_FILE: &str = "hubs.toml";
/// Ukraine's bounding box, roughly: coordinates outside it are a mistake.
const UKRAINE_LAT: std::ops::RangeInclusive<f64> = 44.0..=52.5;
const UKRAINE_LON: std::ops::RangeInclusive<f64> = 22.0..=40.5;
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The folder of FAQ files, under the content folder.
pub const FAQ_DIR: &str = "faq";
/// Fewer phrasings than this make an entry hard to find (a warning).
pub const FAQ_MIN_PHRASINGS: usize = 3;

/// The file with the bot's own sentences, at the top of the content folder.
pub const STRINGS_FILE: &str = "strings.toml";
/// Folders under the content folder that hold no dialogues.
const SKIPPED_DIRS: [&str; 1] = ["schema"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one place of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.col,
            severity,
            self.message
        )
    }
}

/// What a load produced: the script when valid, and every diagnostic.
#[derive(Debug)]
pub struct LoadReport {
    pub script: Option<Script>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were read.
    pub files: usize,
}

impl LoadReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Reads every `.toml` file below `dir` and checks them together.
pub fn load_dir(dir: &Path, languages: &[String]) -> LoadReport {
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    if let Err(e) = collect(dir, &mut sources, &mut unreadable) {
        return LoadReport {
            script: None,
            diagnostics: vec![Diagnostic {
                path: dir.to_path_buf(),
                line: 1,
                col: 1,
                severity: Severity::Error,
                message: format!("cannot read the content folder: {e}"),
            }],
            files: 0,
        };
    }
    let mut report = load_sources(dir, sources, languages);
    report.files += unreadable.len();
    if !unreadable.is_empty() {
        report.script = None;
    }
    report.diagnostics.extend(unreadable);
    report
}

fn collect(
    dir: &Path,
    out: &mut Vec<(PathBuf, String)>,
    unreadable: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let skipped = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| SKIPPED_DIRS.contains(&n) || n.starts_with('.'));
            if !skipped {
                collect(&path, out, unreadable)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push((path, text)),
                Err(e) => unreadable.push(Diagnostic {
                    path,
                    line: 1,
                    col: 1,
                    severity: Severity::Error,
                    message: format!("cannot read this file: {e}"),
                }),
            }
        }
    }
    Ok(())
}

/// Parses and checks the given files (path and text). `root` is the content
/// folder: `root/strings.toml` holds the bot's sentences, every other file a
/// dialogue.
pub fn load_sources(
    root: &Path,
    sources: Vec<(PathBuf, String)>,
    languages: &[String],
) -> LoadReport {
    let files = sources.len();
    let mut cx = Checker {
        languages,
        diagnostics: Vec::new(),
    };
    let strings_path = root.join(STRINGS_FILE);
    let faq_dir = root.join(FAQ_DIR);
    let hubs_path = root.join(HUBS_FILE);
    let synonyms_path = root.join(super::synonyms::SYNONYMS_FILE);
    let mut synonyms = crate::faq::Synonyms::default();
    let mut hubs = Vec::new();
    let mut services = Vec::new();
    let mut strings = None;
    let mut parsed: Vec<(Source, DialogueFile)> = Vec::new();
    let mut faq_files: Vec<(Source, FaqFile)> = Vec::new();
    for (path, text) in sources {
        let src = Source { path, text };
        if src.path == hubs_path {
            if let Some(file) = cx.parse::<HubsFile>(&src) {
                services = cx.services(&src, &file);
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
            faq,
            hubs,
            services,
        }),
        diagnostics: cx.diagnostics,
        files,
    }
}

/// A file's path and text, to turn byte offsets into lines and columns.
struct Source {
    path: PathBuf,
    text: String,
}

impl Source {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

struct Checker<'a> {
    languages: &'a [String],
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, src: &Source, span: Range<usize>, severity: Severity, message: String) {
        let (line, col) = src.line_col(span.start);
        self.diagnostics.push(Diagnostic {
            path: src.path.clone(),
            line,
            col,
            severity,
            message,
        });
    }

    fn error(&mut self, src: &Source, span: Range<usize>, message: String) {
        self.report(src, span, Severity::Error, message);
    }

    fn warning(&mut self, src: &Source, span: Range<usize>, message: String) {
        self.report(src, span, Severity::Warning, message);
    }

    fn at_start(&mut self, path: &Path, severity: Severity, message: String) {
        self.diagnostics.push(Diagnostic {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            severity,
            message,
        });
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, src: &Source) -> Option<T> {
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
    fn text(&mut self, src: &Source, field: &LocalizedFile, what: &str) -> Text {
        let map = field.get_ref();
        let mut texts = Vec::with_capacity(self.languages.len());
        for lang in self.languages {
            match map.get(lang) {
                Some(t) if !t.get_ref().trim().is_empty() => {
                    let text = t.get_ref();
                    if let Some(problem) = markup::problem(text) {
                        self.error(src, t.span(), format!("{what} ({lang}): {problem}"));
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
    fn readability(&mut self, src: &Source, field: &LocalizedFile, what: &str) {
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
    fn label(&mut self, src: &Source, field: &LocalizedFile, what: &str) -> Text {
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

    fn id(&mut self, src: &Source, id: &Spanned<String>, what: &str) {
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

    fn strings(&mut self, src: &Source, file: StringsFile) -> Strings {
        let by_key: BTreeMap<&str, (&Spanned<String>, &LocalizedFile)> = file
            .iter()
            .map(|(k, v)| (k.get_ref().as_str(), (k, v)))
            .collect();
        let mut texts = Vec::with_capacity(Msg::ALL.len());
        for &msg in Msg::ALL {
            match by_key.get(msg.key()) {
                Some((_, field)) => {
                    let text = self.text(src, field, &format!("[{}]", msg.key()));
                    for (lang, t) in self.languages.iter().zip(&text.0) {
                        for name in placeholders(t) {
                            if !msg.params().contains(&name) {
                                let allowed = if msg.params().is_empty() {
                                    "none".to_string()
                                } else {
                                    msg.params()
                                        .iter()
                                        .map(|p| format!("{{{p}}}"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                };
                                self.error(
                                    src,
                                    field.span(),
                                    format!("[{}] ({lang}) uses {{{name}}}, which is never filled in; allowed: {allowed}", msg.key()),
                                );
                            }
                        }
                    }
                    texts.push(text);
                }
                None => {
                    self.error(
                        src,
                        0..0,
                        format!("missing [{}]: {}", msg.key(), msg.purpose()),
                    );
                    texts.push(Text(vec![String::new(); self.languages.len()]));
                }
            }
        }
        for (key, (span, _)) in &by_key {
            if !Msg::ALL.iter().any(|m| m.key() == *key) {
                self.warning(src, span.span(), format!("[{key}] is not used by the bot"));
            }
        }
        Strings::new(texts)
    }

    fn dialogue(
        &mut self,
        src: &Source,
        file: &DialogueFile,
        known: &HashMap<String, (PathBuf, Kind)>,
        strings: &Strings,
        linked: &mut HashSet<String>,
    ) -> Dialogue {
        self.id(src, &file.id, "dialogue id");
        let kind = match Kind::parse(file.kind.get_ref()) {
            Some(k) => k,
            None => {
                self.error(
                    src,
                    file.kind.span(),
                    format!(
                        "kind \"{}\" is not one of \"lesson\", \"menu\", \"flow\"",
                        file.kind.get_ref()
                    ),
                );
                Kind::Flow
            }
        };
        let title = self.text(src, &file.title, "title");
        if file.steps.is_empty() {
            self.error(
                src,
                file.id.span(),
                "a dialogue needs at least one [[steps]]".to_string(),
            );
        }

        let mut index = HashMap::new();
        for (i, step) in file.steps.iter().enumerate() {
            let id = &step.get_ref().id;
            self.id(src, id, "step id");
            if index.insert(id.get_ref().clone(), i).is_some() {
                self.error(
                    src,
                    id.span(),
                    format!(
                        "step id \"{}\" is used twice in this dialogue",
                        id.get_ref()
                    ),
                );
            }
        }
        let start = match &file.start {
            Some(s) => match index.get(s.get_ref()) {
                Some(&i) => i,
                None => {
                    self.error(
                        src,
                        s.span(),
                        format!("start: no step \"{}\" in this dialogue", s.get_ref()),
                    );
                    0
                }
            },
            None => 0,
        };

        let steps: Vec<Step> = file
            .steps
            .iter()
            .map(|step| self.step(src, step, kind, &index, known, strings, linked))
            .collect();

        // Which steps can be reached from the start.
        if !steps.is_empty() {
            let mut seen = vec![false; steps.len()];
            let mut queue = VecDeque::from([start]);
            seen[start] = true;
            while let Some(i) = queue.pop_front() {
                for next in successors(&steps[i]) {
                    if let Some(&j) = index.get(next) {
                        if !seen[j] {
                            seen[j] = true;
                            queue.push_back(j);
                        }
                    }
                }
            }
            for (i, step) in file.steps.iter().enumerate() {
                if !seen[i] {
                    self.warning(
                        src,
                        step.get_ref().id.span(),
                        format!(
                            "step \"{}\" cannot be reached from the start",
                            step.get_ref().id.get_ref()
                        ),
                    );
                }
            }
            // A broken link already explains an unreachable end; do not pile on.
            let broken = steps
                .iter()
                .flat_map(successors)
                .any(|s| !index.contains_key(s));
            if kind == Kind::Lesson
                && !broken
                && !steps
                    .iter()
                    .zip(&seen)
                    .any(|(s, &reached)| s.end && reached)
            {
                self.error(
                    src,
                    file.id.span(),
                    "this lesson never ends: mark its last step with `end = true`, reachable from the start".to_string(),
                );
            }
        }

        Dialogue {
            id: file.id.get_ref().clone(),
            kind,
            title,
            digcomp: file.digcomp.as_ref().map(|d| d.get_ref().clone()),
            sources: file.sources.clone(),
            start,
            steps,
            index,
            path: src.path.clone(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        src: &Source,
        spanned: &Spanned<StepFile>,
        kind: Kind,
        index: &HashMap<String, usize>,
        known: &HashMap<String, (PathBuf, Kind)>,
        strings: &Strings,
        linked: &mut HashSet<String>,
    ) -> Step {
        let step = spanned.get_ref();
        let sid = step.id.get_ref();
        let text = self.text(src, &step.text, &format!("step \"{sid}\": text"));
        self.readability(src, &step.text, &format!("step \"{sid}\": text"));
        let end = step.end.unwrap_or(false);
        let is_quiz = !step.options.is_empty();

        let check_step_link = |cx: &mut Self, link: &Spanned<String>, what: &str| {
            if !index.contains_key(link.get_ref()) {
                cx.error(
                    src,
                    link.span(),
                    format!(
                        "step \"{sid}\": {what} \"{}\": there is no such step in this dialogue",
                        link.get_ref()
                    ),
                );
            }
        };

        let mut buttons = Vec::new();
        if let Some(next) = &step.next {
            check_step_link(self, next, "next");
            if !is_quiz {
                buttons.push(Button {
                    label: strings.text(Msg::ButtonNext).clone(),
                    target: Target::Step(next.get_ref().clone()),
                });
            }
        }
        for (n, b) in step.buttons.iter().enumerate() {
            let what = format!("step \"{sid}\", button {}", n + 1);
            let label = self.label(src, &b.get_ref().label, &format!("{what}: label"));
            if let Some(target) = self.target(src, b, &what, index, known, linked) {
                buttons.push(Button { label, target });
            }
        }
        if buttons.len() > MAX_BUTTONS {
            self.error(
                src,
                step.id.span(),
                format!(
                    "step \"{sid}\" has {} buttons; Telegram allows {MAX_BUTTONS}",
                    buttons.len()
                ),
            );
        }
        let columns = match &step.columns {
            Some(c) if !(1..=MAX_COLUMNS).contains(c.get_ref()) => {
                self.error(
                    src,
                    c.span(),
                    format!(
                        "columns = {}: a row holds 1 to {MAX_COLUMNS} buttons",
                        c.get_ref()
                    ),
                );
                1
            }
            Some(c) => *c.get_ref() as usize,
            None => 1,
        };

        let quiz = if is_quiz {
            Some(self.quiz(src, spanned))
        } else {
            if step.retry.is_some() || step.several_correct.is_some() {
                self.warning(
                    src,
                    step.id.span(),
                    format!("step \"{sid}\": `retry` and `several_correct` apply only to a question with options"),
                );
            }
            None
        };

        let input = step.input.as_ref().map(|input| {
            let input = input.get_ref();
            check_step_link(self, &input.next, "input.next");
            if let Some(action) = &input.action {
                match Action::parse(action.get_ref()) {
                    Some(a) if a.takes_text() => {}
                    Some(_) => self.error(
                        src,
                        action.span(),
                        format!(
                            "step \"{sid}\": action \"{}\" does not take typed text",
                            action.get_ref()
                        ),
                    ),
                    None => self.unknown_action(src, action),
                }
            }
            TextInput {
                next: input.next.get_ref().clone(),
            }
        });
        if input.is_some() && (is_quiz || !step.buttons.is_empty()) {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a step waits for typed text or offers buttons and options, not both"),
            );
        }
        if is_quiz && !step.buttons.is_empty() {
            self.error(
                src,
                step.id.span(),
                format!(
                    "step \"{sid}\": a question has options; move other buttons to the next step"
                ),
            );
        }
        if end && (is_quiz || input.is_some() || step.next.is_some()) {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": an end step cannot also ask a question, wait for text or have `next`"),
            );
        }
        if !end && buttons.is_empty() && !is_quiz && input.is_none() {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\" has no way forward: add `next`, buttons, options or `input`, or mark it `end = true`"),
            );
        }
        if kind == Kind::Menu && (is_quiz || input.is_some()) {
            self.error(
                src,
                step.id.span(),
                format!(
                    "step \"{sid}\": a menu offers buttons only; put questions in a lesson or flow"
                ),
            );
        }

        Step {
            id: sid.clone(),
            text,
            buttons,
            columns,
            quiz,
            input,
            end,
        }
    }

    fn quiz(&mut self, src: &Source, spanned: &Spanned<StepFile>) -> Quiz {
        let step = spanned.get_ref();
        let sid = step.id.get_ref();
        if step.options.len() < 2 {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a question needs at least 2 options"),
            );
        }
        if step.options.len() > 10 {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a question with more than 10 options is too long to read"),
            );
        }
        let options: Vec<QuizOption> = step
            .options
            .iter()
            .enumerate()
            .map(|(n, o)| {
                let what = format!("step \"{sid}\", option {}", n + 1);
                let o = o.get_ref();
                QuizOption {
                    text: self.label(src, &o.text, &format!("{what}: text")),
                    correct: o.correct,
                    explain: {
                        let what = format!("{what}: explain");
                        self.readability(src, &o.explain, &what);
                        self.text(src, &o.explain, &what)
                    },
                }
            })
            .collect();
        let correct = options.iter().filter(|o| o.correct).count();
        let several = step.several_correct.unwrap_or(false);
        if correct == 0 {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": no option is marked `correct = true`"),
            );
        } else if correct > 1 && !several {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": {correct} options are marked correct; mark one, or set `several_correct = true`"),
            );
        }
        if step.next.is_none() {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a question needs `next`, the step after the answer"),
            );
        }
        Quiz {
            options,
            retry: step.retry.unwrap_or(true),
            next: step
                .next
                .as_ref()
                .map(|n| n.get_ref().clone())
                .unwrap_or_default(),
        }
    }

    fn target(
        &mut self,
        src: &Source,
        button: &Spanned<ButtonFile>,
        what: &str,
        index: &HashMap<String, usize>,
        known: &HashMap<String, (PathBuf, Kind)>,
        linked: &mut HashSet<String>,
    ) -> Option<Target> {
        let b = button.get_ref();
        let given = [
            b.goto.is_some(),
            b.dialogue.is_some(),
            b.action.is_some(),
            b.url.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if given != 1 {
            self.error(
                src,
                button.span(),
                format!(
                    "{what}: give exactly one of `goto` (a step), `dialogue`, `action` or `url`"
                ),
            );
            return None;
        }
        if let Some(u) = &b.url {
            return match url::Url::parse(u.get_ref()) {
                Ok(parsed) if parsed.scheme() == "https" && parsed.host().is_some() => {
                    Some(Target::Link(parsed.to_string()))
                }
                _ => {
                    self.error(
                        src,
                        u.span(),
                        format!(
                            "{what}: \"{}\" is not a web address starting with https://",
                            u.get_ref()
                        ),
                    );
                    None
                }
            };
        }
        if let Some(goto) = &b.goto {
            if !index.contains_key(goto.get_ref()) {
                self.error(
                    src,
                    goto.span(),
                    format!(
                        "{what}: goto \"{}\": there is no such step in this dialogue",
                        goto.get_ref()
                    ),
                );
                return None;
            }
            return Some(Target::Step(goto.get_ref().clone()));
        }
        if let Some(d) = &b.dialogue {
            if !known.contains_key(d.get_ref()) {
                self.error(
                    src,
                    d.span(),
                    format!("{what}: there is no dialogue \"{}\"", d.get_ref()),
                );
                return None;
            }
            linked.insert(d.get_ref().clone());
            return Some(Target::Dialogue(d.get_ref().clone()));
        }
        if let Some(a) = &b.action {
            return match Action::parse(a.get_ref()) {
                Some(action) => Some(Target::Action(action)),
                None => {
                    self.unknown_action(src, a);
                    None
                }
            };
        }
        None
    }

    fn faq_entry(
        &mut self,
        src: &Source,
        spanned: &Spanned<FaqEntryFile>,
        known: &HashMap<String, (PathBuf, Kind)>,
        dialogues: &HashMap<String, Dialogue>,
        strings: &Strings,
        ids: &mut HashMap<String, PathBuf>,
    ) -> Option<FaqEntry> {
        let entry = spanned.get_ref();
        let id = entry.id.get_ref();
        self.id(src, &entry.id, "FAQ id");
        if let Some(first) = ids.insert(id.clone(), src.path.clone()) {
            self.error(
                src,
                entry.id.span(),
                format!("FAQ id \"{id}\" is already used in {}", first.display()),
            );
        }
        if entry.topic.get_ref().trim().is_empty() {
            self.error(
                src,
                entry.topic.span(),
                format!("FAQ \"{id}\": the topic is empty"),
            );
        }
        let what = format!("FAQ \"{id}\"");
        let mut questions = Vec::new();
        for lang in self.languages {
            let phrasings: Vec<String> = entry
                .questions
                .get_ref()
                .get(lang)
                .map(|qs| {
                    qs.iter()
                        .map(|q| q.get_ref().trim().to_string())
                        .filter(|q| !q.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if phrasings.is_empty() {
                self.error(
                    src,
                    entry.questions.span(),
                    format!("{what}: no question in \"{lang}\""),
                );
            } else if phrasings.len() < FAQ_MIN_PHRASINGS {
                self.warning(
                    src,
                    entry.questions.span(),
                    format!(
                        "{what}: only {} way(s) to ask in \"{lang}\"; give at least {FAQ_MIN_PHRASINGS}, as residents would type them",
                        phrasings.len()
                    ),
                );
            }
            questions.push(phrasings);
        }
        for lang in entry.questions.get_ref().keys() {
            if !self.languages.contains(lang) {
                self.warning(
                    src,
                    entry.questions.span(),
                    format!(
                        "{what}: language \"{lang}\" is not in locale.languages; it is never used"
                    ),
                );
            }
        }
        let keywords = self
            .languages
            .iter()
            .map(|lang| {
                entry
                    .keywords
                    .get(lang)
                    .map(|ks| ks.iter().map(|k| k.get_ref().trim().to_string()).collect())
                    .unwrap_or_default()
            })
            .collect();
        let lesson_title = entry
            .lesson
            .as_ref()
            .and_then(|l| dialogues.get(l.get_ref()))
            .filter(|d| d.kind == Kind::Lesson)
            .map(|d| d.title.clone());
        let answer = match (&entry.answer, lesson_title) {
            (Some(answer), _) => {
                self.readability(src, answer, &format!("{what}: answer"));
                self.text(src, answer, &format!("{what}: answer"))
            }
            // The lesson answers it: a short pointer to it, in every language.
            (None, Some(title)) => Text(
                (0..self.languages.len())
                    .map(|i| strings.fill(Msg::FaqSeeLesson, i, &[("title", title.get(i))]))
                    .collect(),
            ),
            (None, None) => {
                self.error(
                    src,
                    entry.id.span(),
                    format!("{what}: give an `answer`, or a `lesson` that answers it"),
                );
                Text(vec![String::new(); self.languages.len()])
            }
        };

        let mut buttons = Vec::new();
        if let Some(lesson) = &entry.lesson {
            match dialogues.get(lesson.get_ref()) {
                Some(d) if d.kind == Kind::Lesson => buttons.push(Button {
                    label: Text(d.title.0.iter().map(|t| format!("📖 {t}")).collect()),
                    target: Target::Dialogue(d.id.clone()),
                }),
                Some(_) => self.error(
                    src,
                    lesson.span(),
                    format!("{what}: \"{}\" is not a lesson", lesson.get_ref()),
                ),
                None => self.error(
                    src,
                    lesson.span(),
                    format!("{what}: there is no lesson \"{}\"", lesson.get_ref()),
                ),
            }
        }
        for (n, b) in entry.buttons.iter().enumerate() {
            let bwhat = format!("{what}, button {}", n + 1);
            let label = self.label(src, &b.get_ref().label, &format!("{bwhat}: label"));
            if let Some(goto) = &b.get_ref().goto {
                self.error(
                    src,
                    goto.span(),
                    format!(
                        "{bwhat}: an answer has no steps to `goto`; use `dialogue` or `action`"
                    ),
                );
                continue;
            }
            if let Some(target) =
                self.target(src, b, &bwhat, &HashMap::new(), known, &mut HashSet::new())
            {
                buttons.push(Button { label, target });
            }
        }
        Some(FaqEntry {
            id: id.clone(),
            topic: entry.topic.get_ref().trim().to_string(),
            questions,
            keywords,
            answer,
            buttons,
        })
    }

    /// The services' names and words, one per [`Service::ALL`], in that order.
    fn services(&mut self, src: &Source, file: &HubsFile) -> Vec<ServiceInfo> {
        for (name, spanned) in &file.services {
            if Service::parse(name).is_none() {
                let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
                self.error(
                    src,
                    spanned.span(),
                    format!("unknown service \"{name}\"; known: {}", names.join(", ")),
                );
            }
        }
        Service::ALL
            .iter()
            .map(|&service| match file.services.get(service.name()) {
                Some(spanned) => {
                    let f = spanned.get_ref();
                    let what = format!("service \"{}\"", service.name());
                    let name = self.text(src, &f.name, &format!("{what}: name"));
                    let words = self
                        .languages
                        .iter()
                        .map(|lang| f.words.get(lang).cloned().unwrap_or_default())
                        .collect();
                    ServiceInfo {
                        service,
                        name,
                        words,
                    }
                }
                None => {
                    let used = file
                        .hubs
                        .iter()
                        .any(|h| h.get_ref().services.iter().any(|s| s.get_ref() == service.name()));
                    if used {
                        self.warning(
                            src,
                            0..0,
                            format!(
                                "service \"{}\" has no [services.{}] name; residents will see \"{}\"",
                                service.name(),
                                service.name(),
                                service.name()
                            ),
                        );
                    }
                    ServiceInfo {
                        service,
                        name: Text(vec![service.name().to_string(); self.languages.len()]),
                        words: vec![Vec::new(); self.languages.len()],
                    }
                }
            })
            .collect()
    }

    fn hubs(&mut self, src: &Source, file: HubsFile) -> Vec<Hub> {
        let mut ids = HashSet::new();
        let mut hubs = Vec::new();
        for spanned in &file.hubs {
            let h = spanned.get_ref();
            let id = h.id.get_ref();
            let what = format!("hub \"{id}\"");
            self.id(src, &h.id, "hub id");
            if !ids.insert(id.clone()) {
                self.error(src, h.id.span(), format!("hub id \"{id}\" is used twice"));
            }
            let name = self.text(src, &h.name, &format!("{what}: name"));
            let settlement = self.text(src, &h.settlement, &format!("{what}: settlement"));
            let address = match &h.address {
                Some(a) => Some(self.text(src, a, &format!("{what}: address"))),
                None => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no address; add it when it is known from a source"),
                    );
                    None
                }
            };
            let location = match (&h.latitude, &h.longitude) {
                (Some(lat), Some(lon)) => {
                    let (la, lo) = (*lat.get_ref(), *lon.get_ref());
                    if (la == 0.0 && lo == 0.0)
                        || !UKRAINE_LAT.contains(&la)
                        || !UKRAINE_LON.contains(&lo)
                    {
                        self.error(
                            src,
                            lat.span(),
                            format!("{what}: {la}, {lo} is not in Ukraine"),
                        );
                        None
                    } else {
                        if h.approximate {
                            self.warning(
                                src,
                                lat.span(),
                                format!("{what}: the coordinates are approximate; confirm them on a map and remove `approximate`"),
                            );
                        }
                        Some((la, lo))
                    }
                }
                (None, None) => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no coordinates, so it is found only by its settlement"),
                    );
                    None
                }
                (Some(x), None) | (None, Some(x)) => {
                    self.error(
                        src,
                        x.span(),
                        format!("{what}: give both latitude and longitude"),
                    );
                    None
                }
            };
            if h.phone.is_none() {
                self.warning(
                    src,
                    h.id.span(),
                    format!("{what}: no phone number; add it when it is known from a source"),
                );
            }
            let hours = match &h.hours {
                None => {
                    self.warning(
                        src,
                        h.id.span(),
                        format!("{what}: no opening hours; the bot will say they are not known"),
                    );
                    None
                }
                Some(table) => {
                    let mut week: [Vec<(jiff::civil::Time, jiff::civil::Time)>; 7] =
                        Default::default();
                    for (day, intervals) in table.get_ref() {
                        let Some(d) = WEEKDAYS.iter().position(|w| w == day) else {
                            self.error(
                                src,
                                table.span(),
                                format!("{what}: \"{day}\" is not one of {}", WEEKDAYS.join(", ")),
                            );
                            continue;
                        };
                        for interval in intervals {
                            match parse_interval(interval.get_ref()) {
                                Some(i) => week[d].push(i),
                                None => self.error(
                                    src,
                                    interval.span(),
                                    format!(
                                        "{what}: \"{}\" is not an interval like \"09:00-13:00\"",
                                        interval.get_ref()
                                    ),
                                ),
                            }
                        }
                    }
                    for (d, day) in WEEKDAYS.iter().enumerate() {
                        if !table.get_ref().contains_key(*day) {
                            self.warning(src, table.span(), format!("{what}: hours for \"{day}\" are not given; write `{day} = []` for a day off"));
                        }
                        week[d].sort();
                    }
                    Some(week)
                }
            };
            let services = h
                .services
                .iter()
                .filter_map(|s| {
                    let found = Service::parse(s.get_ref());
                    if found.is_none() {
                        let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
                        self.error(
                            src,
                            s.span(),
                            format!(
                                "{what}: unknown service \"{}\"; known: {}",
                                s.get_ref(),
                                names.join(", ")
                            ),
                        );
                    }
                    found
                })
                .collect();
            if !h.verified {
                self.warning(src, h.id.span(), format!("{what}: not verified yet; check it with the library and set `verified = true`"));
            }
            hubs.push(Hub {
                id: id.clone(),
                name,
                address,
                settlement,
                location,
                approximate: h.approximate,
                phone: h.phone.as_ref().map(|p| p.get_ref().clone()),
                hours,
                services,
                verified: h.verified,
                source: h.source.get_ref().clone(),
            });
        }
        hubs
    }

    fn unknown_action(&mut self, src: &Source, action: &Spanned<String>) {
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

/// "09:00-13:00" as two times, the first before the second.
fn parse_interval(text: &str) -> Option<(jiff::civil::Time, jiff::civil::Time)> {
    let (from, to) = text.split_once('-')?;
    let from: jiff::civil::Time = from.trim().parse().ok()?;
    let to: jiff::civil::Time = to.trim().parse().ok()?;
    (from < to).then_some((from, to))
}

/// The step ids a step can lead to within its dialogue.
fn successors(step: &Step) -> impl Iterator<Item = &str> {
    step.buttons
        .iter()
        .filter_map(|b| match &b.target {
            Target::Step(s) => Some(s.as_str()),
            _ => None,
        })
        .chain(step.quiz.as_ref().map(|q| q.next.as_str()))
        .chain(step.input.as_ref().map(|i| i.next.as_str()))
}
