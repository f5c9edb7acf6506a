//! The webhook's door: what reaches teloxide's handler has the secret, fits
//! in [`MAX_BODY`], is JSON, and comes while fewer than [`MAX_REQUESTS`] are
//! being read. Anything else is answered at once (401, 413, 400, 503) and
//! the server goes on.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

/// The largest request body accepted (Telegram's updates are far smaller).
pub const MAX_BODY: usize = 1 << 20;
/// Requests read at once; beyond that a request is shed with 503 (Telegram retries).
pub const MAX_REQUESTS: usize = 256;

struct Door {
    secret: String,
    reading: Semaphore,
}

/// `router` behind the checks above.
pub fn harden(router: axum::Router, secret: String) -> axum::Router {
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
