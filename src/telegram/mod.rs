//! The Telegram adapter: teloxide's dispatcher around the application layer.
//!
//! An update is turned into an [`app::Update`], the application layer handles
//! it (one transaction), and its messages are sent through [`render::Out`],
//! the one send path. Updates of one chat are handled in order (teloxide
//! distributes by chat); chats run concurrently.
//!
//! Architecture invariant: this is the only module that speaks Telegram, and
//! it holds no use case: only listening, converting and rendering.

pub mod flood;
pub mod polling;
pub mod render;
pub mod webhook;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use teloxide::dispatching::UpdateHandler;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::types::ChatMemberUpdated;
use url::Url;

use crate::app::{self, outbox::Outbox, App, Deliver, Incoming, Person};
use crate::content::Content;
use crate::script::Script;
use crate::settings::{Settings, TelegramMode};
use crate::store::Store;
use render::{Origin, Out};

pub use crate::clock::Clock;

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Why the bot cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "no bot token: set TELOXIDE_TOKEN (from @BotFather) or telegram.token.\n\
         To try the bot without Telegram, run: pomichnyk chat"
    )]
    NoToken,
    #[error("TELOXIDE_API_URL {0:?} is not a URL")]
    ApiUrl(String),
}

/// What every handler needs.
#[derive(Clone)]
struct Tg {
    app: App,
    out: Arc<Out>,
    gate: flood::Gate,
}

/// Makes the bot from the token and Bot API address in the environment or settings.
pub fn bot(settings: &Settings) -> Result<Bot, StartError> {
    let token = std::env::var("TELOXIDE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            settings
                .telegram
                .token
                .as_ref()
                .map(|t| t.expose_secret().to_string())
        })
        .ok_or(StartError::NoToken)?;
    let mut bot = Bot::new(token);
    let api = std::env::var("TELOXIDE_API_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .map(|u| Url::parse(u.trim()).map_err(|_| StartError::ApiUrl(u)))
        .transpose()?
        .or_else(|| settings.telegram.api_url.clone());
    if let Some(mut url) = api {
        // "http://host/base/" would make requests to "//bot...".
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        bot = bot.set_api_url(url);
    }
    Ok(bot)
}

/// Runs the bot until `shutdown` completes, then lets the updates being
/// handled finish and returns.
pub async fn run(
    settings: &Settings,
    bot: Bot,
    store: Store,
    script: Arc<Script>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with_clock(
        settings,
        bot,
        store,
        script,
        shutdown,
        crate::clock::system(),
    )
    .await
}

/// [`run`] with the clock read for opening hours and timestamps.
pub async fn run_with_clock(
    settings: &Settings,
    bot: Bot,
    store: Store,
    script: Arc<Script>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    clock: Clock,
) -> anyhow::Result<()> {
    let me = render::call(app::Urgency::Reply, || bot.get_me().into_future())
        .await
        .context("cannot reach the Telegram Bot API (is the token right?)")?;
    tracing::info!(bot = %me.username(), "connected to Telegram");
    let content = Arc::new(Content::new(
        script,
        &settings.dialogues.dir,
        settings.language_codes(),
    ));
    let app = App::new(content.clone(), store, settings, clock);
    let app = match settings.telegram.mode {
        TelegramMode::Webhook => app.claiming_as_replica(),
        TelegramMode::Polling => app,
    };
    let out = Out::new(bot.clone(), settings);
    out.set_commands(&app.command_menus()).await;
    app.seed_admins(&settings.access.admins).await;
    if settings.broadcast.per_second > app::outbox::TELEGRAM_PER_SECOND
        && settings.telegram.api_url.is_none()
        && std::env::var_os("TELOXIDE_API_URL").is_none()
    {
        tracing::warn!(
            per_second = settings.broadcast.per_second,
            "broadcast.per_second is above Telegram's bulk limit of about 30 a second"
        );
    }
    // Residents whose replies a crash may have swallowed see where they stand;
    // the messages go out in the background while the bot takes new updates,
    // as many residents at once as updates are handled at once (each
    // resident's own messages in order): one after another, the last of a
    // few dozen would wait for every send before theirs.
    let recovered = app.recover(None).await?;
    let recovering = {
        let (app, out) = (app.clone(), out.clone());
        tokio::spawn(async move {
            futures_util::stream::iter(recovered)
                .for_each_concurrent(flood::MAX_IN_FLIGHT, |response| {
                    let (app, out) = (&app, &out);
                    async move { app.deliver(out.as_ref(), response).await }
                })
                .await;
        })
    };

    let gate = flood::Gate::new(
        out.clone(),
        content,
        flood::Allowance::from_settings(settings),
    );
    gate.replays_up_to(app.handled_mark());
    let (stop_tasks, tasks_stopped) = tokio::sync::watch::channel(false);
    let watcher = if settings.dialogues.watch {
        app::spawn_watcher(
            app.clone(),
            out.clone(),
            &settings.dialogues.dir,
            Duration::from_millis(settings.dialogues.debounce_ms),
            tasks_stopped.clone(),
        )
    } else {
        None
    };
    if let Some(listen) = settings.verify.listen {
        crate::verify_http::spawn(app.clone(), listen, tasks_stopped.clone()).await?;
    }
    let mut stopping = tasks_stopped.clone();
    let watermark = app.spawn_watermark(tasks_stopped.clone());
    let folder = app.spawn_folder(tasks_stopped.clone());
    // On PostgreSQL: hears of other replicas' hub changes, so the facts may be kept in memory.
    let hub_listener = app.spawn_hub_listener(tasks_stopped.clone());
    let sender =
        Outbox::new(app.clone(), out.clone(), settings.broadcast.per_second).spawn(tasks_stopped);
    let ignored = gate.clone();
    let tg = Tg {
        app: app.clone(),
        out: out.clone(),
        gate: gate.clone(),
    };
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema())
        .dependencies(dptree::deps![tg])
        .default_handler(move |update| {
            let slot = ignored.slot(update.id);
            async move {
                tracing::debug!(update = update.id.0, "update ignored");
                drop(slot);
            }
        })
        .error_handler(LoggingErrorHandler::with_custom_text(
            "an update handler failed",
        ))
        .build();
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping: finishing the updates in hand");
        let _ = stop_tasks.send(true);
        // Fails only if the dispatcher is not running yet or already stopped.
        while let Err(e) = token.shutdown() {
            tracing::debug!(error = %e, "dispatcher not running yet");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    match settings.telegram.mode {
        TelegramMode::Polling => {
            // Held until polling ends (dropped with this arm).
            if let Some(_poller) = poller_lock(&app, &mut stopping).await? {
                let listener = polling::Polling::new(bot.clone(), gate.pending()).await;
                tracing::info!("polling started");
                dispatcher
                    .dispatch_with_listener(
                        flood::Guarded::new(listener, gate),
                        LoggingErrorHandler::with_custom_text("polling failed"),
                    )
                    .await;
            }
        }
        TelegramMode::Webhook => {
            let listen = settings.webhook.listen;
            let url = settings
                .webhook
                .public_url
                .clone()
                .context("webhook.public_url is not set")?;
            let secret = settings
                .webhook
                .secret
                .as_ref()
                .context("webhook.secret is not set")?
                .expose_secret()
                .to_string();
            bot.set_webhook(url.clone())
                .secret_token(secret.clone())
                .max_connections(settings.webhook.max_connections)
                .drop_pending_updates(false)
                .await
                .context("cannot register the webhook with Telegram")?;
            let (listener, router) =
                webhook::listen(url.path(), secret, gate.pending(), stopping.clone());
            let tcp = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen} (webhook.listen)"))?;
            tracing::info!(%listen, "webhook listening");
            let until = async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            };
            let server = tokio::spawn(async move {
                if let Err(e) = axum::serve(tcp, router).with_graceful_shutdown(until).await {
                    tracing::error!(error = %e, "webhook server failed");
                }
            });
            dispatcher
                .dispatch_with_listener(
                    flood::Guarded::new(listener, gate),
                    LoggingErrorHandler::with_custom_text("webhook failed"),
                )
                .await;
            // Requests still open are answered: 200 for what was handled,
            // 503 for what stays with Telegram.
            let _ = tokio::time::timeout(Duration::from_millis(1_500), server).await;
            // With one process, stopping also removes the webhook (Telegram
            // keeps the updates until it is set again). Replicas on one
            // PostgreSQL database leave it: the others go on serving it.
            if !app.shares_database() {
                match tokio::time::timeout(
                    Duration::from_secs(2),
                    bot.delete_webhook().into_future(),
                )
                .await
                {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not remove the webhook"),
                    Err(_) => tracing::warn!("removing the webhook took too long"),
                }
            }
        }
    }
    // The announcements being sent finish and are recorded.
    if tokio::time::timeout(Duration::from_secs(10), sender)
        .await
        .is_err()
    {
        tracing::warn!("the outbox did not stop in time; unrecorded sends will repeat");
    }
    let _ = watermark.await;
    // A fold stopped between batches loses nothing (each batch is one transaction).
    folder.abort();
    let _ = folder.await;
    hub_listener.abort();
    let _ = hub_listener.await;
    // What the start owed residents is sent (or given up on: it is shown again next time).
    let _ = tokio::time::timeout(Duration::from_secs(2), recovering).await;
    // Every update handled has had its replies sent: say so for the next start.
    app.record_delivered().await;
    if let Some(watcher) = watcher {
        // A reload in progress only reads files; nothing is lost by not waiting long.
        let _ = tokio::time::timeout(Duration::from_secs(2), watcher).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// The update handler tree.
fn schema() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_my_chat_member().endpoint(on_member))
}

/// Where a chat's updates go: a private chat, the librarians' group, or
/// nowhere (other groups and channels are not for the bot).
fn chat_kind(tg: &Tg, chat: &teloxide::types::Chat) -> Option<app::Chat> {
    if Some(chat.id.0) == tg.app.librarians() {
        Some(app::Chat::Librarians)
    } else if chat.is_private() {
        Some(app::Chat::Private)
    } else {
        None
    }
}

fn person(user: &teloxide::types::User) -> Person {
    Person {
        id: user.id.0 as i64,
        lang_hint: user.language_code.clone(),
    }
}

async fn on_message(msg: Message, tg: Tg, upd: Update) -> HandlerResult {
    let mut slot = tg.gate.slot(upd.id);
    let (Some(chat), Some(user)) = (chat_kind(&tg, &msg.chat), msg.from.as_ref()) else {
        return Ok(());
    };
    if user.is_bot {
        return Ok(());
    }
    let update = app::Update {
        from: person(user),
        chat,
        message: Some(i64::from(msg.id.0)),
        input: incoming(&msg),
    };
    let response = tg.app.handle_once(i64::from(upd.id.0), update).await;
    slot.handled();
    let sink = render::Turn {
        out: &tg.out,
        origin: None,
    };
    tg.app.deliver(&sink, response).await;
    Ok(())
}

/// A message as the application layer reads it.
fn incoming(msg: &Message) -> Incoming {
    use teloxide::utils::render::RenderMessageTextHelper;
    let reply_to = msg.reply_to_message().map(|m| i64::from(m.id.0));
    if let Some(text) = msg.text() {
        // Only a message with formatting needs its HTML worked out.
        let html = msg
            .entities()
            .is_some_and(|e| !e.is_empty())
            .then(|| msg.html_text())
            .flatten();
        let forwarded_from = msg
            .reply_to_message()
            .and_then(|m| m.forward_from_user())
            .map(|u| u.id.0 as i64);
        return Incoming::Text {
            text: text.to_string(),
            html,
            reply_to,
            forwarded_from,
        };
    }
    if let Some(location) = msg.location() {
        return Incoming::Location {
            latitude: location.latitude,
            longitude: location.longitude,
        };
    }
    if let Some(sizes) = msg.photo() {
        if let Some(largest) = sizes.iter().max_by_key(|p| p.width * p.height) {
            return Incoming::Photo {
                file: largest.file.id.to_string(),
                caption_html: msg.html_caption().unwrap_or_default(),
                reply_to,
            };
        }
    }
    Incoming::Other { reply_to }
}

async fn on_callback(bot: Bot, query: CallbackQuery, tg: Tg, upd: Update) -> HandlerResult {
    let mut slot = tg.gate.slot(upd.id);
    let id = i64::from(upd.id.0);
    // A press handled before an unexpected stop and handed out again was
    // answered then (the answer goes before the step is committed): neither
    // act on it nor answer it twice.
    if tg.app.handled_before(id).await {
        return Ok(());
    }
    // Answer at once, whatever follows: the button's spinner stops.
    if let Err(e) =
        render::answer_press(|| bot.answer_callback_query(query.id.clone()).into_future()).await
    {
        tracing::debug!(error = %e, "could not answer a callback query");
    }
    let (Some(data), Some(message)) = (query.data.clone(), query.regular_message()) else {
        return Ok(());
    };
    let Some(chat) = chat_kind(&tg, &message.chat) else {
        return Ok(());
    };
    let origin = Origin {
        chat: message.chat.id,
        id: message.id,
        text: message.text().unwrap_or_default().to_string(),
        entities: message.entities().map(<[_]>::to_vec),
    };
    let update = app::Update {
        from: person(&query.from),
        chat,
        message: Some(i64::from(message.id.0)),
        input: Incoming::Press { data },
    };
    let response = tg.app.handle_new(id, update).await;
    slot.handled();
    let sink = render::Turn {
        out: &tg.out,
        origin: (!origin.text.is_empty()).then_some(origin),
    };
    tg.app.deliver(&sink, response).await;
    Ok(())
}

/// The resident blocked or unblocked the bot.
async fn on_member(update: ChatMemberUpdated, tg: Tg, upd: Update) -> HandlerResult {
    let _slot = tg.gate.slot(upd.id);
    if !update.chat.is_private() {
        return Ok(());
    }
    let blocked = update.new_chat_member.is_banned() || update.new_chat_member.is_left();
    let update = app::Update {
        from: person(&update.from),
        chat: app::Chat::Private,
        message: None,
        input: Incoming::Membership { blocked },
    };
    let response = tg.app.handle_once(i64::from(upd.id.0), update).await;
    tg.app.deliver(tg.out.as_ref(), response).await;
    Ok(())
}

/// Telegram lets one client long-poll a bot. With several processes on one
/// database, the one holding the poller lock polls; the others wait to take
/// over (every 5 s) until they are stopped, which answers `None`.
async fn poller_lock(
    app: &App,
    stopping: &mut tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Option<crate::store::PollerLock>> {
    let mut said = false;
    loop {
        if let Some(lock) = app.poller_lock().await? {
            if said {
                tracing::info!("took over polling Telegram");
            }
            return Ok(Some(lock));
        }
        if !said {
            tracing::info!("another process is polling Telegram; waiting to take over");
            said = true;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stopping.changed() => return Ok(None),
        }
    }
}
