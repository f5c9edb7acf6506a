//! The bot's own sentences (greetings, quiz feedback, notes), kept in
//! `dialogues/strings.toml` so admins can edit and translate them.
//!
//! The Rust code names a sentence by [`Msg`]; the file gives its text in every
//! language. `{name}` in a text is replaced by a value the engine supplies;
//! `check` verifies that every key and language is present and that no text
//! uses a placeholder its key does not provide.

use super::Text;

macro_rules! messages {
    ($($variant:ident => $key:literal [$($param:literal),*] $doc:literal;)*) => {
        /// A sentence of the bot's own, by its key in `strings.toml`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg {
            $(#[doc = $doc] $variant,)*
        }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$variant,)*];

            /// The key of this sentence in `strings.toml`.
            pub fn key(self) -> &'static str {
                match self { $(Msg::$variant => $key,)* }
            }

            /// The placeholders its text may use.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(Msg::$variant => &[$($param),*],)* }
            }

            /// What the sentence is for, shown to admins by `check`.
            pub fn purpose(self) -> &'static str {
                match self { $(Msg::$variant => $doc,)* }
            }
        }
    };
}

messages! {
    Welcome => "welcome" [] "the first greeting: who the bot is and what it can do";
    Help => "help" [] "the answer to /help";
    ButtonNext => "button_next" [] "the label of the button made from `next`";
    ButtonMenu => "button_menu" [] "the label of the button back to the main menu";
    ButtonLessons => "button_lessons" [] "the label of the button to the list of lessons";
    QuizRight => "quiz_right" [] "put before the explanation of a right answer";
    QuizWrong => "quiz_wrong" [] "put before the explanation of a wrong answer";
    QuizTryAgain => "quiz_try_again" [] "asks for another answer after a wrong one";
    QuizChosen => "quiz_chosen" ["answer"] "added under a question once an answer is chosen";
    LessonDone => "lesson_done" ["title", "correct", "total"] "sent when a lesson is completed";
    LessonResume => "lesson_resume" ["title"] "sent when an unfinished lesson is opened again";
    StaleButton => "stale_button" [] "a button from an older message was pressed";
    StaleStep => "stale_step" ["title"] "the resident's step was removed from the files";
    StaleDialogue => "stale_dialogue" [] "the resident's dialogue was removed from the files";
    NotUnderstood => "not_understood" [] "free text the bot cannot use here";
    OtherInput => "other_input" [] "a sticker, photo, voice message or other non-text input";
    UnknownCommand => "unknown_command" [] "an unknown /command";
    Cancelled => "cancelled" [] "the answer to /cancel";
    ProgressHeader => "progress_header" ["done", "total"] "the first line of /progress";
    ProgressDone => "progress_done" ["title", "correct", "total"] "a completed lesson in /progress";
    ProgressStarted => "progress_started" ["title"] "a lesson in progress in /progress";
    ProgressNone => "progress_none" [] "/progress before any lesson was started";
    LanguageChoose => "language_choose" [] "asks which language to use";
    LanguageName => "language_name" [] "the name of this language, as its button label";
    LanguageSet => "language_set" [] "confirms the new language";
    ChatHint => "chat_hint" [] "printed once by `pomichnyk chat` at start";
    Privacy => "privacy" [] "the answer to /privacy: what is stored and why";
    DeleteConfirm => "delete_confirm" [] "asks to confirm /delete_me";
    ButtonDeleteYes => "button_delete_yes" [] "the button that confirms /delete_me";
    Deleted => "deleted" [] "sent after a resident's data was deleted";
    SlowDown => "slow_down" [] "sent once when a resident sends too many messages too fast";
    Failure => "failure" [] "sent when the bot could not save a step (the resident should try again)";
    CmdStart => "cmd_start" [] "the /start command's description in Telegram's command menu";
    CmdMenu => "cmd_menu" [] "the /menu command's description";
    CmdLessons => "cmd_lessons" [] "the /lessons command's description";
    CmdProgress => "cmd_progress" [] "the /progress command's description";
    CmdLanguage => "cmd_language" [] "the /language command's description";
    CmdHelp => "cmd_help" [] "the /help command's description";
    CmdCancel => "cmd_cancel" [] "the /cancel command's description";
    CmdPrivacy => "cmd_privacy" [] "the /privacy command's description";
    CmdDeleteMe => "cmd_delete_me" [] "the /delete_me command's description";
}

/// The loaded sentences, indexed by [`Msg`] and language.
#[derive(Debug, Clone)]
pub struct Strings {
    texts: Vec<Text>,
}

impl Strings {
    /// `texts` must hold one [`Text`] per [`Msg::ALL`] entry, in that order.
    pub(crate) fn new(texts: Vec<Text>) -> Strings {
        debug_assert_eq!(texts.len(), Msg::ALL.len());
        Strings { texts }
    }

    pub fn text(&self, msg: Msg) -> &Text {
        &self.texts[msg as usize]
    }

    pub fn get(&self, msg: Msg, lang: usize) -> &str {
        self.text(msg).get(lang)
    }

    /// The sentence with its `{name}` placeholders filled in.
    pub fn fill(&self, msg: Msg, lang: usize, values: &[(&str, &str)]) -> String {
        let mut out = self.get(msg, lang).to_string();
        for (name, value) in values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// The `{name}` placeholders used in a text.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    found.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = Msg::ALL.iter().map(|m| m.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Msg::ALL.len());
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(
            placeholders("Урок «{title}»: {correct} з {total}"),
            vec!["title", "correct", "total"]
        );
        assert!(placeholders("no { braces here").is_empty());
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let s = Strings::new(
            Msg::ALL
                .iter()
                .map(|_| Text(vec!["{title}: {correct}/{total}".into()]))
                .collect(),
        );
        assert_eq!(
            s.fill(
                Msg::LessonDone,
                0,
                &[("title", "A"), ("correct", "2"), ("total", "3")]
            ),
            "A: 2/3"
        );
    }
}
