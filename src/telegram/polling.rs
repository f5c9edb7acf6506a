//! Long polling that confirms an update to Telegram only once it is handled.
//!
//! `getUpdates` confirms every update below its `offset`. teloxide's own
//! polling asks for the next batch as soon as the last one is handed on, so
//! an update still being handled is confirmed already, and lost if the
//! process dies then. Here the offset stays at the oldest update not yet
//! handled ([`Pending`]); Telegram hands the unfinished ones out again with
//! each batch and they are skipped, since they were handed on already. After
//! an unexpected stop Telegram hands them out once more, and the application
//! layer skips those whose turn had committed (`App::handle_once`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt};
use teloxide::prelude::*;
use teloxide::stop::{mk_stop_token, StopFlag, StopToken};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use teloxide::RequestError;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a long poll waits at Telegram for something new.
const LONG_POLL: Duration = Duration::from_secs(25);
/// After a batch with nothing new (only updates still being handled), the
/// next poll waits for one of them to finish, or this long.
const RECHECK: Duration = Duration::from_millis(250);
/// An update handed on and never finished within this long (a handler that
/// hangs) no longer holds the offset back.
const GIVE_UP: Duration = Duration::from_secs(120);

/// The updates handed on whose handling has not finished, by id.
#[derive(Default)]
pub struct Pending {
    ids: Mutex<BTreeMap<i32, Instant>>,
    finished: Notify,
}

impl Pending {
    pub fn start(&self, id: i32) {
        self.lock().insert(id, crate::clock::instant());
    }

    pub fn finish(&self, id: i32) {
        self.lock().remove(&id);
        self.finished.notify_waiters();
    }

    /// Marks `id` handed on unless it is already (a copy of it is being
    /// handled); answers whether it was not.
    pub fn claim(&self, id: i32) -> bool {
        use std::collections::btree_map::Entry;
        match self.lock().entry(id) {
            Entry::Occupied(_) => false,
            Entry::Vacant(place) => {
                place.insert(crate::clock::instant());
                true
            }
        }
    }

    /// Resolves once `id` is not being handled.
    pub async fn done(&self, id: i32) {
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            // Registered before looking, so a finish in between is not missed.
            finished.as_mut().enable();
            if !self.lock().contains_key(&id) {
                return;
            }
            finished.await;
        }
    }

    /// The oldest update still being handled, after letting go of any that
    /// hung for [`GIVE_UP`].
    fn oldest(&self) -> Option<i32> {
        let mut ids = self.lock();
        let now = crate::clock::instant();
        ids.retain(|id, since| {
            let hung = now.duration_since(*since) > GIVE_UP;
            if hung {
                tracing::warn!(
                    update = id,
                    "an update has been handled for two minutes; confirming it"
                );
            }
            !hung
        });
        ids.keys().next().copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i32, Instant>> {
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The update listener (see the module's comment).
pub struct Polling {
    bot: Bot,
    pending: Arc<Pending>,
    allowed: Option<Vec<AllowedUpdate>>,
    token: StopToken,
    flag: StopFlag,
}

impl Polling {
    /// Removes a webhook first, if one is set: Telegram serves `getUpdates`
    /// only without one.
    pub async fn new(bot: Bot, pending: Arc<Pending>) -> Polling {
        match bot.get_webhook_info().await {
            Ok(info) if info.url.is_none() => {}
            Ok(_) => {
                if let Err(e) = bot.delete_webhook().await {
                    tracing::warn!(error = %e, "could not remove the webhook before polling");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not ask Telegram about a webhook"),
        }
        let (token, flag) = mk_stop_token();
        Polling {
            bot,
            pending,
            allowed: None,
            token,
            flag,
        }
    }
}

impl UpdateListener for Polling {
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed = Some(hint.collect());
    }
}

/// Where the stream is.
struct Cursor {
    bot: Bot,
    pending: Arc<Pending>,
    allowed: Option<Vec<AllowedUpdate>>,
    flag: StopFlag,
    /// One past the newest update handed on.
    next: Option<i32>,
    batch: VecDeque<Update>,
    /// The last batch brought nothing new.
    idle: bool,
    errors: u32,
}

impl<'a> AsUpdateStream<'a> for Polling {
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let cursor = Cursor {
            bot: self.bot.clone(),
            pending: self.pending.clone(),
            allowed: self.allowed.clone(),
            flag: self.flag.clone(),
            next: None,
            batch: VecDeque::new(),
            idle: false,
            errors: 0,
        };
        stream::unfold(cursor, |mut c| async move {
            loop {
                if c.flag.is_stopped() {
                    // What is not handled stays with Telegram for the next start.
                    return None;
                }
                if let Some(update) = c.batch.pop_front() {
                    return Some((Ok(update), c));
                }
                if c.idle {
                    // Only unfinished updates came back: wait for one to finish.
                    let finished = c.pending.finished.notified();
                    tokio::select! {
                        _ = finished => {}
                        _ = tokio::time::sleep(RECHECK) => {}
                        _ = c.flag.clone() => return None,
                    }
                }
                let oldest = c.pending.oldest();
                let offset = match (oldest, c.next) {
                    (Some(old), _) => Some(old),
                    (None, next) => next,
                };
                let mut request = c.bot.get_updates().timeout(LONG_POLL.as_secs() as u32);
                if let Some(offset) = offset {
                    request = request.offset(offset);
                }
                if let Some(allowed) = &c.allowed {
                    request = request.allowed_updates(allowed.clone());
                }
                let answer = tokio::select! {
                    answer = request.send() => answer,
                    _ = c.flag.clone() => return None,
                };
                match answer {
                    Ok(updates) => {
                        c.errors = 0;
                        let fresh: VecDeque<Update> = updates
                            .into_iter()
                            .filter(|u| c.next.is_none_or(|next| u.id.0 as i32 >= next))
                            .collect();
                        if let Some(last) = fresh.back() {
                            c.next = Some(last.id.0 as i32 + 1);
                        }
                        c.idle = fresh.is_empty() && oldest.is_some();
                        c.batch = fresh;
                    }
                    Err(e) => {
                        let wait = match &e {
                            RequestError::RetryAfter(after) => after.duration(),
                            _ => Duration::from_millis((250u64 << c.errors.min(5)).min(5_000)),
                        };
                        c.errors += 1;
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = c.flag.clone() => return None,
                        }
                        return Some((Err(e), c));
                    }
                }
            }
        })
        .boxed()
    }
}
