//! Questions in the resident's own words: answers from the FAQ, close
//! questions to choose from, 👍/👎 votes, and the way to a librarian.
//!
//! The engine only decides what to say and what to ask of the adapter: a
//! ticket for the librarians is opened by the adapter ([`Effect::OpenTicket`]),
//! which alone knows the librarians' chat and the ticket's number.

use std::hash::BuildHasher;

use super::{Awaiting, Effect, Event, InlineButton, Keyboard, Press, Reply, Turn, Verdict};
use crate::faq;
use crate::script::{Action, Kind, Msg, LESSONS_MENU, MAIN_MENU};

/// Hex digits of a question's key: enough to tell apart the questions of a
/// day, short enough for a vote's callback data.
pub const KEY_LEN: usize = 12;
/// The longest message passed to a librarian, in characters: the ticket's
/// header must still fit in one Telegram message (4096).
pub const MAX_TICKET_TEXT: usize = 3000;
/// The most characters of a question kept for admins.
const MAX_KEPT: usize = 500;
/// The longest label of an offered question, in characters.
const MAX_CHOICE_LABEL: usize = 60;

/// The key that ties a choice or a vote to the question it followed.
pub fn question_key(text: &str) -> String {
    let hash = rustc_hash::FxBuildHasher.hash_one(text.trim());
    format!("{:0width$x}", hash & 0xffff_ffff_ffff, width = KEY_LEN)
}

impl Turn<'_> {
    /// `/ask` or the menu's button: the next text goes to the FAQ.
    pub(super) fn ask(&mut self) {
        self.state.awaiting = Some(Awaiting::Question);
        self.say(Msg::AskPrompt);
    }

    /// `/librarian` or a button: the next text goes to a librarian, if any.
    pub(super) fn librarian(&mut self) {
        if let Some(key) = self.asked.take() {
            self.events.push(Event::FaqToLibrarian { key });
        }
        if !self.cx.handoff {
            // Nobody reads the chat: the hub open now (or soonest) is the way to a person.
            self.events.push(Event::HandoffUnavailable);
            self.say(Msg::LibrarianNone);
            return self.soonest_hub();
        }
        self.state.awaiting = Some(Awaiting::Librarian);
        let text = self.text_of(Msg::LibrarianPrompt).to_string();
        let keyboard = Keyboard::Inline(vec![vec![self.menu_button()]]);
        self.replies.push(Reply::Message { text, keyboard });
    }

    /// A button under a librarian's answer: the next text answers them.
    pub(super) fn reply_to_ticket(&mut self, ticket: u64) {
        self.state.awaiting = Some(Awaiting::Ticket(ticket));
        self.say(Msg::TicketReplyPrompt);
    }

    /// Text the bot asked for.
    pub(super) fn awaited(&mut self, awaiting: Awaiting, text: &str) {
        match awaiting {
            Awaiting::Question => self.question(text),
            Awaiting::Place => self.hubs_named(text),
            Awaiting::Librarian => {
                if let Some(text) = self.for_librarian(awaiting, text) {
                    self.effects.push(Effect::OpenTicket { text });
                }
            }
            Awaiting::Ticket(ticket) => {
                if let Some(text) = self.for_librarian(awaiting, text) {
                    self.effects.push(Effect::TicketMessage { ticket, text });
                }
            }
        }
    }

    /// The text to pass on, or `None` (still awaiting) when it cannot go as it is.
    fn for_librarian(&mut self, awaiting: Awaiting, text: &str) -> Option<String> {
        let text = text.trim();
        if text.is_empty() {
            self.state.awaiting = Some(awaiting);
            self.say(Msg::LibrarianPrompt);
            return None;
        }
        if text.chars().count() > MAX_TICKET_TEXT {
            self.state.awaiting = Some(awaiting);
            let note = self.script.strings.fill(
                Msg::TooLong,
                self.lang,
                &[("max", &MAX_TICKET_TEXT.to_string())],
            );
            self.note(note);
            return None;
        }
        Some(text.to_string())
    }

    /// Free text that is no button and no awaited input: the FAQ answers it,
    /// offers close questions, or says it does not know.
    pub(super) fn question(&mut self, text: &str) {
        let script = self.script;
        let key = question_key(text);
        let verdict = script.faq_index.judge(text);
        let (kind, entry) = match &verdict {
            faq::Verdict::Confident(i) => (Verdict::Answered, Some(script.faq[*i].id.clone())),
            faq::Verdict::Close(_) => (Verdict::Choices, None),
            faq::Verdict::Nothing => (Verdict::Nothing, None),
        };
        self.events.push(Event::Asked {
            key: key.clone(),
            lang: script.languages[self.lang].clone(),
            verdict: kind,
            entry,
            text: text.trim().chars().take(MAX_KEPT).collect(),
        });
        if !matches!(verdict, faq::Verdict::Confident(_)) {
            self.state.asked = Some(key.clone());
        }
        match verdict {
            faq::Verdict::Confident(i) => self.faq_answer(i, &key),
            faq::Verdict::Close(entries) => {
                let mut rows: Vec<Vec<InlineButton>> = entries
                    .iter()
                    .map(|&i| {
                        let entry = &script.faq[i];
                        let question = entry
                            .questions
                            .get(self.lang)
                            .and_then(|qs| qs.first())
                            .map_or(entry.id.as_str(), String::as_str);
                        vec![InlineButton {
                            url: None,
                            label: shorten(question, MAX_CHOICE_LABEL),
                            data: Press::Faq {
                                entry: entry.id.clone(),
                                key: key.clone(),
                            }
                            .encode(),
                        }]
                    })
                    .collect();
                rows.push(vec![self.librarian_button()]);
                rows.push(self.way_back());
                let text = self.text_of(Msg::FaqChoices).to_string();
                self.replies.push(Reply::Message {
                    text,
                    keyboard: Keyboard::Inline(rows),
                });
            }
            faq::Verdict::Nothing => {
                let rows = vec![vec![self.librarian_button()], self.way_back()];
                let text = self.text_of(Msg::FaqNothing).to_string();
                self.replies.push(Reply::Message {
                    text,
                    keyboard: Keyboard::Inline(rows),
                });
            }
        }
    }

    /// One of the offered questions was tapped.
    pub(super) fn chosen(&mut self, entry: &str, key: &str) {
        let Some(i) = self.script.faq_entry(entry) else {
            return self.stale();
        };
        self.events.push(Event::FaqChosen {
            key: key.to_string(),
            entry: entry.to_string(),
        });
        self.faq_answer(i, key);
    }

    /// 👍 or 👎 under an answer. A later vote on the same answer replaces the earlier.
    pub(super) fn vote(&mut self, entry: &str, key: &str, helpful: bool) {
        if self.script.faq_entry(entry).is_none() {
            return self.stale();
        }
        self.events.push(Event::FaqVoted {
            key: key.to_string(),
            entry: entry.to_string(),
            helpful,
        });
        if helpful {
            let text = self.text_of(Msg::FaqThanks).to_string();
            let keyboard = Keyboard::Inline(vec![self.way_back()]);
            self.replies.push(Reply::Message { text, keyboard });
        } else {
            self.state.asked = Some(key.to_string());
            let text = self.text_of(Msg::FaqSorry).to_string();
            let rows = vec![vec![self.librarian_button()], self.way_back()];
            self.replies.push(Reply::Message {
                text,
                keyboard: Keyboard::Inline(rows),
            });
        }
    }

    /// An entry's answer, its buttons, the vote, and the way back.
    fn faq_answer(&mut self, i: usize, key: &str) {
        let script = self.script;
        let entry = &script.faq[i];
        let mut rows: Vec<Vec<InlineButton>> = entry
            .buttons
            .iter()
            .map(|b| vec![self.button(MAIN_MENU, b)])
            .collect();
        let vote = |helpful: bool, msg: Msg| InlineButton {
            url: None,
            label: script.strings.get(msg, self.lang).to_string(),
            data: Press::Vote {
                entry: entry.id.clone(),
                key: key.to_string(),
                helpful,
            }
            .encode(),
        };
        rows.push(vec![
            vote(true, Msg::ButtonHelpful),
            vote(false, Msg::ButtonUnhelpful),
        ]);
        if let Some(back) = self.lesson_back() {
            rows.push(vec![back]);
        }
        let text = format!(
            "{}\n\n{}",
            entry.answer.get(self.lang),
            self.text_of(Msg::FaqHelpful)
        );
        let keyboard = Keyboard::Inline(rows);
        self.replies.push(match &entry.picture {
            Some(picture) => self.photo(picture, text, keyboard),
            None => Reply::Message { text, keyboard },
        });
    }

    /// "Back to the lesson" when the resident is in one, else "Lessons" and "Menu".
    pub(super) fn way_back(&self) -> Vec<InlineButton> {
        match self.lesson_back() {
            Some(back) => vec![back],
            None => {
                let strings = &self.script.strings;
                vec![
                    InlineButton {
                        url: None,
                        label: strings.get(Msg::ButtonLessons, self.lang).to_string(),
                        data: Press::Open(LESSONS_MENU.to_string()).encode(),
                    },
                    self.menu_button(),
                ]
            }
        }
    }

    /// A button that reopens the lesson the resident is in (where they stopped).
    pub(super) fn lesson_back(&self) -> Option<InlineButton> {
        let (d, s) = self.current()?;
        (d.kind == Kind::Lesson && !s.end).then(|| InlineButton {
            url: None,
            label: self.text_of(Msg::ButtonBackToLesson).to_string(),
            data: Press::Open(d.id.clone()).encode(),
        })
    }

    fn librarian_button(&self) -> InlineButton {
        InlineButton {
            url: None,
            label: self.text_of(Msg::ButtonLibrarian).to_string(),
            data: Press::Action(Action::Librarian.name().to_string()).encode(),
        }
    }

    fn menu_button(&self) -> InlineButton {
        InlineButton {
            url: None,
            label: self.text_of(Msg::ButtonMenu).to_string(),
            data: Press::Open(MAIN_MENU.to_string()).encode(),
        }
    }
}

/// At most `max` characters, with "…" when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_short() {
        assert_eq!(
            question_key("  як змінити пароль "),
            question_key("як змінити пароль")
        );
        assert_ne!(
            question_key("як змінити пароль"),
            question_key("де бібліотека")
        );
        assert_eq!(question_key("x").len(), KEY_LEN);
    }

    #[test]
    fn long_labels_are_shortened() {
        assert_eq!(shorten("коротко", 60), "коротко");
        let long = "д".repeat(100);
        let short = shorten(&long, 60);
        assert_eq!(short.chars().count(), 60);
        assert!(short.ends_with('…'));
    }
}
