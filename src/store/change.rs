//! The changes the writer applies, as plain data: the application layer
//! builds them, [`super::writer`] turns them into SQL inside its
//! transactions. Nothing here touches the database.

use crate::broadcast::{Audience, Topic};

/// Changes the writer applies: with a resident's step ([`Job::writes`]) or
/// on their own. The application layer builds them; only this module turns
/// them into SQL.
#[derive(Debug, Clone)]
pub enum Change {
    /// Folds every event from `from` to before `before` (one batch,
    /// `store::fold`); answers how many, or -1 when another process is folding.
    Fold {
        from: i64,
        before: i64,
    },
    /// Folds every event before `before` in one transaction (`store::fold`,
    /// for an old database's first fold); answers how many, or -1 when
    /// another process is folding.
    FoldAtOnce {
        before: i64,
    },
    /// Adds at most `batch` of the changes of each kind the triggers appended
    /// to the statistics' counts (`store::fold`); answers how many, or -1
    /// when another process is adding them.
    Tally {
        batch: i64,
    },
    /// Keeps the weekly series' figures of weeks that ended (`store::weeks`)
    /// unless a resident was forgotten since `generation`; drops weeks
    /// before `oldest`. Answers how many were kept, or -1.
    KeepWeeks {
        generation: i64,
        oldest: i64,
        weeks: Vec<(i64, i64, i64, i64)>,
    },
    /// Delete every personal row of a resident.
    Forget {
        user: i64,
    },
    /// Telegram said the resident blocked the bot (or unblocked it).
    Blocked {
        user: i64,
        blocked: bool,
    },
    /// A new ticket with the resident's first message; answers its number.
    OpenTicket {
        user: i64,
        chat: i64,
        lang: String,
        text: String,
        now: i64,
    },
    /// A further message in a ticket, queued for the other side: a
    /// resident's to the librarians' group, a librarian's (`librarian` is
    /// set; `reply_to` is their message in the group) to the resident.
    TicketMessage {
        ticket: i64,
        librarian: Option<i64>,
        text: String,
        reply_to: Option<i64>,
        now: i64,
    },
    /// A Telegram message that belongs to a ticket.
    Post {
        chat: i64,
        message: i64,
        ticket: i64,
    },
    /// Closes a ticket; answers 1 if it was open, else 0.
    CloseTicket {
        ticket: i64,
        by: i64,
        now: i64,
    },
    /// Grants or revokes a role, audited; answers 1 if anything changed.
    Role {
        user: i64,
        role: &'static str,
        grant: bool,
        by: i64,
        now: i64,
    },
    Audit {
        actor: i64,
        action: String,
        target: Option<String>,
        detail: Option<String>,
        now: i64,
    },
    /// A broadcast and its deliveries; answers its id.
    Broadcast {
        author: i64,
        topic: Topic,
        audience: Audience,
        audience_json: String,
        html: String,
        photo: Option<String>,
        not_before: i64,
        now: i64,
        webinar: Option<i64>,
    },
    Delivery {
        broadcast: i64,
        user: i64,
        outcome: Delivery,
        now: i64,
    },
    /// Answers 1 the first time only.
    Reported {
        broadcast: i64,
        now: i64,
    },
    Webinar(WebinarChange),
    /// A hub's fact or a librarian's link to a hub.
    Hub(super::hubs::HubChange),
    /// The outcome of a queued ticket message, with the messages it made
    /// (chat, message id) that belong to the ticket's thread.
    MessageDone {
        id: i64,
        ticket: i64,
        outcome: Delivery,
        posts: Vec<(i64, i64)>,
        now: i64,
    },
    /// Every turn below this number has had its replies delivered (of
    /// replica `slot`'s turns when several processes share the database).
    DeliveredBelow {
        slot: Option<i64>,
        turn: i64,
    },
    /// A Telegram update was handled (written with what it caused).
    Handled {
        update: i64,
        now: i64,
    },
    /// Forget the updates handled before this time.
    HandledBefore(i64),
    /// A librarian's decision on a question the FAQ missed (`/faq_review`).
    FaqReview(super::faq_review::ReviewChange),
    /// A signed certificate (`user`: its holder's account, if any).
    Certificate {
        user: Option<i64>,
        record: crate::certificates::Record,
        signature: String,
        lang: String,
        now: i64,
    },
    /// A finished final test of a course.
    CourseAttempt {
        user: i64,
        course: String,
        version: u32,
        correct: u32,
        total: u32,
        passed: bool,
        now: i64,
    },
    /// Revokes a certificate; answers 1 if it was valid.
    RevokeCertificate {
        code: String,
        now: i64,
    },
    /// A question to review, or the review reminder.
    Review(super::review::ReviewWrite),
}

impl Change {
    /// A broadcast and a delivery row for every recipient of `audience`.
    #[allow(clippy::too_many_arguments)]
    pub fn broadcast(
        author: i64,
        topic: Topic,
        audience: &Audience,
        html: &str,
        photo: Option<&str>,
        not_before: i64,
        now: i64,
        webinar: Option<i64>,
    ) -> Change {
        // An audience is plain strings: it always serializes.
        let audience_json = serde_json::to_string(audience).unwrap_or_default();
        Change::Broadcast {
            author,
            topic,
            audience: audience.clone(),
            audience_json,
            html: html.to_string(),
            photo: photo.map(str::to_string),
            not_before,
            now,
            webinar,
        }
    }
}

/// The webinar changes the writer applies.
#[derive(Debug, Clone)]
pub enum WebinarChange {
    /// A new webinar and its announcement to webinar subscribers (with the
    /// "I will come" button), in one go; answers the webinar's id.
    Publish {
        author: i64,
        title: String,
        description: String,
        starts_at: i64,
        place: String,
        capacity: Option<i64>,
        /// The announcement, as HTML.
        html: String,
        not_before: i64,
        now: i64,
    },
    Create {
        author: i64,
        title: String,
        description: String,
        starts_at: i64,
        place: String,
        capacity: Option<i64>,
        now: i64,
    },
    Rsvp {
        webinar: i64,
        user: i64,
        now: i64,
    },
    Unrsvp {
        webinar: i64,
        user: i64,
    },
    Cancel {
        webinar: i64,
        by: i64,
        now: i64,
    },
    Move {
        webinar: i64,
        starts_at: i64,
        by: i64,
        now: i64,
    },
    ReminderSent {
        webinar: i64,
        user: i64,
        kind: String,
        now: i64,
    },
    /// A reminder not sent yet is due at `at` (Telegram asked to wait).
    ReminderLater {
        webinar: i64,
        user: i64,
        kind: String,
        at: i64,
    },
}

/// How a delivery ended, or that it is to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        message_id: i64,
    },
    Blocked,
    /// The chat is gone or refuses this kind of message: not worth retrying.
    Skipped,
    /// Try again at this Unix second.
    Retry {
        at: i64,
    },
    /// Telegram asked to wait: try again at this Unix second, without
    /// counting an attempt.
    Later {
        at: i64,
    },
    /// Gave up after retries.
    Failed,
}
