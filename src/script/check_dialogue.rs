//! The checks of dialogue files (lessons, menus, flows) and of the bot's own
//! sentences: steps, buttons, quizzes, links between them.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use toml::Spanned;

use super::diagnostic::Source;
use super::file::{ButtonFile, DialogueFile, LocalizedFile, StepFile, StringsFile};
use super::limits::*;
use super::load::Checker;
use super::strings::{placeholders, Msg, Strings};
use super::{Action, Button, Dialogue, Kind, Quiz, QuizOption, Step, Target, Text, TextInput};

impl Checker<'_> {
    pub(super) fn strings(&mut self, src: &Source, file: StringsFile) -> Strings {
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

    pub(super) fn dialogue(
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

        if kind == Kind::Lesson {
            self.fairness(src, file, &steps);
        }

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

        let checked = self.checked(src, file.checked.as_ref(), "dialogue");
        if kind == Kind::Lesson && file.checked.is_none() {
            self.warning(
                src,
                file.id.span(),
                "a lesson needs `checked = \"YYYY-MM\"`: the month its facts were last checked against its sources".to_string(),
            );
        }
        Dialogue {
            checked,
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
    pub(super) fn step(
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
        let simpler = step.simpler.as_ref().map(|field| {
            let what = format!("step \"{sid}\": simpler");
            self.readability(src, field, &what);
            if kind != Kind::Lesson || end {
                self.warning(
                    src,
                    field.span(),
                    format!("{what}: only a lesson's steps (not its end) offer simpler words; this is never shown"),
                );
            }
            self.text(src, field, &what)
        });
        let picture = step.picture.as_ref().and_then(|field| {
            let what = format!("step \"{sid}\": picture");
            let picture = self.picture(src, field, &what);
            if kind == Kind::Menu {
                self.warning(
                    src,
                    field.span(),
                    format!(
                        "{what}: a menu's message shows no picture; put it in a lesson or flow"
                    ),
                );
            }
            picture
        });

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
            if step.retry.is_some() || step.several_correct.is_some() || step.reflection.is_some() {
                self.warning(
                    src,
                    step.id.span(),
                    format!("step \"{sid}\": `retry`, `several_correct` and `reflection` apply only to a question with options"),
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
            simpler,
            picture,
            buttons,
            columns,
            quiz,
            input,
            end,
        }
    }

    pub(super) fn quiz(&mut self, src: &Source, spanned: &Spanned<StepFile>) -> Quiz {
        let step = spanned.get_ref();
        let sid = step.id.get_ref();
        let reflection = step.reflection.unwrap_or(false);
        if reflection && step.options.len() < 2 {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a reflection question needs at least 2 options"),
            );
        } else if !reflection && step.options.len() < MIN_OPTIONS {
            self.error(
                src,
                step.id.span(),
                format!("step \"{sid}\": a question needs at least {MIN_OPTIONS} options, so that guessing is not half the answers"),
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
        if reflection {
            if correct > 0 {
                self.error(
                    src,
                    step.id.span(),
                    format!("step \"{sid}\": a reflection question has no right answer; remove `correct = true`"),
                );
            }
            if several || step.retry.is_some() {
                self.warning(
                    src,
                    step.id.span(),
                    format!("step \"{sid}\": `retry` and `several_correct` do not apply to a reflection question"),
                );
            }
        } else if correct == 0 {
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
            reflection,
            next: step
                .next
                .as_ref()
                .map(|n| n.get_ref().clone())
                .unwrap_or_default(),
        }
    }

    /// Warns when a lesson's right answers give themselves away: all at the
    /// same place in the file, or always the longest option (in a language).
    /// Residents see the options shuffled; the file still shows the writer's habits.
    fn fairness(&mut self, src: &Source, file: &DialogueFile, steps: &[Step]) {
        let questions: Vec<(&Spanned<StepFile>, &Quiz)> = file
            .steps
            .iter()
            .zip(steps)
            .filter_map(|(f, s)| s.quiz.as_ref().map(|q| (f, q)))
            .filter(|(_, q)| !q.reflection && q.options.iter().any(|o| o.correct))
            .collect();
        if questions.len() < 2 {
            return;
        }
        let Some((first, _)) = questions.first() else {
            return;
        };
        let at = first.get_ref().id.span();
        let widest = questions
            .iter()
            .map(|(_, q)| q.options.len())
            .max()
            .unwrap_or(0);
        let shared = (0..widest).find(|&p| {
            questions
                .iter()
                .all(|(_, q)| q.options.get(p).is_some_and(|o| o.correct))
        });
        if let Some(p) = shared {
            self.warning(
                src,
                at.clone(),
                format!(
                    "lesson \"{}\": the right answer of every question is option {} in the file; mix their places",
                    file.id.get_ref(),
                    p + 1
                ),
            );
        }
        let languages = self.languages;
        for (lang_index, lang) in languages.iter().enumerate() {
            let longest = questions.iter().all(|(_, q)| {
                let len = |o: &QuizOption| o.text.get(lang_index).chars().count();
                let max = q.options.iter().map(len).max().unwrap_or(0);
                let at_max: Vec<&QuizOption> = q.options.iter().filter(|o| len(o) == max).collect();
                at_max.len() == 1 && at_max[0].correct
            });
            if longest {
                self.warning(
                    src,
                    at.clone(),
                    format!(
                        "lesson \"{}\" ({lang}): the right answer is always the longest option; residents learn to pick the longest",
                        file.id.get_ref()
                    ),
                );
            }
        }
    }

    pub(super) fn target(
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
}

/// The step ids a step can lead to within its dialogue.
pub(super) fn successors(step: &Step) -> impl Iterator<Item = &str> {
    step.buttons
        .iter()
        .filter_map(|b| match &b.target {
            Target::Step(s) => Some(s.as_str()),
            _ => None,
        })
        .chain(step.quiz.as_ref().map(|q| q.next.as_str()))
        .chain(step.input.as_ref().map(|i| i.next.as_str()))
}
