//! The Telegram adapter: teloxide's dispatcher around the engine.
//!
//! An update is turned into an [`Input`], the engine steps, the store commits
//! the new state, and only then are the replies sent. Updates of one chat are
//! handled in order (teloxide distributes by chat); chats run concurrently.
//!
//! Architecture invariant: this is the only module that speaks Telegram.

pub mod flood;
mod handoff;
mod outbox;
mod reload;
pub mod render;
mod report;
mod staff;
mod webinars;

use std::future::{Future, IntoFuture};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::ExposeSecret;
use teloxide::dispatching::UpdateHandler;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, ChatMemberUpdated};
use teloxide::update_listeners::{webhooks, Polling};
use url::Url;

use crate::content::Content;
use crate::engine::{self, Input};
use crate::script::{Msg, Script};
use crate::settings::{Settings, TelegramMode};
use crate::store::{self, Store};
use render::{DeliveryError, Origin};

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

/// Everything a handler needs, shared by all of them.
#[derive(Clone)]
pub struct App {
    /// The content being served; a live reload swaps it.
    content: Arc<Content>,
    store: Store,
    /// Spaces out replies to one chat.
    pace: Arc<DefaultKeyedRateLimiter<ChatId>>,
    /// Lets updates in and counts those being handled.
    gate: flood::Gate,
    /// The librarians' group chat, if hand-off is set up.
    librarians: Option<ChatId>,
    /// The community's time zone, for opening hours.
    tz: jiff::tz::TimeZone,
    clock: Clock,
    /// Quiet hours for announcements (local times).
    quiet: Option<(jiff::civil::Time, jiff::civil::Time)>,
    /// Wakes the outbox sender when a broadcast is queued.
    outbox_wake: Arc<tokio::sync::Notify>,
    /// Telegram's overall sending budget: interactive replies take from it
    /// first, the outbox waits for what is left.
    global: Arc<governor::DefaultDirectRateLimiter>,
}

impl App {
    pub fn new(
        content: Arc<Content>,
        store: Store,
        settings: &Settings,
        gate: flood::Gate,
        clock: Clock,
    ) -> App {
        let quota = |burst: u32, period_ms: u64| {
            Quota::with_period(Duration::from_millis(period_ms.max(1)))
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        let t = &settings.telegram;
        App {
            content,
            store,
            pace: Arc::new(RateLimiter::keyed(quota(t.pace_burst, t.pace_period_ms))),
            gate,
            librarians: settings.handoff.librarians_chat_id.map(ChatId),
            tz: settings.time_zone(),
            clock,
            quiet: settings.broadcast.quiet(),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            global: Arc::new(RateLimiter::direct(Quota::per_second(
                NonZeroU32::new(
                    settings
                        .broadcast
                        .per_second
                        .max(outbox::TELEGRAM_PER_SECOND),
                )
                .unwrap_or(NonZeroU32::MIN),
            ))),
        }
    }

    /// The content being served now. One update takes it once where it
    /// matters (the engine step), so a reload never splits a step.
    fn script(&self) -> Arc<Script> {
        self.content.get()
    }

    /// Waits for this chat's turn; a reply takes from Telegram's overall
    /// budget first, without waiting for it (the outbox waits instead).
    async fn global_pace(&self, chat: ChatId) {
        let _ = self.global.check();
        self.pace.until_key_ready(&chat).await;
    }

    /// The language index of someone outside an engine step (an admin, the
    /// author of a broadcast): their saved choice, else the first language.
    async fn lang_of_user(&self, user: i64) -> usize {
        match self.store.load_state(user).await {
            Ok(Some(state)) => self.lang_of(&state),
            _ => 0,
        }
    }

    /// Unix seconds now.
    fn now(&self) -> i64 {
        (self.clock)()
    }
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

/// The wall clock as Unix seconds; tests pass a fixed one.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Runs the bot until `shutdown` completes, then lets the updates being
/// handled finish and returns.
pub async fn run(
    settings: &Settings,
    bot: Bot,
    store: Store,
    script: Arc<Script>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with_clock(settings, bot, store, script, shutdown, Arc::new(unix_now)).await
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
    let me = render::call(|| bot.get_me().into_future())
        .await
        .context("cannot reach the Telegram Bot API (is the token right?)")?;
    tracing::info!(bot = %me.username(), "connected to Telegram");
    set_commands(&bot, &script).await;
    let content = Arc::new(Content::new(
        script,
        &settings.dialogues.dir,
        settings.language_codes(),
    ));

    let gate = flood::Gate::new(
        bot.clone(),
        content.clone(),
        settings.telegram.flood_burst,
        Duration::from_millis(settings.telegram.flood_period_ms),
    );
    let app = App::new(content, store, settings, gate.clone(), clock);
    // The first admins come from the settings; granting again changes nothing.
    for &admin in &settings.access.admins {
        if let Err(e) = app
            .store
            .grant(admin, store::Role::Admin, 0, app.now())
            .await
        {
            tracing::warn!(error = %e, "cannot record an admin from access.admins");
        }
    }
    if settings.broadcast.per_second > outbox::TELEGRAM_PER_SECOND
        && settings.telegram.api_url.is_none()
        && std::env::var_os("TELOXIDE_API_URL").is_none()
    {
        tracing::warn!(
            per_second = settings.broadcast.per_second,
            "broadcast.per_second is above Telegram's bulk limit of about 30 a second"
        );
    }
    let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
    let watcher = if settings.dialogues.watch {
        reload::spawn_watcher(
            app.clone(),
            bot.clone(),
            &settings.dialogues.dir,
            Duration::from_millis(settings.dialogues.debounce_ms),
            outbox_stopped.clone(),
        )
    } else {
        None
    };
    let sender = outbox::spawn(
        app.clone(),
        bot.clone(),
        settings.broadcast.per_second,
        outbox_stopped,
    );
    let ignored = gate.clone();
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema())
        .dependencies(dptree::deps![app])
        .default_handler(move |update| {
            let slot = ignored.slot();
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
        let _ = stop_outbox.send(true);
        // Fails only if the dispatcher is not running yet or already stopped.
        while let Err(e) = token.shutdown() {
            tracing::debug!(error = %e, "dispatcher not running yet");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    match settings.telegram.mode {
        TelegramMode::Polling => {
            let listener = Polling::builder(bot.clone())
                .timeout(Duration::from_secs(25))
                .backoff_strategy(|errors| {
                    Duration::from_millis((250u64 << errors.min(5)).min(5_000))
                })
                .delete_webhook()
                .await
                .build();
            tracing::info!("polling started");
            dispatcher
                .dispatch_with_listener(
                    flood::Guarded::new(listener, gate),
                    LoggingErrorHandler::with_custom_text("polling failed"),
                )
                .await;
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
            let options = webhooks::Options::new(listen, url).secret_token(secret);
            let (listener, stop, router) = webhooks::axum_to_router(bot.clone(), options)
                .await
                .context("cannot register the webhook with Telegram")?;
            let tcp = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen} (webhook.listen)"))?;
            tracing::info!(%listen, "webhook listening");
            tokio::spawn(async move {
                if let Err(e) = axum::serve(tcp, router).with_graceful_shutdown(stop).await {
                    tracing::error!(error = %e, "webhook server failed");
                }
            });
            dispatcher
                .dispatch_with_listener(
                    flood::Guarded::new(listener, gate),
                    LoggingErrorHandler::with_custom_text("webhook failed"),
                )
                .await;
        }
    }
    // The announcements being sent finish and are recorded.
    if tokio::time::timeout(Duration::from_secs(10), sender)
        .await
        .is_err()
    {
        tracing::warn!("the outbox did not stop in time; unrecorded sends will repeat");
    }
    if let Some(watcher) = watcher {
        // A reload in progress only reads files; nothing is lost by not waiting long.
        let _ = tokio::time::timeout(Duration::from_secs(2), watcher).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// The command menu in every language, from `strings.toml`.
async fn set_commands(bot: &Bot, script: &Script) {
    let commands = |lang: usize| -> Vec<BotCommand> {
        let s = &script.strings;
        [
            ("start", Msg::CmdStart),
            ("menu", Msg::CmdMenu),
            ("lessons", Msg::CmdLessons),
            ("progress", Msg::CmdProgress),
            ("language", Msg::CmdLanguage),
            ("ask", Msg::CmdAsk),
            ("librarian", Msg::CmdLibrarian),
            ("hubs", Msg::CmdHubs),
            ("webinars", Msg::CmdWebinars),
            ("subscribe", Msg::CmdSubscribe),
            ("unsubscribe", Msg::CmdUnsubscribe),
            ("help", Msg::CmdHelp),
            ("cancel", Msg::CmdCancel),
            ("privacy", Msg::CmdPrivacy),
            ("delete_me", Msg::CmdDeleteMe),
        ]
        .into_iter()
        .map(|(name, msg)| BotCommand::new(name, s.get(msg, lang)))
        .collect()
    };
    // The default list, for apps in a language we do not have.
    let mut result = render::call(|| bot.set_my_commands(commands(0)).into_future())
        .await
        .map(|_| ());
    for (i, lang) in script.languages.iter().enumerate() {
        if result.is_err() {
            break;
        }
        result = render::call(|| {
            bot.set_my_commands(commands(i))
                .language_code(lang.clone())
                .into_future()
        })
        .await
        .map(|_| ());
    }
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not set the command menu");
    }
}

/// The update handler tree.
pub fn schema() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_my_chat_member().endpoint(on_member))
}

async fn on_message(bot: Bot, msg: Message, app: App) -> HandlerResult {
    let _slot = app.gate.slot();
    if Some(msg.chat.id) == app.librarians {
        return app.in_librarians_chat(&bot, &msg).await;
    }
    // Other groups and channels are not for residents.
    if !msg.chat.is_private() {
        return Ok(());
    }
    let Some(user) = msg.from.as_ref() else {
        return Ok(());
    };
    // A Telegram reply to a librarian's answer goes on in that ticket.
    if let Some(ticket) = app.replied_ticket(msg.chat.id, &msg).await {
        let lang = app.resident_lang(user).await;
        let text = msg.text().unwrap_or_default();
        return app
            .ticket_message(&bot, user.id, msg.chat.id, lang, ticket, text.trim())
            .await;
    }
    let input = if let Some(text) = msg.text() {
        Input::from_text(text)
    } else if let Some(location) = msg.location() {
        Input::Location {
            latitude: location.latitude,
            longitude: location.longitude,
        }
    } else {
        Input::Other
    };
    let who = Who {
        user: user.id,
        chat: msg.chat.id,
        lang_hint: user.language_code.as_deref(),
    };
    app.turn(&bot, who, input, None, Some(&msg)).await
}

/// A message's text as Telegram HTML, its photo, and the author of a
/// forwarded message it replies to: what a librarian's command may need.
fn rich(msg: &Message) -> staff::Rich {
    use teloxide::utils::render::RenderMessageTextHelper;
    let html = msg
        .html_text()
        .or_else(|| msg.html_caption())
        .unwrap_or_default();
    let photo = msg
        .photo()
        .and_then(|sizes| sizes.iter().max_by_key(|p| p.width * p.height))
        .map(|p| p.file.id.to_string());
    let forwarded_from = msg
        .reply_to_message()
        .and_then(|m| m.forward_from_user())
        .map(|u| user_key(u.id));
    staff::Rich {
        html,
        photo,
        forwarded_from,
    }
}

/// Who sent an update, and where to answer.
#[derive(Debug, Clone, Copy)]
struct Who<'a> {
    user: UserId,
    chat: ChatId,
    lang_hint: Option<&'a str>,
}

async fn on_callback(bot: Bot, query: CallbackQuery, app: App) -> HandlerResult {
    let _slot = app.gate.slot();
    // Answer at once, whatever follows: the button's spinner stops.
    if let Err(e) = render::call(|| bot.answer_callback_query(query.id.clone()).into_future()).await
    {
        tracing::debug!(error = %e, "could not answer a callback query");
    }
    let (Some(data), Some(message)) = (query.data.clone(), query.regular_message()) else {
        return Ok(());
    };
    if Some(message.chat.id) == app.librarians {
        if let Some(engine::Press::Close(ticket)) = engine::Press::decode(&data) {
            let ticket = i64::try_from(ticket).unwrap_or(i64::MAX);
            return app
                .close(&bot, message.chat.id, message.id, ticket, query.from.id)
                .await;
        }
        return Ok(());
    }
    if !message.chat.is_private() {
        return Ok(());
    }
    let origin = Origin {
        id: message.id,
        text: message.text().unwrap_or_default().to_string(),
        entities: message.entities().map(<[_]>::to_vec),
    };
    let origin = (!origin.text.is_empty()).then_some(origin);
    let who = Who {
        user: query.from.id,
        chat: message.chat.id,
        lang_hint: query.from.language_code.as_deref(),
    };
    app.turn(&bot, who, Input::Press(data), origin.as_ref(), None)
        .await
}

/// The resident blocked or unblocked the bot.
async fn on_member(update: ChatMemberUpdated, app: App) -> HandlerResult {
    let _slot = app.gate.slot();
    if !update.chat.is_private() {
        return Ok(());
    }
    let blocked = update.new_chat_member.is_banned() || update.new_chat_member.is_left();
    tracing::info!(
        user = update.from.id.0,
        blocked,
        "resident changed the bot's membership"
    );
    app.store
        .set_blocked(user_key(update.from.id), blocked)
        .await?;
    Ok(())
}

fn user_key(id: UserId) -> i64 {
    id.0 as i64
}

impl App {
    /// One input of one resident: step, commit, then reply.
    async fn turn(
        &self,
        bot: &Bot,
        who: Who<'_>,
        input: Input,
        origin: Option<&Origin>,
        message: Option<&Message>,
    ) -> HandlerResult {
        let Who {
            user,
            chat,
            lang_hint,
        } = who;
        let id = user_key(user);
        let mut state = match self.store.load_state(id).await {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => return self.failed(bot, chat, lang_hint, e.into()).await,
        };
        // Librarians' commands and drafts; everything else is the engine's.
        let staff_input = match &input {
            Input::Command { name, .. } => {
                staff::required_role(name).is_some() || state.draft.is_some()
            }
            Input::Press(data) => data.starts_with(crate::broadcast::PREFIX),
            _ => state.draft.is_some(),
        };
        if webinars::is_webinar_input(&input, &state) {
            match self
                .webinar_input(bot, user, chat, &mut state, &input)
                .await
            {
                Ok(staff::Handled::Yes) => return Ok(()),
                Ok(staff::Handled::No) => {}
                Err(e) => return self.failed(bot, chat, lang_hint, e).await,
            }
        }
        if staff_input {
            // The message's HTML and photo are worked out only for librarians' input.
            let rich = message.map(rich);
            match self
                .staff(bot, user, chat, &mut state, &input, rich.as_ref())
                .await
            {
                Ok(staff::Handled::Yes) => return Ok(()),
                Ok(staff::Handled::No) => {}
                Err(e) => return self.failed(bot, chat, lang_hint, e).await,
            }
        }
        let now = self.now();
        let cx = engine::Context {
            lang_hint,
            now: engine::Context::local(now, &self.tz),
            handoff: self.librarians.is_some(),
        };
        let script = self.script();
        let outcome = engine::step(&script, state, &input, &cx);
        if let Err(e) = self.store.save(id, now, &outcome).await {
            // Nothing was saved, so nothing is shown as done: the resident tries again.
            return self.failed(bot, chat, lang_hint, e.into()).await;
        }
        let pace = || self.global_pace(chat);
        match render::deliver(bot, chat, &outcome.replies, origin, pace).await {
            Ok(()) => {}
            Err(DeliveryError::Blocked(e)) => {
                tracing::info!(user = user.0, error = %e, "resident blocked the bot");
                self.store.set_blocked(id, true).await?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        let lang = outcome
            .state
            .lang
            .as_deref()
            .and_then(|l| script.lang_index(l))
            .unwrap_or(0);
        for effect in &outcome.effects {
            match effect {
                engine::Effect::Forget => {}
                engine::Effect::OpenTicket { text } => {
                    self.open_ticket(bot, user, chat, lang, text).await?
                }
                engine::Effect::TicketMessage { ticket, text } => {
                    let ticket = i64::try_from(*ticket).unwrap_or(i64::MAX);
                    self.ticket_message(bot, user, chat, lang, ticket, text)
                        .await?
                }
            }
        }
        Ok(())
    }

    /// One of the bot's sentences, outside an engine step.
    async fn say(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang: usize,
        msg: Msg,
        values: &[(&str, &str)],
    ) -> HandlerResult {
        let text = self.script().strings.fill(msg, lang, values);
        self.reply(bot, chat, text, engine::Keyboard::None).await
    }

    /// A message outside an engine step, paced like every reply; a resident
    /// who blocked the bot is marked so.
    async fn reply(
        &self,
        bot: &Bot,
        chat: ChatId,
        text: String,
        keyboard: engine::Keyboard,
    ) -> HandlerResult {
        let replies = [engine::Reply::Message { text, keyboard }];
        let pace = || self.global_pace(chat);
        match render::deliver(bot, chat, &replies, None, pace).await {
            Ok(()) => Ok(()),
            Err(DeliveryError::Blocked(e)) => {
                tracing::info!(error = %e, "resident blocked the bot");
                self.store.set_blocked(chat.0, true).await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The language a resident reads: their saved choice, else their app's.
    async fn resident_lang(&self, user: &teloxide::types::User) -> usize {
        let saved = match self.store.load_state(user_key(user.id)).await {
            Ok(state) => state.and_then(|s| s.lang),
            Err(e) => {
                tracing::warn!(error = %e, "could not read a resident's state");
                None
            }
        };
        saved
            .as_deref()
            .or(user.language_code.as_deref())
            .and_then(|l| self.script().lang_index(l))
            .unwrap_or(0)
    }

    async fn failed(
        &self,
        bot: &Bot,
        chat: ChatId,
        lang_hint: Option<&str>,
        error: Box<dyn std::error::Error + Send + Sync>,
    ) -> HandlerResult {
        let lang = lang_hint
            .and_then(|l| self.script().lang_index(l))
            .unwrap_or(0);
        let text = self.script().strings.get(Msg::Failure, lang).to_string();
        let _ = render::call(|| bot.send_message(chat, text.clone()).into_future()).await;
        Err(error)
    }
}

fn unix_now() -> i64 {
    crate::chat::unix_now()
}
