//! The outbox's sending policy: queued announcements, webinar reminders and
//! ticket messages, through any [`Deliver`], resumable after a crash.
//!
//! A round takes what is due from the store, sends it (a few at a time, at
//! `broadcast.per_second`, evenly spaced), and records each outcome as soon
//! as the channel answers. The next batch is read only when the last one is
//! done, so nothing is sent twice by this process; after a crash, rows that
//! were in flight are still pending and are sent again: the only repeats.
//!
//! A 429 pauses all sending for `retry_after`; a blocked resident's row is
//! marked blocked (and the resident too); other refusals ("chat not found")
//! skip the row; network and server errors retry with back-off (2, 4, 8,
//! 16 s), then give up.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::{tickets, App, Body, Deliver, Outgoing, SendError, To, Urgency, GROUP_LANG};
use crate::engine::{Choice, InlineButton, Keyboard, Press};
use crate::script::{markup, Msg};
use crate::store::{Delivery, Due, MessageKind, QueuedMessage, ReminderDue, WebinarWrite, Write};

/// Telegram's bulk limit, messages a second, for the shared budget.
pub const TELEGRAM_PER_SECOND: u32 = 30;
/// Deliveries read from the store at a time.
const BATCH: i64 = 256;
/// Sends waiting for an answer at once.
pub const IN_FLIGHT: usize = 8;
/// Tries of one delivery before it is given up.
const MAX_ATTEMPTS: i64 = 5;

/// The sender: one per process, shared by its tasks.
pub struct Outbox<D> {
    app: App,
    sink: Arc<D>,
    /// Evenly spaced sends at `broadcast.per_second`.
    rate: DefaultDirectRateLimiter,
    /// Until when a 429 holds all sending.
    paused: Mutex<Option<tokio::time::Instant>>,
    /// Only this resident's messages (and the librarians'): a terminal.
    only: Option<i64>,
    /// The per-second budget shared with the other processes on the database.
    shared: Option<u32>,
}

impl<D: Deliver + 'static> Outbox<D> {
    pub fn new(app: App, sink: Arc<D>, per_second: u32) -> Arc<Outbox<D>> {
        // A burst of a fiftieth of the rate absorbs the timer's millisecond
        // slack without ever putting more than rate × 1.02 into one second.
        let rate = RateLimiter::direct(
            Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(per_second / 50).unwrap_or(NonZeroU32::MIN)),
        );
        let shared = app.shares_database().then_some(per_second);
        Arc::new(Outbox {
            app,
            sink,
            rate,
            paused: Mutex::new(None),
            only: None,
            shared,
        })
    }

    /// An outbox that sends only what is for `person` and the librarians'
    /// group: a terminal session, where everyone else is not there to read.
    pub fn for_person(app: App, sink: Arc<D>, person: i64) -> Arc<Outbox<D>> {
        Arc::new(Outbox {
            app,
            sink,
            rate: RateLimiter::direct(Quota::per_second(NonZeroU32::MAX)),
            paused: Mutex::new(None),
            only: Some(person),
            shared: None,
        })
    }

    /// Runs until `stop` turns true, then finishes the sends in hand.
    pub fn spawn(self: Arc<Self>, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if *stop.borrow() {
                    return;
                }
                let sent = self.round(&stop).await;
                if sent == 0 {
                    tokio::select! {
                        _ = self.app.wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        })
    }

    /// One round: reports, reminders, ticket messages and one batch of
    /// deliveries. Answers how many things were due.
    pub async fn round(self: &Arc<Self>, stop: &watch::Receiver<bool>) -> usize {
        self.report_finished().await;
        let mut due = self.send_reminders().await;
        due += self.send_review_reminders().await;
        due += self.send_messages().await;
        let deliveries = match self.app.store.due(self.app.now(), BATCH, self.only).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read due deliveries");
                Vec::new()
            }
        };
        due += deliveries.len();
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut sends = JoinSet::new();
        for d in deliveries {
            if *stop.borrow() {
                break;
            }
            if let Some(at) = self.paused_until() {
                let now = self.app.now();
                let later = Delivery::Later { at };
                if let Err(e) = self
                    .app
                    .store
                    .delivered(d.broadcast, d.user, later, now)
                    .await
                {
                    tracing::warn!(error = %e, "outbox: cannot give back a delivery");
                }
                continue;
            }
            self.hold().await;
            self.take_turn().await;
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let me = self.clone();
            sends.spawn(async move {
                me.deliver(d).await;
                drop(slot);
            });
        }
        while sends.join_next().await.is_some() {}
        due
    }

    /// Waits for this process's next evenly spaced send and, with several
    /// processes on one database, for a place in the budget they share
    /// (`broadcast.per_second` in all). A store error lets the send go: the
    /// budget is a courtesy to Telegram, which answers 429 when it is not kept.
    async fn take_turn(&self) {
        self.rate.until_ready().await;
        let Some(per_second) = self.shared else {
            return;
        };
        loop {
            match self.app.store.take_send_turn(per_second).await {
                Ok(None) => return,
                Ok(Some(wait)) => tokio::time::sleep(wait).await,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot take from the shared send budget");
                    return;
                }
            }
        }
    }

    /// While a 429 holds all sending: the Unix second it ends. A row claimed
    /// meanwhile is given back due then instead of being held, so no claim
    /// outlives its lease (another process could take it and send it too).
    fn paused_until(&self) -> Option<i64> {
        let until = self.paused.lock().ok().and_then(|p| *p)?;
        let left = until.checked_duration_since(crate::clock::instant())?;
        if left.is_zero() {
            return None;
        }
        let secs = i64::try_from(left.as_secs()).unwrap_or(i64::MAX / 2);
        Some(self.app.now() + secs + i64::from(left.subsec_nanos() > 0))
    }

    /// Waits while a 429 holds all sending.
    async fn hold(&self) {
        let until = self.paused.lock().ok().and_then(|p| *p);
        if let Some(until) = until.filter(|u| *u > crate::clock::instant()) {
            tokio::time::sleep_until(until).await;
        }
    }

    fn pause(&self, wait: Duration) {
        tracing::warn!(seconds = wait.as_secs(), "outbox: asked to wait (429)");
        if let Ok(mut p) = self.paused.lock() {
            *p = Some(crate::clock::instant() + wait);
        }
    }

    /// What a failed attempt means for a row tried `attempts` times before.
    fn after_failure(&self, e: &SendError, attempts: i64) -> Option<Delivery> {
        Some(match e {
            SendError::Wait(wait) => {
                self.pause(*wait);
                // Pending still, due when the pause ends (a claimed row
                // would otherwise wait out its lease), not counted.
                let secs = i64::try_from(wait.as_secs()).unwrap_or(i64::MAX / 2);
                Delivery::Later {
                    at: self.app.now() + secs + i64::from(wait.subsec_nanos() > 0),
                }
            }
            SendError::Blocked => Delivery::Blocked,
            SendError::Transient(_) if attempts + 1 < MAX_ATTEMPTS => Delivery::Retry {
                at: self.app.now() + (2i64 << attempts.clamp(0, 4)),
            },
            SendError::Transient(_) => Delivery::Failed,
            SendError::Refused(_) => Delivery::Skipped,
        })
    }

    /// One announcement: one attempt, its outcome recorded.
    async fn deliver(&self, d: Due) {
        let script = self.app.script();
        let lang = script.resolve_lang(d.lang.as_deref(), None);
        let s = &script.strings;
        let button = |msg: Msg, press: Press| InlineButton {
            label: s.get(msg, lang).to_string(),
            data: press.encode(),
            url: None,
        };
        let mut rows = Vec::new();
        if let Some(webinar) = d.webinar {
            rows.push(vec![button(
                Msg::ButtonRsvp,
                Press::Rsvp {
                    webinar,
                    going: true,
                },
            )]);
        }
        rows.push(vec![button(
            Msg::ButtonStopSending,
            Press::Subscribe(Choice::Off),
        )]);
        let out = Outgoing {
            to: To::Person(d.user),
            body: Body::Html {
                html: d.html.clone(),
                photo: d.photo.clone(),
                keyboard: Keyboard::Inline(rows),
            },
            reply_to: None,
        };
        let outcome = match self.sink.send(&out, Urgency::Bulk).await {
            Ok(ids) => Delivery::Sent {
                message_id: ids.first().copied().unwrap_or_default(),
            },
            Err(e) => {
                if !matches!(e, SendError::Wait(_)) {
                    tracing::info!(broadcast = d.broadcast, user = d.user, error = %e, "outbox: not delivered");
                }
                match self.after_failure(&e, d.attempts) {
                    Some(outcome) => outcome,
                    None => return,
                }
            }
        };
        let now = self.app.now();
        if let Err(e) = self
            .app
            .store
            .delivered(d.broadcast, d.user, outcome, now)
            .await
        {
            tracing::error!(broadcast = d.broadcast, user = d.user, error = %e, "outbox: cannot record a delivery");
        }
    }

    /// Sends each finished broadcast's report to its author, once.
    async fn report_finished(&self) {
        let finished = match self.app.store.unreported().await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read finished broadcasts");
                return;
            }
        };
        for p in finished {
            if self.only.is_some_and(|me| me != p.author) {
                continue;
            }
            match self.app.store.mark_reported(p.id, self.app.now()).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot mark a report");
                    continue;
                }
            }
            let lang = self.app.lang_of_user(p.author, None).await;
            let end = p.finished_at.unwrap_or_else(|| self.app.now());
            let took = (end - p.created_at.max(p.not_before)).max(0);
            let minutes = format!("{:.1}", took as f64 / 60.0);
            let text = self.app.script().strings.fill(
                Msg::BroadcastReport,
                lang,
                &[
                    ("id", &p.id.to_string()),
                    ("sent", &p.sent.to_string()),
                    ("blocked", &p.blocked.to_string()),
                    ("skipped", &p.skipped.to_string()),
                    ("failed", &p.failed.to_string()),
                    ("minutes", &minutes),
                ],
            );
            tracing::info!(
                broadcast = p.id,
                sent = p.sent,
                blocked = p.blocked,
                failed = p.failed,
                "broadcast finished"
            );
            let out = Outgoing::text(To::Person(p.author), text, Keyboard::None);
            // The author reads it like any reply: retried through trouble.
            let _ = self
                .app
                .send(self.sink.as_ref(), &out, Urgency::Reply)
                .await;
        }
    }

    /// Sends the reminders that are due; each is marked sent when the
    /// channel accepts it. Answers how many were due.
    async fn send_reminders(&self) -> usize {
        let due = match self
            .app
            .store
            .due_reminders(self.app.now(), 64, self.only)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read due reminders");
                return 0;
            }
        };
        let count = due.len();
        for r in due {
            if let Some(at) = self.paused_until() {
                self.remind_later(&r, at).await;
                continue;
            }
            self.hold().await;
            self.take_turn().await;
            self.remind(&r).await;
        }
        count
    }

    async fn remind(&self, r: &ReminderDue) {
        let script = self.app.script();
        let lang = script.resolve_lang(r.lang.as_deref(), None);
        let w = &r.webinar;
        let msg = match r.kind.as_str() {
            "day" => Msg::ReminderDay,
            "hour" => Msg::ReminderHour,
            "moved" => Msg::WebinarMovedNote,
            _ => Msg::WebinarCancelledNote,
        };
        let text = script.strings.fill(
            msg,
            lang,
            &[
                ("title", &markup::literal(&w.title)),
                (
                    "when",
                    &super::webinars::when(&script, &self.app.tz, w.starts_at, lang),
                ),
                (
                    "place",
                    &super::webinars::place_text(&script, &w.place, lang),
                ),
            ],
        );
        let out = Outgoing::text(To::Person(r.user), text, Keyboard::None);
        match self.app.send(self.sink.as_ref(), &out, Urgency::Bulk).await {
            Ok(_) | Err(SendError::Blocked | SendError::Refused(_)) => {}
            // Left unsent, due again when the pause ends.
            Err(SendError::Wait(wait)) => {
                self.pause(wait);
                if let Some(at) = self.paused_until() {
                    self.remind_later(r, at).await;
                }
                return;
            }
            Err(e @ SendError::Transient(_)) => {
                tracing::warn!(webinar = w.id, user = r.user, error = %e, "reminder not sent");
                return;
            }
        }
        let sent = Write::Webinar(WebinarWrite::ReminderSent {
            webinar: w.id,
            user: r.user,
            kind: r.kind.clone(),
            now: self.app.now(),
        });
        if let Err(e) = self.app.store.write(vec![sent]).await {
            tracing::warn!(webinar = w.id, user = r.user, error = %e, "cannot record a reminder");
        }
    }

    /// A reminder not sent for a 429: due again at `at` (not at the end of its claim).
    async fn remind_later(&self, r: &ReminderDue, at: i64) {
        let later = Write::Webinar(WebinarWrite::ReminderLater {
            webinar: r.webinar.id,
            user: r.user,
            kind: r.kind.clone(),
            at,
        });
        if let Err(e) = self.app.store.write(vec![later]).await {
            tracing::warn!(webinar = r.webinar.id, user = r.user, error = %e, "cannot give back a reminder");
        }
    }

    /// Sends the review reminders that are due (none in quiet hours), one a
    /// day to each resident who turned them on: the day is taken before the
    /// send and given back if it could not go. Answers how many were due.
    async fn send_review_reminders(&self) -> usize {
        let (today, due) = self.app.review_reminders_due(self.only).await;
        let count = due.len();
        for r in due {
            self.hold().await;
            self.take_turn().await;
            if !self.app.take_review_reminder(r.user, &today).await {
                continue;
            }
            let out = self.app.review_reminder(&r);
            match self.app.send(self.sink.as_ref(), &out, Urgency::Bulk).await {
                Ok(_) | Err(SendError::Blocked | SendError::Refused(_)) => {}
                // Given back: the next round takes it.
                Err(SendError::Wait(wait)) => {
                    self.app.give_back_review_reminder(r.user, &today).await;
                    self.pause(wait);
                    return count;
                }
                Err(e @ SendError::Transient(_)) => {
                    tracing::warn!(user = r.user, error = %e, "review reminder not sent");
                    self.app.give_back_review_reminder(r.user, &today).await;
                }
            }
        }
        count
    }

    /// Sends the ticket messages that are due. Answers how many were due.
    async fn send_messages(&self) -> usize {
        let Some(group) = self.app.librarians else {
            return 0;
        };
        let only = self.only.map(|me| (me, group));
        let due = match self.app.store.due_messages(self.app.now(), 64, only).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read due ticket messages");
                return 0;
            }
        };
        let count = due.len();
        for m in due {
            if let Some(at) = self.paused_until() {
                let later = Delivery::Later { at };
                let now = self.app.now();
                if let Err(e) = self
                    .app
                    .store
                    .message_done(&m, later, Vec::new(), now)
                    .await
                {
                    tracing::warn!(ticket = m.ticket, error = %e, "cannot give back a ticket message");
                }
                continue;
            }
            self.hold().await;
            self.take_turn().await;
            self.ticket_message(group, &m).await;
        }
        count
    }

    /// One ticket message: rendered now, sent once, its posts remembered.
    async fn ticket_message(&self, group: i64, m: &QueuedMessage) {
        let script = self.app.script();
        let s = &script.strings;
        let lang = script.resolve_lang(Some(&m.lang), None);
        let number = m.ticket.to_string();
        let words = markup::literal(&m.text);
        let store = &self.app.store;
        let out = match m.kind {
            MessageKind::TicketPost => Outgoing::text(
                To::Librarians,
                s.fill(
                    Msg::TicketPost,
                    GROUP_LANG,
                    &[
                        ("ticket", &number),
                        ("language", s.get(Msg::LanguageName, lang)),
                        ("text", &words),
                    ],
                ),
                tickets::close_button(&script, m.ticket),
            ),
            MessageKind::FollowUp => {
                let thread = match store.last_post(m.ticket, group).await {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read a ticket's thread");
                        return;
                    }
                };
                Outgoing::text(
                    To::Librarians,
                    s.fill(
                        Msg::TicketFollowUp,
                        GROUP_LANG,
                        &[("ticket", &number), ("text", &words)],
                    ),
                    tickets::close_button(&script, m.ticket),
                )
                .replying(thread)
            }
            MessageKind::Answer => Outgoing::text(
                To::Person(m.chat),
                s.fill(
                    Msg::LibrarianSays,
                    lang,
                    &[("ticket", &number), ("text", &words)],
                ),
                Keyboard::Inline(vec![vec![InlineButton {
                    url: None,
                    label: s.get(Msg::ButtonReply, lang).to_string(),
                    data: Press::Reply(m.ticket.max(0) as u64).encode(),
                }]]),
            ),
            MessageKind::Closed => Outgoing::text(
                To::Person(m.chat),
                s.fill(Msg::TicketClosed, lang, &[("ticket", &number)]),
                Keyboard::None,
            ),
        };
        let result = self.sink.send(&out, Urgency::Bulk).await;
        let chat = match out.to {
            To::Person(chat) => chat,
            To::Librarians => group,
        };
        let (outcome, posts) = match &result {
            Ok(ids) => {
                // Closing notices need no thread; everything else may be replied to.
                let posts = if m.kind == MessageKind::Closed {
                    Vec::new()
                } else {
                    ids.iter().map(|id| (chat, *id)).collect()
                };
                let first = ids.first().copied().unwrap_or_default();
                (Delivery::Sent { message_id: first }, posts)
            }
            Err(e) => {
                tracing::warn!(ticket = m.ticket, error = %e, "a ticket message was not sent");
                match self.after_failure(e, m.attempts) {
                    Some(outcome) => (outcome, Vec::new()),
                    None => return,
                }
            }
        };
        if let Err(e) = store.message_done(m, outcome, posts, self.app.now()).await {
            tracing::error!(ticket = m.ticket, error = %e, "cannot record a ticket message");
            return;
        }
        // The librarian who answered hears whether it reached the resident.
        if m.kind == MessageKind::Answer {
            let note = match outcome {
                Delivery::Sent { .. } => Some(Msg::TicketDelivered),
                Delivery::Blocked | Delivery::Skipped | Delivery::Failed => {
                    Some(Msg::TicketUndelivered)
                }
                Delivery::Retry { .. } | Delivery::Later { .. } => None,
            };
            if let Some(note) = note {
                let out = self
                    .app
                    .to_group(&script, note, &[("ticket", &number)])
                    .replying(m.reply_to);
                let _ = self
                    .app
                    .send(self.sink.as_ref(), &out, Urgency::Reply)
                    .await;
            }
        }
        // A question that cannot reach the librarians: the resident is told.
        if m.kind == MessageKind::TicketPost
            && matches!(outcome, Delivery::Failed | Delivery::Skipped)
        {
            let text = s.get(Msg::HandoffFailed, lang).to_string();
            let out = Outgoing::text(To::Person(m.chat), text, Keyboard::None);
            let _ = self
                .app
                .send(self.sink.as_ref(), &out, Urgency::Reply)
                .await;
        }
    }
}
