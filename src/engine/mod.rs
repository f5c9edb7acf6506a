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
mod places;
pub mod press;
mod subscribe;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use press::Press;
pub use subscribe::{Choice, Subscription};

use crate::script::{Action, Dialogue, Kind, Msg, Script, Step, Target, LESSONS_MENU, MAIN_MENU};

/// Everything the engine remembers about one resident between inputs.
/// Saved as JSON by the store; new fields must have serde defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The language the resident reads, once known.
    #[serde(default)]
    pub lang: Option<String>,
    /// Where the resident is: the step whose message they last got.
    #[serde(default)]
    pub at: Option<Position>,
    /// The menu step whose big buttons are under the input field.
    #[serde(default)]
    pub keyboard: Option<Position>,
    /// Lessons opened so far, by id.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonRecord>,
    /// What the resident's next text is for, when the bot asked for something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting: Option<Awaiting>,
    /// The announcements they want.
    #[serde(default, skip_serializing_if = "Subscription::is_none")]
    pub subscription: Subscription,
    /// A librarian's announcement being written (the adapter's `/announce`
    /// dialogue); the engine leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<crate::broadcast::Draft>,
    /// The quiz answer of the resident's last input, so that after a crash
    /// the verdict can be shown again ([`Input::Resume`]); cleared by the next input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<Answered>,
    /// A librarian's webinar being written or moved (`/webinar`); the engine leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_draft: Option<crate::broadcast::WebinarDraft>,
}

/// A quiz option chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    pub dialogue: String,
    pub step: String,
    pub option: usize,
}

/// Text the bot has asked the resident to type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    /// A question for the FAQ (after /ask).
    Question,
    /// A question for a librarian (after /librarian): it opens a ticket.
    Librarian,
    /// An answer to the librarian in this ticket.
    Ticket(u64),
    /// A village or street, to find library hubs by name (after /hubs).
    Place,
}

/// What the engine knows of the world beyond the resident's state. The
/// adapter supplies it, so the engine itself reads no clock and no settings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The language the resident's app reports; used when the resident has not
    /// chosen one and it is configured.
    pub lang_hint: Option<&'a str>,
    /// The community's local time (Europe/Kyiv), for opening hours.
    pub now: jiff::civil::DateTime,
    /// A librarians' chat is configured, so questions can go to a person.
    pub handoff: bool,
}

impl Context<'_> {
    /// The civil time in `tz` at a Unix second (the epoch if it is out of range).
    pub fn local(unix: i64, tz: &jiff::tz::TimeZone) -> jiff::civil::DateTime {
        crate::clock::local(unix, tz)
    }

    /// A context at a given local time, with no language hint and no librarians' chat.
    pub fn at(now: jiff::civil::DateTime) -> Context<'static> {
        Context {
            lang_hint: None,
            now,
            handoff: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub dialogue: String,
    pub step: String,
    /// Wrong answers given to the question at this step so far.
    #[serde(default)]
    pub wrong: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonRecord {
    /// Completed at least once.
    #[serde(default)]
    pub done: bool,
    /// Right first answers / questions answered in the current run.
    #[serde(default)]
    pub correct: u32,
    #[serde(default)]
    pub answered: u32,
    /// The score of the last completed run.
    #[serde(default)]
    pub score: Option<(u32, u32)>,
    /// The last step reached, to resume an unfinished lesson.
    #[serde(default)]
    pub step: Option<String>,
}

/// What a resident did, free of any messenger's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `/name arg`.
    Command { name: String, arg: String },
    /// Any other text, as typed (or a big menu button's label).
    Text(String),
    /// An inline button's callback data.
    Press(String),
    /// A shared location.
    Location { latitude: f64, longitude: f64 },
    /// A sticker, photo, voice message, document, contact ...
    Other,
    /// The bot stopped before this resident's last replies went out: show
    /// them where they stand (a finished lesson with its score).
    Resume,
}

impl Input {
    /// A message's text: a `/command` (with `@botname` removed) or plain text.
    pub fn from_text(text: &str) -> Input {
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix('/') {
            let (head, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let name = head.split('@').next().unwrap_or(head).to_lowercase();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Input::Command {
                    name,
                    arg: arg.trim().to_string(),
                };
            }
        }
        Input::Text(text.to_string())
    }
}

/// Something to show the resident.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A message; `text` may hold `**bold**` markup.
    Message { text: String, keyboard: Keyboard },
    /// Marks the answer chosen under the question whose button was pressed
    /// (Telegram edits that message; a terminal prints the note).
    Answered { note: String },
    /// A pin on the map with the place's name and address.
    Venue {
        latitude: f64,
        longitude: f64,
        title: String,
        address: String,
    },
    /// A phone number as a contact card, which a phone can call with one tap.
    Contact { phone: String, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyboard {
    None,
    /// Buttons under the message, in rows.
    Inline(Vec<Vec<InlineButton>>),
    /// Big buttons under the input field, in rows; pressing one sends its label as text.
    Menu(Vec<Vec<String>>),
    /// Big buttons for one answer: `share` sends the resident's location,
    /// `back` its label as text.
    AskLocation {
        share: String,
        back: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineButton {
    pub label: String,
    /// Encoded [`Press`]; empty for a link.
    pub data: String,
    /// A web page the button opens instead of pressing anything.
    pub url: Option<String>,
}

/// What happened, for progress and statistics. The store stamps the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    LessonStarted {
        lesson: String,
    },
    StepReached {
        dialogue: String,
        step: String,
    },
    QuizAnswered {
        dialogue: String,
        step: String,
        option: usize,
        correct: bool,
        first_try: bool,
    },
    LessonCompleted {
        lesson: String,
        correct: u32,
        total: u32,
    },
    LanguageChanged {
        lang: String,
    },
    /// `/start hub_<id>`: a hub's poster brought the resident.
    Referred {
        hub: String,
    },
    /// The resident's saved step or dialogue was removed from the files.
    StepVanished {
        dialogue: String,
        step: String,
    },
    /// A button from an older message was pressed.
    StalePress,
    /// Free text went to the FAQ. The text is kept apart from the resident
    /// (the store writes it without the user id) and never in the event log.
    Asked {
        /// Ties later choices and votes to this question.
        key: String,
        lang: String,
        verdict: Verdict,
        /// The entry answered at once.
        entry: Option<String>,
        #[serde(skip)]
        text: String,
    },
    /// One of the offered questions was chosen.
    FaqChosen {
        key: String,
        entry: String,
    },
    /// 👍 or 👎 under an answer.
    FaqVoted {
        key: String,
        entry: String,
        helpful: bool,
    },
    /// The resident tried to reach a librarian but no librarians' chat is set.
    HandoffUnavailable,
    /// What the resident subscribed to, as it now is.
    SubscriptionChanged {
        webinars: bool,
        news: bool,
        hub: Option<String>,
    },
}

/// How the FAQ met a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Answered,
    Choices,
    Nothing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Answered => "answered",
            Verdict::Choices => "choices",
            Verdict::Nothing => "nothing",
        }
    }
}

/// Something only the adapter can do, asked for by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Delete every personal row of the resident instead of saving the new state.
    Forget,
    /// Open a ticket with this question and post it to the librarians' chat;
    /// the adapter tells the resident the ticket's number.
    OpenTicket { text: String },
    /// Add the resident's answer to a ticket and post it to the librarians.
    TicketMessage { ticket: u64, text: String },
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: State,
    pub replies: Vec<Reply>,
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
}

/// Advances one resident's conversation by one input.
///
/// `lang_hint` is the language the resident's app reports; it is used when the
/// resident has not chosen one and it is configured.
pub fn step(script: &Script, state: State, input: &Input, cx: &Context<'_>) -> Outcome {
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
}

impl<'s> Turn<'s> {
    fn new(script: &'s Script, mut state: State, cx: &Context<'_>) -> Turn<'s> {
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
            },
            state,
            lang,
            replies: Vec::new(),
            events: Vec::new(),
            effects: Vec::new(),
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
            | Press::WebinarCancel(_) => self.stale(),
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
        // Anything else is a question in the resident's own words.
        self.question(text);
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

    fn answer(&mut self, option: usize) {
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
        let first_try = self.state.at.as_ref().is_some_and(|p| p.wrong == 0);
        let (dialogue, step, next) = (d.id.clone(), s.id.clone(), quiz.next.clone());
        let is_lesson = d.kind == Kind::Lesson;

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

    // ----- moving between steps -------------------------------------------

    /// Opens a dialogue: a lesson left unfinished resumes where it was.
    fn open(&mut self, id: &str) {
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
            self.events.push(Event::LessonStarted {
                lesson: id.to_string(),
            });
        }
        let start = dialogue.steps[dialogue.start].id.clone();
        self.enter(id, &start);
    }

    /// Moves to a step and shows it; an end step completes its lesson.
    fn enter(&mut self, dialogue_id: &str, step_id: &str) {
        let script = self.script;
        let Some(dialogue) = script.dialogue(dialogue_id) else {
            return self.main_menu();
        };
        let Some((_, step)) = dialogue.step(step_id) else {
            return self.main_menu();
        };
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

    fn complete(&mut self, lesson: &Dialogue, end: &Step) {
        let record = self.state.lessons.entry(lesson.id.clone()).or_default();
        record.done = true;
        record.score = Some((record.correct, record.answered));
        record.step = None;
        let (correct, total) = (record.correct, record.answered);
        self.events.push(Event::LessonCompleted {
            lesson: lesson.id.clone(),
            correct,
            total,
        });
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

    /// The message for a step, with its buttons.
    fn render(&mut self, dialogue: &Dialogue, step: &Step) -> Reply {
        let text = step.text.get(self.lang).to_string();
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
            let rows = quiz
                .options
                .iter()
                .enumerate()
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
        Reply::Message { text, keyboard }
    }

    fn inline(&self, dialogue: &Dialogue, step: &Step) -> Keyboard {
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
    fn button(&self, dialogue: &str, b: &crate::script::Button) -> InlineButton {
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
    fn decorate(&self, label: &str, target: &Target) -> String {
        match target {
            Target::Dialogue(d) if self.state.lessons.get(d).is_some_and(|r| r.done) => {
                format!("✅ {label}")
            }
            _ => label.to_string(),
        }
    }

    /// "Lessons" and "Menu" buttons, for messages that end a topic.
    fn back_buttons(&self) -> Keyboard {
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

    fn main_menu(&mut self) {
        if self.script.dialogue(MAIN_MENU).is_some() {
            self.open(MAIN_MENU);
        }
    }

    /// Shows the current step again, or the main menu when there is none.
    fn show_current_or_menu(&mut self) {
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

    /// "Right!" or "Not quite." with the chosen option's explanation.
    fn verdict(&mut self, a: &Answered) {
        let script = self.script;
        let option = script
            .dialogue(&a.dialogue)
            .and_then(|d| d.step(&a.step))
            .and_then(|(_, s)| s.quiz.as_ref())
            .and_then(|q| q.options.get(a.option));
        let Some(chosen) = option else {
            return;
        };
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
    fn resume(&mut self) {
        let finished = self
            .current()
            .filter(|(d, s)| d.kind == Kind::Lesson && s.end);
        if let Some((lesson, end)) = finished {
            let score = self.state.lessons.get(&lesson.id).and_then(|r| r.score);
            if let Some((correct, total)) = score {
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
                return;
            }
        }
        self.show_current_or_menu();
    }

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
