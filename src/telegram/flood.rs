//! Flood control at the door: updates from a resident who sends too much too
//! fast are dropped as they arrive, before teloxide queues them.
//!
//! teloxide queues up to 64 updates per chat and its distributor waits while a
//! chat's queue is full, so a check inside a handler would come too late: one
//! flooding resident could hold up everyone. [`Guarded`] wraps any update
//! listener (polling or webhook) and filters its stream instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::IntoFuture;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Semaphore;

use futures_util::{Stream, StreamExt};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, UpdateId, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use super::polling::Pending;
use super::render::{self, Out};
use crate::app::{Deliver, Outgoing, To, Urgency};
use crate::content::Content;
use crate::engine::Keyboard;
use crate::script::{Msg, Script};

/// How much one resident may send: typed messages and button presses have
/// allowances of their own.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// Typed messages (and anything that is not a press) at once ...
    pub text_burst: u32,
    /// ... then one more each this long.
    pub text_period: Duration,
    /// Button presses at once ...
    pub press_burst: u32,
    /// ... then one more each this long.
    pub press_period: Duration,
    /// The same press again within this long is a double tap (zero: off).
    pub repeat: Duration,
}

impl Allowance {
    pub fn from_settings(settings: &crate::settings::Settings) -> Allowance {
        let t = &settings.telegram;
        Allowance {
            text_burst: t.flood_burst,
            text_period: Duration::from_millis(t.flood_period_ms),
            press_burst: t.press_burst,
            press_period: Duration::from_millis(t.press_period_ms),
            repeat: Duration::from_millis(t.press_repeat_ms),
        }
    }
}

/// Presses remembered for double taps: at most this many (old ones go first).
const RECENT_PRESSES: usize = 4_096;

/// A press as it identifies itself for double taps: who, which message, which button.
type PressKey = (UserId, i64, i32, String);

/// Recent presses, oldest first, to find double taps.
#[derive(Default)]
struct Presses {
    at: HashMap<PressKey, Instant>,
    order: VecDeque<(PressKey, Instant)>,
}

impl Presses {
    /// Whether `key` was pressed within `repeat` before `now`; remembers this press
    /// unless it is such a repeat (so a stream of taps never extends its own window).
    fn is_repeat(&mut self, key: PressKey, now: Instant, repeat: Duration) -> bool {
        while let Some((_, t)) = self.order.front() {
            if now.duration_since(*t) < repeat && self.order.len() < RECENT_PRESSES {
                break;
            }
            if let Some((old, t)) = self.order.pop_front() {
                if self.at.get(&old) == Some(&t) {
                    self.at.remove(&old);
                }
            }
        }
        if self
            .at
            .get(&key)
            .is_some_and(|t| now.duration_since(*t) < repeat)
        {
            return true;
        }
        self.at.insert(key.clone(), now);
        self.order.push_back((key, now));
        false
    }
}

fn quota(burst: u32, period: Duration) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

/// Update ids remembered to hand each update on once: at most this many.
pub const RECENT_UPDATES: usize = 10_000;

/// The ids of the updates seen lately, to drop one Telegram (or a webhook's
/// caller) hands out again.
#[derive(Default)]
struct Seen {
    ids: HashSet<u32>,
    order: VecDeque<u32>,
}

impl Seen {
    /// Whether `id` is new; remembers it.
    fn first(&mut self, id: u32) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        while self.order.len() > RECENT_UPDATES {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }
}

/// Decides which updates get in, and tells a flooding resident once.
#[derive(Clone)]
pub struct Gate {
    texts: Arc<DefaultKeyedRateLimiter<UserId>>,
    presses: Arc<DefaultKeyedRateLimiter<UserId>>,
    repeat: Duration,
    recent: Arc<Mutex<Presses>>,
    seen: Arc<Mutex<Seen>>,
    /// Residents already told to slow down, until they calm down.
    warned: Arc<Mutex<HashSet<UserId>>>,
    out: Arc<Out>,
    content: Arc<Content>,
    /// Updates let in whose handling has not finished. The stream waits for a
    /// permit before yielding an update, so a backlog stays at Telegram (or in
    /// the webhook's caller) instead of in this process's memory.
    in_flight: Arc<Semaphore>,
    /// The admitted updates not handled yet, which polling does not confirm.
    pending: Arc<Pending>,
    /// Updates up to this id may have been handled before this start.
    replays_up_to: Arc<AtomicI64>,
}

/// Updates handled at once, across all chats.
pub const MAX_IN_FLIGHT: usize = 64;

/// Held while one update is handled; gives its place back when dropped.
pub struct Slot {
    places: Arc<Semaphore>,
    pending: Arc<Pending>,
    /// The update, until it has taken effect.
    update: Option<i32>,
}

impl Slot {
    /// The update has taken effect (its turn is committed; replies still to
    /// go out are the application's to recover): polling may confirm it.
    pub fn handled(&mut self) {
        if let Some(id) = self.update.take() {
            self.pending.finish(id);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.places.add_permits(1);
        self.handled();
    }
}

impl Gate {
    /// Marks the end of the handling of admitted update `update` when the
    /// returned value is dropped.
    pub fn slot(&self, update: UpdateId) -> Slot {
        Slot {
            places: self.in_flight.clone(),
            pending: self.pending.clone(),
            update: Some(update.0 as i32),
        }
    }

    /// Updates up to `id` may have been handled before this start: they are
    /// let through unthrottled, for the handlers to look up.
    pub fn replays_up_to(&self, id: i64) {
        self.replays_up_to.store(id, Ordering::Relaxed);
    }

    /// The admitted updates still being handled.
    pub fn pending(&self) -> Arc<Pending> {
        self.pending.clone()
    }

    pub fn new(out: Arc<Out>, content: Arc<Content>, allowance: Allowance) -> Gate {
        Gate {
            texts: Arc::new(RateLimiter::keyed(quota(
                allowance.text_burst,
                allowance.text_period,
            ))),
            presses: Arc::new(RateLimiter::keyed(quota(
                allowance.press_burst,
                allowance.press_period,
            ))),
            repeat: allowance.repeat,
            recent: Arc::default(),
            seen: Arc::default(),
            warned: Arc::default(),
            out,
            content,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            pending: Arc::default(),
            replays_up_to: Arc::new(AtomicI64::new(0)),
        }
    }

    fn script(&self) -> Arc<Script> {
        self.content.get()
    }

    /// Answers a callback query the handlers will not see, so its spinner stops.
    fn answer(&self, query: &CallbackQuery, toast: Option<String>) {
        let bot = self.out.bot().clone();
        let id = query.id.clone();
        tokio::spawn(async move {
            let result = render::answer_press(|| {
                let mut r = bot.answer_callback_query(id.clone());
                if let Some(t) = &toast {
                    r = r.text(t.clone());
                }
                r.into_future()
            })
            .await;
            if let Err(e) = result {
                tracing::debug!(error = %e, "could not answer a dropped callback query");
            }
        });
    }

    /// Whether an update may go on to the handlers: each update once, and
    /// within its sender's allowance.
    pub fn admit(&self, update: &Update) -> bool {
        let first = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .first(update.id.0);
        if !first {
            tracing::debug!(update = update.id.0, "update seen before: dropped");
            return false;
        }
        if i64::from(update.id.0) <= self.replays_up_to.load(Ordering::Relaxed) {
            // Handed out again after an unexpected stop: not new taps to
            // throttle, but updates the handlers look up (handled then, or not).
            return true;
        }
        let Some(user) = update.from() else {
            return true;
        };
        let press = match &update.kind {
            UpdateKind::CallbackQuery(query) => Some(query),
            _ => None,
        };
        if let Some(query) = press {
            if !self.repeat.is_zero() {
                let key = (
                    user.id,
                    query.message.as_ref().map_or(0, |m| m.chat().id.0),
                    query.message.as_ref().map_or(0, |m| m.id().0),
                    query.data.clone().unwrap_or_default(),
                );
                let repeat = self
                    .recent
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_repeat(key, crate::clock::instant(), self.repeat);
                if repeat {
                    // A double tap: answered, acted on once, not counted.
                    tracing::debug!(user = user.id.0, "double tap answered and dropped");
                    self.answer(query, None);
                    return false;
                }
            }
        }
        let limiter = if press.is_some() {
            &self.presses
        } else {
            &self.texts
        };
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if limiter.check_key(&user.id).is_ok() {
            warned.remove(&user.id);
            return true;
        }
        tracing::debug!(user = user.id.0, "flood: update dropped");
        let script = self.script();
        let lang = script.resolve_lang(None, user.language_code.as_deref());
        let text = script.strings.get(Msg::SlowDown, lang).to_string();
        // A dropped button press is still answered, so its spinner stops.
        if let Some(query) = press {
            self.answer(query, Some(text.clone()));
        }
        if warned.insert(user.id) {
            let out = self.out.clone();
            let note = Outgoing::text(To::Person(user.id.0 as i64), text, Keyboard::None);
            tokio::spawn(async move {
                if let Err(e) = out.send(&note, Urgency::Bulk).await {
                    tracing::debug!(error = %e, "could not send the slow-down note");
                }
            });
        }
        false
    }
}

/// An update listener whose stream passes through a [`Gate`].
pub struct Guarded<L> {
    inner: L,
    gate: Gate,
}

impl<L> Guarded<L> {
    pub fn new(inner: L, gate: Gate) -> Self {
        Guarded { inner, gate }
    }
}

impl<'a, L> AsUpdateStream<'a> for Guarded<L>
where
    L: AsUpdateStream<'a>,
    L::StreamErr: Send + 'a,
{
    type StreamErr = L::StreamErr;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, L::StreamErr>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let gate = self.gate.clone();
        let in_flight = self.gate.in_flight.clone();
        let pending = self.gate.pending.clone();
        let dropped = pending.clone();
        Box::pin(
            self.inner
                .as_stream()
                .filter(move |update| {
                    let admit = match update {
                        Ok(update) => {
                            let admit = gate.admit(update);
                            if !admit {
                                // Done with, for a webhook request waiting on it.
                                dropped.finish(update.id.0 as i32);
                            }
                            admit
                        }
                        Err(_) => true,
                    };
                    std::future::ready(admit)
                })
                .then(move |update| {
                    let in_flight = in_flight.clone();
                    let pending = pending.clone();
                    async move {
                        // Every admitted update takes a place; its handler's `Slot` gives it back.
                        if let Ok(update) = &update {
                            if let Ok(permit) = in_flight.acquire().await {
                                permit.forget();
                            }
                            pending.start(update.id.0 as i32);
                        }
                        update
                    }
                }),
        )
    }
}

impl<L> UpdateListener for Guarded<L>
where
    L: UpdateListener,
    L::Err: Send + 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint)
    }
}
