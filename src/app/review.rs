//! Review: the lesson questions a resident answered wrong come back in
//! `/review` one, three and seven days later, three at a time, with the same
//! options in the same order of the resident's own as in the lesson. A right
//! answer moves a question to the next review (after the third it is
//! learned), a wrong one starts it again tomorrow; a right answer at the
//! first try in the lesson again also makes it learned. The buttons carry
//! the question and its place in the review, so a review needs no saved
//! state of its own.
//!
//! `/settings` shows the language and turns the review reminder on or off
//! (off until the resident turns it on). The outbox sends the reminder
//! ([`super::outbox`]): one message on a day when something is due, never in
//! quiet hours (`broadcast.quiet_hours`); the day of the last one is a row,
//! taken before it is sent, so a restart (or a second process on the same
//! database) never sends it twice, and one that could not go out is given
//! back for the next round.

use super::{AppError, Handled, Outgoing, To, Turn};
use crate::commands::{self, Cmd};
use crate::engine::{self, Event, InlineButton, Input, Keyboard, Press, Reply, ReviewTally};
use crate::script::{Kind, Msg, Script, Step, LESSONS_MENU, MAIN_MENU};
use crate::store::{ReviewItem, ReviewReminderDue, ReviewWrite, Write};

/// Questions in one review.
pub const ROUND: usize = 3;
/// Days from an answer to the next review, for each stage: the first review
/// a day after a wrong answer, the second three days after the first, the
/// third seven days after the second.
pub const INTERVALS: [i64; 3] = [1, 3, 7];

/// What a review button means: `rv:go` starts a review, `rv:on` and `rv:off`
/// turn the reminder on and off, `rv:<dialogue>:<step>:<option>:<n>:<total>`
/// answers question `n` of `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum What {
    Start,
    Reminders(bool),
    Answer {
        dialogue: String,
        step: String,
        option: usize,
        n: usize,
        total: usize,
    },
}

impl What {
    fn encode(&self) -> String {
        let rest = match self {
            What::Start => "go".to_string(),
            What::Reminders(true) => "on".to_string(),
            What::Reminders(false) => "off".to_string(),
            What::Answer {
                dialogue,
                step,
                option,
                n,
                total,
            } => format!("{dialogue}:{step}:{option}:{n}:{total}"),
        };
        Press::Review(rest).encode()
    }

    fn decode(rest: &str) -> Option<What> {
        match rest {
            "go" => return Some(What::Start),
            "on" => return Some(What::Reminders(true)),
            "off" => return Some(What::Reminders(false)),
            _ => {}
        }
        let parts: Vec<&str> = rest.split(':').collect();
        let [dialogue, step, option, n, total] = parts.as_slice() else {
            return None;
        };
        let (n, total): (usize, usize) = (n.parse().ok()?, total.parse().ok()?);
        let valid = crate::script::valid_id(dialogue)
            && crate::script::valid_id(step)
            && (1..=total).contains(&n)
            && total <= ROUND;
        valid.then_some(What::Answer {
            dialogue: dialogue.to_string(),
            step: step.to_string(),
            option: option.parse().ok()?,
            n,
            total,
        })
    }
}

/// The question of a review item, if the files still have it as a lesson's
/// scored question.
fn question<'s>(script: &'s Script, item: &ReviewItem) -> Option<(&'s str, &'s Step)> {
    question_at(script, &item.dialogue, &item.step)
}

fn question_at<'s>(script: &'s Script, dialogue: &str, step: &str) -> Option<(&'s str, &'s Step)> {
    let d = script
        .dialogue(dialogue)
        .filter(|d| d.kind == Kind::Lesson)?;
    let (_, s) = d.step(step)?;
    s.quiz.as_ref().filter(|q| !q.reflection)?;
    Some((d.id.as_str(), s))
}

impl super::App {
    /// `/review`, `/settings` and their buttons.
    pub(super) async fn review(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
    ) -> Result<Handled, AppError> {
        let what = match input {
            Input::Command { name, .. } => match commands::parse(name) {
                Some(Cmd::Review) => What::Start,
                Some(Cmd::Settings) => {
                    self.leave_engine_waiting(t);
                    self.show_settings(t).await?;
                    return Ok(Handled::Yes);
                }
                _ => return Ok(Handled::No),
            },
            Input::Press(data) => match Press::decode(data) {
                Some(Press::Review(rest)) => match What::decode(&rest) {
                    Some(what) => what,
                    // The engine calls it stale, as any forged button.
                    None => return Ok(Handled::No),
                },
                _ => return Ok(Handled::No),
            },
            _ => return Ok(Handled::No),
        };
        self.leave_engine_waiting(t);
        match what {
            What::Start => self.start_review(t).await?,
            What::Reminders(on) => {
                t.writes
                    .push(Write::Review(ReviewWrite::Reminders { user: t.user, on }));
                t.commit().await?;
                t.say(
                    if on {
                        Msg::ReminderTurnedOn
                    } else {
                        Msg::ReminderTurnedOff
                    },
                    &[],
                );
                self.show_settings(t).await?;
            }
            What::Answer {
                dialogue,
                step,
                option,
                n,
                total,
            } => {
                self.review_answer(t, &dialogue, &step, option, n, total)
                    .await?
            }
        }
        Ok(Handled::Yes)
    }

    /// A command or a button changes the subject, as in the engine: what the
    /// bot asked the resident to type is no longer awaited. The turn is
    /// saved in any case, so the resident's row exists for the review's rows.
    fn leave_engine_waiting(&self, t: &mut Turn<'_>) {
        t.state.awaiting = None;
        t.state.answered = None;
        t.state.asked = None;
        t.dirty = true;
    }

    /// The engine's quiz answers in lessons, as review rows: a wrong answer
    /// (back) to the first review tomorrow, a right one at the first try
    /// (a later run of the lesson) makes a waiting question learned. A lesson
    /// finished with a question missed says, above its score's buttons, that
    /// it comes back.
    pub(super) fn review_lesson_answers(&self, t: &mut Turn<'_>, events: &[Event]) {
        let now = self.now();
        let missed = events
            .iter()
            .any(|e| matches!(e, Event::LessonCompleted { correct, total, .. } if correct < total));
        if missed && !t.out.is_empty() {
            let note = t
                .script
                .strings
                .get(Msg::ReviewAfterLesson, t.lang)
                .to_string();
            let at = t.out.len() - 1;
            t.out
                .insert(at, Outgoing::text(To::Person(t.user), note, Keyboard::None));
        }
        for event in events {
            let Event::QuizAnswered {
                dialogue,
                step,
                correct,
                first_try,
                ..
            } = event
            else {
                continue;
            };
            if question_at(&t.script, dialogue, step).is_none() {
                continue;
            }
            let change = if !correct {
                ReviewWrite::Wrong {
                    user: t.user,
                    dialogue: dialogue.clone(),
                    step: step.clone(),
                    now,
                    due_at: self.day_start(now, INTERVALS[0]),
                }
            } else if *first_try {
                ReviewWrite::Learned {
                    user: t.user,
                    dialogue: dialogue.clone(),
                    step: step.clone(),
                    now,
                }
            } else {
                continue;
            };
            t.writes.push(Write::Review(change));
        }
    }

    /// The review's figures for `/progress`, when `input` may show it (the
    /// command, its button, or a typed label of a menu button).
    pub(super) async fn review_tally(
        &self,
        t: &Turn<'_>,
        input: &Input,
    ) -> Result<Option<ReviewTally>, AppError> {
        let may_show = match input {
            Input::Command { name, .. } => commands::parse(name) == Some(Cmd::Progress),
            Input::Press(data) => *data == Press::Action("progress".to_string()).encode(),
            Input::Text(_) => true,
            _ => false,
        };
        if !may_show {
            return Ok(None);
        }
        let counts = self.store.review_counts(t.user, self.now()).await?;
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        Ok(Some(ReviewTally {
            waiting: count(counts.waiting),
            learned: count(counts.learned),
        }))
    }

    /// The Unix second of the local midnight `days` days after `now`'s day.
    fn day_start(&self, now: i64, days: i64) -> i64 {
        let today = crate::clock::local(now, &self.tz).date();
        let day = jiff::Span::new()
            .try_days(days)
            .ok()
            .and_then(|span| today.checked_add(span).ok())
            .unwrap_or(today);
        crate::clock::unix(day.at(0, 0, 0, 0), &self.tz, now + days * 86_400)
    }

    /// A Unix second's local date, in words.
    fn review_date(&self, script: &Script, unix: i64, lang: usize) -> String {
        let date = crate::clock::local(unix, &self.tz).date();
        self.date_words(script, date, lang)
    }

    /// The questions due now that the files still have; the ones gone from
    /// the files are learned (nothing is left to ask).
    async fn due_questions(&self, t: &mut Turn<'_>) -> Result<Vec<ReviewItem>, AppError> {
        let now = self.now();
        let due = self.store.review_due(t.user, now, 16).await?;
        let mut kept = Vec::new();
        for item in due {
            if question(&t.script, &item).is_some() {
                kept.push(item);
            } else if !t.committed {
                t.writes.push(Write::Review(ReviewWrite::Learned {
                    user: t.user,
                    dialogue: item.dialogue,
                    step: item.step,
                    now,
                }));
            }
        }
        Ok(kept)
    }

    /// `/review`: up to three due questions, one at a time; when none is due,
    /// when the next one will be.
    async fn start_review(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let due = self.due_questions(t).await?;
        let Some(first) = due.first() else {
            let counts = self.store.review_counts(t.user, self.now()).await?;
            let script = t.script.clone();
            let text = match counts.next_due {
                Some(next) if counts.waiting > 0 => script.strings.fill(
                    Msg::ReviewNothingDue,
                    t.lang,
                    &[("date", &self.review_date(&script, next, t.lang))],
                ),
                _ if counts.learned > 0 => script.strings.get(Msg::ReviewAllLearned, t.lang).into(),
                _ => script.strings.get(Msg::ReviewNothingYet, t.lang).into(),
            };
            t.text(text, self.review_end_buttons(&script, t.lang));
            return Ok(());
        };
        let total = due.len().min(ROUND);
        t.say(Msg::ReviewStart, &[("total", &total.to_string())]);
        self.show_review_question(t, first, 1, total);
        Ok(())
    }

    /// Question `n` of `total`: the lesson's question with its options in the
    /// resident's own order (as in the lesson), and its picture, if any.
    fn show_review_question(&self, t: &mut Turn<'_>, item: &ReviewItem, n: usize, total: usize) {
        let script = t.script.clone();
        let Some((lesson, step)) = question(&script, item) else {
            return;
        };
        let Some(quiz) = &step.quiz else {
            return;
        };
        let lang = t.lang;
        let title = script
            .dialogue(lesson)
            .map(|d| d.title.get(lang))
            .unwrap_or_default();
        let head = script.strings.fill(
            Msg::ReviewQuestion,
            lang,
            &[
                ("n", &n.to_string()),
                ("total", &total.to_string()),
                ("lesson", title),
            ],
        );
        let text = format!("{head}\n\n{}", step.text.get(lang));
        let order = engine::shuffle::order(
            engine::Context::seed_of(t.user),
            lesson,
            &step.id,
            quiz.options.len(),
        );
        let rows = order
            .into_iter()
            .filter_map(|i| quiz.options.get(i).map(|o| (i, o)))
            .map(|(i, o)| {
                vec![InlineButton {
                    label: o.text.get(lang).to_string(),
                    data: What::Answer {
                        dialogue: lesson.to_string(),
                        step: step.id.clone(),
                        option: i,
                        n,
                        total,
                    }
                    .encode(),
                    url: None,
                }]
            })
            .collect();
        let keyboard = Keyboard::Inline(rows);
        let reply = match &step.picture {
            Some(picture) => Reply::Photo {
                alt: script
                    .strings
                    .fill(Msg::PictureAlt, lang, &[("alt", picture.alt.get(lang))]),
                picture: picture.clone(),
                text,
                keyboard,
            },
            None => Reply::Message { text, keyboard },
        };
        t.reply(reply);
    }

    /// An answer to question `n` of `total`: the verdict and its explanation
    /// (as in the lesson), when the question comes back, then the next one
    /// or the end of the review.
    async fn review_answer(
        &self,
        t: &mut Turn<'_>,
        dialogue: &str,
        step: &str,
        option: usize,
        n: usize,
        total: usize,
    ) -> Result<(), AppError> {
        let now = self.now();
        let script = t.script.clone();
        let lang = t.lang;
        let chosen = question_at(&script, dialogue, step)
            .and_then(|(_, s)| s.quiz.as_ref())
            .and_then(|q| q.options.get(option));
        let Some(chosen) = chosen else {
            // An option the files no longer have (or never had).
            t.say(Msg::StaleButton, &[]);
            return self.next_review_question(t, n, total).await;
        };
        let item = self
            .store
            .review_item(t.user, dialogue, step)
            .await?
            .filter(|i| i.due_at <= now);
        let Some(item) = item else {
            // Answered already (a second press), or learned meanwhile.
            t.say(Msg::ReviewAlready, &[]);
            return self.next_review_question(t, n, total).await;
        };
        t.reply(Reply::Answered {
            note: script
                .strings
                .fill(Msg::QuizChosen, lang, &[("answer", chosen.text.get(lang))]),
        });
        let verdict = if chosen.correct {
            Msg::QuizRight
        } else {
            Msg::QuizWrong
        };
        t.text(
            format!(
                "{}\n{}",
                script.strings.get(verdict, lang),
                chosen.explain.get(lang)
            ),
            Keyboard::None,
        );
        let user = t.user;
        let (dialogue, step) = (dialogue.to_string(), step.to_string());
        let next_stage = usize::try_from(item.stage + 1).unwrap_or(usize::MAX);
        let (change, note) = if !chosen.correct {
            let due_at = self.day_start(now, INTERVALS[0]);
            let date = self.review_date(&script, due_at, lang);
            let note = script
                .strings
                .fill(Msg::ReviewWrongAgain, lang, &[("date", &date)]);
            let change = ReviewWrite::Wrong {
                user,
                dialogue,
                step,
                now,
                due_at,
            };
            (change, note)
        } else if let Some(days) = INTERVALS.get(next_stage) {
            let due_at = self.day_start(now, *days);
            let date = self.review_date(&script, due_at, lang);
            let note = script
                .strings
                .fill(Msg::ReviewAgainOn, lang, &[("date", &date)]);
            let change = ReviewWrite::Advance {
                user,
                dialogue,
                step,
                stage: item.stage,
                due_at,
            };
            (change, note)
        } else {
            let note = script.strings.get(Msg::ReviewLearned, lang).to_string();
            (
                ReviewWrite::Learned {
                    user,
                    dialogue,
                    step,
                    now,
                },
                note,
            )
        };
        t.writes.push(Write::Review(change));
        // Committed now, so what follows reads the question where it now is.
        t.commit().await?;
        t.text(note, Keyboard::None);
        self.next_review_question(t, n, total).await
    }

    /// After question `n` of `total`: the next due one, or the end.
    async fn next_review_question(
        &self,
        t: &mut Turn<'_>,
        n: usize,
        total: usize,
    ) -> Result<(), AppError> {
        let due = self.due_questions(t).await?;
        if let Some(next) = due.first().filter(|_| n < total) {
            self.show_review_question(t, next, n + 1, total);
            return Ok(());
        }
        let script = t.script.clone();
        let counts = self.store.review_counts(t.user, self.now()).await?;
        let text = if !due.is_empty() {
            script.strings.get(Msg::ReviewDoneMore, t.lang).to_string()
        } else if let Some(next) = counts.next_due.filter(|_| counts.waiting > 0) {
            script.strings.fill(
                Msg::ReviewDone,
                t.lang,
                &[("date", &self.review_date(&script, next, t.lang))],
            )
        } else {
            script.strings.get(Msg::ReviewDoneAll, t.lang).to_string()
        };
        t.text(text, self.review_end_buttons(&script, t.lang));
        Ok(())
    }

    /// "Lessons" and "Menu" under the review's last words.
    fn review_end_buttons(&self, script: &Script, lang: usize) -> Keyboard {
        let s = &script.strings;
        Keyboard::Inline(vec![vec![
            InlineButton {
                label: s.get(Msg::ButtonLessons, lang).to_string(),
                data: Press::Open(LESSONS_MENU.to_string()).encode(),
                url: None,
            },
            InlineButton {
                label: s.get(Msg::ButtonMenu, lang).to_string(),
                data: Press::Open(MAIN_MENU.to_string()).encode(),
                url: None,
            },
        ]])
    }

    /// `/settings`: the language and the review reminder, each a button away.
    async fn show_settings(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let on = self.store.review_reminders_on(t.user).await?;
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let text = s.fill(
            Msg::Settings,
            lang,
            &[
                ("language", s.get(Msg::LanguageName, lang)),
                (
                    "reminder",
                    s.get(
                        if on {
                            Msg::SettingsReminderOn
                        } else {
                            Msg::SettingsReminderOff
                        },
                        lang,
                    ),
                ),
            ],
        );
        let button = |msg: Msg, data: String| {
            vec![InlineButton {
                label: s.get(msg, lang).to_string(),
                data,
                url: None,
            }]
        };
        let reminder = if on {
            button(Msg::ButtonReminderOff, What::Reminders(false).encode())
        } else {
            button(Msg::ButtonReminderOn, What::Reminders(true).encode())
        };
        let keyboard = Keyboard::Inline(vec![
            button(
                Msg::ButtonSettingsLanguage,
                Press::Action("language".to_string()).encode(),
            ),
            reminder,
            button(Msg::ButtonReview, What::Start.encode()),
            button(Msg::ButtonMenu, Press::Open(MAIN_MENU.to_string()).encode()),
        ]);
        t.text(text, keyboard);
        Ok(())
    }

    /// The review reminders to send now (none in quiet hours), with the
    /// local day they are for (`only`: just this resident, for a terminal).
    pub(super) async fn review_reminders_due(
        &self,
        only: Option<i64>,
    ) -> (String, Vec<ReviewReminderDue>) {
        let now = self.now();
        let local = crate::clock::local(now, &self.tz);
        let today = local.date().to_string();
        if crate::broadcast::is_quiet(local.time(), self.quiet) {
            return (today, Vec::new());
        }
        match self.store.due_review_reminders(now, &today, 64, only).await {
            Ok(due) => (today, due),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read due review reminders");
                (today, Vec::new())
            }
        }
    }

    /// The reminder's message: how many questions wait, a button to start.
    pub(super) fn review_reminder(&self, r: &ReviewReminderDue) -> Outgoing {
        let script = self.script();
        let lang = script.resolve_lang(r.lang.as_deref(), None);
        let s = &script.strings;
        let text = s.fill(Msg::ReviewReminder, lang, &[("count", &r.due.to_string())]);
        let button = |msg: Msg, what: What| {
            vec![InlineButton {
                label: s.get(msg, lang).to_string(),
                data: what.encode(),
                url: None,
            }]
        };
        Outgoing::text(
            To::Person(r.user),
            text,
            Keyboard::Inline(vec![
                button(Msg::ButtonReview, What::Start),
                button(Msg::ButtonReminderOff, What::Reminders(false)),
            ]),
        )
    }

    /// Takes today's reminder of `user` to send: true if no one took it
    /// today (another process on the same database, or an earlier round).
    /// Taken before it is sent, so it goes at most once a day.
    pub(super) async fn take_review_reminder(&self, user: i64, day: &str) -> bool {
        let change = Write::Review(ReviewWrite::Remind {
            user,
            day: day.to_string(),
        });
        match self.store.write(vec![change]).await {
            Ok(answers) => answers.first().copied().unwrap_or(0) > 0,
            Err(e) => {
                tracing::warn!(user, error = %e, "cannot take a review reminder");
                false
            }
        }
    }

    /// Gives today's reminder back: it could not go out this time.
    pub(super) async fn give_back_review_reminder(&self, user: i64, day: &str) {
        let change = Write::Review(ReviewWrite::Unremind {
            user,
            day: day.to_string(),
        });
        if let Err(e) = self.store.write(vec![change]).await {
            tracing::warn!(user, error = %e, "cannot give a review reminder back");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_buttons_round_trip_and_garbage_is_refused() {
        let answer = What::Answer {
            dialogue: "x".repeat(crate::script::MAX_ID_LEN),
            step: "y".repeat(crate::script::MAX_ID_LEN),
            option: 12,
            n: 3,
            total: 3,
        };
        for what in [
            What::Start,
            What::Reminders(true),
            What::Reminders(false),
            answer,
        ] {
            let data = what.encode();
            assert!(data.len() <= engine::press::MAX_DATA_BYTES, "{data}");
            let Some(Press::Review(rest)) = Press::decode(&data) else {
                panic!("{data} is not a review press");
            };
            assert_eq!(What::decode(&rest), Some(what));
        }
        for rest in [
            "",
            "maybe",
            "a:b:1:1",
            "a:b:x:1:3",
            "a:b:1:0:3",
            "a:b:1:4:3",
            "a:b:1:1:9",
            "a b:c:1:1:3",
            "a:b:1:1:3:4",
        ] {
            assert_eq!(What::decode(rest), None, "{rest:?}");
        }
    }
}
