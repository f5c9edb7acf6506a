//! `loadgen`: a load generator for any Telegram bot.
//!
//! It plays the Telegram Bot API on 127.0.0.1 for N simulated residents and
//! starts the bot under test as a child process (`--bot-cmd`) with
//! `TELOXIDE_TOKEN` and `TELOXIDE_API_URL` pointing at itself. Each resident
//! sends `/start`, then, whenever a message with a keyboard arrives, presses
//! its first button (an inline button sends a callback query, a keyboard button
//! its label). A resident who gets no answer within `--patience-ms` sends
//! `/start` again. It knows nothing of the bot beyond the Bot API. Load starts
//! when the bot first asks for updates, so a slow start-up is not measured.
//!
//! Without `--rate`, each resident taps again as soon as its answer arrives
//! (closed loop: the most the bot can do). With `--rate R`, updates are handed
//! out at R a second (open loop: latency at a given load).
//!
//! It reads each call's parameters however the bot sends them, as Telegram
//! does: a JSON body (teloxide), an `application/x-www-form-urlencoded` or
//! `multipart/form-data` body (aiogram, python-telegram-bot), or the query
//! string. In the last three every value is text, and `reply_markup` is JSON
//! inside that text. A call it cannot read is answered 400 and counted.
//!
//! With `--webhook`, it plays Telegram's webhook instead, for `--replicas N`
//! bot processes behind one bot token: it starts `--bot-cmd` N times, each
//! with `{port}` in the command (and `WEBHOOK_PORT` in the environment) set
//! to a port of its own, serves the Bot API for all of them, and POSTs each
//! update to `http://127.0.0.1:{port}{--hook-path}` with the secret header
//! (`--secret`, also in `WEBHOOK_SECRET`). Residents are spread over the
//! replicas, and a resident's next update goes to the replica after the one
//! that took the last, on purpose. A chat's updates go one at a time, as
//! Telegram sends them: the next only once the last was answered 200. An
//! update not answered 200 (an error, a time-out, a refusal) is posted again
//! after `--retry-ms`, to the next replica. Load starts once every replica
//! accepts connections.
//!
//! At the end it prints one JSON line: updates handled per second, reply latency
//! (from the update being handed out to the first reply arriving) p50/p95/p99,
//! 429 answers given, errors (residents who timed out), callback queries sent and
//! answered, calls it could not read, and the bot's peak resident memory; and
//! for any bot, duplicates (a chat sent the same message, text and buttons,
//! twice in a row) and order violations (a callback query answered after a
//! later one of the same chat); with `--webhook`, updates posted again.
//! `benches/peers.sh` runs it on Pomichnyk and two peer bots in turn;
//! `benches/replicas.sh` runs it on 1, 2 and 3 replicas of Pomichnyk.

use std::collections::VecDeque;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;
use url::form_urlencoded;

const TOKEN: &str = "1000:loadgen";
const FIRST_CHAT: i64 = 5_000_000;
/// The largest request body read (Telegram's own limit for a file upload is 50 MB).
const MAX_BODY: usize = 50 * 1024 * 1024;

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
    /// Seconds of load before measuring starts (counted from the bot's first getUpdates).
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Give up if the bot has not asked for updates within this many seconds of starting.
    #[arg(long, default_value_t = 60)]
    startup: u64,
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
    /// Play Telegram's webhook instead of answering getUpdates.
    #[arg(long)]
    webhook: bool,
    /// Bot processes to start and post updates to (with --webhook).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// The webhook's path on each replica (with --webhook).
    #[arg(long, default_value = "/hook")]
    hook_path: String,
    /// The secret token sent in X-Telegram-Bot-Api-Secret-Token (with --webhook).
    #[arg(long, default_value = "loadgen-webhook-secret")]
    secret: String,
    /// An update not answered 200 is posted again, to the next replica, after this long.
    #[arg(long, default_value_t = 200)]
    retry_ms: u64,
    /// A webhook request not answered within this long counts as not answered.
    #[arg(long, default_value_t = 10_000)]
    hook_timeout_ms: u64,
    /// Webhook requests open at once, over all replicas (with --webhook): Telegram
    /// keeps to setWebhook's max_connections, 40 unless the bot asks otherwise.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=100))]
    connections: u32,
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
    /// Updates sent so far (webhook: which replica takes the next).
    sent: u64,
    /// Webhook: the last update is not answered 200 yet ...
    in_telegram: bool,
    /// ... and the resident is ready to send the next one once it is.
    ready_after: bool,
    /// The last message sent to this chat (text and buttons), to spot a repeat.
    last_reply: Option<String>,
    /// The newest callback query of this chat answered.
    last_answered: u64,
}

#[derive(Default)]
struct Stats {
    handed_out: u64,
    replies: u64,
    latencies_us: Vec<u64>,
    too_many: u64,
    errors: u64,
    /// Callback queries handed out while measuring, and how many of them were answered.
    presses: u64,
    callbacks_answered: u64,
    /// answerCallbackQuery for a query never sent, or answered already.
    callbacks_stray: u64,
    /// A chat sent the same message (text and buttons) twice in a row.
    duplicates: u64,
    /// A callback query answered after a later one of the same chat.
    order_violations: u64,
    /// Webhook: updates confirmed (200), and posts made again.
    confirmed: u64,
    reposted: u64,
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
    /// Callback queries not answered yet: whether each was sent while measuring.
    open_queries: FxHashMap<u64, bool>,
    /// Which chat each callback query came from.
    query_chat: FxHashMap<u64, i64>,
    /// Calls whose parameters could not be read, over the whole run.
    bad_requests: u64,
}

/// Telegram's side of the webhook: where the updates go.
struct Hooks {
    client: reqwest::Client,
    /// One permit per webhook request Telegram may have open at once.
    connections: tokio::sync::Semaphore,
    urls: Vec<String>,
    secret: String,
    retry: Duration,
}

#[derive(Clone)]
struct Shared {
    sim: Arc<Mutex<Sim>>,
    /// Set in webhook mode.
    hooks: Option<Arc<Hooks>>,
    notify: Arc<Notify>,
    /// Told once the bot first asks for updates (it has started).
    polling: Arc<Notify>,
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
                self.open_queries.insert(self.next_query, self.measuring);
                self.query_chat.insert(self.next_query, chat);
                if self.measuring {
                    self.stats.presses += 1;
                }
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
        resident.sent += 1;
        self.queue.push_back(update);
    }
}

impl Shared {
    /// `users` residents, each about to send `/start`.
    fn new(users: usize, global_limit: u64) -> Shared {
        let sim = Sim {
            residents: (0..users)
                .map(|_| Resident {
                    next: Next::Text("/start".into()),
                    waiting_since: None,
                    answered: false,
                    sent: 0,
                    in_telegram: false,
                    ready_after: false,
                    last_reply: None,
                    last_answered: 0,
                })
                .collect(),
            ready: (0..users).collect(),
            queue: VecDeque::new(),
            next_update: 1,
            next_message: 1,
            next_query: 0,
            stats: Stats::default(),
            measuring: false,
            window: (Instant::now(), 0),
            open_queries: FxHashMap::default(),
            query_chat: FxHashMap::default(),
            bad_requests: 0,
        };
        Shared {
            sim: Arc::new(Mutex::new(sim)),
            hooks: None,
            notify: Arc::new(Notify::new()),
            polling: Arc::new(Notify::new()),
            global_limit,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!(args.replicas > 0, "--replicas must be at least 1");
    let mut shared = Shared::new(args.users, args.global_limit);
    let app = Router::new()
        .route("/{bot}/{method}", get(handle).post(handle))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // Polling: one bot. Webhook: one per replica, each on a port of its own.
    let ports: Vec<Option<u16>> = if args.webhook {
        (0..args.replicas)
            .map(|_| free_port().map(Some))
            .collect::<std::io::Result<_>>()?
    } else {
        vec![None]
    };
    let mut bots = Vec::new();
    for port in &ports {
        match start_bot(&args, &url, *port) {
            Ok(bot) => bots.push(bot),
            Err(e) => {
                bots.iter_mut().for_each(stop);
                return Err(e);
            }
        }
    }
    if args.webhook {
        shared.hooks = Some(Arc::new(Hooks {
            client: reqwest::Client::builder()
                .timeout(Duration::from_millis(args.hook_timeout_ms))
                .build()?,
            connections: tokio::sync::Semaphore::new(args.connections as usize),
            urls: ports
                .iter()
                .flatten()
                .map(|p| format!("http://127.0.0.1:{p}{}", args.hook_path))
                .collect(),
            secret: args.secret.clone(),
            retry: Duration::from_millis(args.retry_ms),
        }));
    }

    // Load starts once the bot is up: a slow start must not count against it.
    let startup = Instant::now();
    let mut listening = vec![false; ports.len()];
    loop {
        let up = match args.webhook {
            false => tokio::time::timeout(Duration::from_millis(100), shared.polling.notified())
                .await
                .is_ok(),
            true => {
                for (up, port) in listening.iter_mut().zip(&ports) {
                    if let (false, Some(port)) = (*up, port) {
                        *up = tokio::net::TcpStream::connect(("127.0.0.1", *port))
                            .await
                            .is_ok();
                    }
                }
                let all = listening.iter().all(|u| *u);
                if !all {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                all
            }
        };
        if up {
            break;
        }
        for bot in &mut bots {
            if let Ok(Some(status)) = bot.try_wait() {
                bots.iter_mut().for_each(stop);
                anyhow::bail!("the bot stopped before it was ready ({status})");
            }
        }
        if startup.elapsed() > Duration::from_secs(args.startup) {
            bots.iter_mut().for_each(stop);
            anyhow::bail!("the bot was not ready within {} s", args.startup);
        }
    }

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
                        let resident = &mut sim.residents[i];
                        resident.next = Next::Text("/start".into());
                        resident.waiting_since = None;
                        // Webhook: still with Telegram; sent once it is through.
                        if resident.in_telegram {
                            resident.ready_after = true;
                        } else {
                            sim.ready.push_back(i);
                        }
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
                let posts: Vec<Value> = match shared.hooks {
                    Some(_) => sim.queue.drain(..).collect(),
                    None => Vec::new(),
                };
                drop(sim);
                for update in posts {
                    tokio::spawn(post(shared.clone(), update));
                }
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
    let (stats, bad_requests) = {
        let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
        sim.measuring = false;
        (std::mem::take(&mut sim.stats), sim.bad_requests)
    };
    generator.abort();
    let peak_rss_kb: Vec<Option<u64>> = bots.iter().map(peak_rss_kb).collect();
    bots.iter_mut().for_each(stop);

    let mut latencies = stats.latencies_us;
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i] as f64 / 1000.0
    };
    let mb = |kb: u64| (kb as f64 / 1024.0 * 10.0).round() / 10.0;
    let mut report = json!({
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
        "callbacks": { "sent": stats.presses, "answered": stats.callbacks_answered, "stray": stats.callbacks_stray },
        "duplicates": stats.duplicates,
        "order_violations": stats.order_violations,
        "bad_requests": bad_requests,
        "bot_peak_rss_mb": peak_rss_kb[0].map(mb),
    });
    if args.webhook {
        report["webhook"] = json!({
            "replicas": args.replicas,
            "confirmed": stats.confirmed,
            "reposted": stats.reposted,
            "replica_peak_rss_mb": peak_rss_kb.iter().map(|kb| kb.map(mb)).collect::<Vec<_>>(),
        });
    }
    println!("{report}");
    Ok(())
}

/// A port of 127.0.0.1 free just now, for a replica to listen on.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts `--bot-cmd` against the fake Bot API at `api`; a webhook replica
/// gets its `port` in place of `{port}` and in `WEBHOOK_PORT`.
fn start_bot(args: &Args, api: &str, port: Option<u16>) -> anyhow::Result<Child> {
    let port_text = port.map(|p| p.to_string()).unwrap_or_default();
    let words: Vec<String> = args
        .bot_cmd
        .split_whitespace()
        .map(|w| w.replace("{port}", &port_text))
        .collect();
    let (program, rest) = words
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("--bot-cmd is empty"))?;
    let mut command = Command::new(program);
    command
        .args(rest)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", api)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if port.is_some() {
        command
            .env("WEBHOOK_PORT", &port_text)
            .env("WEBHOOK_SECRET", &args.secret);
    }
    Ok(command.spawn()?)
}

/// Posts one update the way Telegram does: until a replica answers 200,
/// starting with the one after the replica that took the chat's last update.
async fn post(shared: Shared, update: Value) {
    let Some(hooks) = shared.hooks.clone() else {
        return;
    };
    let chat = chat_of(&update);
    let (first, measuring) = {
        let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
        let measuring = sim.measuring;
        if measuring {
            sim.stats.handed_out += 1;
        }
        let now = Instant::now();
        match sim.resident(chat) {
            Some(r) => {
                r.in_telegram = true;
                // Handed out now: the wait for the answer starts here.
                r.waiting_since = Some(now);
                ((chat - FIRST_CHAT) as u64 + r.sent, measuring)
            }
            None => (0, measuring),
        }
    };
    let _ = measuring;
    let mut replica = first as usize;
    loop {
        let url = &hooks.urls[replica % hooks.urls.len()];
        // The wait for a connection is Telegram's queue: part of the resident's wait.
        let Ok(open) = hooks.connections.acquire().await else {
            return;
        };
        let answer = hooks
            .client
            .post(url)
            .header("X-Telegram-Bot-Api-Secret-Token", &hooks.secret)
            .json(&update)
            .send()
            .await;
        drop(open);
        if answer.is_ok_and(|a| a.status() == StatusCode::OK) {
            break;
        }
        {
            let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
            if sim.measuring {
                sim.stats.reposted += 1;
            }
        }
        replica += 1;
        tokio::time::sleep(hooks.retry).await;
    }
    let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
    if sim.measuring {
        sim.stats.confirmed += 1;
    }
    let mut ready = false;
    if let Some(r) = sim.resident(chat) {
        r.in_telegram = false;
        ready = std::mem::take(&mut r.ready_after);
    }
    if ready {
        sim.ready.push_back((chat - FIRST_CHAT) as usize);
    }
}

/// The chat an update comes from.
fn chat_of(update: &Value) -> i64 {
    update["message"]["chat"]["id"]
        .as_i64()
        .or_else(|| update["callback_query"]["from"]["id"].as_i64())
        .unwrap_or(0)
}

async fn handle(
    State(shared): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    request: Request,
) -> axum::response::Response {
    if bot != format!("bot{TOKEN}") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "ok": false, "error_code": 401, "description": "Unauthorized" })),
        )
            .into_response();
    }
    let params = match Params::read(request).await {
        Ok(params) => params,
        Err(why) => {
            let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
            sim.bad_requests += 1;
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "ok": false, "error_code": 400,
                    "description": format!("Bad Request: {why}") })),
            )
                .into_response();
        }
    };
    let method = method.to_ascii_lowercase();
    if method == "getupdates" {
        return get_updates(&shared, &params).await;
    }
    let result = match method.as_str() {
        "getme" => json!({
            "id": 1000, "is_bot": true, "first_name": "Bot", "username": "load_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false
        }),
        "getwebhookinfo" => {
            json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 })
        }
        "answercallbackquery" => {
            let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
            let id = params
                .int("callback_query_id")
                .and_then(|id| u64::try_from(id).ok());
            // Answered after a later query of the same chat: out of order.
            if let Some((id, chat)) = id.and_then(|id| Some((id, *sim.query_chat.get(&id)?))) {
                let measuring = sim.measuring;
                let mut late = false;
                if let Some(r) = sim.resident(chat) {
                    late = id < r.last_answered;
                    r.last_answered = r.last_answered.max(id);
                }
                if late && measuring {
                    sim.stats.order_violations += 1;
                }
            }
            match id.and_then(|id| sim.open_queries.remove(&id)) {
                Some(true) => sim.stats.callbacks_answered += 1,
                Some(false) => {}
                None => {
                    if sim.measuring {
                        sim.stats.callbacks_stray += 1;
                    }
                }
            }
            json!(true)
        }
        "sendmessage"
        | "editmessagetext"
        | "editmessagecaption"
        | "editmessagereplymarkup"
        | "sendvenue"
        | "sendlocation"
        | "sendcontact"
        | "sendphoto"
        | "senddocument" => {
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
                        StatusCode::TOO_MANY_REQUESTS,
                        Json(json!({ "ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 1", "parameters": { "retry_after": 1 } })),
                    )
                        .into_response();
                }
            }
            let chat = params.int("chat_id").unwrap_or(0);
            let id = match params.int("message_id") {
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
                "text": params.text("text").unwrap_or(""),
            });
            on_reply(&mut sim, chat, &params, &message);
            message
        }
        _ => json!(true),
    };
    Json(json!({ "ok": true, "result": result })).into_response()
}

/// The parameters of one Bot API call, wherever the bot put them.
///
/// Telegram takes them in the query string, as a JSON body, or as an
/// `application/x-www-form-urlencoded` or `multipart/form-data` body. Outside
/// JSON every value is text: numbers are digits and objects such as
/// `reply_markup` are JSON inside the text; the accessors read both.
#[derive(Debug, Default)]
struct Params(Map<String, Value>);

impl Params {
    async fn read(request: Request) -> Result<Params, String> {
        let mut params = Map::new();
        if let Some(query) = request.uri().query() {
            add_pairs(&mut params, query.as_bytes());
        }
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if essence == "multipart/form-data" {
            let mut form = Multipart::from_request(request, &())
                .await
                .map_err(|e| e.body_text())?;
            while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
                let Some(name) = field.name().map(str::to_owned) else {
                    continue;
                };
                // A file stands for itself by its name; its bytes are not needed.
                let value = match field.file_name() {
                    Some(file) => file.to_owned(),
                    None => field.text().await.map_err(|e| e.body_text())?,
                };
                params.insert(name, Value::String(value));
            }
            return Ok(Params(params));
        }
        let body = to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|e| format!("body not read: {e}"))?;
        if body.iter().all(u8::is_ascii_whitespace) {
            // No body (getMe, or everything in the query string).
        } else if essence == "application/x-www-form-urlencoded" {
            add_pairs(&mut params, &body);
        } else {
            // JSON, whatever the content type says.
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(fields)) => params.extend(fields),
                Ok(_) => return Err("the JSON body is not an object".into()),
                Err(e) => return Err(format!("can't parse JSON: {e}")),
            }
        }
        Ok(Params(params))
    }

    /// A whole number, given as a number or as digits.
    fn int(&self, key: &str) -> Option<i64> {
        match self.0.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.as_str()
    }

    /// An object or a list, given as JSON or as JSON inside text.
    fn json(&self, key: &str) -> Option<Value> {
        match self.0.get(key)? {
            Value::String(s) => serde_json::from_str(s).ok(),
            v @ (Value::Object(_) | Value::Array(_)) => Some(v.clone()),
            _ => None,
        }
    }
}

/// `a=1&b=%7B%7D` pairs, as text values (a later one wins).
fn add_pairs(params: &mut Map<String, Value>, bytes: &[u8]) {
    for (key, value) in form_urlencoded::parse(bytes) {
        params.insert(key.into_owned(), Value::String(value.into_owned()));
    }
}

/// A message for a simulated resident: latency, and their next move.
fn on_reply(sim: &mut Sim, chat: i64, params: &Params, message: &Value) {
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
    let markup = params.json("reply_markup").unwrap_or(Value::Null);
    // The same message (text and buttons) again, right after itself.
    let said = format!("{}\u{0}{markup}", message["text"].as_str().unwrap_or(""));
    let repeated = resident.last_reply.as_deref() == Some(said.as_str());
    resident.last_reply = Some(said);
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
        // The answer is complete once it offers buttons: press the first
        // (with the webhook, once Telegram has its last update confirmed).
        if resident.waiting_since.take().is_some() {
            if resident.in_telegram {
                resident.ready_after = true;
            } else {
                ready = true;
            }
        }
    }
    if measuring {
        sim.stats.replies += 1;
        if repeated {
            sim.stats.duplicates += 1;
        }
        if let Some(l) = latency {
            sim.stats.latencies_us.push(l);
        }
    }
    if ready {
        let i = (chat - FIRST_CHAT) as usize;
        sim.ready.push_back(i);
    }
}

async fn get_updates(shared: &Shared, params: &Params) -> axum::response::Response {
    let timeout = Duration::from_secs(params.int("timeout").unwrap_or(0).clamp(0, 30) as u64);
    let limit = params.int("limit").unwrap_or(100).clamp(1, 100) as usize;
    let deadline = Instant::now() + timeout;
    // A permit kept until main() waits for it, so the first call is never missed.
    shared.polling.notify_one();
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

#[cfg(test)]
mod tests {
    //! A bot talks to the fake Bot API in each of the four ways Telegram
    //! accepts; the fake reads the call, answers it, and the resident moves on.
    use super::*;
    use axum::body::Body;

    /// A keyboard of three inline buttons, as aiogram and the peers send it.
    const MARKUP: &str = r#"{"inline_keyboard":[[{"text":"Так","callback_data":"q:1:0"}],[{"text":"Ні","callback_data":"q:1:1"}],[{"text":"Не знаю","callback_data":"q:1:2"}]]}"#;

    fn url_encode(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    /// A `multipart/form-data` body as aiohttp and python-telegram-bot write it.
    fn multipart(boundary: &str, fields: &[(&str, &str)], file: Option<(&str, &str)>) -> String {
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        if let Some((name, file)) = file {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: image/png\r\n\r\n\u{1}PNG-bytes\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        body
    }

    async fn call(
        shared: &Shared,
        method: &str,
        query: &str,
        content_type: Option<&str>,
        body: String,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method("POST")
            .uri(format!("/bot{TOKEN}/{method}{query}"));
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        let request = request.body(Body::from(body)).unwrap();
        let response = handle(
            State(shared.clone()),
            Path((format!("bot{TOKEN}"), method.to_string())),
            request,
        )
        .await;
        let status = response.status();
        let bytes = to_bytes(response.into_body(), MAX_BODY).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// One resident whose `/start` the bot has just taken from getUpdates.
    fn one_resident_waiting() -> Shared {
        let shared = Shared::new(1, 0);
        {
            let mut sim = shared.sim.lock().unwrap();
            sim.measuring = true;
            let i = sim.ready.pop_front().unwrap();
            sim.send(i, Instant::now());
            sim.queue.clear();
        }
        shared
    }

    /// What the resident will send next.
    fn next_move(shared: &Shared) -> (Option<String>, Option<String>, bool) {
        let sim = shared.sim.lock().unwrap();
        let r = &sim.residents[0];
        let ready = sim.ready.contains(&0);
        match &r.next {
            Next::Text(t) => (Some(t.clone()), None, ready),
            Next::Press { data, .. } => (None, Some(data.clone()), ready),
        }
    }

    fn replies(shared: &Shared) -> (u64, usize) {
        let sim = shared.sim.lock().unwrap();
        (sim.stats.replies, sim.stats.latencies_us.len())
    }

    #[tokio::test]
    async fn the_same_message_twice_in_a_row_is_a_duplicate_and_a_late_answer_out_of_order() {
        let shared = one_resident_waiting();
        let body = json!({ "chat_id": FIRST_CHAT, "text": "Крок 1",
            "reply_markup": serde_json::from_str::<Value>(MARKUP).unwrap() })
        .to_string();
        for _ in 0..2 {
            call(
                &shared,
                "sendMessage",
                "",
                Some("application/json"),
                body.clone(),
            )
            .await;
        }
        let other = json!({ "chat_id": FIRST_CHAT, "text": "Крок 2" }).to_string();
        call(&shared, "sendMessage", "", Some("application/json"), other).await;
        assert_eq!(shared.sim.lock().unwrap().stats.duplicates, 1);
        // Two presses of the chat; the later one is answered first.
        let ids: Vec<String> = {
            let mut sim = shared.sim.lock().unwrap();
            sim.queue.clear();
            for _ in 0..2 {
                sim.send(0, Instant::now());
            }
            sim.queue
                .drain(..)
                .map(|u| u["callback_query"]["id"].as_str().unwrap().to_string())
                .collect()
        };
        for id in [&ids[1], &ids[0]] {
            let answer = json!({ "callback_query_id": id }).to_string();
            call(
                &shared,
                "answerCallbackQuery",
                "",
                Some("application/json"),
                answer,
            )
            .await;
        }
        let sim = shared.sim.lock().unwrap();
        assert_eq!(sim.stats.order_violations, 1);
        assert_eq!(sim.stats.callbacks_answered, 2);
    }

    /// A replica's webhook on 127.0.0.1 that answers `status` to every
    /// update and counts the updates with the right secret.
    async fn replica(status: StatusCode) -> (String, Arc<Mutex<Vec<i64>>>) {
        let got: Arc<Mutex<Vec<i64>>> = Arc::default();
        let seen = got.clone();
        let app = Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, Json(update): Json<Value>| {
                    let seen = seen.clone();
                    async move {
                        let secret = headers.get("x-telegram-bot-api-secret-token");
                        if secret.is_some_and(|s| s == "s3cret") {
                            seen.lock()
                                .unwrap()
                                .push(update["update_id"].as_i64().unwrap_or(0));
                        }
                        status
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (url, got)
    }

    #[tokio::test]
    async fn an_update_not_answered_200_is_posted_again_to_the_next_replica() {
        let (down, to_down) = replica(StatusCode::SERVICE_UNAVAILABLE).await;
        let (up, to_up) = replica(StatusCode::OK).await;
        let mut shared = Shared::new(1, 0);
        shared.hooks = Some(Arc::new(Hooks {
            client: reqwest::Client::new(),
            connections: tokio::sync::Semaphore::new(40),
            urls: vec![down, up],
            secret: "s3cret".into(),
            retry: Duration::from_millis(10),
        }));
        let update = {
            let mut sim = shared.sim.lock().unwrap();
            sim.measuring = true;
            // The resident's second update goes first to the replica after
            // the one that took the first: here, replica 0.
            sim.residents[0].sent = 1;
            sim.send(0, Instant::now());
            sim.queue.pop_front().unwrap()
        };
        {
            // The answer to it came before Telegram had the update confirmed.
            let mut sim = shared.sim.lock().unwrap();
            sim.residents[0].in_telegram = true;
            sim.residents[0].ready_after = true;
        }
        post(shared.clone(), update).await;
        assert_eq!(to_down.lock().unwrap().len(), 1);
        assert_eq!(to_up.lock().unwrap().len(), 1);
        let sim = shared.sim.lock().unwrap();
        assert_eq!((sim.stats.confirmed, sim.stats.reposted), (1, 1));
        // Confirmed: the resident goes on.
        assert!(!sim.residents[0].in_telegram);
        assert!(sim.ready.contains(&0));
    }

    #[tokio::test]
    async fn no_more_webhook_requests_are_open_at_once_than_telegram_keeps() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // A slow replica that counts the requests open on it.
        let open = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (o, m) = (open.clone(), most.clone());
        let app = Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let (o, m) = (o.clone(), m.clone());
                async move {
                    let now = o.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    o.fetch_sub(1, Ordering::SeqCst);
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let mut shared = Shared::new(12, 0);
        shared.hooks = Some(Arc::new(Hooks {
            client: reqwest::Client::new(),
            connections: tokio::sync::Semaphore::new(3),
            urls: vec![url],
            secret: "s3cret".into(),
            retry: Duration::from_millis(10),
        }));
        let updates: Vec<Value> = {
            let mut sim = shared.sim.lock().unwrap();
            sim.measuring = true;
            (0..12)
                .map(|i| {
                    sim.send(i, Instant::now());
                    sim.queue.pop_front().unwrap()
                })
                .collect()
        };
        let posts = updates.into_iter().map(|u| post(shared.clone(), u));
        futures_util::future::join_all(posts).await;
        assert_eq!(shared.sim.lock().unwrap().stats.confirmed, 12);
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "three open at most, and three used"
        );
    }

    #[tokio::test]
    async fn a_json_send_message_is_read_and_its_first_button_pressed() {
        let shared = one_resident_waiting();
        let body = json!({
            "chat_id": FIRST_CHAT, "text": "Крок 1",
            "reply_markup": serde_json::from_str::<Value>(MARKUP).unwrap(),
        });
        let (status, answer) = call(
            &shared,
            "sendMessage",
            "",
            Some("application/json"),
            body.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["result"]["chat"]["id"], FIRST_CHAT);
        assert_eq!(answer["result"]["text"], "Крок 1");
        assert_eq!(next_move(&shared), (None, Some("q:1:0".into()), true));
        assert_eq!(replies(&shared), (1, 1));
    }

    #[tokio::test]
    async fn a_form_encoded_send_message_is_read_with_its_markup_as_json_text() {
        let shared = one_resident_waiting();
        let body = url_encode(&[
            ("chat_id", &FIRST_CHAT.to_string()),
            ("text", "Крок 1 & ще"),
            ("reply_markup", MARKUP),
        ]);
        let (status, answer) = call(
            &shared,
            "sendMessage",
            "",
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["result"]["chat"]["id"], FIRST_CHAT);
        assert_eq!(answer["result"]["text"], "Крок 1 & ще");
        assert_eq!(next_move(&shared), (None, Some("q:1:0".into()), true));
        assert_eq!(replies(&shared), (1, 1));
        // The press carries the message with its keyboard as an object, as Telegram sends it.
        let sim = shared.sim.lock().unwrap();
        let Next::Press { message, .. } = &sim.residents[0].next else {
            panic!("no press");
        };
        assert_eq!(
            message["reply_markup"]["inline_keyboard"][2][0]["callback_data"],
            "q:1:2"
        );
    }

    #[tokio::test]
    async fn a_multipart_send_photo_is_read_with_its_file_and_markup() {
        let shared = one_resident_waiting();
        let boundary = "a7c1b0f3e2d94d3c";
        let body = multipart(
            boundary,
            &[
                ("chat_id", &FIRST_CHAT.to_string()),
                ("caption", "Плакат"),
                ("reply_markup", MARKUP),
            ],
            Some(("photo", "poster.png")),
        );
        let (status, answer) = call(
            &shared,
            "sendPhoto",
            "",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["result"]["chat"]["id"], FIRST_CHAT);
        assert_eq!(next_move(&shared), (None, Some("q:1:0".into()), true));
        assert_eq!(replies(&shared), (1, 1));
    }

    #[tokio::test]
    async fn a_multipart_body_is_read_field_by_field() {
        let boundary = "XyZ";
        let body = multipart(
            boundary,
            &[
                ("chat_id", "42"),
                ("text", "рядок\r\nдругий"),
                ("reply_markup", MARKUP),
            ],
            Some(("document", "report.pdf")),
        );
        let request = Request::builder()
            .method("POST")
            .uri("/x/sendDocument?disable_notification=true")
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let params = Params::read(request).await.unwrap();
        assert_eq!(params.int("chat_id"), Some(42));
        assert_eq!(params.text("text"), Some("рядок\r\nдругий"));
        assert_eq!(params.text("document"), Some("report.pdf"));
        assert_eq!(params.text("disable_notification"), Some("true"));
        assert_eq!(
            params.json("reply_markup").unwrap()["inline_keyboard"][1][0]["callback_data"],
            "q:1:1"
        );
    }

    #[tokio::test]
    async fn a_send_message_in_the_query_string_is_read() {
        let shared = one_resident_waiting();
        let query = format!(
            "?{}",
            url_encode(&[
                ("chat_id", &FIRST_CHAT.to_string()),
                ("text", "Крок 1"),
                ("reply_markup", MARKUP),
            ])
        );
        let (status, answer) = call(&shared, "sendMessage", &query, None, String::new()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["result"]["text"], "Крок 1");
        assert_eq!(next_move(&shared), (None, Some("q:1:0".into()), true));
    }

    #[tokio::test]
    async fn a_reply_keyboard_in_a_form_makes_the_resident_send_its_first_label() {
        let shared = one_resident_waiting();
        let body = url_encode(&[
            ("chat_id", &FIRST_CHAT.to_string()),
            ("text", "Оберіть"),
            (
                "reply_markup",
                r#"{"keyboard":[[{"text":"📚 Уроки"},{"text":"❓ Питання"}]],"resize_keyboard":true}"#,
            ),
        ]);
        call(
            &shared,
            "sendMessage",
            "",
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await;
        assert_eq!(next_move(&shared), (Some("📚 Уроки".into()), None, true));
    }

    #[tokio::test]
    async fn a_callback_query_answered_in_any_form_is_counted_once() {
        let shared = Shared::new(3, 0);
        let mut ids = Vec::new();
        {
            let mut sim = shared.sim.lock().unwrap();
            sim.measuring = true;
            let message = json!({ "message_id": 7, "date": 1, "chat": { "id": FIRST_CHAT, "type": "private" } });
            for i in 0..3 {
                sim.residents[i].next = Next::Press {
                    message: message.clone(),
                    data: format!("q:1:{i}"),
                };
                sim.send(i, Instant::now());
            }
            for update in sim.queue.drain(..) {
                assert_eq!(update["callback_query"]["message"]["message_id"], 7);
                ids.push(update["callback_query"]["id"].as_str().unwrap().to_string());
            }
            assert_eq!(sim.stats.presses, 3);
        }
        // teloxide: JSON; aiogram: a form; python-telegram-bot may use multipart.
        let json_body = json!({ "callback_query_id": ids[0] }).to_string();
        call(
            &shared,
            "answerCallbackQuery",
            "",
            Some("application/json"),
            json_body,
        )
        .await;
        let form = url_encode(&[("callback_query_id", &ids[1]), ("text", "Зачекайте трохи")]);
        call(
            &shared,
            "answerCallbackQuery",
            "",
            Some("application/x-www-form-urlencoded"),
            form.clone(),
        )
        .await;
        let boundary = "b0";
        let body = multipart(boundary, &[("callback_query_id", &ids[2])], None);
        call(
            &shared,
            "answerCallbackQuery",
            "",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await;
        // The same query answered again is stray, not a second answer.
        call(
            &shared,
            "answerCallbackQuery",
            "",
            Some("application/x-www-form-urlencoded"),
            form,
        )
        .await;
        let sim = shared.sim.lock().unwrap();
        assert_eq!(sim.stats.callbacks_answered, 3);
        assert_eq!(sim.stats.callbacks_stray, 1);
        assert!(sim.open_queries.is_empty());
    }

    #[tokio::test]
    async fn get_updates_reads_its_limit_from_a_form_and_from_the_query_string() {
        let shared = Shared::new(5, 0);
        {
            let mut sim = shared.sim.lock().unwrap();
            for i in 0..5 {
                sim.send(i, Instant::now());
            }
        }
        let (_, first) = call(
            &shared,
            "getUpdates",
            "",
            Some("application/x-www-form-urlencoded"),
            url_encode(&[
                ("timeout", "0"),
                ("limit", "2"),
                ("allowed_updates", r#"["message","callback_query"]"#),
            ]),
        )
        .await;
        assert_eq!(first["result"].as_array().unwrap().len(), 2);
        let (_, second) = call(
            &shared,
            "getUpdates",
            "?offset=3&limit=1&timeout=0",
            None,
            String::new(),
        )
        .await;
        assert_eq!(second["result"].as_array().unwrap().len(), 1);
        assert_eq!(second["result"][0]["update_id"], 3);
        assert_eq!(second["result"][0]["message"]["text"], "/start");
    }

    #[tokio::test]
    async fn a_call_that_cannot_be_read_is_answered_400_and_counted() {
        let shared = one_resident_waiting();
        let (status, answer) = call(
            &shared,
            "sendMessage",
            "",
            Some("application/json"),
            r#"{"chat_id": 5000000, "text": "#.into(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["ok"], false);
        let (status, _) = call(
            &shared,
            "sendMessage",
            "",
            Some("multipart/form-data; boundary=zz"),
            "--zz\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n5000000".into(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = call(
            &shared,
            "sendMessage",
            "",
            Some("text/plain"),
            "[1, 2]".into(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(shared.sim.lock().unwrap().bad_requests, 3);
        // Nothing reached the resident, who still waits for an answer.
        assert_eq!(replies(&shared), (0, 0));
    }

    #[tokio::test]
    async fn a_markup_that_is_not_json_offers_no_button() {
        let shared = one_resident_waiting();
        let body = url_encode(&[
            ("chat_id", &FIRST_CHAT.to_string()),
            ("text", "Крок"),
            ("reply_markup", "{inline_keyboard: oops"),
        ]);
        let (status, _) = call(
            &shared,
            "sendMessage",
            "",
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // The reply counts; the resident has no button to press, so waits on.
        assert_eq!(replies(&shared), (1, 1));
        assert_eq!(next_move(&shared), (Some("/start".into()), None, false));
    }
}
