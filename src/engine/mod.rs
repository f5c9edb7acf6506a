//! The dialogue engine: one pure function from (script, state, input) to
//! (state, replies, events).
//!
//! Architecture invariant: the engine does no I/O, reads no clock and knows
//! nothing of Telegram or SQL. Adapters (`chat`, later `telegram`) turn what a
//! resident did into an [`Input`], call [`step`], commit the new [`State`] and
//! the [`Event`]s through the store, and only then show the [`Reply`]s.
//!
//! Stale input never panics: a button from an old message, a saved step that an
//! admin removed, a dialogue that no longer exists each get a short note and a
//! sensible place to continue.

mod ask;
mod glossary;
mod lessons;
mod places;
pub mod press;
pub mod shuffle;
mod subscribe;
mod types;
mod view;

pub use press::{Press, ReviewChoice};
pub use subscribe::{Choice, Subscription};
pub use types::*;

use crate::script::{Action, Dialogue, Kind, Msg, Script, Step, Target, LESSONS_MENU, MAIN_MENU};

/// Advances one resident's conversation by one input.
///
/// `lang_hint` is the language the resident's app reports; it is used when the
/// resident has not chosen one and it is configured.
pub fn step<'a>(script: &'a Script, state: State, input: &Input, cx: &Context<'a>) -> Outcome {
    let mut turn = Turn::new(script, state, cx);
    turn.handle(input);
    Outcome {
        state: turn.state,
        replies: turn.replies,
        events: turn.events,
        effects: turn.effects,
    }
}

/// One step in progress: the state being changed and what has been said so far.
struct Turn<'s> {
    script: &'s Script,
    cx: Context<'s>,
    state: State,
    lang: usize,
    replies: Vec<Reply>,
    events: Vec<Event>,
    effects: Vec<Effect>,
    /// The question the input before this one asked the FAQ, if the resident
    /// pressed a button or typed a command since ([`State::asked`]).
    asked: Option<String>,
}

impl<'s> Turn<'s> {
    fn new(script: &'s Script, mut state: State, cx: &Context<'s>) -> Turn<'s> {
        let lang = script.resolve_lang(state.lang.as_deref(), cx.lang_hint);
        if state.lang.as_deref() != script.languages.get(lang).map(String::as_str) {
            state.lang = script.languages.get(lang).cloned();
        }
        Turn {
            script,
            // The hint is used up above; the rest of the context is plain data.
            cx: Context {
                lang_hint: None,
                now: cx.now,
                handoff: cx.handoff,
                seed: cx.seed,
                hubs: cx.hubs,
                review: cx.review,
            },
            state,
            lang,
            replies: Vec::new(),
            events: Vec::new(),
            effects: Vec::new(),
            asked: None,
        }
    }

    fn handle(&mut self, input: &Input) {
        // A command or a button changes the subject: whatever the bot asked
        // the resident to type is no longer awaited.
        let awaiting = match input {
            Input::Command { .. } | Input::Press(_) => self.state.awaiting.take(),
            _ => self.state.awaiting,
        };
        let answered = self.state.answered.take();
        let asked = self.state.asked.take();
        if matches!(input, Input::Press(_) | Input::Command { .. }) {
            self.asked = asked.clone();
        }
        match input {
            Input::Command { name, arg } => self.command(name, arg),
            Input::Press(data) => {
                if self.recover_vanished() {
                    return;
                }
                match Press::decode(data) {
                    Some(press) => self.press(press),
                    None => self.stale(),
                }
            }
            Input::Text(text) => {
                if self.recover_vanished() {
                    return;
                }
                self.text(text);
            }
            Input::Location {
                latitude,
                longitude,
            } => {
                if self.recover_vanished() {
                    return;
                }
                // A place shared at any time finds the hubs near it; it is not kept.
                self.state.awaiting = None;
                self.nearest_hubs(*latitude, *longitude);
            }
            Input::Resume => {
                if self.recover_vanished() {
                    return;
                }
                self.say(Msg::Resumed);
                if let Some(a) = &answered {
                    self.verdict(a);
                }
                self.state.answered = answered;
                self.state.asked = asked;
                self.resume();
            }
            Input::Other => {
                if self.recover_vanished() {
                    return;
                }
                if matches!(awaiting, Some(Awaiting::Librarian | Awaiting::Ticket(_))) {
                    // Still waiting for the words; a photo cannot be passed on.
                    return self.say(Msg::TextOnly);
                }
                self.state.awaiting = None;
                self.say(Msg::OtherInput);
                self.show_current_or_menu();
            }
        }
    }

    // ----- commands -------------------------------------------------------

    fn command(&mut self, name: &str, arg: &str) {
        use crate::commands::Cmd;
        // Librarians' and admins' commands that reach the engine were refused
        // by the application layer: to the engine they are unknown.
        let known = crate::commands::parse(name)
            .filter(|c| c.access() == crate::commands::Access::Everyone);
        let Some(cmd) = known else {
            self.say(Msg::UnknownCommand);
            return self.main_menu();
        };
        match cmd {
            Cmd::Start => self.start(arg),
            Cmd::Menu => self.main_menu(),
            Cmd::Lessons => self.open(LESSONS_MENU),
            Cmd::Progress => self.progress(),
            Cmd::Language => self.choose_language(),
            Cmd::Help => self.help(),
            Cmd::Privacy => {
                let text = self.text_of(Msg::Privacy).to_string();
                let keyboard = self.back_buttons();
                self.replies.push(Reply::Message { text, keyboard });
            }
            Cmd::DeleteMe => {
                let strings = &self.script.strings;
                let keyboard = Keyboard::Inline(vec![vec![
                    InlineButton {
                        url: None,
                        label: strings.get(Msg::ButtonDeleteYes, self.lang).to_string(),
                        data: Press::Forget.encode(),
                    },
                    InlineButton {
                        url: None,
                        label: strings.get(Msg::ButtonMenu, self.lang).to_string(),
                        data: Press::Open(MAIN_MENU.to_string()).encode(),
                    },
                ]]);
                let text = self.text_of(Msg::DeleteConfirm).to_string();
                self.replies.push(Reply::Message { text, keyboard });
            }
            Cmd::Ask => self.ask(),
            Cmd::Hubs => self.hubs(),
            Cmd::Subscribe => self.subscribe(),
            Cmd::Unsubscribe => self.unsubscribe(),
            Cmd::Librarian => self.librarian(),
            Cmd::Cancel => {
                self.state.at = None;
                self.say(Msg::Cancelled);
                self.main_menu();
            }
            // The application layer lists webinars; anything else is unknown here.
            _ => {
                self.say(Msg::UnknownCommand);
                self.main_menu();
            }
        }
    }

    fn start(&mut self, payload: &str) {
        if let Some(hub) = payload.strip_prefix("hub_") {
            if crate::script::valid_id(hub) {
                self.events.push(Event::Referred {
                    hub: hub.to_string(),
                });
            }
        }
        if let Some(lesson) = payload.strip_prefix("lesson_") {
            if self
                .script
                .dialogue(lesson)
                .is_some_and(|d| d.kind == Kind::Lesson)
            {
                self.say(Msg::Welcome);
                self.open(lesson);
                return;
            }
        }
        self.say(Msg::Welcome);
        self.main_menu();
    }

    fn help(&mut self) {
        let text = format!(
            "{}\n\n{}\n{}",
            self.text_of(Msg::Help),
            self.text_of(Msg::HelpCommands),
            crate::commands::list(self.script, self.lang, crate::commands::Access::Everyone)
        );
        let keyboard = self.back_buttons();
        self.replies.push(Reply::Message { text, keyboard });
    }

    fn choose_language(&mut self) {
        let row = (0..self.script.languages.len())
            .map(|i| InlineButton {
                url: None,
                label: self.script.strings.get(Msg::LanguageName, i).to_string(),
                data: Press::Language(self.script.languages[i].clone()).encode(),
            })
            .collect();
        let text = self.text_of(Msg::LanguageChoose).to_string();
        self.replies.push(Reply::Message {
            text,
            keyboard: Keyboard::Inline(vec![row]),
        });
    }

    fn set_language(&mut self, code: &str) {
        match self.script.lang_index(code) {
            Some(i) => {
                self.lang = i;
                self.state.lang = Some(code.to_string());
                self.events.push(Event::LanguageChanged {
                    lang: code.to_string(),
                });
                self.say(Msg::LanguageSet);
                // The big buttons carry the old language's labels: send them anew.
                self.main_menu();
            }
            None => self.stale(),
        }
    }

    fn progress(&mut self) {
        let script = self.script;
        let strings = &script.strings;
        let lessons: Vec<&Dialogue> = script.lessons().collect();
        let done = lessons
            .iter()
            .filter(|d| self.state.lessons.get(&d.id).is_some_and(|r| r.done))
            .count();
        let mut lines = vec![strings.fill(
            Msg::ProgressHeader,
            self.lang,
            &[
                ("done", &done.to_string()),
                ("total", &lessons.len().to_string()),
            ],
        )];
        for lesson in &lessons {
            let Some(record) = self.state.lessons.get(&lesson.id) else {
                continue;
            };
            let title = lesson.title.get(self.lang);
            match record.score {
                Some((correct, total)) if record.done => lines.push(strings.fill(
                    Msg::ProgressDone,
                    self.lang,
                    &[
                        ("title", title),
                        ("correct", &correct.to_string()),
                        ("total", &total.to_string()),
                    ],
                )),
                _ => lines.push(strings.fill(Msg::ProgressStarted, self.lang, &[("title", title)])),
            }
        }
        if lines.len() == 1 {
            lines.push(strings.get(Msg::ProgressNone, self.lang).to_string());
        }
        if let Some(r) = self.cx.review.filter(|r| r.waiting + r.learned > 0) {
            lines.push(strings.fill(
                Msg::ProgressReview,
                self.lang,
                &[
                    ("waiting", &r.waiting.to_string()),
                    ("learned", &r.learned.to_string()),
                ],
            ));
        }
        let keyboard = self.back_buttons();
        self.replies.push(Reply::Message {
            text: lines.join("\n"),
            keyboard,
        });
    }

    fn action(&mut self, action: Action) {
        match action {
            Action::Progress => self.progress(),
            Action::Language => self.choose_language(),
            Action::Help => self.help(),
            Action::Ask => self.ask(),
            Action::Librarian => self.librarian(),
            Action::Hubs => self.hubs(),
            Action::Subscribe => self.subscribe(),
            Action::Glossary => self.glossary(),
        }
    }

    // ----- buttons and text -----------------------------------------------

    fn press(&mut self, press: Press) {
        match press {
            Press::Open(dialogue) => match self.script.dialogue(&dialogue) {
                Some(_) => self.open(&dialogue),
                None => self.stale(),
            },
            Press::Action(name) => match Action::parse(&name) {
                Some(a) => self.action(a),
                None => self.stale(),
            },
            Press::Language(code) => self.set_language(&code),
            Press::Word(id) => self.explain(&id),
            Press::Faq { entry, key } => self.chosen(&entry, &key),
            Press::Vote {
                entry,
                key,
                helpful,
            } => self.vote(&entry, &key, helpful),
            Press::Reply(ticket) => self.reply_to_ticket(ticket),
            Press::Place(hub) => self.hubs_in_settlement_of(&hub),
            Press::Subscribe(choice) => self.choose(choice),
            // Closing a ticket is for the librarians' chat, drafts and webinars
            // for the application layer: here they are stale.
            Press::Close(_)
            | Press::Draft(_)
            | Press::Rsvp { .. }
            | Press::WebinarDraft(_)
            | Press::WebinarMove(_)
            | Press::WebinarCancel(_)
            | Press::MyHub { .. }
            | Press::FaqReview { .. }
            | Press::Cert(_)
            | Press::Review(_) => self.stale(),
            Press::Forget => {
                // Nothing of the old state is kept; the adapter deletes the stored rows.
                self.state = State {
                    lang: self.state.lang.take(),
                    ..State::default()
                };
                self.events.clear();
                self.effects.push(Effect::Forget);
                self.say(Msg::Deleted);
            }
            Press::Goto { dialogue, step } => {
                let allowed = self.current().is_some_and(|(d, s)| {
                    d.id == dialogue
                        && s.buttons
                            .iter()
                            .any(|b| matches!(&b.target, Target::Step(t) if *t == step))
                });
                if allowed {
                    self.enter(&dialogue, &step);
                } else {
                    self.stale();
                }
            }
            Press::Again { dialogue, step } => {
                if self.here(&dialogue, &step) {
                    self.show_current_or_menu();
                } else {
                    self.stale();
                }
            }
            Press::Simpler { dialogue, step } => {
                if self.here(&dialogue, &step) {
                    self.simpler();
                } else {
                    self.stale();
                }
            }
            Press::Back { dialogue, step } => {
                if self.here(&dialogue, &step) && !self.state.history.is_empty() {
                    self.back();
                } else {
                    self.stale();
                }
            }
            Press::Answer {
                dialogue,
                step,
                option,
            } => {
                let here = self
                    .current()
                    .is_some_and(|(d, s)| d.id == dialogue && s.id == step);
                if here {
                    self.answer(option);
                } else {
                    self.stale();
                }
            }
        }
    }

    /// Follows a button of the current step or the big keyboard.
    fn follow(&mut self, dialogue: &str, target: &Target) {
        match target {
            Target::Step(step) => self.enter(dialogue, step),
            Target::Dialogue(d) => self.open(d),
            Target::Action(a) => self.action(*a),
            // A big menu button cannot open a page: the address is sent instead.
            Target::Link(url) => self.note(url.clone()),
        }
    }

    fn text(&mut self, text: &str) {
        let typed = normalize(text);
        let awaiting = self.state.awaiting.take();
        // Text the bot asked for: a big button's label still works as the button.
        if let Some(awaiting) = awaiting {
            if !self.press_label(&typed) {
                self.awaited(awaiting, text);
            }
            return;
        }
        if self.press_label(&typed) {
            return;
        }
        if let Some((d, s)) = self.current() {
            if let Some(input) = &s.input {
                let (id, next) = (d.id.clone(), input.next.clone());
                return self.enter(&id, &next);
            }
        }
        if typed.is_empty() {
            // Only emoji or punctuation: not a question.
            self.say(Msg::NotUnderstood);
            return self.show_current_or_menu();
        }
        if crate::hubs::asks_for_power(text) {
            // "Де зарядити телефон?": the hubs with power today, not the FAQ.
            return self.power_hubs();
        }
        // Anything else is a question in the resident's own words; "What is a
        // QR code?" the glossary explains where the FAQ has no sure answer.
        if !self.typed_word(text) {
            self.question(text);
        }
    }

    /// Presses the button whose label was typed (a quiz option, a button of
    /// the current step, of the big keyboard or of the main menu). Returns
    /// whether there was one.
    fn press_label(&mut self, typed: &str) -> bool {
        if same_label(self.text_of(Msg::ButtonMenu), typed) {
            // The "Menu" button of a one-off keyboard (such as the location one).
            self.main_menu();
            return true;
        }
        if !typed.is_empty() {
            // A label typed (or a big button pressed): same as pressing the button.
            let option = self
                .current()
                .and_then(|(_, s)| s.quiz.as_ref())
                .and_then(|q| {
                    q.options
                        .iter()
                        .position(|o| same_label(o.text.get(self.lang), typed))
                });
            if let Some(i) = option {
                self.answer(i);
                return true;
            }
            // "🔁 Again" and "⬅️ Back" of a lesson step, typed.
            if let Some((d, s)) = self.current() {
                if self.here(&d.id, &s.id) {
                    if s.simpler.is_some() && same_label(self.text_of(Msg::ButtonSimpler), typed) {
                        self.simpler();
                        return true;
                    }
                    if same_label(self.text_of(Msg::ButtonAgain), typed) {
                        self.show_current_or_menu();
                        return true;
                    }
                    if same_label(self.text_of(Msg::ButtonBack), typed)
                        && !self.state.history.is_empty()
                    {
                        self.back();
                        return true;
                    }
                }
            }
            // The current step's buttons first, then the big keyboard, then the main menu's.
            let script = self.script;
            let main = script
                .dialogue(MAIN_MENU)
                .and_then(|d| d.steps.get(d.start).map(|s| (d, s)));
            let keyboard = self.state.keyboard.as_ref().and_then(|p| self.resolve(p));
            let places = [self.current(), keyboard, main];
            for (d, s) in places.into_iter().flatten() {
                if let Some(b) = s
                    .buttons
                    .iter()
                    .find(|b| same_label(b.label.get(self.lang), typed))
                {
                    let (id, target) = (d.id.clone(), b.target.clone());
                    self.follow(&id, &target);
                    return true;
                }
            }
        }
        false
    }

    // ----- moving between steps -------------------------------------------

    fn stale(&mut self) {
        self.events.push(Event::StalePress);
        self.say(Msg::StaleButton);
        self.show_current_or_menu();
    }

    /// If the saved step or dialogue was removed, says so and moves the resident
    /// somewhere that exists. Returns whether it did.
    fn recover_vanished(&mut self) -> bool {
        let Some(pos) = self.state.at.clone() else {
            return false;
        };
        let script = self.script;
        let vanished = Event::StepVanished {
            dialogue: pos.dialogue.clone(),
            step: pos.step.clone(),
        };
        match script.dialogue(&pos.dialogue) {
            None => {
                self.events.push(vanished);
                self.state.at = None;
                self.say(Msg::StaleDialogue);
                self.main_menu();
                true
            }
            Some(d) if d.step(&pos.step).is_none() => {
                self.events.push(vanished);
                let note = script.strings.fill(
                    Msg::StaleStep,
                    self.lang,
                    &[("title", d.title.get(self.lang))],
                );
                self.note(note);
                if let Some(record) = self.state.lessons.get_mut(&d.id) {
                    record.step = None;
                }
                self.open(&pos.dialogue);
                true
            }
            Some(_) => false,
        }
    }

    // ----- helpers ----------------------------------------------------------

    /// Whether the resident is at this step of a lesson (not its end), where
    /// "🔁 Again" and "⬅️ Back" are offered.
    fn here(&self, dialogue: &str, step: &str) -> bool {
        self.current().is_some_and(|(d, s)| {
            d.id == dialogue && s.id == step && d.kind == Kind::Lesson && !s.end
        })
    }

    fn current(&self) -> Option<(&'s Dialogue, &'s Step)> {
        self.state.at.as_ref().and_then(|p| self.resolve(p))
    }

    fn resolve(&self, pos: &Position) -> Option<(&'s Dialogue, &'s Step)> {
        let d = self.script.dialogue(&pos.dialogue)?;
        let (_, s) = d.step(&pos.step)?;
        Some((d, s))
    }

    fn text_of(&self, msg: Msg) -> &'s str {
        self.script.strings.get(msg, self.lang)
    }

    fn say(&mut self, msg: Msg) {
        let text = self.text_of(msg).to_string();
        self.note(text);
    }

    fn note(&mut self, text: String) {
        self.replies.push(Reply::Message {
            text,
            keyboard: Keyboard::None,
        });
    }
}

/// Text compared with button labels: letters and digits only, lower case,
/// single spaces, apostrophes dropped, emoji and punctuation ignored.
pub fn normalize(text: &str) -> String {
    normalized(text).collect()
}

/// Whether a label, normalized, equals already normalized text (without allocating).
fn same_label(label: &str, normalized_text: &str) -> bool {
    normalized(label).eq(normalized_text.chars())
}

/// The characters of [`normalize`], lazily.
fn normalized(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut started = false;
    let mut space = false;
    text.chars().flat_map(move |c| {
        let mut out: [Option<char>; 2] = [None, None];
        if c.is_alphanumeric() {
            if space && started {
                out[0] = Some(' ');
            }
            space = false;
            started = true;
            // Lower case of the letters here is one character (Cyrillic, Latin).
            out[1] = c.to_lowercase().next();
        } else if c.is_whitespace() || c == '-' {
            space = true;
        }
        out.into_iter().flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_parsed() {
        assert_eq!(
            Input::from_text("/start hub_7"),
            Input::Command {
                name: "start".into(),
                arg: "hub_7".into()
            }
        );
        assert_eq!(
            Input::from_text("/Menu@PomichnykBot"),
            Input::Command {
                name: "menu".into(),
                arg: String::new()
            }
        );
        assert_eq!(Input::from_text("/ привіт"), Input::Text("/ привіт".into()));
        assert_eq!(Input::from_text("привіт"), Input::Text("привіт".into()));
    }

    #[test]
    fn normalize_ignores_emoji_case_and_apostrophes() {
        assert_eq!(normalize("📚  Уроки"), "уроки");
        assert_eq!(normalize("Далі ➡️"), "далі");
        assert_eq!(normalize("Пам’ятка"), normalize("памятка"));
        assert_eq!(normalize("  "), "");
    }
}
