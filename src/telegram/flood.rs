//! Flood control at the door: updates from a resident who sends too much too
//! fast are dropped as they arrive, before teloxide queues them.
//!
//! teloxide queues up to 64 updates per chat and its distributor waits while a
//! chat's queue is full, so a check inside a handler would come too late: one
//! flooding resident could hold up everyone. [`Guarded`] wraps any update
//! listener (polling or webhook) and filters its stream instead.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use futures_util::{Stream, StreamExt};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use super::render::Out;
use crate::app::{Deliver, Outgoing, To, Urgency};
use crate::content::Content;
use crate::engine::Keyboard;
use crate::script::{Msg, Script};

/// Decides which updates get in, and tells a flooding resident once.
#[derive(Clone)]
pub struct Gate {
    limiter: Arc<DefaultKeyedRateLimiter<UserId>>,
    /// Residents already told to slow down, until they calm down.
    warned: Arc<Mutex<HashSet<UserId>>>,
    out: Arc<Out>,
    content: Arc<Content>,
    /// Updates let in whose handling has not finished. The stream waits for a
    /// permit before yielding an update, so a backlog stays at Telegram (or in
    /// the webhook's caller) instead of in this process's memory.
    in_flight: Arc<Semaphore>,
}

/// Updates handled at once, across all chats.
pub const MAX_IN_FLIGHT: usize = 64;

/// Held while one update is handled; gives its place back when dropped.
pub struct Slot(Arc<Semaphore>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

impl Gate {
    /// Marks the end of one admitted update's handling when the returned value is dropped.
    pub fn slot(&self) -> Slot {
        Slot(self.in_flight.clone())
    }

    /// `burst` updates at once, then one more every `period`.
    pub fn new(out: Arc<Out>, content: Arc<Content>, burst: u32, period: Duration) -> Gate {
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Gate {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            warned: Arc::default(),
            out,
            content,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    fn script(&self) -> Arc<Script> {
        self.content.get()
    }

    /// Whether an update may go on to the handlers.
    pub fn admit(&self, update: &Update) -> bool {
        let Some(user) = update.from() else {
            return true;
        };
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if self.limiter.check_key(&user.id).is_ok() {
            warned.remove(&user.id);
            return true;
        }
        tracing::debug!(user = user.id.0, "flood: update dropped");
        let script = self.script();
        let lang = script.resolve_lang(None, user.language_code.as_deref());
        let text = script.strings.get(Msg::SlowDown, lang).to_string();
        // A dropped button press is still answered, so its spinner stops.
        if let teloxide::types::UpdateKind::CallbackQuery(query) = &update.kind {
            let bot = self.out.bot().clone();
            let (id, toast) = (query.id.clone(), text.clone());
            tokio::spawn(async move {
                if let Err(e) = bot
                    .answer_callback_query(id)
                    .text(toast)
                    .into_future()
                    .await
                {
                    tracing::debug!(error = %e, "could not answer a dropped callback query");
                }
            });
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
        Box::pin(
            self.inner
                .as_stream()
                .filter(move |update| {
                    let admit = match update {
                        Ok(update) => gate.admit(update),
                        Err(_) => true,
                    };
                    std::future::ready(admit)
                })
                .then(move |update| {
                    let in_flight = in_flight.clone();
                    async move {
                        // Every admitted update takes a place; its handler's `Slot` gives it back.
                        if update.is_ok() {
                            if let Ok(permit) = in_flight.acquire().await {
                                permit.forget();
                            }
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
