//! The glossary: «📖 Словничок» lists the words, a word's button explains it,
//! a typed «що таке QR-код?» is answered from it, and a lesson step that uses
//! a word for the first time in its lesson offers «❓ Що таке «…»?».

use super::{InlineButton, Keyboard, Press, Reply, Turn};
use crate::script::{Action, Dialogue, Msg, Step};

/// Words side by side in the glossary's list.
const COLUMNS: usize = 2;

impl Turn<'_> {
    /// The list of words, each a button.
    pub(super) fn glossary(&mut self) {
        let words = &self.script.glossary.words;
        if words.is_empty() {
            let keyboard = self.back_buttons();
            let text = self.text_of(Msg::GlossaryEmpty).to_string();
            self.replies.push(Reply::Message { text, keyboard });
            return;
        }
        let buttons: Vec<InlineButton> = words
            .iter()
            .map(|w| InlineButton {
                url: None,
                label: w.word.get(self.lang).to_string(),
                data: Press::Word(w.id.clone()).encode(),
            })
            .collect();
        let mut rows: Vec<Vec<InlineButton>> = buttons
            .chunks(COLUMNS)
            .map(<[InlineButton]>::to_vec)
            .collect();
        rows.extend(self.ways_back());
        let text = self.text_of(Msg::GlossaryIntro).to_string();
        self.replies.push(Reply::Message {
            text,
            keyboard: Keyboard::Inline(rows),
        });
    }

    /// One word explained; a word the files no longer have is a stale button.
    pub(super) fn explain(&mut self, id: &str) {
        match self.script.glossary.word(id) {
            Some((i, _)) => self.explain_word(i),
            None => self.stale(),
        }
    }

    /// Typed text that is a glossary word or asks what one means: where the
    /// FAQ has a sure answer, that answers it (returns `false`); otherwise the
    /// word is explained, then the FAQ's close questions are offered if it
    /// has some. Returns whether the text was dealt with.
    pub(super) fn typed_word(&mut self, text: &str) -> bool {
        let glossary = &self.script.glossary;
        let Some(word) = glossary.lookup(text, self.lang) else {
            return false;
        };
        let Some((i, _)) = glossary.word(&word.id) else {
            return false;
        };
        match self.script.faq_index.judge(text) {
            crate::faq::Verdict::Confident(_) => return false,
            crate::faq::Verdict::Close(_) => {
                // The meaning as a note, then the questions to choose from.
                if let Some(text) = self.meaning(i) {
                    self.replies.push(Reply::Message {
                        text,
                        keyboard: Keyboard::None,
                    });
                }
                self.question(text);
            }
            crate::faq::Verdict::Nothing => self.explain_word(i),
        }
        true
    }

    /// "📖 word — meaning".
    fn meaning(&self, i: usize) -> Option<String> {
        let word = self.script.glossary.words.get(i)?;
        Some(self.script.strings.fill(
            Msg::GlossaryWord,
            self.lang,
            &[
                ("word", word.word.get(self.lang)),
                ("meaning", word.meaning.get(self.lang)),
            ],
        ))
    }

    fn explain_word(&mut self, i: usize) {
        let Some(text) = self.meaning(i) else {
            return self.stale();
        };
        let mut rows = vec![vec![InlineButton {
            url: None,
            label: self.text_of(Msg::ButtonGlossary).to_string(),
            data: Press::Action(Action::Glossary.name().to_string()).encode(),
        }]];
        rows.extend(self.ways_back());
        self.replies.push(Reply::Message {
            text,
            keyboard: Keyboard::Inline(rows),
        });
    }

    /// Back to the lesson the resident is in, if any; then "Lessons" and "Menu".
    fn ways_back(&self) -> Vec<Vec<InlineButton>> {
        let mut rows = Vec::new();
        if let Some(lesson) = self.lesson_back() {
            rows.push(vec![lesson]);
        }
        if let Keyboard::Inline(back) = self.back_buttons() {
            rows.extend(back);
        }
        rows
    }

    /// «❓ Що таке «…»?» for the first glossary word `step` uses that no step
    /// before it in `lesson` (in the order of the file) used.
    pub(super) fn what_is(&self, lesson: &Dialogue, step: &Step) -> Option<InlineButton> {
        let glossary = &self.script.glossary;
        if glossary.words.is_empty() {
            return None;
        }
        let before: Vec<usize> = lesson
            .steps
            .iter()
            .take_while(|s| s.id != step.id)
            .flat_map(|s| glossary.used_in(s.text.get(self.lang), self.lang))
            .collect();
        let first = glossary
            .used_in(step.text.get(self.lang), self.lang)
            .into_iter()
            .find(|i| !before.contains(i))?;
        let word = glossary.words.get(first)?;
        Some(InlineButton {
            url: None,
            label: self.script.strings.fill(
                Msg::ButtonWhatIs,
                self.lang,
                &[("word", word.word.get(self.lang))],
            ),
            data: Press::Word(word.id.clone()).encode(),
        })
    }
}
