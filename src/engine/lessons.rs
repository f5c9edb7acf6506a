//! Lessons and quizzes: opening a lesson (or resuming it), moving between
//! steps, answering a question, finishing with the score.

use super::{Answered, Event, Keyboard, Position, Reply, Turn, HISTORY_LEN};
use crate::script::{Dialogue, Kind, Msg, Step};

impl Turn<'_> {
    pub(super) fn answer(&mut self, option: usize) {
        let Some((d, s)) = self.current() else {
            return self.stale();
        };
        let Some(quiz) = &s.quiz else {
            return self.stale();
        };
        let Some(chosen) = quiz.options.get(option) else {
            return self.stale();
        };
        let lang = self.lang;
        let script = self.script;
        let strings = &script.strings;
        let (dialogue, step, next) = (d.id.clone(), s.id.clone(), quiz.next.clone());
        let is_lesson = d.kind == Kind::Lesson;
        // A question answered before in this run (the resident went back to
        // it) is not counted again.
        let counted = is_lesson
            && self
                .state
                .lessons
                .get(&dialogue)
                .is_some_and(|r| r.counted.contains(&step));
        let first_try = !counted && self.state.at.as_ref().is_some_and(|p| p.wrong == 0);

        self.replies.push(Reply::Answered {
            note: strings.fill(Msg::QuizChosen, lang, &[("answer", chosen.text.get(lang))]),
        });
        let answered = Answered {
            dialogue: dialogue.clone(),
            step: step.clone(),
            option,
        };
        self.verdict(&answered);
        self.state.answered = Some(answered);
        if quiz.reflection {
            // No right or wrong: never scored, always on to the next step.
            return self.enter(&dialogue, &next);
        }
        self.events.push(Event::QuizAnswered {
            dialogue: dialogue.clone(),
            step: step.clone(),
            option,
            correct: chosen.correct,
            first_try,
        });
        if is_lesson && first_try {
            let record = self.state.lessons.entry(dialogue.clone()).or_default();
            record.answered += 1;
            record.counted.push(step.clone());
            if chosen.correct {
                record.correct += 1;
            }
        }
        if chosen.correct || !quiz.retry {
            self.enter(&dialogue, &next);
        } else {
            if let Some(pos) = self.state.at.as_mut() {
                pos.wrong += 1;
            }
            self.say(Msg::QuizTryAgain);
            self.show_current_or_menu();
        }
    }

    /// Opens a dialogue: a lesson left unfinished resumes where it was.
    pub(super) fn open(&mut self, id: &str) {
        let Some(dialogue) = self.script.dialogue(id) else {
            return self.main_menu();
        };
        if dialogue.kind == Kind::Lesson {
            let resume = self
                .state
                .lessons
                .get(id)
                .filter(|r| !r.done)
                .and_then(|r| r.step.as_deref())
                .and_then(|s| dialogue.step(s))
                .filter(|(i, step)| *i != dialogue.start && !step.end)
                .map(|(_, step)| step.id.clone());
            if let Some(step) = resume {
                let note = self.script.strings.fill(
                    Msg::LessonResume,
                    self.lang,
                    &[("title", dialogue.title.get(self.lang))],
                );
                self.note(note);
                return self.enter(id, &step);
            }
            let record = self.state.lessons.entry(id.to_string()).or_default();
            record.correct = 0;
            record.answered = 0;
            record.counted.clear();
            self.events.push(Event::LessonStarted {
                lesson: id.to_string(),
            });
        }
        let start = dialogue.steps[dialogue.start].id.clone();
        self.enter(id, &start);
    }

    /// Moves to a step and shows it; an end step completes its lesson.
    pub(super) fn enter(&mut self, dialogue_id: &str, step_id: &str) {
        self.move_to(dialogue_id, step_id, true);
    }

    /// "⬅️ Back": the lesson step before the current one.
    pub(super) fn back(&mut self) {
        match self.state.history.pop() {
            Some(p) => self.move_to(&p.dialogue, &p.step, false),
            None => self.show_current_or_menu(),
        }
    }

    /// Moves to a step; `remember`: the step left goes into the history
    /// that "⬅️ Back" uses (within one lesson only).
    fn move_to(&mut self, dialogue_id: &str, step_id: &str, remember: bool) {
        let script = self.script;

        let Some(dialogue) = script.dialogue(dialogue_id) else {
            return self.main_menu();
        };
        let Some((_, step)) = dialogue.step(step_id) else {
            return self.main_menu();
        };
        let left = self.state.at.clone();
        match left {
            Some(p)
                if p.dialogue == dialogue_id
                    && p.step != step_id
                    && self
                        .resolve(&p)
                        .is_some_and(|(d, s)| d.kind == Kind::Lesson && !s.end) =>
            {
                if remember {
                    self.state.history.push(Position { wrong: 0, ..p });
                    let over = self.state.history.len().saturating_sub(HISTORY_LEN);
                    self.state.history.drain(..over);
                }
            }
            Some(p) if p.dialogue == dialogue_id && p.step == step_id => {}
            _ => self.state.history.clear(),
        }
        self.state.at = Some(Position {
            dialogue: dialogue_id.to_string(),
            step: step_id.to_string(),
            wrong: 0,
        });
        self.events.push(Event::StepReached {
            dialogue: dialogue_id.to_string(),
            step: step_id.to_string(),
        });
        if dialogue.kind == Kind::Lesson {
            self.state
                .lessons
                .entry(dialogue_id.to_string())
                .or_default()
                .step = Some(step_id.to_string());
        }
        if step.end && dialogue.kind == Kind::Lesson {
            self.complete(dialogue, step);
        } else {
            let reply = self.render(dialogue, step);
            self.replies.push(reply);
        }
    }

    pub(super) fn complete(&mut self, lesson: &Dialogue, end: &Step) {
        let record = self.state.lessons.entry(lesson.id.clone()).or_default();
        record.done = true;
        record.score = Some((record.correct, record.answered));
        record.step = None;
        record.counted.clear();
        self.state.history.clear();
        let (correct, total) = (record.correct, record.answered);
        self.events.push(Event::LessonCompleted {
            lesson: lesson.id.clone(),
            correct,
            total,
        });
        self.finished(lesson, end, correct, total);
    }

    /// A lesson's last words and the score, with the buttons that follow.
    fn finished(&mut self, lesson: &Dialogue, end: &Step, correct: u32, total: u32) {
        self.replies.push(Reply::Message {
            text: end.text.get(self.lang).to_string(),
            keyboard: Keyboard::None,
        });
        let text = self.script.strings.fill(
            Msg::LessonDone,
            self.lang,
            &[
                ("title", lesson.title.get(self.lang)),
                ("correct", &correct.to_string()),
                ("total", &total.to_string()),
            ],
        );
        let keyboard = if end.buttons.is_empty() {
            self.back_buttons()
        } else {
            self.inline(lesson, end)
        };
        self.replies.push(Reply::Message { text, keyboard });
    }

    /// "Right!" or "Not quite." with the chosen option's explanation.
    pub(super) fn verdict(&mut self, a: &Answered) {
        let script = self.script;
        let option = script
            .dialogue(&a.dialogue)
            .and_then(|d| d.step(&a.step))
            .and_then(|(_, s)| s.quiz.as_ref())
            .and_then(|q| q.options.get(a.option).map(|o| (q, o)));
        let Some((quiz, chosen)) = option else {
            return;
        };
        if quiz.reflection {
            let text = format!(
                "{}\n{}",
                script.strings.get(Msg::ReflectionThanks, self.lang),
                chosen.explain.get(self.lang)
            );
            self.note(text);
            return;
        }
        let verdict = if chosen.correct {
            Msg::QuizRight
        } else {
            Msg::QuizWrong
        };
        self.replies.push(Reply::Message {
            text: format!(
                "{}\n{}",
                script.strings.get(verdict, self.lang),
                chosen.explain.get(self.lang)
            ),
            keyboard: Keyboard::None,
        });
    }

    /// Shows where the resident stands without moving them: a lesson they
    /// just finished (its last words and the score), else the current step
    /// or the main menu.
    pub(super) fn resume(&mut self) {
        let finished = self
            .current()
            .filter(|(d, s)| d.kind == Kind::Lesson && s.end);
        if let Some((lesson, end)) = finished {
            let score = self.state.lessons.get(&lesson.id).and_then(|r| r.score);
            if let Some((correct, total)) = score {
                return self.finished(lesson, end, correct, total);
            }
        }
        self.show_current_or_menu();
    }
}
