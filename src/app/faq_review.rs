//! The FAQ's learning loop: `/faq_review` for librarians (and `pomichnyk faq
//! review`, which is the same use case in a terminal).
//!
//! Questions the FAQ did not answer at once (it offered choices, knew nothing,
//! or its answer got 👎) are kept without the asker's id, with what the
//! resident did next. A librarian sees them one at a time, oldest first, with
//! the entries they may ask as buttons: the one residents picked first (👤),
//! then the index's best guesses. "This is entry X" makes the question a way
//! to ask X at once: the phrasing is written to the database and the content
//! being served gets it in the same update (the index is built again), and
//! every later load adds it too. "Needs a new answer" puts it on the admins'
//! list (`pomichnyk faq export` prints it), "not for the bot" sets it aside,
//! "skip" shows the next one. Every decision is written to `audit`, in the
//! same transaction as the decision itself.

use super::{AppError, Handled, Turn};
use crate::engine::{InlineButton, Input, Keyboard, Press, ReviewChoice};
use crate::script::{Msg, Script};
use crate::store::{Decision, Missed, ReviewChange, Role, Write};

/// The most entries offered for one question.
const SUGGESTIONS: usize = 3;
/// The longest label of an entry's button, in characters.
const MAX_LABEL: usize = 60;

impl super::App {
    /// `/faq_review`: the first question waiting.
    pub(super) async fn faq_review(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        t.audit("faq_review", None, None);
        self.show_missed(t, 0).await
    }

    /// A librarian's press in the review; anything else is not this use case's.
    pub(super) async fn faq_review_press(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
    ) -> Result<Handled, AppError> {
        let Input::Press(data) = input else {
            return Ok(Handled::No);
        };
        let Some(Press::FaqReview { question, choice }) = Press::decode(data) else {
            return Ok(Handled::No);
        };
        if !self.store.has_role(t.user, Role::Librarian).await? {
            // The engine answers it as any stale button.
            t.audit("refused", Some("faq_review"), None);
            return Ok(Handled::No);
        }
        let decision = match choice {
            ReviewChoice::Skip => {
                self.show_missed(t, question).await?;
                return Ok(Handled::Yes);
            }
            ReviewChoice::Entry(entry) => Decision::Accept { entry },
            ReviewChoice::NewAnswer => Decision::NewAnswer,
            ReviewChoice::OutOfScope => Decision::OutOfScope,
        };
        let missed = self.store.missed(question).await?;
        let script = t.script.clone();
        let entry = match &decision {
            Decision::Accept { entry } => script.faq_entry(entry),
            _ => None,
        };
        let gone = matches!(decision, Decision::Accept { .. }) && entry.is_none();
        let Some(missed) = missed.filter(|_| !gone) else {
            t.say(Msg::FaqReviewStale, &[]);
            self.show_missed(t, 0).await?;
            return Ok(Handled::Yes);
        };
        let action = match &decision {
            Decision::Accept { .. } => "faq_accept",
            Decision::NewAnswer => "faq_new_answer",
            Decision::OutOfScope => "faq_out_of_scope",
        };
        let target = match &decision {
            Decision::Accept { entry } => Some(entry.as_str()),
            _ => None,
        };
        let at = t.writes.len();
        t.writes.push(Write::FaqReview(ReviewChange {
            question,
            decision: decision.clone(),
            now: self.now(),
        }));
        t.audit(action, target, Some(&missed.text));
        let decided = t.commit().await?;
        if decided.get(at).copied().unwrap_or(0) == 0 {
            // Another librarian decided between the read and the write.
            t.say(Msg::FaqReviewStale, &[]);
            return self.show_missed(t, 0).await.map(|()| Handled::Yes);
        }
        match (&decision, entry) {
            (Decision::Accept { .. }, Some(i)) => {
                self.learn().await?;
                let question = first_question(&script, i, t.lang);
                t.say(
                    Msg::FaqReviewAccepted,
                    &[("text", &missed.text), ("question", &question)],
                );
            }
            (Decision::NewAnswer, _) => t.say(Msg::FaqReviewNewAnswer, &[]),
            _ => t.say(Msg::FaqReviewOutOfScope, &[]),
        }
        self.show_missed(t, 0).await?;
        Ok(Handled::Yes)
    }

    /// Serves the content with every phrasing librarians accepted (at a
    /// start, and after each one accepted).
    pub async fn learn(&self) -> Result<(), AppError> {
        let phrasings = self.store.faq_phrasings().await?;
        if phrasings.is_empty() {
            return Ok(());
        }
        let refused = self.content.set_phrasings(phrasings).await;
        if refused > 0 {
            tracing::warn!(
                refused,
                "some accepted FAQ phrasings do not fit the content (see the lines above)"
            );
        }
        Ok(())
    }

    /// The next question waiting after row `after` (0: the first), or the
    /// note that none is left.
    async fn show_missed(&self, t: &mut Turn<'_>, after: i64) -> Result<(), AppError> {
        let left = self.store.missed_count().await?;
        let Some(missed) = self.store.next_missed(after).await? else {
            if left > 0 {
                t.say(Msg::FaqReviewSkippedAll, &[("left", &left.to_string())]);
            } else {
                t.say(Msg::FaqReviewNone, &[]);
            }
            return Ok(());
        };
        let script = t.script.clone();
        let strings = &script.strings;
        let lang = t.lang;
        let bot = match missed.verdict.as_str() {
            "choices" => Msg::FaqReviewBotChoices,
            "nothing" => Msg::FaqReviewBotNothing,
            _ => Msg::FaqReviewBotDisliked,
        };
        let picked = missed.picked.as_deref().and_then(|e| script.faq_entry(e));
        let resident = match (picked, missed.to_librarian) {
            (Some(i), _) => strings.fill(
                Msg::FaqReviewPicked,
                lang,
                &[("question", &first_question(&script, i, lang))],
            ),
            (None, true) => strings.get(Msg::FaqReviewToLibrarian, lang).to_string(),
            (None, false) => strings.get(Msg::FaqReviewLeft, lang).to_string(),
        };
        let text = strings.fill(
            Msg::FaqReviewCard,
            lang,
            &[
                ("left", &left.to_string()),
                ("text", &missed.text),
                ("lang", &missed.lang),
                ("times", &missed.times.to_string()),
                ("bot", strings.get(bot, lang)),
                ("resident", &resident),
            ],
        );
        let mut rows: Vec<Vec<InlineButton>> = suggestions(&script, &missed)
            .into_iter()
            .map(|i| {
                let question = first_question(&script, i, lang);
                let label = if Some(i) == picked {
                    strings.fill(Msg::FaqReviewPickedButton, lang, &[("question", &question)])
                } else {
                    question
                };
                vec![button(
                    label,
                    missed.id,
                    ReviewChoice::Entry(script.faq[i].id.clone()),
                )]
            })
            .collect();
        let other = |msg: Msg, choice: ReviewChoice| {
            button(strings.get(msg, lang).to_string(), missed.id, choice)
        };
        rows.push(vec![other(
            Msg::ButtonFaqNewAnswer,
            ReviewChoice::NewAnswer,
        )]);
        rows.push(vec![
            other(Msg::ButtonFaqOutOfScope, ReviewChoice::OutOfScope),
            other(Msg::ButtonFaqSkip, ReviewChoice::Skip),
        ]);
        t.text(text, Keyboard::Inline(rows));
        Ok(())
    }
}

/// The entries a question may ask, best first: the one residents picked, then
/// the index's ranking, without the answers residents voted 👎 on it.
fn suggestions(script: &Script, missed: &Missed) -> Vec<usize> {
    let disliked: Vec<usize> = missed
        .disliked
        .iter()
        .filter_map(|e| script.faq_entry(e))
        .collect();
    let mut out: Vec<usize> = missed
        .picked
        .as_deref()
        .and_then(|e| script.faq_entry(e))
        .into_iter()
        .collect();
    for ranked in script.faq_index.search(&missed.text, SUGGESTIONS * 2) {
        if out.len() >= SUGGESTIONS {
            break;
        }
        if ranked.score > 0.0 && !out.contains(&ranked.entry) && !disliked.contains(&ranked.entry) {
            out.push(ranked.entry);
        }
    }
    out
}

/// An entry's first way to ask, in `lang`, short enough for a button.
fn first_question(script: &Script, i: usize, lang: usize) -> String {
    let entry = &script.faq[i];
    let question = entry
        .questions
        .get(lang)
        .and_then(|qs| qs.first())
        .map_or(entry.id.as_str(), String::as_str);
    if question.chars().count() <= MAX_LABEL {
        return question.to_string();
    }
    let mut out: String = question.chars().take(MAX_LABEL - 1).collect();
    out.push('…');
    out
}

fn button(label: String, question: i64, choice: ReviewChoice) -> InlineButton {
    InlineButton {
        url: None,
        label,
        data: Press::FaqReview { question, choice }.encode(),
    }
}

impl super::App {
    /// `pomichnyk faq export`: the phrasings librarians accepted that the
    /// content files do not have yet, as a FAQ file's `[[phrasings]]` tables
    /// (for admins to review, save under `faq/` and commit; `check` then
    /// validates them like any other), and the questions that need a new
    /// answer, as comments.
    pub async fn faq_export(&self) -> Result<String, AppError> {
        use crate::script::learned::{self, Added, Phrasebook};
        let script = self.content.files();
        let phrasings = self.store.faq_phrasings().await?;
        let mut faq = script.faq.clone();
        let mut book = Phrasebook::new(&mut faq, &script.languages);
        let mut new = Vec::new();
        let mut refused = Vec::new();
        for p in phrasings {
            match book.add(&p.entry, &p.lang, &p.text) {
                Ok(Added::Added) => new.push(p),
                Ok(Added::AlreadyThere) => {}
                Err(why) => refused.push((p, why)),
            }
        }
        let mut out = String::from(
            "#:schema ../schema/faq.schema.json\n\
             # Ways residents asked, accepted by librarians in /faq_review (pomichnyk faq export).\n\
             # Review them, save this file under the content folder's faq/ (for example\n\
             # faq/accepted.toml), run `pomichnyk check` and commit.\n",
        );
        if new.is_empty() {
            out.push_str("# No accepted phrasing is missing from the files.\n");
        }
        out.push_str(&learned::to_toml(&new, &script.languages));
        if !refused.is_empty() {
            out.push_str("\n# Accepted, but the files cannot take them now:\n");
            for (p, why) in refused {
                out.push_str(&format!(
                    "#   {} ({}): {} — {why}\n",
                    p.entry,
                    p.lang,
                    one_line(&p.text)
                ));
            }
        }
        let wanted = self.store.faq_new_answers().await?;
        if !wanted.is_empty() {
            out.push_str(
                "\n# Questions that need a new answer (librarians' review), most asked first:\n",
            );
            for w in wanted {
                out.push_str(&format!(
                    "#   [{}] ×{}: {}\n",
                    w.lang,
                    w.times,
                    one_line(&w.text)
                ));
            }
        }
        Ok(out)
    }
}

/// A text on one line, for a comment.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
