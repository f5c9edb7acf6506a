//! The outbox sender: one task that sends queued announcements at
//! `broadcast.per_second`, resumable after a crash.
//!
//! It takes a batch of due deliveries from the store, sends them (a few at a
//! time, spaced by a rate limiter, at most one a second to one chat), and
//! records each outcome as soon as Telegram answers. The next batch is read
//! only when the last one is done, so no delivery is ever sent twice by this
//! process; after a crash, the rows that were in flight are still `pending`
//! and are sent again — the only repeats there can be.
//!
//! A 429 pauses all sending for `retry_after`; 403 marks the resident blocked
//! (and the row `blocked`); other refusals ("chat not found") skip the row;
//! network and server errors retry with back-off, then give up (`failed`).
//! Interactive replies take their share of Telegram's overall budget first
//! (`App::global`), so a long broadcast never slows the answers to residents.

use std::future::IntoFuture;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{Quota, RateLimiter};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode};
use teloxide::RequestError;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::render;
use super::App;
use crate::engine::Choice;
use crate::script::Msg;
use crate::store::{Delivery, Due};

/// Telegram's bulk limit, messages a second, for the shared budget.
pub const TELEGRAM_PER_SECOND: u32 = 30;
/// Deliveries read from the store at a time.
const BATCH: i64 = 256;
/// Sends waiting for Telegram's answer at once.
const IN_FLIGHT: usize = 8;
/// Tries of one delivery before it is marked failed.
const MAX_ATTEMPTS: i64 = 5;

/// Starts the sender; it stops (after the sends in hand) when `stop` turns true.
pub(super) fn spawn(
    app: App,
    bot: Bot,
    per_second: u32,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(app, bot, per_second, stop))
}

async fn run(app: App, bot: Bot, per_second: u32, mut stop: watch::Receiver<bool>) {
    // Evenly spaced: Telegram counts its limit over any second. A burst of a
    // fiftieth of the rate absorbs the timer's millisecond slack without ever
    // putting more than rate × 1.02 into one second.
    let rate = RateLimiter::direct(
        Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(per_second / 50).unwrap_or(NonZeroU32::MIN)),
    );
    let paused: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        if *stop.borrow() {
            return;
        }
        app.report_finished(&bot).await;
        let reminded = app.send_reminders(&bot).await;
        let due = match app.store.due(app.now(), BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read due deliveries");
                Vec::new()
            }
        };
        if due.is_empty() && reminded == 0 {
            tokio::select! {
                _ = app.outbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        if due.is_empty() {
            continue;
        }
        let mut sends = JoinSet::new();
        for d in due {
            if *stop.borrow() {
                break;
            }
            // A 429 holds everything until Telegram's retry_after has passed.
            let hold = paused.lock().ok().and_then(|p| *p);
            if let Some(until) = hold.filter(|u| *u > Instant::now()) {
                tokio::time::sleep_until(until).await;
            }
            rate.until_ready().await;
            app.global.until_ready().await;
            app.pace.until_key_ready(&ChatId(d.user)).await;
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let (app, bot, paused) = (app.clone(), bot.clone(), paused.clone());
            sends.spawn(async move {
                send(&app, &bot, d, &paused).await;
                drop(slot);
            });
        }
        while sends.join_next().await.is_some() {}
    }
}

/// One delivery: one attempt, its outcome recorded.
async fn send(app: &App, bot: &Bot, d: Due, paused: &Mutex<Option<Instant>>) {
    let chat = ChatId(d.user);
    let lang = d
        .lang
        .as_deref()
        .and_then(|l| app.script().lang_index(l))
        .unwrap_or(0);
    let stop_label = app
        .script()
        .strings
        .get(Msg::ButtonStopSending, lang)
        .to_string();
    let mut rows = Vec::new();
    if let Some(w) = d.webinar {
        let rsvp = app.script().strings.get(Msg::ButtonRsvp, lang).to_string();
        rows.push(vec![InlineKeyboardButton::callback(
            rsvp,
            format!("w:go:{w}"),
        )]);
    }
    rows.push(vec![InlineKeyboardButton::callback(
        stop_label,
        Choice::Off.encode(),
    )]);
    let keyboard = InlineKeyboardMarkup::new(rows);
    let result = match &d.photo {
        Some(file) => {
            bot.send_photo(chat, InputFile::file_id(file.clone().into()))
                .caption(d.html.clone())
                .parse_mode(ParseMode::Html)
                .reply_markup(keyboard)
                .into_future()
                .await
        }
        None => {
            bot.send_message(chat, d.html.clone())
                .parse_mode(ParseMode::Html)
                .reply_markup(keyboard)
                .into_future()
                .await
        }
    };
    let now = app.now();
    let outcome = match result {
        Ok(message) => Delivery::Sent {
            message_id: message.id.0.into(),
        },
        Err(RequestError::RetryAfter(wait)) => {
            tracing::warn!(
                seconds = wait.seconds(),
                "outbox: Telegram asked to wait (429)"
            );
            if let Ok(mut p) = paused.lock() {
                *p = Some(Instant::now() + wait.duration());
            }
            // The row stays pending; the next batch takes it again.
            return;
        }
        Err(e) if render::is_blocked(&e) => Delivery::Blocked,
        Err(e) if render::is_transient(&e) => {
            if d.attempts + 1 >= MAX_ATTEMPTS {
                tracing::warn!(broadcast = d.broadcast, user = d.user, error = %e, "outbox: giving up");
                Delivery::Failed
            } else {
                // 2, 4, 8, 16 seconds.
                Delivery::Retry {
                    at: now + (2i64 << d.attempts.clamp(0, 4)),
                }
            }
        }
        Err(e) => {
            tracing::info!(broadcast = d.broadcast, user = d.user, error = %e, "outbox: skipped");
            Delivery::Skipped
        }
    };
    if let Err(e) = app.store.delivered(d.broadcast, d.user, outcome, now).await {
        tracing::error!(broadcast = d.broadcast, user = d.user, error = %e, "outbox: cannot record a delivery");
    }
}

impl App {
    /// Sends each finished broadcast's report to its author, once.
    async fn report_finished(&self, bot: &Bot) {
        let finished = match self.store.unreported().await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read finished broadcasts");
                return;
            }
        };
        for p in finished {
            match self.store.mark_reported(p.id, self.now()).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: cannot mark a report");
                    continue;
                }
            }
            let lang = self.lang_of_user(p.author).await;
            let end = p.finished_at.unwrap_or_else(|| self.now());
            let took = (end - p.created_at.max(p.not_before)).max(0);
            let minutes = format!("{:.1}", took as f64 / 60.0);
            let text = self.script().strings.fill(
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
            let html = crate::script::markup::to_html(&text);
            let chat = ChatId(p.author);
            if let Err(e) = render::call(|| {
                bot.send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html)
                    .into_future()
            })
            .await
            {
                tracing::warn!(broadcast = p.id, error = %e, "outbox: cannot send the report");
            }
        }
    }
}
