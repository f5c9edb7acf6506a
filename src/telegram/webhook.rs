//! The webhook: Telegram's requests come in here, and each is answered only
//! once its update has taken effect.
//!
//! teloxide's own webhook answers 200 as soon as an update is queued, so an
//! update whose turn had not committed when the process died was confirmed
//! to Telegram and lost. Here [`receive`] hands the update to the dispatcher
//! through [`Listener`] and waits until its handler has finished (its `Slot`
//! in [`super::flood`] marks it in [`Pending`]); only then is Telegram
//! answered 200. A process that dies before that leaves the request
//! unanswered, and Telegram delivers the update again (to this process after
//! its restart, or to another replica), where the application layer answers
//! it once (`App::handle_once`).
//!
//! In front of it sits the door ([`harden`]): what reaches [`receive`] has
//! the secret, fits in [`MAX_BODY`], is JSON, and comes while fewer than
//! [`MAX_REQUESTS`] are open. Anything else is answered at once (401, 413,
//! 400, 503) and the server goes on.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, StreamExt};
use teloxide::stop::{mk_stop_token, StopFlag, StopToken};
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::{mpsc, watch, Semaphore};

use super::polling::Pending;

/// The largest request body accepted (Telegram's updates are far smaller).
pub const MAX_BODY: usize = 1 << 20;
/// Requests open at once (read, or waiting for their update to be handled);
/// beyond that a request is shed with 503 (Telegram retries).
pub const MAX_REQUESTS: usize = 256;
/// An update still not handled after this long (a handler that hangs) is
/// answered 200 anyway, so Telegram does not hand it out for ever.
const HANDLING_CAP: Duration = Duration::from_secs(50);
/// When the process stops, how long a request waits for an update in hand
/// to finish; one not begun by then is answered 503 and stays with Telegram.
const STOP_GRACE: Duration = Duration::from_millis(1_000);

/// The updates Telegram posted, on their way to the dispatcher.
pub struct Listener {
    updates: mpsc::UnboundedReceiver<Update>,
    token: StopToken,
    flag: StopFlag,
}

impl UpdateListener for Listener {
    type Err = Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }

    /// Telegram sends what `setWebhook` asked for; nothing to do here.
    fn hint_allowed_updates(&mut self, _hint: &mut dyn Iterator<Item = AllowedUpdate>) {}
}

impl<'a> AsUpdateStream<'a> for Listener {
    type StreamErr = Infallible;
    type Stream = BoxStream<'a, Result<Update, Infallible>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let updates = &mut self.updates;
        // Stopped: updates not handed on yet stay unanswered here (503) and
        // so with Telegram.
        stream::poll_fn(move |cx| updates.poll_recv(cx))
            .map(Ok)
            .take_until(self.flag.clone())
            .boxed()
    }
}

/// What [`receive`] needs.
struct Inbox {
    updates: mpsc::UnboundedSender<Update>,
    pending: Arc<Pending>,
    stopping: watch::Receiver<bool>,
}

/// The webhook's listener and its router (behind the door) on `path`.
/// `pending` is the flood gate's: an update leaves it when its handler is done.
pub fn listen(
    path: &str,
    secret: String,
    pending: Arc<Pending>,
    stopping: watch::Receiver<bool>,
) -> (Listener, axum::Router) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (token, flag) = mk_stop_token();
    let inbox = Arc::new(Inbox {
        updates: tx,
        pending,
        stopping,
    });
    let path = if path.is_empty() { "/" } else { path };
    let router = axum::Router::new()
        .route(path, axum::routing::post(receive))
        .with_state(inbox);
    let listener = Listener {
        updates: rx,
        token,
        flag,
    };
    (listener, harden(router, secret))
}

/// One request from Telegram: the update is handed on (once, if Telegram
/// sent it again meanwhile) and answered when it has been handled.
async fn receive(State(inbox): State<Arc<Inbox>>, body: Bytes) -> StatusCode {
    if *inbox.stopping.borrow() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => {
            tracing::debug!(error = %e, "webhook: JSON that is not an update");
            return StatusCode::BAD_REQUEST;
        }
    };
    // teloxide keeps an update kind it does not know as its raw JSON.
    if let UpdateKind::Error(value) = &mut update.kind {
        *value = serde_json::from_slice(&body).unwrap_or_default();
    }
    let id = update.id.0 as i32;
    if inbox.pending.claim(id) && inbox.updates.send(update).is_err() {
        inbox.pending.finish(id);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut stopping = inbox.stopping.clone();
    tokio::select! {
        () = inbox.pending.done(id) => return StatusCode::OK,
        () = tokio::time::sleep(HANDLING_CAP) => {
            tracing::warn!(update = id, "an update has been handled for 50 s; confirming it");
            return StatusCode::OK;
        }
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    match tokio::time::timeout(STOP_GRACE, inbox.pending.done(id)).await {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

struct Door {
    secret: String,
    reading: Semaphore,
}

/// `router` behind the door (see the module's comment).
fn harden(router: axum::Router, secret: String) -> axum::Router {
    let door = Arc::new(Door {
        secret,
        reading: Semaphore::new(MAX_REQUESTS),
    });
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let door = door.clone();
            async move { door.check(request, next).await }
        },
    ))
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Door {
    async fn check(&self, request: Request, next: Next) -> Response {
        let Ok(_reading) = self.reading.try_acquire() else {
            tracing::debug!("webhook: too many requests at once, one shed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        let authorised = request
            .headers()
            .get("x-telegram-bot-api-secret-token")
            .is_some_and(|v| same(v.as_bytes(), self.secret.as_bytes()));
        if !authorised {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY) {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::debug!(error = %e, "webhook: a body too large or cut off");
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            }
        };
        if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
            tracing::debug!("webhook: a body that is not JSON");
            return StatusCode::BAD_REQUEST.into_response();
        }
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    }
}
