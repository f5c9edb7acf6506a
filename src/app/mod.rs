//! The application layer: every use case of residents, librarians and admins,
//! once, for every channel.
//!
//! The API is plain data ([`types`]): an adapter turns what arrived into an
//! [`Update`], calls [`App::handle`], and sends the [`Outgoing`] messages it
//! gets back through its own [`Deliver`]; [`App::deliver`] is the one send
//! path, the one place that marks a person who blocked the bot. The durable
//! outbox ([`outbox`]) sends announcements, reminders and ticket messages
//! through the same trait. Telegram (`telegram/`) and the terminal (`chat`)
//! are such adapters; nothing here knows either.
//!
//! One update is one transaction: the state is read once, the engine or a
//! librarian's use case changes it, and the state, its events and every
//! change they cause (an audit row, a ticket and its post to the librarians,
//! a broadcast) are committed together by [`Turn::commit`]. Replies are sent
//! only after that; a turn's number is held in flight until they are, so after
//! a crash the residents whose replies may not have gone out are shown where
//! they stand ([`App::recover`]).

pub mod certificates;
mod faq_review;
pub mod fold;
mod hub_cache;
mod hubs;
pub mod outbox;
mod reload;
mod report;
mod review;
mod staff;
mod tickets;
mod turns;
pub mod types;
mod webinars;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub use reload::spawn_watcher;
pub use types::*;

use crate::broadcast::Drafts;
use crate::clock::Clock;
use crate::commands::{self, Access, Cmd};
use crate::content::Content;
use crate::engine::{self, Effect, Event, Input, Keyboard, Reply, State};
use crate::script::{Msg, Script};
use crate::settings::Settings;
use crate::store::{Commit, Role, Store, StoreError, Write};
use turns::{InFlight, TurnGuard};

/// Why a use case could not finish. Nothing here is the person's fault: they
/// are told to try again, and the operator finds the cause in the log.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything the use cases share; cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The content being served; a live reload swaps it.
    content: Arc<Content>,
    store: Store,
    clock: Clock,
    /// The community's time zone, for opening hours, dates and quiet hours.
    tz: jiff::tz::TimeZone,
    /// Quiet hours for announcements (local times).
    quiet: Option<(jiff::civil::Time, jiff::civil::Time)>,
    /// The librarians' group's chat id, if hand-off is set up.
    librarians: Option<i64>,
    /// Wakes the outbox when something is queued.
    wake: Arc<tokio::sync::Notify>,
    /// Turns whose replies are not all delivered yet.
    inflight: Arc<InFlight>,
    /// The highest update id handled before this start ([`App::recover`]
    /// reads it; until then every id is looked up): only an update at or
    /// below it can be one handled already.
    handled_mark: Arc<AtomicI64>,
    /// The certificates' signing key and verification page.
    certifier: Arc<certificates::Certifier>,
    /// The librarians' hub facts between updates (invalidated by a turn that changes them).
    hub_facts: Arc<hub_cache::HubFacts>,
    /// `database.fold_after_days` ([`fold`]).
    fold_after_days: u32,
}

/// What one update produced: the messages to send, in order, and the turn
/// they belong to (released once [`App::deliver`] has sent them).
#[must_use]
pub struct Response {
    pub out: Vec<Outgoing>,
    /// The content changed: the command menu is to be set anew.
    pub commands: bool,
    /// The update was handled before (Telegram handed it out again after an
    /// unexpected stop): nothing was done, and nothing is to be answered.
    pub duplicate: bool,
    guard: Option<TurnGuard>,
}

impl Response {
    fn new(out: Vec<Outgoing>) -> Response {
        Response {
            out,
            commands: false,
            duplicate: false,
            guard: None,
        }
    }
}

/// This process's slot among replicas sharing the database (see
/// `store::REPLICA_SLOTS`): `webhook.replica_slot`, else its webhook port,
/// or 0 for the poller; `None` when it is the database's only process
/// (SQLite).
fn replica_slot(store: &Store, settings: &Settings) -> Option<i64> {
    match (store.dialect(), settings.telegram.mode) {
        (crate::store::Dialect::Sqlite, _) => None,
        (crate::store::Dialect::Postgres, crate::settings::TelegramMode::Webhook) => {
            Some(settings.webhook.slot())
        }
        (crate::store::Dialect::Postgres, crate::settings::TelegramMode::Polling) => Some(0),
    }
}

/// The language the librarians' group reads: the first configured one.
const GROUP_LANG: usize = 0;

impl App {
    /// The application over `content` and `store`, with the settings' time
    /// zone, quiet hours and librarians' group.
    pub fn new(content: Arc<Content>, store: Store, settings: &Settings, clock: Clock) -> App {
        // Other bot processes may change the hubs' facts on PostgreSQL: kept there only
        // while `spawn_hub_listener` hears of every change.
        let hub_facts = match store.dialect() {
            crate::store::Dialect::Sqlite => hub_cache::HubFacts::default(),
            crate::store::Dialect::Postgres => hub_cache::HubFacts::off(),
        };
        let slot = replica_slot(&store, settings);
        App {
            content,
            store,
            clock,
            tz: settings.time_zone(),
            quiet: settings.broadcast.quiet(),
            librarians: settings.handoff.librarians_chat_id,
            wake: Arc::new(tokio::sync::Notify::new()),
            inflight: Arc::new(InFlight::for_replica(slot)),
            handled_mark: Arc::new(AtomicI64::new(i64::MAX)),
            certifier: Arc::new(certificates::Certifier::from_settings(settings)),
            hub_facts: Arc::new(hub_facts),
            fold_after_days: settings.database.fold_after_days,
        }
    }

    /// The same application as a webhook replica, whose slot is its own
    /// (the pollers' 0 is shared by every process in polling mode, and a
    /// command-line process shares the slot of the settings it reads): its
    /// outbox claims carry its slot, and [`App::recover`] takes back the
    /// ones it held when it stopped.
    pub fn claiming_as_replica(mut self) -> App {
        self.store = self.store.claiming_as(self.inflight.slot());
        self
    }

    /// The librarians' hub facts changed outside this application's turns
    /// (another writer of the same database): the next update reads them anew.
    pub fn hub_facts_changed(&self) {
        self.hub_facts.invalidate();
    }

    /// The certificates' signing key and verification page.
    pub fn certifier(&self) -> &certificates::Certifier {
        &self.certifier
    }

    /// The same application with another librarians' group (the terminal
    /// plays the group itself).
    pub fn with_librarians(mut self, group: Option<i64>) -> App {
        self.librarians = group;
        self
    }

    /// The content being served now. A use case takes it once per update.
    pub fn script(&self) -> Arc<Script> {
        self.content.get()
    }

    pub fn content(&self) -> &Arc<Content> {
        &self.content
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether other bot processes may share this one's database (and so
    /// its Telegram bot): true on PostgreSQL.
    pub fn shares_database(&self) -> bool {
        self.store.dialect() == crate::store::Dialect::Postgres
    }

    /// The right to long-poll Telegram, which allows one poller per bot:
    /// `None` while another process holds it.
    pub async fn poller_lock(&self) -> Result<Option<crate::store::PollerLock>, AppError> {
        Ok(self.store.poller_lock().await?)
    }

    /// The librarians' group's chat id, if there is one.
    pub fn librarians(&self) -> Option<i64> {
        self.librarians
    }

    /// Unix seconds now, from the injected clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The community's local time now.
    fn local_now(&self) -> jiff::civil::DateTime {
        crate::clock::local(self.now(), &self.tz)
    }

    /// Wakes the outbox: something was queued.
    pub fn wake_outbox(&self) {
        self.wake.notify_one();
    }

    /// Records the admins named in the settings (a repeat changes nothing).
    pub async fn seed_admins(&self, admins: &[i64]) {
        for &admin in admins {
            let grant = Write::Role {
                user: admin,
                role: Role::Admin.as_str(),
                grant: true,
                by: 0,
                now: self.now(),
            };
            if let Err(e) = self.store.write(vec![grant]).await {
                tracing::warn!(error = %e, "cannot record an admin from access.admins");
            }
        }
    }

    /// The command menus of every language, from the registry of commands.
    pub fn command_menus(&self) -> Vec<CommandMenu> {
        let script = self.script();
        let menu = |lang: usize| -> Vec<(String, String)> {
            commands::ALL
                .iter()
                .filter(|c| c.in_menu)
                .map(|c| {
                    (
                        c.name.to_string(),
                        script.strings.get(c.description, lang).to_string(),
                    )
                })
                .collect()
        };
        let mut menus = vec![CommandMenu {
            lang: None,
            commands: menu(0),
        }];
        menus.extend(
            script
                .languages
                .iter()
                .enumerate()
                .map(|(i, code)| CommandMenu {
                    lang: Some(code.clone()),
                    commands: menu(i),
                }),
        );
        menus
    }

    /// The language index of someone outside an engine step (an admin, the
    /// author of a broadcast): their saved choice, else `hint`, else the first.
    pub async fn lang_of_user(&self, user: i64, hint: Option<&str>) -> usize {
        let saved = match self.store.load_state(user).await {
            Ok(state) => state.and_then(|s| s.lang),
            Err(e) => {
                tracing::warn!(error = %e, "could not read a person's state");
                None
            }
        };
        self.script().resolve_lang(saved.as_deref(), hint)
    }

    /// The highest update id handled before this start (known after
    /// [`App::recover`]).
    pub fn handled_mark(&self) -> i64 {
        self.handled_mark.load(Ordering::Relaxed)
    }

    /// Whether Telegram's update `id` was handled before this start (its
    /// turn committed, then the process died before Telegram knew).
    pub async fn handled_before(&self, id: i64) -> bool {
        if id > self.handled_mark.load(Ordering::Relaxed) {
            return false;
        }
        match self.store.handled(id).await {
            Ok(handled) => {
                if handled {
                    tracing::info!(update = id, "update handled before the restart: skipped");
                }
                handled
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell whether an update was handled");
                false
            }
        }
    }

    /// Handles Telegram's update `id` once: one handled before (its turn
    /// committed, then the process died before Telegram knew) is answered
    /// [`Response::duplicate`] and not handled again. A resident's turn
    /// records the id in its own transaction.
    pub async fn handle_once(&self, id: i64, update: Update) -> Response {
        if self.handled_before(id).await {
            return Response {
                duplicate: true,
                ..Response::new(Vec::new())
            };
        }
        self.handle_new(id, update).await
    }

    /// Handles Telegram's update `id`, which the caller found not handled
    /// before ([`App::handled_before`]), recording it with its turn.
    pub async fn handle_new(&self, id: i64, update: Update) -> Response {
        match (update.chat, &update.input) {
            (Chat::Private, Incoming::Membership { .. }) => self.handle(update).await,
            (Chat::Librarians, _) => self.group_turn(update, id).await,
            (Chat::Private, _) => self.turn(update, Some(id)).await,
        }
    }

    /// A librarian's message or press in the group, as update `id`: held
    /// against other processes like a resident's turn (keyed by the
    /// librarian), and skipped if another process handled it meanwhile.
    async fn group_turn(&self, update: Update, id: i64) -> Response {
        let guard = match self.store.begin_turn(update.from.id, Some(id)).await {
            Ok(guard) => guard,
            Err(e) => {
                tracing::error!(error = %e, "a librarians' message could not be handled");
                let script = self.script();
                let note = self.to_group(&script, Msg::Failure, &[]);
                return Response::new(vec![note.replying(update.message)]);
            }
        };
        let response = if guard.handled {
            tracing::info!(update = id, "update handled by another process: skipped");
            Response {
                duplicate: true,
                ..Response::new(Vec::new())
            }
        } else {
            self.in_librarians_chat(update, Some(id)).await
        };
        guard.release().await;
        response
    }

    /// Handles one update and answers what to send. It never fails: a store
    /// error is logged and the person is told to try again.
    pub async fn handle(&self, update: Update) -> Response {
        match (update.chat, &update.input) {
            (Chat::Librarians, _) => self.in_librarians_chat(update, None).await,
            (Chat::Private, Incoming::Membership { blocked }) => {
                tracing::info!(
                    user = update.from.id,
                    blocked,
                    "resident changed the bot's membership"
                );
                if let Err(e) = self.store.set_blocked(update.from.id, *blocked).await {
                    tracing::warn!(error = %e, "cannot record a blocked resident");
                }
                Response::new(Vec::new())
            }
            (Chat::Private, _) => self.turn(update, None).await,
        }
    }

    /// Sends what an update produced, in order. A person who blocked the bot
    /// is marked so, and nothing more goes to them; other failures are
    /// logged. This is the one path every reply takes.
    pub async fn deliver<D: Deliver>(&self, sink: &D, response: Response) {
        if response.commands {
            sink.set_commands(&self.command_menus()).await;
        }
        let mut blocked: Vec<To> = Vec::new();
        for out in &response.out {
            if blocked.contains(&out.to) {
                continue;
            }
            if let Err(e) = self.send(sink, out, Urgency::Reply).await {
                if e == SendError::Blocked {
                    blocked.push(out.to);
                }
            }
        }
        // The turn's replies are out (or cannot go): it is no longer in flight.
        drop(response.guard);
    }

    /// One message through `sink`; a person who blocked the bot is marked so.
    pub async fn send<D: Deliver>(
        &self,
        sink: &D,
        out: &Outgoing,
        urgency: Urgency,
    ) -> Result<Vec<i64>, SendError> {
        let result = sink.send(out, urgency).await;
        match (&result, out.to) {
            (Err(SendError::Blocked), To::Person(user)) => {
                tracing::info!(user, "resident blocked the bot");
                if let Err(e) = self.store.set_blocked(user, true).await {
                    tracing::warn!(error = %e, "cannot record a blocked resident");
                }
            }
            (Err(e), _) if urgency == Urgency::Reply => {
                tracing::warn!(error = %e, "a message could not be sent");
            }
            _ => {}
        }
        result
    }

    /// After a start: the residents whose last turn's replies may not have
    /// gone out before the process stopped are shown where they stand (`only`:
    /// just this one, for a terminal). Answers one response per such
    /// resident, for the adapter to deliver.
    pub async fn recover(&self, only: Option<i64>) -> Result<Vec<Response>, AppError> {
        // Telegram keeps an update for a day; two days of handled ids cover that.
        let mark = self.store.handled_mark(self.now() - 2 * 86_400).await?;
        self.handled_mark.store(mark, Ordering::Relaxed);
        // The FAQ phrasings librarians accepted join the content first.
        self.learn().await?;
        // What this replica claimed to send before it was killed goes now,
        // not when the claims' lease ends.
        let taken = self.store.take_back_claims(self.now()).await?;
        if taken > 0 {
            tracing::info!(messages = taken, "taking back the sends held when stopped");
        }
        let slot = self.inflight.slot();
        let last = self.store.last_turn(slot).await?;
        self.inflight.start_after(last);
        let below = self.store.delivered_below(slot).await?;
        let mut responses = Vec::new();
        if let Some(below) = below {
            let users = self.store.unshown(below, slot).await?;
            if !users.is_empty() {
                tracing::info!(
                    residents = users.len(),
                    "showing residents where they stand after an unexpected stop"
                );
            }
            for user in users.into_iter().filter(|u| only.is_none_or(|me| me == *u)) {
                let update = Update {
                    from: Person {
                        id: user,
                        lang_hint: None,
                    },
                    chat: Chat::Private,
                    message: None,
                    input: Incoming::Resume,
                };
                responses.push(self.turn(update, None).await);
            }
        }
        self.record_delivered().await;
        Ok(responses)
    }

    /// Records how far every turn's replies have gone out; the watermark task
    /// and a stopping adapter call it.
    pub async fn record_delivered(&self) {
        if let Some(below) = self.inflight.changed_low() {
            let slot = self.inflight.slot();
            if let Err(e) = self.store.set_delivered_below(slot, below).await {
                tracing::warn!(error = %e, "cannot record delivered turns");
            }
        }
    }

    /// Records [`App::record_delivered`] every quarter second until `stop`.
    pub fn spawn_watermark(
        &self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                    _ = stop.changed() => break,
                }
                app.record_delivered().await;
            }
        })
    }

    /// One update in a resident's private chat.
    async fn turn(&self, update: Update, id: Option<i64>) -> Response {
        // Other bot processes on the same database wait for this turn of
        // this resident to end (a no-op with one process).
        let guard = match self.store.begin_turn(update.from.id, id).await {
            Ok(guard) => guard,
            Err(e) => {
                return self.failed(update.from.id, update.from.lang_hint.as_deref(), e.into())
            }
        };
        let response = if guard.handled {
            tracing::info!(update = id, "update handled by another process: skipped");
            Response {
                duplicate: true,
                ..Response::new(Vec::new())
            }
        } else {
            self.turn_held(update, id).await
        };
        guard.release().await;
        response
    }

    /// [`App::turn`], once the resident's turn is held.
    async fn turn_held(&self, update: Update, id: Option<i64>) -> Response {
        let user = update.from.id;
        let (state, drafts) = match self.store.load_turn(user).await {
            Ok((s, d)) => (s.unwrap_or_default(), d),
            Err(e) => return self.failed(user, update.from.lang_hint.as_deref(), e.into()),
        };
        let mut t = Turn::new(self, self.script(), &update.from, state);
        t.drafts = drafts;
        t.update = id;
        let routed = self.route(&mut t, &update).await;
        let finished = match routed {
            Ok(()) => t.finish().await,
            Err(e) => Err(e),
        };
        match finished {
            Ok(()) => Response {
                out: t.out,
                commands: t.commands,
                duplicate: false,
                guard: t.guard,
            },
            // Nothing was saved, so nothing is shown as done: the resident tries again.
            Err(e) => self.failed(user, update.from.lang_hint.as_deref(), e),
        }
    }

    /// Which use case takes a resident's update.
    async fn route(&self, t: &mut Turn<'_>, update: &Update) -> Result<(), AppError> {
        // A reply (Telegram's) to a librarian's answer goes on in that ticket.
        if let Incoming::Text {
            text,
            reply_to: Some(post),
            ..
        } = &update.input
        {
            if !text.trim_start().starts_with('/') {
                if let Some(ticket) = self.store.ticket_of_post(t.user, *post).await? {
                    return self.ticket_message(t, ticket, text.trim()).await;
                }
            }
        }
        let input = match &update.input {
            Incoming::Text { text, .. } => Input::from_text(text),
            Incoming::Press { data } => Input::Press(data.clone()),
            Incoming::Location {
                latitude,
                longitude,
            } => Input::Location {
                latitude: *latitude,
                longitude: *longitude,
            },
            Incoming::Resume => Input::Resume,
            Incoming::Photo { .. } | Incoming::Other { .. } | Incoming::Membership { .. } => {
                Input::Other
            }
        };
        if self.certificates(t, &input).await? == Handled::Yes {
            return Ok(());
        }
        if self.webinars(t, &input).await? == Handled::Yes {
            return Ok(());
        }
        if self.my_hub(t, &input).await? == Handled::Yes {
            return Ok(());
        }
        if self.faq_review_press(t, &input).await? == Handled::Yes {
            return Ok(());
        }
        if self.staff(t, &input, &update.input).await? == Handled::Yes {
            return Ok(());
        }
        if self.review(t, &input).await? == Handled::Yes {
            return Ok(());
        }
        self.step(t, &input).await
    }

    /// The engine's step, and what only the application can do for it.
    async fn step(&self, t: &mut Turn<'_>, input: &Input) -> Result<(), AppError> {
        // Residents see the librarians' facts at once.
        let hubs = self.hubs_now(t).await?;
        let review = self.review_tally(t, input).await?;
        let cx = engine::Context {
            lang_hint: t.hint.as_deref(),
            now: self.local_now(),
            handoff: self.librarians.is_some(),
            seed: engine::Context::seed_of(t.user),
            hubs: Some(&hubs),
            review,
        };
        let state = std::mem::take(&mut t.state);
        let outcome = engine::step(&t.script, state, input, &cx);
        t.state = outcome.state;
        t.lang = t.script.resolve_lang(t.state.lang.as_deref(), None);
        t.dirty = true;
        for reply in outcome.replies {
            t.reply(reply);
        }
        self.review_lesson_answers(t, &outcome.events);
        t.events.extend(outcome.events);
        let help = matches!(input, Input::Command { name, .. } if commands::parse(name) == Some(Cmd::Help));
        if help {
            self.staff_help(t).await?;
        }
        for effect in outcome.effects {
            match effect {
                Effect::Forget => t.forget = true,
                Effect::OpenTicket { text } => self.open_ticket(t, &text).await?,
                Effect::TicketMessage { ticket, text } => {
                    let ticket = i64::try_from(ticket).unwrap_or(i64::MAX);
                    self.ticket_message(t, ticket, &text).await?;
                }
            }
        }
        Ok(())
    }

    /// Librarians and admins see their own commands under `/help` too.
    async fn staff_help(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let roles = self.store.roles_of(t.user).await?;
        if roles.is_empty() {
            return Ok(());
        }
        let mut lines = vec![t.script.strings.get(Msg::HelpStaff, t.lang).to_string()];
        lines.push(commands::list(&t.script, t.lang, Access::Librarian));
        if roles.contains(&Role::Admin) {
            lines.push(commands::list(&t.script, t.lang, Access::Admin));
        }
        t.text(lines.join("\n"), Keyboard::None);
        Ok(())
    }

    /// "Something went wrong, try again" to a person, in their app's language.
    fn failed(&self, user: i64, hint: Option<&str>, error: AppError) -> Response {
        tracing::error!(user, error = %error, "an update could not be handled");
        let script = self.script();
        let lang = script.resolve_lang(None, hint);
        let text = script.strings.get(Msg::Failure, lang).to_string();
        Response::new(vec![Outgoing::text(To::Person(user), text, Keyboard::None)])
    }

    /// A message in the librarians' group, in its language.
    fn to_group(&self, script: &Script, msg: Msg, values: &[(&str, &str)]) -> Outgoing {
        Outgoing::text(
            To::Librarians,
            script.strings.fill(msg, GROUP_LANG, values),
            Keyboard::None,
        )
    }
}

/// Whether a use case took the input; if not, the next one gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handled {
    Yes,
    No,
}

/// One resident's update in progress: the state read once, what it changes,
/// and what it says. [`Turn::commit`] writes it all in one transaction.
struct Turn<'a> {
    app: &'a App,
    /// The content this update is served from, taken once.
    script: Arc<Script>,
    user: i64,
    /// The language the resident's app reports.
    hint: Option<String>,
    lang: usize,
    state: State,
    /// A librarian's drafts, saved beside the state; only this layer touches them.
    drafts: Drafts,
    /// The state or the drafts changed and must be saved.
    dirty: bool,
    events: Vec<Event>,
    writes: Vec<Write>,
    out: Vec<Outgoing>,
    /// The resident asked to be forgotten: delete instead of saving.
    forget: bool,
    committed: bool,
    guard: Option<TurnGuard>,
    /// The content was reloaded: the command menu is to be set anew.
    commands: bool,
    /// Telegram's id of the update, recorded with the commit: handled
    /// exactly when it took effect.
    update: Option<i64>,
}

impl<'a> Turn<'a> {
    fn new(app: &'a App, script: Arc<Script>, from: &Person, state: State) -> Turn<'a> {
        let lang = script.resolve_lang(state.lang.as_deref(), from.lang_hint.as_deref());
        Turn {
            app,
            script,
            user: from.id,
            hint: from.lang_hint.clone(),
            lang,
            state,
            drafts: Drafts::default(),
            dirty: false,
            events: Vec::new(),
            writes: Vec::new(),
            out: Vec::new(),
            forget: false,
            committed: false,
            guard: None,
            commands: false,
            update: None,
        }
    }

    /// Something the engine says, to this resident.
    fn reply(&mut self, reply: Reply) {
        self.out.push(Outgoing {
            to: To::Person(self.user),
            body: Body::Reply(reply),
            reply_to: None,
        });
    }

    /// A text with a keyboard, to this resident.
    fn text(&mut self, text: String, keyboard: Keyboard) {
        self.out
            .push(Outgoing::text(To::Person(self.user), text, keyboard));
    }

    /// One of the bot's sentences, to this resident.
    fn say(&mut self, msg: Msg, values: &[(&str, &str)]) {
        let text = self.script.strings.fill(msg, self.lang, values);
        self.text(text, Keyboard::None);
    }

    /// An audit row, written with the turn.
    fn audit(&mut self, action: &str, target: Option<&str>, detail: Option<&str>) {
        self.writes.push(Write::Audit {
            actor: self.user,
            action: action.to_string(),
            target: target.map(str::to_string),
            detail: detail.map(str::to_string),
            now: self.app.now(),
        });
    }

    /// Writes the state (if it changed), its events and every queued write in
    /// one transaction, and answers each write's row id or count. An update
    /// commits at most once: a second call writes nothing and answers nothing.
    async fn commit(&mut self) -> Result<Vec<i64>, AppError> {
        if self.committed {
            debug_assert!(self.writes.is_empty(), "a turn commits once");
            return Ok(Vec::new());
        }
        self.committed = true;
        let store = &self.app.store;
        let now = self.app.now();
        let mut writes = std::mem::take(&mut self.writes);
        if self.forget {
            let forgotten = store.forget(self.user).await;
            // The facts they set no longer name them.
            self.app.hub_facts.invalidate();
            forgotten?;
            return Ok(Vec::new());
        }
        let hub_facts_change = hubs::changes_facts(&writes);
        // Last, so each of the turn's own writes keeps its answer's place.
        let handled = self.update.take();
        if let Some(update) = handled {
            writes.push(Write::Handled { update, now });
        }
        let mut answers = if !self.dirty && self.events.is_empty() {
            store.write(writes).await?
        } else {
            let guard = self.app.inflight.begin();
            let answers = store
                .commit_turn(
                    Commit {
                        user: self.user,
                        now,
                        state: &self.state,
                        events: &self.events,
                    },
                    &self.drafts,
                    writes,
                    guard.turn(),
                )
                .await?;
            self.guard = Some(guard);
            answers
        };
        if hub_facts_change {
            self.app.hub_facts.invalidate();
        }
        if handled.is_some() {
            answers.pop();
        }
        Ok(answers)
    }

    /// Commits what is left and wakes the outbox if anything was queued.
    async fn finish(&mut self) -> Result<(), AppError> {
        let queued = !self.writes.is_empty();
        self.commit().await?;
        if queued {
            self.app.wake_outbox();
        }
        Ok(())
    }
}
