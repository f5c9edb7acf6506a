//! The checks of FAQ entries (`dialogues/faq/`).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use toml::Spanned;

use super::diagnostic::Source;
use super::file::FaqEntryFile;
use super::limits::*;
use super::load::Checker;
use super::strings::{Msg, Strings};
use super::{Button, Dialogue, FaqEntry, Kind, Target, Text};

impl Checker<'_> {
    pub(super) fn faq_entry(
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
        let checked = self.checked(src, entry.checked.as_ref(), &format!("entry \"{id}\""));
        let picture = entry
            .picture
            .as_ref()
            .and_then(|field| self.picture(src, field, &format!("entry \"{id}\": picture")));
        Some(FaqEntry {
            checked,
            picture,
            id: id.clone(),
            topic: entry.topic.get_ref().trim().to_string(),
            questions,
            keywords,
            answer,
            buttons,
        })
    }
}

impl Checker<'_> {
    /// `[[phrasings]]` tables: each way to ask joins its entry, unless it names
    /// no entry, asks another entry already, or is empty.
    pub(super) fn phrasings(
        &mut self,
        src: &Source,
        tables: &[Spanned<super::file::PhrasingsFile>],
        faq: &mut [FaqEntry],
    ) {
        use super::learned::{Added, Phrasebook, Refused};
        let languages = self.languages;
        let mut book = Phrasebook::new(faq, languages);
        for table in tables {
            let table = table.get_ref();
            let entry = table.entry.get_ref();
            'table: for (lang, texts) in table.questions.get_ref() {
                for text in texts {
                    match book.add(entry, lang, text.get_ref()) {
                        Ok(Added::Added) => {}
                        Ok(Added::AlreadyThere) => self.warning(
                            src,
                            text.span(),
                            format!("FAQ \"{entry}\" already has this way to ask; remove it here"),
                        ),
                        Err(why @ Refused::NoEntry(_)) => {
                            self.error(src, table.entry.span(), format!("phrasings: {why}"));
                            // One error for the table, not one per phrasing.
                            break 'table;
                        }
                        Err(why @ Refused::NoLanguage(_)) => {
                            self.warning(
                                src,
                                table.questions.span(),
                                format!("phrasings of FAQ \"{entry}\": {why}; they are never used"),
                            );
                            break;
                        }
                        Err(why) => self.error(
                            src,
                            text.span(),
                            format!("phrasings of FAQ \"{entry}\": {why}"),
                        ),
                    }
                }
            }
        }
    }
}
