//! What a button press carries: compact, stable callback data. This is the
//! one registry of callback data: every button the bot makes, the engine's
//! and the application layer's (drafts, webinars), is a [`Press`], and
//! [`TAGS`] lists the prefixes (a test checks they are distinct).
//!
//! Data names dialogues and steps by id, not by position, so a press from an
//! old message still means the same thing after admins reload the files. Ids
//! are at most [`MAX_ID_LEN`](crate::script::MAX_ID_LEN) bytes (checked when
//! loading), which keeps every encoding within Telegram's 64 bytes.

/// A decoded button press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// Open a dialogue at its start: `o:<dialogue>`.
    Open(String),
    /// Run a named action: `a:<action>`.
    Action(String),
    /// Go to a step of the dialogue the resident is in: `g:<dialogue>:<step>`.
    Goto { dialogue: String, step: String },
    /// Answer a quiz question: `q:<dialogue>:<step>:<option>`.
    Answer {
        dialogue: String,
        step: String,
        option: usize,
    },
    /// Send a lesson step again ("🔁 Again"): `r:<dialogue>:<step>`.
    Again { dialogue: String, step: String },
    /// Go back to the lesson step before this one ("⬅️ Back"): `k:<dialogue>:<step>`.
    Back { dialogue: String, step: String },
    /// A lesson step in simpler words ("🐢 Simpler"): `e:<dialogue>:<step>`.
    Simpler { dialogue: String, step: String },
    /// Choose a language: `l:<code>`.
    Language(String),
    /// Confirm that everything about the resident is to be deleted: `x:forget`.
    Forget,
    /// Show an FAQ entry offered for a question: `f:<entry>:<key>`.
    Faq { entry: String, key: String },
    /// 👍 (`1`) or 👎 (`0`) under an answer: `v:<entry>:<key>:<1|0>`.
    Vote {
        entry: String,
        key: String,
        helpful: bool,
    },
    /// Answer the librarian in a ticket: `t:<ticket>`.
    Reply(u64),
    /// Close a ticket (a button in the librarians' chat): `c:<ticket>`.
    Close(u64),
    /// Show the hubs in the settlement of this hub: `p:<hub>`.
    Place(String),
    /// A choice in `/subscribe`: `s:...`.
    Subscribe(super::Choice),
    /// A choice in a librarian's announcement draft: `b:<what>` (the whole
    /// data goes to [`crate::broadcast::Draft::press`]).
    Draft(String),
    /// "I will come" (`w:go:<webinar>`) or "I will not" (`w:no:<webinar>`).
    Rsvp { webinar: i64, going: bool },
    /// A choice in a librarian's webinar draft: `wb:<what>`.
    WebinarDraft(String),
    /// Move a webinar (librarians): `wm:<webinar>`.
    WebinarMove(i64),
    /// Cancel a webinar (librarians): `wx:<webinar>`.
    WebinarCancel(i64),
    /// A button of a librarian's hub card: `h:<hub>:<edit>` (the edit is
    /// [`crate::hubs::edit::Edit`]).
    MyHub {
        hub: String,
        edit: crate::hubs::edit::Edit,
    },
    /// A librarian's decision in `/faq_review` on the question that started
    /// with question row `question`: `fr:<question>:e:<entry>` (it asks this
    /// entry), `fr:<question>:n` (needs a new answer), `fr:<question>:x` (out
    /// of scope), `fr:<question>:s` (skip for now).
    FaqReview { question: i64, choice: ReviewChoice },
    /// Explain a word of the glossary: `gw:<word>`.
    Word(String),
    /// A course's test, the certificate's name, a certificate again: `z:<what>`
    /// (the rest goes to the application layer's certificates).
    Cert(String),
    /// Review and its reminder: `rv:<what>` (the rest goes to the
    /// application layer's review).
    Review(String),
}

/// What a librarian chose for a question in `/faq_review`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewChoice {
    Entry(String),
    NewAnswer,
    OutOfScope,
    Skip,
}

/// Every prefix of callback data, before its first `:`, with what it is.
pub const TAGS: &[(&str, &str)] = &[
    ("o", "open a dialogue"),
    ("a", "run an action"),
    ("g", "go to a step"),
    ("q", "answer a question"),
    ("r", "a lesson step again"),
    ("k", "back one lesson step"),
    ("e", "a lesson step in simpler words"),
    ("l", "choose a language"),
    ("x", "forget me"),
    ("f", "an FAQ entry offered"),
    ("v", "a vote under an answer"),
    ("t", "answer a librarian"),
    ("c", "close a ticket"),
    ("p", "hubs of a settlement"),
    ("s", "subscriptions"),
    ("b", "an announcement draft"),
    ("w", "RSVP to a webinar"),
    ("wb", "a webinar draft"),
    ("wm", "move a webinar"),
    ("wx", "cancel a webinar"),
    ("h", "a librarian's hub card"),
    ("fr", "a decision in the FAQ review"),
    ("gw", "a word of the glossary"),
    ("z", "a course's test and certificate"),
    ("rv", "review and its reminder"),
];

/// Telegram's limit on callback data.
pub const MAX_DATA_BYTES: usize = 64;

impl Press {
    pub fn encode(&self) -> String {
        match self {
            Press::Open(d) => format!("o:{d}"),
            Press::Action(a) => format!("a:{a}"),
            Press::Goto { dialogue, step } => format!("g:{dialogue}:{step}"),
            Press::Answer {
                dialogue,
                step,
                option,
            } => format!("q:{dialogue}:{step}:{option}"),
            Press::Again { dialogue, step } => format!("r:{dialogue}:{step}"),
            Press::Back { dialogue, step } => format!("k:{dialogue}:{step}"),
            Press::Simpler { dialogue, step } => format!("e:{dialogue}:{step}"),
            Press::Language(l) => format!("l:{l}"),
            Press::Forget => "x:forget".to_string(),
            Press::Faq { entry, key } => format!("f:{entry}:{key}"),
            Press::Vote {
                entry,
                key,
                helpful,
            } => format!("v:{entry}:{key}:{}", u8::from(*helpful)),
            Press::Reply(ticket) => format!("t:{ticket}"),
            Press::Close(ticket) => format!("c:{ticket}"),
            Press::Place(hub) => format!("p:{hub}"),
            Press::Subscribe(choice) => choice.encode(),
            Press::Draft(what) => format!("b:{what}"),
            Press::Rsvp { webinar, going } => {
                format!("w:{}:{webinar}", if *going { "go" } else { "no" })
            }
            Press::WebinarDraft(what) => format!("wb:{what}"),
            Press::WebinarMove(w) => format!("wm:{w}"),
            Press::WebinarCancel(w) => format!("wx:{w}"),
            Press::MyHub { hub, edit } => format!("h:{hub}:{}", edit.encode()),
            Press::FaqReview { question, choice } => match choice {
                ReviewChoice::Entry(entry) => format!("fr:{question}:e:{entry}"),
                ReviewChoice::NewAnswer => format!("fr:{question}:n"),
                ReviewChoice::OutOfScope => format!("fr:{question}:x"),
                ReviewChoice::Skip => format!("fr:{question}:s"),
            },
            Press::Word(w) => format!("gw:{w}"),
            Press::Cert(what) => format!("z:{what}"),
            Press::Review(what) => format!("rv:{what}"),
        }
    }

    /// Decodes callback data; anything malformed (or forged) is `None`.
    pub fn decode(data: &str) -> Option<Press> {
        if data.len() > MAX_DATA_BYTES {
            return None;
        }
        let (tag, rest) = data.split_once(':')?;
        match tag {
            "s" => return super::Choice::decode(rest).map(Press::Subscribe),
            // Drafts parse the rest themselves; the tag says whose it is.
            "b" if !rest.is_empty() => return Some(Press::Draft(rest.to_string())),
            "wb" if !rest.is_empty() => return Some(Press::WebinarDraft(rest.to_string())),
            "h" => {
                let (hub, edit) = rest.split_once(':')?;
                if !crate::script::valid_id(hub) {
                    return None;
                }
                let edit = crate::hubs::edit::Edit::decode(edit)?;
                return Some(Press::MyHub {
                    hub: hub.to_string(),
                    edit,
                });
            }
            "z" if !rest.is_empty() => return Some(Press::Cert(rest.to_string())),
            "rv" if !rest.is_empty() => return Some(Press::Review(rest.to_string())),
            _ => {}
        }
        let mut parts = rest.split(':');
        let press = match tag {
            "o" => Press::Open(part(parts.next())?),
            "a" => Press::Action(part(parts.next())?),
            "l" => Press::Language(part(parts.next())?),
            "x" if parts.next()? == "forget" => Press::Forget,
            "g" => Press::Goto {
                dialogue: part(parts.next())?,
                step: part(parts.next())?,
            },
            "r" => Press::Again {
                dialogue: part(parts.next())?,
                step: part(parts.next())?,
            },
            "k" => Press::Back {
                dialogue: part(parts.next())?,
                step: part(parts.next())?,
            },
            "e" => Press::Simpler {
                dialogue: part(parts.next())?,
                step: part(parts.next())?,
            },
            "q" => Press::Answer {
                dialogue: part(parts.next())?,
                step: part(parts.next())?,
                option: parts.next()?.parse().ok()?,
            },
            "f" => Press::Faq {
                entry: part(parts.next())?,
                key: part(parts.next())?,
            },
            "v" => Press::Vote {
                entry: part(parts.next())?,
                key: part(parts.next())?,
                helpful: match parts.next()? {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
            },
            "t" => Press::Reply(parts.next()?.parse().ok()?),
            "c" => Press::Close(parts.next()?.parse().ok()?),
            "p" => Press::Place(part(parts.next())?),
            "w" => {
                let going = match parts.next()? {
                    "go" => true,
                    "no" => false,
                    _ => return None,
                };
                Press::Rsvp {
                    webinar: id(parts.next())?,
                    going,
                }
            }
            "wm" => Press::WebinarMove(id(parts.next())?),
            "wx" => Press::WebinarCancel(id(parts.next())?),
            "fr" => Press::FaqReview {
                question: id(parts.next())?,
                choice: match parts.next()? {
                    "e" => ReviewChoice::Entry(part(parts.next())?),
                    "n" => ReviewChoice::NewAnswer,
                    "x" => ReviewChoice::OutOfScope,
                    "s" => ReviewChoice::Skip,
                    _ => return None,
                },
            },
            "gw" => Press::Word(part(parts.next())?),
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(press)
    }
}

fn part(p: Option<&str>) -> Option<String> {
    p.filter(|s| !s.is_empty()).map(str::to_string)
}

/// A row id: a positive number.
fn id(p: Option<&str>) -> Option<i64> {
    p?.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::MAX_ID_LEN;

    #[test]
    fn round_trips() {
        let presses = [
            Press::Open("phishing".into()),
            Press::Action("progress".into()),
            Press::Goto {
                dialogue: "phishing".into(),
                step: "signs".into(),
            },
            Press::Answer {
                dialogue: "phishing".into(),
                step: "q1".into(),
                option: 3,
            },
            Press::Again {
                dialogue: "phishing".into(),
                step: "signs".into(),
            },
            Press::Back {
                dialogue: "phishing".into(),
                step: "signs".into(),
            },
            Press::Simpler {
                dialogue: "phishing".into(),
                step: "signs".into(),
            },
            Press::Language("en".into()),
            Press::Forget,
            Press::Faq {
                entry: "diia_password".into(),
                key: "0123456789ab".into(),
            },
            Press::Vote {
                entry: "diia_password".into(),
                key: "0123456789ab".into(),
                helpful: false,
            },
            Press::Reply(42),
            Press::Close(7),
            Press::Place("branch_7".into()),
            Press::Draft("t:webinars".into()),
            Press::Draft("h:branch_7".into()),
            Press::Rsvp {
                webinar: 12,
                going: true,
            },
            Press::Rsvp {
                webinar: 12,
                going: false,
            },
            Press::WebinarDraft("place:branch_7".into()),
            Press::WebinarMove(3),
            Press::WebinarCancel(3),
            Press::FaqReview {
                question: 5,
                choice: ReviewChoice::Entry("diia_signin".into()),
            },
            Press::FaqReview {
                question: 5,
                choice: ReviewChoice::NewAnswer,
            },
            Press::FaqReview {
                question: 5,
                choice: ReviewChoice::OutOfScope,
            },
            Press::FaqReview {
                question: 5,
                choice: ReviewChoice::Skip,
            },
        ];
        for p in presses {
            assert_eq!(Press::decode(&p.encode()), Some(p));
        }
    }

    #[test]
    fn the_longest_ids_fit_in_64_bytes() {
        let id = "x".repeat(MAX_ID_LEN);
        let longest = Press::Answer {
            dialogue: id.clone(),
            step: id,
            option: 99,
        };
        assert!(
            longest.encode().len() <= MAX_DATA_BYTES,
            "{}",
            longest.encode()
        );
    }

    #[test]
    fn the_longest_faq_vote_fits_in_64_bytes() {
        let vote = Press::Vote {
            entry: "x".repeat(MAX_ID_LEN),
            key: "f".repeat(super::super::ask::KEY_LEN),
            helpful: true,
        };
        assert!(vote.encode().len() <= MAX_DATA_BYTES, "{}", vote.encode());
    }

    #[test]
    fn the_tags_are_distinct_and_every_press_uses_one() {
        for (i, (tag, _)) in TAGS.iter().enumerate() {
            assert!(!tag.contains(':'));
            for (other, _) in &TAGS[i + 1..] {
                assert_ne!(tag, other);
            }
        }
        let id = "x".repeat(MAX_ID_LEN);
        let longest = [
            Press::Open(id.clone()),
            Press::Goto {
                dialogue: id.clone(),
                step: id.clone(),
            },
            Press::Faq {
                entry: id.clone(),
                key: "f".repeat(super::super::ask::KEY_LEN),
            },
            Press::Again {
                dialogue: id.clone(),
                step: id.clone(),
            },
            Press::Back {
                dialogue: id.clone(),
                step: id.clone(),
            },
            Press::Simpler {
                dialogue: id.clone(),
                step: id.clone(),
            },
            Press::Place(id.clone()),
            Press::Reply(u64::MAX),
            Press::Close(u64::MAX),
            Press::Draft(format!("h:{id}")),
            Press::Draft(format!("d:{id}")),
            Press::Rsvp {
                webinar: i64::MAX,
                going: false,
            },
            Press::WebinarDraft(format!("place:{id}")),
            Press::WebinarMove(i64::MAX),
            Press::WebinarCancel(i64::MAX),
            Press::FaqReview {
                question: i64::MAX,
                choice: ReviewChoice::Entry(id.clone()),
            },
            Press::Review(format!("{id}:{id}:99:3:3")),
        ];
        for p in longest {
            let data = p.encode();
            let tag = data.split(':').next().unwrap_or_default();
            assert!(TAGS.iter().any(|(t, _)| *t == tag), "{data}");
            assert!(
                data.len() <= MAX_DATA_BYTES,
                "{data} is {} bytes",
                data.len()
            );
        }
        let data = Press::Subscribe(super::super::Choice::Off).encode();
        assert!(data.starts_with("s:") && data.len() <= MAX_DATA_BYTES);
    }

    #[test]
    fn garbage_is_refused() {
        for data in [
            "",
            "x",
            "y:1",
            "z:",
            "q:a:b",
            "q:a:b:x",
            "g:a",
            "o:",
            "g:a:b:c",
            "r:a",
            "k:a:b:c",
            "v:a:b:2",
            "t:-1",
            "c:x",
            "w:go:x",
            "w:maybe:1",
            "w:go:-3",
            "fr:1",
            "fr:0:n",
            "fr:1:e",
            "fr:1:q",
            "fr:1:n:x",
            "wm:",
            "wx:0",
            "b:",
            "wb:",
            "rv:",
            &"o:".repeat(40),
        ] {
            assert_eq!(Press::decode(data), None, "{data:?}");
        }
    }
}
