//! How a step looks: its message, inline buttons or the big menu keyboard,
//! the "Lessons" and "Menu" buttons that end a topic.

use super::{InlineButton, Keyboard, Position, Press, Reply, Turn};
use crate::script::{Dialogue, Kind, Msg, Step, Target, Text, LESSONS_MENU, MAIN_MENU};

impl Turn<'_> {
    /// The message for a step, with its buttons.
    pub(super) fn render(&mut self, dialogue: &Dialogue, step: &Step) -> Reply {
        self.render_text(dialogue, step, &step.text)
    }

    /// "🐢 Simpler": the current step in its simpler words, with its buttons.
    pub(super) fn simpler(&mut self) {
        match self.current() {
            Some((d, s)) => match &s.simpler {
                Some(simpler) => {
                    let reply = self.render_text(d, s, simpler);
                    self.replies.push(reply);
                }
                None => self.show_current_or_menu(),
            },
            None => self.main_menu(),
        }
    }

    /// A step's message with `text` (its own or its simpler words) and its buttons.
    fn render_text(&mut self, dialogue: &Dialogue, step: &Step, text: &Text) -> Reply {
        let text = text.get(self.lang).to_string();
        if dialogue.kind == Kind::Menu {
            self.state.keyboard = Some(Position {
                dialogue: dialogue.id.clone(),
                step: step.id.clone(),
                wrong: 0,
            });
            let labels: Vec<String> = step
                .buttons
                .iter()
                .map(|b| self.decorate(b.label.get(self.lang), &b.target))
                .collect();
            let rows = labels
                .chunks(step.columns)
                .map(<[String]>::to_vec)
                .collect();
            return Reply::Message {
                text,
                keyboard: Keyboard::Menu(rows),
            };
        }
        let keyboard = if let Some(quiz) = &step.quiz {
            // Each resident sees the options in an order of their own, the same
            // every time; the data names the option by its place in the file.
            // Reflection answers keep the order they were written in.
            let order: Vec<usize> = if quiz.reflection {
                (0..quiz.options.len()).collect()
            } else {
                super::shuffle::order(self.cx.seed, &dialogue.id, &step.id, quiz.options.len())
            };
            let rows = order
                .into_iter()
                .filter_map(|i| quiz.options.get(i).map(|o| (i, o)))
                .map(|(i, o)| {
                    vec![InlineButton {
                        url: None,
                        label: o.text.get(self.lang).to_string(),
                        data: Press::Answer {
                            dialogue: dialogue.id.clone(),
                            step: step.id.clone(),
                            option: i,
                        }
                        .encode(),
                    }]
                })
                .collect();
            Keyboard::Inline(rows)
        } else if step.end && step.buttons.is_empty() {
            self.back_buttons()
        } else {
            self.inline(dialogue, step)
        };
        let (text, keyboard) = if dialogue.kind == Kind::Lesson && !step.end {
            let text = format!("{}\n\n{text}", self.step_progress(dialogue, step));
            (text, self.with_controls(keyboard, dialogue, step))
        } else {
            (text, keyboard)
        };
        match &step.picture {
            Some(picture) => self.photo(picture, text, keyboard),
            None => Reply::Message { text, keyboard },
        }
    }

    /// A picture with `text` as its caption and `keyboard` under it.
    pub(super) fn photo(
        &self,
        picture: &std::sync::Arc<crate::script::Picture>,
        text: String,
        keyboard: Keyboard,
    ) -> Reply {
        Reply::Photo {
            alt: self.script.strings.fill(
                Msg::PictureAlt,
                self.lang,
                &[("alt", picture.alt.get(self.lang))],
            ),
            picture: picture.clone(),
            text,
            keyboard,
        }
    }

    /// "Step 3 of 8": the step's place among the lesson's steps that are not
    /// an end, in the order of the file.
    fn step_progress(&self, lesson: &Dialogue, step: &Step) -> String {
        let steps = lesson.steps.iter().filter(|s| !s.end);
        let total = steps.clone().count();
        let n = steps.take_while(|s| s.id != step.id).count() + 1;
        self.script.strings.fill(
            Msg::StepProgress,
            self.lang,
            &[("n", &n.to_string()), ("total", &total.to_string())],
        )
    }

    /// A lesson step's keyboard with a row of its own under it: "🐢 Simpler"
    /// when the step has simpler words, "🔁 Again" and, when there is a step
    /// to go back to, "⬅️ Back"; above it "❓ What is …?" when the step uses a
    /// glossary word for the first time in the lesson.
    fn with_controls(&self, keyboard: Keyboard, lesson: &Dialogue, step: &Step) -> Keyboard {
        let mut rows = match keyboard {
            Keyboard::Inline(rows) => rows,
            // A lesson step never has the big keyboard; keep anything else as it is.
            Keyboard::None => Vec::new(),
            other => return other,
        };
        let strings = &self.script.strings;
        let (dialogue, id) = (lesson.id.clone(), step.id.clone());
        if let Some(what_is) = self.what_is(lesson, step) {
            rows.push(vec![what_is]);
        }
        let mut row = Vec::new();
        if step.simpler.is_some() {
            row.push(InlineButton {
                url: None,
                label: strings.get(Msg::ButtonSimpler, self.lang).to_string(),
                data: Press::Simpler {
                    dialogue: dialogue.clone(),
                    step: id.clone(),
                }
                .encode(),
            });
        }
        row.push(InlineButton {
            url: None,
            label: strings.get(Msg::ButtonAgain, self.lang).to_string(),
            data: Press::Again {
                dialogue: dialogue.clone(),
                step: id.clone(),
            }
            .encode(),
        });
        if !self.state.history.is_empty() {
            row.push(InlineButton {
                url: None,
                label: strings.get(Msg::ButtonBack, self.lang).to_string(),
                data: Press::Back { dialogue, step: id }.encode(),
            });
        }
        rows.push(row);
        Keyboard::Inline(rows)
    }

    pub(super) fn inline(&self, dialogue: &Dialogue, step: &Step) -> Keyboard {
        if step.buttons.is_empty() {
            return Keyboard::None;
        }
        let buttons: Vec<InlineButton> = step
            .buttons
            .iter()
            .map(|b| self.button(&dialogue.id, b))
            .collect();
        Keyboard::Inline(
            buttons
                .chunks(step.columns)
                .map(<[InlineButton]>::to_vec)
                .collect(),
        )
    }

    /// An inline button of a step of `dialogue` (or of an FAQ answer).
    pub(super) fn button(&self, dialogue: &str, b: &crate::script::Button) -> InlineButton {
        if let Target::Link(url) = &b.target {
            return InlineButton {
                label: b.label.get(self.lang).to_string(),
                data: String::new(),
                url: Some(url.clone()),
            };
        }
        InlineButton {
            url: None,
            label: self.decorate(b.label.get(self.lang), &b.target),
            data: match &b.target {
                Target::Step(s) => Press::Goto {
                    dialogue: dialogue.to_string(),
                    step: s.clone(),
                },
                Target::Dialogue(d) => Press::Open(d.clone()),
                Target::Action(a) => Press::Action(a.name().to_string()),
                Target::Link(_) => Press::Open(MAIN_MENU.to_string()),
            }
            .encode(),
        }
    }

    /// Marks a button that opens a completed lesson.
    pub(super) fn decorate(&self, label: &str, target: &Target) -> String {
        match target {
            Target::Dialogue(d) if self.state.lessons.get(d).is_some_and(|r| r.done) => {
                format!("✅ {label}")
            }
            _ => label.to_string(),
        }
    }

    /// "Lessons" and "Menu" buttons, for messages that end a topic.
    pub(super) fn back_buttons(&self) -> Keyboard {
        let strings = &self.script.strings;
        Keyboard::Inline(vec![vec![
            InlineButton {
                url: None,
                label: strings.get(Msg::ButtonLessons, self.lang).to_string(),
                data: Press::Open(LESSONS_MENU.to_string()).encode(),
            },
            InlineButton {
                url: None,
                label: strings.get(Msg::ButtonMenu, self.lang).to_string(),
                data: Press::Open(MAIN_MENU.to_string()).encode(),
            },
        ]])
    }

    pub(super) fn main_menu(&mut self) {
        if self.script.dialogue(MAIN_MENU).is_some() {
            self.open(MAIN_MENU);
        }
    }

    /// Shows the current step again, or the main menu when there is none.
    pub(super) fn show_current_or_menu(&mut self) {
        let current = self
            .current()
            .filter(|(d, s)| !(d.kind == Kind::Lesson && s.end));
        match current {
            Some((d, s)) => {
                let reply = self.render(d, s);
                self.replies.push(reply);
            }
            None => self.main_menu(),
        }
    }
}
