//! A fake Telegram Bot API on 127.0.0.1: it hands out updates the test queues,
//! records every call the bot makes, answers with Telegram's JSON shapes, and
//! can be told to fail (429, 403, 5xx) or to treat a resident as blocked.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

pub const BOT_ID: i64 = 999_000;
pub const TOKEN: &str = "123456:TEST-token";

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    pub at: Instant,
    /// The id of the message a send created.
    pub message_id: Option<i64>,
    /// Whether the call succeeded (no injected fault, not to a blocked chat).
    pub delivered: bool,
    /// Files uploaded with the call (a photo or document sent from memory).
    pub files: Vec<Upload>,
}

/// A file a call uploaded, as multipart/form-data carried it.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field, such as `photo` or `document`.
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Call {
    pub fn chat(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(Value::as_i64)
    }

    /// The text of a message, or the caption of a photo or document.
    pub fn text(&self) -> &str {
        self.params
            .get("text")
            .or_else(|| self.params.get("caption"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A failure to answer the next call of a method with.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// 429 with `retry_after` seconds.
    TooMany(u32),
    /// 500 Internal Server Error.
    Server,
    /// 200 with a body that is not JSON, as a broken proxy might answer.
    Garbage,
    /// 502 with nginx's HTML page, as Telegram answers when its Bot API is down.
    BadGateway,
}

#[derive(Default)]
struct Inner {
    updates: Vec<Value>,
    /// Every update queued, by id, to hand one out again.
    history: HashMap<i64, Value>,
    /// Updates to hand out again with the next `getUpdates`, whatever its offset.
    repeats: Vec<Value>,
    next_update: i64,
    next_message: i64,
    calls: Vec<Call>,
    /// The places in `calls` of each chat's delivered sends, oldest first, so
    /// that a test asking often for a chat's newest message (a thousand
    /// residents at once) does not read every call each time.
    sends_to: HashMap<i64, Vec<usize>>,
    faults: HashMap<String, VecDeque<Fault>>,
    blocked: HashSet<i64>,
    /// Chats Telegram no longer knows (400 "chat not found").
    gone: HashSet<i64>,
    /// Chats whose sends hang unanswered (see [`FakeApi::stall`]).
    stalled: HashSet<i64>,
    /// Messages the bot sent, by id, to put under callback queries.
    sent: HashMap<i64, Value>,
    /// Telegram's bulk limit, if enforced: at most this many sends in any second.
    rate: Option<usize>,
    /// When the recent sends were accepted, for the limit.
    recent: VecDeque<Instant>,
    /// Sends refused with 429 because of the limit.
    pub limited: usize,
    /// Requests refused with 400 as Telegram would refuse them: a text too
    /// long or empty, an edit to the same content.
    refused: Vec<String>,
    /// Sends hanging on a stalled chat.
    hanging: usize,
    /// Whether `getUpdates` holds a long poll for its whole timeout (else at most 1 s).
    long_polls: bool,
    /// `getUpdates` requests being held now.
    polling: usize,
    /// Random faults: a share of all requests (in per cent) answered with this
    /// fault, drawn from a seeded generator.
    random_faults: Option<(u32, Fault)>,
    /// The generator's state (xorshift).
    seed: u64,
    /// How many requests the random faults hit.
    pub faulted: usize,
    /// Callback queries answered, to refuse a second answer as Telegram does.
    answered: HashSet<String>,
}

#[derive(Clone)]
pub struct FakeApi {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    notify: Arc<Notify>,
    /// Held by the test's handles only (not the server's): when the last one
    /// goes, the test fails if the bot made a request Telegram would refuse.
    /// So every conversation test through the fake Bot API checks for 400s.
    guard: Option<Arc<RefusalGuard>>,
}

/// Fails the test whose fake Bot API saw a request Telegram would refuse.
struct RefusalGuard {
    inner: Arc<Mutex<Inner>>,
}

impl Drop for RefusalGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let refused = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .refused
            .clone();
        assert!(
            refused.is_empty(),
            "the bot made requests Telegram would refuse: {refused:#?}"
        );
    }
}

impl FakeApi {
    /// Starts the server on a free port of 127.0.0.1.
    pub async fn start() -> FakeApi {
        let inner = Arc::new(Mutex::new(Inner {
            next_update: 1,
            next_message: 1,
            ..Inner::default()
        }));
        let notify = Arc::new(Notify::new());
        let api = FakeApi {
            url: String::new(),
            inner: inner.clone(),
            notify,
            guard: None,
        };
        let app = Router::new()
            .route("/{bot}/{method}", post(handle))
            .with_state(api.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeApi {
            url,
            guard: Some(Arc::new(RefusalGuard { inner })),
            ..api
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an update (`update_id` is filled in) and returns its id.
    pub fn push(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.lock();
            let id = inner.next_update;
            inner.next_update += 1;
            update["update_id"] = json!(id);
            inner.history.insert(id, update.clone());
            inner.updates.push(update);
            id
        };
        self.notify.notify_waiters();
        id
    }

    /// Hands out the update `id` once more (as Telegram may after a lost confirmation).
    pub fn repeat(&self, id: i64) {
        {
            let mut inner = self.lock();
            if let Some(update) = inner.history.get(&id).cloned() {
                inner.repeats.push(update);
            }
        }
        self.notify.notify_waiters();
    }

    /// Holds each long poll for the whole timeout the bot asks for, as Telegram does.
    pub fn long_polls(&self) {
        self.lock().long_polls = true;
    }

    /// How many `getUpdates` requests are being held now.
    pub fn polling(&self) -> usize {
        self.lock().polling
    }

    /// The id of the latest update queued.
    pub fn last_update_id(&self) -> i64 {
        self.lock().next_update - 1
    }

    /// Whether every update to hand out again has been handed out.
    pub fn repeats_handed_out(&self) -> bool {
        self.lock().repeats.is_empty()
    }

    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.lock()
            .faults
            .entry(method.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Answers `per_cent` of all requests, `getUpdates` included, with `fault`,
    /// chosen by a generator seeded with `seed` (a 502 or 429 is not recorded
    /// as a call: Telegram did not act on it).
    pub fn random_faults(&self, per_cent: u32, fault: Fault, seed: u64) {
        let mut inner = self.lock();
        inner.random_faults = Some((per_cent, fault));
        inner.seed = seed.max(1);
    }

    /// How many requests the random faults hit.
    pub fn faulted(&self) -> usize {
        self.lock().faulted
    }

    /// Answers 429 (retry after 1 s) to sends beyond `per_second` in any one second.
    pub fn limit_rate(&self, per_second: usize) {
        self.lock().rate = Some(per_second);
    }

    /// How many sends the rate limit refused.
    pub fn limited(&self) -> usize {
        self.lock().limited
    }

    /// Answers 400 "chat not found" to anything sent to this chat.
    pub fn forget_chat(&self, chat: i64) {
        self.lock().gone.insert(chat);
    }

    /// Sends to this chat hang, unanswered and unrecorded, until
    /// [`FakeApi::release`]; then they are answered 502, still unrecorded
    /// (a test kills the bot that sent them in between).
    pub fn stall(&self, chat: i64) {
        self.lock().stalled.insert(chat);
    }

    pub fn release(&self, chat: i64) {
        self.lock().stalled.remove(&chat);
    }

    /// How many sends to a chat are hanging now.
    pub fn hanging(&self) -> usize {
        self.lock().hanging
    }

    pub fn block(&self, chat: i64) {
        self.lock().blocked.insert(chat);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    pub fn call_count(&self) -> usize {
        self.lock().calls.len()
    }

    /// The requests answered 400 because Telegram would refuse them (each as
    /// "method: why"): a text over 4,096 UTF-16 units or empty, a caption over
    /// 1,024, an edit that changes nothing.
    pub fn refusals(&self) -> Vec<String> {
        self.lock().refused.clone()
    }

    /// The refusals so far, forgotten (for a test that bounds them itself).
    pub fn take_refusals(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().refused)
    }

    /// Fails the test if the bot made any request Telegram would refuse.
    pub fn assert_no_refusals(&self) {
        let refused = self.refusals();
        assert!(
            refused.is_empty(),
            "the bot made requests Telegram refuses: {refused:#?}"
        );
    }

    /// Whether every queued update has been handed out.
    pub fn drained(&self) -> bool {
        let inner = self.lock();
        inner.updates.is_empty()
    }

    /// A message the bot sent, as Telegram would put it under a callback query.
    pub fn sent_message(&self, id: i64) -> Option<Value> {
        self.lock().sent.get(&id).cloned()
    }

    /// The newest message the bot sent to `chat` that `wanted` picks, as
    /// Telegram would put it under a callback query (with any edits since).
    pub fn newest_sent(&self, chat: i64, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        let inner = self.lock();
        inner
            .sends_to
            .get(&chat)
            .into_iter()
            .flatten()
            .rev()
            .filter_map(|&i| inner.calls[i].message_id.and_then(|id| inner.sent.get(&id)))
            .find(|m| wanted(m))
            .cloned()
    }

    /// Waits until `check` finds what it wants in the calls, or fails after `secs`.
    pub async fn wait_for<T>(
        &self,
        secs: u64,
        what: &str,
        mut check: impl FnMut(&[Call]) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = check(&self.lock().calls) {
                return v;
            }
            if Instant::now() > deadline {
                let calls: Vec<String> = self
                    .calls()
                    .iter()
                    .map(|c| format!("{} {}", c.method, c.params))
                    .collect();
                panic!("timed out waiting for {what}; calls:\n{}", calls.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn handle(
    State(api): State<FakeApi>,
    Path((bot, method)): Path<(String, String)>,
    raw: axum::body::Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&raw).into_owned();
    let files = uploads(&raw);
    if bot != format!("bot{TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, 401, "Unauthorized", None);
    }
    // Method names are case-insensitive; teloxide writes "SendMessage".
    let mut chars = method.chars();
    let method: String = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .chain(chars)
        .collect();
    let params: Value = serde_json::from_str(&body).unwrap_or_else(|_| multipart_fields(&body));
    // teloxide sends a file as its own part and names it in the field: "photo": "attach://<part>".
    let mut files = files;
    for file in &mut files {
        let attach = format!("attach://{}", file.field);
        if let Some((name, _)) = params
            .as_object()
            .and_then(|o| o.iter().find(|(_, v)| v.as_str() == Some(attach.as_str())))
        {
            file.field = name.clone();
        }
    }
    if let Some(fault) = api.random_fault() {
        return fault.response();
    }
    if method == "getUpdates" {
        return get_updates(&api, &params).await;
    }
    let sends = matches!(
        method.as_str(),
        "sendMessage" | "sendVenue" | "sendLocation" | "sendContact" | "sendPhoto" | "sendDocument"
    );
    let target = params.get("chat_id").and_then(Value::as_i64);
    if sends && target.is_some_and(|c| api.lock().stalled.contains(&c)) {
        api.lock().hanging += 1;
        let deadline = Instant::now() + Duration::from_secs(60);
        while target.is_some_and(|c| api.lock().stalled.contains(&c)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        api.lock().hanging -= 1;
        return error(StatusCode::BAD_GATEWAY, 502, "Bad Gateway", None);
    }
    let (fault, message_id, refusal) = {
        let mut inner = api.lock();
        let mut fault = inner.faults.get_mut(&method).and_then(VecDeque::pop_front);
        // A request answered with a fault was not acted on, so not refused either.
        let refusal = match fault {
            Some(_) => None,
            None => refusal(&mut inner, &method, &params),
        };
        if let Some(why) = &refusal {
            inner.refused.push(format!("{method}: {why}"));
        }
        if let (Some(limit), true, None) = (inner.rate, sends, fault) {
            let now = Instant::now();
            while inner
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                inner.recent.pop_front();
            }
            if inner.recent.len() >= limit {
                inner.limited += 1;
                fault = Some(Fault::TooMany(1));
            } else {
                inner.recent.push_back(now);
            }
        }
        let chat = params.get("chat_id").and_then(Value::as_i64);
        let delivered = fault.is_none()
            && refusal.is_none()
            && !chat.is_some_and(|c| inner.blocked.contains(&c) || inner.gone.contains(&c));
        let message_id = (sends && delivered).then(|| {
            let id = inner.next_message;
            inner.next_message += 1;
            id
        });
        if let Some(id) = message_id {
            let message = sent_message(&method, id, chat.unwrap_or(0), &params);
            inner.sent.insert(id, message);
            let at = inner.calls.len();
            inner
                .sends_to
                .entry(chat.unwrap_or(0))
                .or_default()
                .push(at);
        }
        inner.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
            at: Instant::now(),
            message_id,
            delivered,
            files,
        });
        (fault, message_id, refusal)
    };
    if let Some(why) = refusal {
        return error(
            StatusCode::BAD_REQUEST,
            400,
            &format!("Bad Request: {why}"),
            None,
        );
    }
    if let Some(fault) = fault {
        return fault.response();
    }
    let chat = params.get("chat_id").and_then(Value::as_i64);
    if chat.is_some_and(|c| api.lock().blocked.contains(&c)) {
        return error(
            StatusCode::FORBIDDEN,
            403,
            "Forbidden: bot was blocked by the user",
            None,
        );
    }
    if chat.is_some_and(|c| api.lock().gone.contains(&c)) {
        return error(
            StatusCode::BAD_REQUEST,
            400,
            "Bad Request: chat not found",
            None,
        );
    }
    let result = match method.as_str() {
        "getMe" => json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Pomichnyk", "username": "pomichnyk_test_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false
        }),
        "sendMessage" | "sendVenue" | "sendLocation" | "sendContact" | "sendPhoto"
        | "sendDocument" => {
            // Stored with the call, so a test that sees the call finds the message.
            let id = message_id.unwrap_or(0);
            api.lock()
                .sent
                .get(&id)
                .cloned()
                .unwrap_or_else(|| sent_message(&method, id, chat.unwrap_or(0), &params))
        }
        "getWebhookInfo" => {
            json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 })
        }
        "editMessageText" => {
            let id = params
                .get("message_id")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let message = bot_message(id, chat.unwrap_or(0), &params);
            api.lock().sent.insert(id, message.clone());
            message
        }
        _ => json!(true),
    };
    Json(json!({ "ok": true, "result": result })).into_response()
}

impl FakeApi {
    /// The fault the random faults pick for this request, if any.
    fn random_fault(&self) -> Option<Fault> {
        let mut inner = self.lock();
        let (per_cent, fault) = inner.random_faults?;
        // xorshift64: a fixed sequence for a seed, so a failure can be replayed.
        let mut x = inner.seed;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        inner.seed = x;
        (x % 100 < u64::from(per_cent)).then(|| {
            inner.faulted += 1;
            fault
        })
    }
}

impl Fault {
    fn response(self) -> Response {
        match self {
            Fault::TooMany(secs) => error(
                StatusCode::TOO_MANY_REQUESTS,
                429,
                &format!("Too Many Requests: retry after {secs}"),
                Some(json!({ "retry_after": secs })),
            ),
            Fault::Garbage => (StatusCode::OK, "<html>Bad Gateway</html>").into_response(),
            Fault::Server => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                500,
                "Internal Server Error",
                None,
            ),
            // What Telegram's front end answers when the Bot API is unreachable.
            Fault::BadGateway => (
                StatusCode::BAD_GATEWAY,
                "<html><head><title>502 Bad Gateway</title></head><body>\
                 <center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            )
                .into_response(),
        }
    }
}

/// Why Telegram would refuse this request with 400, if it would.
fn refusal(inner: &mut Inner, method: &str, params: &Value) -> Option<String> {
    let visible = |key: &str| params.get(key).and_then(Value::as_str).map(strip_tags);
    match method {
        "sendMessage" | "editMessageText" => {
            let text = visible("text").unwrap_or_default();
            if text.trim().is_empty() {
                return Some("message text is empty".into());
            }
            let units = text.encode_utf16().count();
            if units > 4096 {
                return Some(format!("message is too long ({units} UTF-16 units)"));
            }
            if method == "editMessageText" {
                let id = params.get("message_id").and_then(Value::as_i64)?;
                let old = inner.sent.get(&id)?;
                let same_text = old["text"].as_str() == Some(text.as_str());
                let same_markup = old.get("reply_markup") == params.get("reply_markup");
                if same_text && same_markup {
                    return Some(
                        "message is not modified: specified new message content and reply \
                         markup are exactly the same as a current content and reply markup \
                         of the message"
                            .into(),
                    );
                }
            }
            None
        }
        "answerCallbackQuery" => {
            let id = params.get("callback_query_id").and_then(Value::as_str)?;
            (!inner.answered.insert(id.to_string())).then(|| {
                "query is too old and response timeout expired or query ID is invalid".into()
            })
        }
        "sendPhoto" | "sendDocument" => {
            let units = visible("caption")?.encode_utf16().count();
            (units > 1024).then(|| format!("message caption is too long ({units} UTF-16 units)"))
        }
        _ => None,
    }
}

async fn get_updates(api: &FakeApi, params: &Value) -> Response {
    let offset = params.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0);
    let timeout = if api.lock().long_polls {
        timeout
    } else {
        timeout.min(1)
    };
    let deadline = Instant::now() + Duration::from_secs(timeout);
    api.lock().polling += 1;
    let response = loop {
        let notified = api.notify.notified();
        let updates: Vec<Value> = {
            let mut inner = api.lock();
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            // Repeats first, so the newest id still comes last.
            let mut out = std::mem::take(&mut inner.repeats);
            out.extend(inner.updates.iter().cloned());
            out
        };
        if !updates.is_empty() || Instant::now() >= deadline {
            break Json(json!({ "ok": true, "result": updates })).into_response();
        }
        let _ = tokio::time::timeout(deadline - Instant::now(), notified).await;
    };
    api.lock().polling -= 1;
    response
}

/// The file parts of a multipart/form-data body; none for a JSON body.
fn uploads(body: &[u8]) -> Vec<Upload> {
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }
    fn quoted(head: &str, key: &str) -> Option<String> {
        let start = head.find(key)? + key.len();
        let end = head[start..].find('"')?;
        Some(head[start..start + end].to_string())
    }
    // The body starts with "--boundary\r\n".
    let Some(first) = find(body, b"\r\n") else {
        return Vec::new();
    };
    if !body.starts_with(b"--") {
        return Vec::new();
    }
    let mut delimiter = b"\r\n".to_vec();
    delimiter.extend_from_slice(&body[..first]);
    let mut out = Vec::new();
    let mut rest = &body[first + 2..];
    while let Some(head_end) = find(rest, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content = &rest[head_end + 4..];
        let Some(stop) = find(content, &delimiter) else {
            break;
        };
        if let (Some(field), Some(file_name)) =
            (quoted(&head, " name=\""), quoted(&head, "filename=\""))
        {
            out.push(Upload {
                field,
                file_name,
                bytes: content[..stop].to_vec(),
            });
        }
        rest = &content[stop + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    out
}

/// The text fields of a multipart/form-data body (teloxide sends `setWebhook` so).
fn multipart_fields(body: &str) -> Value {
    let mut fields = serde_json::Map::new();
    for part in body.split("\r\n--") {
        let Some(start) = part.find("name=\"") else {
            continue;
        };
        let rest = &part[start + 6..];
        let Some(end) = rest.find('"') else { continue };
        let name = &rest[..end];
        if let Some(blank) = rest.find("\r\n\r\n") {
            let value = rest[blank + 4..].trim_end_matches("\r\n");
            let value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
            fields.insert(name.to_string(), value);
        }
    }
    Value::Object(fields)
}

fn error(status: StatusCode, code: u16, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({ "ok": false, "error_code": code, "description": description });
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    (status, Json(body)).into_response()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(1)
}

/// A message from the bot, as the Bot API returns it.
/// The message a send made, as Telegram answers it: a photo has a caption,
/// not a text, and the file id Telegram keeps it under (an upload gets a new
/// one, a send by file id keeps the one it named).
fn sent_message(method: &str, id: i64, chat: i64, params: &Value) -> Value {
    let mut message = bot_message(id, chat, params);
    if method == "sendPhoto" {
        let file = params
            .get("photo")
            .and_then(Value::as_str)
            .filter(|f| !f.starts_with("attach://"))
            .map_or_else(|| format!("photo-{id}"), str::to_string);
        if let Some(object) = message.as_object_mut() {
            object.remove("text");
            let caption = strip_tags(params.get("caption").and_then(Value::as_str).unwrap_or(""));
            object.insert("caption".into(), json!(caption));
            object.insert(
                "photo".into(),
                json!([
                    { "file_id": format!("{file}-small"), "file_unique_id": format!("{file}-u1"), "width": 90, "height": 60 },
                    { "file_id": file, "file_unique_id": format!("{file}-u2"), "width": 1080, "height": 720 }
                ]),
            );
        }
    }
    message
}

fn bot_message(id: i64, chat: i64, params: &Value) -> Value {
    let mut message = json!({
        "message_id": id,
        "date": now(),
        "chat": chat_of(chat),
        "from": { "id": BOT_ID, "is_bot": true, "first_name": "Pomichnyk", "username": "pomichnyk_test_bot" },
        "text": strip_tags(params.get("text").and_then(Value::as_str).unwrap_or("")),
    });
    if let Some(markup) = params
        .get("reply_markup")
        .filter(|m| m.get("inline_keyboard").is_some())
    {
        message["reply_markup"] = markup.clone();
    }
    message
}

/// The visible text of Telegram HTML.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

// ----- updates a resident sends ------------------------------------------

fn user(id: i64, lang: &str) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "Resident", "language_code": lang })
}

/// A chat as Telegram describes it: negative ids are groups.
fn chat_of(id: i64) -> Value {
    if id < 0 {
        json!({ "id": id, "type": "supergroup", "title": "Librarians" })
    } else {
        private_chat(id)
    }
}

/// A message in a group from a member, replying to `reply_to` (a message as
/// [`FakeApi::sent_message`] returns it) when given.
pub fn group_text(
    group: i64,
    user_id: i64,
    message_id: i64,
    text: &str,
    reply_to: Option<Value>,
) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": now(),
        "chat": chat_of(group),
        "from": user(user_id, "uk"),
        "text": text,
    });
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .map_or(0, |c| c.encode_utf16().count());
        message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
    }
    if let Some(r) = reply_to {
        message["reply_to_message"] = r;
    }
    json!({ "message": message })
}

fn private_chat(id: i64) -> Value {
    json!({ "id": id, "type": "private", "first_name": "Resident" })
}

/// A message from a resident with extra fields (text, sticker, photo ...).
pub fn message(user_id: i64, lang: &str, message_id: i64, fields: Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": now(),
        "chat": private_chat(user_id),
        "from": user(user_id, lang),
    });
    if let (Some(m), Some(f)) = (message.as_object_mut(), fields.as_object()) {
        for (k, v) in f {
            m.insert(k.clone(), v.clone());
        }
    }
    json!({ "message": message })
}

pub fn text(user_id: i64, lang: &str, message_id: i64, text: &str) -> Value {
    let mut fields = json!({ "text": text });
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .map_or(0, |c| c.encode_utf16().count());
        fields["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
    }
    message(user_id, lang, message_id, fields)
}

pub fn callback(user_id: i64, lang: &str, message: Value, data: &str, query_id: &str) -> Value {
    json!({
        "callback_query": {
            "id": query_id,
            "from": user(user_id, lang),
            "message": message,
            "chat_instance": "42",
            "data": data,
        }
    })
}

pub fn sticker() -> Value {
    json!({ "sticker": {
        "file_id": "st1", "file_unique_id": "st1u", "type": "regular",
        "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"
    }})
}

pub fn photo() -> Value {
    json!({ "photo": [{ "file_id": "ph1", "file_unique_id": "ph1u", "width": 90, "height": 60 }] })
}

pub fn voice() -> Value {
    json!({ "voice": { "file_id": "v1", "file_unique_id": "v1u", "duration": 3 } })
}

pub fn document() -> Value {
    json!({ "document": { "file_id": "d1", "file_unique_id": "d1u", "file_name": "bill.pdf" } })
}

pub fn contact() -> Value {
    json!({ "contact": { "phone_number": "+380000000000", "first_name": "Someone" } })
}

pub fn location(latitude: f64, longitude: f64) -> Value {
    json!({ "location": { "latitude": latitude, "longitude": longitude } })
}

pub fn edited_text(user_id: i64, message_id: i64, text: &str) -> Value {
    json!({ "edited_message": {
        "message_id": message_id, "date": now(), "edit_date": now(),
        "chat": private_chat(user_id), "from": user(user_id, "uk"), "text": text
    }})
}

pub fn channel_post(text: &str) -> Value {
    json!({ "channel_post": {
        "message_id": 1, "date": now(),
        "chat": { "id": -1001, "type": "channel", "title": "News" }, "text": text
    }})
}

/// The resident blocked (`kicked`) or unblocked (`member`) the bot.
pub fn membership(user_id: i64, status: &str) -> Value {
    let bot = json!({ "id": BOT_ID, "is_bot": true, "first_name": "Pomichnyk", "username": "pomichnyk_test_bot" });
    let mut new_member = json!({ "user": bot.clone(), "status": status });
    if status == "kicked" {
        new_member["until_date"] = json!(0);
    }
    json!({ "my_chat_member": {
        "chat": private_chat(user_id), "from": user(user_id, "uk"), "date": now(),
        "old_chat_member": { "user": bot, "status": if status == "kicked" { "member" } else { "kicked" }, "until_date": 0 },
        "new_chat_member": new_member,
    }})
}

/// An update of a kind this version of the Bot API does not know.
pub fn unknown_kind() -> Value {
    json!({ "future_thing": { "id": 1 } })
}
