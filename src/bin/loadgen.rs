//! `loadgen`: a load generator for any Telegram bot.
//!
//! It plays the Telegram Bot API on 127.0.0.1 for N simulated residents and
//! starts the bot under test as a child process (`--bot-cmd`) with
//! `TELOXIDE_TOKEN` and `TELOXIDE_API_URL` pointing at itself. Each resident
//! sends `/start`, then, whenever a message with a keyboard arrives, presses
//! its first button (an inline button sends a callback query, a keyboard button
//! its label). A resident who gets no answer within `--patience-ms` sends
//! `/start` again. It knows nothing of the bot beyond the Bot API.
//!
//! Without `--rate`, each resident taps again as soon as its answer arrives
//! (closed loop: the most the bot can do). With `--rate R`, updates are handed
//! out at R a second (open loop: latency at a given load).
//!
//! At the end it prints one JSON line: updates handled per second, reply latency
//! (from the update being handed out to the first reply arriving) p50/p95/p99,
//! 429 answers given, errors, and the bot's peak resident memory.

use std::collections::VecDeque;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use serde_json::{json, Value};
use tokio::sync::Notify;

const TOKEN: &str = "1000:loadgen";
const FIRST_CHAT: i64 = 5_000_000;

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Load-test a Telegram bot through a fake Bot API"
)]
struct Args {
    /// Simulated residents.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// How long to measure, after the warm-up.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// The bot to start, split at spaces (e.g. "target/release/pomichnyk run").
    #[arg(long)]
    bot_cmd: String,
    /// Hand out updates at this many a second (open loop); unset: as fast as answered.
    #[arg(long)]
    rate: Option<u64>,
    /// A resident with no answer after this long sends /start again (counted as an error).
    #[arg(long, default_value_t = 5000)]
    patience_ms: u64,
    /// Answer 429 when the bot sends more than this many messages a second (0: no limit).
    #[arg(long, default_value_t = 0)]
    global_limit: u64,
}

/// What a simulated resident will do next.
#[derive(Clone)]
enum Next {
    Text(String),
    Press { message: Value, data: String },
}

struct Resident {
    next: Next,
    /// When the last update was handed out, while an answer is awaited.
    waiting_since: Option<Instant>,
    /// Whether a reply to the last update has been seen.
    answered: bool,
}

#[derive(Default)]
struct Stats {
    handed_out: u64,
    replies: u64,
    latencies_us: Vec<u64>,
    too_many: u64,
    errors: u64,
}

struct Sim {
    residents: Vec<Resident>,
    /// Residents ready to send their next update.
    ready: VecDeque<usize>,
    /// Updates queued for getUpdates.
    queue: VecDeque<Value>,
    next_update: i64,
    next_message: i64,
    next_query: u64,
    stats: Stats,
    measuring: bool,
    /// Messages sent in the current second, for --global-limit.
    window: (Instant, u64),
}

#[derive(Clone)]
struct Shared {
    sim: Arc<Mutex<Sim>>,
    notify: Arc<Notify>,
    global_limit: u64,
}

impl Sim {
    fn resident(&mut self, chat: i64) -> Option<&mut Resident> {
        let i = usize::try_from(chat - FIRST_CHAT).ok()?;
        self.residents.get_mut(i)
    }

    /// Queues the next update of resident `i`.
    fn send(&mut self, i: usize, now: Instant) {
        let chat = FIRST_CHAT + i as i64;
        let id = self.next_update;
        self.next_update += 1;
        let resident = &mut self.residents[i];
        let update = match &resident.next {
            Next::Text(text) => json!({
                "update_id": id,
                "message": {
                    "message_id": id, "date": unix_now(),
                    "chat": { "id": chat, "type": "private", "first_name": "Load" },
                    "from": { "id": chat, "is_bot": false, "first_name": "Load", "language_code": "uk" },
                    "text": text,
                }
            }),
            Next::Press { message, data } => {
                self.next_query += 1;
                json!({
                    "update_id": id,
                    "callback_query": {
                        "id": self.next_query.to_string(),
                        "from": { "id": chat, "is_bot": false, "first_name": "Load", "language_code": "uk" },
                        "message": message, "chat_instance": "1", "data": data,
                    }
                })
            }
        };
        resident.waiting_since = Some(now);
        resident.answered = false;
        self.queue.push_back(update);
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    let sim = Sim {
        residents: (0..args.users)
            .map(|_| Resident {
                next: Next::Text("/start".into()),
                waiting_since: None,
                answered: false,
            })
            .collect(),
        ready: (0..args.users).collect(),
        queue: VecDeque::new(),
        next_update: 1,
        next_message: 1,
        next_query: 0,
        stats: Stats::default(),
        measuring: false,
        window: (Instant::now(), 0),
    };
    let shared = Shared {
        sim: Arc::new(Mutex::new(sim)),
        notify: Arc::new(Notify::new()),
        global_limit: args.global_limit,
    };
    let app = Router::new()
        .route("/{bot}/{method}", post(handle))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut parts = args.bot_cmd.split_whitespace();
    let program = parts
        .next()
        .ok_or_else(|| anyhow::anyhow!("--bot-cmd is empty"))?;
    let mut bot = Command::new(program)
        .args(parts)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;

    // The generator: hands ready residents' updates out (all at once, or at --rate).
    let generator = {
        let shared = shared.clone();
        let rate = args.rate;
        let patience = Duration::from_millis(args.patience_ms);
        tokio::spawn(async move {
            let tick = Duration::from_millis(1);
            let mut credit = 0.0f64;
            let mut last_sweep = Instant::now();
            let mut last_tick = Instant::now();
            loop {
                tokio::time::sleep(tick).await;
                let now = Instant::now();
                // Sleeps overshoot; the rate follows the clock, not the tick count.
                let since = (now - last_tick).as_secs_f64();
                last_tick = now;
                let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
                // Residents who waited too long try again.
                if now - last_sweep > Duration::from_millis(200) {
                    last_sweep = now;
                    let stuck: Vec<usize> = sim
                        .residents
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.waiting_since.is_some_and(|t| now - t > patience))
                        .map(|(i, _)| i)
                        .collect();
                    for i in stuck {
                        if sim.measuring {
                            sim.stats.errors += 1;
                        }
                        sim.residents[i].next = Next::Text("/start".into());
                        sim.residents[i].waiting_since = None;
                        sim.ready.push_back(i);
                    }
                }
                let budget = match rate {
                    Some(r) => {
                        credit += r as f64 * since;
                        let whole = credit.floor();
                        credit -= whole;
                        whole as usize
                    }
                    None => usize::MAX,
                };
                let mut sent = 0;
                while sent < budget {
                    let Some(i) = sim.ready.pop_front() else {
                        break;
                    };
                    sim.send(i, now);
                    sent += 1;
                }
                drop(sim);
                if sent > 0 {
                    shared.notify.notify_waiters();
                }
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    {
        let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
        sim.stats = Stats::default();
        sim.measuring = true;
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = {
        let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
        sim.measuring = false;
        std::mem::take(&mut sim.stats)
    };
    generator.abort();
    let peak_rss_kb = peak_rss_kb(&bot);
    stop(&mut bot);

    let mut latencies = stats.latencies_us;
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i] as f64 / 1000.0
    };
    let report = json!({
        "users": args.users,
        "seconds": (elapsed * 100.0).round() / 100.0,
        "mode": if args.rate.is_some() { "open" } else { "closed" },
        "target_rate": args.rate,
        "updates": latencies.len(),
        "updates_per_sec": ((latencies.len() as f64 / elapsed) * 10.0).round() / 10.0,
        "handed_out": stats.handed_out,
        "replies": stats.replies,
        "latency_ms": { "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0) },
        "http_429": stats.too_many,
        "errors": stats.errors,
        "bot_peak_rss_mb": peak_rss_kb.map(|kb| (kb as f64 / 1024.0 * 10.0).round() / 10.0),
    });
    println!("{report}");
    Ok(())
}

async fn handle(
    State(shared): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    body: String,
) -> axum::response::Response {
    if bot != format!("bot{TOKEN}") {
        return Json(json!({ "ok": false, "error_code": 401, "description": "Unauthorized" }))
            .into_response();
    }
    let method = method.to_ascii_lowercase();
    if method == "getupdates" {
        return get_updates(&shared, &body).await;
    }
    let params: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let result = match method.as_str() {
        "getme" => json!({
            "id": 1000, "is_bot": true, "first_name": "Bot", "username": "load_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false
        }),
        "getwebhookinfo" => {
            json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 })
        }
        "sendmessage" | "editmessagetext" | "sendvenue" | "sendlocation" | "sendphoto" => {
            let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
            if shared.global_limit > 0 {
                let now = Instant::now();
                if now - sim.window.0 >= Duration::from_secs(1) {
                    sim.window = (now, 0);
                }
                sim.window.1 += 1;
                if sim.window.1 > shared.global_limit {
                    sim.stats.too_many += 1;
                    return (
                        axum::http::StatusCode::TOO_MANY_REQUESTS,
                        Json(json!({ "ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 1", "parameters": { "retry_after": 1 } })),
                    )
                        .into_response();
                }
            }
            let chat = params["chat_id"].as_i64().unwrap_or(0);
            let id = match params["message_id"].as_i64() {
                Some(id) => id,
                None => {
                    sim.next_message += 1;
                    sim.next_message
                }
            };
            let message = json!({
                "message_id": id, "date": unix_now(),
                "chat": { "id": chat, "type": "private", "first_name": "Load" },
                "from": { "id": 1000, "is_bot": true, "first_name": "Bot", "username": "load_bot" },
                "text": params["text"].as_str().unwrap_or(""),
            });
            on_reply(&mut sim, chat, &params, &message);
            message
        }
        _ => json!(true),
    };
    Json(json!({ "ok": true, "result": result })).into_response()
}

/// A message for a simulated resident: latency, and their next move.
fn on_reply(sim: &mut Sim, chat: i64, params: &Value, message: &Value) {
    let now = Instant::now();
    let measuring = sim.measuring;
    let Some(resident) = sim.resident(chat) else {
        return;
    };
    let mut latency = None;
    if let Some(since) = resident.waiting_since {
        if !resident.answered {
            resident.answered = true;
            latency = Some((now - since).as_micros() as u64);
        }
    }
    let markup = &params["reply_markup"];
    let next = if let Some(b) = markup["inline_keyboard"][0][0].as_object() {
        let mut message = message.clone();
        message["reply_markup"] = markup.clone();
        b.get("callback_data")
            .and_then(Value::as_str)
            .map(|data| Next::Press {
                message,
                data: data.to_string(),
            })
    } else {
        markup["keyboard"][0][0]["text"]
            .as_str()
            .or_else(|| markup["keyboard"][0][0].as_str())
            .map(|label| Next::Text(label.to_string()))
    };
    let mut ready = false;
    if let Some(next) = next {
        resident.next = next;
        // The answer is complete once it offers buttons: press the first.
        if resident.waiting_since.take().is_some() {
            ready = true;
        }
    }
    if measuring {
        sim.stats.replies += 1;
        if let Some(l) = latency {
            sim.stats.latencies_us.push(l);
        }
    }
    if ready {
        let i = (chat - FIRST_CHAT) as usize;
        sim.ready.push_back(i);
    }
}

async fn get_updates(shared: &Shared, body: &str) -> axum::response::Response {
    let params: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(30));
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let deadline = Instant::now() + timeout;
    loop {
        let notified = shared.notify.notified();
        {
            let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
            if !sim.queue.is_empty() || Instant::now() >= deadline {
                let n = limit.min(sim.queue.len());
                let updates: Vec<Value> = sim.queue.drain(..n).collect();
                if sim.measuring {
                    sim.stats.handed_out += updates.len() as u64;
                }
                // The time an update waits in the queue counts from when it was
                // made; handing it out is when the bot can first see it.
                let now = Instant::now();
                for u in &updates {
                    let chat = u["message"]["chat"]["id"]
                        .as_i64()
                        .or_else(|| u["callback_query"]["from"]["id"].as_i64())
                        .unwrap_or(0);
                    if let Some(r) = sim.resident(chat) {
                        r.waiting_since = Some(now);
                    }
                }
                return Json(json!({ "ok": true, "result": updates })).into_response();
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left, notified).await;
    }
}

/// The bot's peak resident memory (VmHWM), on Linux.
fn peak_rss_kb(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
}

/// SIGTERM, then a kill if the bot does not stop within 5 seconds.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(1)
}
