//! The one registry of bot commands: each command's name, who may use it and
//! the key of its description in `strings.toml`.
//!
//! The engine and the application layer parse commands with [`parse`]; `/help`
//! lists them, Telegram's command menu is built from them and `check` refuses
//! content that names a command not listed here. Pure data, no I/O.

use crate::script::Msg;

/// A command the bot knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Start,
    Menu,
    Lessons,
    Progress,
    Review,
    Language,
    Settings,
    Ask,
    Librarian,
    Hubs,
    Webinars,
    Subscribe,
    Unsubscribe,
    Help,
    Cancel,
    Privacy,
    DeleteMe,
    Certificates,
    Verify,
    Announce,
    Broadcasts,
    Webinar,
    MyHub,
    Reload,
    Stats,
    Grant,
    Revoke,
    Close,
    FaqReview,
}

/// Who may use a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, in a private chat with the bot.
    Everyone,
    /// Librarians (and admins) in a private chat.
    Librarian,
    /// Admins in a private chat.
    Admin,
    /// Anyone in the librarians' group.
    Group,
}

/// One row of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub cmd: Cmd,
    /// Typed after `/`.
    pub name: &'static str,
    pub access: Access,
    /// Its description in the command menu and in `/help`.
    pub description: Msg,
    /// Shown in Telegram's command menu (everyone's commands only).
    pub in_menu: bool,
}

const fn row(cmd: Cmd, name: &'static str, access: Access, description: Msg) -> Command {
    Command {
        cmd,
        name,
        access,
        description,
        in_menu: matches!(access, Access::Everyone),
    }
}

/// Every command, in the order menus and `/help` list them.
pub const ALL: &[Command] = &[
    row(Cmd::Start, "start", Access::Everyone, Msg::CmdStart),
    row(Cmd::Menu, "menu", Access::Everyone, Msg::CmdMenu),
    row(Cmd::Lessons, "lessons", Access::Everyone, Msg::CmdLessons),
    row(
        Cmd::Progress,
        "progress",
        Access::Everyone,
        Msg::CmdProgress,
    ),
    row(Cmd::Review, "review", Access::Everyone, Msg::CmdReview),
    row(
        Cmd::Language,
        "language",
        Access::Everyone,
        Msg::CmdLanguage,
    ),
    row(
        Cmd::Settings,
        "settings",
        Access::Everyone,
        Msg::CmdSettings,
    ),
    row(Cmd::Ask, "ask", Access::Everyone, Msg::CmdAsk),
    row(
        Cmd::Librarian,
        "librarian",
        Access::Everyone,
        Msg::CmdLibrarian,
    ),
    row(Cmd::Hubs, "hubs", Access::Everyone, Msg::CmdHubs),
    row(
        Cmd::Webinars,
        "webinars",
        Access::Everyone,
        Msg::CmdWebinars,
    ),
    row(
        Cmd::Subscribe,
        "subscribe",
        Access::Everyone,
        Msg::CmdSubscribe,
    ),
    row(
        Cmd::Unsubscribe,
        "unsubscribe",
        Access::Everyone,
        Msg::CmdUnsubscribe,
    ),
    row(Cmd::Help, "help", Access::Everyone, Msg::CmdHelp),
    row(Cmd::Cancel, "cancel", Access::Everyone, Msg::CmdCancel),
    row(Cmd::Privacy, "privacy", Access::Everyone, Msg::CmdPrivacy),
    row(
        Cmd::DeleteMe,
        "delete_me",
        Access::Everyone,
        Msg::CmdDeleteMe,
    ),
    row(Cmd::MyHub, "myhub", Access::Librarian, Msg::CmdMyhub),
    row(
        Cmd::Certificates,
        "certificates",
        Access::Everyone,
        Msg::CmdCertificates,
    ),
    row(Cmd::Verify, "verify", Access::Everyone, Msg::CmdVerify),
    row(
        Cmd::Announce,
        "announce",
        Access::Librarian,
        Msg::CmdAnnounce,
    ),
    row(
        Cmd::Broadcasts,
        "broadcasts",
        Access::Librarian,
        Msg::CmdBroadcasts,
    ),
    row(Cmd::Webinar, "webinar", Access::Librarian, Msg::CmdWebinar),
    row(
        Cmd::FaqReview,
        "faq_review",
        Access::Librarian,
        Msg::CmdFaqReview,
    ),
    row(Cmd::Reload, "reload", Access::Admin, Msg::CmdReload),
    row(Cmd::Stats, "stats", Access::Admin, Msg::CmdStats),
    row(Cmd::Grant, "grant", Access::Admin, Msg::CmdGrant),
    row(Cmd::Revoke, "revoke", Access::Admin, Msg::CmdRevoke),
    row(Cmd::Close, "close", Access::Group, Msg::CmdClose),
];

/// What `pomichnyk chat` alone understands (a shared place, the librarians'
/// group); content may name them in the terminal's own hints.
pub const TERMINAL: &[&str] = &["location", "group"];

/// The `/commands` a text names that the bot does not know, in order. A
/// command is a `/` at the start of the text or after a space or an opening
/// mark, followed by lower-case letters, digits and `_` (so an address such as
/// `diia.gov.ua/services` is not one).
pub fn unknown_in(text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut before = ' ';
    for (i, c) in text.char_indices() {
        if c == '/' && (before.is_whitespace() || "(«\"“'".contains(before)) {
            let name: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let known = parse(&name).is_some() || TERMINAL.contains(&name.as_str());
            if !name.is_empty() && !known && !unknown.contains(&name) {
                unknown.push(name);
            }
        }
        before = c;
    }
    unknown
}

/// The command typed as `/name` (lower case, without `@bot`), if it is one.
pub fn parse(name: &str) -> Option<Cmd> {
    ALL.iter().find(|c| c.name == name).map(|c| c.cmd)
}

/// The commands of one kind of access as lines "/name — description".
pub fn list(script: &crate::script::Script, lang: usize, access: Access) -> String {
    ALL.iter()
        .filter(|c| c.access == access && c.cmd != Cmd::Start)
        .map(|c| format!("/{} — {}", c.name, script.strings.get(c.description, lang)))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Cmd {
    fn row(self) -> &'static Command {
        // Every Cmd has a row (a unit test checks), so the fallback is never taken.
        ALL.iter().find(|c| c.cmd == self).unwrap_or(&ALL[0])
    }

    pub fn name(self) -> &'static str {
        self.row().name
    }

    pub fn access(self) -> Access {
        self.row().access
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_one_row_and_a_distinct_name() {
        for (i, c) in ALL.iter().enumerate() {
            assert_eq!(parse(c.name), Some(c.cmd));
            assert_eq!(c.cmd.name(), c.name);
            assert!(
                c.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                c.name
            );
            for d in &ALL[i + 1..] {
                assert_ne!(c.name, d.name);
                assert_ne!(c.cmd, d.cmd);
            }
        }
        assert_eq!(parse("nonsense"), None);
    }

    #[test]
    fn a_text_naming_an_unknown_command_is_caught() {
        assert_eq!(
            unknown_in("Натисніть /menu або /lessons."),
            Vec::<String>::new()
        );
        assert_eq!(
            unknown_in("Напишіть /help чи /mneu"),
            vec!["mneu".to_string()]
        );
        assert_eq!(
            unknown_in("diia.gov.ua/services і «/location 49.4 26.9»"),
            Vec::<String>::new()
        );
        assert_eq!(
            unknown_in("(/progress) /progres"),
            vec!["progres".to_string()]
        );
    }
}
